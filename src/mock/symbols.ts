/**
 * Symbol spelling and default market parameters shared by the mock exchanges.
 *
 * Normalised symbols are `BASE/QUOTE` in upper case (`BTC/USD`). Venues spell them `BTC-USD`
 * (Coinbase), `BTC/USD` (Kraken v2) and `BTCUSDT` / `btcusdt` (Binance.US).
 *
 * @module
 */

/** Typical mid prices (as text) by base asset, so generated books look plausible. */
const MID_PRICES: Record<string, string> = {
  BTC: "60000",
  ETH: "3000",
  SOL: "150",
  LTC: "80",
  BCH: "400",
  LINK: "15",
  AVAX: "30",
  DOT: "6",
  XRP: "0.5",
  ADA: "0.4",
  DOGE: "0.12",
};

/** Quote assets recognised when splitting a concatenated symbol such as `BTCUSDT`. */
const QUOTES = ["USDT", "USDC", "BUSD", "USD", "EUR", "GBP", "BTC", "ETH"];

/** Default mid price text of a base asset (`"100"` when unknown). */
export function midPriceFor(base: string): string {
  return MID_PRICES[base.toUpperCase()] ?? "100";
}

/**
 * Split a symbol in any common spelling into base and quote.
 *
 * @example
 * ```ts
 * import { splitSymbol } from "./symbols.ts";
 * splitSymbol("btcusdt"); // { base: "BTC", quote: "USDT" }
 * splitSymbol("BTC-USD"); // { base: "BTC", quote: "USD" }
 * ```
 */
export function splitSymbol(symbol: string): { base: string; quote: string } {
  const upper = symbol.toUpperCase();
  const sep = upper.search(/[\/\-_]/);
  if (sep > 0) return { base: upper.slice(0, sep), quote: upper.slice(sep + 1) };
  for (const quote of QUOTES) {
    if (upper.length > quote.length && upper.endsWith(quote)) {
      return { base: upper.slice(0, -quote.length), quote };
    }
  }
  return { base: upper, quote: "" };
}

/** Price decimals that give a sensible tick for a mid price (e.g. 1 for 60000, 4 for 0.5). */
export function priceDecimalsFor(mid: string, minDecimals = 1): number {
  const value = Number(mid);
  const decimals = value >= 10000 ? 1 : value >= 100 ? 2 : value >= 1 ? 3 : value >= 0.1 ? 4 : 6;
  return Math.max(decimals, minDecimals);
}
