/**
 * Pure parsers for OKX v5 public market data: WebSocket pushes (`books`, `trades`), events (via
 * `control.ts`), the text keep-alive, and the REST `GET /api/v5/market/books` body.
 *
 * Hot path (`books`, `trades`): one pass of {@linkcode JsonScanner} with decimal validation fused
 * into the string scan, typed against `wire.ts`. Keys may come in any order (`arg` before or after
 * `data`). Prices and sizes keep OKX's exact text.
 *
 * @module
 */
import { JsonScanner } from "../json_scanner.ts";
import { priceProblem, sizeProblem } from "../decimal_text.ts";
import { levelTextToStrings, scanStringLevels, skipLevelText } from "../string_levels.ts";
import type { BookMessage, InvalidMessage, LevelText, ParsedMessage } from "../types.ts";
import { invalid, unknown } from "../types.ts";
import type { WireKey } from "../wire_types.ts";
import { parseOkxEvent } from "./control.ts";
import {
  OKX_PING,
  OKX_PONG,
  type OkxAck,
  type OkxArg,
  type OkxBookData,
  type OkxBookPush,
  type OkxErrorEvent,
  type OkxNoticeEvent,
  type OkxRestBooks,
  type OkxTradeData,
  type OkxTradePush,
} from "./wire.ts";

/** Field names of a push, event or REST body: the top-level `switch` labels must be among them. */
type OkxTopKey = WireKey<
  OkxBookPush | OkxTradePush | OkxAck | OkxErrorEvent | OkxNoticeEvent | OkxRestBooks
>;
/** Field names of one `data` element (books, trades, REST books). */
type OkxItemKey = WireKey<OkxBookData | OkxTradeData | OkxRestBooks["data"][number]>;

/** Book channels with the `books` wire shape (only `books` is public and used). */
const BOOK_CHANNELS = new Set(["books", "books-elp", "books-l2-tbt", "books50-l2-tbt"]);

/** One element of `data`, whatever the channel (fields collected in one pass). */
class OkxItem {
  bids: string[] | undefined = undefined;
  asks: string[] | undefined = undefined;
  bidsText: LevelText | undefined = undefined;
  asksText: LevelText | undefined = undefined;
  ts: string | undefined = undefined;
  checksum: string | undefined = undefined;
  prevSeqId: string | undefined = undefined;
  seqId: string | undefined = undefined;
  instId: string | undefined = undefined;
  tradeId: string | undefined = undefined;
  px: string | undefined = undefined;
  sz: string | undefined = undefined;
  side: string | undefined = undefined;
  problem: string | undefined = undefined;
}

class OkxFields {
  channel: string | undefined = undefined;
  instId: string | undefined = undefined;
  action: string | undefined = undefined;
  event = false;
  code = false;
  items: OkxItem[] | undefined = undefined;
  problem: string | undefined = undefined;
}

function str(s: JsonScanner, key: string, onProblem: (p: string) => void): string | undefined {
  if (s.kind() === "string") return s.readString();
  s.skipValue();
  onProblem(`${key} must be a string`);
  return undefined;
}

/** A JSON number, or a string holding one (REST `seqId`'s type is not documented). */
function num(s: JsonScanner, key: string, item: OkxItem, allowString = false): string | undefined {
  const k = s.kind();
  if (k === "number") return s.readNumberText();
  if (allowString && k === "string") return s.readString();
  s.skipValue();
  item.problem ??= `${key} must be a number`;
  return undefined;
}

function scanItem(s: JsonScanner, restBody: boolean, levelText: boolean): OkxItem {
  const item = new OkxItem();
  const problem = (p: string) => item.problem ??= p;
  s.beginObject();
  for (let key = s.nextKey(); key !== undefined; key = s.nextKey()) {
    switch (key as OkxItemKey) {
      case "bids":
      case "asks": {
        // A repeated key is refused on both paths: the frame path would skip the first value
        // unchecked where the string path reads it.
        if (item[key as "bids" | "asks"] !== undefined) problem(`${key} repeated`);
        if (levelText) {
          // Left in the frame for the core; an empty array stands for "present".
          item[key === "bids" ? "bidsText" : "asksText"] = skipLevelText(s);
          item[key as "bids" | "asks"] = [];
          break;
        }
        const out: string[] = [];
        const p = scanStringLevels(s, out, key);
        if (p !== undefined) problem(p);
        item[key as "bids" | "asks"] = out;
        break;
      }
      case "ts":
        item.ts = str(s, key, problem);
        break;
      case "checksum":
        item.checksum = num(s, key, item);
        break;
      case "prevSeqId":
        item.prevSeqId = num(s, key, item, restBody);
        break;
      case "seqId":
        item.seqId = num(s, key, item, restBody);
        break;
      case "instId":
        item.instId = str(s, key, problem);
        break;
      case "tradeId":
        item.tradeId = str(s, key, problem);
        break;
      case "px":
        item.px = str(s, key, problem);
        break;
      case "sz":
        item.sz = str(s, key, problem);
        break;
      case "side":
        item.side = str(s, key, problem);
        break;
      default:
        s.skipValue();
    }
  }
  return item;
}

function scanData(s: JsonScanner, f: OkxFields, restBody: boolean, levelText: boolean): void {
  if (s.kind() !== "array") {
    s.skipValue();
    f.problem ??= "data must be an array";
    return;
  }
  const items: OkxItem[] = [];
  s.beginArray();
  while (s.nextItem()) {
    if (s.kind() !== "object") {
      s.skipValue();
      f.problem ??= "data items must be objects";
      continue;
    }
    items.push(scanItem(s, restBody, levelText));
  }
  f.items = items;
}

function scan(text: string, restBody: boolean, levelText = false): OkxFields | InvalidMessage {
  try {
    const s = new JsonScanner(text);
    if (s.kind() !== "object") return invalid("OKX message must be a JSON object");
    const f = new OkxFields();
    const problem = (p: string) => f.problem ??= p;
    s.beginObject();
    for (let key = s.nextKey(); key !== undefined; key = s.nextKey()) {
      switch (key as OkxTopKey) {
        case "arg":
          if (s.kind() !== "object") {
            s.skipValue();
            problem("arg must be an object");
            break;
          }
          s.beginObject();
          for (let k = s.nextKey(); k !== undefined; k = s.nextKey()) {
            if ((k as keyof OkxArg) === "channel") f.channel = str(s, "arg.channel", problem);
            else if ((k as keyof OkxArg) === "instId") f.instId = str(s, "arg.instId", problem);
            else s.skipValue();
          }
          break;
        case "action":
          f.action = str(s, key, problem);
          break;
        case "data":
          scanData(s, f, restBody, levelText);
          break;
        case "event":
          f.event = true;
          s.skipValue();
          break;
        case "code":
          f.code = true;
          s.skipValue();
          break;
        default:
          s.skipValue();
      }
    }
    s.end();
    return f;
  } catch (e) {
    return invalid(e instanceof SyntaxError ? e.message : `parser failure: ${e}`);
  }
}

/** A safe integer from number text (optionally negative), or undefined. */
function toInt(text: string | undefined, allowNegative: boolean): number | undefined {
  if (text === undefined || !(allowNegative ? /^-?[0-9]{1,16}$/ : /^[0-9]{1,16}$/).test(text)) {
    return undefined;
  }
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Epoch ms from OKX's `ts` string. */
function toMs(text: string | undefined): number | undefined {
  return text !== undefined && /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined;
}

function buildBook(
  f: OkxFields,
  item: OkxItem,
  instId: string,
  what: string,
  keepSnapshotText = false,
): BookMessage | InvalidMessage {
  if (item.problem !== undefined) return invalid(`${what}: ${item.problem}`);
  if (item.bids === undefined || item.asks === undefined) {
    return invalid(`${what}: bids and asks are required`);
  }
  const m: BookMessage = {
    kind: "book",
    symbol: instId,
    snapshot: f.action === "snapshot",
    bids: item.bids,
    asks: item.asks,
  };
  if (item.bidsText !== undefined) m.bidsText = item.bidsText;
  if (item.asksText !== undefined) m.asksText = item.asksText;
  if (m.snapshot && !keepSnapshotText) {
    const problem = levelTextToStrings(m);
    if (problem !== undefined) return invalid(`${what}: ${problem}`);
  }
  if (item.ts !== undefined) {
    const ts = toMs(item.ts);
    if (ts === undefined) return invalid(`${what}: ts must be epoch milliseconds`);
    m.exchangeTimeMs = ts;
  }
  if (item.checksum !== undefined) {
    const c = toInt(item.checksum, true);
    if (c === undefined || c < -0x80000000 || c > 0x7fffffff) {
      return invalid(`${what}: checksum must be a signed 32-bit integer`);
    }
    m.checksum = c;
  }
  if (item.seqId !== undefined) {
    const seq = toInt(item.seqId, false);
    if (seq === undefined) return invalid(`${what}: seqId must be a non-negative integer`);
    m.seqId = seq;
  }
  if (item.prevSeqId !== undefined) {
    const prev = toInt(item.prevSeqId, true);
    if (prev === undefined || prev < -1) return invalid(`${what}: prevSeqId must be >= -1`);
    m.prevSeqId = prev;
  }
  if ((m.seqId === undefined) !== (m.prevSeqId === undefined) && !m.snapshot) {
    return invalid(`${what}: seqId and prevSeqId come together`);
  }
  return m;
}

function buildTrade(item: OkxItem, instId: string): ParsedMessage {
  if (item.problem !== undefined) return invalid(`trades: ${item.problem}`);
  const symbol = item.instId ?? instId;
  if (symbol === "") return invalid("trades: instId missing");
  if (item.px === undefined || item.sz === undefined) return invalid("trades: px and sz required");
  const bad = priceProblem(item.px) ?? sizeProblem(item.sz);
  if (bad !== undefined) return invalid(`trades: ${bad}`);
  if (item.side !== "buy" && item.side !== "sell") return invalid("trades: side must be buy/sell");
  const timeMs = toMs(item.ts);
  if (timeMs === undefined) return invalid("trades: ts must be epoch milliseconds");
  if (item.tradeId === undefined || item.tradeId === "") return invalid("trades: tradeId missing");
  return {
    kind: "trade",
    symbol,
    price: item.px,
    size: item.sz,
    side: item.side,
    timeMs,
    tradeId: item.tradeId,
  };
}

/**
 * Parse one OKX WebSocket text frame. Never throws.
 *
 * - `books` push → one `[book]` per `data` element: `snapshot` when `action` is `"snapshot"`,
 *   `seqId` / `prevSeqId` when sent, `checksum` (signed) when sent, `exchangeTimeMs` = `ts`;
 * - `trades` push → one `[trade]` per element (`side` is the taker side);
 * - text `pong` → `[pong]`, text `ping` → `[ping]` (for the mock);
 * - events → see {@linkcode parseOkxEvent}; other channels → `[unknown]`; bad input → `[invalid]`.
 *
 * @example
 * ```ts
 * import { parseOkxMessage } from "./parse.ts";
 * const [m] = parseOkxMessage('{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update",' +
 *   '"data":[{"asks":[["60001.1","0","0","0"]],"bids":[["60000.5","1.2","0","3"]],' +
 *   '"ts":"1786310819000","prevSeqId":123456780,"seqId":123456795}]}');
 * if (m.kind !== "book" || m.seqId !== 123456795 || m.bids[1] !== "1.2") throw new Error();
 * ```
 */
export function parseOkxMessage(text: string, options: OkxParseOptions = {}): ParsedMessage[] {
  if (text.length <= 4) {
    if (text === OKX_PONG) return [{ kind: "pong" }];
    if (text === OKX_PING) return [{ kind: "ping" }];
  }
  const f = scan(text, false, options.levelText === true);
  if (!(f instanceof OkxFields)) return [f];
  if (f.event) return parseOkxEvent(text);
  if (f.problem !== undefined) return [invalid(f.problem)];
  if (f.channel === undefined) return [invalid("OKX push without arg.channel")];
  if (f.items === undefined) return [invalid(`${f.channel}: data missing`)];
  const instId = f.instId ?? "";
  if (BOOK_CHANNELS.has(f.channel)) {
    if (instId === "") return [invalid(`${f.channel}: arg.instId missing`)];
    if (f.action !== undefined && f.action !== "snapshot" && f.action !== "update") {
      return [invalid(`${f.channel}: unknown action ${JSON.stringify(f.action)}`)];
    }
    if (f.items.length === 0) return [invalid(`${f.channel}: empty data`)];
    const keep = options.snapshotText === true;
    return f.items.map((item) => buildBook(f, item, instId, f.channel!, keep));
  }
  if (f.channel === "trades") return f.items.map((item) => buildTrade(item, instId));
  return [unknown(f.channel)];
}

/** Options of {@linkcode parseOkxMessage}. */
export interface OkxParseOptions {
  /**
   * Leave an update's level arrays in the frame (`bidsText` / `asksText`, `bids` / `asks`
   * empty): the core stages them from the frame's bytes and makes the level checks then. A
   * snapshot's levels are still returned as strings (its scales are inferred from them).
   */
  levelText?: boolean;
  /**
   * With `levelText` (or for {@linkcode parseOkxRestBooks}), leave a snapshot's level arrays in
   * the frame too, unchecked, for `BookStore.snapshotText`. Its levels may then be invalid: use
   * such a result only when the core takes its arrays (`BookStore.takesSnapshotText`), and parse
   * the frame again without this option otherwise (and whenever any result is invalid), which
   * gives the string parse's result and reason.
   */
  snapshotText?: boolean;
}

/**
 * Parse the body of REST `GET /api/v5/market/books` into a snapshot {@linkcode BookMessage} with
 * `seqId`. A non-zero `code` is an error. Never throws.
 *
 * @example
 * ```ts
 * import { parseOkxRestBooks } from "./parse.ts";
 * const m = parseOkxRestBooks('{"code":"0","msg":"","data":[{"asks":[["60001.1","2","0","1"]],' +
 *   '"bids":[["60000.5","1","0","1"]],"ts":"1786310819000","seqId":1009}]}', "BTC-USDT");
 * if (m.kind !== "book" || !m.snapshot || m.seqId !== 1009) throw new Error();
 * ```
 */
export function parseOkxRestBooks(
  text: string,
  instId: string,
  options: OkxParseOptions = {},
): BookMessage | InvalidMessage | { kind: "error"; message: string } {
  const keep = options.snapshotText === true;
  const f = scan(text, true, keep);
  if (!(f instanceof OkxFields)) return f;
  const codeMatch = /"code"\s*:\s*"([^"]*)"/.exec(text);
  if (f.code && codeMatch !== null && codeMatch[1] !== "0") {
    const msg = /"msg"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? "";
    return { kind: "error", message: `${codeMatch[1]} ${msg}`.trim() };
  }
  if (f.problem !== undefined) return invalid(`REST books: ${f.problem}`);
  if (f.items === undefined || f.items.length !== 1) {
    return invalid("REST books: data must hold one book");
  }
  f.action = "snapshot";
  const m = buildBook(f, f.items[0], instId, "REST books", keep);
  if (m.kind === "invalid") return m;
  if (m.seqId === undefined) return invalid("REST books: seqId missing");
  return m;
}
