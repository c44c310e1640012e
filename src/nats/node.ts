/**
 * A node's NATS roles, from its configuration (DESIGN §12): with `nats.publish`, a
 * {@linkcode Publisher} and a {@linkcode Lease} per collected exchange (publishing connection,
 * and a control connection for the leases, the catalog and the streams); with `nats.consume`,
 * an {@linkcode EdgeFeed} per consumed exchange (their own connection), which the server serves
 * like any collector's feed. Nothing here waits for NATS: the roles start at once and connect in
 * the background.
 *
 * @module
 */
import { Kvm } from "@nats-io/kv";
import type { Config, NatsConfig } from "../config.ts";
import type { ExchangeFeed } from "../runtime/feed.ts";
import type { ReportSection } from "../server/health_report.ts";
import { NatsLink } from "./connection.ts";
import { EdgeFeed } from "./edge_feed.ts";
import { Lease } from "./lease.ts";
import { BOOKS_BUCKET, LEASES_BUCKET } from "./names.ts";
import { Publisher } from "./publisher.ts";
import { ensureJetStream } from "./setup.ts";
import { natsHealth, natsMetricsText } from "./report.ts";

/** Least time between two re-creations of missing streams after refused publishes (ms). */
const REPAIR_MS = 2000;

/** Options of {@linkcode startNats}. */
export interface NatsNodeOptions {
  config: Config;
  /** The feeds this node collects (published with `nats.publish`). */
  feeds: readonly ExchangeFeed[];
  log?(line: string): void;
  /** Publisher housekeeping period (ms), for tests. */
  tickMs?: number;
}

/** A node's running NATS roles. */
export class NatsNode {
  readonly config: NatsConfig;
  readonly node: string;
  /** The consumed exchanges' feeds (serve them with the collected ones). */
  readonly edgeFeeds: readonly EdgeFeed[];
  readonly publishers: readonly Publisher[];
  readonly leases: ReadonlyMap<string, Lease>;
  /** The `nats` section of `/health` and `/metrics`. */
  readonly section: ReportSection;
  readonly links: { publish?: NatsLink; control?: NatsLink; edge?: NatsLink };
  #stopped = false;

  constructor(
    config: NatsConfig,
    node: string,
    parts: {
      edgeFeeds: EdgeFeed[];
      publishers: Publisher[];
      leases: Map<string, Lease>;
      links: NatsNode["links"];
    },
  ) {
    this.config = config;
    this.node = node;
    this.edgeFeeds = parts.edgeFeeds;
    this.publishers = parts.publishers;
    this.leases = parts.leases;
    this.links = parts.links;
    this.section = {
      name: "nats",
      health: () => natsHealth(this),
      metricsText: () => natsMetricsText(this),
    };
  }

  /**
   * Stops every role. With `release` (a clean shutdown), held leases are deleted so a standby
   * takes over at once; without, the leases just stop being renewed (as after a crash).
   */
  async stop(release = true): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.publishers.map((p) => p.stop()));
    await Promise.all([...this.leases.values()].map((l) => l.stop(release)));
    await Promise.all(this.edgeFeeds.map((f) => f.stop()));
    const { publish, control, edge } = this.links;
    await Promise.all([publish?.close(), control?.close(), edge?.close()]);
  }
}

/**
 * Starts the NATS roles the configuration asks for (none without a `nats` section).
 *
 * @example
 * ```ts ignore
 * const nats = await startNats({ config, feeds, log: console.log });
 * const server = await createServer({ config, feeds: [...feeds, ...(nats?.edgeFeeds ?? [])],
 *   sections: nats ? [nats.section] : [] });
 * ```
 */
export async function startNats(options: NatsNodeOptions): Promise<NatsNode | undefined> {
  const config = options.config.nats;
  if (!config) return undefined;
  const log = options.log ?? (() => {});
  const node = config.node ?? `alphapulse-${crypto.randomUUID().slice(0, 8)}`;
  const links: NatsNode["links"] = {};
  const publishers: Publisher[] = [];
  const leases = new Map<string, Lease>();
  const edgeFeeds: EdgeFeed[] = [];
  if (config.publish && options.feeds.length > 0) {
    const publish = links.publish = new NatsLink(config, `${node}-publish`, log);
    const control = links.control = new NatsLink(config, `${node}-control`, log);
    // A stream deleted under a running collector (or lost with a server's store) is created
    // again, at most every REPAIR_MS; until then publishes are refused and counted, and each
    // refused book is snapshotted first once the stream stores again.
    let repairedAt = -Infinity;
    const repair = () => {
      if (Date.now() - repairedAt < REPAIR_MS || control.state === "closed") return;
      repairedAt = Date.now();
      control.ready
        .then((nc) => ensureJetStream(nc, config, log))
        .then(() => log("NATS: a publish found no stream; missing streams and buckets created"))
        .catch((e) => log(`NATS setup after a refused publish failed: ${(e as Error).message}`));
    };
    for (const feed of options.feeds) {
      const late: { publisher?: Publisher } = {};
      const lease = new Lease({
        exchange: feed.exchange,
        node,
        leaseMs: config.leaseMs,
        log,
        onChange: () => late.publisher?.termChanged(),
      });
      leases.set(feed.exchange, lease);
      const publisher = late.publisher = await Publisher.create({
        feed,
        link: publish,
        lease,
        subjectPrefix: config.subjectPrefix,
        depth: options.config.book.depth,
        snapshotEvery: config.snapshotEvery,
        maxInFlight: config.maxInFlight,
        tickMs: options.tickMs,
        log,
        onNoStream: repair,
      });
      publishers.push(publisher);
      publisher.start();
    }
    publish.ready.then((nc) => {
      for (const p of publishers) p.connection = nc;
    }).catch(() => {});
    control.ready.then(async (nc) => {
      for (;;) {
        try {
          await ensureJetStream(nc, config, log);
          break;
        } catch (e) {
          log(`NATS setup failed, retrying: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, 1000));
          if (control.state === "closed") return;
        }
      }
      const kvm = new Kvm(nc);
      const leaseKv = await kvm.open(LEASES_BUCKET);
      const books = await kvm.open(BOOKS_BUCKET);
      for (const p of publishers) {
        p.catalog = books;
        const lease = leases.get(p.feed.exchange)!;
        lease.bind(leaseKv);
        lease.start();
      }
    }).catch((e) => log(`NATS control connection: ${(e as Error).message}`));
  }
  if (config.consume.length > 0) {
    const edge = links.edge = new NatsLink(config, `${node}-edge`, log);
    for (const exchange of config.consume) {
      const feed = await EdgeFeed.create({
        exchange,
        link: edge,
        config,
        ringCapacity: options.config.runtime.ringCapacity,
        log,
      });
      feed.start();
      edgeFeeds.push(feed);
    }
  }
  return new NatsNode(config, node, { edgeFeeds, publishers, leases, links });
}
