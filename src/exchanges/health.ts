/**
 * Domain types every venue shares: the normalised trade the collectors emit and the health they
 * report. They live here, beside the collector contract, so that `runtime/`, `server/` and
 * `recorder/` depend on `exchanges/` and never the other way round.
 *
 * @module
 */
import type { ExchangeId } from "./types.ts";

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
  /** Its delta records are paused: no reader needs them (`BookStore.pauseRecords`). */
  quiet: boolean;
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
  /** Messages refused unparsed for holding more than `maxLevelsPerMessage` levels. */
  oversizeMessages: number;
  /** Errors reported by the exchange (failed subscribes, rate limits). */
  exchangeErrors: number;
  gaps: number;
  checksumFailures: number;
  resyncs: number;
  reconnects: number;
  /** WebSocket connection attempts (first connect and every reconnect). */
  connectAttempts?: number;
  /** Attempts dropped for missing the handshake deadline (`handshakeTimeoutMs`). */
  handshakeTimeouts?: number;
  /** Books resynced for not going live within `bookSyncTimeoutMs` of subscribing. */
  syncTimeouts?: number;
  /**
   * The last connection failure: its cause (`dns`, `refused`, `tls`, `http-status`,
   * `handshake-timeout`, `handshake-closed`, `closed`, `silent`, `requested`, `other`), message,
   * URL, time and the delay before the next attempt (null before the first failure).
   */
  lastError?: {
    cause: string;
    message: string;
    url: string;
    atMs: number;
    nextRetryMs: number;
    repeats: number;
  } | null;
  /**
   * REST snapshot counters (venues that fetch over HTTP): requests, failures, rate limited,
   * header and body deadlines missed, bodies over `maxRestBytes`, requests aborted by a new
   * connection.
   */
  rest?: RestCounters;
  /** Book resyncs held back by the resync backoff (consecutive failures of a book). */
  delayedResyncs?: number;
  /** Connection failures by cause. */
  failuresByCause?: Record<string, number>;
  /** ms since the last message from the exchange (null before the first). */
  lastMessageAgeMs: number | null;
  books: BookHealth[];
}

/** REST snapshot counters of an exchange (`SnapshotFetcher`; reported in its health as `rest`). */
export interface RestCounters {
  /** Requests sent. */
  requests: number;
  /** Failed requests (any reason). */
  failures: number;
  /** Responses with HTTP 429 or 418. */
  rateLimited: number;
  /** Requests whose headers did not come within `restTimeoutMs`. */
  headerTimeouts: number;
  /** Requests whose body did not complete within `restBodyTimeoutMs`. */
  bodyTimeouts: number;
  /** Bodies refused for passing `maxRestBytes`. */
  oversizeBodies: number;
  /** Requests of an older connection aborted by a new one. */
  aborted: number;
}
