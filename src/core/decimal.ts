/**
 * Exact decimal text ⇄ fixed-point mantissa conversion. A value `v` at scale `s` is the integer
 * `v × 10^s`, held by the core as an i64. No floats ever hold a price or size.
 *
 * @module
 */

/**
 * A decimal text has more significant decimals than the scale it must be held at.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseMantissa, ScaleError } from "./decimal.ts";
 * assert.throws(() => parseMantissa("1.234", 2), (e) => e instanceof ScaleError && e.needed === 3);
 * assert.equal(parseMantissa("1.230", 2), 123); // trailing zeros are not significant
 * ```
 */
export class ScaleError extends RangeError {
  /** The offending text. */
  readonly text: string;
  /** The scale it had to fit. */
  readonly scale: number;
  /** Decimals the text needs. */
  readonly needed: number;
  constructor(text: string, scale: number) {
    super(`Value ${text} has more than ${scale} decimals (the book's scale)`);
    this.name = "ScaleError";
    this.text = text;
    this.scale = scale;
    this.needed = decimalsOf(text.replace(/0+$/, ""));
  }
}

const POW10: number[] = Array.from({ length: 19 }, (_, i) => 10 ** i);
const I64_MAX = (1n << 63n) - 1n;

/**
 * Parses an unsigned decimal text (`digits[.digits]`) to its mantissa at `scale`. Returns a
 * number when it fits 2^53 exactly, otherwise a bigint. Throws `RangeError` for text that is not
 * a plain decimal, has more significant decimals than `scale`, or does not fit an i64.
 *
 * @example
 * ```ts
 * import { parseMantissa } from "./decimal.ts";
 * if (parseMantissa("60000.10", 2) !== 6000010) throw new Error();
 * if (parseMantissa("0.5", 8) !== 50000000) throw new Error();
 * ```
 */
export function parseMantissa(text: string, scale: number): number | bigint {
  const n = text.length;
  const dot = text.indexOf(".");
  const intEnd = dot < 0 ? n : dot;
  if (intEnd === 0 || dot === n - 1 || n > 64) throw invalidText(text);
  // Fraction digits beyond the scale must be zeros.
  let fracEnd = n;
  if (dot >= 0 && n - dot - 1 > scale) {
    fracEnd = dot + 1 + scale;
    for (let i = fracEnd; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 48) {
        if (c < 48 || c > 57) throw invalidText(text);
        throw new ScaleError(text, scale);
      }
    }
  }
  const fracLen = dot < 0 ? 0 : fracEnd - dot - 1;
  // 15 significant digits always fit a double exactly; longer texts take the bigint path.
  if (intEnd + scale > 15) return parseBig(text, scale);
  let m = 0;
  for (let i = 0; i < intEnd; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw invalidText(text);
    m = m * 10 + d;
  }
  for (let i = intEnd + 1; i < fracEnd; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw invalidText(text);
    m = m * 10 + d;
  }
  const shift = scale - fracLen;
  return shift === 0 ? m : m * POW10[shift];
}

function invalidText(text: string): RangeError {
  return new RangeError(`Invalid decimal text: ${JSON.stringify(text)}`);
}

function parseBig(text: string, scale: number): bigint {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new RangeError(`Invalid decimal text: ${JSON.stringify(text)}`);
  }
  const dot = text.indexOf(".");
  const intPart = dot < 0 ? text : text.slice(0, dot);
  let fracPart = dot < 0 ? "" : text.slice(dot + 1);
  if (fracPart.length > scale) {
    if (!/^0*$/.test(fracPart.slice(scale))) throw new ScaleError(text, scale);
    fracPart = fracPart.slice(0, scale);
  }
  const v = BigInt(intPart + fracPart.padEnd(scale, "0"));
  if (v > I64_MAX) {
    throw new RangeError(
      `Value ${text} at scale ${scale} does not fit a 64-bit fixed-point integer`,
    );
  }
  return v;
}

/**
 * Formats a mantissa at `scale` as the shortest exact decimal text (no trailing zeros).
 *
 * @example
 * ```ts
 * import { formatMantissa } from "./decimal.ts";
 * if (formatMantissa(6000010n, 2) !== "60000.1") throw new Error();
 * if (formatMantissa(0n, 8) !== "0") throw new Error();
 * ```
 */
export function formatMantissa(mantissa: bigint | number, scale: number): string {
  let s = mantissa.toString();
  if (scale === 0) return s;
  if (s.length <= scale) s = "0".repeat(scale - s.length + 1) + s;
  const cut = s.length - scale;
  let end = s.length;
  while (end > cut && s.charCodeAt(end - 1) === 48) end--;
  return end === cut ? s.slice(0, cut) : `${s.slice(0, cut)}.${s.slice(cut, end)}`;
}

/**
 * Number of decimals written in a decimal text (`"60000.10"` → 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decimalsOf } from "./decimal.ts";
 * assert.equal(decimalsOf("60000.10"), 2);
 * assert.equal(decimalsOf("42"), 0);
 * ```
 */
export function decimalsOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}
