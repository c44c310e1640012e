/**
 * Fast reader for `[[price, size, ...], ...]` level arrays whose numbers are JSON **strings**
 * (Binance `b`/`a`/`bids`/`asks`). Validation is fused into the scan (see
 * `JsonScanner.readDecimalString`), so each character is looked at once.
 *
 * @module
 */
import { DECIMAL_INVALID, DECIMAL_POSITIVE } from "./decimal_text.ts";
import { JsonScanner } from "./json_scanner.ts";
import type { LevelText } from "./types.ts";

const QUOTE = 34;
const COMMA = 44;
const LBRACKET = 91;
const RBRACKET = 93;

/**
 * Read a level array at the scanner's position, appending `price, size` texts to `out`. The whole
 * array is always consumed; the first problem (wrong type, bad decimal, price <= 0) is returned,
 * `undefined` when every level is valid. Malformed JSON throws the scanner's `SyntaxError`.
 *
 * @example
 * ```ts
 * import { JsonScanner } from "./json_scanner.ts";
 * import { scanStringLevels } from "./string_levels.ts";
 * const out: string[] = [];
 * const problem = scanStringLevels(new JsonScanner('[["1.50","2"],["1.49","0.000"]]'), out, "b");
 * if (problem !== undefined || out.join() !== "1.50,2,1.49,0.000") throw new Error(problem);
 * ```
 */
export function scanStringLevels(
  s: JsonScanner,
  out: string[],
  side: string,
): string | undefined {
  if (s.peek() !== LBRACKET) {
    s.skipValue();
    return `${side} must be an array`;
  }
  s.pos++;
  if (s.eat(RBRACKET)) return undefined;
  let problem: string | undefined;
  let i = 0;
  do {
    if (s.peek() !== LBRACKET) {
      s.skipValue();
      problem ??= `${side}[${i}] must be a [price, size] array`;
    } else {
      s.pos++;
      if (s.peek() === QUOTE) {
        // Fast path: ["price", "size"], extra trailing elements skipped.
        const price = s.readDecimalString();
        const priceClass = s.decimalClass;
        if (!s.eat(COMMA)) {
          problem ??= `${side}[${i}] must hold a price and a size`;
          s.expect(RBRACKET);
        } else if (s.peek() !== QUOTE) {
          problem ??= `${side}[${i}] size must be a string`;
          do s.skipValue(); while (s.eat(COMMA));
          s.expect(RBRACKET);
        } else {
          const size = s.readDecimalString();
          const sizeClass = s.decimalClass;
          while (s.eat(COMMA)) s.skipValue();
          s.expect(RBRACKET);
          if (priceClass !== DECIMAL_POSITIVE || sizeClass === DECIMAL_INVALID) {
            problem ??= levelProblem(side, i, price, priceClass, size);
          }
          out.push(price, size);
        }
      } else if (s.eat(RBRACKET)) {
        problem ??= `${side}[${i}] must hold a price and a size`;
      } else {
        problem ??= `${side}[${i}] price must be a string`;
        do s.skipValue(); while (s.eat(COMMA));
        s.expect(RBRACKET);
      }
    }
    i++;
  } while (s.eat(COMMA));
  s.expect(RBRACKET);
  return problem;
}

function levelProblem(
  side: string,
  i: number,
  price: string,
  priceClass: number,
  size: string,
): string {
  if (priceClass === DECIMAL_INVALID) return `${side}[${i}] price is not a decimal: ${q(price)}`;
  if (priceClass !== DECIMAL_POSITIVE) return `${side}[${i}] price must be > 0: ${q(price)}`;
  return `${side}[${i}] size is not a decimal: ${q(size)}`;
}

function q(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 45)}...` : text);
}

/** A book message's sides, as parsers with the `levelText` option fill them. */
interface LevelSides {
  bids: string[];
  asks: string[];
  bidsText?: LevelText;
  asksText?: LevelText;
}

/** Options of {@linkcode levelTextToStrings}. */
export interface LevelTextToStringsOptions {
  /** The sides' names in problems, as the parser's string path names them (default bids, asks). */
  names?: readonly [string, string];
  /** Read the sides in the order they appear in the frame (default: bids first). */
  frameOrder?: boolean;
}

/**
 * Turns a message's level arrays left in the frame back into decimal strings (`bids` / `asks`),
 * for the rare paths that need them (a snapshot, a buffered or dropped event): returns the
 * problem the string path would have found, or `undefined` once the strings are in place.
 *
 * @example
 * ```ts
 * import { levelTextToStrings } from "./string_levels.ts";
 * const text = '{"b":[["1.5","2"]],"a":[]}';
 * const m = { bids: [], asks: [], bidsText: { text, at: 5 }, asksText: { text, at: 23 } };
 * if (levelTextToStrings(m) !== undefined || m.bids.join() !== "1.5,2") throw new Error();
 * ```
 */
export function levelTextToStrings(
  m: LevelSides,
  options: LevelTextToStringsOptions = {},
): string | undefined {
  const [bidsName, asksName] = options.names ?? ["bids", "asks"];
  const swap = options.frameOrder === true && m.bidsText !== undefined &&
    m.asksText !== undefined && m.asksText.at < m.bidsText.at;
  for (const side of swap ? ["asks", "bids"] as const : ["bids", "asks"] as const) {
    const lt = side === "bids" ? m.bidsText : m.asksText;
    if (lt === undefined) continue;
    const name = side === "bids" ? bidsName : asksName;
    const out: string[] = [];
    let problem: string | undefined;
    try {
      problem = scanStringLevels(new JsonScanner(lt.text, lt.at), out, name);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      problem = `${name}: ${e.message}`;
    }
    if (problem !== undefined) return problem;
    m[side] = out;
  }
  delete m.bidsText;
  delete m.asksText;
  return undefined;
}

/**
 * Leaves the level array at the scanner's position in the frame: skips it (checking only that
 * it is well-formed JSON) and returns where it starts, for the core to stage from the bytes.
 *
 * @example
 * ```ts
 * import { JsonScanner } from "./json_scanner.ts";
 * import { skipLevelText } from "./string_levels.ts";
 * const s = new JsonScanner('[["1.5","2"]] ');
 * if (skipLevelText(s).at !== 0 || s.pos !== 13) throw new Error();
 * ```
 */
export function skipLevelText(s: JsonScanner): LevelText {
  s.peek();
  const at = s.pos;
  s.skipValue();
  return { text: s.text, at };
}
