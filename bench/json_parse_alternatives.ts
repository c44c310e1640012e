/**
 * `JSON.parse`-based alternatives to the Binance and Kraken scanner parsers, for `parse_bench.ts`
 * only. Each one does the same work as the production parser for its message (same validation,
 * same output), so the benchmark compares like with like. They are not used by the service: the
 * measurements in `docs/parsing.md` chose the scanner for these two exchanges.
 *
 * @module
 */
import {
  classifyDecimal,
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
} from "../src/exchanges/decimal_text.ts";
import { parseRfc3339Ms } from "../src/exchanges/timestamps.ts";
import type { BookMessage, ParsedMessage } from "../src/exchanges/types.ts";
import { invalid } from "../src/exchanges/types.ts";

function pairsFromArrays(levels: unknown, out: string[]): boolean {
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

function uint(v: unknown): number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : -1;
}

/**
 * Binance `depthUpdate` (raw or combined) via `JSON.parse` + validation.
 *
 * @example
 * ```ts
 * import { binanceDepthViaJsonParse } from "./json_parse_alternatives.ts";
 * const [m] = binanceDepthViaJsonParse('{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[],"a":[]}');
 * if (m.kind !== "book") throw new Error();
 * ```
 */
export function binanceDepthViaJsonParse(text: string): ParsedMessage[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return [invalid(`Malformed JSON: ${(e as Error).message}`)];
  }
  if (typeof v !== "object" || v === null) return [invalid("not an object")];
  let o = v as Record<string, unknown>;
  if (typeof o.stream === "string" && typeof o.data === "object" && o.data !== null) {
    o = o.data as Record<string, unknown>;
  }
  if (o.e !== "depthUpdate") return [invalid("not a depthUpdate")];
  if (typeof o.s !== "string" || o.s === "") return [invalid("s")];
  const first = uint(o.U);
  const last = uint(o.u);
  const time = uint(o.E);
  if (first < 0 || last < 0 || first > last || time < 0) return [invalid("ids")];
  const bids: string[] = [];
  const asks: string[] = [];
  if (!pairsFromArrays(o.b, bids) || !pairsFromArrays(o.a, asks)) return [invalid("levels")];
  return [{
    kind: "book",
    symbol: o.s,
    snapshot: false,
    bids,
    asks,
    firstUpdateId: first,
    lastUpdateId: last,
    exchangeTimeMs: time,
  }];
}

function krakenBookFrom(o: Record<string, unknown>): ParsedMessage[] {
  if (o.channel !== "book" || (o.type !== "snapshot" && o.type !== "update")) {
    return [invalid("not a book message")];
  }
  if (!Array.isArray(o.data)) return [invalid("data")];
  const out: ParsedMessage[] = [];
  for (const d of o.data as Record<string, unknown>[]) {
    if (typeof d.symbol !== "string" || d.symbol === "") return [invalid("symbol")];
    const sides: string[][] = [[], []];
    for (const [k, key] of [[0, "bids"], [1, "asks"]] as const) {
      const levels = d[key] ?? [];
      if (!Array.isArray(levels)) return [invalid(key)];
      for (const l of levels as Record<string, unknown>[]) {
        const p = l.price;
        const q = l.qty;
        if (typeof p !== "string" || typeof q !== "string") return [invalid("level types")];
        if (classifyDecimal(p) !== DECIMAL_POSITIVE || classifyDecimal(q) === DECIMAL_INVALID) {
          return [invalid("level values")];
        }
        sides[k].push(p, q);
      }
    }
    const m: BookMessage = {
      kind: "book",
      symbol: d.symbol,
      snapshot: o.type === "snapshot",
      bids: sides[0],
      asks: sides[1],
    };
    if (d.checksum !== undefined) m.checksum = Number(d.checksum);
    if (typeof d.timestamp === "string") m.exchangeTimeMs = parseRfc3339Ms(d.timestamp);
    out.push(m);
  }
  return out;
}

/** Reviver context of the JSON.parse source text access proposal (V8 >= 11.4). */
interface ReviverContext {
  source?: string;
}

/**
 * Kraken v2 book via `JSON.parse` with a reviver that returns every number's **source text**
 * (`context.source`), so number spellings survive.
 *
 * @example
 * ```ts
 * import { krakenBookViaReviver } from "./json_parse_alternatives.ts";
 * const [m] = krakenBookViaReviver('{"channel":"book","type":"update","data":[{"symbol":"B/U",' +
 *   '"bids":[{"price":1.0,"qty":0.10}],"asks":[],"checksum":1}]}');
 * if (m.kind !== "book" || m.bids[1] !== "0.10") throw new Error();
 * ```
 */
export function krakenBookViaReviver(text: string): ParsedMessage[] {
  let v: unknown;
  try {
    v = JSON.parse(
      text,
      // @ts-ignore: the third reviver argument is newer than the TypeScript lib types.
      (_key: string, value: unknown, context?: ReviverContext) =>
        typeof value === "number" ? context?.source ?? value : value,
    );
  } catch (e) {
    return [invalid(`Malformed JSON: ${(e as Error).message}`)];
  }
  if (typeof v !== "object" || v === null) return [invalid("not an object")];
  return krakenBookFrom(v as Record<string, unknown>);
}

const QUOTE_NUMBERS = /("(?:price|qty)"\s*:\s*)(-?\d[\d.eE+-]*)/g;

/**
 * Kraken v2 book via a regular expression that quotes every `price`/`qty` number, then
 * `JSON.parse`.
 *
 * @example
 * ```ts
 * import { krakenBookViaQuoting } from "./json_parse_alternatives.ts";
 * const [m] = krakenBookViaQuoting('{"channel":"book","type":"update","data":[{"symbol":"B/U",' +
 *   '"bids":[{"price":1.0,"qty":0.10}],"asks":[],"checksum":1}]}');
 * if (m.kind !== "book" || m.bids[0] !== "1.0") throw new Error();
 * ```
 */
export function krakenBookViaQuoting(text: string): ParsedMessage[] {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(QUOTE_NUMBERS, '$1"$2"'));
  } catch (e) {
    return [invalid(`Malformed JSON: ${(e as Error).message}`)];
  }
  if (typeof v !== "object" || v === null) return [invalid("not an object")];
  return krakenBookFrom(v as Record<string, unknown>);
}
