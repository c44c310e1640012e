/**
 * Ingest per message for Binance (global) spot and OKX v5, frame in to delta records in the ring,
 * through the real adapters (parse, splice/chain check, legacy checksum where sent, core apply,
 * top-50 diff, ring write), with Binance.US as the peer in the same run (ratios). The frames are
 * built from one deterministic stream (`book_stream.ts`, 20 level changes per message near the
 * top); the bench prints the mix it generated. Each case runs twice on fresh collectors (the
 * first round warms the JIT) and reports the second.
 *
 *   flock /tmp/bench.lock deno run -A bench/ingest_binance_okx.ts
 */
import { parseConfig } from "../src/config.ts";
import { Core } from "../src/core/mod.ts";
import { okxLegacyChecksum } from "../src/exchanges/okx/checksum.ts";
import type { SocketCollector } from "../src/exchanges/collector.ts";
import { venue } from "../src/exchanges/registry.ts";
import { makeBookStream } from "./book_stream.ts";

const MESSAGES = 50_000;
const LEGACY_MESSAGES = 20_000;
const PER = 20;
const stream = makeBookStream({ updates: MESSAGES * PER, perMessage: PER });

/** Fixed-point text; `trim` gives OKX's shortest form (no trailing zeros). */
const fmt = (m: number, scale: number, trim = false) => {
  const s = String(m).padStart(scale + 1, "0");
  let t = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  if (trim) t = t.replace(/0+$/, "").replace(/\.$/, "");
  return t;
};

function initial(trim: boolean) {
  const bids: string[][] = [];
  const asks: string[][] = [];
  for (let i = 0; i < stream.initSide.length; i++) {
    const l = [fmt(stream.initPrice[i], 2, trim), fmt(stream.initSize[i], 8, trim)];
    (stream.initSide[i] === 0 ? bids : asks).push(l);
  }
  return { bids, asks };
}

function message(m: number, trim: boolean) {
  const b: string[][] = [];
  const a: string[][] = [];
  for (let k = m * PER; k < m * PER + PER; k++) {
    const l = [fmt(stream.price[k], 2, trim), fmt(stream.size[k], 8, trim)];
    (stream.side[k] === 0 ? b : a).push(l);
  }
  return { b, a };
}

async function make(id: string, settings: Record<string, unknown>): Promise<SocketCollector> {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const v = venue(id);
  const cfg = parseConfig({ exchanges: { [id]: { symbols: ["BTC/USDT"], ...settings } } });
  return v.createCollector((cfg.exchanges as Record<string, never>)[id], {
    core,
    exchangeCode: v.code,
    depth: 50,
    replay: true,
  });
}

function measure(name: string, c: SocketCollector, frames: string[], quiet = false) {
  const times = new Float64Array(frames.length);
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const a = performance.now();
    c.ingest(frames[i], 0);
    times[i] = performance.now() - a;
  }
  const total = performance.now() - t0;
  const sorted = Array.from(times).sort((x, y) => x - y);
  const q = (p: number) => sorted[Math.floor(p * (sorted.length - 1))] * 1000;
  const h = c.health();
  const b = h.books[0];
  const bytes = frames.reduce((s, f) => s + f.length, 0) / frames.length;
  const perSec = frames.length / (total / 1000);
  if (quiet) return perSec;
  console.log(
    `| ${name} | ${Math.round(bytes)} | ${q(0.5).toFixed(2)} | ${q(0.99).toFixed(2)} | ${
      Math.round(perSec).toLocaleString("en-US")
    } | ${b.state}, ${b.updates} updates, ${h.gaps} gaps, ${h.checksumFailures} checksum failures, ${h.parseErrors} errors |`,
  );
  return perSec;
}

let deletes = 0;
for (let k = 0; k < MESSAGES * PER; k++) if (stream.size[k] === 0) deletes++;
console.log(
  `stream: ${MESSAGES} messages x ${PER} level changes, ${
    (100 * deletes / (MESSAGES * PER)).toFixed(1)
  }% deletes; ${stream.initSide.length} initial levels\n`,
);
console.log("| message | bytes | median µs | p99 µs | messages/s | check |");
console.log("| --- | ---: | ---: | ---: | ---: | --- |");

const rates: Record<string, number> = {};

/** Binance family: the same frames for Binance.US (peer) and Binance global. */
async function binanceCase(id: string, quiet: boolean) {
  const c = await make(id, { maxConnectionAgeMs: 86_400_000 });
  const init = initial(false);
  (c as unknown as { ingestRestSnapshot(s: string, b: string): void }).ingestRestSnapshot(
    "BTC/USDT",
    JSON.stringify({ lastUpdateId: 100, bids: init.bids, asks: init.asks }),
  );
  const frames: string[] = [];
  let u = 100;
  for (let m = 0; m < MESSAGES; m++) {
    const { b, a } = message(m, false);
    frames.push(JSON.stringify({
      stream: "btcusdt@depth@100ms",
      data: { e: "depthUpdate", E: 1719835200123 + m, s: "BTCUSDT", U: u + 1, u: u + 3, b, a },
    }));
    u += 3;
  }
  rates[id] = measure(`${venue(id).name} depthUpdate, ${PER} levels`, c, frames, quiet);
}

/** OKX current protocol: REST seed, prevSeqId/seqId chain, no checksum. */
async function okxCase(quiet: boolean) {
  const c = await make("okx", {});
  const init = initial(true);
  const lv = (l: string[][]) => l.map(([p, s]) => [p, s, "0", s === "0" ? "0" : "1"]);
  (c as unknown as { ingestRestSnapshot(s: string, b: string): void }).ingestRestSnapshot(
    "BTC/USDT",
    JSON.stringify({
      code: "0",
      msg: "",
      data: [{ asks: lv(init.asks), bids: lv(init.bids), ts: "1786310819000", seqId: 1000 }],
    }),
  );
  const frames: string[] = [];
  let seq = 1000;
  for (let m = 0; m < MESSAGES; m++) {
    const { b, a } = message(m, true);
    const next = seq + 7 + (m % 87);
    frames.push(JSON.stringify({
      arg: { channel: "books", instId: "BTC-USDT" },
      action: "update",
      data: [{
        asks: lv(a),
        bids: lv(b),
        ts: String(1786310819000 + m),
        prevSeqId: seq,
        seqId: next,
      }],
    }));
    seq = next;
  }
  rates.okx = measure(`OKX books update, ${PER} levels (seqId chain)`, c, frames, quiet);
}

/** OKX legacy wire: in-band snapshot, every update's signed CRC-32 of the top 25 verified. */
async function okxLegacyCase(quiet: boolean) {
  const c = await make("okx", {});
  const ref = await Core.create({ ringCapacity: 0 });
  const rb = ref.createBook({
    exchange: 6,
    symbol: 0,
    priceScale: 2,
    sizeScale: 8,
    depth: 25,
    maxLevels: 400,
  });
  const init = initial(true);
  const flat = (l: string[][]) => l.flatMap(([p, s]) => [p, s]);
  const sum = () => okxLegacyChecksum(ref.topText(rb, 0, 25), ref.topText(rb, 1, 25));
  ref.begin(rb).addLevels(0, flat(init.bids)).addLevels(1, flat(init.asks));
  ref.applyLevels();
  const lv = (l: string[][]) => l.map(([p, s]) => [p, s, "0", "1"]);
  const book = (action: string, b: string[][], a: string[][], checksum: number) =>
    JSON.stringify({
      arg: { channel: "books", instId: "BTC-USDT" },
      action,
      data: [{ asks: lv(a), bids: lv(b), ts: "1652459232552", checksum }],
    });
  c.ingest(book("snapshot", init.bids, init.asks, sum()));
  const frames: string[] = [];
  for (let m = 0; m < LEGACY_MESSAGES; m++) {
    const { b, a } = message(m, true);
    ref.begin(rb).addLevels(0, flat(b)).addLevels(1, flat(a));
    ref.applyLevels();
    frames.push(book("update", b, a, sum()));
  }
  rates.okxLegacy = measure(
    `OKX legacy books update, ${PER} levels (checksum verified)`,
    c,
    frames,
    quiet,
  );
}

for (const quiet of [true, false]) {
  await binanceCase("binanceus", quiet);
  await binanceCase("binance", quiet);
  await okxCase(quiet);
  await okxLegacyCase(quiet);
}

console.log(
  `\nratios to Binance.US: Binance ${(rates.binance / rates.binanceus).toFixed(2)}, OKX ${
    (rates.okx / rates.binanceus).toFixed(2)
  }, OKX legacy ${(rates.okxLegacy / rates.binanceus).toFixed(2)}`,
);
