/**
 * Test helper: the real collectors (`startFeeds`) pointed at a {@linkcode Simulator}, with every
 * ring read on this thread into a BookMirror, so tests can compare the service's books with the
 * simulator's authoritative ones and read the collectors' counters.
 *
 * @module
 */
import { parseConfig } from "../../src/config.ts";
import { BookMirror, LAPPED, RingReader } from "../../src/core/mod.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import type { ExchangeId } from "../../src/exchanges/types.ts";
import type { ExchangeFeed, ExchangeHealth } from "../../src/runtime/feed.ts";
import { startFeeds } from "../../src/runtime/feeds.ts";
import type { ServiceConfigOverrides } from "../../src/simulator/service_config.ts";
import type { Simulator } from "../../src/simulator/simulator.ts";

/** Fast reconnects and liveness for tests. */
export const FAST = { silenceTimeoutMs: 3000, minBackoffMs: 20, maxBackoffMs: 200 } as const;

/** A running pipeline: simulator → collectors → rings → mirror. */
export class Pipeline {
  readonly feeds: ExchangeFeed[];
  readonly mirror: BookMirror;
  readonly #readers: RingReader[];
  readonly #sim: Simulator;
  readonly depth: number;
  /** Mirror results that were not ok/partial/stale (checksum or seq problems seen by a client). */
  readonly mirrorProblems: string[] = [];
  /** Called with every ring record read, in order. */
  onRecord?: (exchange: ExchangeId, bytes: Uint8Array) => void;

  private constructor(sim: Simulator, feeds: ExchangeFeed[], mirror: BookMirror, depth: number) {
    this.#sim = sim;
    this.feeds = feeds;
    this.mirror = mirror;
    this.depth = depth;
    this.#readers = feeds.map((f) =>
      new RingReader(f.buffer, f.ringAddress, f.layout, { from: "oldest" })
    );
  }

  /** Start the collectors against `sim` (already started). */
  static async start(
    sim: Simulator,
    overrides: ServiceConfigOverrides = {},
    options: { recordDir?: string } = {},
  ): Promise<Pipeline> {
    const input = sim.config({
      book: { depth: 10 },
      runtime: { mode: "single", ringCapacity: 1 << 16 },
      ...overrides,
      exchanges: Object.fromEntries(
        sim.exchanges.map((e) => [e, {
          ...FAST,
          ...(e === "binanceus" ? { snapshotLimit: 100 } : {}),
          ...(overrides.exchanges as Record<string, object> | undefined)?.[e],
        }]),
      ),
    });
    const config = parseConfig(input);
    const feeds = await startFeeds(
      config,
      Deno.env.get("PIPELINE_LOG") ? (l) => console.log(l) : undefined,
      options,
    );
    return new Pipeline(sim, feeds, await BookMirror.create(), config.book.depth);
  }

  /** Read every ring into the mirror. */
  drain(): void {
    this.#readers.forEach((r, i) => {
      const exchange = this.feeds[i].exchange;
      for (let b = r.read(); b !== null; b = r.read()) {
        if (b === LAPPED) throw new Error("ring reader lapped");
        this.onRecord?.(exchange, b);
        const result = this.mirror.apply(b);
        if (result.status === "gap" || result.status === "checksum") {
          this.mirrorProblems.push(`${result.exchange}/${result.symbol}: ${result.status}`);
        }
      }
    });
  }

  /** Health of one exchange. */
  health(exchange: ExchangeId): ExchangeHealth {
    const feed = this.feeds.find((f) => f.exchange === exchange);
    if (!feed) throw new Error(`no feed for ${exchange}`);
    return feed.health();
  }

  /** Sum of per-book resyncs of one exchange. */
  resyncs(exchange: ExchangeId): number {
    return this.health(exchange).books.reduce((n, b) => n + b.resyncs, 0);
  }

  /** Whether every book is live. */
  allLive(): boolean {
    return this.feeds.every((f) => f.health().books.every((b) => b.state === "live"));
  }

  /** Whether every mirrored book equals the simulator's top `depth`. */
  matches(): boolean {
    this.drain();
    return this.feeds.every((f) =>
      f.symbols.every((symbol, i) => {
        const mine = this.mirror.book(f.exchangeCode, i);
        if (!mine || !this.mirror.isSynced(f.exchangeCode, i)) return false;
        const ref = this.#sim.venue(f.exchange).book(symbol, this.depth);
        return same(mine.bids, ref.bids) && same(mine.asks, ref.asks);
      })
    );
  }

  /** Stop the collectors. */
  async stop(): Promise<void> {
    await Promise.all(this.feeds.map((f) => f.stop()));
  }
}

function same(
  a: ReadonlyArray<readonly [string, string]>,
  b: ReadonlyArray<readonly [string, string]>,
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (normalizeDecimal(a[i][0]) !== normalizeDecimal(b[i][0])) return false;
    if (normalizeDecimal(a[i][1]) !== normalizeDecimal(b[i][1])) return false;
  }
  return true;
}
