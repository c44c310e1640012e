/**
 * Mock exchange servers for tests (Coinbase Advanced Trade, Kraken WebSocket v2, Binance.US
 * WebSocket + REST) on 127.0.0.1, with a deterministic market generator, an exact book model and
 * fault injection. See `README.md` in this folder.
 *
 * @example
 * ```ts
 * import { KrakenMock } from "./mod.ts";
 * const mock = new KrakenMock({ symbols: ["BTC/USD"], rate: 20 });
 * await mock.start();
 * // ... connect to mock.wsUrl ...
 * await mock.stop();
 * ```
 *
 * @module
 */
export * from "./binance_mock.ts";
export * from "./coinbase_mock.ts";
export * from "./kraken_mock.ts";
export * from "./market.ts";
export * from "./mock_book.ts";
export * from "./mock_server.ts";
export * from "./symbols.ts";
export * from "./ws_test_client.ts";
