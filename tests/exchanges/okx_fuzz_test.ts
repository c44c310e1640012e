/**
 * Fuzz: the real OKX capture (`cryptofeed-v3/OKX.jsonl.gz`, the 2022 wire with in-band snapshots
 * and legacy checksums) through a replay-mode OKX collector, UNI-USD-SWAP's `books` frames mutated
 * (`tests/support/fuzz_driver.ts`): nothing throws, every mutated frame reaching the live book is
 * counted or applied, the book is never crossed and equals a reference model of what it accepted,
 * after every accepted frame with a checksum UNI-USD-SWAP equals the clean book's top 25 (the
 * legacy checksum catches every change that matters to it: it goes stale, and is resynced with a
 * snapshot as the exchange would send), the other two books stay exact, at most 400 levels a
 * side, bounded core memory.
 */
import { Core } from "../../src/core/mod.ts";
import type { OkxCollector } from "../../src/exchanges/okx/collector.ts";
import { okx } from "../../src/exchanges/okx/descriptor.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { parseOkxMessage } from "../../src/exchanges/okx/parse.ts";
import {
  OKX_CAPTURE,
  OKX_CAPTURE_SYMBOLS,
  okxFrames,
  okxReplayCollector,
} from "../exchanges/okx_capture.ts";
import { describeReport, type FrameBook, fuzzVenue } from "../support/fuzz_driver.ts";

const TARGET_ID = '"instId":"UNI-USD-SWAP"';

Deno.test({
  name: "fuzz: mutated real OKX frames never throw, are counted, never corrupt a book",
  ignore: OKX_CAPTURE === undefined,
  async fn() {
    const fz = {
      venue: "OKX",
      frames: await okxFrames(OKX_CAPTURE!),
      async collector() {
        const core = await Core.create({ ringCapacity: 1 << 16 });
        const c = await okxReplayCollector([], core);
        return { collector: c, memory: () => core.memory.buffer.byteLength };
      },
      feed: (c: OkxCollector, f: string, text = f) => c.ingest(text),
      text: (f: string) => f,
      isTarget: (f: string) => f.includes(TARGET_ID) && f.includes('"books"'),
      target: "UNI/USD",
      symbols: OKX_CAPTURE_SYMBOLS,
      fields: ['"checksum"', '"asks"', '"bids"', '"instId"', '"action"', '"ts"'],
      gapScope: okx.gapScope,
      maxLevels: 400,
      verified: {
        levels: 25,
        carries: (text: string) =>
          parseOkxMessage(text).some((m) => m.kind === "book" && (m.checksum ?? 0) !== 0),
      },
      bookOf(text: string): FrameBook | undefined {
        const m = parseOkxMessage(text).find((x) => x.kind === "book");
        if (m?.kind !== "book" || m.symbol !== "UNI-USD-SWAP") return undefined;
        return { ...m, symbol: "UNI/USD" };
      },
      resync(c: OkxCollector, f: string, clean: OkxCollector) {
        // What a resubscribe brings on this wire: an in-band snapshot of the book as it stands
        // (its legacy checksum is the one the clean frame carried).
        const o = JSON.parse(f);
        const lv = (l: Array<[string, string]>) =>
          l.map(([p, s]) => [normalizeDecimal(p), normalizeDecimal(s), "0", "1"]);
        const top = clean.books.top("UNI/USD", 1000);
        o.action = "snapshot";
        o.data[0].bids = lv(top.bids);
        o.data[0].asks = lv(top.asks);
        c.ingest(JSON.stringify(o));
      },
      runs: 15,
      seed: 11,
      maxEvery: 5,
    };
    console.log(describeReport(fz, await fuzzVenue(fz)));
  },
});
