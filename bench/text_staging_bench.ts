/**
 * Staging a Binance depth update's levels: the string path (parse the frame into decimal
 * strings, then `addLevels` converts them in JS) against the text path (the frame written once
 * into WASM memory, `addTextLevels` scans the bytes in AssemblyScript), same frames, same run.
 * Each iteration parses one frame and stages both of its sides into the core (not applied, so
 * the book engine's cost is not in it). Frames: 20-level synthetic depth updates, and the real
 * BTCUSDT depth updates of `../shared/data/hftbacktest` when present (~46 levels each). And a
 * Coinbase `l2_data` update's `updates` (20 synthetic levels, Coinbase's serialization): `JSON.parse`
 * path + `addLevels` against the frame-head path + `textValueEnd` + `addTextLevels` (`side_updates`).
 *
 *   flock /tmp/bench.lock deno bench -A bench/text_staging_bench.ts
 *
 * @module
 */
import { Core } from "../src/core/mod.ts";
import { parseBinanceMessage } from "../src/exchanges/binance/parse.ts";
import { coinbaseLevelTextHolds, parseCoinbaseMessage } from "../src/exchanges/coinbase/parse.ts";
import type { BookMessage } from "../src/exchanges/types.ts";
import { binanceFiles, gzipLines, makeBookStream } from "./book_stream.ts";

const core = await Core.create({ ringCapacity: 0 });
const book = core.createBook({ exchange: 4, symbol: 0, priceScale: 8, sizeScale: 8, depth: 50 });

const fmt = (m: number, scale: number) => {
  const s = String(m).padStart(scale + 1, "0");
  return `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
};

/** 2,000 synthetic 20-level frames in Binance's compact serialization. */
function syntheticFrames(): string[] {
  const n = 2000;
  const stream = makeBookStream({ updates: n * 20, perMessage: 20 });
  const frames: string[] = [];
  for (let m = 0; m < n; m++) {
    const b: string[][] = [];
    const a: string[][] = [];
    for (let k = m * 20; k < m * 20 + 20; k++) {
      const lvl = [fmt(stream.price[k] * 1e6, 8), fmt(stream.size[k], 8)];
      (stream.side[k] === 0 ? b : a).push(lvl);
    }
    frames.push(JSON.stringify({
      e: "depthUpdate",
      E: 1719835200123 + m,
      s: "BTCUSDT",
      U: 3 * m + 1,
      u: 3 * m + 3,
      b,
      a,
    }));
  }
  return frames;
}

/** The real recording's depth updates (the `data` of each combined-stream line). */
async function realFrames(): Promise<string[]> {
  const out: string[] = [];
  for (const file of binanceFiles()) {
    for (const line of await gzipLines(file)) {
      const text = line.slice(line.indexOf(" ") + 1);
      if (text.includes('"depthUpdate"')) out.push(text);
    }
  }
  return out;
}

function levelsOf(frames: string[]): number {
  let n = 0;
  for (const f of frames) {
    const [m] = parseBinanceMessage(f) as BookMessage[];
    n += (m.bids.length + m.asks.length) / 2;
  }
  return n / frames.length;
}

function stringPath(frames: string[]): () => void {
  let i = 0;
  return () => {
    const [m] = parseBinanceMessage(frames[i++ % frames.length]) as BookMessage[];
    core.begin(book).addLevels(0, m.bids).addLevels(1, m.asks);
  };
}

const LEVEL_TEXT = { levelText: true } as const;
function textPath(frames: string[]): () => void {
  let i = 0;
  return () => {
    const [m] = parseBinanceMessage(frames[i++ % frames.length], LEVEL_TEXT) as BookMessage[];
    core.loadText(m.bidsText!.text);
    core.begin(book);
    core.addTextLevels(0, m.bidsText!.at);
    core.addTextLevels(1, m.asksText!.at);
  };
}

// Both paths must stage the same thing, or the comparison means nothing.
function sameStaging(frames: string[]): void {
  for (const f of frames.slice(0, 200)) {
    stringPath([f])();
    const a = core.staged;
    textPath([f])();
    if (core.staged !== a) throw new Error(`staging differs on ${f.slice(0, 80)}`);
  }
}

const synthetic = syntheticFrames();
sameStaging(synthetic);
console.log(
  `synthetic: ${synthetic.length} frames, ${levelsOf(synthetic).toFixed(1)} levels/frame, ` +
    `${Math.round(synthetic.reduce((a, f) => a + f.length, 0) / synthetic.length)} bytes/frame`,
);
Deno.bench(
  "synthetic 20 levels: strings + addLevels",
  { group: "synthetic", baseline: true },
  stringPath(synthetic),
);
Deno.bench("synthetic 20 levels: text in WASM", { group: "synthetic" }, textPath(synthetic));

const real = await realFrames();
if (real.length > 0) {
  sameStaging(real);
  console.log(
    `real BTCUSDT: ${real.length} frames, ${levelsOf(real).toFixed(1)} levels/frame, ` +
      `${Math.round(real.reduce((a, f) => a + f.length, 0) / real.length)} bytes/frame`,
  );
  Deno.bench(
    "real BTCUSDT: strings + addLevels",
    { group: "real", baseline: true },
    stringPath(real),
  );
  Deno.bench("real BTCUSDT: text in WASM", { group: "real" }, textPath(real));
}

/** 2,000 synthetic 20-update Coinbase `l2_data` frames, as Coinbase serializes them. */
function coinbaseFrames(): string[] {
  const n = 2000;
  const stream = makeBookStream({ updates: n * 20, perMessage: 20 });
  const frames: string[] = [];
  for (let m = 0; m < n; m++) {
    const u: string[] = [];
    for (let k = m * 20; k < m * 20 + 20; k++) {
      u.push(
        `{"side":"${stream.side[k] === 0 ? "bid" : "offer"}","event_time":` +
          `"2026-07-01T12:00:00.118000Z","price_level":"${fmt(stream.price[k], 2)}",` +
          `"new_quantity":"${fmt(stream.size[k], 8)}"}`,
      );
    }
    frames.push(
      `{"channel":"l2_data","client_id":"","timestamp":"2026-07-01T12:00:00.350000000Z",` +
        `"sequence_num":${m},"events":[{"type":"update","product_id":"BTC-USD","updates":[${
          u.join(",")
        }]}]}`,
    );
  }
  return frames;
}

function coinbaseStrings(frames: string[]): () => void {
  let i = 0;
  return () => {
    const [m] = parseCoinbaseMessage(frames[i++ % frames.length]).items as BookMessage[];
    core.begin(book).addLevels(0, m.bids).addLevels(1, m.asks);
  };
}

const COINBASE_TEXT = { levelText: true } as const;
function coinbaseText(frames: string[]): () => void {
  let i = 0;
  return () => {
    const [m] = parseCoinbaseMessage(frames[i++ % frames.length], COINBASE_TEXT)
      .items as BookMessage[];
    const lt = m.bidsText!;
    if (!coinbaseLevelTextHolds(core, lt)) throw new Error("frame not confirmed");
    core.begin(book).addTextLevels(0, lt.at, lt.format);
  };
}

const coinbase = coinbaseFrames();
for (const f of coinbase.slice(0, 200)) {
  coinbaseStrings([f])();
  const a = core.staged;
  coinbaseText([f])();
  if (core.staged !== a) throw new Error(`staging differs on ${f.slice(0, 80)}`);
}
console.log(
  `Coinbase: ${coinbase.length} frames, 20 updates/frame, ` +
    `${Math.round(coinbase.reduce((a, f) => a + f.length, 0) / coinbase.length)} bytes/frame`,
);
Deno.bench(
  "Coinbase 20 updates: JSON.parse + addLevels",
  { group: "coinbase", baseline: true },
  coinbaseStrings(coinbase),
);
Deno.bench(
  "Coinbase 20 updates: frame head + text in WASM",
  { group: "coinbase" },
  coinbaseText(coinbase),
);
