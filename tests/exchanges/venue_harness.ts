/** A collector built from its venue descriptor on a real compiled core, for adapter tests. */
import { Core, RingReader } from "../../src/core/mod.ts";
import type { NormalizedTrade } from "../../src/exchanges/health.ts";
import type { SocketCollector } from "../../src/exchanges/collector.ts";
import type { VenueDescriptor, VenueSchema } from "../../src/exchanges/venue.ts";

export interface VenueHarness<C extends SocketCollector> {
  collector: C;
  core: Core;
  reader: RingReader;
  trades: NormalizedTrade[];
  logs: string[];
}

/** Validates `section` with the venue's schema and builds its collector (book depth 50). */
export async function venueHarness<S extends VenueSchema, C extends SocketCollector>(
  venue: VenueDescriptor<string, S, C>,
  section: Record<string, unknown>,
  options: { replay?: boolean } = {},
): Promise<VenueHarness<C>> {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const trades: NormalizedTrade[] = [];
  const logs: string[] = [];
  const settings = venue.config.parse({
    silenceTimeoutMs: 1500,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    ...section,
  });
  const collector = venue.createCollector(settings, {
    core,
    exchangeCode: venue.code,
    depth: 50,
    onTrade: (t) => trades.push(t),
    log: (l) => logs.push(l),
    replay: options.replay,
  });
  return { collector, core, reader, trades, logs };
}
