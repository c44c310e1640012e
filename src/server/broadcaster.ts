/**
 * The broadcaster: puts the server's jobs together and owns their lifetime. Each job is its own
 * module:
 *
 * | job                                     | module               |
 * | --------------------------------------- | -------------------- |
 * | reading a ring                          | `feed_pump.ts`       |
 * | per-book sync state machine             | `book_channel.ts`    |
 * | records → books → what to publish       | `book_sync.ts`       |
 * | who is subscribed to what (both ways)   | `subscriptions.ts`   |
 * | one fan-out path for all book data      | `fan_out.ts`         |
 * | slow-client policy                      | `slow_clients.ts`    |
 * | client requests                         | `request_handler.ts` |
 * | `/health` and `/metrics`                | `health_report.ts`   |
 *
 * Only this module knows them all; they know each other only through what they are given.
 *
 * @module
 */
import { BookMirror } from "../core/book_mirror.ts";
import type { Config } from "../config.ts";
import type { ExchangeFeed, NormalizedTrade } from "../runtime/feed.ts";
import type { BookChannel } from "./book_channel.ts";
import { BookSync } from "./book_sync.ts";
import type { ClientSession } from "./client_session.ts";
import { FanOut } from "./fan_out.ts";
import { FeedPump } from "./feed_pump.ts";
import { type HealthReport, HealthReporter, type ReportSection } from "./health_report.ts";
import { ServerMetrics } from "./metrics.ts";
import { RequestHandler } from "./request_handler.ts";
import { SlowClientPolicy } from "./slow_clients.ts";
import { Subscriptions } from "./subscriptions.ts";

/** Tuning of the broadcaster beyond the configuration (tests and benchmarks adjust these). */
export interface BroadcasterTuning {
  /** A slow client that has not drained after this long is disconnected. Default 10 s. */
  slowDrainTimeoutMs?: number;
  /** A client that kept up this long since its last re-snapshot starts a new row of strikes. */
  slowStrikeResetMs?: number;
  /** A book the server could not sync is asked of its collector again after this long. */
  snapshotRetryMs?: number;
  /** Period of the housekeeping tick (slow clients, snapshot retries). Default 50 ms. */
  tickMs?: number;
  /**
   * Least time between two wake-ups of one ring's reader that found records: records written
   * meanwhile leave together, in fewer and larger frames. A number (0 = every wake-up sends),
   * or `"auto"` (default): 0 below 256 clients, 5 ms from 256 clients on, where the cost per
   * frame dominates (measured by `bench/server_fanout.ts`).
   */
  batchIntervalMs?: number | "auto";
  /** Where unexpected errors are reported. Default `console.error`. */
  onError?: (message: string, error: unknown) => void;
  /** Further `/health` and `/metrics` sections (e.g. `nats`). */
  sections?: readonly ReportSection[];
}

/** Clients from which `batchIntervalMs: "auto"` batches wake-ups, and the interval it uses. */
const AUTO_BATCH_CLIENTS = 256;
const AUTO_BATCH_MS = 5;
/**
 * How often a ring is read while no client watches any of its books (ms). Every event-loop
 * wake-up costs CPU (bench/service.ts), so an unwatched ring is not read per write; its mirror
 * lags by at most this long, and the first subscription wakes the pump at once.
 */
const IDLE_POLL_MS = 25;
/** Ring poll period while every book of the feed is dormant. */
const DORMANT_POLL_MS = 1000;
/** Housekeeping period while no client is connected. */
const IDLE_TICK_MS = 1000;

/**
 * Reads the rings and serves the sessions. See the module documentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseConfig } from "../config.ts";
 * import { Broadcaster } from "./broadcaster.ts";
 * import { ClientSession } from "./client_session.ts";
 * const sent: Array<string | Uint8Array> = [];
 * const socket = {
 *   readyState: WebSocket.OPEN, bufferedAmount: 0, addEventListener() {}, close() {},
 *   send(data: string | Uint8Array) { sent.push(data); },
 * } as unknown as WebSocket;
 * const hub = await Broadcaster.create(parseConfig({}).server, []);
 * hub.start();
 * const session = new ClientSession(socket, "json", 50, hub.metrics);
 * hub.addSession(session);
 * hub.handleMessage(session, '{"op":"subscribe","channel":"trades","exchange":"kraken","symbols":["BTC/USD"]}');
 * assert.equal(JSON.parse(sent[0] as string).type, "error"); // no feed serves kraken here
 * assert.equal(hub.clients, 1);
 * hub.removeSession(session);
 * assert.equal(hub.health().clients, 0);
 * await hub.stop();
 * ```
 */
export class Broadcaster {
  /** Server counters. */
  readonly metrics: ServerMetrics = new ServerMetrics();
  #subs = new Subscriptions<ClientSession, BookChannel>();
  #slow: SlowClientPolicy;
  #fanOut: FanOut;
  #sync: BookSync;
  #requests: RequestHandler;
  #reports: HealthReporter;
  #tick: ReturnType<typeof setTimeout> | undefined;
  #tickMs = 0;
  #untrade: Array<() => void> = [];
  #tuning: Required<BroadcasterTuning>;
  #stopped = false;

  private constructor(
    config: Config["server"],
    feeds: readonly ExchangeFeed[],
    mirror: BookMirror,
    tuning: BroadcasterTuning,
  ) {
    this.#tuning = {
      slowDrainTimeoutMs: tuning.slowDrainTimeoutMs ?? 10_000,
      slowStrikeResetMs: tuning.slowStrikeResetMs ?? 30_000,
      snapshotRetryMs: tuning.snapshotRetryMs ?? 2_000,
      tickMs: tuning.tickMs ?? 50,
      batchIntervalMs: tuning.batchIntervalMs ?? "auto",
      onError: tuning.onError ?? ((message, error) => console.error(message, error)),
      sections: tuning.sections ?? [],
    };
    const t = this.#tuning;
    const disconnect = (session: ClientSession, code: number, reason: string) => {
      session.close(code, reason);
      this.removeSession(session);
    };
    const subscriptions = this.#subs;
    const metrics = this.metrics;
    this.#slow = new SlowClientPolicy({
      subscriptions,
      metrics,
      clientBufferBytes: config.clientBufferBytes,
      maxSlowStrikes: config.maxSlowStrikes,
      slowDrainTimeoutMs: t.slowDrainTimeoutMs,
      slowStrikeResetMs: t.slowStrikeResetMs,
      disconnect,
    });
    this.#fanOut = new FanOut({
      subscriptions,
      mirror,
      metrics,
      clientBufferBytes: config.clientBufferBytes,
      onOverflow: (session) => this.#slow.overflow(session),
    });
    this.#slow.attach(this.#fanOut);
    this.#sync = new BookSync({
      mirror,
      fanOut: this.#fanOut,
      snapshotRetryMs: t.snapshotRetryMs,
      onError: t.onError,
      watched: (ch) => subscriptions.subscriberCount(ch) > 0,
    });
    const batch = t.batchIntervalMs;
    for (const feed of feeds) {
      const pump = new FeedPump(feed, this.#sync);
      pump.batchInterval = batch === "auto"
        ? () => subscriptions.size >= AUTO_BATCH_CLIENTS ? AUTO_BATCH_MS : 0
        : () => batch;
      // Nobody watches any book of this feed: read its ring every IDLE_POLL_MS, not per write;
      // once every book is dormant, every DORMANT_POLL_MS (its records are then not needed).
      pump.idleInterval = () =>
        this.#watched(feed) ? 0 : this.#sync.allDormant(feed) ? DORMANT_POLL_MS : IDLE_POLL_MS;
      this.#sync.addPump(pump);
      metrics.rings.set(feed.exchange, pump.counters);
    }
    this.#requests = new RequestHandler({
      config,
      metrics,
      subscriptions,
      sync: this.#sync,
      fanOut: this.#fanOut,
      disconnect,
    });
    this.#reports = new HealthReporter({
      sync: this.#sync,
      subscriptions,
      metrics,
      slowClients: () => this.#slow.size,
      onError: t.onError,
      sections: t.sections,
    });
  }

  /** Whether any client subscribes to a book of `feed`. */
  #watched(feed: ExchangeFeed): boolean {
    if (this.#subs.size === 0) return false;
    for (const ch of this.#sync.channelsOf(feed)) {
      if (this.#subs.subscriberCount(ch) > 0) return true;
    }
    return false;
  }

  /** Creates a broadcaster for these feeds (its mirror runs on its own core instance). */
  static async create(
    config: Config["server"],
    feeds: readonly ExchangeFeed[],
    tuning: BroadcasterTuning = {},
  ): Promise<Broadcaster> {
    const mirror = await BookMirror.create();
    return new Broadcaster(config, feeds, mirror, tuning);
  }

  /** Connected sessions. */
  get clients(): number {
    return this.#subs.size;
  }

  /** Starts reading the rings, asks every collector for snapshots, listens to trades. */
  start(): void {
    for (const pump of this.#sync.pumps) {
      this.#untrade.push(pump.feed.onTrade((trade) => this.#onTrade(trade)));
      pump.start();
    }
    this.#sync.requestAll();
    this.#schedule();
  }

  /**
   * The next housekeeping tick: every `tickMs` while clients are connected, every
   * {@linkcode IDLE_TICK_MS} while none is (slow clients and client flushes need no care then,
   * and every wake-up of the event loop costs CPU; `addSession` brings the fast pace back).
   */
  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#tick);
    const ms = this.#subs.size > 0
      ? this.#tuning.tickMs
      : Math.max(this.#tuning.tickMs, IDLE_TICK_MS);
    this.#tickMs = ms;
    this.#tick = setTimeout(() => {
      this.#housekeeping();
      this.#schedule();
    }, ms);
  }

  /** Stops reading and listening (sessions are closed by the server). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sync.stop();
    clearTimeout(this.#tick);
    for (const off of this.#untrade.splice(0)) {
      try {
        off();
      } catch (e) {
        this.#tuning.onError("Trade unsubscribe failed", e);
      }
    }
    await Promise.all(this.#sync.pumps.map((p) => p.stop()));
  }

  /** Registers an open session. */
  addSession(session: ClientSession): void {
    this.#subs.add(session);
    this.metrics.connectionsAccepted++;
    if (this.#tickMs !== this.#tuning.tickMs) this.#schedule();
  }

  /** Forgets a closed session and its subscriptions. */
  removeSession(session: ClientSession): void {
    session.closing = true;
    session.discard();
    this.#subs.remove(session);
    this.#slow.forget(session);
    this.#fanOut.forget(session);
  }

  /** Every session (for shutdown). */
  sessions(): ClientSession[] {
    return [...this.#subs.sessions()];
  }

  /** Handles one client frame. */
  handleMessage(session: ClientSession, data: unknown): void {
    if (session.closing || this.#stopped) return;
    this.#requests.handle(session, data);
  }

  /** The `/health` document. */
  health(): HealthReport {
    return this.#reports.health();
  }

  /** The `/metrics` text. */
  metricsText(): string {
    return this.#reports.metricsText();
  }

  #onTrade(trade: NormalizedTrade): void {
    if (this.#stopped) return;
    const ch = this.#sync.books(trade.exchange)?.get(trade.symbol);
    if (ch) this.#fanOut.trade(ch, trade);
  }

  #housekeeping(): void {
    if (this.#stopped) return;
    const now = performance.now();
    this.#slow.tick(now);
    this.#sync.retryDue(now);
    this.#sync.rest();
    this.#fanOut.flush();
  }
}
