/**
 * The AlphaPulse configuration that points the service at simulated venues.
 *
 * @module
 */
import type { ConfigInput } from "../config.ts";
import type { VenueId } from "../exchanges/registry.ts";
import type { ExchangeId } from "../exchanges/types.ts";

/** Where one simulated venue listens and what it serves. */
export interface VenueEndpoint {
  /** Exchange id. */
  exchange: ExchangeId;
  /** WebSocket URL to give the adapter. */
  wsUrl: string;
  /** REST base URL (venues with REST snapshots). */
  restUrl?: string;
  /** Normalised `BASE/QUOTE` symbols. */
  symbols: string[];
  /** Further settings of the venue's config section against its mock (from its descriptor). */
  settings?: Record<string, unknown>;
}

type Sections = NonNullable<ConfigInput["exchanges"]>;

/** Overrides for {@linkcode serviceConfig}: any section, and partial exchange sections. */
export type ServiceConfigOverrides = Omit<ConfigInput, "exchanges"> & {
  /** Merged into each simulated exchange's section. */
  exchanges?: { [E in VenueId]?: Partial<NonNullable<Sections[E]>> };
};

/**
 * A configuration input with each venue's URLs and symbols; `overrides` are merged on top
 * (per section, and per exchange inside `exchanges`). Settings a venue's descriptor asks for
 * against its mock (Kraken's book depth 100, as in the built-in configuration) come with the
 * endpoint.
 *
 * @example
 * ```ts
 * import { serviceConfig } from "./service_config.ts";
 * const config = serviceConfig(
 *   [{ exchange: "kraken", wsUrl: "ws://127.0.0.1:9002/v2", symbols: ["BTC/USD"],
 *     settings: { depth: 100 } }],
 *   { book: { depth: 20 } },
 * );
 * if (config.exchanges?.kraken?.depth !== 100) throw new Error();
 * ```
 */
export function serviceConfig(
  venues: readonly VenueEndpoint[],
  overrides: ServiceConfigOverrides = {},
): ConfigInput {
  const exchanges: Record<string, Record<string, unknown>> = {};
  const more: Record<string, Record<string, unknown> | undefined> = overrides.exchanges ?? {};
  for (const v of venues) {
    exchanges[v.exchange] = {
      symbols: v.symbols,
      wsUrl: v.wsUrl,
      ...(v.restUrl === undefined ? {} : { restUrl: v.restUrl }),
      ...v.settings,
      ...more[v.exchange],
    };
  }
  return { ...overrides, exchanges } as ConfigInput;
}
