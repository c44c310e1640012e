/**
 * Coinbase legacy Exchange feed (`wss://ws-feed.exchange.coinbase.com`) wire shapes, as the
 * recordings in `shared/data` hold them (`shared/docs/exchange-protocols.md` §1). Types only; the
 * test-support parser is `coinbase_legacy.ts`. The service speaks Advanced Trade
 * (`src/exchanges/coinbase/`).
 *
 * @module
 */

// ---- Exchange feed, legacy (wss://ws-feed.exchange.coinbase.com) -------------------------------

/** Legacy `snapshot`: the entire book as `[price, size]` strings. */
export interface CoinbaseLegacySnapshot {
  type: "snapshot";
  product_id: string;
  bids: [string, string][];
  asks: [string, string][];
}

/** Legacy `l2update`: `[side, price, size]` with side `"buy"` (bid) or `"sell"` (ask). */
export interface CoinbaseLegacyL2Update {
  type: "l2update";
  product_id: string;
  time: string;
  changes: ["buy" | "sell", string, string][];
}

/** Legacy `ticker` (fields used here; Coinbase sends more). */
export interface CoinbaseLegacyTicker {
  type: "ticker";
  sequence: number;
  product_id: string;
  price: string;
  best_bid: string;
  best_ask: string;
  best_bid_size?: string;
  best_ask_size?: string;
  side: "buy" | "sell";
  time?: string;
  trade_id?: number;
  last_size?: string;
}

/** Legacy `match` / `last_match`: `side` is the **maker** order's side. */
export interface CoinbaseLegacyMatch {
  type: "match" | "last_match";
  trade_id: number;
  sequence: number;
  maker_order_id: string;
  taker_order_id: string;
  time: string;
  product_id: string;
  size: string;
  price: string;
  side: "buy" | "sell";
}

/** Legacy per-product heartbeat. */
export interface CoinbaseLegacyHeartbeat {
  type: "heartbeat";
  sequence: number;
  last_trade_id: number;
  product_id: string;
  time: string;
}

/** Legacy subscription acknowledgement. */
export interface CoinbaseLegacySubscriptions {
  type: "subscriptions";
  channels: { name: string; product_ids: string[] }[];
}
