/**
 * What differs between the members of the Binance family (Binance global spot, Binance.US): the
 * protocol — stream names, payloads, REST depth snapshots, the `lastUpdateId` / `U` / `u` splice —
 * is one, in this folder; a variant is a record of ids, hosts, limits and keepalive timings
 * (`shared/docs/exchange-protocols.md` §3, "Variant field"). A variant's own folder holds only its
 * record and the descriptor {@linkcode binanceFamilyVenue} builds from it.
 *
 * @example
 * ```ts
 * import { depthWeight } from "./variant.ts";
 * const table = [[100, 1], [500, 5], [1000, 10], [5000, 50]] as const;
 * if (depthWeight(table, 1000) !== 10 || depthWeight(table, 1001) !== 50) throw new Error();
 * ```
 *
 * @module
 */

/**
 * REST weight of `GET /api/v3/depth` by `limit`: `[largest limit, weight]` rows in ascending
 * order; a limit above the last row costs the last row's weight.
 */
export type DepthWeightTable = readonly (readonly [maxLimit: number, weight: number])[];

/** One member of the Binance family. */
export interface BinanceVariant {
  /** Venue id (config key). */
  readonly id: string;
  /** Human name. */
  readonly name: string;
  /** Record exchange code (DESIGN §5). */
  readonly code: number;
  /** Live WebSocket base (`wss://host:9443`), the config default. */
  readonly wsUrl: string;
  /** Live REST base, the config default. */
  readonly restUrl: string;
  /** REST depth weight by limit. */
  readonly depthWeights: DepthWeightTable;
  /** REST weight the venue allows per minute (what its mock enforces). */
  readonly restWeightLimit: number;
  /** REST weight per minute this service allows itself by default (below the venue's limit). */
  readonly restWeightPerMinute: number;
  /** The venue's connection lifetime: it closes every connection this old. */
  readonly maxConnectionAgeMs: number;
  /**
   * Server ping frames: interval and how long the venue waits for the pong. Deno's WebSocket
   * client answers ping frames by itself, so the collector needs no code for them; recorded here
   * as documentation of the variant (and for mocks that want to emulate it).
   */
  readonly ping: { readonly intervalMs: number; readonly pongTimeoutMs: number };
  /**
   * Whether the venue announces planned closes with `{"e":"serverShutdown"}` (Binance global);
   * the collector reconnects on it either way.
   */
  readonly serverShutdown?: boolean;
  /** Whether `@trade` carries the buyer/seller order ids `b`/`a` (removed on Binance global). */
  readonly tradeOrderIds?: boolean;
  /** Symbols of the built-in default configuration. */
  readonly defaultSymbols: readonly string[];
  /** Symbols its mock serves in the simulator by default. */
  readonly mockSymbols: readonly string[];
}

/** The weight of a depth request of `limit` levels under `table`. */
export function depthWeight(table: DepthWeightTable, limit: number): number {
  for (const [max, weight] of table) if (limit <= max) return weight;
  return table[table.length - 1][1];
}
