/**
 * The exchange simulator: every registered venue's mock server on 127.0.0.1, with realistic
 * seeded markets, a total message rate, bursts and fault injection. See `README.md` in this
 * folder. The mock servers themselves live in their venue folders (`src/exchanges/<venue>/mock.ts`)
 * on the shared mock kit (`src/mock/`).
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
export * from "./service_config.ts";
export * from "./simulator.ts";
export * from "./threaded_simulator.ts";
