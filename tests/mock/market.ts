/**
 * Moved to `src/simulator/market.ts`: the exchange simulator is these servers. Re-exported
 * here so existing test imports keep working.
 *
 * @module
 */
export * from "../../src/simulator/market.ts";
