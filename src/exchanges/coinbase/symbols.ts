/**
 * Coinbase product ids (`BTC-USD`) to and from normalised symbols (`BTC/USD`).
 *
 * @module
 */
import { isNormalizedSymbol, splitSymbol } from "../normalized_symbol.ts";

/**
 * Normalised symbol to Coinbase product id. Throws a `RangeError` for a malformed symbol.
 *
 * @example
 * ```ts
 * import { coinbaseProductId } from "./symbols.ts";
 * if (coinbaseProductId("BTC/USD") !== "BTC-USD") throw new Error();
 * ```
 */
export function coinbaseProductId(symbol: string): string {
  const [base, quote] = splitSymbol(symbol);
  return `${base}-${quote}`;
}

/**
 * Coinbase product id to normalised symbol, or `undefined` when it is not `BASE-QUOTE`.
 *
 * @example
 * ```ts
 * import { coinbaseSymbol } from "./symbols.ts";
 * if (coinbaseSymbol("ETH-USD") !== "ETH/USD") throw new Error();
 * if (coinbaseSymbol("ETHUSD") !== undefined) throw new Error();
 * ```
 */
export function coinbaseSymbol(productId: string): string | undefined {
  const dash = productId.indexOf("-");
  if (dash < 0 || productId.indexOf("-", dash + 1) >= 0) return undefined;
  const symbol = `${productId.slice(0, dash)}/${productId.slice(dash + 1)}`;
  return isNormalizedSymbol(symbol) ? symbol : undefined;
}
