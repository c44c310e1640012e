/**
 * Wire timestamps to milliseconds since the Unix epoch, keeping sub-millisecond digits in the
 * fraction (see `types.ts` for why not nanoseconds).
 *
 * @module
 */

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/**
 * Parse an RFC 3339 timestamp with up to 9 fractional digits (`2026-07-01T12:00:00.350000000Z`).
 * Returns `undefined` for anything else.
 *
 * @example
 * ```ts
 * import { parseRfc3339Ms } from "./timestamps.ts";
 * const ms = parseRfc3339Ms("1970-01-01T00:00:01.000250Z");
 * if (ms !== 1000.25) throw new Error(String(ms));
 * ```
 */
export function parseRfc3339Ms(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const whole = Date.parse(`${m[1]}T${m[2]}${m[4] === "z" ? "Z" : m[4]}`);
  if (Number.isNaN(whole)) return undefined;
  const frac = m[3];
  if (frac === undefined) return whole;
  // Fraction of a second -> ms with the sub-ms part kept: "350000000" -> 350, "000250" -> 0.25.
  return whole + Number(frac) / 10 ** (frac.length - 3);
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
