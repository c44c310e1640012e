/**
 * A deterministic, realistic L2 update stream for the book-engine benchmark: 1,000 levels per
 * side, then updates near the top — 20% deletes, 20% new levels, 60% size changes — grouped into
 * exchange-like messages. Prices at scale 2 (ticks of 0.01), sizes at scale 8.
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
  /** Updates per message. */
  perMessage: number;
  priceScale: number;
  sizeScale: number;
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

/** Builds the stream (a few hundred ms for 1M updates). */
export function makeBookStream(
  { levels = 1000, updates = 1_000_000, perMessage = 10, seed = 7 } = {},
): BookStream {
  const rnd = mulberry32(seed);
  const mid = 6_000_000; // 60000.00
  // Best first: bids descending, asks ascending.
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
  // Rank near the top: mostly the best 20 levels, sometimes down to 100.
  const rank = (n: number) => Math.min(n - 1, Math.floor(-Math.log(1 - rnd()) * 12));
  for (let u = 0; u < updates; u++) {
    const s = rnd() < 0.5 ? 0 : 1;
    const book = s === 0 ? bids : asks;
    const roll = rnd();
    side[u] = s;
    if (roll < 0.2 && book.length > levels / 2) {
      const r = rank(book.length);
      price[u] = book[r];
      size[u] = 0;
      book.splice(r, 1);
    } else if (roll < 0.4 || book.length <= levels / 2) {
      // A new level within the top, not crossing the other side.
      const best = book[0];
      const other = s === 0 ? asks[0] : bids[0];
      let candidate = 0;
      for (let tries = 0; tries < 8; tries++) {
        const off = Math.floor(rnd() * 40) - 3;
        const c = s === 0 ? best - off : best + off;
        if ((s === 0 && c >= other) || (s === 1 && c <= other) || c <= 0) continue;
        // insert keeping best-first order when absent
        let lo = 0;
        let hi = book.length;
        while (lo < hi) {
          const m = (lo + hi) >> 1;
          if (s === 0 ? book[m] > c : book[m] < c) lo = m + 1;
          else hi = m;
        }
        if (book[lo] === c) continue;
        book.splice(lo, 0, c);
        candidate = c;
        break;
      }
      if (candidate === 0) {
        const r = rank(book.length);
        price[u] = book[r];
        size[u] = sizeOf();
      } else {
        price[u] = candidate;
        size[u] = sizeOf();
      }
    } else {
      const r = rank(book.length);
      price[u] = book[r];
      size[u] = sizeOf();
    }
  }
  return {
    initSide,
    initPrice,
    initSize,
    side,
    price,
    size,
    perMessage,
    priceScale: 2,
    sizeScale: 8,
  };
}
