/**
 * The Binance.US mock server: the Binance family mock (`../binance/mock.ts`) playing the
 * Binance.US variant (its REST weights, 1200 weight per minute, 24 h connections).
 *
 * @example
 * ```ts
 * import { BinanceUsMock } from "./mock.ts";
 * const mock = new BinanceUsMock({ symbols: ["BTC/USDT"] });
 * await mock.start();
 * // adapter: wsUrl = mock.wsUrl, restUrl = mock.restUrl
 * await mock.stop();
 * ```
 *
 * @module
 */
import { BinanceMock, type BinanceMockOptions } from "../binance/mock.ts";
import { BINANCE_US } from "./variant.ts";

/** Options of {@linkcode BinanceUsMock}: those of the family mock, the variant fixed. */
export type BinanceUsMockOptions = Omit<BinanceMockOptions, "variant">;

/** A {@linkcode BinanceMock} playing Binance.US. */
export class BinanceUsMock extends BinanceMock {
  constructor(options: BinanceUsMockOptions) {
    super({ variant: BINANCE_US, ...options });
  }
}
