/**
 * Fuzz: the real Bybit linear capture (`cryptofeed-v3/BYBIT.linear.jsonl.gz`, skipped when absent)
 * through a replay-mode Bybit collector, BTCUSDT's `orderbook.200` frames mutated
 * (`tests/support/fuzz_driver.ts`): nothing throws, every mutated frame reaching the live book is
 * counted or applied, the book is never crossed and equals a reference model of what it accepted,
 * the other three books stay exact (a `u` gap resubscribes that topic only), at most 200 levels a
 * side, bounded core memory. (Bybit has no checksum: a mutated size that still parses and chains
 * is indistinguishable from a real one for any client.)
 */
import type { BybitCollector } from "../../src/exchanges/bybit/collector.ts";
import { bybit } from "../../src/exchanges/bybit/descriptor.ts";
import { parseBybitMessage } from "../../src/exchanges/bybit/parse.ts";
import { readCryptofeedV3, type V3Line } from "../exchanges/cryptofeed_v3.ts";
import { recording } from "../exchanges/recordings.ts";
import { describeReport, type FrameBook, fuzzVenue } from "../support/fuzz_driver.ts";
import { venueHarness } from "./venue_harness.ts";

const PATH = recording("cryptofeed-v3/BYBIT.linear.jsonl.gz");
const SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "DOGE/USDT"];
const DEPTH = 200;

Deno.test({
  name: "fuzz: mutated real Bybit frames never throw, are counted, never corrupt a book",
  ignore: PATH === undefined,
  async fn() {
    const frames = (await readCryptofeedV3(PATH!)).filter((l) =>
      l.t === "recv" || (l.t === "http" && l.url?.includes("instruments-info"))
    );
    const fz = {
      venue: "Bybit",
      frames,
      async collector() {
        const h = await venueHarness(
          bybit,
          { symbols: SYMBOLS, category: "linear", depth: DEPTH },
          {
            replay: true,
          },
        );
        h.collector.ingestOpen();
        return { collector: h.collector, memory: () => h.core.memory.buffer.byteLength };
      },
      feed(c: BybitCollector, line: V3Line, text = line.data!) {
        if (line.t === "http") c.ingestInstruments(text);
        else c.ingest(text, line.ts! * 1000);
      },
      text: (line: V3Line) => line.data!,
      isTarget: (line: V3Line) =>
        line.t === "recv" && line.data!.includes('"topic":"orderbook.200.BTCUSDT"'),
      target: "BTC/USDT",
      symbols: SYMBOLS,
      fields: ['"u"', '"b"', '"a"', '"s"', '"type"', '"topic"', '"data"', '"seq"'],
      gapScope: bybit.gapScope,
      maxLevels: DEPTH,
      bookOf(text: string): FrameBook | undefined {
        const m = parseBybitMessage(text).find((x) => x.kind === "book");
        if (m?.kind !== "book") return undefined;
        const symbol = bybit.fromNative(m.symbol, SYMBOLS);
        return symbol === undefined ? undefined : { ...m, symbol };
      },
      resync(c: BybitCollector, line: V3Line, clean: BybitCollector) {
        // What a resubscribe brings: a snapshot of the book as it stands, at the same `u`.
        const top = clean.books.top("BTC/USDT", 1000);
        const o = JSON.parse(line.data!);
        o.type = "snapshot";
        o.data.b = top.bids;
        o.data.a = top.asks;
        c.ingest(JSON.stringify(o), line.ts! * 1000);
      },
      extraRefusals: (c: BybitCollector) => c.staleDuplicates,
      runs: 30,
      seed: 5,
      maxEvery: 40,
    };
    console.log(describeReport(fz, await fuzzVenue(fz)));
  },
});
