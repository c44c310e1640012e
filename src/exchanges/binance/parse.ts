/**
 * Pure parsers for Binance family market data: WebSocket messages (raw streams and combined-stream
 * wrappers) and the REST depth snapshot body.
 *
 * Hot path (`depthUpdate`, `trade`, `aggTrade`, `bookTicker`, partial depth): one pass of
 * {@linkcode JsonScanner} with decimal validation fused into the string scan. Measured faster than
 * `JSON.parse` followed by the same validation (see `docs/parsing.md`). Request results and errors go
 * through the zod-validated path in `control.ts`.
 *
 * @module
 */
import { JsonScanner } from "../json_scanner.ts";
import {
  classifyDecimal,
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
  priceProblem,
  sizeProblem,
} from "../decimal_text.ts";
import { scanStringLevels } from "../string_levels.ts";
import type { BookMessage, InvalidMessage, ParsedMessage } from "../types.ts";
import { invalid, unknown } from "../types.ts";
import type { WireKey } from "../wire_types.ts";
import { parseBinanceControl } from "./control.ts";
import type {
  BinanceAggTrade,
  BinanceBookTicker,
  BinanceCombined,
  BinanceDepthSnapshot,
  BinanceDepthUpdate,
  BinanceError,
  BinanceResult,
  BinanceTrade,
} from "./wire.ts";

const LBRACE = 123;

/** Every field name of the Binance wire shapes: the scanner's `switch` labels must be among them. */
type BinanceKey = WireKey<
  | BinanceCombined<unknown>
  | BinanceDepthUpdate
  | BinanceTrade
  | BinanceAggTrade
  | BinanceBookTicker
  | BinanceDepthSnapshot
  | BinanceResult
  | BinanceError
>;

/** Fields of a Binance payload, collected in one pass whatever their order. */
class BinanceFields {
  stream: string | undefined = undefined;
  wrapped = false;
  e: string | undefined = undefined;
  s: string | undefined = undefined;
  E: string | undefined = undefined;
  U: string | undefined = undefined;
  u: string | undefined = undefined;
  T: string | undefined = undefined;
  t: string | undefined = undefined;
  lastUpdateId: string | undefined = undefined;
  bids: string[] | undefined = undefined;
  asks: string[] | undefined = undefined;
  /** bookTicker best bid / ask price (`b` / `a` as strings) and sizes (`B` / `A`). */
  bStr: string | undefined = undefined;
  aStr: string | undefined = undefined;
  B: string | undefined = undefined;
  A: string | undefined = undefined;
  /** aggTrade id (`a` as a number). */
  aNum: string | undefined = undefined;
  p: string | undefined = undefined;
  q: string | undefined = undefined;
  m: boolean | undefined = undefined;
  control = false;
  problem: string | undefined = undefined;
}

function readStr(s: JsonScanner, f: BinanceFields, key: string): string | undefined {
  if (s.kind() === "string") return s.readString();
  s.skipValue();
  f.problem ??= `${key} must be a string`;
  return undefined;
}

function readNum(s: JsonScanner, f: BinanceFields, key: string): string | undefined {
  if (s.kind() === "number") return s.readNumberText();
  s.skipValue();
  f.problem ??= `${key} must be a number`;
  return undefined;
}

function readLevels(s: JsonScanner, f: BinanceFields, key: string): string[] {
  const out: string[] = [];
  const problem = scanStringLevels(s, out, key);
  if (problem !== undefined) f.problem ??= problem;
  return out;
}

function scanObject(s: JsonScanner, f: BinanceFields, top: boolean): void {
  s.beginObject();
  for (let key = s.nextKey(); key !== undefined; key = s.nextKey()) {
    switch (key as BinanceKey) {
      case "stream":
        if (top) f.stream = readStr(s, f, key);
        else s.skipValue();
        break;
      case "data":
        if (top && s.peek() === LBRACE) {
          f.wrapped = true;
          scanObject(s, f, false);
        } else {
          if (top) f.problem ??= "data must be an object";
          s.skipValue();
        }
        break;
      case "e":
        f.e = readStr(s, f, key);
        break;
      case "s":
        f.s = readStr(s, f, key);
        break;
      case "E":
        f.E = readNum(s, f, key);
        break;
      case "U":
        f.U = readNum(s, f, key);
        break;
      case "u":
        f.u = readNum(s, f, key);
        break;
      case "T":
        f.T = readNum(s, f, key);
        break;
      case "t":
        f.t = readNum(s, f, key);
        break;
      case "lastUpdateId":
        f.lastUpdateId = readNum(s, f, key);
        break;
      case "b":
        switch (s.kind()) {
          case "array":
            f.bids = readLevels(s, f, key);
            break;
          case "string":
            f.bStr = s.readString();
            break;
          default: // trade: buyer order id
            s.skipValue();
        }
        break;
      case "a":
        switch (s.kind()) {
          case "array":
            f.asks = readLevels(s, f, key);
            break;
          case "string":
            f.aStr = s.readString();
            break;
          case "number": // aggTrade id; trade: seller order id
            f.aNum = s.readNumberText();
            break;
          default:
            s.skipValue();
        }
        break;
      case "bids":
        f.bids = readLevels(s, f, key);
        break;
      case "asks":
        f.asks = readLevels(s, f, key);
        break;
      case "B":
        f.B = readStr(s, f, key);
        break;
      case "A":
        f.A = readStr(s, f, key);
        break;
      case "p":
        f.p = readStr(s, f, key);
        break;
      case "q":
        f.q = readStr(s, f, key);
        break;
      case "m":
        if (s.kind() === "true" || s.kind() === "false") f.m = s.readBoolean();
        else {
          s.skipValue();
          f.problem ??= "m must be a boolean";
        }
        break;
      case "result":
      case "id":
      case "error":
      case "code":
      case "msg":
        f.control = true;
        s.skipValue();
        break;
      default:
        s.skipValue();
    }
  }
}

/** A non-negative safe integer from number text, or -1. */
function toId(text: string | undefined): number {
  if (text === undefined || text.length === 0 || text.length > 16) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : -1;
}

function scan(text: string): BinanceFields | InvalidMessage {
  try {
    const s = new JsonScanner(text);
    if (s.kind() !== "object") return invalid("Binance message must be a JSON object");
    const f = new BinanceFields();
    scanObject(s, f, true);
    s.end();
    return f;
  } catch (e) {
    return invalid(e instanceof SyntaxError ? e.message : `parser failure: ${e}`);
  }
}

/** Options of {@linkcode parseBinanceMessage}. */
export interface BinanceParseOptions {
  /** Leave a compact `depthUpdate`'s level arrays in the frame (`bidsText` / `asksText`). */
  levelText?: boolean;
}

/**
 * Parse one Binance family WebSocket text message (raw or combined stream). Never throws.
 *
 * - `depthUpdate` -> `[book]` (`snapshot: false`, `firstUpdateId` = `U`, `lastUpdateId` = `u`,
 *   `exchangeTimeMs` = `E`);
 * - partial depth (`lastUpdateId`/`bids`/`asks`) inside a combined wrapper -> `[book]` snapshot,
 *   symbol taken from the stream name (bare, it has no symbol: use
 *   {@linkcode parseBinanceDepthSnapshot});
 * - `trade` / `aggTrade` -> `[trade]` with the taker side (`m: true` = buyer is maker = taker
 *   sold), `tradeId` = `t` (aggregate id `a` for `aggTrade`), `timeMs` = `T`;
 * - `bookTicker` -> `[ticker]` with `updateId` = `u`;
 * - `{"result": null, "id": 1}` -> `[subscribed]` (Binance acks carry only the id); errors ->
 *   `[error]`; other `e` values -> `[unknown]`; anything malformed -> `[invalid]`.
 *
 * @example
 * ```ts
 * import { parseBinanceMessage } from "./parse.ts";
 * const [m] = parseBinanceMessage('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate",' +
 *   '"E":1,"s":"BTCUSDT","U":5,"u":7,"b":[["60000.00","0.5"]],"a":[]}}');
 * if (m.kind !== "book" || m.firstUpdateId !== 5 || m.bids[1] !== "0.5") throw new Error();
 * ```
 *
 * With `{ levelText: true }` (the collector's hot path), a `depthUpdate` in Binance's compact
 * form leaves its level arrays in the frame (`bidsText` / `asksText`; `bids` and `asks` empty):
 * the core stages them from the frame's bytes and makes the level checks then.
 *
 * @example
 * ```ts
 * import { parseBinanceMessage } from "./parse.ts";
 * const text = '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":7,"b":[["60000.00","0.5"]],"a":[]}';
 * const [m] = parseBinanceMessage(text, { levelText: true });
 * if (m.kind !== "book" || m.bids.length !== 0 || text[m.bidsText!.at] !== "[") throw new Error();
 * ```
 */
export function parseBinanceMessage(
  text: string,
  options: BinanceParseOptions = {},
): ParsedMessage[] {
  // The busiest message by far: JSON.parse plus the same validation measured faster than the
  // scanner on real-size depth updates (bench/ingest.ts). Anything unusual falls through to the
  // scanner, which also produces the precise `invalid` reasons.
  if (text.includes('"depthUpdate"')) {
    if (options.levelText) {
      const spans = depthUpdateCompact(text, true);
      if (spans !== undefined) return [spans];
    }
    const fast = depthUpdateFast(text);
    if (fast !== undefined) return [fast];
  }
  const f = scan(text);
  if (f instanceof BinanceFields) {
    if (f.e !== undefined) {
      switch (f.e) {
        case "depthUpdate":
          return [buildDepthUpdate(f)];
        case "trade":
        case "aggTrade":
          return [buildTrade(f, f.e)];
        default:
          return [f.e === "" ? invalid("e must not be empty") : unknown(f.e)];
      }
    }
    if (f.lastUpdateId !== undefined) {
      if (f.stream === undefined) {
        return [invalid("depth snapshot without a stream name has no symbol")];
      }
      const at = f.stream.indexOf("@");
      const symbol = (at < 0 ? f.stream : f.stream.slice(0, at)).toUpperCase();
      if (symbol === "") return [invalid("depth snapshot: stream name has no symbol")];
      return [buildSnapshot(f, symbol)];
    }
    if (f.u !== undefined && f.bStr !== undefined) return [buildBookTicker(f)];
    if (f.problem !== undefined) return [invalid(f.problem)];
    if (f.control && !f.wrapped) return parseBinanceControl(text);
    return [invalid("unrecognised Binance message shape")];
  }
  return [f];
}

/**
 * Parse the body of `GET /api/v3/depth` (`{"lastUpdateId", "bids", "asks"}`) into a snapshot
 * {@linkcode BookMessage} with `lastUpdateId`. The body has no symbol: pass the requested one.
 * Never throws.
 *
 * @example
 * ```ts
 * import { parseBinanceDepthSnapshot } from "./parse.ts";
 * const m = parseBinanceDepthSnapshot(
 *   '{"lastUpdateId":1027024,"bids":[["60000.00","0.40"]],"asks":[["60001.00","1.00"]]}',
 *   "BTCUSDT",
 * );
 * if (m.kind !== "book" || !m.snapshot || m.lastUpdateId !== 1027024) throw new Error();
 * ```
 */
export function parseBinanceDepthSnapshot(
  text: string,
  symbol = "",
): BookMessage | InvalidMessage {
  const f = scan(text);
  if (!(f instanceof BinanceFields)) return f;
  if (f.lastUpdateId === undefined) return invalid("depth snapshot without lastUpdateId");
  return buildSnapshot(f, symbol);
}

/** `{"lastUpdateId":N,"bids":[` at the very start of a REST depth snapshot body. */
const SNAPSHOT_HEAD = /^\{"lastUpdateId":(0|[1-9]\d{0,15}),"bids":\[/;
const ASKS_KEY = ',"asks":[';

/**
 * A REST depth snapshot body in Binance's own serialization,
 * `{"lastUpdateId":N,"bids":[…],"asks":[…]}` (nothing before, between or after), with its level
 * arrays left in the body (`bidsText` / `asksText`; `bids` / `asks` empty) for the core to read.
 * Only the envelope is checked here: the caller must confirm, with `Core.measureTextLevels`,
 * that the bid array ends right at `,"asks":` and the ask array right before the final `}`, and
 * otherwise use {@linkcode parseBinanceDepthSnapshot}, as for anything this returns undefined
 * for. When the arrays measure so, that parse would read the same id and levels.
 *
 * @example
 * ```ts
 * import { binanceDepthSnapshotText } from "./parse.ts";
 * const body = '{"lastUpdateId":42,"bids":[["1.5","2"]],"asks":[]}';
 * const m = binanceDepthSnapshotText(body, "BTCUSDT");
 * if (m?.lastUpdateId !== 42 || body.slice(m.asksText!.at) !== "[]}") throw new Error();
 * if (binanceDepthSnapshotText(" " + body) !== undefined) throw new Error();
 * ```
 */
export function binanceDepthSnapshotText(text: string, symbol = ""): BookMessage | undefined {
  const head = SNAPSHOT_HEAD.exec(text);
  if (head === null || !text.endsWith("]}")) return undefined;
  const last = Number(head[1]);
  if (!Number.isSafeInteger(last)) return undefined;
  const bidsAt = head[0].length - 1;
  const asksKey = text.indexOf(ASKS_KEY, bidsAt);
  if (asksKey < 0) return undefined;
  return {
    kind: "book",
    symbol,
    snapshot: true,
    bids: [],
    asks: [],
    bidsText: { text, at: bidsAt },
    asksText: { text, at: asksKey + ASKS_KEY.length - 1 },
    lastUpdateId: last,
  };
}

function buildSnapshot(f: BinanceFields, symbol: string): BookMessage | InvalidMessage {
  if (f.problem !== undefined) return invalid(`depth snapshot: ${f.problem}`);
  const last = toId(f.lastUpdateId);
  if (last < 0) return invalid("depth snapshot: lastUpdateId must be a non-negative integer");
  if (f.bids === undefined || f.asks === undefined) {
    return invalid("depth snapshot: bids and asks are required");
  }
  return {
    kind: "book",
    symbol,
    snapshot: true,
    bids: f.bids,
    asks: f.asks,
    lastUpdateId: last,
  };
}

/** Flattens `[[price, size, …], …]` into `out`; false when any level is malformed. */
function flattenLevels(levels: unknown, out: string[]): boolean {
  if (!Array.isArray(levels)) return false;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (!Array.isArray(l) || l.length < 2) return false;
    const p = l[0];
    const q = l[1];
    if (typeof p !== "string" || typeof q !== "string") return false;
    if (classifyDecimal(p) !== DECIMAL_POSITIVE || classifyDecimal(q) === DECIMAL_INVALID) {
      return false;
    }
    out.push(p, q);
  }
  return true;
}

const QUOTE = 34;
const COMMA = 44;
const LBRACKET = 91;
const RBRACKET = 93;

/**
 * Reads `[["p","q"],…]` starting at `at` (the outer `[`) into `out`; returns the index after the
 * outer `]`, or -1 for anything but that exact compact shape (the caller then parses generally).
 */
function levelsAt(text: string, at: number, out: string[]): number {
  if (text.charCodeAt(at) !== LBRACKET) return -1;
  let i = at + 1;
  if (text.charCodeAt(i) === RBRACKET) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== LBRACKET || text.charCodeAt(i + 1) !== QUOTE) return -1;
    const pEnd = text.indexOf('"', i + 2);
    if (pEnd < 0 || text.charCodeAt(pEnd + 1) !== COMMA || text.charCodeAt(pEnd + 2) !== QUOTE) {
      return -1;
    }
    const qEnd = text.indexOf('"', pEnd + 3);
    if (qEnd < 0 || text.charCodeAt(qEnd + 1) !== RBRACKET) return -1;
    const p = text.slice(i + 2, pEnd);
    const q = text.slice(pEnd + 3, qEnd);
    if (classifyDecimal(p) !== DECIMAL_POSITIVE || classifyDecimal(q) === DECIMAL_INVALID) {
      return -1;
    }
    out.push(p, q);
    i = qEnd + 2;
    const c = text.charCodeAt(i);
    if (c === RBRACKET) return i + 1;
    if (c !== COMMA) return -1;
    i++;
  }
}

/** An unsigned integer field `"k":123` (first occurrence after `from`), or -1. */
function intField(text: string, key: string, from: number): number {
  const at = text.indexOf(key, from);
  if (at < 0) return -1;
  let i = at + key.length;
  let v = 0;
  const start = i;
  for (;; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) break; // also ends at the end of the text (NaN)
    v = v * 10 + d;
  }
  return i === start || i - start > 15 ? -1 : v;
}

/**
 * `depthUpdate` in Binance's own compact serialization, read with `indexOf` and slices (the
 * busiest message; measured faster than both the general scanner and `JSON.parse`). Anything
 * else, or anything unexpected, returns undefined and takes the general path.
 */
function depthUpdateCompact(text: string, levelText = false): BookMessage | undefined {
  const d = text.indexOf('{"e":"depthUpdate",');
  if (d < 0) return undefined;
  const sAt = text.indexOf('"s":"', d);
  const sEnd = sAt < 0 ? -1 : text.indexOf('"', sAt + 5);
  const U = intField(text, '"U":', d);
  const u = intField(text, '"u":', d);
  const E = intField(text, '"E":', d);
  const bAt = text.indexOf('"b":[', d);
  const aAt = text.indexOf('"a":[', d);
  if (sEnd <= sAt + 5 || U < 0 || u < U || E < 0 || bAt < 0 || aAt < 0) return undefined;
  if (levelText) {
    return {
      kind: "book",
      symbol: text.slice(sAt + 5, sEnd),
      snapshot: false,
      bids: [],
      asks: [],
      bidsText: { text, at: bAt + 4 },
      asksText: { text, at: aAt + 4 },
      firstUpdateId: U,
      lastUpdateId: u,
      exchangeTimeMs: E,
    };
  }
  const bids: string[] = [];
  const asks: string[] = [];
  if (levelsAt(text, bAt + 4, bids) < 0 || levelsAt(text, aAt + 4, asks) < 0) return undefined;
  return {
    kind: "book",
    symbol: text.slice(sAt + 5, sEnd),
    snapshot: false,
    bids,
    asks,
    firstUpdateId: U,
    lastUpdateId: u,
    exchangeTimeMs: E,
  };
}

/** `depthUpdate` via JSON.parse, or undefined to let the scanner handle (and explain) it. */
function depthUpdateFast(text: string): BookMessage | undefined {
  const compact = depthUpdateCompact(text);
  if (compact !== undefined) return compact;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const d = (typeof o.data === "object" && o.data !== null ? o.data : o) as Record<string, unknown>;
  if (d.e !== "depthUpdate" || typeof d.s !== "string" || d.s === "") return undefined;
  const U = d.U;
  const u = d.u;
  const E = d.E;
  if (
    !Number.isSafeInteger(U) || !Number.isSafeInteger(u) || (U as number) < 0 ||
    (U as number) > (u as number)
  ) {
    return undefined;
  }
  if (E !== undefined && (!Number.isSafeInteger(E) || (E as number) < 0)) return undefined;
  const bids: string[] = [];
  const asks: string[] = [];
  if (!flattenLevels(d.b, bids) || !flattenLevels(d.a, asks)) return undefined;
  const m: BookMessage = {
    kind: "book",
    symbol: d.s,
    snapshot: false,
    bids,
    asks,
    firstUpdateId: U as number,
    lastUpdateId: u as number,
  };
  if (E !== undefined) m.exchangeTimeMs = E as number;
  return m;
}

function buildDepthUpdate(f: BinanceFields): BookMessage | InvalidMessage {
  if (f.problem !== undefined) return invalid(`depthUpdate: ${f.problem}`);
  if (f.s === undefined || f.s === "") return invalid("depthUpdate: s missing or empty");
  const first = toId(f.U);
  const last = toId(f.u);
  if (first < 0 || last < 0) {
    return invalid("depthUpdate: U and u must be non-negative integers");
  }
  if (first > last) return invalid(`depthUpdate: U ${first} > u ${last}`);
  if (f.bids === undefined || f.asks === undefined) {
    return invalid("depthUpdate: b and a must be level arrays");
  }
  const m: BookMessage = {
    kind: "book",
    symbol: f.s,
    snapshot: false,
    bids: f.bids,
    asks: f.asks,
    firstUpdateId: first,
    lastUpdateId: last,
  };
  if (f.E !== undefined) {
    const time = toId(f.E);
    if (time < 0) return invalid("depthUpdate: E must be a non-negative integer");
    m.exchangeTimeMs = time;
  }
  return m;
}

function buildTrade(f: BinanceFields, e: "trade" | "aggTrade"): ParsedMessage {
  if (f.problem !== undefined) return invalid(`${e}: ${f.problem}`);
  if (f.s === undefined || f.s === "") return invalid(`${e}: s missing or empty`);
  if (f.p === undefined || f.q === undefined) return invalid(`${e}: p and q are required`);
  const bad = priceProblem(f.p) ?? sizeProblem(f.q);
  if (bad !== undefined) return invalid(`${e}: ${bad}`);
  const idText = e === "trade" ? f.t : f.aNum;
  if (toId(idText) < 0) {
    return invalid(`${e}: ${e === "trade" ? "t" : "a"} must be a non-negative integer`);
  }
  const timeMs = toId(f.T);
  if (timeMs < 0) return invalid(`${e}: T must be a non-negative integer`);
  if (f.m === undefined) return invalid(`${e}: m (buyer is maker) is required`);
  return {
    kind: "trade",
    symbol: f.s,
    price: f.p,
    size: f.q,
    side: f.m ? "sell" : "buy",
    timeMs,
    tradeId: idText as string,
  };
}

function buildBookTicker(f: BinanceFields): ParsedMessage {
  if (f.problem !== undefined) return invalid(`bookTicker: ${f.problem}`);
  if (f.s === undefined || f.s === "") return invalid("bookTicker: s missing or empty");
  const updateId = toId(f.u);
  if (updateId < 0) return invalid("bookTicker: u must be a non-negative integer");
  if (f.aStr === undefined || f.B === undefined || f.A === undefined) {
    return invalid("bookTicker: b, B, a and A are required");
  }
  const bad = priceProblem(f.bStr as string) ?? priceProblem(f.aStr) ?? sizeProblem(f.B) ??
    sizeProblem(f.A);
  if (bad !== undefined) return invalid(`bookTicker: ${bad}`);
  return {
    kind: "ticker",
    symbol: f.s,
    bidPrice: f.bStr as string,
    bidSize: f.B,
    askPrice: f.aStr,
    askSize: f.A,
    updateId,
  };
}
