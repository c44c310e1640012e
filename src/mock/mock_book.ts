/**
 * An exact price-level book for the mock exchange servers.
 *
 * Prices and quantities are held as `bigint` mantissas at a fixed decimal scale per book (for
 * example price scale 1 and quantity scale 8 for Kraken BTC/USD) and rendered back as fixed-decimal
 * text with exactly that many decimals (`45281.0`, `0.10000000`). Setting a level's quantity replaces
 * it (absolute size, as every exchange in this project sends); a quantity of zero deletes the level.
 * Views are best first: bids high to low, asks low to high.
 *
 * This is deliberately independent of the WASM core so that tests can use it as a reference.
 *
 * @example
 * ```ts
 * import { MockBook } from "./mock_book.ts";
 * const book = new MockBook({ priceDecimals: 1, qtyDecimals: 8 });
 * book.set("bid", "45281", "0.1");
 * book.set("ask", "45285.2", "0.001");
 * book.bids(); // [["45281.0", "0.10000000"]]
 * ```
 *
 * @module
 */

/** Book side. */
export type Side = "bid" | "ask";

/** A level as exact fixed-decimal texts: `[price, qty]`. */
export type TextLevel = [price: string, qty: string];

/** A level as mantissas: `[price, qty]`. */
export type Level = [price: bigint, qty: bigint];

/** Best-first text views of both sides. */
export interface TextBook {
  /** Bids, best (highest) first. */
  bids: TextLevel[];
  /** Asks, best (lowest) first. */
  asks: TextLevel[];
}

const DECIMAL = /^(\d+)(?:\.(\d*))?$/;

/**
 * Parse a non-negative decimal text into a mantissa at `scale` decimals. Trailing zeros beyond the
 * scale are accepted; any other extra digit throws, as do signs, exponents and empty strings.
 *
 * @example
 * ```ts
 * import { parseFixed } from "./mock_book.ts";
 * parseFixed("60000.1", 2); // 6000010n
 * parseFixed("0.10000000", 8); // 10000000n
 * ```
 */
export function parseFixed(text: string, scale: number): bigint {
  const match = DECIMAL.exec(text);
  if (match === null) throw new SyntaxError(`Not a non-negative decimal: ${JSON.stringify(text)}`);
  let frac = match[2] ?? "";
  if (frac.length > scale) {
    if (!/^0*$/.test(frac.slice(scale))) {
      throw new RangeError(`${text} has more than ${scale} significant decimals`);
    }
    frac = frac.slice(0, scale);
  }
  return BigInt(match[1] + frac.padEnd(scale, "0"));
}

/**
 * Render a mantissa at `scale` decimals as fixed-decimal text (always exactly `scale` decimals).
 *
 * @example
 * ```ts
 * import { formatFixed } from "./mock_book.ts";
 * formatFixed(452810n, 1); // "45281.0"
 * formatFixed(0n, 8); // "0.00000000"
 * ```
 */
export function formatFixed(mantissa: bigint, scale: number): string {
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString().padStart(scale + 1, "0");
  const text = scale === 0
    ? digits
    : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** Options for {@linkcode MockBook}. */
export interface MockBookOptions {
  /** Decimals of the price text (the price mantissa's scale). */
  priceDecimals: number;
  /** Decimals of the quantity text (the quantity mantissa's scale). */
  qtyDecimals: number;
}

/** One side: prices sorted best first plus a price → quantity map. */
class SideLevels {
  readonly prices: bigint[] = [];
  readonly qty = new Map<bigint, bigint>();
  readonly #descending: boolean;

  constructor(descending: boolean) {
    this.#descending = descending;
  }

  /** Index of `price` in `prices`, or the insertion point. */
  search(price: bigint): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.prices[mid];
      const before = this.#descending ? p > price : p < price;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: bigint, qty: bigint): bigint {
    const previous = this.qty.get(price) ?? 0n;
    if (qty === 0n) {
      if (previous !== 0n) {
        this.qty.delete(price);
        this.prices.splice(this.search(price), 1);
      }
    } else {
      if (previous === 0n) this.prices.splice(this.search(price), 0, price);
      this.qty.set(price, qty);
    }
    return previous;
  }

  truncate(depth: number): Level[] {
    const removed: Level[] = [];
    while (this.prices.length > depth) {
      const price = this.prices.pop()!;
      removed.push([price, this.qty.get(price)!]);
      this.qty.delete(price);
    }
    return removed;
  }
}

/**
 * Exact L2 book with set-size semantics and best-first views. See the module documentation.
 */
export class MockBook {
  readonly #priceDecimals: number;
  readonly #qtyDecimals: number;
  #bids = new SideLevels(true);
  #asks = new SideLevels(false);

  /** Create an empty book with the given decimal scales. */
  constructor(options: MockBookOptions) {
    const { priceDecimals, qtyDecimals } = options;
    for (const [name, value] of [["priceDecimals", priceDecimals], ["qtyDecimals", qtyDecimals]]) {
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 30) {
        throw new RangeError(`${name} must be an integer in 0..30, got ${value}`);
      }
    }
    this.#priceDecimals = priceDecimals;
    this.#qtyDecimals = qtyDecimals;
  }

  /** Decimals of price texts. */
  get priceDecimals(): number {
    return this.#priceDecimals;
  }

  /** Decimals of quantity texts. */
  get qtyDecimals(): number {
    return this.#qtyDecimals;
  }

  /** Parse a price text (or pass a mantissa through). */
  parsePrice(price: bigint | string): bigint {
    return typeof price === "bigint" ? price : parseFixed(price, this.#priceDecimals);
  }

  /** Parse a quantity text (or pass a mantissa through). */
  parseQty(qty: bigint | string): bigint {
    return typeof qty === "bigint" ? qty : parseFixed(qty, this.#qtyDecimals);
  }

  /** Render a price mantissa as fixed-decimal text. */
  formatPrice(price: bigint): string {
    return formatFixed(price, this.#priceDecimals);
  }

  /** Render a quantity mantissa as fixed-decimal text. */
  formatQty(qty: bigint): string {
    return formatFixed(qty, this.#qtyDecimals);
  }

  #side(side: Side): SideLevels {
    if (side === "bid") return this.#bids;
    if (side === "ask") return this.#asks;
    throw new TypeError(`Unknown side ${side}`);
  }

  /**
   * Set the absolute quantity at a price; zero deletes the level. Returns the previous quantity
   * (`0n` when the level did not exist).
   */
  set(side: Side, price: bigint | string, qty: bigint | string): bigint {
    const p = this.parsePrice(price);
    const q = this.parseQty(qty);
    if (p <= 0n) throw new RangeError(`Price must be positive, got ${price}`);
    if (q < 0n) throw new RangeError(`Quantity must not be negative, got ${qty}`);
    return this.#side(side).set(p, q);
  }

  /** Quantity at a price, `0n` when absent. */
  get(side: Side, price: bigint | string): bigint {
    return this.#side(side).qty.get(this.parsePrice(price)) ?? 0n;
  }

  /** Whether a level exists at a price. */
  has(side: Side, price: bigint | string): boolean {
    return this.#side(side).qty.has(this.parsePrice(price));
  }

  /** Number of levels on a side. */
  depth(side: Side): number {
    return this.#side(side).prices.length;
  }

  /** Best price of a side, or `undefined` when the side is empty. */
  best(side: Side): bigint | undefined {
    return this.#side(side).prices[0];
  }

  /** Worst price of a side, or `undefined` when the side is empty. */
  worst(side: Side): bigint | undefined {
    const prices = this.#side(side).prices;
    return prices[prices.length - 1];
  }

  /** The level at a best-first index, or `undefined`. */
  levelAt(side: Side, index: number): Level | undefined {
    const s = this.#side(side);
    const price = s.prices[index];
    return price === undefined ? undefined : [price, s.qty.get(price)!];
  }

  /** Best-first index of a price, or -1 when absent. */
  indexOf(side: Side, price: bigint | string): number {
    const s = this.#side(side);
    const p = this.parsePrice(price);
    if (!s.qty.has(p)) return -1;
    return s.search(p);
  }

  /** Best-first mantissa levels of a side, at most `limit` of them. */
  levels(side: Side, limit = Infinity): Level[] {
    const s = this.#side(side);
    const n = Math.min(limit, s.prices.length);
    const out: Level[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [s.prices[i], s.qty.get(s.prices[i])!];
    return out;
  }

  /** Best-first text levels of a side, at most `limit` of them. */
  textLevels(side: Side, limit = Infinity): TextLevel[] {
    return this.levels(side, limit).map(([p, q]) => [this.formatPrice(p), this.formatQty(q)]);
  }

  /** Bids as text, best (highest) first. */
  bids(limit = Infinity): TextLevel[] {
    return this.textLevels("bid", limit);
  }

  /** Asks as text, best (lowest) first. */
  asks(limit = Infinity): TextLevel[] {
    return this.textLevels("ask", limit);
  }

  /** Both sides as text, best first, each limited to `limit` levels. */
  snapshot(limit = Infinity): TextBook {
    return { bids: this.bids(limit), asks: this.asks(limit) };
  }

  /** Drop levels beyond `depth` on both sides; returns what was dropped, per side. */
  truncate(depth: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.#bids.truncate(depth), asks: this.#asks.truncate(depth) };
  }

  /** Remove every level. */
  clear(): void {
    this.#bids = new SideLevels(true);
    this.#asks = new SideLevels(false);
  }

  /** Whether the best bid is at or above the best ask. */
  isCrossed(): boolean {
    const bid = this.best("bid");
    const ask = this.best("ask");
    return bid !== undefined && ask !== undefined && bid >= ask;
  }

  /** A deep copy, optionally limited to the top `limit` levels per side. */
  clone(limit = Infinity): MockBook {
    const copy = new MockBook({
      priceDecimals: this.#priceDecimals,
      qtyDecimals: this.#qtyDecimals,
    });
    for (const side of ["bid", "ask"] as const) {
      for (const [p, q] of this.levels(side, limit)) copy.#side(side).set(p, q);
    }
    return copy;
  }

  /** Replace the contents with the given text (or mantissa) levels. */
  load(
    levels: {
      bids: ReadonlyArray<readonly [string, string]>;
      asks: ReadonlyArray<readonly [string, string]>;
    },
  ): void {
    this.clear();
    for (const [p, q] of levels.bids) this.set("bid", p, q);
    for (const [p, q] of levels.asks) this.set("ask", p, q);
  }

  /** Whether both books hold exactly the same levels (scales must match). */
  equals(other: MockBook): boolean {
    if (other.#priceDecimals !== this.#priceDecimals || other.#qtyDecimals !== this.#qtyDecimals) {
      return false;
    }
    for (const side of ["bid", "ask"] as const) {
      const a = this.#side(side);
      const b = other.#side(side);
      if (a.prices.length !== b.prices.length) return false;
      for (let i = 0; i < a.prices.length; i++) {
        const p = a.prices[i];
        if (p !== b.prices[i] || a.qty.get(p) !== b.qty.get(p)) return false;
      }
    }
    return true;
  }
}
