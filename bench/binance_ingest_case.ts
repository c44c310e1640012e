/**
 * The ingest benchmarks' Binance.US case, built once for `bench/ingest.ts` and
 * `bench/ingest_bench.ts`: a collector whose BTC/USDT book holds a REST snapshot, and `messages`
 * 20-level `depthUpdate` frames on the combined stream that continue it (`makeBookStream`'s
 * documented mix, 8-decimal prices and sizes, as Binance sends them).
 *
 * @module
 */
import { Core } from "../src/core/mod.ts";
import { BinanceCollector } from "../src/exchanges/binance/collector.ts";
import { BINANCE_US } from "../src/exchanges/binanceus/variant.ts";
import type { BookStream } from "./book_stream.ts";

/** `m` as a decimal with `scale` fraction digits. */
export function fixed(m: number, scale: number): string {
  const s = String(m).padStart(scale + 1, "0");
  return `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
}

/** The collector (snapshot applied) and the frames, `messages` of them from `stream`. */
export async function binanceIngestCase(
  stream: BookStream,
  messages: number,
): Promise<{ collector: BinanceCollector; frames: string[] }> {
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
  const price = (m: number) => fixed(m * 1e6, 8);
  const bids: string[][] = [];
  const asks: string[][] = [];
  for (let i = 0; i < stream.initSide.length; i++) {
    const level = [price(stream.initPrice[i]), fixed(stream.initSize[i], 8)];
    (stream.initSide[i] === 0 ? bids : asks).push(level);
  }
  collector.ingestRestSnapshot("BTC/USDT", JSON.stringify({ lastUpdateId: 100, bids, asks }));
  const frames: string[] = [];
  let u = 100;
  for (let m = 0; m < messages; m++) {
    const b: string[][] = [];
    const a: string[][] = [];
    for (let k = m * 20; k < m * 20 + 20; k++) {
      (stream.side[k] === 0 ? b : a).push([price(stream.price[k]), fixed(stream.size[k], 8)]);
    }
    frames.push(JSON.stringify({
      stream: "btcusdt@depth@100ms",
      data: { e: "depthUpdate", E: 1719835200123 + m, s: "BTCUSDT", U: u + 1, u: u + 3, b, a },
    }));
    u += 3;
  }
  return { collector, frames };
}
