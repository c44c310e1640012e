/**
 * OKX's legacy order-book checksum (data recorded before 23 Jun 2026; 0 during the transition,
 * absent since August 2026): the best 25 bids (price descending) and asks (price ascending)
 * interleaved as `bidPx:bidSz:askPx:askSz:…` (a side that runs out is skipped, the other goes
 * on), CRC-32 (zlib) of the ASCII text, read as a **signed** 32-bit integer.
 *
 * The strings must be OKX's own: its shortest decimal form, never padded (`5.15`, not `5.150`).
 * The core's `topText` renders fixed-point levels exactly that way (trailing zeros stripped), so the
 * rebuilt book gives the server's strings back.
 *
 * @module
 */
import { crc32 } from "../../util/crc32.ts";

/** `[price, size]` as text. */
export type OkxTextLevel = readonly [price: string, size: string];

/** Levels per side the checksum covers. */
export const OKX_CHECKSUM_LEVELS = 25;

/**
 * The checksum input string (for diagnostics and the test vectors).
 *
 * @example
 * ```ts
 * import { okxChecksumText } from "./checksum.ts";
 * const text = okxChecksumText([["3366.1", "7"], ["3366", "6"]], [["3366.8", "9"]]);
 * if (text !== "3366.1:7:3366.8:9:3366:6") throw new Error(text);
 * ```
 */
export function okxChecksumText(
  bids: readonly OkxTextLevel[],
  asks: readonly OkxTextLevel[],
): string {
  const parts: string[] = [];
  for (let i = 0; i < OKX_CHECKSUM_LEVELS; i++) {
    const b = bids[i];
    const a = asks[i];
    if (b === undefined && a === undefined) break;
    if (b !== undefined) parts.push(b[0], b[1]);
    if (a !== undefined) parts.push(a[0], a[1]);
  }
  return parts.join(":");
}

/**
 * The signed legacy checksum of a book given best-first bids and asks (OKX-2 vector below).
 *
 * @example
 * ```ts
 * import { okxLegacyChecksum } from "./checksum.ts";
 * if (okxLegacyChecksum([["3366.1", "7"], ["3366", "6"]], [["3366.8", "9"]]) !== 1164732920) {
 *   throw new Error();
 * }
 * ```
 */
export function okxLegacyChecksum(
  bids: readonly OkxTextLevel[],
  asks: readonly OkxTextLevel[],
): number {
  return crc32(okxChecksumText(bids, asks)) | 0;
}
