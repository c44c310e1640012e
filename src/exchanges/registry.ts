/**
 * Creates the collector for an exchange from its config section.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { BinanceCollector } from "./binanceus/collector.ts";
import type { Collector, CollectorContext } from "./collector.ts";
import { CoinbaseCollector } from "./coinbase/collector.ts";
import { KrakenCollector } from "./kraken/collector.ts";
import type { ExchangeId } from "./types.ts";

/** Exchanges in the order the service starts them. */
export const EXCHANGES: readonly ExchangeId[] = ["coinbase", "kraken", "binanceus"];

/**
 * @example
 * ```ts ignore
 * const collector = createCollector("kraken", config.exchanges.kraken!, { core, exchangeCode: 2, depth: 50 });
 * ```
 */
export function createCollector(
  exchange: ExchangeId,
  settings: NonNullable<Config["exchanges"][ExchangeId]>,
  context: CollectorContext,
): Collector {
  switch (exchange) {
    case "coinbase":
      return new CoinbaseCollector(
        settings as NonNullable<Config["exchanges"]["coinbase"]>,
        context,
      );
    case "kraken":
      return new KrakenCollector(settings as NonNullable<Config["exchanges"]["kraken"]>, context);
    case "binanceus":
      return new BinanceCollector(
        settings as NonNullable<Config["exchanges"]["binanceus"]>,
        context,
      );
  }
}
