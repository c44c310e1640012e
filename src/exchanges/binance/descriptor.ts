/**
 * The Binance (global) spot venue, as the registry lists it: the Binance family protocol of this
 * folder with the {@linkcode BINANCE_GLOBAL} variant record.
 *
 * @example
 * ```ts
 * import { binance } from "./descriptor.ts";
 * const s = binance.config.parse({ symbols: ["BTC/USDT"] });
 * if (binance.code !== 4 || s.wsUrl !== "wss://stream.binance.com:9443") throw new Error();
 * if (s.restUrl !== "https://api.binance.com") throw new Error();
 * ```
 *
 * @module
 */
import { binanceFamilyVenue } from "./family.ts";
import { BINANCE_GLOBAL } from "./global.ts";

/** Binance (global) spot. */
export const binance = binanceFamilyVenue(BINANCE_GLOBAL);
