/**
 * Coinbase wire shapes, exactly as documented (see `shared/docs/exchange-protocols.md` §1).
 * Types only; parsing lives in `parse.ts`. (The legacy Exchange feed of the recordings is read by
 * test support, `tests/support/coinbase_legacy.ts`.)
 *
 * Prices and sizes are decimal **strings** on both feeds.
 *
 * @module
 */

// ---- Advanced Trade (wss://advanced-trade-ws.coinbase.com) -------------------------------------

/**
 * Every Advanced Trade data message: `sequence_num` is one counter per connection, across all
 * channels (acks and heartbeats included).
 *
 * @example
 * ```ts
 * import type { CoinbaseEnvelope, CoinbaseL2Event } from "./wire.ts";
 * const m: CoinbaseEnvelope<"l2_data", CoinbaseL2Event> = { channel: "l2_data", client_id: "",
 *   timestamp: "2026-07-01T12:00:00.350000000Z", sequence_num: 2, events: [] };
 * if (m.sequence_num !== 2) throw new Error();
 * ```
 */
export interface CoinbaseEnvelope<C extends string, E> {
  channel: C;
  client_id: string;
  /** RFC 3339 with up to nanoseconds. */
  timestamp: string;
  sequence_num: number;
  events: E[];
}

/** One level change in an `l2_data` event; `"offer"` is the ask side. */
export interface CoinbaseL2Update {
  side: "bid" | "offer";
  /** RFC 3339; may be `1970-01-01T00:00:00Z` in snapshots. */
  event_time: string;
  price_level: string;
  /** Absolute size at the level; `"0"` removes it. */
  new_quantity: string;
}

/** An `l2_data` event: the first per product is a `snapshot` of the whole book. */
export interface CoinbaseL2Event {
  type: "snapshot" | "update";
  product_id: string;
  updates: CoinbaseL2Update[];
}

/** One trade of a `market_trades` event. Whether `side` is the taker's is not documented. */
export interface CoinbaseMarketTrade {
  trade_id: string;
  product_id: string;
  price: string;
  size: string;
  side: "BUY" | "SELL";
  /** RFC 3339. */
  time: string;
}

/** A `market_trades` event (first `snapshot` of recent trades, then `update`). */
export interface CoinbaseTradesEvent {
  type: "snapshot" | "update";
  trades: CoinbaseMarketTrade[];
}

/** A `heartbeats` event; the counter is a string in the docs and a number in some fixtures. */
export interface CoinbaseHeartbeatEvent {
  current_time: string;
  heartbeat_counter: string | number;
}

/** A `subscriptions` event: every channel subscribed on the connection with its products. */
export interface CoinbaseSubscriptionsEvent {
  subscriptions: Record<string, string[]>;
}

/** `level2` snapshot/update message. */
export type CoinbaseL2Message = CoinbaseEnvelope<"l2_data", CoinbaseL2Event>;
/** `market_trades` message. */
export type CoinbaseTradesMessage = CoinbaseEnvelope<"market_trades", CoinbaseTradesEvent>;
/** `heartbeats` message. */
export type CoinbaseHeartbeatsMessage = CoinbaseEnvelope<"heartbeats", CoinbaseHeartbeatEvent>;
/** Subscription acknowledgement (consumes a `sequence_num`). */
export type CoinbaseSubscriptionsMessage = CoinbaseEnvelope<
  "subscriptions",
  CoinbaseSubscriptionsEvent
>;

/** Error (no envelope). */
export interface CoinbaseErrorMessage {
  type: "error";
  message: string;
}

/** Subscribe / unsubscribe request: one channel per message. */
export interface CoinbaseSubscribeRequest {
  type: "subscribe" | "unsubscribe";
  product_ids?: string[];
  channel: "level2" | "market_trades" | "heartbeats" | string;
  jwt?: string;
}
