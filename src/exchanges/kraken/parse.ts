/**
 * Pure parser for Kraken Spot WebSocket v2 messages.
 *
 * Hot path (`book`, `trade`, `heartbeat`): a single pass of {@linkcode JsonScanner} that keeps
 * every price and quantity as the exact JSON number text (`0.10000000` stays `0.10000000`; a float
 * round trip would make it `0.1` and break the checksum). Everything else goes to the zod-validated
 * control path in `control.ts`. See `docs/parsing.md` for the measurements behind this choice.
 *
 * @module
 */
import { JsonScanner, KEY_END, KEY_OTHER } from "../json_scanner.ts";
import {
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
  type DecimalClass,
  priceProblem,
  sizeProblem,
} from "../decimal_text.ts";
import { parseRfc3339Ms } from "../timestamps.ts";
import { skipLevelText } from "../string_levels.ts";
import type { BookMessage, LevelText, ParsedMessage, TradeMessage } from "../types.ts";
import { invalid } from "../types.ts";
import type { WireKey } from "../wire_types.ts";
import { parseKrakenControl } from "./control.ts";
import type {
  KrakenBookData,
  KrakenBookLevel,
  KrakenBookMessage,
  KrakenTradeData,
  KrakenTradeMessage,
} from "./wire.ts";

const TOP_KEYS = ["channel", "type", "data"] as const satisfies readonly WireKey<
  KrakenBookMessage | KrakenTradeMessage
>[];

/** Largest value of an unsigned 32-bit checksum. */
const MAX_U32 = 4294967295;

/**
 * Parse one Kraken v2 WebSocket text message. Never throws.
 *
 * Returns one item per `data` element for `book` (a {@linkcode BookMessage}, `symbol` as on the
 * wire, `checksum`, `exchangeTimeMs` from `timestamp`) and `trade` (a {@linkcode TradeMessage} per
 * trade, `side` = taker side); `[heartbeat]`, `[status]`, `[instrument]`, `[subscribed]`,
 * `[error]`, `[pong]`, `[ping]` for control messages; `[unknown]` for other channels/methods;
 * `[invalid]` for anything malformed (one bad level invalidates the whole message, since applying
 * part of it would corrupt the book). The array is empty only for a `data: []` message.
 *
 * @example
 * ```ts
 * import { parseKrakenMessage } from "./parse.ts";
 * const [m] = parseKrakenMessage(
 *   '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45281.0,' +
 *     '"qty":0.10000000}],"asks":[],"checksum":7,"timestamp":"2026-07-01T12:00:00.5Z"}]}',
 * );
 * if (m.kind !== "book" || m.bids[0] !== "45281.0" || m.bids[1] !== "0.10000000") throw new Error();
 * ```
 */
export function parseKrakenMessage(
  text: string,
  options: KrakenParseOptions = {},
): ParsedMessage[] {
  // Level text needs a frame the core reads exactly like the scanner: ASCII, no escapes.
  const spans = options.levelText === true && !NOT_PLAIN_ASCII.test(text);
  let channel: string | undefined;
  let type: string | undefined;
  let elements: KrakenElement[] | undefined;
  let problem: string | undefined;
  try {
    const s = new JsonScanner(text);
    if (s.kind() !== "object") {
      return [invalid("Kraken v2 message must be a JSON object")];
    }
    s.beginObject();
    for (let key = s.nextKeyIn(TOP_KEYS); key !== KEY_END; key = s.nextKeyIn(TOP_KEYS)) {
      switch (key) {
        case 0:
          if (s.kind() === "string") channel = s.readString();
          else {
            s.skipValue();
            problem ??= "channel must be a string";
          }
          break;
        case 1:
          if (s.kind() === "string") type = s.readString();
          else {
            s.skipValue();
            problem ??= "type must be a string";
          }
          break;
        case 2:
          if (
            (channel === undefined || channel === "book" || channel === "trade") &&
            s.kind() === "array"
          ) {
            elements = scanElements(s, spans);
          } else s.skipValue();
          break;
        default:
          s.skipValue();
      }
    }
    s.end();
  } catch (e) {
    return [invalid(e instanceof SyntaxError ? e.message : `parser failure: ${e}`)];
  }
  if (channel === "book" || channel === "trade") {
    if (problem !== undefined) return [invalid(problem)];
    if (type !== "snapshot" && type !== "update") {
      return [
        invalid(`${channel} type must be "snapshot" or "update", got ${JSON.stringify(type)}`),
      ];
    }
    if (elements === undefined) return [invalid(`${channel} message without a data array`)];
    return channel === "book"
      ? buildBooks(type === "snapshot", elements, options.snapshotText === true)
      : buildTrades(elements);
  }
  if (channel === "heartbeat" && problem === undefined) return [{ kind: "heartbeat" }];
  return parseKrakenControl(text);
}

/** Options of {@linkcode parseKrakenMessage}. */
export interface KrakenParseOptions {
  /**
   * Leave an update's level arrays in the frame (`bidsText` / `asksText`, format `price_qty`;
   * `bids` / `asks` empty) when the frame is ASCII without escapes: the core stages them from
   * the frame's bytes and makes the level checks then. Snapshots keep strings.
   */
  levelText?: boolean;
  /**
   * With `levelText`, leave a snapshot's level arrays in the frame too, unchecked, for
   * `BookStore.snapshotText`. Its levels may then be invalid: use such a result only when the
   * core takes its arrays (`BookStore.takesSnapshotText`), and parse the frame again without
   * this option otherwise (and whenever the result is invalid), which gives the string parse's
   * result and reason.
   */
  snapshotText?: boolean;
}

/** A character the core's frame-text staging does not read as the scanner does. */
const NOT_PLAIN_ASCII = /[\\\u0080-\uffff]/;

/**
 * Turns a Kraken book message's level arrays left in the frame back into decimal strings, for
 * the paths that need them (snapshots, updates of a book that is not live): the problem the
 * string path would have found, or `undefined` once `bids` / `asks` hold the strings.
 *
 * @example
 * ```ts
 * import { krakenLevelStrings } from "./parse.ts";
 * const text = '{"bids":[{"price":1.5,"qty":2}]}';
 * const m = { bids: [], asks: [], bidsText: { text, at: 8 } };
 * if (krakenLevelStrings(m) !== undefined || m.bids.join() !== "1.5,2") throw new Error();
 * ```
 */
export function krakenLevelStrings(
  m: { bids: string[]; asks: string[]; bidsText?: LevelText; asksText?: LevelText },
): string | undefined {
  for (const side of ["bids", "asks"] as const) {
    const lt = side === "bids" ? m.bidsText : m.asksText;
    if (lt === undefined) continue;
    const e = new KrakenElement();
    let levels: string[] | undefined;
    try {
      levels = readLevels(new JsonScanner(lt.text, lt.at), e, side);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      return `${side}: ${err.message}`;
    }
    if (e.problem !== undefined) return e.problem;
    m[side] = levels ?? [];
  }
  delete m.bidsText;
  delete m.asksText;
  return undefined;
}

/** Fields of one `data` element, read without knowing the channel yet. */
class KrakenElement {
  symbol: string | undefined = undefined;
  bids: string[] | undefined = undefined;
  asks: string[] | undefined = undefined;
  bidsText: LevelText | undefined = undefined;
  asksText: LevelText | undefined = undefined;
  checksum: string | undefined = undefined;
  timestamp: string | undefined = undefined;
  side: string | undefined = undefined;
  price: string | undefined = undefined;
  qty: string | undefined = undefined;
  tradeId: string | undefined = undefined;
  problem: string | undefined = undefined;
}

function scanElements(s: JsonScanner, spans: boolean): KrakenElement[] {
  const out: KrakenElement[] = [];
  s.beginArray();
  while (s.nextItem()) {
    if (s.kind() === "object") out.push(scanElement(s, spans));
    else {
      s.skipValue();
      const e = new KrakenElement();
      e.problem = `data[${out.length}] must be an object`;
      out.push(e);
    }
  }
  return out;
}

const ELEMENT_KEYS = [
  "symbol",
  "bids",
  "asks",
  "checksum",
  "timestamp",
  "side",
  "price",
  "qty",
  "trade_id",
] as const satisfies readonly WireKey<KrakenBookData | KrakenTradeData>[];

function scanElement(s: JsonScanner, spans: boolean): KrakenElement {
  const e = new KrakenElement();
  s.beginObject();
  for (let key = s.nextKeyIn(ELEMENT_KEYS); key !== KEY_END; key = s.nextKeyIn(ELEMENT_KEYS)) {
    switch (key) {
      case 0:
        e.symbol = readString(s, e, "symbol");
        break;
      case 1:
      case 2: {
        const side = key === 1 ? "bids" : "asks";
        if (e[side] !== undefined) e.problem ??= `${side} repeated`;
        if (spans) {
          e[side] = [];
          e[key === 1 ? "bidsText" : "asksText"] = {
            ...skipLevelText(s),
            format: "price_qty",
          };
        } else e[side] = readLevels(s, e, side);
        break;
      }
      case 3:
        e.checksum = readNumber(s, e, "checksum");
        break;
      case 4:
        e.timestamp = readString(s, e, "timestamp");
        break;
      case 5:
        e.side = readString(s, e, "side");
        break;
      case 6:
        e.price = readNumber(s, e, "price");
        break;
      case 7:
        e.qty = readNumber(s, e, "qty");
        break;
      case 8:
        e.tradeId = readNumber(s, e, "trade_id");
        break;
      default:
        s.skipValue();
    }
  }
  return e;
}

function readString(s: JsonScanner, e: KrakenElement, key: string): string | undefined {
  if (s.kind() === "string") return s.readString();
  s.skipValue();
  e.problem ??= `${key} must be a string`;
  return undefined;
}

function readNumber(s: JsonScanner, e: KrakenElement, key: string): string | undefined {
  if (s.kind() === "number") return s.readNumberText();
  s.skipValue();
  e.problem ??= `${key} must be a JSON number`;
  return undefined;
}

const LEVEL_KEYS = ["price", "qty"] as const satisfies readonly WireKey<KrakenBookLevel>[];

/** Read `[{"price": n, "qty": n}, ...]` into flat exact-text pairs, validating as it goes. */
function readLevels(s: JsonScanner, e: KrakenElement, side: string): string[] | undefined {
  if (s.kind() !== "array") {
    s.skipValue();
    e.problem ??= `${side} must be an array`;
    return undefined;
  }
  const flat: string[] = [];
  s.beginArray();
  for (let i = 0; s.nextItem(); i++) {
    if (s.kind() !== "object") {
      s.skipValue();
      e.problem ??= `${side}[${i}] must be an object`;
      continue;
    }
    let price: string | undefined;
    let qty: string | undefined;
    let priceClass: DecimalClass = DECIMAL_INVALID;
    let qtyClass: DecimalClass = DECIMAL_INVALID;
    s.beginObject();
    for (let key = s.nextKeyIn(LEVEL_KEYS); key !== KEY_END; key = s.nextKeyIn(LEVEL_KEYS)) {
      if (key === KEY_OTHER) s.skipValue();
      else if (s.kind() !== "number") {
        s.skipValue();
        e.problem ??= `${side}[${i}].${LEVEL_KEYS[key]} must be a JSON number`;
      } else if (key === 0) {
        price = s.readDecimalNumber();
        priceClass = s.decimalClass;
      } else {
        qty = s.readDecimalNumber();
        qtyClass = s.decimalClass;
      }
    }
    if (price === undefined || qty === undefined) {
      e.problem ??= `${side}[${i}] needs price and qty`;
      continue;
    }
    if (priceClass !== DECIMAL_POSITIVE || qtyClass === DECIMAL_INVALID) {
      e.problem ??= `${side}[${i}]: ${priceProblem(price) ?? sizeProblem(qty)}`;
    }
    flat.push(price, qty);
  }
  return flat;
}

function isUnsignedIntegerText(text: string): boolean {
  if (text.length === 0 || text.length > 16) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function buildBooks(
  snapshot: boolean,
  elements: KrakenElement[],
  keepSnapshotText: boolean,
): ParsedMessage[] {
  const out: ParsedMessage[] = [];
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    if (e.problem !== undefined) return [invalid(`book data[${i}]: ${e.problem}`)];
    if (e.symbol === undefined || e.symbol === "") {
      return [invalid(`book data[${i}]: symbol missing or empty`)];
    }
    const m: BookMessage = {
      kind: "book",
      symbol: e.symbol,
      snapshot,
      bids: e.bids ?? [],
      asks: e.asks ?? [],
    };
    if (e.bidsText !== undefined) m.bidsText = e.bidsText;
    if (e.asksText !== undefined) m.asksText = e.asksText;
    if (snapshot && !keepSnapshotText) {
      const problem = krakenLevelStrings(m);
      if (problem !== undefined) return [invalid(`book data[${i}]: ${problem}`)];
    }
    if (e.checksum !== undefined) {
      const c = isUnsignedIntegerText(e.checksum) ? Number(e.checksum) : -1;
      if (c < 0 || c > MAX_U32) {
        return [invalid(`book data[${i}]: checksum is not an unsigned 32-bit integer`)];
      }
      m.checksum = c;
    }
    if (e.timestamp !== undefined) {
      const t = parseRfc3339Ms(e.timestamp);
      if (t === undefined) return [invalid(`book data[${i}]: timestamp is not RFC 3339`)];
      m.exchangeTimeMs = t;
    }
    out.push(m);
  }
  return out;
}

function buildTrades(elements: KrakenElement[]): ParsedMessage[] {
  const out: ParsedMessage[] = [];
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    const where = `trade data[${i}]`;
    if (e.problem !== undefined) return [invalid(`${where}: ${e.problem}`)];
    if (e.symbol === undefined || e.symbol === "") {
      return [invalid(`${where}: symbol missing or empty`)];
    }
    if (e.side !== "buy" && e.side !== "sell") {
      return [invalid(`${where}: side must be "buy" or "sell"`)];
    }
    if (e.price === undefined || e.qty === undefined) {
      return [invalid(`${where}: price and qty are required`)];
    }
    const bad = priceProblem(e.price) ?? sizeProblem(e.qty);
    if (bad !== undefined) return [invalid(`${where}: ${bad}`)];
    if (e.tradeId === undefined || !isUnsignedIntegerText(e.tradeId)) {
      return [invalid(`${where}: trade_id must be a non-negative integer`)];
    }
    const timeMs = e.timestamp === undefined ? undefined : parseRfc3339Ms(e.timestamp);
    if (timeMs === undefined) return [invalid(`${where}: timestamp missing or not RFC 3339`)];
    const t: TradeMessage = {
      kind: "trade",
      symbol: e.symbol,
      price: e.price,
      size: e.qty,
      side: e.side,
      timeMs,
      tradeId: e.tradeId,
    };
    out.push(t);
  }
  return out;
}
