/**
 * An {@linkcode ExchangeFeed} over an in-process {@linkcode Core} (shared-memory variant) that a
 * test drives directly: reset books from full snapshots, apply batches, mark books STALE, emit
 * trades. `requestSnapshots` publishes SNAPSHOT records with `core.snapshot(book)` on a later
 * microtask (a Worker collector answers asynchronously too). Also a seeded random market that
 * produces realistic, never-crossed update batches.
 *
 * @module
 */
import { Core, formatMantissa, type SideCode, type TextLevel } from "../../src/core/mod.ts";
import type { ExchangeId } from "../../src/exchanges/types.ts";
import {
  type BookHealth,
  EXCHANGE_CODES,
  type ExchangeFeed,
  type ExchangeHealth,
  type NormalizedTrade,
} from "../../src/runtime/feed.ts";
import { quietHealth } from "../support/quiet_health.ts";

/** Options of {@linkcode LocalFeed.create}. */
export interface LocalFeedOptions {
  exchange?: ExchangeId;
  symbols?: string[];
  ringCapacity?: number;
  depth?: number;
  priceScale?: number;
  sizeScale?: number;
  /**
   * Say that snapshot requests are answered from the feed's own books (the real collectors
   * do): the server then lets books nobody watches go dormant. Default false.
   */
  snapshotsOnDemand?: boolean;
  /**
   * Offer `pauseRecords` (the real collectors do): paused books write no delta records until a
   * snapshot request names them. Default false.
   */
  pausable?: boolean;
}

/** A level change: side (0 bid, 1 ask), price text, size text ("0" removes). */
export type Change = [side: SideCode, price: string, size: string];

/** A test-driven feed. See the module documentation. */
export class LocalFeed implements ExchangeFeed {
  readonly exchange: ExchangeId;
  readonly exchangeCode: number;
  readonly symbols: readonly string[];
  readonly core: Core;
  readonly books: readonly number[];
  readonly depth: number;
  /** Every `requestSnapshots` call (undefined = all books). */
  readonly snapshotRequests: Array<readonly string[] | undefined> = [];
  /** Answer `requestSnapshots` (tests switch this off to hold a book stale). */
  answerSnapshotRequests = true;
  /** See {@linkcode LocalFeedOptions.snapshotsOnDemand}. */
  snapshotsOnDemand = false;
  /** Present with {@linkcode LocalFeedOptions.pausable}. */
  pauseRecords?: (symbols: readonly string[]) => void;
  /** Every `pauseRecords` call. */
  readonly pauseRequests: Array<readonly string[]> = [];
  /** Books whose records are paused. */
  readonly paused = new Set<number>();
  #listeners = new Set<(trade: NormalizedTrade) => void>();
  #stopped = false;
  /** Books reset at least once (before that they are "connecting" and answer with STALE). */
  #started = new Set<number>();

  private constructor(
    core: Core,
    exchange: ExchangeId,
    symbols: string[],
    books: number[],
    depth: number,
  ) {
    this.core = core;
    this.exchange = exchange;
    this.exchangeCode = EXCHANGE_CODES[exchange];
    this.symbols = Object.freeze([...symbols]);
    this.books = Object.freeze(books);
    this.depth = depth;
  }

  /** Creates a feed whose books are all empty (reset them to publish first snapshots). */
  static async create(options: LocalFeedOptions = {}): Promise<LocalFeed> {
    const exchange = options.exchange ?? "kraken";
    const symbols = options.symbols ?? ["BTC/USD", "ETH/USD"];
    const depth = options.depth ?? 10;
    const core = await Core.create({ ringCapacity: options.ringCapacity ?? 4096 });
    const books = symbols.map((_, i) =>
      core.createBook({
        exchange: EXCHANGE_CODES[exchange],
        symbol: i,
        priceScale: options.priceScale ?? 2,
        sizeScale: options.sizeScale ?? 4,
        depth,
      })
    );
    const feed = new LocalFeed(core, exchange, symbols, books, depth);
    feed.snapshotsOnDemand = options.snapshotsOnDemand ?? false;
    if (options.pausable) {
      feed.pauseRecords = (symbols) => {
        feed.pauseRequests.push([...symbols]);
        for (const i of symbols.map((s) => feed.symbols.indexOf(s)).filter((i) => i >= 0)) {
          core.setQuiet(books[i], true);
          feed.paused.add(i);
        }
      };
    }
    return feed;
  }

  get buffer(): ArrayBufferLike {
    return this.core.memory.buffer;
  }

  get ringAddress(): number {
    return this.core.ringAddress;
  }

  get layout() {
    return this.core.layout;
  }

  /** Replaces book `i` with these levels (publishes SNAPSHOT records at seq + 1). */
  reset(i: number, bids: TextLevel[], asks: TextLevel[], receiveTimeMs = Date.now()): number {
    this.core.begin(this.books[i]);
    for (const [p, s] of bids) this.core.add(0, p, s);
    for (const [p, s] of asks) this.core.add(1, p, s);
    this.#started.add(i);
    return this.core.reset(0, receiveTimeMs);
  }

  /** Applies a batch to book `i`; returns records written (0 when the top-N did not change). */
  apply(i: number, changes: readonly Change[], receiveTimeMs = Date.now()): number {
    this.core.begin(this.books[i]);
    for (const [side, p, s] of changes) this.core.add(side, p, s);
    return this.core.apply(0, receiveTimeMs);
  }

  /** Marks book `i` STALE (publishes a STALE record). */
  markStale(i: number): void {
    this.core.markStale(this.books[i]);
  }

  /** The collector's top-N of book `i` as text, best first. */
  top(i: number): { bids: TextLevel[]; asks: TextLevel[] } {
    return {
      bids: this.core.topText(this.books[i], 0, this.depth),
      asks: this.core.topText(this.books[i], 1, this.depth),
    };
  }

  /** Seq of book `i`. */
  seq(i: number): number {
    return this.core.seq(this.books[i]);
  }

  /** Emits a trade to listeners. */
  trade(trade: Omit<NormalizedTrade, "exchange">): void {
    for (const l of this.#listeners) l({ ...trade, exchange: this.exchange });
  }

  onTrade(listener: (trade: NormalizedTrade) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get tradeListeners(): number {
    return this.#listeners.size;
  }

  health(): ExchangeHealth {
    const books: BookHealth[] = this.symbols.map((symbol, i) => ({
      symbol,
      state: this.#stopped
        ? "stopped"
        : !this.#started.has(i)
        ? "connecting"
        : this.core.isStale(this.books[i])
        ? "stale"
        : "live",
      lastUpdateAgeMs: 0,
      seq: this.seq(i),
      updates: 0,
      resyncs: 0,
      gaps: 0,
      checksumFailures: 0,
      parseErrors: 0,
      absentDeletes: this.core.absentDeletes(this.books[i]),
      quiet: this.paused.has(i),
    }));
    return quietHealth(this.exchange, {
      connection: this.#stopped ? "stopped" : "connected",
      healthy: !this.#stopped,
      books,
    });
  }

  requestSnapshots(symbols?: readonly string[]): void {
    this.snapshotRequests.push(symbols);
    if (!this.answerSnapshotRequests) return;
    queueMicrotask(() => {
      if (this.#stopped || !this.answerSnapshotRequests) return;
      const ids = symbols === undefined
        ? this.books.map((_, i) => i)
        : symbols.map((s) => this.symbols.indexOf(s)).filter((i) => i >= 0);
      // Like the collectors' book store: live books publish a snapshot, others a STALE marker.
      for (const i of ids) {
        if (this.paused.delete(i)) this.core.setQuiet(this.books[i], false);
        if (this.#started.has(i)) this.core.snapshot(this.books[i]);
        else this.core.markStale(this.books[i]);
      }
    });
  }

  stop(): Promise<void> {
    this.#stopped = true;
    return Promise.resolve();
  }
}

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random market for book `i` of a feed: bids below `mid`, asks above (never crossed), at the
 * feed's scales (2 price decimals, 4 size decimals by default).
 */
export class RandomMarket {
  #feed: LocalFeed;
  #random: () => number;
  #mid: number[];
  #spread: number;
  #priceScale: number;
  #sizeScale: number;

  constructor(feed: LocalFeed, seed: number, mid = 6_000_000, spread = 400) {
    this.#feed = feed;
    this.#random = rng(seed);
    this.#mid = feed.symbols.map((_, i) => mid + i * 100_000);
    this.#spread = spread;
    [this.#priceScale, this.#sizeScale] = feed.core.scales(feed.books[0]);
  }

  #price(tick: number): string {
    return formatMantissa(tick, this.#priceScale);
  }

  #size(): string {
    return formatMantissa(1 + Math.floor(this.#random() * 5_000_000), this.#sizeScale);
  }

  /** A full book of `levels` per side. */
  snapshot(i: number, levels = 40): { bids: TextLevel[]; asks: TextLevel[] } {
    const mid = this.#mid[i];
    const bids: TextLevel[] = [];
    const asks: TextLevel[] = [];
    for (let k = 1; k <= levels; k++) {
      bids.push([this.#price(mid - k * 3), this.#size()]);
      asks.push([this.#price(mid + k * 3), this.#size()]);
    }
    return { bids, asks };
  }

  /** Resets book `i` from a fresh random snapshot. */
  reset(i: number, levels = 40): void {
    const { bids, asks } = this.snapshot(i, levels);
    this.#feed.reset(i, bids, asks);
  }

  /** A batch of `n` changes near the top: new levels, size changes and deletes. */
  batch(i: number, n: number): Change[] {
    const mid = this.#mid[i];
    const out: Change[] = [];
    const book = this.#feed.books[i];
    for (let k = 0; k < n; k++) {
      const side: SideCode = this.#random() < 0.5 ? 0 : 1;
      const r = this.#random();
      if (r < 0.25) {
        const held = this.#feed.core.top(book, side, this.#feed.depth + 5);
        if (held.length > 0) {
          const [p] = held[Math.floor(this.#random() * held.length)];
          out.push([side, formatMantissa(p, this.#priceScale), "0"]);
          continue;
        }
      }
      const offset = 1 + Math.floor(this.#random() * this.#spread);
      const tick = side === 0 ? mid - offset : mid + offset;
      out.push([side, this.#price(tick), this.#size()]);
    }
    return out;
  }

  /** Applies `batches` random batches of up to `maxChanges` to random books. */
  run(batches: number, maxChanges = 6): number {
    let records = 0;
    for (let b = 0; b < batches; b++) {
      const i = Math.floor(this.#random() * this.#feed.books.length);
      records += this.#feed.apply(i, this.batch(i, 1 + Math.floor(this.#random() * maxChanges)));
    }
    return records;
  }
}
