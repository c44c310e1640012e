/**
 * Moved to `src/simulator/mock_server.ts`: the exchange simulator is these servers. Re-exported
 * here so existing test imports keep working.
 *
 * @module
 */
export * from "../../src/simulator/mock_server.ts";
