/**
 * A tiny plain reference order book for tests: one `Map` per side keyed by the exact
 * **normalised** decimal text of the price (`45281.0` and `45281` are the same level), holding the
 * wire texts, plus a best-first key list kept sorted by binary insertion. Optional truncation to a
 * depth, as Kraken requires after every message.
 *
 * Deliberately simple and independent of the WASM core, so replay tests check the parsers (and the
 * exchange's own checksums) against an obviously correct model.
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
import { krakenChecksum, type TextLevel } from "../../src/exchanges/kraken/checksum.ts";
import type { BookMessage, Side } from "../../src/exchanges/types.ts";

class BookSide {
  /** normalised price -> [wire price, wire size] */
  readonly levels = new Map<string, TextLevel>();
  /** normalised prices, best first */
  readonly keys: string[] = [];
  readonly #descending: boolean;

  constructor(descending: boolean) {
    this.#descending = descending;
  }

  #cmp(a: string, b: string): number {
    const c = compareDecimal(a, b);
    return this.#descending ? -c : c;
  }

  #search(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#cmp(this.keys[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Set or delete one level; returns `false` for a delete of an unknown level. */
  set(price: string, size: string): boolean {
    const key = normalizeDecimal(price);
    const cls = classifyDecimal(size);
    if (cls === DECIMAL_INVALID) throw new RangeError(`bad size ${size}`);
    if (cls === DECIMAL_ZERO) {
      if (!this.levels.delete(key)) return false;
      this.keys.splice(this.#search(key), 1);
      return true;
    }
    if (!this.levels.has(key)) this.keys.splice(this.#search(key), 0, key);
    this.levels.set(key, [price, size]);
    return true;
  }

  truncate(depth: number): void {
    while (this.keys.length > depth) this.levels.delete(this.keys.pop() as string);
  }

  top(n: number): TextLevel[] {
    const out: TextLevel[] = [];
    for (let i = 0; i < n && i < this.keys.length; i++) {
      out.push(this.levels.get(this.keys[i]) as TextLevel);
    }
    return out;
  }

  clear(): void {
    this.levels.clear();
    this.keys.length = 0;
  }
}

/**
 * Reference L2 book.
 *
 * @example
 * ```ts
 * import { RefBook } from "./ref_book.ts";
 * const b = new RefBook(10);
 * b.apply({ kind: "book", symbol: "X", snapshot: true, bids: ["1.0", "2"], asks: ["1.5", "1"] });
 * if (b.best("bid")?.[0] !== "1.0") throw new Error();
 * ```
 */
export class RefBook {
  readonly bids: BookSide = new BookSide(true);
  readonly asks: BookSide = new BookSide(false);
  /** Deletes of levels the book did not hold (normal on several venues). */
  unknownDeletes = 0;
  readonly depth: number;

  /** `depth`: levels kept per side after each message (`Infinity`: no truncation). */
  constructor(depth = Infinity) {
    this.depth = depth;
  }

  /** Apply a parsed book message (replace on snapshot), then truncate to depth. */
  apply(m: BookMessage): void {
    if (m.snapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (let i = 0; i < m.bids.length; i += 2) {
      if (!this.bids.set(m.bids[i], m.bids[i + 1])) this.unknownDeletes++;
    }
    for (let i = 0; i < m.asks.length; i += 2) {
      if (!this.asks.set(m.asks[i], m.asks[i + 1])) this.unknownDeletes++;
    }
    this.truncate();
  }

  /** Drop levels beyond the configured depth. */
  truncate(): void {
    if (this.depth === Infinity) return;
    this.bids.truncate(this.depth);
    this.asks.truncate(this.depth);
  }

  /** Best `n` levels of a side, best first, as wire texts. */
  top(side: Side, n: number): TextLevel[] {
    return (side === "bid" ? this.bids : this.asks).top(n);
  }

  /** Best level of a side. */
  best(side: Side): TextLevel | undefined {
    return this.top(side, 1)[0];
  }

  /** Number of levels on a side. */
  size(side: Side): number {
    return (side === "bid" ? this.bids : this.asks).keys.length;
  }

  /** `true` when best bid >= best ask. */
  crossed(): boolean {
    const b = this.bids.keys[0];
    const a = this.asks.keys[0];
    return b !== undefined && a !== undefined && compareDecimal(b, a) >= 0;
  }

  /** Kraken CRC-32 of the top 10 levels per side. */
  krakenChecksum(priceDecimals: number, qtyDecimals: number): number {
    return krakenChecksum(this.top("ask", 10), this.top("bid", 10), priceDecimals, qtyDecimals);
  }
}
