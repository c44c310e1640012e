/**
 * Binance.US as a member of the Binance family (`src/exchanges/binance/`): its ids, hosts, REST
 * weights and limits, keepalive timings (`shared/docs/exchange-protocols.md` §3).
 *
 * @example
 * ```ts
 * import { BINANCE_US } from "./variant.ts";
 * if (BINANCE_US.code !== 3) throw new Error();
 * ```
 *
 * @module
 */
import type { BinanceVariant } from "../binance/variant.ts";

/** The Binance.US variant record. */
export const BINANCE_US = {
  id: "binanceus",
  name: "Binance.US",
  code: 3,
  wsUrl: "wss://stream.binance.us:9443",
  restUrl: "https://api.binance.us",
  depthWeights: [[100, 1], [500, 5], [1000, 10], [5000, 50]],
  restWeightLimit: 1200,
  restWeightPerMinute: 600,
  maxConnectionAgeMs: 24 * 3_600_000,
  // The 2023 documentation; a newer value could not be confirmed.
  ping: { intervalMs: 180_000, pongTimeoutMs: 600_000 },
  defaultSymbols: ["BTC/USDT", "ETH/USDT"],
  mockSymbols: ["BTC/USDT", "ETH/USDT", "SOL/USDT"],
} as const satisfies BinanceVariant;
