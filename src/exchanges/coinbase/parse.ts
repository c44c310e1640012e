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
import { parseRfc3339Ms } from "../timestamps.ts";
import type { BookMessage, ParsedMessage, TradeMessage } from "../types.ts";
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
