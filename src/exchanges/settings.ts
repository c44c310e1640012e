/**
 * Building blocks of a venue's config section (DESIGN §6): symbol lists, URLs, durations and the
 * reconnect/liveness settings every venue shares. A descriptor builds its zod section from these,
 * so every venue validates (and names its bad fields) the same way.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { connection, symbols, wsUrl } from "./settings.ts";
 * const section = z.object({ symbols, wsUrl: wsUrl.default("wss://example.test"), ...connection })
 *   .strict();
 * const s = section.parse({ symbols: ["BTC/USD"] });
 * if (s.silenceTimeoutMs !== 15_000 || s.wsUrl !== "wss://example.test") throw new Error();
 * ```
 *
 * @module
 */
import { z } from "zod";

/** One normalised `BASE/QUOTE` symbol in upper case. */
export const symbol = z.string().regex(
  /^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/,
  "Symbols must be normalised BASE/QUOTE in upper case, e.g. BTC/USD",
);

/** A non-empty list of distinct symbols. */
export const symbols = z.array(symbol).min(1, "List at least one symbol").refine(
  (list) => new Set(list).size === list.length,
  "Symbols must not repeat",
);

/** A `ws://` or `wss://` URL. */
export const wsUrl = z.string().url().refine(
  (u) => /^wss?:\/\//.test(u),
  "Must be a ws:// or wss:// URL",
);

/** An `http://` or `https://` URL. */
export const httpUrl = z.string().url().refine(
  (u) => /^https?:\/\//.test(u),
  "Must be an http(s):// URL",
);

/** A duration in ms (10 ms to one day) with a default. */
export const ms = (def: number) => z.number().int().min(10).max(86_400_000).default(def);

/**
 * The most levels one exchange message may hold (counted as its JSON arrays and objects, see
 * `level_cap.ts`), with a default; a message over it is refused before it is parsed.
 */
export const levelCap = (def: number) => z.number().int().min(100).max(10_000_000).default(def);

/** Reconnect and liveness settings shared by every exchange. */
export const connection = {
  /** Silence longer than this means the connection is dead. */
  silenceTimeoutMs: ms(15_000),
  /**
   * The WebSocket handshake (TCP connect, TLS, HTTP upgrade) must complete within this on every
   * attempt, first connect and reconnects alike; otherwise the attempt is dropped and retried.
   */
  handshakeTimeoutMs: ms(10_000),
  /**
   * A book that is not live this long after its connection opened or its last resync (a
   * subscribe never acknowledged, a snapshot that never comes) is resynced again (counted).
   */
  bookSyncTimeoutMs: ms(30_000),
  /** First reconnect delay; doubles up to `maxBackoffMs`, with jitter. */
  minBackoffMs: ms(250),
  maxBackoffMs: ms(30_000),
  /**
   * A connection must stay open this long before the reconnect backoff starts again from
   * `minBackoffMs` (messages alone never reset it).
   */
  backoffResetMs: ms(30_000),
  /**
   * Resyncs of one book after consecutive failures (checksum, gap, refused update): the first at
   * once, then from `resyncMinBackoffMs` doubling to `resyncMaxBackoffMs`, jittered. A good
   * snapshot does not end the streak; a book live for `resyncResetMs` or `resyncResetUpdates`
   * updates does.
   */
  resyncMinBackoffMs: ms(100),
  resyncMaxBackoffMs: ms(10_000),
  resyncResetMs: ms(30_000),
  resyncResetUpdates: z.number().int().min(1).max(10_000_000).default(1000),
  /**
   * Levels one message may hold. 50,000 is five times the largest real message of the
   * depth-limited venues (a 5,000-per-side REST snapshot); Coinbase raises it for its full-book
   * snapshots.
   */
  maxLevelsPerMessage: levelCap(50_000),
};

/** REST bounds of the venues that fetch over HTTP (snapshots, instrument lists). */
export const rest = {
  /** Connect and response headers of a REST request within this (ms). */
  restTimeoutMs: ms(10_000),
  /** The whole REST body within this after the headers (ms). */
  restBodyTimeoutMs: ms(30_000),
  /**
   * Most bytes of one REST body (4 MiB: about ten times a 5,000-per-side Binance snapshot);
   * a larger one is refused while it streams in, counted, and fetched again later.
   */
  maxRestBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
};
