/**
 * The venues the service speaks to: one descriptor per venue folder, in the order the service
 * starts them. Everything that depends on the set of venues (config schema, record exchange codes,
 * runtime, recorder, replay, simulator, benches, the conformance kit) derives from this list.
 * Adding a venue = its folder plus one line here.
 *
 * @example
 * ```ts
 * import { EXCHANGES, venue } from "./registry.ts";
 * if (!EXCHANGES.includes("kraken") || venue("kraken").code !== 2) throw new Error();
 * ```
 *
 * @module
 */
import { binance } from "./binance/descriptor.ts";
import { binanceus } from "./binanceus/descriptor.ts";
import { bitfinex } from "./bitfinex/descriptor.ts";
import { bybit } from "./bybit/descriptor.ts";
import type { Collector, CollectorContext, SocketCollector } from "./collector.ts";
import { coinbase } from "./coinbase/descriptor.ts";
import { kraken } from "./kraken/descriptor.ts";
import { okx } from "./okx/descriptor.ts";
import type { ExchangeId } from "./types.ts";
import type { VenueDescriptor } from "./venue.ts";

/** Every venue, in start order. */
export const VENUES = [
  coinbase,
  kraken,
  binanceus,
  binance,
  bybit,
  okx,
  bitfinex,
] as const;

/** One registered venue's descriptor (with its precise types). */
export type RegisteredVenue = (typeof VENUES)[number];

/** The registered venue ids. */
export type VenueId = RegisteredVenue["id"];

/** Venue ids in start order. */
export const EXCHANGES: readonly VenueId[] = Object.freeze(VENUES.map((v) => v.id));

const BY_ID: ReadonlyMap<string, VenueDescriptor> = new Map(VENUES.map((v) => [v.id, v]));

/** Whether `id` names a registered venue. */
export function isVenueId(id: string): id is VenueId {
  return BY_ID.has(id);
}

/**
 * The descriptor of a venue; throws a `RangeError` for an unknown id.
 *
 * @example
 * ```ts
 * import { venue } from "./registry.ts";
 * if (venue("coinbase").name !== "Coinbase") throw new Error();
 * ```
 */
export function venue(id: ExchangeId): VenueDescriptor {
  const found = BY_ID.get(id);
  if (!found) throw new RangeError(`Unknown venue ${JSON.stringify(id)}`);
  return found;
}

/** The venue whose records carry this exchange code, if any. */
export function venueByCode(code: number): VenueDescriptor | undefined {
  return VENUES.find((v) => v.code === code);
}

/**
 * Creates the collector for a venue from its validated config section.
 *
 * @example
 * ```ts ignore
 * const collector = createCollector("kraken", config.exchanges.kraken!, { core, exchangeCode: 2, depth: 50 });
 * ```
 */
export function createCollector(
  exchange: ExchangeId,
  settings: unknown,
  context: CollectorContext,
): SocketCollector & Collector {
  return venue(exchange).createCollector(settings as never, context);
}
