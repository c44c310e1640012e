/**
 * Pure parsers for Bitfinex WebSocket v2 frames, typed against `wire.ts`.
 *
 * {@linkcode parseBitfinexFrame} reads one text frame. Channel arrays (the hot path) go through one
 * pass of the {@linkcode JsonScanner}, keeping every number as its exact token text; events go to
 * the zod-validated `control.ts`. What a channel's payload means depends on the channel its
 * `chanId` was subscribed to, so the frame keeps raw rows and the typed helpers
 * {@linkcode bookChanges} and {@linkcode tradeFromRow} interpret them once the collector knows.
 * With the `levelText` option a single row written plainly is left in the frame (body `rowText`)
 * for the core to stage from the bytes (`docs/parsing.md`). Nothing here throws on bad input.
 *
 * @module
 */
import { JsonScanner } from "../json_scanner.ts";
import { classifyDecimal, DECIMAL_POSITIVE } from "../decimal_text.ts";
import type { LevelText, TradeMessage } from "../types.ts";
import { parseBitfinexEvent, type ParsedBitfinexEvent } from "./control.ts";
import { decimalFromJsonNumber } from "./numbers.ts";

/** The payload of a channel message. */
export type ChannelBody =
  | { type: "hb" }
  | { type: "cs"; checksum: number }
  | { type: "te" | "tu"; row: string[] }
  | { type: "rows"; rows: string[][] }
  | { type: "row"; row: string[] }
  /** A `row` left in the frame (option `levelText`): `[PRICE,COUNT,AMOUNT]` at `levels.at`. */
  | { type: "rowText"; levels: LevelText }
  /**
   * A snapshot `[[PRICE,COUNT,AMOUNT],…]` left in the frame, unchecked (option `snapshotText`):
   * the whole array at `levels.at`.
   */
  | { type: "rowsText"; levels: LevelText };

/** One channel message: `chanId`, its payload and (with `SEQ_ALL`) the sequence number. */
export interface ChannelFrame {
  kind: "channel";
  chanId: number;
  body: ChannelBody;
  /** The connection's sequence number (the last array element), when present. */
  seq: number | undefined;
}

/** A frame that cannot be trusted; `chanId` when it could still be read. */
export interface InvalidFrame {
  kind: "invalid";
  reason: string;
  chanId?: number;
  /** The sequence number, when it could still be read (the frame still counts in the sequence). */
  seq?: number;
}

/** Any parsed frame. */
export type BitfinexFrame = ChannelFrame | ParsedBitfinexEvent | InvalidFrame;

/**
 * Parse one Bitfinex v2 text frame. Row elements are kept as token text: numbers exactly as
 * written (`2e-8` stays `2e-8`), `null` as `null`, strings JSON-quoted.
 *
 * @example
 * ```ts
 * import { parseBitfinexFrame } from "./parse.ts";
 * const f = parseBitfinexFrame("[232957,[60417,2,-1.1e-7],31]");
 * if (f.kind !== "channel" || f.body.type !== "row" || f.body.row[2] !== "-1.1e-7" || f.seq !== 31) {
 *   throw new Error();
 * }
 * const hb = parseBitfinexFrame('[232954,"hb",139]');
 * if (hb.kind !== "channel" || hb.body.type !== "hb" || hb.seq !== 139) throw new Error();
 * ```
 */
export function parseBitfinexFrame(
  text: string,
  options: BitfinexParseOptions = {},
): BitfinexFrame {
  const levelText = options.levelText === true;
  const rowsText = options.snapshotText === true;
  let chanId: number | undefined;
  let seq: number | undefined;
  try {
    const s = new JsonScanner(text);
    const kind = s.kind();
    if (kind === "object") return parseBitfinexEvent(text);
    if (kind !== "array") {
      return { kind: "invalid", reason: "frame must be a JSON array or object" };
    }
    s.beginArray();
    if (!s.nextItem() || s.kind() !== "number") {
      return { kind: "invalid", reason: "channel message must start with a numeric chanId" };
    }
    chanId = integer(s.readNumberText());
    if (chanId === undefined) return { kind: "invalid", reason: "chanId must be an integer" };
    if (!s.nextItem()) {
      return { kind: "invalid", reason: "channel message without payload", chanId };
    }
    let body: ChannelBody | undefined;
    let problem: string | undefined;
    const k = s.kind();
    if (k === "string") {
      const tag = s.readString();
      if (tag === "hb") body = { type: "hb" };
      else if (tag === "cs") {
        if (s.nextItem() && s.kind() === "number") {
          const checksum = integer(s.readNumberText());
          if (checksum === undefined || checksum < -2147483648 || checksum > 2147483647) {
            problem = "checksum must be a signed 32-bit integer";
          } else body = { type: "cs", checksum };
        } else problem = "cs without a numeric checksum";
      } else if (tag === "te" || tag === "tu") {
        if (s.nextItem() && s.kind() === "array") body = { type: tag, row: readRow(s) };
        else problem = `${tag} without a trade array`;
      } else problem = `unknown channel message type ${JSON.stringify(tag.slice(0, 20))}`;
    } else if (k === "array" && rowsText && snapshotAt(text, s.pos)) {
      // A snapshot: the array left in the frame (skipped as JSON, its rows unchecked).
      body = { type: "rowsText", levels: { text, at: s.pos, format: "rows" } };
      s.skipValue();
    } else if (k === "array" && levelText && plainRow(text, s.pos)) {
      // A plain row: the same frame as a `row`, its numbers left in the text.
      body = { type: "rowText", levels: { text, at: s.pos, format: "rows" } };
      s.pos = PLAIN_ROW.lastIndex;
    } else if (k === "array") {
      s.beginArray();
      if (!s.nextItem()) body = { type: "rows", rows: [] };
      else if (s.kind() === "array") {
        const rows: string[][] = [readRow(s)];
        while (s.nextItem()) {
          if (s.kind() !== "array") {
            s.skipValue();
            problem ??= `snapshot element ${rows.length} must be an array`;
            rows.push([]);
          } else rows.push(readRow(s));
        }
        body = { type: "rows", rows };
      } else {
        const row: string[] = [rowItem(s)];
        while (s.nextItem()) row.push(rowItem(s));
        body = { type: "row", row };
      }
    } else {
      s.skipValue();
      problem = "payload must be an array or a message type";
    }
    // Trailing elements: the last number is the sequence number (fields may be appended).
    while (s.nextItem()) {
      if (s.kind() === "number") seq = integer(s.readNumberText());
      else s.skipValue();
    }
    s.end();
    if (problem !== undefined) return { kind: "invalid", reason: problem, chanId, seq };
    return { kind: "channel", chanId, body: body!, seq };
  } catch (e) {
    const reason = e instanceof SyntaxError ? e.message : `parser failure: ${e}`;
    return chanId === undefined ? { kind: "invalid", reason } : { kind: "invalid", reason, chanId };
  }
}

/** Options of {@linkcode parseBitfinexFrame}. */
export interface BitfinexParseOptions {
  /**
   * Leave a single book row written plainly, `[PRICE,COUNT,AMOUNT]` (JSON numbers without
   * exponent or whitespace, PRICE unsigned, COUNT an integer of at most 12 digits), in the frame:
   * body `rowText` instead of `row`, for the core to stage from the frame's bytes (format `rows`).
   * Such a row is exactly what the `row` body would hold (see {@linkcode rowFromText}); any
   * other frame parses as without the option.
   */
  levelText?: boolean;
  /**
   * Leave a book snapshot (an array whose first element is an array) in the
   * frame, unchecked: body `rowsText`, for `BookStore.snapshotText`. Use such a frame only when
   * the core takes the array (`BookStore.takesSnapshotText`; it reads only plain rows); otherwise
   * parse it again without this option, which gives the string parse's result and reason.
   */
  snapshotText?: boolean;
}

/** Whether the array at `at` (its `[`) starts with an array: a snapshot's rows. */
function snapshotAt(text: string, at: number): boolean {
  const s = new JsonScanner(text, at + 1);
  return s.peek() === 91;
}

/**
 * A plain row, as the `levelText` option takes it: valid JSON whose numbers `rowItem` reads back
 * as they are. Sticky: `lastIndex` ends up after the row.
 */
const PLAIN_ROW = /\[(?:0|[1-9]\d*)(?:\.\d+)?,(?:0|[1-9]\d{0,11}),-?(?:0|[1-9]\d*)(?:\.\d+)?\]/y;

function plainRow(text: string, at: number): boolean {
  PLAIN_ROW.lastIndex = at;
  return PLAIN_ROW.test(text);
}

/**
 * The row of a `rowText` body as the `row` body holds it (its three number texts), for the paths
 * that need strings.
 *
 * @example
 * ```ts
 * import { parseBitfinexFrame, rowFromText } from "./parse.ts";
 * const f = parseBitfinexFrame("[232957,[60417,2,-1.5],31]", { levelText: true });
 * if (f.kind !== "channel" || f.body.type !== "rowText" || f.seq !== 31) throw new Error();
 * if (rowFromText(f.body.levels).join() !== "60417,2,-1.5") throw new Error();
 * ```
 */
export function rowFromText(levels: LevelText): string[] {
  return readRow(new JsonScanner(levels.text, levels.at));
}

function readRow(s: JsonScanner): string[] {
  const row: string[] = [];
  s.beginArray();
  while (s.nextItem()) row.push(rowItem(s));
  return row;
}

function rowItem(s: JsonScanner): string {
  switch (s.kind()) {
    case "number":
      return s.readNumberText();
    case "string":
      return JSON.stringify(s.readString());
    case "null":
      s.readNull();
      return "null";
    default: {
      const start = s.pos;
      s.skipValue();
      return s.text.slice(start, s.pos).trim();
    }
  }
}

/** A safe integer from number text, or undefined. */
function integer(text: string): number | undefined {
  if (!/^-?\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Book changes as flat `[price, size, …]` decimal texts per side (size `"0"` deletes). */
export interface BookChanges {
  bids: string[];
  asks: string[];
}

/**
 * Interprets P0 book rows `[price, count, amount]`: `count > 0` sets the level on the side the
 * sign of `amount` gives (size `|amount|`), `count = 0` deletes it (from the bids when
 * `amount > 0`, the asks when `amount < 0`). Numbers are converted exactly from their token text
 * (exponent forms included). Returns the reason of the first bad row instead; one bad row rejects
 * the whole message.
 *
 * @example
 * ```ts
 * import { bookChanges } from "./parse.ts";
 * const c = bookChanges([["0.0000248", "3", "2e-8"], ["0.0000253", "0", "-1"]]);
 * if (typeof c === "string") throw new Error(c);
 * if (c.bids.join() !== "0.0000248,0.00000002" || c.asks.join() !== "0.0000253,0") throw new Error();
 * ```
 */
export function bookChanges(rows: readonly (readonly string[])[]): BookChanges | string {
  const bids: string[] = [];
  const asks: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.length < 3) return `level ${i} must be [price, count, amount]`;
    const price = decimalFromJsonNumber(row[0]);
    if (price === undefined || price.negative || classifyDecimal(price.text) !== DECIMAL_POSITIVE) {
      return `level ${i} price must be a number > 0, got ${clip(row[0])}`;
    }
    const count = row[1];
    if (!/^\d{1,12}$/.test(count)) {
      return `level ${i} count must be an integer >= 0, got ${clip(count)}`;
    }
    const amount = decimalFromJsonNumber(row[2]);
    if (amount === undefined || classifyDecimal(amount.text) !== DECIMAL_POSITIVE) {
      return `level ${i} amount must be a non-zero number, got ${clip(row[2])}`;
    }
    const side = amount.negative ? asks : bids;
    side.push(price.text, count === "0" ? "0" : amount.text);
  }
  return { bids, asks };
}

/**
 * A trade row `[id, mts, amount, price]` as a normalised trade (`symbol` left empty for the
 * caller); the sign of `amount` is the taker side. Returns the reason when the row is bad.
 *
 * @example
 * ```ts
 * import { tradeFromRow } from "./parse.ts";
 * const t = tradeFromRow(["401597395", "1574694478808", "-0.005", "7245.3"]);
 * if (typeof t === "string" || t.side !== "sell" || t.size !== "0.005" || t.price !== "7245.3") {
 *   throw new Error();
 * }
 * ```
 */
export function tradeFromRow(row: readonly string[]): TradeMessage | string {
  if (row.length < 4) return "trade must be [id, mts, amount, price]";
  if (!/^\d{1,20}$/.test(row[0])) return `trade id must be an integer, got ${clip(row[0])}`;
  const mts = Number(row[1]);
  if (!/^\d{1,16}$/.test(row[1]) || !Number.isSafeInteger(mts)) {
    return `trade mts must be an integer, got ${clip(row[1])}`;
  }
  const amount = decimalFromJsonNumber(row[2]);
  if (amount === undefined || classifyDecimal(amount.text) !== DECIMAL_POSITIVE) {
    return `trade amount must be a non-zero number, got ${clip(row[2])}`;
  }
  const price = decimalFromJsonNumber(row[3]);
  if (price === undefined || price.negative || classifyDecimal(price.text) !== DECIMAL_POSITIVE) {
    return `trade price must be a number > 0, got ${clip(row[3])}`;
  }
  return {
    kind: "trade",
    symbol: "",
    price: price.text,
    size: amount.text,
    side: amount.negative ? "sell" : "buy",
    timeMs: mts,
    tradeId: row[0],
  };
}

function clip(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}
