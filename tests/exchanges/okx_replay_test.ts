/**
 * Replay of the real OKX capture `cryptofeed-v3/OKX.jsonl.gz` (2022, legacy wire: in-band snapshot,
 * updates with the signed CRC-32 checksum, no sequence ids) through the OKX collector on the real
 * WASM core: every server checksum must match the rebuilt book (3 snapshots + 287 updates), and the
 * end-of-file tops must equal OKX-3 (exchange-protocols.md §6). Skipped when the data is absent.
 */
import { deepEqual, equal } from "node:assert/strict";
import { parseOkxMessage } from "../../src/exchanges/okx/parse.ts";
import { OKX_CAPTURE, okxFrames, okxReplayCollector } from "./okx_capture.ts";

Deno.test({
  name: "okx replay: every legacy checksum of the 2022 capture matches the rebuilt book",
  ignore: OKX_CAPTURE === undefined,
  async fn() {
    const frames = await okxFrames(OKX_CAPTURE!);
    const collector = await okxReplayCollector();
    const counts = { snapshots: 0, updates: 0, trades: 0 } as Record<string, number>;
    const perBook: Record<string, number> = {};
    for (const f of frames) {
      for (const m of parseOkxMessage(f)) {
        if (m.kind === "book" && m.checksum !== undefined && m.checksum !== 0) {
          counts[m.snapshot ? "snapshots" : "updates"]++;
          if (!m.snapshot) perBook[m.symbol] = (perBook[m.symbol] ?? 0) + 1;
        } else if (m.kind === "trade") counts.trades++;
      }
      collector.ingest(f);
    }
    const h = collector.health();
    console.log(
      `OKX capture: ${frames.length} frames; checksummed snapshots ${counts.snapshots}, updates ` +
        `${counts.updates} (${
          JSON.stringify(perBook)
        }); verified ${collector.checksumsVerified}, ` +
        `failures ${h.checksumFailures}; trades ${counts.trades}`,
    );
    equal(counts.snapshots, 3);
    equal(counts.updates, 287);
    deepEqual(perBook, { "BTC-USDT": 97, "BTC-USD-220527": 98, "UNI-USD-SWAP": 92 });
    equal(h.checksumFailures, 0);
    equal(collector.checksumsVerified, 290);
    equal(h.parseErrors, 0);
    equal(h.gaps, 0);
    // OKX-3: end-of-file tops.
    const top = (s: string) => {
      const t = collector.books.top(s, 1);
      return [t.bids[0], t.asks[0]];
    };
    deepEqual(top("BTC/USDT"), [["30236.1", "0.18050747"], ["30236.2", "0.001"]]);
    deepEqual(top("BTC/USD"), [["30229.4", "2"], ["30238.8", "3"]]);
    deepEqual(top("UNI/USD"), [["5.137", "20"], ["5.145", "50"]]);
    for (const b of h.books) equal(b.state, "live", b.symbol);
    await collector.stop();
  },
});
