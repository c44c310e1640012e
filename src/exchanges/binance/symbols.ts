/**
 * Binance family symbols: `BTCUSDT` in payloads and REST, `btcusdt` in stream names, `BTC/USDT`
 * normalised. The native form has no separator, so going back to `BASE/QUOTE` needs either the
 * configured symbol list ({@linkcode binanceSymbolFromList}, exact) or a list of known quote
 * assets ({@linkcode binanceSymbol}, a heuristic).
 *
 * @module
 */
import { splitSymbol } from "../normalized_symbol.ts";

/**
 * Quote assets tried, in this order, by {@linkcode binanceSymbol}. The order resolves ambiguous
 * suffixes: `USDTUSD` is `USDT/USD` (not `USD/TUSD`; `TUSD` is deliberately absent).
 */
export const BINANCE_KNOWN_QUOTES: readonly string[] = Object.freeze([
  "USDT",
  "USDC",
  "BUSD",
  "USD",
  "BTC",
  "ETH",
  "BNB",
  "EUR",
  "DAI",
  "GBP",
  "TRY",
]);

/**
 * Normalised symbol to Binance symbol. Throws a `RangeError` for a malformed symbol.
 *
 * @example
 * ```ts
 * import { binanceNativeSymbol } from "./symbols.ts";
 * if (binanceNativeSymbol("BTC/USDT") !== "BTCUSDT") throw new Error();
 * ```
 */
export function binanceNativeSymbol(symbol: string): string {
  const [base, quote] = splitSymbol(symbol);
  return base + quote;
}

/**
 * Normalised symbol to the lower-case name used in stream names (`btcusdt@depth@100ms`).
 *
 * @example
 * ```ts
 * import { binanceStreamSymbol } from "./symbols.ts";
 * if (binanceStreamSymbol("BTC/USDT") !== "btcusdt") throw new Error();
 * ```
 */
export function binanceStreamSymbol(symbol: string): string {
  return binanceNativeSymbol(symbol).toLowerCase();
}

/**
 * Binance symbol (either case) to normalised symbol using the configured normalised symbols; exact,
 * `undefined` when none matches.
 *
 * @example
 * ```ts
 * import { binanceSymbolFromList } from "./symbols.ts";
 * if (binanceSymbolFromList("btcusdt", ["ETH/USDT", "BTC/USDT"]) !== "BTC/USDT") throw new Error();
 * ```
 */
export function binanceSymbolFromList(
  native: string,
  symbols: readonly string[],
): string | undefined {
  const upper = native.toUpperCase();
  for (const s of symbols) {
    if (s.replace("/", "") === upper && s.indexOf("/") > 0) return s;
  }
  return undefined;
}

/**
 * Binance symbol (either case) to normalised symbol by splitting off the first matching quote of
 * `quotes` (default {@linkcode BINANCE_KNOWN_QUOTES}); `undefined` when none matches. Prefer
 * {@linkcode binanceSymbolFromList} when the symbol list is known.
 *
 * @example
 * ```ts
 * import { binanceSymbol } from "./symbols.ts";
 * if (binanceSymbol("ETHBUSD") !== "ETH/BUSD") throw new Error();
 * if (binanceSymbol("usdtusd") !== "USDT/USD") throw new Error();
 * ```
 */
export function binanceSymbol(
  native: string,
  quotes: readonly string[] = BINANCE_KNOWN_QUOTES,
): string | undefined {
  const upper = native.toUpperCase();
  if (!/^[A-Z0-9]+$/.test(upper)) return undefined;
  for (const q of quotes) {
    if (upper.length > q.length && upper.endsWith(q)) {
      return `${upper.slice(0, upper.length - q.length)}/${q}`;
    }
  }
  return undefined;
}
