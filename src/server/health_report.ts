/**
 * Health and metrics reporting: the `/health` document (per exchange connection, per book state
 * as the collector and the server see it) and the `/metrics` text, built from the feeds' health,
 * the book channels, the subscriptions index and the server counters.
 *
 * @module
 */
import type { ExchangeHealth } from "../runtime/feed.ts";
import type { BookChannel, UnsyncedCause } from "./book_channel.ts";
import type { BookSync } from "./book_sync.ts";
import type { ClientSession } from "./client_session.ts";
import { renderMetrics, type ServerMetrics } from "./metrics.ts";
import type { Subscriptions } from "./subscriptions.ts";

/**
 * Whether the server can snapshot `ch` to a new subscriber now: its copy is synced, or, for a
 * dormant book (served on demand from the collector's own book, its records perhaps not even
 * read), the collector says the book is live.
 */
function serverSynced(ch: BookChannel, collector: { state: string } | undefined): boolean {
  return ch.dormant ? collector?.state === "live" : ch.cause === null;
}

/** Per book status as `/health` reports it. */
export interface BookStatus {
  symbol: string;
  /** The collector's state of the book (`unknown` when its health is not available). */
  state: string;
  /**
   * Whether the server can snapshot the book to new subscribers: it holds a verified copy, or
   * (not `mirrored`) the collector's record chain is intact and a subscriber wakes the copy.
   */
  synced: boolean;
  /** Why not, when not synced. */
  staleReason: UnsyncedCause | null;
  /**
   * Whether the server keeps a copy of the book's levels (false while dormant: no client
   * watches it and its records are read by header only).
   */
  mirrored: boolean;
  /**
   * Whether the collector writes no delta records of the book (paused while it is dormant, on a
   * collector that can: it keeps the book exact and resumes with a snapshot on the first
   * subscriber). `lastRecordAgeMs` then grows; `lastUpdateAgeMs` still follows the book.
   */
  quiet: boolean;
  seq: number;
  /** ms since the book last changed at the collector (null before its first snapshot). */
  lastUpdateAgeMs: number | null;
  /** ms since the server last read a record of this book (null before the first). */
  lastRecordAgeMs: number | null;
  subscribers: number;
}

/** Per exchange status as `/health` reports it. */
export interface ExchangeStatus {
  exchange: string;
  connection: string;
  healthy: boolean;
  lastMessageAgeMs: number | null;
  /** The last connection failure (cause, message, URL, time, next retry delay), or null. */
  lastError: ExchangeHealth["lastError"] | null;
  books: BookStatus[];
}

/**
 * A further section of `/health` and `/metrics` from outside the server (the NATS scale-out
 * adds `nats`): its JSON goes under `name` in `/health`, its text is appended to `/metrics`.
 */
export interface ReportSection {
  readonly name: string;
  health(): unknown;
  /** Prometheus text lines (with their `# HELP` / `# TYPE`), ending in a newline. */
  metricsText(): string;
}

/** The `/health` document. */
export interface HealthReport {
  /** `ok`: every book live; `degraded`: some; `down`: none (served with HTTP 503). */
  status: "ok" | "degraded" | "down";
  clients: number;
  exchanges: ExchangeStatus[];
  /** Further sections ({@linkcode ReportSection}), e.g. `nats`. */
  [section: string]: unknown;
}

/** What {@linkcode HealthReporter} reads. */
export interface HealthReporterOptions {
  sync: BookSync;
  subscriptions: Subscriptions<ClientSession, BookChannel>;
  metrics: ServerMetrics;
  /** Slow sessions right now. */
  slowClients(): number;
  /** Where a failing `health()` of a feed is reported. */
  onError(message: string, error: unknown): void;
  /** Further sections. */
  sections?: readonly ReportSection[];
}

/**
 * Builds `/health` and `/metrics`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, Core } from "../core/mod.ts";
 * import type { BookChannel } from "./book_channel.ts";
 * import { BookSync } from "./book_sync.ts";
 * import type { ClientSession } from "./client_session.ts";
 * import { FanOut } from "./fan_out.ts";
 * import { FeedPump } from "./feed_pump.ts";
 * import { HealthReporter } from "./health_report.ts";
 * import { ServerMetrics } from "./metrics.ts";
 * import { Subscriptions } from "./subscriptions.ts";
 * const core = await Core.create({ ringCapacity: 64 });
 * const book = core.createBook({ exchange: 2, symbol: 0, priceScale: 1, sizeScale: 0, depth: 5 });
 * const feed = {
 *   exchange: "kraken" as const, exchangeCode: 2, symbols: ["BTC/USD"],
 *   buffer: core.memory.buffer, ringAddress: core.ringAddress, layout: core.layout,
 *   onTrade: () => () => {}, health: () => { throw new Error("no collector here"); },
 *   requestSnapshots: () => {}, stop: () => Promise.resolve(),
 * };
 * const metrics = new ServerMetrics();
 * const subscriptions = new Subscriptions<ClientSession, BookChannel>();
 * const mirror = await BookMirror.create();
 * const fanOut = new FanOut({
 *   subscriptions, mirror, metrics, clientBufferBytes: 1000, onOverflow: () => {},
 * });
 * const sync = new BookSync({ mirror, fanOut, snapshotRetryMs: 2000, onError: () => {} });
 * sync.addPump(new FeedPump(feed, sync));
 * const errors: string[] = [];
 * const reports = new HealthReporter({
 *   sync, subscriptions, metrics, slowClients: () => 0, onError: (m) => errors.push(m),
 * });
 * const report = reports.health();
 * assert.equal(report.status, "down"); // the only book is not synced yet
 * assert.equal(report.exchanges[0].books[0].staleReason, "startup");
 * assert.deepEqual(errors, ["health() failed on kraken"]); // reported, not thrown
 * assert.match(reports.metricsText(), /^alphapulse_clients 0$/m);
 * ```
 */
export class HealthReporter {
  #o: HealthReporterOptions;

  constructor(options: HealthReporterOptions) {
    this.#o = options;
  }

  /** The `/health` document. */
  health(): HealthReport {
    const { sync, subscriptions } = this.#o;
    sync.drainAll();
    const now = Date.now();
    let live = 0;
    let total = 0;
    const exchanges = sync.pumps.map((pump): ExchangeStatus => {
      const h = this.#feedHealth(pump.feed);
      const books = sync.channelsOf(pump.feed).map((ch): BookStatus => {
        const b = h?.books.find((x) => x.symbol === ch.names.symbol);
        const synced = serverSynced(ch, b);
        const state = b?.state ?? "unknown";
        total++;
        if (synced && (state === "live" || state === "unknown")) live++;
        return {
          symbol: ch.names.symbol,
          state,
          synced,
          staleReason: synced ? null : ch.cause ?? "upstream",
          mirrored: !ch.dormant,
          quiet: b?.quiet ?? false,
          seq: ch.dormant ? b?.seq ?? ch.seq : ch.seq,
          lastUpdateAgeMs: b?.lastUpdateAgeMs ?? null,
          lastRecordAgeMs: ch.lastRecordAt === 0 ? null : now - ch.lastRecordAt,
          subscribers: subscriptions.subscriberCount(ch),
        };
      });
      return {
        exchange: pump.feed.exchange,
        connection: h?.connection ?? "unknown",
        healthy: h?.healthy ?? false,
        lastMessageAgeMs: h?.lastMessageAgeMs ?? null,
        lastError: h?.lastError ?? null,
        books,
      };
    });
    const report: HealthReport = {
      status: live === 0 ? "down" : live === total ? "ok" : "degraded",
      clients: subscriptions.size,
      exchanges,
    };
    for (const section of this.#o.sections ?? []) {
      try {
        report[section.name] = section.health();
      } catch (e) {
        this.#o.onError(`health() of section ${section.name} failed`, e);
      }
    }
    return report;
  }

  /** The `/metrics` text. */
  metricsText(): string {
    const { sync, subscriptions } = this.#o;
    sync.drainAll();
    const health: ExchangeHealth[] = [];
    const byFeed = new Map<unknown, ExchangeHealth>();
    for (const pump of sync.pumps) {
      const h = this.#feedHealth(pump.feed);
      if (h) {
        health.push(h);
        byFeed.set(pump.feed, h);
      }
    }
    let extra = "";
    for (const section of this.#o.sections ?? []) {
      try {
        extra += section.metricsText();
      } catch (e) {
        this.#o.onError(`metrics of section ${section.name} failed`, e);
      }
    }
    return renderMetrics({
      metrics: this.#o.metrics,
      clients: subscriptions.size,
      slowClients: this.#o.slowClients(),
      subscriptions: subscriptions.total(),
      health,
      books: sync.pumps.flatMap((p) =>
        sync.channelsOf(p.feed).map((ch) => ({
          exchange: ch.names.exchange,
          symbol: ch.names.symbol,
          synced: serverSynced(
            ch,
            byFeed.get(p.feed)?.books.find((x) => x.symbol === ch.names.symbol),
          ),
          subscribers: subscriptions.subscriberCount(ch),
        }))
      ),
    }) + extra;
  }

  #feedHealth(feed: { exchange: string; health(): ExchangeHealth }): ExchangeHealth | undefined {
    try {
      return feed.health();
    } catch (e) {
      this.#o.onError(`health() failed on ${feed.exchange}`, e);
      return undefined;
    }
  }
}
