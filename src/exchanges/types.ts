/**
 * Normalised results of the pure exchange parsers (`src/exchanges/<exchange>/parse.ts`).
 *
 * Every parser turns one wire text into one or more {@linkcode ParsedMessage}s and never throws:
 * bad input becomes an {@linkcode InvalidMessage}, a well-formed message of a type the adapter does
 * not handle becomes an {@linkcode UnknownMessage}.
 *
 * Conventions shared by all parsers:
 * - `symbol` is the **exchange-native** symbol exactly as on the wire (`BTC-USD`, `BTC/USD`,
 *   `BTCUSDT`); convert with the exchange's `symbols.ts` helpers.
 * - Prices and sizes are exact decimal **text** exactly as on the wire (Kraken v2 JSON numbers keep
 *   their number text, so `0.10000000` stays `0.10000000`). They pass the strict grammar of
 *   `decimal_text.ts`: digits, optionally one `.` followed by digits; prices > 0, sizes >= 0.
 * - Times are milliseconds since the Unix epoch as a `number`, possibly with a fractional part that
 *   carries the sub-millisecond digits of the wire (µs survive: `Math.round(ms * 1000)` is exact
 *   for µs-resolution inputs). Nanoseconds are not used because epoch nanoseconds (~1.7e18) exceed
 *   `Number.MAX_SAFE_INTEGER`.
 *
 * @module
 */

/**
 * A venue id as a descriptor names it (`src/exchanges/<venue>/descriptor.ts`); the registry
 * (`registry.ts`) lists the venues the service speaks to and types their ids as `VenueId`.
 */
export type ExchangeId = string;

/** Side of an order-book level. */
export type Side = "bid" | "ask";

/**
 * A level array `[[price, size, …], …]` left in its frame: `at` is the offset in `text` where
 * the array's value starts (whitespace before the `[` allowed). The core stages it straight from
 * the text's bytes (`Core.addTextLevels`), with exactly the checks the string path makes.
 *
 * @example
 * ```ts
 * import type { LevelText } from "./types.ts";
 * const text = '{"b":[["1.5","2"]]}';
 * const bids: LevelText = { text, at: 5 };
 * if (bids.text[bids.at] !== "[") throw new Error();
 * ```
 */
export interface LevelText {
  readonly text: string;
  readonly at: number;
  /**
   * `[["price", "size", …], …]` (default) or `[{"price": n, "qty": n, …}, …]` (Kraken v2; only
   * for a frame that is ASCII and holds no backslash, which the parser checks), or
   * `[{"side": "bid"|"offer", "price_level": "p", "new_quantity": "s", …}, …]`
   * (`side_updates`, Coinbase `l2_data`; same frame condition): each element names its own side,
   * so such a text is always passed as a message's `bidsText` (with no `asksText`) and stages
   * both sides. `rows`: a Bitfinex v2 P0 book row `[PRICE, COUNT, AMOUNT]` (JSON numbers) or an
   * array of them, each on the side of AMOUNT's sign (also passed as `bidsText` alone); the core
   * reads only plain rows and leaves anything else to the string path (`Core.tryTextLevels`).
   */
  readonly format?: "pairs" | "price_qty" | "side_updates" | "rows";
}

/** One side's changes: flat `[price, size, …]` decimal texts, or a level array in its frame. */
export type Levels = readonly string[] | LevelText;

/**
 * A batch of order-book level changes (or a full snapshot) for one symbol.
 *
 * `bids` and `asks` are flat `[price0, size0, price1, size1, ...]` arrays of exact decimal text in
 * wire order. A size of zero (any spelling, `0`, `0.00000000`) removes the level. Apply the pairs in
 * array order: an update may touch the same price more than once.
 *
 * @example
 * ```ts
 * import type { BookMessage } from "./types.ts";
 * const m: BookMessage = {
 *   kind: "book", symbol: "BTC/USD", snapshot: false,
 *   bids: ["50000.0", "0"], asks: ["50000.8", "0.10000000"], checksum: 2336972120,
 * };
 * if (m.asks.length % 2 !== 0) throw new Error("pairs");
 * ```
 */
export interface BookMessage {
  kind: "book";
  /** Exchange-native symbol. */
  symbol: string;
  /** `true`: replace the whole book with these levels. */
  snapshot: boolean;
  /** Flat `[price, size, ...]` pairs of exact decimal text, wire order. */
  bids: string[];
  /** Flat `[price, size, ...]` pairs of exact decimal text, wire order. */
  asks: string[];
  /**
   * Set instead of `bids` / `asks` (which are then empty) by parsers asked to leave the level
   * arrays in the frame (`levelText`): the core stages them from the text's bytes.
   */
  bidsText?: LevelText;
  /** See `bidsText`. */
  asksText?: LevelText;
  /**
   * Checksum of the book after applying this message: Kraken's CRC-32 of the top 10 (unsigned);
   * OKX's legacy CRC-32 of the top 25 (signed; 0 = not sent).
   */
  checksum?: number;
  /** Exchange time in ms since the epoch (fraction = sub-ms digits). */
  exchangeTimeMs?: number;
  /** Binance `U` (first update id in the event). */
  firstUpdateId?: number;
  /** Binance `u` (last update id in the event) or REST `lastUpdateId`. */
  lastUpdateId?: number;
  /** Coinbase `sequence_num` of the envelope that carried this message. */
  sequence?: number;
  /** OKX `seqId` of this message (or of a REST snapshot). */
  seqId?: number;
  /** OKX `prevSeqId`: the `seqId` of the book's previous message (-1 on a snapshot). */
  prevSeqId?: number;
}

/**
 * One trade. `side` is the **taker** side (`buy`: the taker bought, i.e. an up-tick).
 *
 * @example
 * ```ts
 * import type { TradeMessage } from "./types.ts";
 * const t: TradeMessage = {
 *   kind: "trade", symbol: "BTCUSDT", price: "60001.00000000", size: "0.01000000",
 *   side: "sell", timeMs: 1719835200455, tradeId: "12345",
 * };
 * if (t.side !== "sell") throw new Error();
 * ```
 */
export interface TradeMessage {
  kind: "trade";
  symbol: string;
  price: string;
  size: string;
  /** Taker side. */
  side: "buy" | "sell";
  /** Trade time in ms since the epoch. */
  timeMs: number;
  /** Exchange trade id as text (`""` when the feed has none, e.g. Kraken v1). */
  tradeId: string;
}

/**
 * Best bid and offer as published by the exchange (Binance `bookTicker`). Useful to cross-check a rebuilt book; sizes are absent when the feed omits them.
 *
 * @example
 * ```ts
 * import type { TickerMessage } from "./types.ts";
 * const t: TickerMessage = { kind: "ticker", symbol: "BTCUSDT", bidPrice: "1.0", askPrice: "1.1" };
 * if (t.bidPrice >= t.askPrice) throw new Error();
 * ```
 */
export interface TickerMessage {
  kind: "ticker";
  symbol: string;
  bidPrice: string;
  askPrice: string;
  bidSize?: string;
  askSize?: string;
  /** Binance `u`: the order-book update id this ticker reflects. */
  updateId?: number;
  timeMs?: number;
}

/**
 * Kraken v2 `instrument` data: the decimals needed to render checksum strings.
 *
 * @example
 * ```ts
 * import type { InstrumentMessage } from "./types.ts";
 * const i: InstrumentMessage = {
 *   kind: "instrument", snapshot: true,
 *   pairs: [{ symbol: "BTC/USD", priceDecimals: 1, qtyDecimals: 8, status: "online" }],
 * };
 * if (i.pairs[0].priceDecimals !== 1) throw new Error();
 * ```
 */
export interface InstrumentMessage {
  kind: "instrument";
  snapshot: boolean;
  pairs: InstrumentInfo[];
}

/** Precision of one pair, from Kraken's `instrument` channel. */
export interface InstrumentInfo {
  symbol: string;
  priceDecimals: number;
  qtyDecimals: number;
  status?: string;
}

/**
 * Keep-alive from the exchange (Coinbase `heartbeats`, Kraken `heartbeat`).
 *
 * @example
 * ```ts
 * import type { HeartbeatMessage } from "./types.ts";
 * const h: HeartbeatMessage = { kind: "heartbeat", counter: 1234 };
 * if (h.counter !== 1234) throw new Error();
 * ```
 */
export interface HeartbeatMessage {
  kind: "heartbeat";
  /** Coinbase `heartbeat_counter`. */
  counter?: number;
}

/**
 * A subscription acknowledgement. Fields the exchange does not send are absent (Binance acks
 * carry only the request id).
 *
 * @example
 * ```ts
 * import type { SubscribedMessage } from "./types.ts";
 * const s: SubscribedMessage = { kind: "subscribed", channel: "book", symbols: ["BTC/USD"], depth: 10 };
 * if (s.symbols[0] !== "BTC/USD") throw new Error();
 * ```
 */
export interface SubscribedMessage {
  kind: "subscribed";
  /** Exchange channel name (`book`, `level2`, ...); `""` when the ack does not say. */
  channel: string;
  /** Native symbols (or Binance stream names for `LIST_SUBSCRIPTIONS`) the ack confirms. */
  symbols: string[];
  /** `true` for an unsubscribe acknowledgement. */
  unsubscribe?: boolean;
  reqId?: number;
  depth?: number;
  /** Coinbase: every channel currently subscribed, with its products. */
  channels?: Record<string, string[]>;
}

/**
 * An error reported by the exchange (failed subscribe, rate limit, bad request).
 *
 * @example
 * ```ts
 * import type { ErrorMessage } from "./types.ts";
 * const e: ErrorMessage = { kind: "error", message: "Currency pair not supported", symbol: "BTC/XYZ" };
 * if (!e.message) throw new Error();
 * ```
 */
export interface ErrorMessage {
  kind: "error";
  message: string;
  reqId?: number;
  symbol?: string;
  code?: number;
}

/**
 * Exchange system status (Kraken v2 `status`, v1 `systemStatus`).
 *
 * @example
 * ```ts
 * import type { StatusMessage } from "./types.ts";
 * const s: StatusMessage = { kind: "status", status: "online", version: "2.0.10" };
 * if (s.status !== "online") throw new Error();
 * ```
 */
export interface StatusMessage {
  kind: "status";
  /** `online`, `maintenance`, `cancel_only`, `post_only`, ... */
  status: string;
  version?: string;
}

/**
 * Reply to an application-level ping.
 *
 * @example
 * ```ts
 * import type { PongMessage } from "./types.ts";
 * const p: PongMessage = { kind: "pong", reqId: 101 };
 * if (p.reqId !== 101) throw new Error();
 * ```
 */
export interface PongMessage {
  kind: "pong";
  reqId?: number;
}

/**
 * An application-level ping (sent by clients; parsed so mock servers can answer it).
 *
 * @example
 * ```ts
 * import type { PingMessage } from "./types.ts";
 * const p: PingMessage = { kind: "ping", reqId: 7 };
 * if (p.kind !== "ping") throw new Error();
 * ```
 */
export interface PingMessage {
  kind: "ping";
  reqId?: number;
}

/**
 * Well-formed JSON of a type the parser does not handle; count it and move on.
 *
 * @example
 * ```ts
 * import type { UnknownMessage } from "./types.ts";
 * const u: UnknownMessage = { kind: "unknown", type: "ticker_batch" };
 * if (u.type !== "ticker_batch") throw new Error();
 * ```
 */
export interface UnknownMessage {
  kind: "unknown";
  /** The raw type string (`channel`, `e`, `type`, `event` or `method`, whatever the feed uses). */
  type: string;
}

/**
 * Input that cannot be trusted: malformed JSON, wrong field types, absurd values.
 *
 * @example
 * ```ts
 * import type { InvalidMessage } from "./types.ts";
 * const i: InvalidMessage = { kind: "invalid", reason: "bids[0] size: not a decimal: \"-1\"" };
 * if (!i.reason) throw new Error();
 * ```
 */
export interface InvalidMessage {
  kind: "invalid";
  reason: string;
}

/** Any normalised parse result. */
export type ParsedMessage =
  | BookMessage
  | TradeMessage
  | TickerMessage
  | InstrumentMessage
  | HeartbeatMessage
  | SubscribedMessage
  | ErrorMessage
  | StatusMessage
  | PongMessage
  | PingMessage
  | UnknownMessage
  | InvalidMessage;

/** The `kind` tags of {@linkcode ParsedMessage}. */
export type MessageKind = ParsedMessage["kind"];

/**
 * Build an {@linkcode InvalidMessage}.
 *
 * @example
 * ```ts
 * import { invalid } from "./types.ts";
 * if (invalid("truncated").kind !== "invalid") throw new Error();
 * ```
 */
export function invalid(reason: string): InvalidMessage {
  return { kind: "invalid", reason };
}

/**
 * Build an {@linkcode UnknownMessage}.
 *
 * @example
 * ```ts
 * import { unknown } from "./types.ts";
 * if (unknown("candles").type !== "candles") throw new Error();
 * ```
 */
export function unknown(type: string): UnknownMessage {
  return { kind: "unknown", type };
}
