/**
 * Fast reader for `[[price, size, ...], ...]` level arrays whose numbers are JSON **strings**
 * (Binance `b`/`a`/`bids`/`asks`). Validation is fused into the scan (see
 * `JsonScanner.readDecimalString`), so each character is looked at once.
 *
 * @module
 */
import { DECIMAL_INVALID, DECIMAL_POSITIVE } from "./decimal_text.ts";
import type { JsonScanner } from "./json_scanner.ts";

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
      let price = "";
      let size = "";
      let n = 0;
      if (!s.eat(RBRACKET)) {
        do {
          if (n < 2 && s.peek() === QUOTE) {
            const text = s.readDecimalString();
            const cls = s.decimalClass;
            if (n === 0) {
              price = text;
              if (cls !== DECIMAL_POSITIVE) {
                problem ??= `${side}[${i}] price ${
                  cls === DECIMAL_INVALID ? "is not a decimal" : "must be > 0"
                }: ${JSON.stringify(text)}`;
              }
            } else {
              size = text;
              if (cls === DECIMAL_INVALID) {
                problem ??= `${side}[${i}] size is not a decimal: ${JSON.stringify(text)}`;
              }
            }
          } else {
            if (n < 2) problem ??= `${side}[${i}] ${n === 0 ? "price" : "size"} must be a string`;
            s.skipValue();
          }
          n++;
        } while (s.eat(COMMA));
        s.expect(RBRACKET);
      }
      if (n < 2) problem ??= `${side}[${i}] must hold a price and a size`;
      else out.push(price, size);
    }
    i++;
  } while (s.eat(COMMA));
  s.expect(RBRACKET);
  return problem;
}
