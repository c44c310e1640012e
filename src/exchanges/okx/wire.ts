/**
 * OKX v5 public market-data wire shapes (see `shared/docs/exchange-protocols.md` §4.2). Types only;
 * parsing lives in `parse.ts`.
 *
 * Every price and size is a decimal **string** in OKX's shortest form (no trailing zeros);
 * times are millisecond strings; `seqId` / `prevSeqId` / `checksum` are JSON integers.
 *
 * Protocol generations, all accepted by the parser:
 * - **legacy** (before 23 Jun 2026): `action: "snapshot"` first, then `"update"`s, each with the
 *   signed CRC-32 `checksum` of the top 25; the 2022 capture has no `seqId` / `prevSeqId`;
 * - **transition** (23 Jun 2026 – early Aug 2026): the same, with `checksum: 0`;
 * - **current** (since early Aug 2026): no in-band snapshot and no `checksum` field; the book is
 *   seeded from REST {@linkcode OkxRestBooks} and chained by `prevSeqId` / `seqId`.
 *
 * @module
 */

/** `[price, size, liquidatedOrders ("0", deprecated), numOrders]`; size `"0"` deletes. */
export type OkxLevel = [price: string, size: string, ...rest: string[]];

/** Channel and instrument of a push or an ack. */
export interface OkxArg {
  channel: string;
  instId: string;
}

/**
 * One element of a `books` push's `data`.
 *
 * @example
 * ```ts
 * import type { OkxBookData } from "./wire.ts";
 * const d: OkxBookData = { asks: [["60001.1", "0", "0", "0"]], bids: [["60000.5", "1.2", "0", "3"]],
 *   ts: "1786310819000", prevSeqId: 123456780, seqId: 123456795 };
 * if (d.prevSeqId! >= d.seqId!) throw new Error();
 * ```
 */
export interface OkxBookData {
  asks: OkxLevel[];
  bids: OkxLevel[];
  /** Exchange time, ms, as a string. */
  ts: string;
  /** Legacy signed CRC-32 of the top 25 after this message; 0 in the transition; absent now. */
  checksum?: number;
  /** `seqId` of the previous message of this book (-1 on an in-band snapshot). */
  prevSeqId?: number;
  seqId?: number;
}

/**
 * `books` push.
 *
 * @example
 * ```ts
 * import type { OkxBookPush } from "./wire.ts";
 * const p: OkxBookPush = { arg: { channel: "books", instId: "BTC-USDT" }, action: "update",
 *   data: [{ asks: [], bids: [], ts: "1", prevSeqId: 5, seqId: 5 }] };
 * if (p.data.length !== 1) throw new Error();
 * ```
 */
export interface OkxBookPush {
  arg: OkxArg;
  /** Absent after August 2026 on some pushes; `"snapshot"` only on the older wire. */
  action?: "snapshot" | "update";
  data: OkxBookData[];
}

/** One trade of a `trades` push; `side` is the taker side. */
export interface OkxTradeData {
  instId: string;
  tradeId: string;
  px: string;
  sz: string;
  side: "buy" | "sell";
  ts: string;
  /** Number of aggregated fills (newer docs). */
  count?: string;
}

/** `trades` push. */
export interface OkxTradePush {
  arg: OkxArg;
  data: OkxTradeData[];
}

/** Subscribe / unsubscribe acknowledgement (one per arg). */
export interface OkxAck {
  event: "subscribe" | "unsubscribe";
  arg: OkxArg;
  connId?: string;
}

/** Error event (bad request, unknown instrument, rate limit). */
export interface OkxErrorEvent {
  event: "error";
  code: string;
  msg: string;
  connId?: string;
}

/** Notice event; code `64008` = the connection will be closed for a service upgrade soon. */
export interface OkxNoticeEvent {
  event: "notice";
  code: string;
  msg: string;
  connId?: string;
}

/** Client request: `{"op": "subscribe", "args": [{channel, instId}, ...]}`. */
export interface OkxRequest {
  op: "subscribe" | "unsubscribe";
  args: OkxArg[];
}

/**
 * Body of REST `GET /api/v5/market/books?instId=<id>&sz=<1..400>`. `seqId`'s JSON type was not
 * seen documented: number or string are both accepted.
 *
 * @example
 * ```ts
 * import type { OkxRestBooks } from "./wire.ts";
 * const b: OkxRestBooks = { code: "0", msg: "", data: [{ asks: [["60001.1", "2", "0", "1"]],
 *   bids: [["60000.5", "1", "0", "1"]], ts: "1786310819000", seqId: 1009 }] };
 * if (b.code !== "0") throw new Error();
 * ```
 */
export interface OkxRestBooks {
  code: string;
  msg: string;
  data: Array<{ asks: OkxLevel[]; bids: OkxLevel[]; ts: string; seqId: number | string }>;
}

/** The text frames of the keep-alive (not JSON). */
export const OKX_PING = "ping";
/** Reply to {@linkcode OKX_PING}. */
export const OKX_PONG = "pong";
/** Notice code: the server will close the connection for a service upgrade (~30 s ahead). */
export const OKX_NOTICE_UPGRADE = "64008";
