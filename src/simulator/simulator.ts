/**
 * The exchange simulator: the mock servers of the registered venues (each venue's descriptor names
 * its mock, `src/exchanges/<venue>/mock.ts`) started together on 127.0.0.1, driven by one pacer at a total message
 * rate, with bursts and fault injection at configurable rates. It is what `deno task demo` and
 * `deno task bench:e2e` point the service at, and what the simulator CLI (`main.ts`) runs.
 *
 * **Rate.** `rate` is market steps per second over every book of every venue. One step of a book
 * is one order-book update message on each connection subscribed to it (plus a trade message when
 * the step trades, about 15% of steps). Steps are spread round robin over the books. The pacer is
 * one timer: on each tick (1 ms at high rates) it takes as many steps as are due since the start,
 * so the rate holds from a few per second to well over 100,000 per second; when it cannot keep up
 * it skips at most 100 ms of backlog per tick and counts the skipped steps (`stats.missedSteps`).
 *
 * **Bursts.** With `bursts`, at random times (exponential gaps, mean `meanIntervalMs`) one
 * book, chosen at random, gets `multiplier` times its share of the rate for `durationMs` on top of
 * the steady flow, like a news spike on one pair.
 *
 * **Faults** (`faults`, all off by default; counted per venue in `stats.faults`):
 * - `gapEveryN`: every N-th step of a venue is lost (the mock's `injectGap`): a sequence or
 *   update-id skip where the venue numbers its messages (the service resyncs), otherwise a
 *   dropped update that the next checksum catches when it touched the checksummed levels.
 * - `badChecksumEveryN`: every N-th step of a venue with checksums (the mock offers
 *   `injectBadChecksum`) carries a wrong checksum (that book resubscribes).
 * - `malformedEveryN`: every N-th step of a venue, a truncated JSON frame that names no book is
 *   sent to its connections (counted as a parse error, never a resync).
 * - `disconnectEverySec`: every S seconds one venue, in turn, closes all its connections (its
 *   books resync after the reconnect).
 *
 * Timestamps in messages come from a microsecond wall clock (`performance.timeOrigin +
 * performance.now()`), so a client on the same machine can measure exchange-to-client latency.
 *
 * @example
 * ```ts
 * import { Simulator } from "./simulator.ts";
 * const sim = new Simulator({ rate: 1000, faults: { badChecksumEveryN: 500 } });
 * await sim.start();
 * const config = sim.config(); // AlphaPulse config input: every exchange pointed at the simulator
 * console.log(Object.keys(config.exchanges ?? {})); // every registered venue
 * await sim.stop();
 * ```
 *
 * @module
 */
import type { ConfigInput } from "../config.ts";
import { EXCHANGES, venue as venueOf } from "../exchanges/registry.ts";
import type { ExchangeId } from "../exchanges/types.ts";
import type { VenueMock } from "../exchanges/venue.ts";
import { hashSeed, type MarketFlowOptions, SeededRandom } from "../mock/market.ts";
import type { MockStats, SymbolSpec } from "../mock/mock_server.ts";
import {
  serviceConfig,
  type ServiceConfigOverrides,
  type VenueEndpoint,
} from "./service_config.ts";
import { splitSymbol } from "../mock/symbols.ts";

/** Bursts of activity on one book. */
export interface BurstOptions {
  /** Mean time between the starts of bursts (exponentially distributed). Default 5000 ms. */
  meanIntervalMs?: number;
  /** How long a burst lasts. Default 300 ms. */
  durationMs?: number;
  /** The burst book gets this many times its share of the rate, on top of it. Default 10. */
  multiplier?: number;
}

/** Fault injection rates (all off by default). See the module documentation. */
export interface FaultOptions {
  /** Every N-th step of a venue is lost (a sequence / update-id gap). */
  gapEveryN?: number;
  /** Every N-th step of a venue with checksums carries a wrong checksum. */
  badChecksumEveryN?: number;
  /** Every N-th step of a venue, a truncated JSON frame is sent to its connections. */
  malformedEveryN?: number;
  /** Every S seconds one venue (in turn) closes every connection. */
  disconnectEverySec?: number;
  /** Per-venue overrides of the step-counted rates above (`{ <venue id>: { gapEveryN: 0 } }`). */
  venues?: Partial<Record<ExchangeId, Omit<FaultOptions, "venues" | "disconnectEverySec">>>;
}

type StepFaults = Required<Omit<FaultOptions, "venues" | "disconnectEverySec">>;

/** Options of {@linkcode Simulator}. */
export interface SimulatorOptions {
  /**
   * Venues and their symbols (normalised `BASE/QUOTE`, venue spelling, or {@linkcode SymbolSpec}).
   * A venue left out is not started. Default: every venue with {@linkcode DEFAULT_SYMBOLS}.
   */
  exchanges?: Partial<Record<ExchangeId, ReadonlyArray<string | SymbolSpec>>>;
  /** Market steps per second over every book (see the module docs). Default 0 (manual). */
  rate?: number;
  /** Base seed: same seed, same markets. Default 1. */
  seed?: number;
  /** Listen address. Default `127.0.0.1`. */
  hostname?: string;
  /** Fixed ports per venue. Default 0 (any free port). */
  ports?: Partial<Record<ExchangeId, number>>;
  /** Bursts: `true` for the defaults, or tuned. Default off. */
  bursts?: boolean | BurstOptions;
  /** Fault injection rates. Default none. */
  faults?: FaultOptions;
  /** Market flow tunables for every book (levels, volatility, trade probability...). */
  market?: MarketFlowOptions;
  /** Heartbeat interval of the venues that send heartbeats. Default 1000 ms. */
  heartbeatIntervalMs?: number;
  /**
   * Diff-event cadence of venues that batch (the Binance family): 0 (default) sends one diff
   * event per step, so every venue runs at the configured rate; 100 batches steps like the real
   * `@100ms` stream.
   */
  batchIntervalMs?: number;
  /** Pacer tick. Default: 1000 / rate clamped to 1..50 ms. */
  tickMs?: number;
  /** Clock for timestamps in messages (ms since the epoch). Default: microsecond wall clock. */
  now?: () => number;
  /**
   * WebSocket transport of the venue servers: `"batched"` (default; one write per connection per
   * task, for high rates) or `"deno"` (Deno's own server WebSocket). See `MockServerOptions`.
   */
  transport?: "deno" | "batched";
  /**
   * A connection with more than this many bytes waiting (the service is not reading fast enough)
   * is closed with 1008 "slow consumer", as exchanges do. Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /** Extra options passed to each venue server (advanced). */
  venues?: Partial<Record<ExchangeId, Record<string, unknown>>>;
}

/** Symbols served when {@linkcode SimulatorOptions.exchanges} is omitted. */
export const DEFAULT_SYMBOLS: Readonly<Record<ExchangeId, readonly string[]>> = Object.freeze(
  Object.fromEntries(EXCHANGES.map((id) => [id, venueOf(id).mock.defaultSymbols])),
);

/** Per-venue fault counters. */
export type VenueCounts = Record<ExchangeId, number>;

/** Counters of a {@linkcode Simulator}. */
export interface SimulatorStats {
  /** When these counters were read: wall clock, ms since the epoch. */
  at: number;
  /** Steps taken (paced, burst and lost ones). */
  steps: number;
  /** Steps the pacer skipped because it fell more than 100 ms behind. */
  missedSteps: number;
  /** Frames sent to clients, all venues. */
  messagesSent: number;
  /** Steps per venue. */
  stepsByVenue: VenueCounts;
  /** Frames sent per venue. */
  messagesByVenue: VenueCounts;
  /** Bursts started. */
  bursts: number;
  /** Faults injected, per venue. */
  faults: {
    gaps: VenueCounts;
    badChecksums: VenueCounts;
    malformed: VenueCounts;
    disconnects: VenueCounts;
  };
  /** Each venue server's own counters. */
  venues: Partial<Record<ExchangeId, MockStats>>;
  /**
   * {@linkcode ThreadedSimulator} only: each thread's own counters (each with its own `at`; rates
   * are best computed per thread, since the threads answer at slightly different times).
   */
  threads?: SimulatorStats[];
}

/** High-resolution wall clock, ms since the epoch with a fractional part. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

type Venue = VenueMock;

interface BookRef {
  exchange: ExchangeId;
  venue: Venue;
  /** The venue's own spelling (the venue server's key). */
  native: string;
}

const ORDER: readonly ExchangeId[] = EXCHANGES;
const MAX_BACKLOG_MS = 100;

function zeroCounts(): VenueCounts {
  return Object.fromEntries(ORDER.map((id) => [id, 0]));
}

function positive(name: string, value: number | undefined): number {
  if (value === undefined || value === 0) return 0;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * The venue servers on loopback, paced together. See the module documentation.
 */
export class Simulator {
  readonly #venues = new Map<ExchangeId, Venue>();
  readonly #books: BookRef[] = [];
  readonly #rng: SeededRandom;
  readonly #faults = new Map<ExchangeId, StepFaults>();
  readonly #disconnectEverySec: number;
  readonly #bursts: Required<BurstOptions> | undefined;
  readonly #tickOverride: number | undefined;
  #rate: number;
  #pacer: ReturnType<typeof setInterval> | undefined;
  #disconnector: ReturnType<typeof setInterval> | undefined;
  #flusher: ReturnType<typeof setInterval> | undefined;
  readonly #batchIntervalMs: number;
  #t0 = 0;
  #done = 0;
  #cursor = 0;
  #burst: { book: BookRef; start: number; end: number; rate: number; done: number } | undefined;
  #nextBurstAt = 0;
  #disconnectTurn = 0;
  #started = false;
  #stopped = false;
  readonly #counts = {
    steps: 0,
    missedSteps: 0,
    bursts: 0,
    stepsByVenue: zeroCounts(),
    gaps: zeroCounts(),
    badChecksums: zeroCounts(),
    malformed: zeroCounts(),
    disconnects: zeroCounts(),
  };

  /** Build the venue servers and their markets; nothing listens until {@linkcode start}. */
  constructor(options: SimulatorOptions = {}) {
    const seed = options.seed ?? 1;
    this.#rate = positive("rate", options.rate);
    this.#rng = new SeededRandom(
      hashSeed(seed, "simulator", ...Object.keys(options.exchanges ?? {})),
    );
    this.#tickOverride = options.tickMs === undefined
      ? undefined
      : positive("tickMs", options.tickMs);
    const f = options.faults ?? {};
    this.#disconnectEverySec = positive("faults.disconnectEverySec", f.disconnectEverySec);
    for (const exchange of ORDER) {
      const v = { ...f, ...f.venues?.[exchange] };
      const at = `faults${f.venues?.[exchange] ? `.venues.${exchange}` : ""}`;
      this.#faults.set(exchange, {
        gapEveryN: positive(`${at}.gapEveryN`, v.gapEveryN),
        badChecksumEveryN: positive(`${at}.badChecksumEveryN`, v.badChecksumEveryN),
        malformedEveryN: positive(`${at}.malformedEveryN`, v.malformedEveryN),
      });
    }
    if (options.bursts) {
      const b = options.bursts === true ? {} : options.bursts;
      this.#bursts = {
        meanIntervalMs: positive("bursts.meanIntervalMs", b.meanIntervalMs ?? 5000),
        durationMs: positive("bursts.durationMs", b.durationMs ?? 300),
        multiplier: positive("bursts.multiplier", b.multiplier ?? 10),
      };
    }
    const now = options.now ?? wallClockMs;
    this.#batchIntervalMs = options.batchIntervalMs ?? 0;
    const exchanges = options.exchanges ?? DEFAULT_SYMBOLS;
    const common = {
      hostname: options.hostname ?? "127.0.0.1",
      seed,
      market: options.market,
      now,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      transport: options.transport ?? "batched",
      maxBufferedBytes: options.maxBufferedBytes ?? 64 * 1024 * 1024,
    };
    for (const exchange of ORDER) {
      const symbols = exchanges[exchange];
      if (!symbols || symbols.length === 0) continue;
      const base = { ...common, symbols, port: options.ports?.[exchange] ?? 0 };
      const mock = venueOf(exchange).mock;
      const venue = mock.create({
        ...base,
        ...mock.simulatorOptions?.(this.#batchIntervalMs),
        ...options.venues?.[exchange],
      });
      this.#venues.set(exchange, venue);
      for (const native of venue.symbols) this.#books.push({ exchange, venue, native });
    }
    if (this.#venues.size === 0) throw new TypeError("The simulator needs at least one venue");
  }

  /** Start every venue server, then pacing (when `rate` > 0) and the disconnect timer. */
  async start(): Promise<void> {
    if (this.#started) throw new Error("Simulator already started");
    this.#started = true;
    try {
      for (const venue of this.#venues.values()) await venue.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (this.#rate > 0) this.#startPacer();
    if (this.#disconnectEverySec > 0) {
      this.#disconnector = setInterval(
        () => this.#disconnectNext(),
        this.#disconnectEverySec * 1000,
      );
    }
    const batching = [...this.#venues.values()].filter((v) => v.flush !== undefined);
    if (batching.length > 0 && this.#batchIntervalMs > 0) {
      this.#flusher = setInterval(
        () => batching.forEach((v) => v.flush!()),
        this.#batchIntervalMs,
      );
    }
  }

  /** Stop pacing and every venue server (closes every connection). Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopPacer();
    clearInterval(this.#disconnector);
    clearInterval(this.#flusher);
    this.#disconnector = this.#flusher = undefined;
    await Promise.all([...this.#venues.values()].map((v) => v.stop()));
  }

  /** `await using sim = ...` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The configured total rate (steps per second; 0 = manual). */
  get rate(): number {
    return this.#rate;
  }

  /** Change the total rate (0 stops pacing); the pacer restarts its schedule from now. */
  setRate(rate: number): void {
    this.#rate = positive("rate", rate);
    if (!this.#started || this.#stopped) return;
    this.#stopPacer();
    if (this.#rate > 0) this.#startPacer();
  }

  /** Venues served, in start order. */
  get exchanges(): ExchangeId[] {
    return [...this.#venues.keys()];
  }

  /** A venue server by exchange id. */
  venue(exchange: ExchangeId): VenueMock {
    return this.#venue(exchange);
  }

  /** Normalised `BASE/QUOTE` symbols of a venue, in the order they were given. */
  symbols(exchange: ExchangeId): string[] {
    const v = venueOf(exchange);
    return this.#books.filter((b) => b.exchange === exchange).map((b) =>
      v.fromNative(b.native) ?? normalise(b.native)
    );
  }

  /** WebSocket URL of a venue (after {@linkcode start}). */
  wsUrl(exchange: ExchangeId): string {
    return this.#venue(exchange).wsUrl;
  }

  /** REST base URL of a venue that has one (after {@linkcode start}). */
  restUrl(exchange: ExchangeId): string | undefined {
    return venueOf(exchange).mock.endpoint(this.#venue(exchange)).restUrl;
  }

  /**
   * An AlphaPulse configuration input with every simulated venue's URLs and symbols (after
   * {@linkcode start}); see {@linkcode serviceConfig} for how `overrides` merge.
   */
  config(overrides: ServiceConfigOverrides = {}): ConfigInput {
    return serviceConfig(this.endpoints(), overrides);
  }

  /** Where each venue listens and what it serves (after {@linkcode start}). */
  endpoints(): VenueEndpoint[] {
    return this.exchanges.map((exchange) => ({
      exchange,
      ...venueOf(exchange).mock.endpoint(this.#venue(exchange)),
      symbols: this.symbols(exchange),
    }));
  }

  /** Counters (a copy). */
  get stats(): SimulatorStats {
    const c = this.#counts;
    const venues: SimulatorStats["venues"] = {};
    const messagesByVenue = zeroCounts();
    let messagesSent = 0;
    for (const [exchange, venue] of this.#venues) {
      const s = venue.stats;
      (venues as Record<string, unknown>)[exchange] = s;
      messagesByVenue[exchange] = s.messagesSent;
      messagesSent += s.messagesSent;
    }
    return {
      at: wallClockMs(),
      steps: c.steps,
      missedSteps: c.missedSteps,
      messagesSent,
      stepsByVenue: { ...c.stepsByVenue },
      messagesByVenue,
      bursts: c.bursts,
      faults: {
        gaps: { ...c.gaps },
        badChecksums: { ...c.badChecksums },
        malformed: { ...c.malformed },
        disconnects: { ...c.disconnects },
      },
      venues,
    };
  }

  /**
   * Take `count` steps, round robin over every book (or only `exchange`'s books), with the fault
   * rules applied, as the pacer does.
   */
  step(count = 1, exchange?: ExchangeId): void {
    const books = exchange === undefined
      ? this.#books
      : this.#books.filter((b) => b.exchange === exchange);
    if (books.length === 0) throw new RangeError(`No books for ${exchange}`);
    for (let i = 0; i < count; i++) this.#step(books[i % books.length]);
  }

  /** Close every connection of one venue now (counted as an injected disconnect). */
  disconnect(exchange: ExchangeId): number {
    this.#counts.disconnects[exchange]++;
    return this.#venue(exchange).disconnectAll(1001, "simulated disconnect");
  }

  // ---------------------------------------------------------------- internals

  #venue(exchange: ExchangeId): Venue {
    const venue = this.#venues.get(exchange);
    if (!venue) throw new RangeError(`The simulator does not serve ${exchange}`);
    return venue;
  }

  #step(book: BookRef): void {
    const c = this.#counts;
    const n = ++c.stepsByVenue[book.exchange];
    c.steps++;
    const f = this.#faults.get(book.exchange)!;
    const venue = book.venue;
    if (f.malformedEveryN > 0 && n % f.malformedEveryN === 0) {
      const frames = venueOf(book.exchange).mock.malformed;
      if (venue.sendRaw(frames[(n / f.malformedEveryN) % frames.length]) > 0) {
        c.malformed[book.exchange]++;
      }
    }
    // A gap counts only when a connection is there to miss the update.
    if (f.gapEveryN > 0 && n % f.gapEveryN === 0 && venue.connections.length > 0) {
      venue.injectGap(book.native);
      c.gaps[book.exchange]++;
      return;
    }
    if (f.badChecksumEveryN > 0 && venue.injectBadChecksum && n % f.badChecksumEveryN === 0) {
      if (venue.injectBadChecksum(book.native) > 0) c.badChecksums[book.exchange]++;
    }
    venue.stepOnce(book.native);
  }

  #tickMs(): number {
    return this.#tickOverride ?? Math.max(1, Math.min(50, Math.floor(1000 / this.#rate)));
  }

  #startPacer(): void {
    this.#t0 = performance.now();
    this.#done = 0;
    this.#burst = undefined;
    if (this.#bursts) this.#nextBurstAt = this.#t0 + this.#exponential(this.#bursts.meanIntervalMs);
    this.#pacer = setInterval(() => this.#tick(), this.#tickMs());
  }

  #stopPacer(): void {
    clearInterval(this.#pacer);
    this.#pacer = undefined;
  }

  #exponential(mean: number): number {
    let u = 0;
    while (u === 0) u = this.#rng.next();
    return -Math.log(u) * mean;
  }

  #tick(): void {
    const now = performance.now();
    const due = Math.floor(((now - this.#t0) * this.#rate) / 1000);
    let n = due - this.#done;
    const cap = Math.max(1, Math.ceil((this.#rate * MAX_BACKLOG_MS) / 1000));
    if (n > cap) {
      this.#counts.missedSteps += n - cap;
      n = cap;
    }
    this.#done = due;
    const books = this.#books;
    for (let i = 0; i < n; i++) {
      this.#step(books[this.#cursor]);
      this.#cursor = (this.#cursor + 1) % books.length;
    }
    this.#burstTick(now);
  }

  #burstTick(now: number): void {
    const b = this.#bursts;
    if (!b) return;
    let burst = this.#burst;
    if (burst === undefined && now >= this.#nextBurstAt) {
      const book = this.#books[Math.floor(this.#rng.next() * this.#books.length)];
      const share = this.#rate / this.#books.length;
      burst = { book, start: now, end: now + b.durationMs, rate: share * b.multiplier, done: 0 };
      this.#burst = burst;
      this.#counts.bursts++;
      this.#nextBurstAt = burst.end + this.#exponential(b.meanIntervalMs);
    }
    if (burst === undefined) return;
    const until = Math.min(now, burst.end);
    const due = Math.floor(((until - burst.start) * burst.rate) / 1000);
    const cap = Math.max(1, Math.ceil((burst.rate * MAX_BACKLOG_MS) / 1000));
    const n = Math.min(due - burst.done, cap);
    burst.done = due;
    for (let i = 0; i < n; i++) this.#step(burst.book);
    if (now >= burst.end) this.#burst = undefined;
  }

  #disconnectNext(): void {
    const venues = this.exchanges;
    const exchange = venues[this.#disconnectTurn++ % venues.length];
    this.disconnect(exchange);
  }
}

/**
 * `BTC-USD` / `BTCUSDT` / `BTC/USD` → `BTC/USD`: the fallback for spellings the venue's own
 * `fromNative` cannot split without a symbol list (Binance's `BTCUSDT`).
 */
function normalise(symbol: string): string {
  const { base, quote } = splitSymbol(symbol);
  return quote ? `${base}/${quote}` : base;
}
