/**
 * Kraken WebSocket v1 wire shapes (legacy), as the recordings in `shared/data` hold them
 * (`shared/docs/exchange-protocols.md` §2). Types only; the test-support parser is `kraken_v1.ts`.
 * The service speaks v2 (`src/exchanges/kraken/`).
 *
 * @module
 */

// ---- v1 (legacy; recordings) -------------------------------------------------------------------

/** v1 book level: `[price, volume, timestamp]` strings, with an optional 4th `"r"` (republished). */
export type KrakenV1Level = [price: string, volume: string, timestamp: string, flag?: "r"];

/** v1 book snapshot payload. */
export interface KrakenV1BookSnapshotPayload {
  as: KrakenV1Level[];
  bs: KrakenV1Level[];
}

/** v1 book update payload; `c` (quoted CRC-32) sits in the last payload object of a message. */
export interface KrakenV1BookUpdatePayload {
  a?: KrakenV1Level[];
  b?: KrakenV1Level[];
  c?: string;
}

/**
 * v1 book data message: `[channelID, payload, (payload,) channelName, pair]`.
 *
 * @example
 * ```ts
 * import type { KrakenV1BookMessage } from "./kraken_v1_wire.ts";
 * const m: KrakenV1BookMessage = [336, { b: [["27119.90000", "13.54109952", "1693415330.621700"]],
 *   c: "3572756970" }, "book-10", "XBT/USD"];
 * if (m[3] !== "XBT/USD") throw new Error();
 * ```
 */
export type KrakenV1BookMessage =
  | [number, KrakenV1BookSnapshotPayload | KrakenV1BookUpdatePayload, string, string]
  | [number, KrakenV1BookUpdatePayload, KrakenV1BookUpdatePayload, string, string];

/** v1 trade: `[price, volume, time, side ("b"|"s", taker), orderType ("m"|"l"), misc]`. */
export type KrakenV1Trade = [string, string, string, "b" | "s", "m" | "l", string];

/** v1 trade message: `[channelID, trades, "trade", pair]`. */
export type KrakenV1TradeMessage = [number, KrakenV1Trade[], "trade", string];

/** v1 events (object messages). */
export type KrakenV1Event =
  | { event: "systemStatus"; status: string; version?: string; connectionID?: number }
  | { event: "heartbeat" }
  | { event: "ping" | "pong"; reqid?: number }
  | {
    event: "subscriptionStatus";
    status: "subscribed" | "unsubscribed" | "error";
    pair?: string;
    channelName?: string;
    channelID?: number;
    subscription?: { name: string; depth?: number };
    errorMessage?: string;
    reqid?: number;
  };
