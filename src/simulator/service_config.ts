/**
 * The AlphaPulse configuration that points the service at simulated venues.
 *
 * @module
 */
import type { ConfigInput } from "../config.ts";
import type { ExchangeId } from "../exchanges/types.ts";

/** Where one simulated venue listens and what it serves. */
export interface VenueEndpoint {
  /** Exchange id. */
  exchange: ExchangeId;
  /** WebSocket URL to give the adapter. */
  wsUrl: string;
  /** REST base URL (Binance.US). */
  restUrl?: string;
  /** Normalised `BASE/QUOTE` symbols. */
  symbols: string[];
}

type Sections = NonNullable<ConfigInput["exchanges"]>;

/** Overrides for {@linkcode serviceConfig}: any section, and partial exchange sections. */
export type ServiceConfigOverrides = Omit<ConfigInput, "exchanges"> & {
  /** Merged into each simulated exchange's section. */
  exchanges?: { [E in ExchangeId]?: Partial<NonNullable<Sections[E]>> };
};

/**
 * A configuration input with each venue's URLs and symbols; `overrides` are merged on top
 * (per section, and per exchange inside `exchanges`). Kraken's book depth defaults to 100, as in
 * the service's built-in configuration.
 *
 * @example
 * ```ts
 * import { serviceConfig } from "./service_config.ts";
 * const config = serviceConfig(
 *   [{ exchange: "kraken", wsUrl: "ws://127.0.0.1:9002/v2", symbols: ["BTC/USD"] }],
 *   { book: { depth: 20 } },
 * );
 * if (config.exchanges?.kraken?.depth !== 100) throw new Error();
 * ```
 */
export function serviceConfig(
  venues: readonly VenueEndpoint[],
  overrides: ServiceConfigOverrides = {},
): ConfigInput {
  const exchanges: NonNullable<ConfigInput["exchanges"]> = {};
  const more = overrides.exchanges ?? {};
  for (const v of venues) {
    if (v.exchange === "coinbase") {
      exchanges.coinbase = { symbols: v.symbols, wsUrl: v.wsUrl, ...more.coinbase };
    } else if (v.exchange === "kraken") {
      exchanges.kraken = { symbols: v.symbols, wsUrl: v.wsUrl, depth: 100, ...more.kraken };
    } else {
      if (v.restUrl === undefined) throw new TypeError("Binance.US needs a REST URL");
      exchanges.binanceus = {
        symbols: v.symbols,
        wsUrl: v.wsUrl,
        restUrl: v.restUrl,
        ...more.binanceus,
      };
    }
  }
  return { ...overrides, exchanges };
}
