/**
 * The venue descriptor contract: everything the rest of the service needs to know about one venue,
 * in one object that `src/exchanges/<venue>/descriptor.ts` exports and the registry
 * (`registry.ts`) lists. The config schema, record exchange codes, runtime, recorder and replay,
 * simulator, dashboard, metrics, benches and the venue conformance kit all derive from it; no code
 * outside a venue's folder names the venue.
 *
 * A descriptor offers:
 * - `id` (the config key and {@linkcode ExchangeId}), `name` (for people) and `code` (the record
 *   exchange code, DESIGN §5; never reused);
 * - `config`: its zod config section (strict, with defaults) and `defaultConfig`, the section of
 *   the built-in default configuration;
 * - `createCollector`: the collector for a validated section;
 * - `toNative` / `fromNative`: symbol conversion both ways;
 * - `inferSymbols`: which symbols a recorded input names (replays of recordings without a symbol
 *   list);
 * - `ingestRest`: feeds a recorded REST snapshot body to the collector (venues with REST
 *   snapshots only);
 * - `mock`: its mock server ({@linkcode VenueMockDescriptor}) for the simulator and the kit.
 *
 * @example
 * ```ts
 * import type { VenueDescriptor } from "./venue.ts";
 * function describe(v: VenueDescriptor): string {
 *   return `${v.name} (${v.id}, record code ${v.code})`;
 * }
 * const fake = { id: "x", name: "X", code: 99 } as VenueDescriptor;
 * if (describe(fake) !== "X (x, record code 99)") throw new Error();
 * ```
 *
 * @module
 */
import type { z } from "zod";
import type { MockServerOptions, MockStats } from "../mock/mock_server.ts";
import type { Side, TextBook } from "../mock/mock_book.ts";
import type { CollectorContext, ConnectionSettings, SocketCollector } from "./collector.ts";
import type { ExchangeId } from "./types.ts";

/** A venue's zod config section: its output carries at least the shared connection settings. */
export type VenueSchema = z.ZodType<ConnectionSettings>;

/** One recorded raw input, as the recorder wrote it (`open`: URL, `ws`: frame, `rest`: body). */
export interface RecordedInput {
  /** Kind. */
  k: "open" | "ws" | "rest";
  /** The raw text. */
  d: string;
  /** Normalised symbol (REST bodies). */
  s?: string;
}

/** What one venue is; see the module documentation. */
export interface VenueDescriptor<
  Id extends ExchangeId = ExchangeId,
  Schema extends VenueSchema = VenueSchema,
  C extends SocketCollector = SocketCollector,
> {
  /** Venue id: the config key, `ExchangeFeed.exchange`, the recorder's file prefix. */
  readonly id: Id;
  /** Human name (`Binance.US`). */
  readonly name: string;
  /** Record exchange code (DESIGN §5). */
  readonly code: number;
  /** The config section (strict object with defaults; an error names the field). */
  readonly config: Schema;
  /**
   * The section of the built-in default configuration; absent for venues the default does not
   * start (DESIGN §6: the default is live Coinbase, Kraken and Binance.US).
   */
  readonly defaultConfig?: z.input<Schema>;
  /** The collector for a validated section. */
  createCollector(settings: z.output<Schema>, context: CollectorContext): C;
  /** `BTC/USD` → the venue's spelling. */
  toNative(symbol: string): string;
  /**
   * The venue's spelling → `BTC/USD`; `known` (the configured symbols) resolves spellings that
   * cannot be split on their own (`BTCUSDT`). Undefined when not a symbol.
   */
  fromNative(native: string, known?: readonly string[]): string | undefined;
  /** Calls `add` with each normalised symbol a recorded input names (replay without a list). */
  inferSymbols(input: RecordedInput, add: (symbol: string) => void): void;
  /** Feeds a recorded REST snapshot body (venues with REST snapshots only). */
  ingestRest?(collector: C, symbol: string, body: string): void;
  /**
   * What a sequence gap invalidates: `"book"` (the venue numbers each book's messages, so one
   * book resyncs) or `"connection"` (one counter per connection, e.g. Coinbase: every book of it).
   */
  readonly gapScope: "book" | "connection";
  /** Its mock server. */
  readonly mock: VenueMockDescriptor;
}

/**
 * What the simulator and the conformance kit need from a venue's mock server (the mock kit's
 * `MockExchangeServer` provides all but the venue-specific hooks). Symbols are the venue's own
 * spelling. The fault-injection hooks the kit uses:
 * - `injectGap(symbol)`: the next update of that book is lost on the wire (a sequence / update-id
 *   gap, or for venues without sequence numbers a dropped update that the checksum catches);
 * - `injectBadChecksum(symbol)`: the next update carries a wrong checksum (venues with checksums);
 * - `silence(ms)`, `disconnectAll()`, `sendRaw(frame)`, `rejectSubscribe(symbol)`;
 * - `deleteUnknownLevel(symbol)`: an update deleting a price the book does not hold.
 */
export interface VenueMock {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** WebSocket URL (after `start`). */
  readonly wsUrl: string;
  /** Base URL of its HTTP listener (after `start`). */
  readonly httpUrl: string;
  /** Symbols served, venue spelling. */
  readonly symbols: string[];
  /** Counters (venue mocks add their own). */
  readonly stats: MockStats;
  /** Open connections. */
  readonly connections: readonly unknown[];
  /** Advances one book (or every book) by `count` market steps. */
  stepOnce(symbol?: string, count?: number): unknown;
  /** The mock's exact book (venue spelling), best first. */
  book(symbol: string, depth?: number): TextBook;
  injectGap(symbol?: string): void;
  injectBadChecksum?(symbol: string): number;
  deleteUnknownLevel(symbol: string, side?: Side): void;
  silence(ms: number): number;
  disconnectAll(code?: number, reason?: string): number;
  sendRaw(data: string | Uint8Array): number;
  rejectSubscribe(symbol: string, count?: number): void;
  /** Venues that batch diff events (Binance `@100ms`): send what is batched now. */
  flush?(symbol?: string): void;
}

/** Options for {@linkcode VenueMockDescriptor.create}: the mock kit's, plus venue extras. */
export type VenueMockOptions = MockServerOptions & Record<string, unknown>;

/**
 * Raw frames of a venue for the conformance kit. None may carry a sequence number the collector
 * checks (they arrive between the mock's own numbered messages).
 */
export interface VenueSamples {
  /** Well-formed messages of a type the collector does not handle (counted as unknown). */
  readonly unknown: readonly string[];
  /**
   * A book update for `native` with absurd content (negative or non-numeric price or size): the
   * collector must count it, treat it as a lost update of that book, and resync that book.
   * `mock` is the running mock, for venues whose frames name a book by a per-connection id or
   * carry a per-connection sequence number (Bitfinex).
   */
  absurdBook(native: string, mock: VenueMock): string;
}

/** A venue's mock server, as the descriptor describes it. */
export interface VenueMockDescriptor {
  /** A new (not yet started) mock server. */
  create(options: VenueMockOptions): VenueMock;
  /** Normalised symbols the simulator serves by default. */
  readonly defaultSymbols: readonly string[];
  /** Raw frames the conformance kit sends through `sendRaw` (symbols in the venue's spelling). */
  readonly samples: VenueSamples;
  /**
   * Present when the venue has book checksums the collector verifies: the mock options under
   * which the mock sends them (`{}` when it always does; OKX: its legacy protocol mode). The kit
   * runs its checksum-failure case with these options.
   */
  readonly checksumOptions?: Record<string, unknown>;
  /**
   * Truncated frames that look like the venue's messages but name no book and no book channel
   * (the simulator's `malformedEveryN` fault): a collector can only count them.
   */
  readonly malformed: readonly string[];
  /**
   * Extra mock options when the simulator runs it; `updateIntervalMs` is the simulator's diff
   * cadence (0: one diff event per step).
   */
  simulatorOptions?(updateIntervalMs: number): Record<string, unknown>;
  /**
   * Where a started mock listens, and any further section settings the collector needs against
   * it (`settings`); the simulator's service configuration is built from these.
   */
  endpoint(
    mock: VenueMock,
  ): { wsUrl: string; restUrl?: string; settings?: Record<string, unknown> };
}

/**
 * Identity helper that checks a descriptor against the contract and keeps its precise types
 * (the registry derives the config schema from them).
 *
 * @example
 * ```ts ignore
 * export const kraken = defineVenue({ id: "kraken", name: "Kraken", code: 2, ... });
 * ```
 */
export function defineVenue<
  Id extends ExchangeId,
  Schema extends VenueSchema,
  C extends SocketCollector,
>(descriptor: VenueDescriptor<Id, Schema, C>): VenueDescriptor<Id, Schema, C> {
  return descriptor;
}
