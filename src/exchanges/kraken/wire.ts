/**
 * Kraken Spot WebSocket wire shapes, exactly as documented (see
 * `shared/docs/exchange-protocols.md` §2). Types only; parsing lives in `parse.ts`. (Legacy v1, in
 * the recordings, is read by test support, `tests/support/kraken_v1.ts`.)
 *
 * v2 sends prices and quantities as **JSON numbers** whose text is significant (`0.10000000`): the
 * `number` fields below are never read through `JSON.parse` on the hot path.
 *
 * @module
 */

/** One v2 book level. */
export interface KrakenBookLevel {
  price: number;
  qty: number;
}

/** `data[i]` of a v2 `book` message. */
export interface KrakenBookData {
  symbol: string;
  bids: KrakenBookLevel[];
  asks: KrakenBookLevel[];
  /** CRC-32 of the top 10 levels per side after applying this message, unsigned. */
  checksum: number;
  /** RFC 3339; always on updates, optional on snapshots. */
  timestamp?: string;
}

/**
 * v2 `book` snapshot or update.
 *
 * @example
 * ```ts
 * import type { KrakenBookMessage } from "./wire.ts";
 * const m: KrakenBookMessage = { channel: "book", type: "update", data: [{
 *   symbol: "BTC/USD", bids: [], asks: [{ price: 50000.8, qty: 0.1 }], checksum: 1,
 *   timestamp: "2026-07-01T12:00:00.500000Z" }] };
 * if (m.data.length !== 1) throw new Error();
 * ```
 */
export interface KrakenBookMessage {
  channel: "book";
  type: "snapshot" | "update";
  data: KrakenBookData[];
}

/** One v2 trade; `side` is the taker side. */
export interface KrakenTradeData {
  symbol: string;
  side: "buy" | "sell";
  price: number;
  qty: number;
  ord_type: "limit" | "market";
  /** Sequential per book. */
  trade_id: number;
  /** RFC 3339. */
  timestamp: string;
}

/** v2 `trade` snapshot (last 50 trades) or update. */
export interface KrakenTradeMessage {
  channel: "trade";
  type: "snapshot" | "update";
  data: KrakenTradeData[];
}

/** v2 `instrument` pair entry (fields used by the adapter; Kraken sends more). */
export interface KrakenInstrumentPair {
  symbol: string;
  base?: string;
  quote?: string;
  status?: string;
  price_precision: number;
  qty_precision: number;
  price_increment?: number;
  qty_increment?: number;
  qty_min?: number;
}

/** v2 `instrument` snapshot or update. */
export interface KrakenInstrumentMessage {
  channel: "instrument";
  type: "snapshot" | "update";
  data: { assets?: unknown[]; pairs: KrakenInstrumentPair[] };
}

/** v2 `status` (sent on connect and on changes). */
export interface KrakenStatusMessage {
  channel: "status";
  type: "update" | "snapshot";
  data: { system: string; api_version?: string; connection_id?: number; version?: string }[];
}

/** v2 heartbeat: sent about once per second when otherwise idle. */
export interface KrakenHeartbeatMessage {
  channel: "heartbeat";
}

/** v2 subscribe / unsubscribe request. */
export interface KrakenSubscribeRequest {
  method: "subscribe" | "unsubscribe";
  params: {
    channel: "book" | "trade" | "instrument";
    symbol?: string[];
    depth?: 10 | 25 | 100 | 500 | 1000;
    snapshot?: boolean;
  };
  req_id?: number;
}

/** v2 acknowledgement of a subscribe / unsubscribe, one per symbol. */
export type KrakenSubscribeAck =
  | {
    method: "subscribe" | "unsubscribe";
    success: true;
    result: { channel: string; symbol?: string; depth?: number; snapshot?: boolean };
    req_id?: number;
    time_in?: string;
    time_out?: string;
  }
  | {
    method: string;
    success: false;
    error: string;
    symbol?: string;
    req_id?: number;
    time_in?: string;
    time_out?: string;
  };

/** v2 application ping (client to server). */
export interface KrakenPingRequest {
  method: "ping";
  req_id?: number;
}

/** v2 reply to a ping. */
export interface KrakenPongMessage {
  method: "pong";
  req_id?: number;
  time_in?: string;
  time_out?: string;
}
