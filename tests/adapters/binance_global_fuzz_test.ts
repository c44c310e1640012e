/**
 * Fuzz: the real Binance (global) captures of BTCUSDT and ETHUSDT (hftbacktest, 2024-08-08)
 * interleaved by receive time into one Binance global collector; BTCUSDT's depth frames are
 * mutated (bytes flipped, cut short, digits swapped, fields dropped, text duplicated). No frame
 * may throw inside the adapter; ETHUSDT must stay exact (equal to a collector fed the clean
 * stream). In replay mode a resync cannot fetch, so a disturbed BTCUSDT book stays stale. (Binance
 * has no checksum: a mutated price that still parses and chains cannot be detected by any client.)
 */
import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { parseConfig } from "../../src/config.ts";
import { Core } from "../../src/core/mod.ts";
import type { BinanceCollector } from "../../src/exchanges/binance/collector.ts";
import { binance } from "../../src/exchanges/binance/descriptor.ts";
import { readHftbacktest, recording } from "../exchanges/recordings.ts";

const BTC = recording("hftbacktest/spot/btcusdt_20240808.gz");
const ETH = recording("hftbacktest/spot/ethusdt_20240808.gz");
const SYMBOLS = ["BTC/USDT", "ETH/USDT"];

type Input = { ns: bigint; text: string; rest?: string };
type Mutation = { kind: string; at?: number; byte?: number; field?: string };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: fc.nat(), byte: fc.integer({ min: 32, max: 126 }) }),
  fc.record({ kind: fc.constant("cut"), at: fc.nat() }),
  fc.record({ kind: fc.constant("digit"), at: fc.nat(), byte: fc.integer({ min: 48, max: 57 }) }),
  fc.record({
    kind: fc.constant("drop"),
    field: fc.constantFrom('"U"', '"u"', '"b"', '"a"', '"s"', '"e"', '"data"'),
  }),
  fc.record({ kind: fc.constant("dup"), at: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  const at = (m.at ?? 0) % Math.max(1, text.length);
  switch (m.kind) {
    case "flip":
      return text.slice(0, at) + String.fromCharCode(m.byte!) + text.slice(at + 1);
    case "cut":
      return text.slice(0, at);
    case "digit": {
      const i = text.slice(at).search(/\d/);
      if (i < 0) return text;
      return text.slice(0, at + i) + String.fromCharCode(m.byte!) + text.slice(at + i + 1);
    }
    case "drop":
      return text.replace(m.field!, '"x_removed"');
    default:
      return text.slice(0, at) + text.slice(at, at + 20) + text.slice(at);
  }
}

async function collector(): Promise<BinanceCollector> {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const cfg = parseConfig({ exchanges: { binance: { symbols: SYMBOLS } } });
  return binance.createCollector(cfg.exchanges.binance!, {
    core,
    exchangeCode: binance.code,
    depth: 50,
    replay: true,
  });
}

function feed(c: BinanceCollector, input: Input, text = input.text): void {
  if (input.rest !== undefined) c.ingestRestSnapshot(input.rest, text);
  else c.ingest(text);
}

Deno.test({
  name: "fuzz: mutated real Binance frames never throw nor corrupt another book",
  ignore: BTC === undefined || ETH === undefined,
  async fn() {
    const inputs: Input[] = [];
    for (const [path, symbol] of [[BTC!, "BTC/USDT"], [ETH!, "ETH/USDT"]]) {
      for (const line of await readHftbacktest(path)) {
        const rest = line.text.startsWith('{"stream"') ? undefined : symbol;
        inputs.push({ ns: BigInt(line.localNs), text: line.text, rest });
      }
    }
    inputs.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
    const clean = await collector();
    for (const i of inputs) feed(clean, i);
    equal(clean.books.state("ETH/USDT"), "live");
    let mutated = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        async (muts, every) => {
          const c = await collector();
          let k = 0;
          for (const i of inputs) {
            const target = i.rest === undefined && i.text.startsWith('{"stream":"btcusdt@depth');
            if (target && (k++ % every) === 0) {
              feed(c, i, mutate(i.text, muts[k % muts.length]));
              mutated++;
            } else feed(c, i);
          }
          equal(c.handlerFailures, 0, "the adapter threw on mutated input");
          equal(c.books.state("ETH/USDT"), "live");
          equal(
            JSON.stringify(c.books.top("ETH/USDT", 1000)),
            JSON.stringify(clean.books.top("ETH/USDT", 1000)),
            "ETH/USDT was corrupted",
          );
          const btc = c.books.state("BTC/USDT");
          ok(btc === "live" || btc === "stale" || btc === "connecting", `BTC/USDT is ${btc}`);
        },
      ),
      { numRuns: 8, seed: 3 },
    );
    console.log(`    ${mutated} mutated BTCUSDT depth frames across 8 runs; ETHUSDT exact`);
  },
});
