/**
 * Bitfinex numbers. Bitfinex sends prices and amounts as JSON **numbers** (doubles on its side),
 * written the way JavaScript's `Number.prototype.toString` writes them, exponent form included
 * (`2e-8`, `1.1e-7`). Two exact conversions, no float ever holds a value:
 *
 * - {@linkcode decimalFromJsonNumber}: JSON number text → sign + plain decimal text
 *   (`-1.1e-7` → `{ negative: true, text: "0.00000011" }`), strict JSON grammar, bounded.
 * - {@linkcode jsNumberText}: exact decimal → the text JavaScript would print for it, which is
 *   the text Bitfinex's checksum is computed over (`0.00002480` → `0.0000248`, `0.00000091` →
 *   `9.1e-7`, `1000.0` → `1000`). Getting this wrong is the classic cause of false checksum
 *   mismatches in other clients (see `shared/docs/exchange-protocols.md` §4.5).
 *
 * @module
 */
import { MAX_DECIMAL_TEXT_LENGTH } from "../decimal_text.ts";

/** A signed exact decimal: `text` is `digits[.digits]`. */
export interface SignedDecimal {
  negative: boolean;
  /** Plain unsigned decimal text (no exponent). */
  text: string;
}

/** Largest exponent magnitude accepted (beyond it the value cannot be a price or an amount). */
const MAX_EXPONENT = 30;

/**
 * Converts a JSON number text to a sign and a plain decimal text, exactly. Returns `undefined`
 * for text outside the JSON number grammar or for absurd magnitudes (exponent beyond ±30, or a
 * result longer than 40 characters).
 *
 * @example
 * ```ts
 * import { decimalFromJsonNumber } from "./numbers.ts";
 * const d = decimalFromJsonNumber("-1.1e-7")!;
 * if (!d.negative || d.text !== "0.00000011") throw new Error(d.text);
 * if (decimalFromJsonNumber("684.8165873")!.text !== "684.8165873") throw new Error();
 * if (decimalFromJsonNumber("2E+3")!.text !== "2000") throw new Error();
 * if (decimalFromJsonNumber("01") !== undefined) throw new Error();
 * ```
 */
export function decimalFromJsonNumber(raw: string): SignedDecimal | undefined {
  const n = raw.length;
  let i = 0;
  let negative = false;
  if (raw.charCodeAt(0) === 45) {
    negative = true;
    i = 1;
  }
  const intStart = i;
  while (i < n && isDigit(raw.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === intStart) return undefined;
  if (raw.charCodeAt(intStart) === 48 && intEnd - intStart > 1) return undefined;
  let fracStart = i;
  let fracEnd = i;
  if (i < n && raw.charCodeAt(i) === 46) {
    fracStart = ++i;
    while (i < n && isDigit(raw.charCodeAt(i))) i++;
    fracEnd = i;
    if (fracEnd === fracStart) return undefined;
  }
  let exp = 0;
  if (i < n && (raw.charCodeAt(i) | 32) === 101) {
    i++;
    let expNegative = false;
    const c = raw.charCodeAt(i);
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      i++;
    }
    const expStart = i;
    while (i < n && isDigit(raw.charCodeAt(i))) {
      exp = exp * 10 + raw.charCodeAt(i) - 48;
      if (exp > MAX_EXPONENT) return undefined;
      i++;
    }
    if (i === expStart) return undefined;
    if (expNegative) exp = -exp;
  }
  if (i !== n) return undefined;
  const int = raw.slice(intStart, intEnd);
  if (exp === 0) {
    const text = fracEnd > fracStart ? `${int}.${raw.slice(fracStart, fracEnd)}` : int;
    return text.length > MAX_DECIMAL_TEXT_LENGTH ? undefined : { negative, text };
  }
  const digits = int + raw.slice(fracStart, fracEnd);
  const point = int.length + exp; // the decimal point sits after `point` digits
  let text: string;
  if (point <= 0) text = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) text = digits + "0".repeat(point - digits.length);
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  // Leading zeros of the integer part (from `0.5e1` → `05`): keep one digit before the point.
  let lead = 0;
  while (
    lead < text.length - 1 && text.charCodeAt(lead) === 48 && text.charCodeAt(lead + 1) !== 46
  ) {
    lead++;
  }
  if (lead > 0) text = text.slice(lead);
  return text.length > MAX_DECIMAL_TEXT_LENGTH ? undefined : { negative, text };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The text JavaScript's `Number#toString` writes for an exact decimal given as a mantissa at a
 * scale (value = `mantissa × 10^-scale`), valid for values of up to 15 significant digits (every
 * value Bitfinex sends, since it comes from a double's shortest rendering): shortest digits, no
 * trailing zeros, plain notation for 10⁻⁶ ≤ |x| < 10²¹, otherwise `d.ddde-7` / `de+21`.
 *
 * @example
 * ```ts
 * import { jsNumberText } from "./numbers.ts";
 * if (jsNumberText(2480n, 8) !== "0.0000248") throw new Error();
 * if (jsNumberText(91n, 8) !== "9.1e-7") throw new Error();
 * if (jsNumberText(-1000_00000000n, 8) !== "-1000") throw new Error();
 * if (jsNumberText(6841650n, 4) !== "684.165") throw new Error();
 * ```
 */
export function jsNumberText(mantissa: bigint | number, scale: number): string {
  let ds = mantissa.toString();
  let sign = "";
  if (ds.charCodeAt(0) === 45) {
    sign = "-";
    ds = ds.slice(1);
  }
  if (ds === "0") return "0";
  let end = ds.length;
  while (ds.charCodeAt(end - 1) === 48) end--;
  const n = ds.length - scale; // value = 0.ds × 10^n
  ds = ds.slice(0, end);
  const k = ds.length;
  if (k <= n && n <= 21) return sign + ds + "0".repeat(n - k);
  if (0 < n && n <= 21) return `${sign}${ds.slice(0, n)}.${ds.slice(n)}`;
  if (-6 < n && n <= 0) return `${sign}0.${"0".repeat(-n)}${ds}`;
  const e = n - 1;
  return `${sign}${ds[0]}${k > 1 ? `.${ds.slice(1)}` : ""}e${e > 0 ? "+" : "-"}${Math.abs(e)}`;
}
