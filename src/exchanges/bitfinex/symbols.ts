/**
 * Bitfinex symbols: trading pairs are `t` + the pair in upper case, `tBTCUSD` (two three-letter
 * codes) or with a colon when a code is longer, `tTESTBTC:TESTUSD`, `tAVAX:USD`. Bitfinex's own
 * currency codes are kept as they are (`tIOTETH` is `IOT/ETH`, not `MIOTA/ETH`; `UST` stays
 * `UST`): the normalised symbol is Bitfinex's pair with a slash.
 *
 * @module
 */
import { splitSymbol } from "../normalized_symbol.ts";

const PAIR = /^t([A-Z0-9]{3})([A-Z0-9]{3})$|^t([A-Z0-9]+):([A-Z0-9]+)$/;

/**
 * Normalised symbol to Bitfinex trading symbol. Throws `RangeError` for a malformed symbol.
 *
 * @example
 * ```ts
 * import { bitfinexNativeSymbol } from "./symbols.ts";
 * if (bitfinexNativeSymbol("BTC/USD") !== "tBTCUSD") throw new Error();
 * if (bitfinexNativeSymbol("TESTBTC/TESTUSD") !== "tTESTBTC:TESTUSD") throw new Error();
 * if (bitfinexNativeSymbol("AVAX/USD") !== "tAVAX:USD") throw new Error();
 * ```
 */
export function bitfinexNativeSymbol(symbol: string): string {
  const [base, quote] = splitSymbol(symbol);
  if (base.includes(".") || quote.includes(".")) {
    throw new RangeError(`Bitfinex has no symbol for ${JSON.stringify(symbol)}`);
  }
  return base.length === 3 && quote.length === 3 ? `t${base}${quote}` : `t${base}:${quote}`;
}

/**
 * Bitfinex trading symbol (or its `pair`, without the `t`) to normalised symbol, or `undefined`
 * when it is not a trading pair (funding symbols `fUSD`, malformed text).
 *
 * @example
 * ```ts
 * import { bitfinexSymbol } from "./symbols.ts";
 * if (bitfinexSymbol("tBTCUSD") !== "BTC/USD") throw new Error();
 * if (bitfinexSymbol("tTESTBTC:TESTUSD") !== "TESTBTC/TESTUSD") throw new Error();
 * if (bitfinexSymbol("tIOTETH") !== "IOT/ETH") throw new Error();
 * if (bitfinexSymbol("fUSD") !== undefined) throw new Error();
 * ```
 */
export function bitfinexSymbol(native: string): string | undefined {
  const m = PAIR.exec(native.startsWith("t") ? native : `t${native}`);
  if (m === null) return undefined;
  return m[1] !== undefined ? `${m[1]}/${m[2]}` : `${m[3]}/${m[4]}`;
}
