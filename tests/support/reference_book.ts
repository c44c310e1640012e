/**
 * The one reference L2 book of the tests: deliberately plain and independent of the WASM core and
 * the collectors, so tests check them against an obviously correct model.
 *
 * One class, two exact orderings:
 * - {@linkcode MANTISSAS}: prices and sizes as bigint mantissas at a fixed scale (core, server and
 *   ring tests);
 * - {@linkcode DECIMALS}: prices and sizes as exact decimal wire texts; levels are keyed by the
 *   normalised text (`45281.0` and `45281` are the same level) and keep the wire texts (parser and
 *   replay tests). Never floats.
 *
 * Each side keeps a best-first key list by binary insertion, so `top` stays cheap on deep books.
 *
 * @example
 * ```ts
 * import { DECIMALS, ReferenceBook } from "./reference_book.ts";
 * const b = new ReferenceBook(DECIMALS, 10);
 * b.apply({ snapshot: true, bids: ["1.0", "2"], asks: ["1.5", "1"] });
 * if (b.best("bid")?.[0] !== "1.0") throw new Error();
 * ```
 *
 * @module
 */
import {
  classifyDecimal,
  compareDecimal,
  DECIMAL_INVALID,
  DECIMAL_ZERO,
  normalizeDecimal,
} from "../../src/exchanges/decimal_text.ts";
import { crc32 } from "../../src/util/crc32.ts";
import { krakenChecksum } from "./kraken_checksum.ts";

/** Book side: `"bid"` / `"ask"`, or the core's `0` (bid) / `1` (ask). */
export type BookSide = "bid" | "ask" | 0 | 1;

/** A mantissa level `[price, size]`. */
export type Lvl = [bigint, bigint];

/** A text level `[price, size]` as on the wire. */
export type TextLevel = readonly [price: string, qty: string];

/** How a book orders and keys its prices, and which size deletes a level. */
export interface BookOrder<P, S> {
  /** The identity of a price level (equal keys = same level). */
  key(price: P): string | bigint;
  /** Ascending order of two prices. */
  compare(a: P, b: P): number;
  /** Whether a size removes the level (throws on an invalid size). */
  isZero(size: S): boolean;
}

/** Bigint mantissas at a fixed scale. */
export const MANTISSAS: BookOrder<bigint, bigint> = {
  key: (p) => p,
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  isZero: (s) => s === 0n,
};

/** Exact decimal texts. */
export const DECIMALS: BookOrder<string, string> = {
  key: (p) => normalizeDecimal(p),
  compare: (a, b) => compareDecimal(a, b),
  isZero: (s) => {
    const cls = classifyDecimal(s);
    if (cls === DECIMAL_INVALID) throw new RangeError(`bad size ${s}`);
    return cls === DECIMAL_ZERO;
  },
};

class Side<P, S> {
  readonly levels = new Map<string | bigint, [P, S]>();
  /** Keys, best first. */
  readonly keys: Array<string | bigint> = [];
  readonly #order: BookOrder<P, S>;
  readonly #descending: boolean;

  constructor(order: BookOrder<P, S>, descending: boolean) {
    this.#order = order;
    this.#descending = descending;
  }

  #search(price: P): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.#order.compare(this.levels.get(this.keys[mid])![0], price);
      if ((this.#descending ? -c : c) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: P, size: S): boolean {
    const key = this.#order.key(price);
    if (this.#order.isZero(size)) {
      const had = this.levels.get(key);
      if (had === undefined) return false;
      this.keys.splice(this.#search(had[0]), 1);
      this.levels.delete(key);
      return true;
    }
    if (!this.levels.has(key)) this.keys.splice(this.#search(price), 0, key);
    this.levels.set(key, [price, size]);
    return true;
  }

  truncate(depth: number): void {
    while (this.keys.length > depth) this.levels.delete(this.keys.pop()!);
  }

  top(n: number): [P, S][] {
    const out: [P, S][] = [];
    for (let i = 0; i < n && i < this.keys.length; i++) {
      const [p, s] = this.levels.get(this.keys[i])!;
      out.push([p, s]);
    }
    return out;
  }

  clear(): void {
    this.levels.clear();
    this.keys.length = 0;
  }
}

/** Reference L2 book; see the module documentation. */
export class ReferenceBook<P = bigint, S = P> {
  readonly order: BookOrder<P, S>;
  /** Levels kept per side after each `apply` (`Infinity`: no truncation). */
  readonly depth: number;
  /** Deletes of levels the book did not hold (normal on several venues). */
  unknownDeletes = 0;
  #bids: Side<P, S>;
  #asks: Side<P, S>;

  constructor(order: BookOrder<P, S>, depth = Infinity) {
    this.order = order;
    this.depth = depth;
    this.#bids = new Side(order, true);
    this.#asks = new Side(order, false);
  }

  #side(side: BookSide): Side<P, S> {
    return side === "bid" || side === 0 ? this.#bids : this.#asks;
  }

  /** Sets (or, with a zero size, deletes) one level; `false` for a delete of an unknown level. */
  set(side: BookSide, price: P, size: S): boolean {
    const ok = this.#side(side).set(price, size);
    if (!ok) this.unknownDeletes++;
    return ok;
  }

  /** Removes every level. */
  clear(): void {
    this.#bids.clear();
    this.#asks.clear();
  }

  /**
   * Applies one message: flat `[price, size, ...]` pairs or `[price, size]` tuples, replacing the
   * book on a snapshot, then truncates to the depth.
   */
  apply(m: {
    snapshot: boolean;
    bids: readonly P[] | readonly (readonly [P, S])[];
    asks: readonly P[] | readonly (readonly [P, S])[];
  }): void {
    if (m.snapshot) this.clear();
    this.#applySide("bid", m.bids);
    this.#applySide("ask", m.asks);
    this.truncate();
  }

  #applySide(side: "bid" | "ask", levels: readonly P[] | readonly (readonly [P, S])[]): void {
    if (levels.length > 0 && Array.isArray(levels[0])) {
      for (const [p, s] of levels as readonly (readonly [P, S])[]) this.set(side, p, s);
    } else {
      const flat = levels as readonly unknown[];
      for (let i = 0; i < flat.length; i += 2) this.set(side, flat[i] as P, flat[i + 1] as S);
    }
  }

  /** Keeps the best `n` levels per side (default: the book's depth). */
  truncate(n = this.depth): void {
    if (n === Infinity) return;
    this.#bids.truncate(n);
    this.#asks.truncate(n);
  }

  /** Best `n` levels of a side, best first. */
  top(side: BookSide, n = Infinity): [P, S][] {
    return this.#side(side).top(n);
  }

  /** Best level of a side. */
  best(side: BookSide): [P, S] | undefined {
    return this.top(side, 1)[0];
  }

  /** Number of levels on a side. */
  size(side: BookSide): number {
    return this.#side(side).keys.length;
  }

  /** Size at a price (undefined when the level is absent). */
  get(side: BookSide, price: P): S | undefined {
    return this.#side(side).levels.get(this.order.key(price))?.[1];
  }

  /** `true` when best bid >= best ask. */
  crossed(): boolean {
    const b = this.best("bid");
    const a = this.best("ask");
    return b !== undefined && a !== undefined && this.order.compare(b[0], a[0]) >= 0;
  }

  /** An independent copy. */
  clone(): ReferenceBook<P, S> {
    const copy = new ReferenceBook(this.order, this.depth);
    for (const side of ["bid", "ask"] as const) {
      for (const [p, s] of this.top(side)) copy.set(side, p, s);
    }
    return copy;
  }
}

/** A book of bigint mantissas. */
export function mantissaBook(depth = Infinity): ReferenceBook<bigint, bigint> {
  return new ReferenceBook(MANTISSAS, depth);
}

/** A book of exact decimal texts. */
export function decimalBook(depth = Infinity): ReferenceBook<string, string> {
  return new ReferenceBook(DECIMALS, depth);
}

/**
 * The documented record checksum: CRC-32 over bids then asks (best first), i64 LE price, size.
 *
 * @example
 * ```ts
 * import { topChecksum } from "./reference_book.ts";
 * if (topChecksum([], []) !== 0) throw new Error();
 * ```
 */
export function topChecksum(bids: readonly Lvl[], asks: readonly Lvl[]): number {
  const bytes = new Uint8Array((bids.length + asks.length) * 16);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const [p, s] of [...bids, ...asks]) {
    view.setBigInt64(at, p, true);
    view.setBigInt64(at + 8, s, true);
    at += 16;
  }
  return crc32(bytes);
}

/** Kraken CRC-32 of the top 10 levels per side of a text book. */
export function krakenBookChecksum(
  book: ReferenceBook<string, string>,
  priceDecimals: number,
  qtyDecimals: number,
): number {
  return krakenChecksum(book.top("ask", 10), book.top("bid", 10), priceDecimals, qtyDecimals);
}

/** A plain JS mirror that applies decoded deltas (set-size semantics, 0 removes). */
export class DeltaMirror {
  readonly book: ReferenceBook<bigint, bigint> = mantissaBook();
  apply(bids: readonly Lvl[], asks: readonly Lvl[], snapshot: boolean): void {
    this.book.apply({ snapshot, bids, asks });
  }
}

/** A book of exact decimal texts. */
export type DecimalBook = ReferenceBook<string, string>;
