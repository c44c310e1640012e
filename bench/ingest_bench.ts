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
import { binanceIngestCase } from "./binance_ingest_case.ts";
import { makeBookStream } from "./book_stream.ts";

const PER_ITER = 1000;
const MESSAGES = 50_000;
const { collector, frames } = await binanceIngestCase(
  makeBookStream({ updates: MESSAGES * 20, perMessage: 20 }),
  MESSAGES,
);

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
