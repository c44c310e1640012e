/**
 * The health of a test or bench feed that has no exchange behind it: connected, healthy, every
 * counter zero; `books` and any other field as given.
 *
 * @example
 * ```ts
 * import { quietHealth } from "./quiet_health.ts";
 * const h = quietHealth("kraken", { books: [] });
 * if (!h.healthy || h.gaps !== 0 || h.exchange !== "kraken") throw new Error();
 * ```
 *
 * @module
 */
import type { ExchangeHealth } from "../../src/exchanges/health.ts";
import type { ExchangeId } from "../../src/exchanges/types.ts";

/** A zero-counter health for `exchange`, with `fields` on top. */
export function quietHealth(
  exchange: ExchangeId,
  fields: Partial<ExchangeHealth> = {},
): ExchangeHealth {
  return {
    exchange,
    connection: "connected",
    healthy: true,
    messages: 0,
    bytes: 0,
    parseErrors: 0,
    unknownMessages: 0,
    oversizeMessages: 0,
    exchangeErrors: 0,
    gaps: 0,
    checksumFailures: 0,
    resyncs: 0,
    reconnects: 0,
    lastMessageAgeMs: 0,
    books: [],
    ...fields,
  };
}
