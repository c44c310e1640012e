/**
 * Normalised symbols: `BASE/QUOTE` in upper case (`BTC/USD`, `BTC/USDT`), the form used in
 * configuration and the client protocol. Each exchange's `symbols.ts` converts to and from its
 * native spelling.
 *
 * @module
 */

const NORMALIZED = /^([A-Z0-9][A-Z0-9.]*)\/([A-Z0-9][A-Z0-9.]*)$/;

/**
 * Split a normalised symbol into base and quote; throws a `RangeError` when `symbol` is not of the
 * form `BASE/QUOTE` in upper case.
 *
 * @example
 * ```ts
 * import { splitSymbol } from "./normalized_symbol.ts";
 * const [base, quote] = splitSymbol("BTC/USDT");
 * if (base !== "BTC" || quote !== "USDT") throw new Error();
 * ```
 */
export function splitSymbol(symbol: string): [base: string, quote: string] {
  const m = NORMALIZED.exec(symbol);
  if (m === null) {
    throw new RangeError(
      `Invalid symbol ${JSON.stringify(symbol)}: expected BASE/QUOTE in upper case, e.g. "BTC/USD"`,
    );
  }
  return [m[1], m[2]];
}

/**
 * `true` when `symbol` is a normalised `BASE/QUOTE` symbol.
 *
 * @example
 * ```ts
 * import { isNormalizedSymbol } from "./normalized_symbol.ts";
 * if (!isNormalizedSymbol("BTC/USD") || isNormalizedSymbol("btc-usd")) throw new Error();
 * ```
 */
export function isNormalizedSymbol(symbol: string): boolean {
  return NORMALIZED.test(symbol);
}
