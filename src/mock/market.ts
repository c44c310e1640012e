/**
 * A deterministic market generator for one symbol, shared by every mock exchange.
 *
 * It owns the authoritative full-depth {@linkcode MockBook} and, on each {@linkcode MarketGenerator.step},
 * mutates it the way a real L2 book moves: a "fair" mid price random-walks; limit orders are added
 * near the top (sometimes inside the spread), sizes change, levels are cancelled (top-weighted);
 * quotes left behind by the fair price are cancelled; takers occasionally trade through the best
 * level(s) and produce trades; the far end of the book is topped up or trimmed to stay between
 * `minLevels` and `maxLevels`. The book is never crossed and never has a zero-size level. Quantities
 * are a mix of round sizes (`0.10000000`, `1.00000000`: these exercise trailing-zero formatting) and
 * arbitrary lot multiples.
 *
 * Everything is driven by a seeded PRNG, so the same options give the same stream.
 *
 * @example
 * ```ts
 * import { MarketGenerator } from "./market.ts";
 * const market = new MarketGenerator({ seed: 7, priceDecimals: 1, qtyDecimals: 8, midPrice: "60000" });
 * const step = market.step();
 * step.changes; // [{ side: "bid", price: 599993n, qty: 12000000n, prev: 0n }, ...]
 * market.book.bids(3); // [["60000.0", "0.50000000"], ...]
 * ```
 *
 * @module
 */
import { MockBook, parseFixed, type Side, type TextBook } from "./mock_book.ts";

/**
 * Small, fast, seedable PRNG (mulberry32 core with a Box-Muller normal). Not for cryptography.
 */
export class SeededRandom {
  #state: number;
  #spare: number | undefined;

  /** Create a generator from a 32-bit seed. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal deviate. */
  normal(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Geometric count of failures before a success, with the given mean (>= 0). */
  geometric(mean: number): number {
    if (mean <= 0) return 0;
    const p = 1 / (mean + 1);
    let u = 0;
    while (u === 0) u = this.next();
    return Math.floor(Math.log(u) / Math.log(1 - p));
  }
}

/**
 * FNV-1a hash of the parts, for deriving per-symbol seeds.
 *
 * @example
 * ```ts
 * import { hashSeed } from "./market.ts";
 * hashSeed(1, "BTC/USD") !== hashSeed(1, "ETH/USD");
 * ```
 */
export function hashSeed(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  const text = parts.join("\u0000");
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One level change: the new absolute quantity (0 = delete) and the quantity before it. */
export interface LevelChange {
  /** Book side. */
  side: Side;
  /** Price mantissa. */
  price: bigint;
  /** New absolute quantity mantissa; `0n` deletes. */
  qty: bigint;
  /** Quantity before the change (`0n` = the level did not exist). */
  prev: bigint;
}

/** A trade. `side` is the taker side (`buy` lifted an ask). */
export interface MarketTrade {
  /** Sequential per symbol, starting at `firstTradeId`. */
  id: number;
  /** Price mantissa. */
  price: bigint;
  /** Quantity mantissa. */
  qty: bigint;
  /** Taker side. */
  side: "buy" | "sell";
  /** Epoch milliseconds (from the `now` option). */
  time: number;
}

/** What one step did, in order. The changes have already been applied to the book. */
export interface MarketStep {
  /** Level changes in the order they happened (a price may appear more than once). */
  changes: LevelChange[];
  /** Trades (their book effect is included in `changes`). */
  trades: MarketTrade[];
  /** Epoch milliseconds of the step. */
  time: number;
}

/** A scripted level change as text or mantissas. */
export interface ScriptedChange {
  /** Book side. */
  side: Side;
  /** Price text (at the book's scale or fewer decimals) or mantissa. */
  price: string | bigint;
  /** New absolute quantity; `"0"` deletes. */
  qty: string | bigint;
}

/** A scripted trade as text or mantissas. */
export interface ScriptedTrade {
  /** Taker side. */
  side: "buy" | "sell";
  /** Price text or mantissa. */
  price: string | bigint;
  /** Quantity text or mantissa. */
  qty: string | bigint;
}

/** Tunables of the generated flow (all optional). */
export interface MarketFlowOptions {
  /** Initial levels per side when no `initialBook` is given. Default 40. */
  levels?: number;
  /** The far end is topped up below this many levels per side. Default `min(levels, 25)`. */
  minLevels?: number;
  /** The far end is trimmed above this many levels per side. Default `2 * levels`. */
  maxLevels?: number;
  /** Maximum non-trade level changes per step (at least 1 happens). Default 3. */
  maxChangesPerStep?: number;
  /** Probability that a step contains a taker trade. Default 0.15. */
  tradeProbability?: number;
  /** Standard deviation of the fair-price walk, in ticks per step. Default 0.6. */
  volatility?: number;
  /** Mean distance from the top (in levels / ticks) of changes and inserts. Default 2.5. */
  topBias?: number;
}

/** Options for {@linkcode MarketGenerator}. */
export interface MarketOptions extends MarketFlowOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Decimals of price texts. */
  priceDecimals: number;
  /** Decimals of quantity texts. */
  qtyDecimals: number;
  /** Starting mid price (ignored when `initialBook` is given). */
  midPrice?: string;
  /** Price increment as text. Default: one unit of the last price decimal. */
  tickSize?: string;
  /** Quantity increment as text. Default: one unit of the last quantity decimal. */
  lotSize?: string;
  /** Start from exactly this book instead of a generated one. */
  initialBook?: {
    bids: ReadonlyArray<readonly [string, string]>;
    asks: ReadonlyArray<readonly [string, string]>;
  };
  /** First trade id. Default 1. */
  firstTradeId?: number;
  /** How many recent trades to keep for trade snapshots. Default 50. */
  recentTrades?: number;
  /** Clock for trade and step times. Default `Date.now`. */
  now?: () => number;
}

const ROUND_SIZES = ["0.01", "0.05", "0.1", "0.25", "0.5", "1", "2", "5"];

/**
 * Deterministic L2 market for one symbol. See the module documentation.
 */
export class MarketGenerator {
  readonly #book: MockBook;
  readonly #rng: SeededRandom;
  readonly #tick: bigint;
  readonly #lot: bigint;
  readonly #minLevels: number;
  readonly #maxLevels: number;
  readonly #maxChanges: number;
  readonly #tradeProbability: number;
  readonly #volatility: number;
  readonly #topBias: number;
  readonly #recentLimit: number;
  readonly #now: () => number;
  readonly #roundSizes: bigint[];
  #fairTicks: number;
  #nextTradeId: number;
  #recent: MarketTrade[] = [];
  #steps = 0;

  /** Create a market; the initial book is built (or loaded) immediately. */
  constructor(options: MarketOptions) {
    const { priceDecimals, qtyDecimals } = options;
    this.#book = new MockBook({ priceDecimals, qtyDecimals });
    this.#rng = new SeededRandom(options.seed ?? 1);
    this.#tick = options.tickSize ? parseFixed(options.tickSize, priceDecimals) : 1n;
    this.#lot = options.lotSize ? parseFixed(options.lotSize, qtyDecimals) : 1n;
    if (this.#tick <= 0n || this.#lot <= 0n) {
      throw new RangeError("tickSize and lotSize must be > 0");
    }
    const levels = options.levels ?? 40;
    this.#minLevels = options.minLevels ?? Math.min(levels, 25);
    this.#maxLevels = Math.max(options.maxLevels ?? 2 * levels, this.#minLevels + 1);
    this.#maxChanges = Math.max(1, options.maxChangesPerStep ?? 3);
    this.#tradeProbability = options.tradeProbability ?? 0.15;
    this.#volatility = options.volatility ?? 0.6;
    this.#topBias = options.topBias ?? 2.5;
    this.#recentLimit = options.recentTrades ?? 50;
    this.#now = options.now ?? Date.now;
    this.#nextTradeId = options.firstTradeId ?? 1;
    this.#roundSizes = ROUND_SIZES.map((s) => this.#roundToLot(parseFixed(s, qtyDecimals)));

    if (options.initialBook) {
      this.#book.load(options.initialBook);
      if (this.#book.isCrossed()) throw new RangeError("initialBook is crossed");
      const bid = this.#book.best("bid");
      const ask = this.#book.best("ask");
      const mid = bid !== undefined && ask !== undefined
        ? (bid + ask) / 2n
        : bid ?? ask ?? this.#tick * 1000n;
      this.#fairTicks = Number(mid / this.#tick);
    } else {
      if (options.midPrice === undefined) {
        throw new TypeError("midPrice or initialBook is required");
      }
      const mid = parseFixed(options.midPrice, priceDecimals);
      this.#fairTicks = Number(mid / this.#tick);
      this.#seedBook(levels);
    }
  }

  /** The authoritative book. Treat as read-only: mutate through {@linkcode apply}. */
  get book(): MockBook {
    return this.#book;
  }

  /** Price increment mantissa. */
  get tick(): bigint {
    return this.#tick;
  }

  /** Quantity increment mantissa. */
  get lot(): bigint {
    return this.#lot;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /** The most recent trades, oldest first (at most `recentTrades`). */
  get recentTrades(): readonly MarketTrade[] {
    return this.#recent;
  }

  /** Best-first text view of the book, limited to `depth` levels per side. */
  snapshot(depth = Infinity): TextBook {
    return this.#book.snapshot(depth);
  }

  #roundToLot(q: bigint): bigint {
    const r = (q / this.#lot) * this.#lot;
    return r > 0n ? r : this.#lot;
  }

  #randomQty(): bigint {
    const rng = this.#rng;
    if (rng.chance(0.3)) return rng.pick(this.#roundSizes);
    const units = Math.exp(rng.normal() * 1.1 - 1.2);
    const lots = Math.max(1, Math.round(units * 10 ** this.#book.qtyDecimals / Number(this.#lot)));
    return BigInt(lots) * this.#lot;
  }

  #fairPrice(): bigint {
    return BigInt(Math.round(this.#fairTicks)) * this.#tick;
  }

  #seedBook(levels: number): void {
    const fair = this.#fairPrice();
    let bid = fair - this.#tick * BigInt(1 + this.#rng.int(0, 1));
    let ask = fair + this.#tick * BigInt(1 + this.#rng.int(0, 1));
    for (let i = 0; i < levels; i++) {
      if (bid > 0n) this.#book.set("bid", bid, this.#randomQty());
      this.#book.set("ask", ask, this.#randomQty());
      bid -= this.#tick * BigInt(1 + this.#rng.geometric(0.8));
      ask += this.#tick * BigInt(1 + this.#rng.geometric(0.8));
    }
  }

  #set(changes: LevelChange[], side: Side, price: bigint, qty: bigint): void {
    const prev = this.#book.set(side, price, qty);
    if (prev !== qty) changes.push({ side, price, qty, prev });
  }

  #topIndex(side: Side): number {
    const depth = this.#book.depth(side);
    return Math.min(depth - 1, this.#rng.geometric(this.#topBias));
  }

  #modify(changes: LevelChange[], side: Side): void {
    if (this.#book.depth(side) === 0) return this.#insert(changes, side);
    const [price, qty] = this.#book.levelAt(side, this.#topIndex(side))!;
    let next: bigint;
    if (this.#rng.chance(0.5)) {
      // A partial cancel or a join: move by a random amount, keep it positive.
      const delta = this.#randomQty() / 2n;
      const lots = delta > this.#lot ? (delta / this.#lot) * this.#lot : this.#lot;
      next = this.#rng.chance(0.5) || qty <= lots ? qty + lots : qty - lots;
    } else {
      next = this.#randomQty();
    }
    if (next === qty) next = qty + this.#lot;
    this.#set(changes, side, price, next);
  }

  #insert(changes: LevelChange[], side: Side): void {
    const fair = this.#fairPrice();
    const offset = this.#tick * BigInt(1 + this.#rng.geometric(this.#topBias));
    const bestBid = this.#book.best("bid");
    const bestAsk = this.#book.best("ask");
    let price: bigint;
    if (side === "bid") {
      price = fair - offset;
      if (bestAsk !== undefined && price >= bestAsk) price = bestAsk - this.#tick;
    } else {
      price = fair + offset;
      if (bestBid !== undefined && price <= bestBid) price = bestBid + this.#tick;
    }
    if (price <= 0n) return;
    this.#set(changes, side, price, this.#book.get(side, price) + this.#randomQty());
  }

  #cancel(changes: LevelChange[], side: Side): void {
    if (this.#book.depth(side) <= this.#minLevels) return this.#modify(changes, side);
    const [price] = this.#book.levelAt(side, this.#topIndex(side))!;
    this.#set(changes, side, price, 0n);
  }

  #trade(changes: LevelChange[], trades: MarketTrade[], time: number): void {
    const fair = this.#fairPrice();
    const bid = this.#book.best("bid");
    const ask = this.#book.best("ask");
    // Takers lean towards the fair price: buy when fair is above the mid.
    const mid = bid !== undefined && ask !== undefined ? (bid + ask) / 2n : fair;
    const pBuy = fair > mid ? 0.75 : fair < mid ? 0.25 : 0.5;
    const side = this.#rng.chance(pBuy) ? "buy" : "sell";
    const bookSide: Side = side === "buy" ? "ask" : "bid";
    let remaining = this.#randomQty();
    for (let swept = 0; swept < 3 && remaining > 0n; swept++) {
      if (this.#book.depth(bookSide) <= 1) break;
      const [price, qty] = this.#book.levelAt(bookSide, 0)!;
      const fill = remaining < qty ? remaining : qty;
      this.#set(changes, bookSide, price, qty - fill);
      remaining -= fill;
      trades.push(this.#recordTrade({ id: 0, price, qty: fill, side, time }));
      if (!this.#rng.chance(0.3)) break;
    }
  }

  #recordTrade(trade: MarketTrade): MarketTrade {
    trade.id = this.#nextTradeId++;
    this.#recent.push(trade);
    if (this.#recent.length > this.#recentLimit) this.#recent.shift();
    return trade;
  }

  #realign(changes: LevelChange[]): void {
    // Quotes the fair price has moved through get cancelled (one per side per step).
    const fair = this.#fairPrice();
    const slack = this.#tick * 2n;
    const ask = this.#book.best("ask");
    if (ask !== undefined && ask < fair - slack && this.#book.depth("ask") > 1) {
      this.#set(changes, "ask", ask, 0n);
    }
    const bid = this.#book.best("bid");
    if (bid !== undefined && bid > fair + slack && this.#book.depth("bid") > 1) {
      this.#set(changes, "bid", bid, 0n);
    }
  }

  #maintainDepth(changes: LevelChange[]): void {
    for (const side of ["bid", "ask"] as const) {
      while (this.#book.depth(side) < this.#minLevels) {
        const worst = this.#book.worst(side);
        const other = this.#book.best(side === "bid" ? "ask" : "bid");
        const gap = this.#tick * BigInt(1 + this.#rng.geometric(0.8));
        let price: bigint;
        if (worst !== undefined) price = side === "bid" ? worst - gap : worst + gap;
        else if (other !== undefined) price = side === "bid" ? other - gap : other + gap;
        else price = side === "bid" ? this.#fairPrice() - gap : this.#fairPrice() + gap;
        if (price <= 0n) break;
        this.#set(changes, side, price, this.#randomQty());
      }
      if (this.#book.depth(side) > this.#maxLevels) {
        this.#set(changes, side, this.#book.worst(side)!, 0n);
      }
    }
  }

  /** Advance the market by one step and return what changed (already applied to the book). */
  step(): MarketStep {
    const rng = this.#rng;
    const time = this.#now();
    const changes: LevelChange[] = [];
    const trades: MarketTrade[] = [];
    this.#steps++;
    this.#fairTicks = Math.max(10, this.#fairTicks + rng.normal() * this.#volatility);
    if (rng.chance(this.#tradeProbability)) this.#trade(changes, trades, time);
    const n = rng.int(1, this.#maxChanges);
    for (let i = 0; i < n; i++) {
      const side: Side = rng.chance(0.5) ? "bid" : "ask";
      const r = rng.next();
      if (r < 0.45) this.#modify(changes, side);
      else if (r < 0.75) this.#insert(changes, side);
      else this.#cancel(changes, side);
    }
    this.#realign(changes);
    this.#maintainDepth(changes);
    if (changes.length === 0) this.#modify(changes, "bid");
    return { changes, trades, time };
  }

  /**
   * Apply scripted changes (in order) and record scripted trades (they get the next trade ids;
   * their book effect must be scripted as changes). Returns the step as {@linkcode step} would.
   * No-op changes (same quantity as before) are dropped.
   */
  apply(changes: readonly ScriptedChange[], trades: readonly ScriptedTrade[] = []): MarketStep {
    const time = this.#now();
    const out: LevelChange[] = [];
    for (const c of changes) {
      this.#set(out, c.side, this.#book.parsePrice(c.price), this.#book.parseQty(c.qty));
    }
    // Scripted steps may cross the book on purpose; the mocks send whatever was scripted.
    const recorded = trades.map((t) =>
      this.#recordTrade({
        id: 0,
        side: t.side,
        price: this.#book.parsePrice(t.price),
        qty: this.#book.parseQty(t.qty),
        time,
      })
    );
    const bid = this.#book.best("bid");
    const ask = this.#book.best("ask");
    if (bid !== undefined && ask !== undefined) {
      this.#fairTicks = Number((bid + ask) / 2n / this.#tick);
    }
    return { changes: out, trades: recorded, time };
  }

  /**
   * The changes that turn the current book into `target` (deletes first, then sets), applied.
   */
  replace(target: {
    bids: ReadonlyArray<readonly [string, string]>;
    asks: ReadonlyArray<readonly [string, string]>;
  }): MarketStep {
    const next = new MockBook({
      priceDecimals: this.#book.priceDecimals,
      qtyDecimals: this.#book.qtyDecimals,
    });
    next.load(target);
    const script: ScriptedChange[] = [];
    for (const side of ["bid", "ask"] as const) {
      for (const [p] of this.#book.levels(side)) {
        if (!next.has(side, p)) script.push({ side, price: p, qty: 0n });
      }
    }
    for (const side of ["bid", "ask"] as const) {
      for (const [p, q] of next.levels(side)) script.push({ side, price: p, qty: q });
    }
    return this.apply(script);
  }

  /**
   * A price that is not in the book: the first gap between the top `within` levels of `side`, or
   * else one tick beyond the worst level. Used to inject deletes of unknown levels.
   */
  unknownPrice(side: Side, within = 10): bigint {
    const levels = this.#book.levels(side, within);
    const dir = side === "bid" ? -1n : 1n;
    for (let i = 0; i + 1 < levels.length; i++) {
      const candidate = levels[i][0] + dir * this.#tick;
      if (candidate !== levels[i + 1][0]) return candidate;
    }
    const worst = this.#book.worst(side) ?? this.#fairPrice();
    let price = worst + dir * this.#tick;
    if (price <= 0n) price = (this.#book.worst("ask") ?? this.#fairPrice()) + this.#tick * 1000n;
    return price;
  }
}
