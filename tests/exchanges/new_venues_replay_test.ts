/**
 * Replays of the real Bybit linear and Bitfinex captures (`cryptofeed-v3/`, skipped when absent)
 * through the real collectors and the compiled WASM core: every frame as recorded, from the
 * connection's opening. Bybit: `u` continuity (0 gaps, 0 duplicates) and the end-of-file books of
 * vector BY-1 at the instruments-info scales. Bitfinex: sequence continuity 1…1670 checked by the
 * collector, the book rules, the checksum of the real tMNABTC snapshot computed from the core book
 * (vector BF-1) and the end-of-file books (vector BF-3).
 */
import { equal, ok } from "node:assert/strict";
import type { BitfinexCollector } from "../../src/exchanges/bitfinex/collector.ts";
import { bitfinex } from "../../src/exchanges/bitfinex/descriptor.ts";
import type { BybitCollector } from "../../src/exchanges/bybit/collector.ts";
import { bybit } from "../../src/exchanges/bybit/descriptor.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { readCryptofeedV3 } from "../exchanges/cryptofeed_v3.ts";
import { recording } from "../exchanges/recordings.ts";
import { venueHarness } from "./venue_harness.ts";

const BYBIT = recording("cryptofeed-v3/BYBIT.linear.jsonl.gz");
const BITFINEX = recording("cryptofeed-v3/BITFINEX.jsonl.gz");

function best(
  c: { books: { top(s: string, n: number): { bids: string[][]; asks: string[][] } } },
  s: string,
) {
  const t = c.books.top(s, 1);
  return `${t.bids[0][0]} × ${t.bids[0][1]} / ${t.asks[0][0]} × ${t.asks[0][1]}`;
}

Deno.test({
  name: "adapter replay: Bybit linear capture through the Bybit collector (u continuity, BY-1)",
  ignore: BYBIT === undefined,
  async fn() {
    const lines = await readCryptofeedV3(BYBIT!);
    const symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "DOGE/USDT"];
    const h = await venueHarness(bybit, { symbols, category: "linear", depth: 200 }, {
      replay: true,
    });
    const c = h.collector as BybitCollector;
    c.ingestOpen();
    let frames = 0;
    for (const line of lines) {
      if (line.t === "http" && line.url?.includes("instruments-info")) {
        c.ingestInstruments(line.data!);
      }
      if (line.t !== "recv") continue;
      c.ingest(line.data!, line.ts! * 1000);
      frames++;
    }
    const health = c.health();
    const updates = health.books.map((b) => `${b.symbol} ${b.updates - 1}`).join(", ");
    console.log(
      `    ${frames} frames; deltas applied: ${updates}; gaps ${health.gaps}, duplicates ` +
        `${c.staleDuplicates}, parse errors ${health.parseErrors}, scales BTC ${
          c.books.scales("BTC/USDT")
        }`,
    );
    equal(health.gaps, 0);
    equal(c.staleDuplicates, 0);
    equal(health.parseErrors, 0);
    equal(health.books.reduce((a, b) => a + b.updates - 1, 0), 1594);
    ok(health.books.every((b) => b.state === "live" && b.resyncs === 0));
    equal(c.books.scales("BTC/USDT").join(), "2,3", "scales from instruments-info");
    const want: Record<string, string> = {
      "BTC/USDT": "65114.2 × 5.974 / 65114.3 × 9.06",
      "ETH/USDT": "1922.54 × 52 / 1922.55 × 19.25",
      "SOL/USDT": "77.26 × 1041.8 / 77.27 × 356.1",
      "DOGE/USDT": "0.07055 × 192121 / 0.07056 × 4200",
    };
    for (const [s, w] of Object.entries(want)) {
      equal(
        best(c, s).split(" ").map((x) => (/^\d/.test(x) ? normalizeDecimal(x) : x)).join(" "),
        w,
        s,
      );
      equal(c.books.top(s, 1000).bids.length, 200, `${s} holds 200 bids`);
    }
  },
});

Deno.test({
  name:
    "adapter replay: Bitfinex capture through the Bitfinex collector (sequence 1…1670, BF-1, BF-3)",
  ignore: BITFINEX === undefined,
  async fn() {
    const lines = await readCryptofeedV3(BITFINEX!);
    const symbols = [
      "BFT/USD",
      "IOT/ETH",
      "DOG/USD",
      "MNA/BTC",
      "ODE/USD",
      "TESTBTC/TESTUSD",
      "SNG/USD",
    ];
    const h = await venueHarness(bitfinex, { symbols, len: 100 }, { replay: true });
    const c = h.collector as BitfinexCollector;
    c.ingestOpen();
    let bf1: number | undefined;
    let frames = 0;
    for (const line of lines) {
      if (line.t !== "recv") continue;
      const wasLive = c.books.state("MNA/BTC") === "live";
      c.ingest(line.data!, line.ts! * 1000);
      frames++;
      if (!wasLive && c.books.state("MNA/BTC") === "live") bf1 = c.bookChecksum("MNA/BTC");
    }
    const health = c.health();
    console.log(
      `    ${frames} frames; gaps ${health.gaps}, repeats ${c.repeatedMessages}, parse errors ` +
        `${health.parseErrors}, unknown ${health.unknownMessages}; updates ${
          health.books.reduce((a, b) => a + b.updates - 1, 0)
        }; tMNABTC snapshot checksum ${bf1}`,
    );
    equal(health.gaps, 0);
    equal(c.repeatedMessages, 0);
    equal(health.parseErrors, 0, h.logs.join("\n"));
    equal(health.books.reduce((a, b) => a + b.updates - 1, 0), 1593);
    ok(health.books.every((b) => b.state === "live" && b.resyncs === 0 && b.absentDeletes === 0));
    equal(bf1, -1742076780, "BF-1 from the core book");
    const want: Record<string, string> = {
      "TESTBTC/TESTUSD": "60417 × 0.68807848 / 60423 × 0.68805459",
      "DOG/USD": "277730 × 0.09383141 / 282030 × 0.027",
      "ODE/USD": "0.02056 × 4510.99 / 0.02088 × 2335.56",
      "IOT/ETH": "0.001026 × 9.80717706 / 0.0010272 × 8",
      "MNA/BTC": "0.00002505 × 504.35063355 / 0.0000253 × 66.58783643",
      "BFT/USD": "0.068965 × 6098.17017201 / 0.0774 × 6662.31867263",
      "SNG/USD": "0.037108 × 6830.77512 / 0.038798 × 1461.09590662",
    };
    for (const [s, w] of Object.entries(want)) {
      equal(
        best(c, s).split(" ").map((x) => (/^\d/.test(x) ? normalizeDecimal(x) : x)).join(" "),
        w,
        s,
      );
    }
  },
});
