/**
 * The main thread's view of one running exchange collector: where its delta ring is, which symbol
 * each record's symbol id names, its trades, its health, and a way to ask it for fresh snapshots.
 * Collectors run in their own Worker (default) or in the same isolate (single-isolate hosting);
 * the broadcast server sees the same interface either way.
 *
 * @module
 */
import type { CoreLayout } from "../core/layout.ts";
import type { ExchangeId } from "../exchanges/types.ts";

/** Record exchange codes (the `exchange` field of every delta record). */
export const EXCHANGE_CODES: Readonly<Record<ExchangeId, number>> = Object.freeze({
  coinbase: 1,
  kraken: 2,
  binanceus: 3,
});

/** A normalised trade, as broadcast to clients. */
export interface NormalizedTrade {
  exchange: ExchangeId;
  /** Normalised `BASE/QUOTE`. */
  symbol: string;
  /** Exact decimal text. */
  price: string;
  size: string;
  /** Taker side. */
  side: "buy" | "sell";
  /** Exchange trade time, ms since the epoch. */
  ts: number;
  tradeId: string;
}

/** State of one book. */
export type BookState = "connecting" | "live" | "stale" | "stopped";

/** Health of one book. */
export interface BookHealth {
  symbol: string;
  state: BookState;
  /** ms since the book last changed (or null before its first snapshot). */
  lastUpdateAgeMs: number | null;
  seq: number;
  updates: number;
  resyncs: number;
  gaps: number;
  checksumFailures: number;
  parseErrors: number;
  absentDeletes: number;
}

/** Health and counters of one exchange collector. */
export interface ExchangeHealth {
  exchange: ExchangeId;
  /** `connected` once the feed's socket is open and subscribed. */
  connection: "connecting" | "connected" | "reconnecting" | "stopped";
  healthy: boolean;
  messages: number;
  bytes: number;
  parseErrors: number;
  unknownMessages: number;
  /** Errors reported by the exchange (failed subscribes, rate limits). */
  exchangeErrors: number;
  gaps: number;
  checksumFailures: number;
  resyncs: number;
  reconnects: number;
  /** ms since the last message from the exchange (null before the first). */
  lastMessageAgeMs: number | null;
  books: BookHealth[];
}

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
  /** Stops the collector (closes its exchange connection). */
  stop(): Promise<void>;
}
