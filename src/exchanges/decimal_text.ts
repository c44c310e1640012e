/**
 * Strict grammar for prices and sizes on the wire: `digits [ "." digits ]`, at most
 * {@linkcode MAX_DECIMAL_TEXT_LENGTH} characters. No sign, no exponent, no leading or trailing `.`,
 * no whitespace. Anything else (`""`, `-1`, `1e5`, `NaN`, `.5`, `5.`, `1,5`) is rejected, so a value
 * that passes can be turned into a fixed-point integer without loss or surprise.
 *
 * @module
 */

/** Longest accepted decimal text; longer values are treated as absurd. */
export const MAX_DECIMAL_TEXT_LENGTH = 40;

/** {@linkcode classifyDecimal} result: not a valid decimal text. */
export const DECIMAL_INVALID = -1;
/** {@linkcode classifyDecimal} result: a valid decimal equal to zero (`0`, `0.000`). */
export const DECIMAL_ZERO = 0;
/** {@linkcode classifyDecimal} result: a valid decimal greater than zero. */
export const DECIMAL_POSITIVE = 1;

/** Result of {@linkcode classifyDecimal}. */
export type DecimalClass = typeof DECIMAL_INVALID | typeof DECIMAL_ZERO | typeof DECIMAL_POSITIVE;

/**
 * Check `text` against the strict decimal grammar in one pass and tell whether it is zero.
 *
 * @example
 * ```ts
 * import { classifyDecimal, DECIMAL_INVALID, DECIMAL_POSITIVE, DECIMAL_ZERO } from "./decimal_text.ts";
 * if (classifyDecimal("0.10000000") !== DECIMAL_POSITIVE) throw new Error();
 * if (classifyDecimal("0.000") !== DECIMAL_ZERO) throw new Error();
 * if (classifyDecimal("1e5") !== DECIMAL_INVALID) throw new Error();
 * ```
 */
export function classifyDecimal(text: string): DecimalClass {
  const n = text.length;
  if (n === 0 || n > MAX_DECIMAL_TEXT_LENGTH) return DECIMAL_INVALID;
  let nonZero = false;
  let i = 0;
  let c = 0;
  for (; i < n; i++) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (c !== 48) nonZero = true;
  }
  if (i === 0) return DECIMAL_INVALID;
  if (i < n) {
    if (c !== 46) return DECIMAL_INVALID;
    const start = ++i;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) return DECIMAL_INVALID;
      if (c !== 48) nonZero = true;
    }
    if (i === start) return DECIMAL_INVALID;
  }
  return nonZero ? DECIMAL_POSITIVE : DECIMAL_ZERO;
}

/**
 * `true` when `text` is a valid decimal text (zero allowed).
 *
 * @example
 * ```ts
 * import { isDecimalText } from "./decimal_text.ts";
 * if (!isDecimalText("45281.0") || isDecimalText("-1") || isDecimalText("NaN")) throw new Error();
 * ```
 */
export function isDecimalText(text: string): boolean {
  return classifyDecimal(text) !== DECIMAL_INVALID;
}

/**
 * Why `text` is not an acceptable price (must be > 0), or `undefined` when it is.
 *
 * @example
 * ```ts
 * import { priceProblem } from "./decimal_text.ts";
 * if (priceProblem("0.5") !== undefined) throw new Error();
 * if (priceProblem("0") === undefined) throw new Error();
 * ```
 */
export function priceProblem(text: string): string | undefined {
  const c = classifyDecimal(text);
  if (c === DECIMAL_POSITIVE) return undefined;
  return c === DECIMAL_ZERO
    ? `price must be > 0, got ${quote(text)}`
    : `price is not a decimal: ${quote(text)}`;
}

/**
 * Why `text` is not an acceptable size (must be >= 0), or `undefined` when it is.
 *
 * @example
 * ```ts
 * import { sizeProblem } from "./decimal_text.ts";
 * if (sizeProblem("0") !== undefined) throw new Error();
 * if (sizeProblem("-1") === undefined) throw new Error();
 * ```
 */
export function sizeProblem(text: string): string | undefined {
  return classifyDecimal(text) === DECIMAL_INVALID
    ? `size is not a decimal: ${quote(text)}`
    : undefined;
}

/**
 * Canonical form of a valid decimal text: no leading zeros in the integer part (except a single
 * `0`), no trailing zeros in the fraction, no `.` without a fraction. Equal values give equal text,
 * so it can key a map: `45281.0`, `45281` and `045281.00` all become `45281`.
 *
 * @example
 * ```ts
 * import { normalizeDecimal } from "./decimal_text.ts";
 * if (normalizeDecimal("0.10000000") !== "0.1") throw new Error();
 * if (normalizeDecimal("45281.0") !== "45281") throw new Error();
 * if (normalizeDecimal("0.000") !== "0") throw new Error();
 * ```
 */
export function normalizeDecimal(text: string): string {
  const dot = text.indexOf(".");
  let intPart = dot < 0 ? text : text.slice(0, dot);
  let frac = dot < 0 ? "" : text.slice(dot + 1);
  let i = 0;
  while (i < intPart.length - 1 && intPart.charCodeAt(i) === 48) i++;
  intPart = intPart.slice(i);
  let j = frac.length;
  while (j > 0 && frac.charCodeAt(j - 1) === 48) j--;
  frac = frac.slice(0, j);
  return frac === "" ? intPart : `${intPart}.${frac}`;
}

/**
 * Compare two **normalised** decimal texts (see {@linkcode normalizeDecimal}) by value.
 * Returns a negative number, zero or a positive number.
 *
 * @example
 * ```ts
 * import { compareDecimal } from "./decimal_text.ts";
 * if (!(compareDecimal("9.5", "10") < 0) || !(compareDecimal("0.15", "0.1") > 0)) throw new Error();
 * ```
 */
export function compareDecimal(a: string, b: string): number {
  const da = a.indexOf(".");
  const db = b.indexOf(".");
  const la = da < 0 ? a.length : da;
  const lb = db < 0 ? b.length : db;
  if (la !== lb) return la - lb;
  // Same integer length: plain text order works digit by digit, and a missing fraction digit
  // behaves as 0, which is what lexicographic order does with a shorter prefix.
  return a < b ? -1 : a > b ? 1 : 0;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 45)}...` : text);
}
