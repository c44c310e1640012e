/**
 * Pure parser for Coinbase Advanced Trade WebSocket messages.
 *
 * One message carries an envelope (`channel`, `timestamp`, `sequence_num`) and several events,
 * each possibly for a different product, so the result is a {@linkcode CoinbaseParsed}: the
 * envelope fields the adapter needs for its per-connection gap check, plus the normalised items.
 *
 * Hot path (`l2_data`, `market_trades`, `heartbeats`): `JSON.parse`, then hand-written type and
 * decimal checks (no zod). Coinbase sends every number as a string, so `JSON.parse` loses nothing,
 * and on these key-heavy messages it measured faster than the hand-written scanner used for
 * Binance and Kraken (see `docs/parsing.md`). With the `levelText` option, a one-event `l2_data`
 * update as Coinbase serializes it skips `JSON.parse`: its envelope is read from the frame's head
 * and its `updates` are left in the frame for the core to stage (format `side_updates`).
 * `subscriptions` and errors are validated with zod in `control.ts`.
 *
 * @module
 */
import {
  classifyDecimal,
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
  priceProblem,
  sizeProblem,
} from "../decimal_text.ts";
import { parseRfc3339Ms } from "../timestamps.ts";
import type { BookMessage, LevelText, ParsedMessage, TradeMessage } from "../types.ts";
import { invalid } from "../types.ts";
import { isWireObject, type Untrusted } from "../wire_types.ts";
import { coinbaseControlFromValue } from "./control.ts";
import type {
  CoinbaseEnvelope,
  CoinbaseHeartbeatEvent,
  CoinbaseL2Event,
  CoinbaseL2Update,
  CoinbaseMarketTrade,
  CoinbaseTradesEvent,
} from "./wire.ts";

/** Options of {@linkcode parseCoinbaseMessage}. */
export interface CoinbaseParseOptions {
  /**
   * What `market_trades` `side` means on the wire. Coinbase does not document it, so it is
   * configurable: `"taker"` (default) keeps `BUY`/`SELL` as the taker side; `"maker"` flips it.
   */
  tradeSide?: "taker" | "maker";
  /**
   * Leave a one-event `l2_data` update's `updates` array in the frame (`bidsText`, format
   * `side_updates`; `bids` / `asks` empty) when the frame is serialized exactly as Coinbase
   * does it: the envelope is read from the frame's head (a regular expression) instead of
   * `JSON.parse`, and the core stages the levels from the frame's bytes and makes the level
   * checks then. The result holds only if {@linkcode coinbaseLevelTextHolds} says so (otherwise
   * parse again without this option); {@linkcode coinbaseLevelStrings} gives the strings for
   * the paths that need them. Every other message (snapshots, trades, several events, anything
   * unusual) takes the `JSON.parse` path.
   */
  levelText?: boolean;
  /**
   * With `levelText`, a one-event `l2_data` snapshot in Coinbase's serialization is read the same
   * way (`snapshot: true`, its `updates` in `bidsText`), for `BookStore.snapshotText`. Its levels
   * are then unchecked: use the result only when {@linkcode coinbaseLevelTextHolds} says so and
   * the core takes the array (`BookStore.takesSnapshotText`); otherwise parse again without
   * these options, which gives the `JSON.parse` path's result and reason.
   */
  snapshotText?: boolean;
}

/**
 * Result of {@linkcode parseCoinbaseMessage}.
 *
 * `sequenceNum` is the envelope's `sequence_num` whenever the text is well-formed JSON with a valid
 * one, even if an event inside is invalid, so the adapter's gap check keeps working; it is
 * `undefined` for malformed text and for messages without it (errors).
 */
export interface CoinbaseParsed {
  sequenceNum: number | undefined;
  /** Envelope `channel`; `""` when absent (errors) or not a string. */
  channel: string;
  /** Envelope `timestamp` in ms since the epoch (sub-ms digits in the fraction). */
  timestampMs: number | undefined;
  /**
   * Normalised items: one `book` per `l2_data` event (`snapshot` from the event type, `sequence` =
   * `sequence_num`, `exchangeTimeMs` = envelope timestamp), one `trade` per market trade, one
   * `heartbeat` per heartbeats event, `subscribed`/`error` for control messages, `unknown` for
   * other channels. A single `invalid` replaces them all when anything is malformed.
   */
  items: ParsedMessage[];
}

/** Any `l2_data` / `market_trades` / `heartbeats` event, before its channel is known. */
type AnyEvent = CoinbaseL2Event & CoinbaseTradesEvent & CoinbaseHeartbeatEvent;

function toUint(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === "string" && /^\d{1,16}$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Why an `l2_data` event is bad, or `undefined` after filling `bids`/`asks`. */
function l2Problem(
  ev: Untrusted<CoinbaseL2Event>,
  e: number,
  bids: string[],
  asks: string[],
): string | undefined {
  if (ev.type !== "snapshot" && ev.type !== "update") {
    return `events[${e}].type must be "snapshot" or "update"`;
  }
  if (typeof ev.product_id !== "string" || ev.product_id === "") {
    return `events[${e}].product_id missing or empty`;
  }
  const updates = ev.updates;
  if (!Array.isArray(updates)) return `events[${e}].updates must be an array`;
  return updatesProblem(updates, e, bids, asks);
}

/** Why an `l2_data` event's `updates` are bad, or `undefined` after filling `bids`/`asks`. */
function updatesProblem(
  updates: unknown[],
  e: number,
  bids: string[],
  asks: string[],
): string | undefined {
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i];
    if (!isWireObject<CoinbaseL2Update>(u)) return `events[${e}].updates[${i}] must be an object`;
    const price = u.price_level;
    const size = u.new_quantity;
    if (typeof price !== "string") {
      return price === undefined
        ? `events[${e}].updates[${i}] needs price_level and new_quantity`
        : `events[${e}].updates[${i}].price_level must be a string`;
    }
    if (typeof size !== "string") {
      return size === undefined
        ? `events[${e}].updates[${i}] needs price_level and new_quantity`
        : `events[${e}].updates[${i}].new_quantity must be a string`;
    }
    if (classifyDecimal(price) !== DECIMAL_POSITIVE) {
      return `events[${e}].updates[${i}].price_level: ${priceProblem(price)}`;
    }
    if (classifyDecimal(size) === DECIMAL_INVALID) {
      return `events[${e}].updates[${i}].new_quantity: ${sizeProblem(size)}`;
    }
    const side = u.side;
    if (side === "bid") bids.push(price, size);
    else if (side === "offer") asks.push(price, size);
    else return `events[${e}].updates[${i}].side must be "bid" or "offer"`;
  }
  return undefined;
}

function tradeOf(
  t: unknown,
  where: string,
  makerSide: boolean,
): TradeMessage | string {
  if (!isWireObject<CoinbaseMarketTrade>(t)) return `${where} must be an object`;
  const { trade_id: tradeId, product_id: symbol, price, size, side, time } = t;
  if (typeof symbol !== "string" || symbol === "") return `${where}.product_id missing or empty`;
  if (typeof tradeId !== "string" || tradeId === "") {
    return `${where}.trade_id must be a non-empty string`;
  }
  if (typeof price !== "string" || typeof size !== "string") {
    return `${where}: price and size must be strings`;
  }
  const bad = priceProblem(price) ?? sizeProblem(size);
  if (bad !== undefined) return `${where}: ${bad}`;
  if (side !== "BUY" && side !== "SELL") return `${where}.side must be "BUY" or "SELL"`;
  const timeMs = typeof time === "string" ? parseRfc3339Ms(time) : undefined;
  if (timeMs === undefined) return `${where}.time missing or not RFC 3339`;
  return {
    kind: "trade",
    symbol,
    price,
    size,
    side: (side === "BUY") !== makerSide ? "buy" : "sell",
    timeMs,
    tradeId,
  };
}

/**
 * Parse one Coinbase Advanced Trade WebSocket text message. Never throws.
 *
 * @example
 * ```ts
 * import { parseCoinbaseMessage } from "./parse.ts";
 * const r = parseCoinbaseMessage('{"channel":"l2_data","client_id":"","timestamp":' +
 *   '"2026-07-01T12:00:00.35Z","sequence_num":2,"events":[{"type":"update","product_id":' +
 *   '"BTC-USD","updates":[{"side":"offer","event_time":"2026-07-01T12:00:00.349Z",' +
 *   '"price_level":"60000.01","new_quantity":"0"}]}]}');
 * const [m] = r.items;
 * if (r.sequenceNum !== 2 || m.kind !== "book" || m.asks[0] !== "60000.01") throw new Error();
 * ```
 */
export function parseCoinbaseMessage(
  text: string,
  options: CoinbaseParseOptions = {},
): CoinbaseParsed {
  if (options.levelText === true) {
    const r = l2UpdateWithLevelText(text, options.snapshotText === true);
    if (r !== undefined) return r;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return {
      sequenceNum: undefined,
      channel: "",
      timestampMs: undefined,
      items: [invalid(`Malformed JSON: ${(e as Error).message}`)],
    };
  }
  if (!isWireObject<CoinbaseEnvelope<string, unknown>>(v)) {
    return {
      sequenceNum: undefined,
      channel: "",
      timestampMs: undefined,
      items: [invalid("Coinbase message must be a JSON object")],
    };
  }
  const sequenceNum = typeof v.sequence_num === "number" ? toUint(v.sequence_num) : undefined;
  const timestampMs = typeof v.timestamp === "string" ? parseRfc3339Ms(v.timestamp) : undefined;
  const channel = typeof v.channel === "string" ? v.channel : "";
  const result: CoinbaseParsed = { sequenceNum, channel, timestampMs, items: [] };
  if (channel !== "l2_data" && channel !== "market_trades" && channel !== "heartbeats") {
    result.items = coinbaseControlFromValue(v);
    return result;
  }
  const fail = (reason: string): CoinbaseParsed => {
    result.items = [invalid(`${channel}: ${reason}`)];
    return result;
  };
  if (sequenceNum === undefined) return fail("sequence_num missing or not a non-negative integer");
  if (timestampMs === undefined) return fail("timestamp missing or not RFC 3339");
  const events = v.events;
  if (!Array.isArray(events)) return fail("events must be an array");
  const items: ParsedMessage[] = [];
  for (let e = 0; e < events.length; e++) {
    const ev = events[e];
    if (!isWireObject<AnyEvent>(ev)) return fail(`events[${e}] must be an object`);
    if (channel === "l2_data") {
      const bids: string[] = [];
      const asks: string[] = [];
      const bad = l2Problem(ev, e, bids, asks);
      if (bad !== undefined) return fail(bad);
      const m: BookMessage = {
        kind: "book",
        symbol: ev.product_id as string,
        snapshot: ev.type === "snapshot",
        bids,
        asks,
        exchangeTimeMs: timestampMs,
        sequence: sequenceNum,
      };
      items.push(m);
    } else if (channel === "market_trades") {
      const trades = ev.trades;
      if (!Array.isArray(trades)) return fail(`events[${e}].trades must be an array`);
      for (let j = 0; j < trades.length; j++) {
        const t = tradeOf(trades[j], `events[${e}].trades[${j}]`, options.tradeSide === "maker");
        if (typeof t === "string") return fail(t);
        items.push(t);
      }
    } else {
      const counter = toUint(ev.heartbeat_counter);
      if (counter === undefined) {
        return fail(`events[${e}].heartbeat_counter missing or not a non-negative integer`);
      }
      items.push({ kind: "heartbeat", counter });
    }
  }
  result.items = items;
  return result;
}

/**
 * The head of a one-event `l2_data` update exactly as Coinbase serializes it (strings of
 * printable ASCII without quote or backslash), up to the `[` of its `updates`.
 */
const L2_UPDATE_HEAD =
  /^\{"channel":"l2_data","client_id":"[ !#-[\]-~]*","timestamp":"([ !#-[\]-~]*)","sequence_num":(0|[1-9]\d{0,15}),"events":\[\{"type":"update","product_id":"([ !#-[\]-~]+)","updates":\[/;
/** The same head for a one-event `l2_data` snapshot. */
const L2_SNAPSHOT_HEAD = new RegExp(
  L2_UPDATE_HEAD.source.replace('"type":"update"', '"type":"snapshot"'),
);
/** What must follow the `updates` array: the ends of the event, the events and the message. */
const L2_UPDATE_TAIL = "}]}";

/**
 * The `levelText` path: a frame that starts like a one-event `l2_data` update and ends like one,
 * its `updates` array left in the frame; `undefined` for anything else (the caller then takes
 * the `JSON.parse` path). Whether the frame really is one such message (the array well-formed
 * and ending where the tail starts) is for {@linkcode coinbaseLevelTextHolds} to say.
 */
function l2UpdateWithLevelText(text: string, snapshots: boolean): CoinbaseParsed | undefined {
  let head = L2_UPDATE_HEAD.exec(text);
  const snapshot = head === null && snapshots;
  if (snapshot) head = L2_SNAPSHOT_HEAD.exec(text);
  if (head === null || !text.endsWith(L2_UPDATE_TAIL)) return undefined;
  const sequenceNum = toUint(Number(head[2]));
  const timestampMs = parseRfc3339Ms(head[1]);
  if (sequenceNum === undefined || timestampMs === undefined) return undefined;
  const m: BookMessage = {
    kind: "book",
    symbol: head[3],
    snapshot,
    bids: [],
    asks: [],
    bidsText: { text, at: head[0].length - 1, format: "side_updates" },
    exchangeTimeMs: timestampMs,
    sequence: sequenceNum,
  };
  return { sequenceNum, channel: "l2_data", timestampMs, items: [m] };
}

/** What {@linkcode coinbaseLevelTextHolds} needs of the core. */
export interface LevelTextReader {
  loadText(text: string): boolean;
  textValueEnd(start: number): number;
}

/**
 * Whether a message parsed with `levelText` really is the one-event update its frame's head and
 * tail promise: the frame loads into the core (ASCII) and its `updates` array is a well-formed
 * JSON value ending just before the tail. When it is, the `JSON.parse` path would read the same
 * envelope and event, and the core's staging makes the level checks that path makes; when it is
 * not, parse the frame again without `levelText`.
 *
 * @example
 * ```ts
 * import { Core } from "../../core/core.ts";
 * import { coinbaseLevelTextHolds, parseCoinbaseMessage } from "./parse.ts";
 * const core = await Core.create({ ringCapacity: 0 });
 * const text = '{"channel":"l2_data","client_id":"","timestamp":"2026-07-01T12:00:00Z",' +
 *   '"sequence_num":2,"events":[{"type":"update","product_id":"BTC-USD","updates":[]}]}';
 * const [m] = parseCoinbaseMessage(text, { levelText: true }).items;
 * if (m.kind !== "book" || !coinbaseLevelTextHolds(core, m.bidsText!)) throw new Error();
 * ```
 */
export function coinbaseLevelTextHolds(core: LevelTextReader, lt: LevelText): boolean {
  return core.loadText(lt.text) &&
    core.textValueEnd(lt.at) === lt.text.length - L2_UPDATE_TAIL.length;
}

/** What {@linkcode coinbaseSnapshotTextHolds} needs of the core. */
export interface LevelTextMeasurer {
  loadText(text: string): boolean;
  measureTextLevels(start: number, format: "side_updates"): { end: number } | undefined;
}

/**
 * {@linkcode coinbaseLevelTextHolds} for a snapshot parsed with `snapshotText`, in the pass that
 * also measures its levels for their scales (`Core.measureTextLevels`, remembered for staging):
 * the core reads every update (with the `JSON.parse` path's checks) and the array ends just
 * before the tail. When it holds, `BookStore.snapshotText` takes the array.
 *
 * @example
 * ```ts
 * import { Core } from "../../core/core.ts";
 * import { coinbaseSnapshotTextHolds, parseCoinbaseMessage } from "./parse.ts";
 * const core = await Core.create({ ringCapacity: 0 });
 * const text = '{"channel":"l2_data","client_id":"","timestamp":"2026-07-01T12:00:00Z",' +
 *   '"sequence_num":2,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[]}]}';
 * const [m] = parseCoinbaseMessage(text, { levelText: true, snapshotText: true }).items;
 * if (m.kind !== "book" || !coinbaseSnapshotTextHolds(core, m.bidsText!)) throw new Error();
 * ```
 */
export function coinbaseSnapshotTextHolds(core: LevelTextMeasurer, lt: LevelText): boolean {
  return core.loadText(lt.text) &&
    core.measureTextLevels(lt.at, "side_updates")?.end === lt.text.length - L2_UPDATE_TAIL.length;
}

/**
 * Turns an `l2_data` book message's `updates` left in the frame (`levelText`, a frame for which
 * {@linkcode coinbaseLevelTextHolds} is true) back into decimal strings, for the paths that need
 * them (a book that is not live): the `invalid` reason the `JSON.parse` path gives the frame, or
 * `undefined` once `bids` / `asks` hold its strings.
 *
 * @example
 * ```ts
 * import { coinbaseLevelStrings, parseCoinbaseMessage } from "./parse.ts";
 * const [m] = parseCoinbaseMessage('{"channel":"l2_data","client_id":"","timestamp":' +
 *   '"2026-07-01T12:00:00Z","sequence_num":2,"events":[{"type":"update","product_id":' +
 *   '"BTC-USD","updates":[{"side":"offer","price_level":"1.5","new_quantity":"2"}]}]}', {
 *     levelText: true,
 *   }).items;
 * if (m.kind !== "book" || coinbaseLevelStrings(m) !== undefined || m.asks.join() !== "1.5,2") {
 *   throw new Error();
 * }
 * ```
 */
export function coinbaseLevelStrings(
  m: { bids: string[]; asks: string[]; bidsText?: LevelText },
): string | undefined {
  const lt = m.bidsText;
  if (lt === undefined) return undefined;
  const items = parseCoinbaseMessage(lt.text).items;
  const j = items[0];
  if (items.length === 1 && j.kind === "invalid") return j.reason;
  if (items.length !== 1 || j.kind !== "book") {
    return "l2_data: level text that is not one l2_data event";
  }
  m.bids = j.bids;
  m.asks = j.asks;
  delete m.bidsText;
  return undefined;
}
