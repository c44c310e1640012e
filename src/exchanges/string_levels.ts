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

/**
 * Why a level array left in its frame would be refused, or `undefined` when every level is
 * acceptable (the check the string path makes at parse time, for the rare messages that are not
 * staged at once: buffered or dropped by a sequence rule).
 *
 * @example
 * ```ts
 * import { levelTextProblem } from "./string_levels.ts";
 * const text = '{"b":[["-1","2"]]}';
 * if (levelTextProblem({ text, at: 5 }, "b") === undefined) throw new Error();
 * if (levelTextProblem({ text: '{"b":[["1","2"]]}', at: 5 }, "b") !== undefined) throw new Error();
 * ```
 */
export function levelTextProblem(levels: LevelText, side: string): string | undefined {
  try {
    return scanStringLevels(new JsonScanner(levels.text, levels.at), [], side);
  } catch (e) {
    if (e instanceof SyntaxError) return `${side}: ${e.message}`;
    throw e;
  }
}
