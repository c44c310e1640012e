/**
 * `deno task bench` case for the ingest bar (DESIGN §9: a 20-level Binance frame into the ring,
 * median under 4 µs): a Binance.US `depthUpdate` of 20 level changes on the combined stream,
 * through the real collector (`ingest`: depth fast path or general parser, sequence check,
 * stage, apply, top-50 diff, ring write). Each iteration ingests 1,000 consecutive frames of one
 * pre-built stream, so time/iter ÷ 1,000 is the cost of one frame. `bench/ingest.ts` times every
 * frame one by one and prints the median and p99 (the README's table of record).
 *
 *   deno bench -A bench/ingest_bench.ts
 *
 * @module
 */
import { Core } from "../src/core/mod.ts";
import { BinanceCollector } from "../src/exchanges/binance/collector.ts";
import { BINANCE_US } from "../src/exchanges/binanceus/variant.ts";
import { makeBookStream } from "./book_stream.ts";

const PER_ITER = 1000;
const MESSAGES = 50_000;
const stream = makeBookStream({ updates: MESSAGES * 20, perMessage: 20 });
const fmt = (m: number, scale: number) => {
  const s = String(m).padStart(scale + 1, "0");
  return `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
};
const price = (m: number) => fmt(m * 1e6, 8);

const core = await Core.create({ ringCapacity: 1 << 16 });
const collector = new BinanceCollector(
  {
    symbols: ["BTC/USDT"],
    wsUrl: "ws://127.0.0.1:1",
    restUrl: "http://127.0.0.1:1",
    snapshotLimit: 1000,
    restWeightPerMinute: 600,
    maxConnectionAgeMs: 0,
    silenceTimeoutMs: 60_000,
    minBackoffMs: 100,
    maxBackoffMs: 1000,
  },
  { core, exchangeCode: 3, depth: 50 },
  BINANCE_US,
);
const bids: string[][] = [];
const asks: string[][] = [];
for (let i = 0; i < stream.initSide.length; i++) {
  (stream.initSide[i] === 0 ? bids : asks).push([
    price(stream.initPrice[i]),
    fmt(stream.initSize[i], 8),
  ]);
}
collector.ingestRestSnapshot("BTC/USDT", JSON.stringify({ lastUpdateId: 100, bids, asks }));
const frames: string[] = [];
let u = 100;
for (let m = 0; m < MESSAGES; m++) {
  const b: string[][] = [];
  const a: string[][] = [];
  for (let k = m * 20; k < m * 20 + 20; k++) {
    (stream.side[k] === 0 ? b : a).push([price(stream.price[k]), fmt(stream.size[k], 8)]);
  }
  frames.push(JSON.stringify({
    stream: "btcusdt@depth@100ms",
    data: { e: "depthUpdate", E: 1719835200123 + m, s: "BTCUSDT", U: u + 1, u: u + 3, b, a },
  }));
  u += 3;
}

let next = 0;
Deno.bench({
  name: "ingest: Binance.US depthUpdate, 20 levels, frame → ring, x1000 frames",
  group: "ingest",
  fn() {
    if (next + PER_ITER > frames.length) throw new Error("stream exhausted: raise MESSAGES");
    for (let i = 0; i < PER_ITER; i++) collector.ingest(frames[next++], 0);
  },
  n: Math.floor(MESSAGES / PER_ITER) - 5,
  warmup: 5,
});

globalThis.addEventListener("unload", () => {
  const h = collector.health();
  if (h.gaps !== 0 || h.parseErrors !== 0 || h.books[0].state !== "live") {
    throw new Error(`ingest bench stream went wrong: ${JSON.stringify(h.books[0])}`);
  }
  console.log(
    `ingest bench: ${
      h.books[0].updates
    } updates applied, ${collector.fastDepthUpdates} by the depth fast path, 0 gaps, 0 parse errors`,
  );
});
