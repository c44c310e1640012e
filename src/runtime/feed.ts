/**
 * The main thread's view of one running exchange collector: where its delta ring is, which symbol
 * each record's symbol id names, its trades, its health, and a way to ask it for fresh snapshots.
 * Collectors run in their own Worker (default) or in the same isolate (single-isolate hosting);
 * the broadcast server sees the same interface either way.
 *
 * @module
 */
import type { CoreLayout } from "../core/layout.ts";
import type { ExchangeHealth, NormalizedTrade } from "../exchanges/health.ts";
import { VENUES } from "../exchanges/registry.ts";
import type { ExchangeId } from "../exchanges/types.ts";

/** Record exchange codes (the `exchange` field of every delta record), from the registry. */
export const EXCHANGE_CODES: Readonly<Record<ExchangeId, number>> = Object.freeze(
  Object.fromEntries(VENUES.map((v) => [v.id, v.code])),
);

export type {
  BookHealth,
  BookState,
  ExchangeHealth,
  NormalizedTrade,
} from "../exchanges/health.ts";

/** One running exchange collector, as the server sees it. */
export interface ExchangeFeed {
  readonly exchange: ExchangeId;
  /** The `exchange` code its records carry. */
  readonly exchangeCode: number;
  /** Normalised symbols; a record's `symbol` id indexes this list. */
  readonly symbols: readonly string[];
  /** The memory holding its ring (a SharedArrayBuffer when the collector runs in a Worker). */
  readonly buffer: ArrayBufferLike;
  readonly ringAddress: number;
  readonly layout: CoreLayout;
  /** Subscribes to its trades; returns an unsubscribe function. */
  onTrade(listener: (trade: NormalizedTrade) => void): () => void;
  /** Latest health (refreshed at least once a second in Worker mode). */
  health(): ExchangeHealth;
  /** Asks the collector to publish SNAPSHOT records of these books (all when omitted). */
  requestSnapshots(symbols?: readonly string[]): void;
  /**
   * True when {@linkcode requestSnapshots} is answered from the collector's own books within
   * moments (no exchange or network round trip): the server then stops mirroring books nobody
   * watches and wakes one with a fresh snapshot when a client subscribes.
   */
  readonly snapshotsOnDemand?: boolean;
  /**
   * Present when the collector can stop writing the delta records of books no reader needs (the
   * server calls it for dormant books): it keeps them exact but does no top-N diff, checksum or
   * ring write for them. The next {@linkcode requestSnapshots} naming a book (or all) resumes its
   * records with a SNAPSHOT. Ignored once {@linkcode keepRecords} was called.
   */
  pauseRecords?(symbols: readonly string[]): void;
  /**
   * Another reader needs every record of every book from now on (a NATS publisher): pauses end
   * (each paused book writes a SNAPSHOT) and later {@linkcode pauseRecords} calls are ignored.
   */
  keepRecords?(): void;
  /** Stops the collector (closes its exchange connection). */
  stop(): Promise<void>;
  /**
   * Present when the collector writes the ring on the reader's own thread: calls `listener`
   * synchronously after each write, so the reader drains in the same event-loop turn instead of
   * being woken again. Returns an unsubscribe function.
   */
  onWrite?(listener: () => void): () => void;
  /**
   * Present when the feed's symbol list grows while it runs (a NATS edge learns books from the
   * catalog): `listener` runs after symbols were appended to {@linkcode symbols} (existing ids
   * never change) and before any record of them is written. Returns an unsubscribe function.
   */
  onSymbolsAdded?(listener: () => void): () => void;
}
