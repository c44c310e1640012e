/**
 * The hand-written-scanner version of the Coinbase Advanced Trade parser, kept for
 * `parse_bench.ts` only: it produces exactly what `parseCoinbaseMessage` produces, but measured
 * slower than `JSON.parse` + checks on these key-heavy messages, so the service does not use it
 * (see `docs/parsing.md`).
 *
 * @module
 */
import { JsonScanner, KEY_END, KEY_OTHER } from "../src/exchanges/json_scanner.ts";
import {
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
  priceProblem,
  sizeProblem,
} from "../src/exchanges/decimal_text.ts";
import { parseRfc3339Ms } from "../src/exchanges/timestamps.ts";
import type { BookMessage, ParsedMessage, TradeMessage } from "../src/exchanges/types.ts";
import { invalid } from "../src/exchanges/types.ts";
import { parseCoinbaseControl } from "../src/exchanges/coinbase/control.ts";
import type { CoinbaseParsed, CoinbaseParseOptions } from "../src/exchanges/coinbase/parse.ts";

const QUOTE = 34;
const LBRACE = 123;

class TradeFields {
  tradeId: string | undefined = undefined;
  productId: string | undefined = undefined;
  price: string | undefined = undefined;
  size: string | undefined = undefined;
  side: string | undefined = undefined;
  time: string | undefined = undefined;
}

class CoinbaseEvent {
  type: string | undefined = undefined;
  productId: string | undefined = undefined;
  bids: string[] | undefined = undefined;
  asks: string[] | undefined = undefined;
  trades: TradeFields[] | undefined = undefined;
  counter: string | undefined = undefined;
}

class Envelope {
  channel: string | undefined = undefined;
  type: string | undefined = undefined;
  timestamp: string | undefined = undefined;
  sequenceNum: string | undefined = undefined;
  events: CoinbaseEvent[] | undefined = undefined;
  problem: string | undefined = undefined;
}

/** Where a problem is, built only when there is one: `events[0].updates[3].side`. */
function at(event: number, list: string, item: number, key: string): string {
  let path = event < 0 ? "" : `events[${event}]`;
  if (list !== "") path += `.${list}[${item}]`;
  return key === "" ? path : path === "" ? key : `${path}.${key}`;
}

function readStr(
  s: JsonScanner,
  env: Envelope,
  event: number,
  list: string,
  item: number,
  key: string,
): string | undefined {
  if (s.kind() === "string") return s.readString();
  s.skipValue();
  env.problem ??= `${at(event, list, item, key)} must be a string`;
  return undefined;
}

const UPDATE_KEYS = ["side", "price_level", "new_quantity"] as const;
const SIDES = ["bid", "offer"] as const;

function scanUpdates(s: JsonScanner, env: Envelope, ev: CoinbaseEvent, e: number): void {
  if (s.kind() !== "array") {
    s.skipValue();
    env.problem ??= `${at(e, "", 0, "updates")} must be an array`;
    return;
  }
  const bids: string[] = [];
  const asks: string[] = [];
  s.beginArray();
  for (let i = 0; s.nextItem(); i++) {
    if (s.peek() !== LBRACE) {
      s.skipValue();
      env.problem ??= `${at(e, "updates", i, "")} must be an object`;
      continue;
    }
    let side = KEY_OTHER;
    let price: string | undefined;
    let size: string | undefined;
    s.beginObject();
    for (let key = s.nextKeyIn(UPDATE_KEYS); key !== KEY_END; key = s.nextKeyIn(UPDATE_KEYS)) {
      if (key === KEY_OTHER) {
        s.skipValue();
      } else if (s.peek() !== QUOTE) {
        s.skipValue();
        env.problem ??= `${at(e, "updates", i, UPDATE_KEYS[key])} must be a string`;
      } else if (key === 0) {
        side = s.readStringIn(SIDES);
      } else if (key === 1) {
        price = s.readDecimalString();
        if (s.decimalClass !== DECIMAL_POSITIVE) {
          env.problem ??= `${at(e, "updates", i, "price_level")}: ${priceProblem(price)}`;
        }
      } else {
        size = s.readDecimalString();
        if (s.decimalClass === DECIMAL_INVALID) {
          env.problem ??= `${at(e, "updates", i, "new_quantity")}: ${sizeProblem(size)}`;
        }
      }
    }
    if (price === undefined || size === undefined) {
      env.problem ??= `${at(e, "updates", i, "")} needs price_level and new_quantity`;
    } else if (side === 0) bids.push(price, size);
    else if (side === 1) asks.push(price, size);
    else env.problem ??= `${at(e, "updates", i, "side")} must be "bid" or "offer"`;
  }
  ev.bids = bids;
  ev.asks = asks;
}

const TRADE_KEYS = ["trade_id", "product_id", "price", "size", "side", "time"] as const;

function scanTrades(s: JsonScanner, env: Envelope, ev: CoinbaseEvent, e: number): void {
  if (s.kind() !== "array") {
    s.skipValue();
    env.problem ??= `${at(e, "", 0, "trades")} must be an array`;
    return;
  }
  const trades: TradeFields[] = [];
  s.beginArray();
  for (let i = 0; s.nextItem(); i++) {
    if (s.peek() !== LBRACE) {
      s.skipValue();
      env.problem ??= `${at(e, "trades", i, "")} must be an object`;
      continue;
    }
    const t = new TradeFields();
    s.beginObject();
    for (let key = s.nextKeyIn(TRADE_KEYS); key !== KEY_END; key = s.nextKeyIn(TRADE_KEYS)) {
      if (key === KEY_OTHER) {
        s.skipValue();
        continue;
      }
      const value = readStr(s, env, e, "trades", i, TRADE_KEYS[key]);
      switch (key) {
        case 0:
          t.tradeId = value;
          break;
        case 1:
          t.productId = value;
          break;
        case 2:
          t.price = value;
          break;
        case 3:
          t.size = value;
          break;
        case 4:
          t.side = value;
          break;
        default:
          t.time = value;
      }
    }
    trades.push(t);
  }
  ev.trades = trades;
}

const EVENT_KEYS = ["type", "product_id", "updates", "trades", "heartbeat_counter"] as const;

function scanEvents(s: JsonScanner, env: Envelope): CoinbaseEvent[] {
  const events: CoinbaseEvent[] = [];
  s.beginArray();
  for (let e = 0; s.nextItem(); e++) {
    const ev = new CoinbaseEvent();
    events.push(ev);
    if (s.peek() !== LBRACE) {
      s.skipValue();
      env.problem ??= `${at(e, "", 0, "")} must be an object`;
      continue;
    }
    s.beginObject();
    for (let key = s.nextKeyIn(EVENT_KEYS); key !== KEY_END; key = s.nextKeyIn(EVENT_KEYS)) {
      switch (key) {
        case 0:
          ev.type = readStr(s, env, e, "", 0, "type");
          break;
        case 1:
          ev.productId = readStr(s, env, e, "", 0, "product_id");
          break;
        case 2:
          scanUpdates(s, env, ev, e);
          break;
        case 3:
          scanTrades(s, env, ev, e);
          break;
        case 4: {
          const k = s.kind();
          if (k === "string") ev.counter = s.readString();
          else if (k === "number") ev.counter = s.readNumberText();
          else {
            s.skipValue();
            env.problem ??= `${at(e, "", 0, "heartbeat_counter")} must be a string or number`;
          }
          break;
        }
        default:
          s.skipValue();
      }
    }
  }
  return events;
}

const ENVELOPE_KEYS = ["channel", "type", "timestamp", "sequence_num", "events"] as const;

function scanEnvelope(text: string): Envelope | string {
  try {
    const s = new JsonScanner(text);
    if (s.kind() !== "object") return "Coinbase message must be a JSON object";
    const env = new Envelope();
    s.beginObject();
    for (let key = s.nextKeyIn(ENVELOPE_KEYS); key !== KEY_END; key = s.nextKeyIn(ENVELOPE_KEYS)) {
      switch (key) {
        case 0:
          env.channel = readStr(s, env, -1, "", 0, "channel");
          break;
        case 1:
          env.type = readStr(s, env, -1, "", 0, "type");
          break;
        case 2:
          env.timestamp = readStr(s, env, -1, "", 0, "timestamp");
          break;
        case 3:
          if (s.kind() === "number") env.sequenceNum = s.readNumberText();
          else {
            s.skipValue();
            env.problem ??= "sequence_num must be a number";
          }
          break;
        case 4:
          if (
            s.kind() === "array" &&
            (env.channel === undefined || env.channel === "l2_data" ||
              env.channel === "market_trades" || env.channel === "heartbeats")
          ) {
            env.events = scanEvents(s, env);
          } else s.skipValue();
          break;
        default:
          s.skipValue();
      }
    }
    s.end();
    return env;
  } catch (e) {
    return e instanceof SyntaxError ? e.message : `parser failure: ${e}`;
  }
}

function toUint(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Scanner-based equivalent of `parseCoinbaseMessage`. Never throws.
 *
 * @example
 * ```ts
 * import { coinbaseViaScanner } from "./coinbase_scanner_alternative.ts";
 * const r = coinbaseViaScanner('{"channel":"l2_data","client_id":"","timestamp":' +
 *   '"2026-07-01T12:00:00.35Z","sequence_num":2,"events":[{"type":"update","product_id":' +
 *   '"BTC-USD","updates":[{"side":"offer","event_time":"2026-07-01T12:00:00.349Z",' +
 *   '"price_level":"60000.01","new_quantity":"0"}]}]}');
 * const [m] = r.items;
 * if (r.sequenceNum !== 2 || m.kind !== "book" || m.asks[0] !== "60000.01") throw new Error();
 * ```
 */
export function coinbaseViaScanner(
  text: string,
  options: CoinbaseParseOptions = {},
): CoinbaseParsed {
  const env = scanEnvelope(text);
  if (typeof env === "string") {
    return { sequenceNum: undefined, channel: "", timestampMs: undefined, items: [invalid(env)] };
  }
  const sequenceNum = toUint(env.sequenceNum);
  const timestampMs = env.timestamp === undefined ? undefined : parseRfc3339Ms(env.timestamp);
  const channel = env.channel ?? "";
  const result: CoinbaseParsed = { sequenceNum, channel, timestampMs, items: [] };
  if (channel !== "l2_data" && channel !== "market_trades" && channel !== "heartbeats") {
    result.items = parseCoinbaseControl(text);
    return result;
  }
  const fail = (reason: string): CoinbaseParsed => {
    result.items = [invalid(`${channel}: ${reason}`)];
    return result;
  };
  if (env.problem !== undefined) return fail(env.problem);
  if (sequenceNum === undefined) return fail("sequence_num missing or not a non-negative integer");
  if (timestampMs === undefined) return fail("timestamp missing or not RFC 3339");
  if (env.events === undefined) return fail("events must be an array");
  const items: ParsedMessage[] = [];
  for (let i = 0; i < env.events.length; i++) {
    const ev = env.events[i];
    if (channel === "l2_data") {
      if (ev.type !== "snapshot" && ev.type !== "update") {
        return fail(`events[${i}].type must be "snapshot" or "update"`);
      }
      if (ev.productId === undefined || ev.productId === "") {
        return fail(`events[${i}].product_id missing or empty`);
      }
      if (ev.bids === undefined || ev.asks === undefined) {
        return fail(`events[${i}].updates missing`);
      }
      const m: BookMessage = {
        kind: "book",
        symbol: ev.productId,
        snapshot: ev.type === "snapshot",
        bids: ev.bids,
        asks: ev.asks,
        exchangeTimeMs: timestampMs,
        sequence: sequenceNum,
      };
      items.push(m);
    } else if (channel === "market_trades") {
      if (ev.trades === undefined) return fail(`events[${i}].trades missing`);
      for (let j = 0; j < ev.trades.length; j++) {
        const t = ev.trades[j];
        if (t.productId === undefined || t.productId === "") {
          return fail(`events[${i}].trades[${j}].product_id missing or empty`);
        }
        if (t.tradeId === undefined || t.tradeId === "") {
          return fail(`events[${i}].trades[${j}].trade_id missing or empty`);
        }
        if (t.price === undefined || t.size === undefined) {
          return fail(`events[${i}].trades[${j}]: price and size are required`);
        }
        const bad = priceProblem(t.price) ?? sizeProblem(t.size);
        if (bad !== undefined) return fail(`events[${i}].trades[${j}]: ${bad}`);
        if (t.side !== "BUY" && t.side !== "SELL") {
          return fail(`events[${i}].trades[${j}].side must be "BUY" or "SELL"`);
        }
        const timeMs = t.time === undefined ? undefined : parseRfc3339Ms(t.time);
        if (timeMs === undefined) {
          return fail(`events[${i}].trades[${j}].time missing or not RFC 3339`);
        }
        const buy = (t.side === "BUY") !== (options.tradeSide === "maker");
        const trade: TradeMessage = {
          kind: "trade",
          symbol: t.productId,
          price: t.price,
          size: t.size,
          side: buy ? "buy" : "sell",
          timeMs,
          tradeId: t.tradeId,
        };
        items.push(trade);
      }
    } else {
      const counter = toUint(ev.counter);
      if (counter === undefined) {
        return fail(`events[${i}].heartbeat_counter missing or not a non-negative integer`);
      }
      items.push({ kind: "heartbeat", counter });
    }
  }
  result.items = items;
  return result;
}
