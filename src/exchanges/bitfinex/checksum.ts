/**
 * Bitfinex's order-book checksum (flag `OB_CHECKSUM`, 131072): CRC-32 of the best 25 bids (price
 * descending) and best 25 asks (price ascending), interleaved `bidPrice:bidAmount:askPrice:askAmount`
 * per rank (a side with fewer levels simply contributes fewer entries; ask amounts are negative),
 * every number written as JavaScript writes it ({@linkcode jsNumberText}), read as a signed 32-bit
 * integer. See `shared/docs/exchange-protocols.md` §4.5 and vectors BF-1/BF-2 in §6.
 *
 * @module
 */
import { crc32 } from "../../util/crc32.ts";
import { jsNumberText } from "./numbers.ts";

/** Levels per side the checksum covers. */
export const BITFINEX_CHECKSUM_LEVELS = 25;

/** One level as mantissas: `[price, size]` (size unsigned; the side gives the sign). */
export type MantissaPair = readonly [price: bigint | number, size: bigint | number];

/**
 * The checksum input string of a book given best-first mantissa levels at the book's scales.
 *
 * @example
 * ```ts
 * import { bitfinexChecksumInput } from "./checksum.ts";
 * const s = bitfinexChecksumInput([[1n, 10n], [91n, 5n]], [[11n, 3n]], 6, 0);
 * if (s !== "0.000001:10:0.000011:-3:0.000091:5") throw new Error(s);
 * ```
 */
export function bitfinexChecksumInput(
  bids: readonly MantissaPair[],
  asks: readonly MantissaPair[],
  priceScale: number,
  sizeScale: number,
): string {
  const parts: string[] = [];
  const n = Math.min(BITFINEX_CHECKSUM_LEVELS, Math.max(bids.length, asks.length));
  for (let i = 0; i < n; i++) {
    const b = bids[i];
    if (b !== undefined) {
      parts.push(jsNumberText(b[0], priceScale), jsNumberText(b[1], sizeScale));
    }
    const a = asks[i];
    if (a !== undefined) {
      parts.push(jsNumberText(a[0], priceScale), jsNumberText(-a[1], sizeScale));
    }
  }
  return parts.join(":");
}

/**
 * Bitfinex's signed checksum of a book given best-first mantissa levels.
 *
 * @example
 * ```ts
 * import { bitfinexChecksum } from "./checksum.ts";
 * // Vector BF-2: bids 0.000001/10, 0.00000091/5; ask 0.0000011/-3 (scale 8 for prices).
 * const cs = bitfinexChecksum([[100n, 10n], [91n, 5n]], [[110n, 3n]], 8, 0);
 * if (cs !== -21018150) throw new Error(String(cs));
 * ```
 */
export function bitfinexChecksum(
  bids: readonly MantissaPair[],
  asks: readonly MantissaPair[],
  priceScale: number,
  sizeScale: number,
): number {
  return crc32(bitfinexChecksumInput(bids, asks, priceScale, sizeScale)) | 0;
}
