/**
 * Fuzz: the real Binance (global) captures of BTCUSDT and ETHUSDT (hftbacktest, 2024-08-08)
 * (depth events and REST snapshots) interleaved by receive time into one replay-mode Binance
 * global collector, BTCUSDT's depth
 * frames mutated (`tests/support/fuzz_driver.ts`): nothing throws, every mutated frame reaching
 * the live book is counted or applied, BTCUSDT is never crossed, ETHUSDT stays exact (equal to a
 * collector fed the clean stream), bounded core memory. In replay mode a resync cannot fetch, so a
 * disturbed BTCUSDT book stays stale. (Binance has no checksum: a mutated price that still parses
 * and chains cannot be detected by any client; and the splice buffers events, so the driver's
 * per-frame reference model does not apply.)
 */
import type { BinanceCollector } from "../../src/exchanges/binance/collector.ts";
import { binance } from "../../src/exchanges/binance/descriptor.ts";
import { readHftbacktest, recording } from "../exchanges/recordings.ts";
import { describeReport, fuzzVenue } from "../support/fuzz_driver.ts";
import { venueHarness } from "./venue_harness.ts";

const BTC = recording("hftbacktest/spot/btcusdt_20240808.gz");
const ETH = recording("hftbacktest/spot/ethusdt_20240808.gz");
const SYMBOLS = ["BTC/USDT", "ETH/USDT"];

type Input = { ns: bigint; text: string; rest?: string };

Deno.test({
  name: "fuzz: mutated real Binance frames never throw, are counted, never corrupt a book",
  ignore: BTC === undefined || ETH === undefined,
  async fn() {
    const inputs: Input[] = [];
    for (const [path, symbol] of [[BTC!, "BTC/USDT"], [ETH!, "ETH/USDT"]]) {
      for (const line of await readHftbacktest(path)) {
        const rest = line.text.startsWith('{"stream"') ? undefined : symbol;
        // Book inputs only (the trades and bookTicker frames do not reach a book).
        if (rest === undefined && !line.text.includes("@depth")) continue;
        inputs.push({ ns: BigInt(line.localNs), text: line.text, rest });
      }
    }
    inputs.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
    const fz = {
      venue: "Binance",
      frames: inputs,
      async collector() {
        const h = await venueHarness(binance, { symbols: SYMBOLS }, { replay: true });
        return { collector: h.collector, memory: () => h.core.memory.buffer.byteLength };
      },
      feed(c: BinanceCollector, i: Input, text = i.text) {
        if (i.rest !== undefined) c.ingestRestSnapshot(i.rest, text);
        else c.ingest(text);
      },
      text: (i: Input) => i.text,
      isTarget: (i: Input) => i.rest === undefined && i.text.startsWith('{"stream":"btcusdt@depth'),
      target: "BTC/USDT",
      symbols: SYMBOLS,
      fields: ['"U"', '"u"', '"b"', '"a"', '"s"', '"e"', '"data"'],
      gapScope: binance.gapScope,
      resync(c: BinanceCollector, i: Input, clean: BinanceCollector) {
        // What the REST snapshot would bring: the book as it stands, at this event's `u`.
        const lastUpdateId = JSON.parse(i.text).data.u;
        const top = clean.books.top("BTC/USDT", 100_000);
        c.ingestRestSnapshot("BTC/USDT", JSON.stringify({ lastUpdateId, ...top }));
      },
      extraRefusals: (c: BinanceCollector) => c.oldEvents,
      runs: 5,
      seed: 3,
      maxEvery: 50,
    };
    console.log(describeReport(fz, await fuzzVenue(fz)));
  },
});
