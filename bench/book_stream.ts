/**
 * L2 update streams for the book-engine benchmarks, as flat typed arrays of mantissas:
 *
 * - {@linkcode makeBookStream}: deterministic synthetic stream, 1,000 levels per side, then updates
 *   near the top with the documented mix — 20% deletes of held levels, 20% inserts of new levels,
 *   60% size changes — grouped into exchange-like messages. Prices at scale 2, sizes at scale 8.
 * - {@linkcode loadBinanceStream}: the real Binance spot BTCUSDT `depth@100ms` recording
 *   (`../shared/data/hftbacktest/spot/btcusdt_*.gz`): the REST snapshot, then every depth update
 *   after it, one message per update, in order.
 *
 * {@linkcode measureMix} replays a stream against a plain map and reports what it really contains,
 * so a bench prints the mix it ran instead of the one it meant to generate.
 *
 * @module
 */

/** The stream as flat typed arrays (mantissas as integer-valued doubles). */
export interface BookStream {
  /** Initial levels: sides, prices, sizes. */
  initSide: Uint8Array;
  initPrice: Float64Array;
  initSize: Float64Array;
  /** Updates. */
  side: Uint8Array;
  price: Float64Array;
  size: Float64Array;
  /** End index (exclusive) of each message's updates, ascending; the last equals `side.length`. */
  messageEnds: Uint32Array;
  /** Updates per message for the synthetic stream (the real one varies: see `messageEnds`). */
  perMessage: number;
  priceScale: number;
  sizeScale: number;
}

/** What a stream really holds, measured by replaying it. */
export interface StreamMix {
  updates: number;
  messages: number;
  inserts: number;
  deletes: number;
  /** Deletes of a level the book did not hold (no-ops, normal on Binance). */
  absentDeletes: number;
  changes: number;
  /** Largest side length seen. */
  maxLevels: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of `price` in best-first `book` (or where it would go). */
function rankOf(book: number[], bid: boolean, price: number): number {
  let lo = 0;
  let hi = book.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (bid ? book[m] > price : book[m] < price) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * Builds the synthetic stream (a few hundred ms for 1M updates). Every insert is a price the side
 * does not hold and that does not cross the other side; every delete removes a held level; the
 * rest change the size of a held level. Ranks near the top: mostly the best 20, sometimes ~100.
 */
export function makeBookStream(
  { levels = 1000, updates = 1_000_000, perMessage = 10, seed = 7 } = {},
): BookStream {
  const rnd = mulberry32(seed);
  const mid = 6_000_000; // 60000.00
  // Best first: bids descending, asks ascending; gaps of 1–3 ticks leave room for inserts.
  const bids: number[] = [];
  const asks: number[] = [];
  let p = mid - 1;
  for (let i = 0; i < levels; i++, p -= 1 + Math.floor(rnd() * 3)) bids.push(p);
  p = mid + 1;
  for (let i = 0; i < levels; i++, p += 1 + Math.floor(rnd() * 3)) asks.push(p);
  const sizeOf = () => 1 + Math.floor(rnd() * 1e9);
  const initSide = new Uint8Array(levels * 2);
  const initPrice = new Float64Array(levels * 2);
  const initSize = new Float64Array(levels * 2);
  for (let i = 0; i < levels; i++) {
    initSide[i] = 0;
    initPrice[i] = bids[i];
    initSize[i] = sizeOf();
    initSide[levels + i] = 1;
    initPrice[levels + i] = asks[i];
    initSize[levels + i] = sizeOf();
  }
  const side = new Uint8Array(updates);
  const price = new Float64Array(updates);
  const size = new Float64Array(updates);
  const rank = (n: number) => Math.min(n - 1, Math.floor(-Math.log(1 - rnd()) * 12));
  /** A free, non-crossing price near rank `r` of `book`, or 0 when that gap is full. */
  const freeNear = (book: number[], bid: boolean, other: number, r: number): number => {
    // Between the level at rank r and the one better than it (or the spread, for r = 0).
    const worse = book[r];
    const better = r === 0 ? other : book[r - 1];
    const room = Math.abs(better - worse) - 1;
    if (room <= 0) return 0;
    const step = 1 + Math.floor(rnd() * room);
    return bid ? worse + step : worse - step;
  };
  for (let u = 0; u < updates; u++) {
    const s = rnd() < 0.5 ? 0 : 1;
    const bid = s === 0;
    const book = bid ? bids : asks;
    const roll = rnd();
    side[u] = s;
    // Keep each side between half and twice its initial size.
    const wantDelete = roll < 0.2 && book.length > levels / 2;
    const wantInsert = (roll >= 0.2 && roll < 0.4) || book.length <= levels / 2;
    if (wantDelete) {
      const r = rank(book.length);
      price[u] = book[r];
      size[u] = 0;
      book.splice(r, 1);
      continue;
    }
    if (wantInsert && book.length < levels * 2) {
      const other = bid ? asks[0] : bids[0];
      let c = 0;
      for (let tries = 0; tries < 64 && c === 0; tries++) {
        c = freeNear(book, bid, other, rank(book.length));
      }
      if (c !== 0) {
        book.splice(rankOf(book, bid, c), 0, c);
        price[u] = c;
        size[u] = sizeOf();
        continue;
      }
    }
    price[u] = book[rank(book.length)];
    size[u] = sizeOf();
  }
  const messageEnds = new Uint32Array(Math.ceil(updates / perMessage));
  for (let m = 0; m < messageEnds.length; m++) {
    messageEnds[m] = Math.min(updates, (m + 1) * perMessage);
  }
  return {
    initSide,
    initPrice,
    initSize,
    side,
    price,
    size,
    messageEnds,
    perMessage,
    priceScale: 2,
    sizeScale: 8,
  };
}

/** Mantissa of decimal `text` at `scale`; throws when it needs more decimals (never rounds). */
export function mantissaOf(text: string, scale: number): number {
  const dot = text.indexOf(".");
  const int = dot < 0 ? text : text.slice(0, dot);
  const frac = dot < 0 ? "" : text.slice(dot + 1);
  for (let i = scale; i < frac.length; i++) {
    if (frac.charCodeAt(i) !== 48) {
      throw new RangeError(`${text} needs more than ${scale} decimals`);
    }
  }
  const v = Number(int + frac.slice(0, scale).padEnd(scale, "0"));
  if (!Number.isSafeInteger(v)) throw new RangeError(`${text} does not fit at scale ${scale}`);
  return v;
}

/** The recording's folder (`$ALPHAPULSE_DATA` or `../shared/data`). */
export function dataDir(): string {
  return Deno.env.get("ALPHAPULSE_DATA") ??
    new URL("../../shared/data", import.meta.url).pathname;
}

/** Lines of a gzip text file. */
export async function gzipLines(path: string): Promise<string[]> {
  const file = await Deno.open(path);
  const text = await new Response(
    file.readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return text.split("\n").filter((l) => l.length > 0);
}

/** The recording's BTCUSDT files, in time order (empty when the data is absent). */
export function binanceFiles(): string[] {
  const dir = `${dataDir()}/hftbacktest/spot`;
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name)
      .filter((n) => /^btcusdt_\d+\.gz$/.test(n)).sort().map((n) => `${dir}/${n}`);
  } catch {
    return [];
  }
}

/**
 * The real BTCUSDT stream: the REST snapshot as the initial levels, then every depth update that
 * follows it under Binance's sync rule (drop `u <= lastUpdateId`), one message per update.
 * Prices at scale 2, sizes at scale 8 (the recording's values need no more; checked exactly).
 * Returns undefined when the recording is absent.
 */
export async function loadBinanceStream(): Promise<BookStream | undefined> {
  const files = binanceFiles();
  if (files.length === 0) return undefined;
  const ps = 2;
  const ss = 8;
  let snapshot: { lastUpdateId: number; bids: string[][]; asks: string[][] } | undefined;
  const pending: { u: number; b: string[][]; a: string[][] }[] = [];
  for (const f of files) {
    for (const line of await gzipLines(f)) {
      const json = line.slice(line.indexOf(" ") + 1);
      if (json.startsWith('{"lastUpdateId"')) {
        snapshot ??= JSON.parse(json);
        continue;
      }
      if (!json.includes('"depthUpdate"')) continue;
      const d = JSON.parse(json).data;
      pending.push({ u: d.u, b: d.b, a: d.a });
    }
  }
  if (snapshot === undefined) throw new Error("BTCUSDT recording has no REST snapshot");
  const snap = snapshot;
  const msgs = pending.filter((m) => m.u > snap.lastUpdateId);
  const initN = snap.bids.length + snap.asks.length;
  const initSide = new Uint8Array(initN);
  const initPrice = new Float64Array(initN);
  const initSize = new Float64Array(initN);
  let i = 0;
  for (const [s, list] of [[0, snap.bids], [1, snap.asks]] as const) {
    for (const [p, q] of list) {
      initSide[i] = s;
      initPrice[i] = mantissaOf(p, ps);
      initSize[i++] = mantissaOf(q, ss);
    }
  }
  const n = msgs.reduce((t, m) => t + m.b.length + m.a.length, 0);
  const side = new Uint8Array(n);
  const price = new Float64Array(n);
  const size = new Float64Array(n);
  const messageEnds = new Uint32Array(msgs.length);
  let k = 0;
  msgs.forEach((m, j) => {
    for (const [s, list] of [[0, m.b], [1, m.a]] as const) {
      for (const [p, q] of list) {
        side[k] = s;
        price[k] = mantissaOf(p, ps);
        size[k++] = mantissaOf(q, ss);
      }
    }
    messageEnds[j] = k;
  });
  return {
    initSide,
    initPrice,
    initSize,
    side,
    price,
    size,
    messageEnds,
    perMessage: n / msgs.length,
    priceScale: ps,
    sizeScale: ss,
  };
}

/** Replays `stream` against a plain map per side and counts what its updates really do. */
export function measureMix(stream: BookStream): StreamMix {
  const sides = [new Map<number, number>(), new Map<number, number>()];
  for (let i = 0; i < stream.initSide.length; i++) {
    const m = sides[stream.initSide[i]];
    if (stream.initSize[i] === 0) m.delete(stream.initPrice[i]);
    else m.set(stream.initPrice[i], stream.initSize[i]);
  }
  const mix: StreamMix = {
    updates: stream.side.length,
    messages: stream.messageEnds.length,
    inserts: 0,
    deletes: 0,
    absentDeletes: 0,
    changes: 0,
    maxLevels: Math.max(sides[0].size, sides[1].size),
  };
  for (let i = 0; i < stream.side.length; i++) {
    const m = sides[stream.side[i]];
    const held = m.has(stream.price[i]);
    if (stream.size[i] === 0) {
      if (held) {
        mix.deletes++;
        m.delete(stream.price[i]);
      } else mix.absentDeletes++;
    } else {
      if (held) mix.changes++;
      else {
        mix.inserts++;
        if (m.size + 1 > mix.maxLevels) mix.maxLevels = m.size + 1;
      }
      m.set(stream.price[i], stream.size[i]);
    }
  }
  return mix;
}

/** One line describing a measured mix, e.g. `1,000,000 updates: 20.0% inserts, …`. */
export function describeMix(name: string, m: StreamMix): string {
  const pct = (x: number) => `${(100 * x / m.updates).toFixed(1)}%`;
  return `${name}: ${m.updates.toLocaleString("en-US")} updates in ${
    m.messages.toLocaleString("en-US")
  } messages: ${pct(m.inserts)} inserts, ${pct(m.deletes)} deletes, ${
    pct(m.absentDeletes)
  } deletes of absent levels, ${pct(m.changes)} changes; up to ${m.maxLevels} levels per side`;
}
