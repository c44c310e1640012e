/**
 * The Binance.US venue, as the registry lists it: the Binance family protocol with the Binance.US
 * variant record.
 *
 * @example
 * ```ts
 * import { binanceus } from "./descriptor.ts";
 * if (binanceus.fromNative("BTCUSDT", ["BTC/USDT"]) !== "BTC/USDT") throw new Error();
 * ```
 *
 * @module
 */
import { binanceFamilyVenue } from "../binance/family.ts";
import { BINANCE_US } from "./variant.ts";

/** Binance.US. */
export const binanceus = binanceFamilyVenue(BINANCE_US);
