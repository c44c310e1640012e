/**
 * The exchange simulator: Coinbase Advanced Trade, Kraken v2 and Binance.US on 127.0.0.1, with
 * realistic seeded markets, a total message rate, bursts and fault injection. See `README.md` in
 * this folder.
 *
 * @example
 * ```ts
 * import { Simulator } from "./mod.ts";
 * const sim = new Simulator({ rate: 100 });
 * await sim.start();
 * // sim.config() → a service configuration pointing at every simulated venue
 * await sim.stop();
 * ```
 *
 * @module
 */
export * from "./batched_ws_server.ts";
export * from "./binance_mock.ts";
export * from "./coinbase_mock.ts";
export * from "./kraken_mock.ts";
export * from "./market.ts";
export * from "./mock_book.ts";
export * from "./mock_server.ts";
export * from "./service_config.ts";
export * from "./simulator.ts";
export * from "./symbols.ts";
export * from "./threaded_simulator.ts";
