/**
 * Wire timestamps to milliseconds since the Unix epoch, keeping sub-millisecond digits in the
 * fraction (see `types.ts` for why not nanoseconds).
 *
 * @module
 */

/** Two decimal digits at `i`, or -1. */
function two(t: string, i: number): number {
  const a = t.charCodeAt(i) - 48;
  const b = t.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parse an RFC 3339 timestamp with up to 9 fractional digits (`2026-07-01T12:00:00.350000000Z`,
 * also `t`/space as separator and `+hh:mm` offsets). Returns `undefined` for anything else,
 * including impossible dates (`02-30`) and years before 1000. Hand-written: this runs once per hot-path message.
 *
 * @example
 * ```ts
 * import { parseRfc3339Ms } from "./timestamps.ts";
 * const ms = parseRfc3339Ms("1970-01-01T00:00:01.000250Z");
 * if (ms !== 1000.25) throw new Error(String(ms));
 * ```
 */
export function parseRfc3339Ms(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || n > 35) return undefined;
  const y1 = two(text, 0);
  const y2 = two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  const sep = text.charCodeAt(10);
  if (
    y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
    minute < 0 || minute > 59 || second < 0 || second > 59 ||
    text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 116 && sep !== 32) ||
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58
  ) return undefined;
  const year = y1 * 100 + y2;
  if (year < 1000) return undefined; // absurd here, and Date.UTC maps years < 100 to 19xx
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1])) return undefined;
  let i = 19;
  let frac = 0;
  let scale = 1;
  if (text.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < n) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      frac = frac * 10 + c;
      scale *= 10;
      i++;
    }
    if (i === start || i - start > 9) return undefined;
  }
  let offsetMin = 0;
  const z = text.charCodeAt(i);
  if (z === 90 || z === 122) {
    i++;
  } else if (z === 43 || z === 45) {
    const oh = two(text, i + 1);
    const om = two(text, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || text.charCodeAt(i + 3) !== 58) return undefined;
    offsetMin = (z === 43 ? 1 : -1) * (oh * 60 + om);
    i += 6;
  } else return undefined;
  if (i !== n) return undefined;
  const whole = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
  // Fraction of a second -> ms with the sub-ms part kept: ".35" -> 350, ".000250" -> 0.25.
  return scale === 1 ? whole : whole + (frac * 1000) / scale;
}

/**
 * Parse epoch seconds written as decimal text (`1693415330.621700`, Kraken v1 and recorders).
 *
 * @example
 * ```ts
 * import { parseEpochSecondsMs } from "./timestamps.ts";
 * if (parseEpochSecondsMs("1693415330.6217") !== 1693415330621.7) throw new Error();
 * ```
 */
export function parseEpochSecondsMs(text: string): number | undefined {
  if (!/^\d{1,12}(?:\.\d{1,9})?$/.test(text)) return undefined;
  const dot = text.indexOf(".");
  if (dot < 0) return Number(text) * 1000;
  const frac = text.slice(dot + 1);
  return Number(text.slice(0, dot)) * 1000 + Number(frac) / 10 ** (frac.length - 3);
}
