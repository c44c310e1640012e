/**
 * Moved to `src/simulator/binance_mock.ts`: the exchange simulator is these servers. Re-exported
 * here so existing test imports keep working.
 *
 * @module
 */
export * from "../../src/simulator/binance_mock.ts";
