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
 * Binance and Kraken (see `docs/parsing.md`). `subscriptions` and errors are validated with zod
 * in `control.ts`.
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
import { JsonScanner, KEY_END } from "../json_scanner.ts";
import { skipLevelText } from "../string_levels.ts";
import { parseRfc3339Ms } from "../timestamps.ts";
import type { BookMessage, LevelText, ParsedMessage, TradeMessage } from "../types.ts";
import { invalid } from "../types.ts";
import { isWireObject, type Untrusted, type WireKey } from "../wire_types.ts";
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
   * `side_updates`; `bids` / `asks` empty) when the frame is ASCII without escapes or control
   * characters: the envelope is read with the scanner instead of `JSON.parse`, and the core
   * stages the levels from the frame's bytes and makes the level checks then (see
   * {@linkcode coinbaseLevelStrings} for the paths that need strings). Every other message
   * (snapshots, several events, anything unusual) takes the `JSON.parse` path.
   */
  levelText?: boolean;
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
    const r = l2UpdateWithLevelText(text);
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

/** A character that keeps a frame off the level-text path (see `levelText`). */
// deno-lint-ignore no-control-regex -- raw control characters are exactly what it looks for
const NOT_PLAIN_ASCII = /[\\\u0000-\u001f\u0080-\uffff]/;

const TOP_KEYS = [
  "channel",
  "timestamp",
  "sequence_num",
  "events",
] as const satisfies readonly WireKey<
  CoinbaseEnvelope<string, unknown>
>[];
const EVENT_KEYS = ["type", "product_id", "updates"] as const satisfies readonly WireKey<
  CoinbaseL2Event
>[];

/**
 * The `levelText` path: a well-formed one-event `l2_data` update read with the scanner, its
 * `updates` array left in the frame; `undefined` for anything else (the caller then takes the
 * `JSON.parse` path, which gives that message's usual result).
 */
function l2UpdateWithLevelText(text: string): CoinbaseParsed | undefined {
  if (!text.startsWith('{"channel":"l2_data",') || NOT_PLAIN_ASCII.test(text)) return undefined;
  let timestamp: string | undefined;
  let sequence: string | undefined;
  let type: string | undefined;
  let productId: string | undefined;
  let updates: LevelText | undefined;
  let events = 0;
  try {
    const s = new JsonScanner(text);
    const seen = [false, false, false, false];
    s.beginObject();
    for (let key = s.nextKeyIn(TOP_KEYS); key !== KEY_END; key = s.nextKeyIn(TOP_KEYS)) {
      if (key >= 0) {
        if (seen[key]) return undefined;
        seen[key] = true;
      }
      const kind = s.kind();
      if (key === 0) {
        if (kind !== "string" || s.readString() !== "l2_data") return undefined;
      } else if (key === 1) {
        if (kind !== "string") return undefined;
        timestamp = s.readString();
      } else if (key === 2) {
        if (kind !== "number") return undefined;
        sequence = s.readNumberText();
      } else if (key === 3) {
        if (kind !== "array") return undefined;
        s.beginArray();
        while (s.nextItem()) {
          if (++events > 1 || s.kind() !== "object") return undefined;
          const seenEv = [false, false, false];
          s.beginObject();
          for (let k = s.nextKeyIn(EVENT_KEYS); k !== KEY_END; k = s.nextKeyIn(EVENT_KEYS)) {
            if (k >= 0) {
              if (seenEv[k]) return undefined;
              seenEv[k] = true;
            }
            const kk = s.kind();
            if (k === 0) {
              if (kk !== "string") return undefined;
              type = s.readString();
            } else if (k === 1) {
              if (kk !== "string") return undefined;
              productId = s.readString();
            } else if (k === 2) {
              if (kk !== "array") return undefined;
              updates = { ...skipLevelText(s), format: "side_updates" };
            } else s.skipValue();
          }
        }
      } else s.skipValue();
    }
    s.end();
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
  const sequenceNum = sequence === undefined ? undefined : toUint(Number(sequence));
  const timestampMs = timestamp === undefined ? undefined : parseRfc3339Ms(timestamp);
  if (
    sequenceNum === undefined || timestampMs === undefined || events !== 1 ||
    type !== "update" || productId === undefined || productId === "" || updates === undefined
  ) return undefined;
  const m: BookMessage = {
    kind: "book",
    symbol: productId,
    snapshot: false,
    bids: [],
    asks: [],
    bidsText: updates,
    exchangeTimeMs: timestampMs,
    sequence: sequenceNum,
  };
  return { sequenceNum, channel: "l2_data", timestampMs, items: [m] };
}

/**
 * Turns an `l2_data` book message's `updates` left in the frame (`levelText`) back into decimal
 * strings, for the paths that need them (a book that is not live, an unknown product): the
 * problem the string path would have found (as its `invalid` reason), or `undefined` once
 * `bids` / `asks` hold the strings.
 *
 * @example
 * ```ts
 * import { coinbaseLevelStrings } from "./parse.ts";
 * const text = '{"updates":[{"side":"offer","price_level":"1.5","new_quantity":"2"}]}';
 * const m = { bids: [], asks: [], bidsText: { text, at: 11, format: "side_updates" as const } };
 * if (coinbaseLevelStrings(m) !== undefined || m.asks.join() !== "1.5,2") throw new Error();
 * ```
 */
export function coinbaseLevelStrings(
  m: { bids: string[]; asks: string[]; bidsText?: LevelText },
): string | undefined {
  const lt = m.bidsText;
  if (lt === undefined) return undefined;
  const s = new JsonScanner(lt.text, lt.at);
  s.skipValue(); // the parser checked it is well-formed
  const updates = JSON.parse(lt.text.slice(lt.at, s.pos)) as unknown[];
  const bids: string[] = [];
  const asks: string[] = [];
  const bad = updatesProblem(updates, 0, bids, asks);
  if (bad !== undefined) return `l2_data: ${bad}`;
  m.bids = bids;
  m.asks = asks;
  delete m.bidsText;
  return undefined;
}
