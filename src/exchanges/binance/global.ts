/**
 * Binance (global) spot as a member of the Binance family: its ids, hosts, REST weights and
 * limits, keepalive timings (`shared/docs/exchange-protocols.md` §3.6). The protocol — streams,
 * REST depth snapshots and the splice as documented since 2024-12-16 — is this folder's.
 *
 * - Hosts: `wss://stream.binance.com:9443`, `https://api.binance.com` (market-data-only
 *   alternatives `wss://data-stream.binance.vision` and `https://data-api.binance.vision` work as
 *   `wsUrl` / `restUrl`).
 * - Ping frame every 20 s, pong within 1 min (since February 2025); Deno's client answers them.
 * - `GET /api/v3/depth` weight 5 / 25 / 50 / 250 by limit (≤100 / ≤500 / ≤1000 / ≤5000);
 *   `REQUEST_WEIGHT` 6000 per minute per IP; this service allows itself 3000 by default.
 * - 24 h connection lifetime (the collector renews after 23 h); `serverShutdown` before planned
 *   closes; `@trade` without the buyer/seller order ids since 2024-06-18.
 *
 * @example
 * ```ts
 * import { BINANCE_GLOBAL } from "./global.ts";
 * import { depthWeight } from "./variant.ts";
 * if (BINANCE_GLOBAL.code !== 4 || depthWeight(BINANCE_GLOBAL.depthWeights, 1000) !== 50) {
 *   throw new Error();
 * }
 * ```
 *
 * @module
 */
import type { BinanceVariant } from "./variant.ts";

/** The Binance (global) spot variant record. */
export const BINANCE_GLOBAL = {
  id: "binance",
  name: "Binance",
  code: 4,
  wsUrl: "wss://stream.binance.com:9443",
  restUrl: "https://api.binance.com",
  depthWeights: [[100, 5], [500, 25], [1000, 50], [5000, 250]],
  restWeightLimit: 6000,
  restWeightPerMinute: 3000,
  maxConnectionAgeMs: 24 * 3_600_000,
  ping: { intervalMs: 20_000, pongTimeoutMs: 60_000 },
  serverShutdown: true,
  tradeOrderIds: false,
  defaultSymbols: ["BTC/USDT", "ETH/USDT"],
  mockSymbols: ["BTC/USDT", "ETH/USDT", "SOL/USDT"],
} as const satisfies BinanceVariant;
