/**
 * Pure parser for Bybit v5 public messages, typed against `wire.ts`.
 *
 * Hot path (`orderbook.*`, `publicTrade.*`, `tickers.*`): one pass of the {@linkcode JsonScanner}
 * with the fused decimal check of `scanStringLevels` (levels are JSON strings). Messages without
 * a `topic` (acks, pongs) go to the zod-validated `control.ts`. Never throws.
 *
 * @module
 */
import { JsonScanner, KEY_END } from "../json_scanner.ts";
import { scanStringLevels, skipLevelText } from "../string_levels.ts";
import { DECIMAL_INVALID, DECIMAL_POSITIVE } from "../decimal_text.ts";
import type { BookMessage, LevelText, ParsedMessage, TradeMessage } from "../types.ts";
import { invalid, unknown } from "../types.ts";
import { parseBybitControl } from "./control.ts";

/** An order-book push (`symbol` native). */
export interface BybitBookMessage extends BookMessage {
  /** `orderbook.{depth}.{symbol}`. */
  topic: string;
  /** Depth of the topic. */
  depth: number;
  /** `u`. */
  updateId: number;
  /** `seq` (cross sequence). */
  crossSeq: number;
}

/** A (possibly partial) ticker push: only the fields it carried. */
export interface BybitTicker {
  kind: "bybit-ticker";
  symbol: string;
  snapshot: boolean;
  bidPrice?: string;
  askPrice?: string;
  /** Top-level `cs`. */
  crossSeq?: number;
}

/** Anything the Bybit parser returns. */
export type BybitParsed =
  | BybitBookMessage
  | BybitTicker
  | Exclude<ParsedMessage, BookMessage>;

const TOP_KEYS = ["topic", "type", "ts", "data", "cts", "cs"] as const;

/** Options of {@linkcode parseBybitMessage}. */
export interface BybitParseOptions {
  /**
   * Leave a delta's level arrays in the frame (`bidsText` / `asksText`, `bids` / `asks` empty):
   * the core stages them from the frame's bytes and makes the level checks then.
   */
  levelText?: boolean;
  /**
   * With `levelText`, leave a snapshot's level arrays in the frame too, unchecked (for
   * `BookStore.snapshotText`): a snapshot returned with `bidsText` / `asksText` is otherwise
   * valid, and the string parse's reason for it, if any, is a level problem
   * (`levelTextToStrings(m, {names: ["b", "a"], frameOrder: true})` gives it). An invalid
   * snapshot is parsed again with strings, so its reason is the string parse's.
   */
  snapshotText?: boolean;
}

/**
 * Parse one Bybit v5 text message.
 *
 * @example
 * ```ts
 * import { parseBybitMessage } from "./parse.ts";
 * const [m] = parseBybitMessage(
 *   '{"topic":"orderbook.200.ETHUSDT","type":"delta","ts":1786310817731,"data":{"s":"ETHUSDT",' +
 *     '"b":[["1921.16","0"]],"a":[["1922.43","2.17"]],"u":14768461,"seq":430879399832},"cts":1786310817727}',
 * );
 * if (m.kind !== "book" || m.updateId !== 14768461 || m.bids.join() !== "1921.16,0") throw new Error();
 * ```
 */
export function parseBybitMessage(text: string, options: BybitParseOptions = {}): BybitParsed[] {
  let topic: string | undefined;
  let type: string | undefined;
  let ts: string | undefined;
  let cs: string | undefined;
  let dataStart = -1;
  let s: JsonScanner;
  try {
    s = new JsonScanner(text);
    if (s.kind() !== "object") return [invalid("Bybit message must be a JSON object")];
    s.beginObject();
    for (let key = s.nextKeyIn(TOP_KEYS); key !== KEY_END; key = s.nextKeyIn(TOP_KEYS)) {
      switch (key) {
        case 0:
          if (s.kind() !== "string") return [invalid("topic must be a string")];
          topic = s.readString();
          break;
        case 1:
          if (s.kind() !== "string") return [invalid("type must be a string")];
          type = s.readString();
          break;
        case 2:
          ts = s.kind() === "number" ? s.readNumberText() : (s.skipValue(), undefined);
          break;
        case 3:
          s.peek();
          dataStart = s.pos;
          s.skipValue();
          break;
        case 5:
          cs = s.kind() === "number" ? s.readNumberText() : (s.skipValue(), undefined);
          break;
        default:
          s.skipValue();
      }
    }
    s.end();
  } catch (e) {
    return [invalid(e instanceof SyntaxError ? e.message : `parser failure: ${e}`)];
  }
  if (topic === undefined) return parseBybitControl(text);
  const dot = topic.indexOf(".");
  const channel = dot < 0 ? topic : topic.slice(0, dot);
  if (dataStart < 0) return [invalid(`${topic}: no data`)];
  const timeMs = ts === undefined ? 0 : Number(ts);
  try {
    const d = new JsonScanner(text, dataStart);
    switch (channel) {
      case "orderbook": {
        const spans = options.levelText === true;
        const snapshots = spans && options.snapshotText === true;
        const m = book(d, topic, type, timeMs, spans, snapshots);
        // The string parse's reason: a level problem may come before the one found.
        if (m.kind === "invalid" && snapshots && type === "snapshot") {
          return [book(new JsonScanner(text, dataStart), topic, type, timeMs, false, false)];
        }
        return [m];
      }
      case "publicTrade":
        return trades(d, topic);
      case "tickers":
        return [ticker(d, topic, type, cs)];
      default:
        return [unknown(channel)];
    }
  } catch (e) {
    return [invalid(e instanceof SyntaxError ? e.message : `parser failure: ${e}`)];
  }
}

const BOOK_KEYS = ["s", "b", "a", "u", "seq"] as const;

function book(
  s: JsonScanner,
  topic: string,
  type: string | undefined,
  timeMs: number,
  levelText: boolean,
  snapshotText: boolean,
): BybitBookMessage | ReturnType<typeof invalid> {
  const m = /^orderbook\.(\d{1,4})\.([A-Z0-9]{1,40})$/.exec(topic);
  if (m === null) return invalid(`bad orderbook topic ${JSON.stringify(topic.slice(0, 60))}`);
  if (type !== "snapshot" && type !== "delta") {
    return invalid(`${topic}: type must be "snapshot" or "delta", got ${JSON.stringify(type)}`);
  }
  if (s.kind() !== "object") return invalid(`${topic}: data must be an object`);
  const bids: string[] = [];
  const asks: string[] = [];
  const spans = levelText && (type === "delta" || snapshotText);
  let bidsText: LevelText | undefined;
  let asksText: LevelText | undefined;
  let symbol: string | undefined;
  let u: number | undefined;
  let seq: number | undefined;
  let problem: string | undefined;
  let sides = 0;
  s.beginObject();
  for (let key = s.nextKeyIn(BOOK_KEYS); key !== KEY_END; key = s.nextKeyIn(BOOK_KEYS)) {
    // A repeated b or a is refused on both paths: the frame path would skip the first value
    // unchecked where the string path reads it.
    if (key === 1 || key === 2) {
      if ((sides & key) !== 0) problem ??= `${BOOK_KEYS[key]} repeated`;
      sides |= key;
    }
    switch (key) {
      case 0:
        if (s.kind() === "string") symbol = s.readString();
        else (s.skipValue(), problem ??= "s must be a string");
        break;
      case 1:
        if (spans) bidsText = skipLevelText(s);
        else {
          // Read even after a problem (`??=` would skip the call and leave the array unread).
          const p = scanStringLevels(s, bids, "b");
          problem ??= p;
        }
        break;
      case 2:
        if (spans) asksText = skipLevelText(s);
        else {
          const p = scanStringLevels(s, asks, "a");
          problem ??= p;
        }
        break;
      case 3:
        u = readInteger(s);
        if (u === undefined) problem ??= "u must be a non-negative integer";
        break;
      case 4:
        seq = readInteger(s);
        if (seq === undefined) problem ??= "seq must be a non-negative integer";
        break;
      default:
        s.skipValue();
    }
  }
  if (problem !== undefined) return invalid(`${topic}: ${problem}`);
  if (u === undefined) return invalid(`${topic}: no u`);
  if (symbol !== undefined && symbol !== m[2]) {
    return invalid(`${topic}: data.s ${JSON.stringify(symbol)} does not match the topic`);
  }
  return {
    kind: "book",
    symbol: m[2],
    snapshot: type === "snapshot",
    bids,
    asks,
    ...(bidsText ? { bidsText } : {}),
    ...(asksText ? { asksText } : {}),
    exchangeTimeMs: timeMs,
    topic,
    depth: Number(m[1]),
    updateId: u,
    crossSeq: seq ?? 0,
  };
}

function readInteger(s: JsonScanner): number | undefined {
  if (s.kind() !== "number") {
    s.skipValue();
    return undefined;
  }
  const t = s.readNumberText();
  if (!/^\d{1,16}$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

const TRADE_KEYS = ["T", "s", "S", "v", "p", "i"] as const;

function trades(s: JsonScanner, topic: string): BybitParsed[] {
  if (s.kind() !== "array") return [invalid(`${topic}: data must be an array`)];
  const out: BybitParsed[] = [];
  s.beginArray();
  let i = 0;
  while (s.nextItem()) {
    if (s.kind() !== "object") {
      s.skipValue();
      out.push(invalid(`${topic}: data[${i}] must be an object`));
      i++;
      continue;
    }
    let time: number | undefined;
    let symbol: string | undefined, side: string | undefined, size: string | undefined;
    let price: string | undefined, id: string | undefined;
    s.beginObject();
    for (let key = s.nextKeyIn(TRADE_KEYS); key !== KEY_END; key = s.nextKeyIn(TRADE_KEYS)) {
      switch (key) {
        case 0:
          time = readInteger(s);
          break;
        case 1:
          symbol = str(s);
          break;
        case 2:
          side = str(s);
          break;
        case 3:
          size = s.kind() === "string" ? s.readDecimalString() : (s.skipValue(), undefined);
          if (s.decimalClass !== DECIMAL_POSITIVE) size = undefined;
          break;
        case 4:
          price = s.kind() === "string" ? s.readDecimalString() : (s.skipValue(), undefined);
          if (s.decimalClass !== DECIMAL_POSITIVE) price = undefined;
          break;
        case 5:
          id = str(s);
          break;
        default:
          s.skipValue();
      }
    }
    if (
      time === undefined || symbol === undefined || (side !== "Buy" && side !== "Sell") ||
      size === undefined || price === undefined
    ) {
      out.push(invalid(`${topic}: data[${i}] is not a valid trade`));
    } else {
      const t: TradeMessage = {
        kind: "trade",
        symbol,
        price,
        size,
        side: side === "Buy" ? "buy" : "sell",
        timeMs: time,
        tradeId: id ?? "",
      };
      out.push(t);
    }
    i++;
  }
  return out;
}

function str(s: JsonScanner): string | undefined {
  if (s.kind() === "string") return s.readString();
  s.skipValue();
  return undefined;
}

const TICKER_KEYS = ["symbol", "bid1Price", "ask1Price"] as const;

function ticker(
  s: JsonScanner,
  topic: string,
  type: string | undefined,
  cs: string | undefined,
): BybitParsed {
  if (s.kind() !== "object") return invalid(`${topic}: data must be an object`);
  const t: BybitTicker = { kind: "bybit-ticker", symbol: "", snapshot: type === "snapshot" };
  s.beginObject();
  for (let key = s.nextKeyIn(TICKER_KEYS); key !== KEY_END; key = s.nextKeyIn(TICKER_KEYS)) {
    if (key === 0) t.symbol = str(s) ?? "";
    else if (key < 0) s.skipValue();
    else {
      const v = s.kind() === "string" ? s.readDecimalString() : (s.skipValue(), undefined);
      if (v !== undefined && s.decimalClass !== DECIMAL_INVALID && v !== "") {
        if (key === 1) t.bidPrice = v;
        else t.askPrice = v;
      }
    }
  }
  if (cs !== undefined && /^\d{1,16}$/.test(cs)) t.crossSeq = Number(cs);
  return t;
}
