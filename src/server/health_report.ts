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

/** Per book status as `/health` reports it. */
export interface BookStatus {
  symbol: string;
  /** The collector's state of the book (`unknown` when its health is not available). */
  state: string;
  /** Whether the server holds a verified copy it can snapshot to new subscribers. */
  synced: boolean;
  /** Why not, when not synced. */
  staleReason: UnsyncedCause | null;
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
  books: BookStatus[];
}

/** The `/health` document. */
export interface HealthReport {
  /** `ok`: every book live; `degraded`: some; `down`: none (served with HTTP 503). */
  status: "ok" | "degraded" | "down";
  clients: number;
  exchanges: ExchangeStatus[];
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
}

/**
 * Builds `/health` and `/metrics`.
 *
 * @example
 * ```ts ignore
 * import { HealthReporter } from "./health_report.ts";
 * const reports = new HealthReporter({ sync, subscriptions, metrics, slowClients, onError });
 * const report = reports.health();
 * console.log(report.status, reports.metricsText().length);
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
    const now = Date.now();
    let live = 0;
    let total = 0;
    const exchanges = sync.pumps.map((pump): ExchangeStatus => {
      const h = this.#feedHealth(pump.feed);
      const books = sync.channelsOf(pump.feed).map((ch): BookStatus => {
        const b = h?.books.find((x) => x.symbol === ch.names.symbol);
        const synced = ch.cause === null;
        const state = b?.state ?? "unknown";
        total++;
        if (synced && (state === "live" || state === "unknown")) live++;
        return {
          symbol: ch.names.symbol,
          state,
          synced,
          staleReason: ch.cause,
          seq: ch.seq,
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
        books,
      };
    });
    return {
      status: live === 0 ? "down" : live === total ? "ok" : "degraded",
      clients: subscriptions.size,
      exchanges,
    };
  }

  /** The `/metrics` text. */
  metricsText(): string {
    const { sync, subscriptions } = this.#o;
    const health: ExchangeHealth[] = [];
    for (const pump of sync.pumps) {
      const h = this.#feedHealth(pump.feed);
      if (h) health.push(h);
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
          synced: ch.cause === null,
          subscribers: subscriptions.subscriberCount(ch),
        }))
      ),
    });
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
