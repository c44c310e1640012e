/**
 * Bybit symbols: `BTCUSDT` on both spot and linear (the socket decides the market), normalised
 * `BTC/USDT`. Normalised → native is concatenation. Native → normalised needs to know where the
 * base ends: {@linkcode bybitSymbol} uses the `baseCoin`/`quoteCoin` of `instruments-info` when
 * the adapter has loaded it (`instruments.ts`), else the longest known quote suffix
 * ({@linkcode BYBIT_QUOTES}). A collector only ever maps natives of its configured symbols, so it
 * uses its own list and needs neither (see `collector.ts`).
 *
 * @module
 */
import { splitSymbol } from "../normalized_symbol.ts";

/** Quote coins of Bybit spot and linear markets, longest match first. */
export const BYBIT_QUOTES: readonly string[] = Object.freeze([
  "USDT",
  "USDC",
  "USDE",
  "USDQ",
  "FDUSD",
  "BTC",
  "ETH",
  "EUR",
  "BRL",
  "TRY",
  "PLN",
  "DAI",
  "MNT",
  "USD",
].sort((a, b) => b.length - a.length));

/**
 * Normalised symbol to Bybit symbol. Throws `RangeError` for a malformed symbol.
 *
 * @example
 * ```ts
 * import { bybitNativeSymbol } from "./symbols.ts";
 * if (bybitNativeSymbol("BTC/USDT") !== "BTCUSDT") throw new Error();
 * ```
 */
export function bybitNativeSymbol(symbol: string): string {
  const [base, quote] = splitSymbol(symbol);
  return base + quote;
}

/**
 * Bybit symbol to normalised symbol: from `instruments` (native → `[base, quote]`) when given and
 * listed, else by the longest known quote suffix; `undefined` when neither applies.
 *
 * @example
 * ```ts
 * import { bybitSymbol } from "./symbols.ts";
 * if (bybitSymbol("BTCUSDT") !== "BTC/USDT") throw new Error();
 * if (bybitSymbol("ETHBTC") !== "ETH/BTC") throw new Error();
 * if (bybitSymbol("1000PEPEUSDT") !== "1000PEPE/USDT") throw new Error();
 * const listed = new Map([["XUSDT", ["X", "USDT"] as const]]);
 * if (bybitSymbol("XUSDT", listed) !== "X/USDT") throw new Error();
 * if (bybitSymbol("USDT") !== undefined) throw new Error();
 * ```
 */
export function bybitSymbol(
  native: string,
  instruments?: ReadonlyMap<string, readonly [string, string]>,
): string | undefined {
  const listed = instruments?.get(native);
  if (listed) return `${listed[0]}/${listed[1]}`;
  if (!/^[A-Z0-9]{2,30}$/.test(native)) return undefined;
  for (const quote of BYBIT_QUOTES) {
    if (native.length > quote.length && native.endsWith(quote)) {
      return `${native.slice(0, -quote.length)}/${quote}`;
    }
  }
  return undefined;
}
