/**
 * Ingest per message for the venues added after the first three — Binance (global) spot, OKX v5,
 * Bybit v5, Bitfinex v2 — frame in to delta records in the ring, through the real adapters (parse,
 * splice/chain/sequence check, checksum where sent, core apply, top-50 diff, ring write), with
 * Binance.US as the peer in the same run (ratios). The frames are built from one deterministic
 * stream (`book_stream.ts`, 20 level changes per message near the top); the bench prints the mix
 * it generated. Bitfinex sends one level per message and, with `OB_CHECKSUM`, a `cs` message after
 * it: its case times each row + `cs` pair (the checksum verified on every pair), from the same
 * level changes one at a time. Each case runs twice on fresh collectors (the first round warms the
 * JIT) and reports the second. The same figures on the real recordings, every venue:
 * `bench/ingest_recordings.ts`.
 *
 *   flock /tmp/bench.lock deno run -A bench/ingest_venues.ts
 */
import { parseConfig } from "../src/config.ts";
import { Core } from "../src/core/mod.ts";
import { bitfinexChecksum } from "../src/exchanges/bitfinex/checksum.ts";
import { OB_CHECKSUM, SEQ_ALL } from "../src/exchanges/bitfinex/wire.ts";
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

/** Times each frame (or each group of frames, fed back to back, as one message). */
function measure(
  name: string,
  c: SocketCollector,
  frames: ReadonlyArray<string | readonly string[]>,
  quiet = false,
) {
  const times = new Float64Array(frames.length);
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    const a = performance.now();
    if (typeof f === "string") c.ingest(f, 0);
    else for (const g of f) c.ingest(g, 0);
    times[i] = performance.now() - a;
  }
  const total = performance.now() - t0;
  const sorted = Array.from(times).sort((x, y) => x - y);
  const q = (p: number) => sorted[Math.floor(p * (sorted.length - 1))] * 1000;
  const h = c.health();
  const b = h.books[0];
  const size = (f: string | readonly string[]) =>
    typeof f === "string" ? f.length : f.reduce((n, g) => n + g.length, 0);
  const bytes = frames.reduce((n, f) => n + size(f), 0) / frames.length;
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

/** Bybit: in-band snapshot, then deltas with `u` + 1 each (depth 1000: nothing truncated). */
async function bybitCase(quiet: boolean) {
  const c = await make("bybit", { category: "spot", depth: 1000, instruments: false });
  const init = initial(false);
  const frame = (type: string, b: string[][], a: string[][], u: number) =>
    JSON.stringify({
      topic: "orderbook.1000.BTCUSDT",
      type,
      ts: 1786310819000 + u,
      data: { s: "BTCUSDT", b, a, u, seq: 7_000_000 + u },
      cts: 1786310819000 + u,
    });
  c.ingest(frame("snapshot", init.bids, init.asks, 1000));
  const frames: string[] = [];
  for (let m = 0; m < MESSAGES; m++) {
    const { b, a } = message(m, false);
    frames.push(frame("delta", b, a, 1001 + m));
  }
  rates.bybit = measure(`Bybit orderbook delta, ${PER} levels (u chain)`, c, frames, quiet);
}

/**
 * Bitfinex with `SEQ_ALL + OB_CHECKSUM`: one `[price, count, amount]` row per message, each
 * followed by the `cs` of the top 25 (from a reference core book fed the same changes); or
 * (`checksums` false, as the real capture was recorded) with `SEQ_ALL` only, each row alone.
 */
async function bitfinexCase(quiet: boolean, checksums = true) {
  const LEN = 250;
  const c = await make("bitfinex", { len: LEN });
  const native = c.toNative("BTC/USDT");
  c.ingestOpen();
  c.ingest('{"event":"info","version":2,"platform":{"status":1}}');
  c.ingest(
    `{"event":"conf","status":"OK","flags":${SEQ_ALL + (checksums ? OB_CHECKSUM : 0)}}`,
  );
  c.ingest(
    `{"event":"subscribed","channel":"book","chanId":17,"symbol":"${native}","prec":"P0",` +
      `"freq":"F0","len":"${LEN}","pair":"${native.slice(1)}"}`,
  );
  const ref = await Core.create({ ringCapacity: 0 });
  const rb = ref.createBook({
    exchange: 7,
    symbol: 0,
    priceScale: 8,
    sizeScale: 8,
    depth: 25,
    maxLevels: LEN,
  });
  const sum = () => bitfinexChecksum(ref.top(rb, 0, 25), ref.top(rb, 1, 25), 8, 8);
  const init = initial(true);
  const bids = init.bids.slice(0, LEN);
  const asks = init.asks.slice(0, LEN);
  ref.begin(rb).addLevels(0, bids.flat()).addLevels(1, asks.flat());
  ref.applyLevels();
  let seq = 1;
  const rows = [
    ...bids.map(([p, s]) => `[${p},1,${s}]`),
    ...asks.map(([p, s]) => `[${p},1,-${s}]`),
  ];
  c.ingest(`[17,[${rows.join(",")}],${seq++}]`);
  if (checksums) c.ingest(`[17,"cs",${sum()},${seq++}]`);
  const frames: string[][] = [];
  for (let k = 0; k < MESSAGES; k++) {
    const side = stream.side[k];
    const p = fmt(stream.price[k], 2, true);
    const s = fmt(stream.size[k], 8, true);
    const sign = side === 0 ? "" : "-";
    const row = s === "0" ? `[${p},0,${sign}1]` : `[${p},1,${sign}${s}]`;
    if (!checksums) {
      frames.push([`[17,${row},${seq++}]`]);
      continue;
    }
    ref.begin(rb).addLevels(side as 0 | 1, [p, s]);
    ref.applyLevels();
    frames.push([`[17,${row},${seq++}]`, `[17,"cs",${sum()},${seq++}]`]);
  }
  if (checksums) {
    rates.bitfinex = measure(
      `Bitfinex book row + cs (checksum verified), 1 level`,
      c,
      frames,
      quiet,
    );
  } else measure(`Bitfinex book row (no checksum), 1 level`, c, frames, quiet);
}

for (const quiet of [true, false]) {
  await binanceCase("binanceus", quiet);
  await binanceCase("binance", quiet);
  await okxCase(quiet);
  await okxLegacyCase(quiet);
  await bybitCase(quiet);
  await bitfinexCase(quiet);
  await bitfinexCase(quiet, false);
}

console.log(
  `\nratios to Binance.US: Binance ${(rates.binance / rates.binanceus).toFixed(2)}, OKX ${
    (rates.okx / rates.binanceus).toFixed(2)
  }, OKX legacy ${(rates.okxLegacy / rates.binanceus).toFixed(2)}, Bybit ${
    (rates.bybit / rates.binanceus).toFixed(2)
  }, Bitfinex (per level) ${(rates.bitfinex / rates.binanceus).toFixed(2)}`,
);
