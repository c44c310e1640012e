/**
 * Bitfinex WebSocket API v2 wire shapes (public channels), as documented and as seen in the
 * capture `cryptofeed-v3/BITFINEX.jsonl.gz` (see `shared/docs/exchange-protocols.md` §4.5). Types
 * only; parsing lives in `parse.ts` (channel arrays, hot path) and `control.ts` (events).
 *
 * Events are JSON objects; channel data are JSON arrays whose first element is the `chanId`. With
 * `conf` flag `SEQ_ALL` (65536) the **last** element of every channel array is the connection's
 * sequence number. Prices and amounts are JSON numbers (exponent form possible: `2e-8`); they are
 * never read through `JSON.parse` on the hot path.
 *
 * @module
 */

/** `conf` flag: append a per-connection sequence number to every channel message. */
export const SEQ_ALL = 65536;
/** `conf` flag: send `[chanId, "cs", checksum]` after book changes. */
export const OB_CHECKSUM = 131072;

/** Info event codes. */
export const INFO_RECONNECT = 20051;
/** Maintenance starts: stop trusting the books. */
export const INFO_MAINTENANCE_START = 20060;
/** Maintenance ended: resubscribe everything. */
export const INFO_MAINTENANCE_END = 20061;

/**
 * `{"event":"info",...}`: on connect (version, platform status) or with a `code`.
 *
 * @example
 * ```ts
 * import type { BitfinexInfoEvent } from "./wire.ts";
 * const e: BitfinexInfoEvent = { event: "info", version: 2, platform: { status: 1 } };
 * if (e.version !== 2) throw new Error();
 * ```
 */
export interface BitfinexInfoEvent {
  event: "info";
  version?: number;
  serverId?: string;
  /** 1 operating, 0 maintenance. */
  platform?: { status: number };
  code?: number;
  msg?: string;
}

/** `{"event":"conf","flags":196608}` (request) / `{"event":"conf","status":"OK","flags":196608}`. */
export interface BitfinexConfEvent {
  event: "conf";
  status?: string;
  flags?: number;
}

/** Subscribe request for a book (`len` as a string, as the docs spell it). */
export interface BitfinexBookSubscribe {
  event: "subscribe";
  channel: "book";
  symbol: string;
  prec: "P0" | "P1" | "P2" | "P3" | "P4";
  freq: "F0" | "F1";
  len: "1" | "25" | "100" | "250";
  subId?: string | number;
}

/** Subscribe request for trades. */
export interface BitfinexTradesSubscribe {
  event: "subscribe";
  channel: "trades";
  symbol: string;
}

/** `subscribed` acknowledgement: maps `chanId` to the channel. */
export interface BitfinexSubscribedEvent {
  event: "subscribed";
  channel: string;
  chanId: number;
  symbol?: string;
  pair?: string;
  prec?: string;
  freq?: string;
  len?: string;
}

/** `unsubscribed` acknowledgement. */
export interface BitfinexUnsubscribedEvent {
  event: "unsubscribed";
  status?: string;
  chanId: number;
}

/** An error event (10300 subscription failed, 10301 already subscribed, 10302 unknown channel). */
export interface BitfinexErrorEvent {
  event: "error";
  msg: string;
  code?: number;
  symbol?: string;
  channel?: string;
}

/** Any event. */
export type BitfinexEvent =
  | BitfinexInfoEvent
  | BitfinexConfEvent
  | BitfinexSubscribedEvent
  | BitfinexUnsubscribedEvent
  | BitfinexErrorEvent
  | { event: "pong"; cid?: number; ts?: number };

/** A P0 book level: `[price, count, amount]`; `count` 0 deletes, the sign of `amount` is the side. */
export type BitfinexBookLevel = [price: number, count: number, amount: number];

/** A trade: `[id, mts, amount, price]`; `amount > 0` the taker bought. */
export type BitfinexTrade = [id: number, mts: number, amount: number, price: number];

/**
 * Channel messages (`seq` present with `SEQ_ALL`):
 * `[chanId, BitfinexBookLevel[], seq]` snapshot, `[chanId, BitfinexBookLevel, seq]` update,
 * `[chanId, "hb", seq]`, `[chanId, "cs", checksum, seq]`, `[chanId, "te" | "tu", BitfinexTrade, seq]`,
 * `[chanId, BitfinexTrade[], seq]` trades snapshot.
 *
 * @example
 * ```ts
 * import type { BitfinexChannelMessage } from "./wire.ts";
 * const m: BitfinexChannelMessage = [17, [60417, 2, 0.68807848], 31];
 * if (m[0] !== 17) throw new Error();
 * ```
 */
export type BitfinexChannelMessage =
  | [chanId: number, levels: BitfinexBookLevel[] | BitfinexTrade[], seq?: number]
  | [chanId: number, level: BitfinexBookLevel, seq?: number]
  | [chanId: number, hb: "hb", seq?: number]
  | [chanId: number, cs: "cs", checksum: number, seq?: number]
  | [chanId: number, te: "te" | "tu", trade: BitfinexTrade, seq?: number];
