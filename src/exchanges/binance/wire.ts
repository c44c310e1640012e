/**
 * Binance family (global spot, Binance.US) market-data wire shapes, exactly as documented (see
 * `shared/docs/exchange-protocols.md` §3). Types only; parsing lives in `parse.ts`.
 *
 * Prices and quantities are decimal **strings**; ids and times are JSON integers.
 *
 * @module
 */

/** `[price, qty]`; some older payloads carry extra trailing elements, which are ignored. */
export type BinanceLevel = [price: string, qty: string, ...rest: unknown[]];

/**
 * `<symbol>@depth` / `<symbol>@depth@100ms` diff event.
 *
 * @example
 * ```ts
 * import type { BinanceDepthUpdate } from "./wire.ts";
 * const d: BinanceDepthUpdate = { e: "depthUpdate", E: 1719835200123, s: "BTCUSDT", U: 1027021,
 *   u: 1027026, b: [["60000.00000000", "0.50000000"]], a: [] };
 * if (d.u < d.U) throw new Error();
 * ```
 */
export interface BinanceDepthUpdate {
  e: "depthUpdate";
  /** Event time, ms. */
  E: number;
  s: string;
  /** First update id in the event. */
  U: number;
  /** Final update id in the event. */
  u: number;
  b: BinanceLevel[];
  a: BinanceLevel[];
}

/** `<symbol>@trade`; `m: true` means the buyer is the maker, i.e. the taker sold. */
export interface BinanceTrade {
  e: "trade";
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  /** Buyer order id. */
  b?: number;
  /** Seller order id. */
  a?: number;
  /** Trade time, ms. */
  T: number;
  m: boolean;
  M?: boolean;
}

/** `<symbol>@aggTrade`; `a` is the aggregate trade id. */
export interface BinanceAggTrade {
  e: "aggTrade";
  E: number;
  s: string;
  a: number;
  p: string;
  q: string;
  f?: number;
  l?: number;
  T: number;
  m: boolean;
  M?: boolean;
}

/** `<symbol>@bookTicker`: best bid/ask; `u` is the order-book update id it reflects. */
export interface BinanceBookTicker {
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

/**
 * REST `GET /api/v3/depth` body, also the payload of partial-depth streams
 * (`<symbol>@depth<5|10|20>`), which carry no symbol of their own.
 */
export interface BinanceDepthSnapshot {
  lastUpdateId: number;
  bids: BinanceLevel[];
  asks: BinanceLevel[];
}

/** Combined-stream wrapper: `/stream?streams=a/b` delivers `{"stream": name, "data": payload}`. */
export interface BinanceCombined<T> {
  stream: string;
  data: T;
}

/** Live `SUBSCRIBE` / `UNSUBSCRIBE` / `LIST_SUBSCRIPTIONS` request. */
export interface BinanceRequest {
  method: "SUBSCRIBE" | "UNSUBSCRIBE" | "LIST_SUBSCRIPTIONS" | "SET_PROPERTY" | "GET_PROPERTY";
  params?: unknown[];
  id: number;
}

/** Reply to a request: `result` is `null` for (un)subscribe, a list for `LIST_SUBSCRIPTIONS`. */
export interface BinanceResult {
  result: null | string[] | boolean;
  id: number;
}

/** Error reply (both documented spellings). */
export type BinanceError =
  | { error: { code: number; msg: string }; id?: number | null }
  | { code: number; msg: string; id?: number | null };
