/**
 * The `nats` section of `/health` and the `alphapulse_nats_*` families of `/metrics` (DESIGN
 * §12): connection state, per published exchange the lease holder and epoch and the publish
 * counters, per consumed book its lag (now − the last applied record's receive time).
 *
 * @module
 */
import { escapeLabel } from "../server/metrics.ts";
import type { NatsNode } from "./node.ts";

/** The `nats` section of `/health`. */
export interface NatsHealth {
  node: string;
  /** State of each of the node's connections (`publish`, `control`, `edge`). */
  connections: Record<string, string>;
  published: Array<{
    exchange: string;
    leaseHolder: string | null;
    epoch: number;
    /** This node holds the lease and may publish now. */
    publishing: boolean;
    published: number;
    failures: number;
    duplicates: number;
    inFlight: number;
    withheld: number;
    mirrorSnapshots: number;
    lastError: string | null;
  }>;
  consumed: Array<{
    exchange: string;
    epoch: number;
    catalogReady: boolean;
    messages: number;
    oldEpoch: number;
    gaps: number;
    checksumFailures: number;
    rereads: number;
    books: Array<{ symbol: string; synced: boolean; lagMs: number | null; epoch: number }>;
  }>;
}

/** Builds the `nats` section of `/health`. */
export function natsHealth(node: NatsNode): NatsHealth {
  const connections: Record<string, string> = {};
  for (const [name, link] of Object.entries(node.links)) if (link) connections[name] = link.state;
  return {
    node: node.node,
    connections,
    published: node.publishers.map((p) => {
      const lease = node.leases.get(p.feed.exchange);
      const c = p.counters;
      return {
        exchange: p.feed.exchange,
        leaseHolder: lease?.holder ?? null,
        epoch: lease?.holderEpoch ?? 0,
        publishing: lease?.fresh() ?? false,
        published: c.published,
        failures: c.failures,
        duplicates: c.duplicates,
        inFlight: c.inFlight,
        withheld: c.withheld,
        mirrorSnapshots: c.mirrorSnapshots,
        lastError: p.lastError || null,
      };
    }),
    consumed: node.edgeFeeds.map((f) => ({
      exchange: f.exchange,
      epoch: f.epoch,
      catalogReady: f.catalogReady,
      messages: f.counters.messages,
      oldEpoch: f.counters.oldEpoch,
      gaps: f.counters.gaps,
      checksumFailures: f.counters.checksumFailures,
      rereads: f.counters.rereads,
      books: f.books(),
    })),
  };
}

function family(name: string, type: string, help: string, rows: string[]): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${rows.join("")}`;
}

/**
 * The `alphapulse_nats_*` families: `published_total`, `publish_failures_total` (per exchange),
 * `lag_seconds{exchange,symbol}` (per consumed book), `lease_holder{exchange}` (1 when this node
 * holds the exchange's lease and may publish), `connected{connection}`.
 */
export function natsMetricsText(node: NatsNode): string {
  const ex = (e: string) => `exchange="${escapeLabel(e)}"`;
  const out: string[] = [];
  out.push(family(
    "alphapulse_nats_published_total",
    "counter",
    "Messages JetStream acknowledged (books and trades), per published exchange.",
    node.publishers.map((p) =>
      `alphapulse_nats_published_total{${ex(p.feed.exchange)}} ${p.counters.published}\n`
    ),
  ));
  out.push(family(
    "alphapulse_nats_publish_failures_total",
    "counter",
    "Publishes that failed or were refused (NATS down, in-flight bound, timeout).",
    node.publishers.map((p) =>
      `alphapulse_nats_publish_failures_total{${ex(p.feed.exchange)}} ${p.counters.failures}\n`
    ),
  ));
  out.push(family(
    "alphapulse_nats_lease_holder",
    "gauge",
    "1 when this node holds the exchange's publisher lease and may publish, else 0.",
    node.publishers.map((p) =>
      `alphapulse_nats_lease_holder{${ex(p.feed.exchange)}} ${
        node.leases.get(p.feed.exchange)?.fresh() ? 1 : 0
      }\n`
    ),
  ));
  out.push(family(
    "alphapulse_nats_lag_seconds",
    "gauge",
    "Per consumed book: now minus the receive time of the last record applied.",
    node.edgeFeeds.flatMap((f) =>
      f.books().flatMap((b) =>
        b.lagMs === null ? [] : [
          `alphapulse_nats_lag_seconds{${ex(f.exchange)},symbol="${escapeLabel(b.symbol)}"} ${
            b.lagMs / 1000
          }\n`,
        ]
      )
    ),
  ));
  out.push(family(
    "alphapulse_nats_connected",
    "gauge",
    "1 when the node's NATS connection is up.",
    Object.entries(node.links).flatMap(([name, link]) =>
      link ? [`alphapulse_nats_connected{connection="${name}"} ${link.up ? 1 : 0}\n`] : []
    ),
  ));
  return out.join("");
}
