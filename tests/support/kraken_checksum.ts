/**
 * Kraken book checksum (WebSocket v1 and v2 use the same rule): the top 10 asks ascending, then the
 * top 10 bids descending; each price and quantity written with the pair's full number of decimals,
 * the `.` removed and leading zeros removed; CRC-32 of the concatenation, unsigned.
 *
 * This is the text-based reference the tests use (the Kraken mock has its own). The adapter's hot path asks the
 * WASM core, which derives the same digits from the fixed-point mantissas.
 *
 * @module
 */
import { crc32 } from "../../src/util/crc32.ts";

/** A price level as exact decimal texts: `[price, qty]`. */
export type TextLevel = readonly [price: string, qty: string];

/**
 * Render a decimal text with exactly `decimals` fractional digits (pads or checks trailing zeros),
 * then drop the point and leading zeros, as Kraken's checksum rule requires.
 *
 * @example
 * ```ts
 * import { checksumDigits } from "./kraken_checksum.ts";
 * if (checksumDigits("45281", 1) !== "452810") throw new Error();
 * if (checksumDigits("0.1", 8) !== "10000000") throw new Error();
 * ```
 */
export function checksumDigits(text: string, decimals: number): string {
  const dot = text.indexOf(".");
  const intPart = dot < 0 ? text : text.slice(0, dot);
  let frac = dot < 0 ? "" : text.slice(dot + 1);
  if (frac.length > decimals) {
    const extra = frac.slice(decimals);
    if (!/^0*$/.test(extra)) {
      throw new RangeError(`Value ${text} has more than ${decimals} significant decimals`);
    }
    frac = frac.slice(0, decimals);
  }
  frac = frac.padEnd(decimals, "0");
  const digits = (intPart + frac).replace(/^0+/, "");
  return digits === "" ? "0" : digits;
}

/**
 * Kraken CRC-32 checksum of a book. `asks` are best first (ascending), `bids` best first
 * (descending); only the first 10 of each are used.
 *
 * @example
 * ```ts
 * import { krakenChecksum } from "./kraken_checksum.ts";
 * const asks = [["50000.5", "0.25"], ["50001.0", "1"], ["50002.3", "0.005"]] as const;
 * const bids = [["50000.0", "0.75"], ["49999.5", "2"], ["49990.1", "0.01"]] as const;
 * if (krakenChecksum(asks, bids, 1, 8) !== 4085213383) throw new Error("vector C1");
 * ```
 */
export function krakenChecksum(
  asks: ReadonlyArray<TextLevel>,
  bids: ReadonlyArray<TextLevel>,
  priceDecimals: number,
  qtyDecimals: number,
): number {
  let s = "";
  for (let i = 0; i < asks.length && i < 10; i++) {
    s += checksumDigits(asks[i][0], priceDecimals) + checksumDigits(asks[i][1], qtyDecimals);
  }
  for (let i = 0; i < bids.length && i < 10; i++) {
    s += checksumDigits(bids[i][0], priceDecimals) + checksumDigits(bids[i][1], qtyDecimals);
  }
  return crc32(s);
}
