/**
 * Bybit v5 public WebSocket wire shapes (spot and linear), as documented and as seen in the
 * capture `cryptofeed-v3/BYBIT.linear.jsonl.gz` (see `shared/docs/exchange-protocols.md` §4.3).
 * Types only; parsing lives in `parse.ts` (topics, hot path) and `control.ts` (acks, pongs).
 *
 * Every price and size is a JSON **string** (linear: the instrument's full decimals; spot:
 * trailing zeros trimmed; a delete is `"0"`). Key order differs between categories: never rely on it.
 *
 * @module
 */

/** Book depths Bybit serves on spot and linear. */
export const BYBIT_DEPTHS = [1, 50, 200, 1000] as const;

/** At most this many `args` per subscribe request on spot. */
export const SPOT_ARGS_PER_REQUEST = 10;

/** `orderbook.{depth}.{symbol}` `data`. */
export interface BybitOrderbookData {
  /** Symbol (`BTCUSDT`). */
  s: string;
  /** Bids `[price, size]`, best first in snapshots; size `"0"` deletes. */
  b: [string, string][];
  /** Asks `[price, size]`. */
  a: [string, string][];
  /** Update id: +1 per message per topic; `1` after a Bybit restart (a fresh snapshot). */
  u: number;
  /** Cross sequence: orders events across topics; not contiguous. */
  seq: number;
}

/**
 * An order-book push.
 *
 * @example
 * ```ts
 * import type { BybitOrderbookMessage } from "./wire.ts";
 * const m: BybitOrderbookMessage = {
 *   topic: "orderbook.200.ETHUSDT", type: "delta", ts: 1786310817731,
 *   data: { s: "ETHUSDT", b: [["1921.16", "0"]], a: [], u: 14768461, seq: 430879399832 },
 *   cts: 1786310817727,
 * };
 * if (m.data.u !== 14768461) throw new Error();
 * ```
 */
export interface BybitOrderbookMessage {
  topic: string;
  type: "snapshot" | "delta";
  /** Push time (ms). */
  ts: number;
  data: BybitOrderbookData;
  /** Matching-engine time (ms). */
  cts?: number;
}

/** One `publicTrade` entry; `S` is the **taker** side. */
export interface BybitTradeData {
  T: number;
  s: string;
  S: "Buy" | "Sell";
  v: string;
  p: string;
  L?: string;
  i: string;
  BT?: boolean;
  RPI?: boolean;
  seq?: number;
}

/** `publicTrade.{symbol}` (always `type: "snapshot"`). */
export interface BybitTradeMessage {
  topic: string;
  type: "snapshot";
  ts: number;
  data: BybitTradeData[];
}

/** `tickers.{symbol}` (linear: snapshot, then deltas with only the changed fields). */
export interface BybitTickerMessage {
  topic: string;
  type: "snapshot" | "delta";
  ts: number;
  cs?: number;
  data: {
    symbol: string;
    bid1Price?: string;
    ask1Price?: string;
    bid1Size?: string;
    ask1Size?: string;
  };
}

/** Subscribe / unsubscribe request. */
export interface BybitRequest {
  req_id?: string;
  op: "subscribe" | "unsubscribe" | "ping";
  args?: string[];
}

/** Ack of a request, and the spot/linear pong (`op: "ping"`, `ret_msg: "pong"`). */
export interface BybitAck {
  success: boolean;
  ret_msg: string;
  conn_id?: string;
  req_id?: string;
  op: string;
}

/** One instrument of `GET /v5/market/instruments-info` (fields used). */
export interface BybitInstrument {
  symbol: string;
  baseCoin: string;
  quoteCoin: string;
  status?: string;
  /** Linear only: price decimals. */
  priceScale?: string;
  priceFilter: { tickSize: string };
  lotSizeFilter: { qtyStep?: string; basePrecision?: string };
}

/** `instruments-info` response body. */
export interface BybitInstrumentsResponse {
  retCode: number;
  retMsg: string;
  result: { category: string; list: BybitInstrument[]; nextPageCursor?: string };
}
