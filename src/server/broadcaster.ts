/**
 * The fan-out engine of the broadcast server. It reads every feed's ring (one
 * {@linkcode FeedPump} each), keeps a {@linkcode BookMirror} of every book's top-N, and sends each
 * subscriber a snapshot followed by the deltas that continue it:
 *
 * - a complete delta (all its parts) is encoded once per encoding and the same bytes go to every
 *   live subscriber; a wake-up's output to one client leaves as one binary frame (records back to
 *   back) or as one text frame per JSON message;
 * - a new subscriber gets a snapshot of the mirror, whose seq is the last delta it includes, so
 *   the next delta it receives is seq + 1;
 * - a mirror gap or checksum failure, or a lapped reader, makes the affected books stale: their
 *   subscribers are told, the collector is asked for fresh snapshots, and when the SNAPSHOT
 *   records arrive the subscribers get them;
 * - a client whose send buffer exceeds `clientBufferBytes` is told its books are stale, gets
 *   nothing more until it drains, then is re-snapshotted; after `maxSlowStrikes` such episodes
 *   in a row (or if it does not drain in time) it is disconnected. It never delays anyone else.
 *
 * @module
 */
import { BookMirror } from "../core/book_mirror.ts";
import type { CoreLayout } from "../core/layout.ts";
import type { Config } from "../config.ts";
import type { ExchangeFeed, ExchangeHealth, NormalizedTrade } from "../runtime/feed.ts";
import type { BookChannel, UnsyncedCause } from "./book_channel.ts";
import { parseClientMessage } from "./client_message.ts";
import { ClientSession, concat } from "./client_session.ts";
import { FeedPump, type RecordSink } from "./feed_pump.ts";
import {
  encodeAck,
  encodeBookRecords,
  encodeError,
  encodeTrade,
  type ErrorCode,
  type StaleReason,
} from "./json_messages.ts";
import { renderMetrics, ServerMetrics } from "./metrics.ts";

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
}

/** Close codes the server uses. */
export const CLOSE_CODES = Object.freeze({
  /** Server shutting down. */
  goingAway: 1001,
  /** Message rate abuse. */
  policyViolation: 1008,
  /** Slow consumer. */
  tryAgainLater: 1013,
});

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

const encoder = new TextEncoder();
/** Clients from which `batchIntervalMs: "auto"` batches wake-ups, and the interval it uses. */
const AUTO_BATCH_CLIENTS = 256;
const AUTO_BATCH_MS = 5;

/**
 * Reads the rings and serves the sessions. See the module documentation.
 *
 * @example
 * ```ts ignore
 * import { Broadcaster } from "./broadcaster.ts";
 * const hub = await Broadcaster.create(config, feeds);
 * hub.start();
 * hub.addSession(session);
 * await hub.stop();
 * ```
 */
export class Broadcaster implements RecordSink {
  /** Server counters. */
  readonly metrics: ServerMetrics = new ServerMetrics();
  #config: Config["server"];
  #mirror: BookMirror;
  #layout: CoreLayout;
  #pumps: FeedPump[];
  #byExchange = new Map<string, Map<string, BookChannel>>();
  #sessions = new Set<ClientSession>();
  #slow = new Set<ClientSession>();
  #touched = new Set<ClientSession>();
  #drainLog: Uint8Array[] = [];
  #inDrain = false;
  #tick: ReturnType<typeof setInterval> | undefined;
  #untrade: Array<() => void> = [];
  #tuning: Required<BroadcasterTuning>;
  #stopped = false;

  private constructor(
    config: Config["server"],
    feeds: readonly ExchangeFeed[],
    mirror: BookMirror,
    tuning: BroadcasterTuning,
  ) {
    this.#config = config;
    this.#mirror = mirror;
    this.#layout = mirror.layout;
    this.#tuning = {
      slowDrainTimeoutMs: tuning.slowDrainTimeoutMs ?? 10_000,
      slowStrikeResetMs: tuning.slowStrikeResetMs ?? 30_000,
      snapshotRetryMs: tuning.snapshotRetryMs ?? 2_000,
      tickMs: tuning.tickMs ?? 50,
      batchIntervalMs: tuning.batchIntervalMs ?? "auto",
      onError: tuning.onError ?? ((message, error) => console.error(message, error)),
    };
    const seen = new Set<string>();
    this.#pumps = feeds.map((feed) => {
      if (seen.has(feed.exchange)) throw new TypeError(`Two feeds for ${feed.exchange}`);
      seen.add(feed.exchange);
      const pump = new FeedPump(feed, this);
      const batch = this.#tuning.batchIntervalMs;
      pump.batchInterval = batch === "auto"
        ? () => this.#sessions.size >= AUTO_BATCH_CLIENTS ? AUTO_BATCH_MS : 0
        : () => batch;
      this.metrics.rings.set(feed.exchange, pump.counters);
      this.#byExchange.set(feed.exchange, new Map(pump.channels.map((c) => [c.names.symbol, c])));
      return pump;
    });
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
    return this.#sessions.size;
  }

  /** Starts reading the rings, asks every collector for snapshots, listens to trades. */
  start(): void {
    for (const pump of this.#pumps) {
      this.#untrade.push(pump.feed.onTrade((trade) => this.#onTrade(trade)));
      pump.start();
      this.#request(pump, pump.channels);
    }
    this.#tick = setInterval(() => this.#housekeeping(), this.#tuning.tickMs);
  }

  /** Stops reading and listening (sessions are closed by the server). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#tick);
    for (const off of this.#untrade.splice(0)) {
      try {
        off();
      } catch (e) {
        this.#tuning.onError("Trade unsubscribe failed", e);
      }
    }
    await Promise.all(this.#pumps.map((p) => p.stop()));
  }

  // ── sessions ──

  /** Registers an open session. */
  addSession(session: ClientSession): void {
    this.#sessions.add(session);
    this.metrics.connectionsAccepted++;
  }

  /** Forgets a closed session and its subscriptions. */
  removeSession(session: ClientSession): void {
    session.closing = true;
    session.discard();
    this.#sessions.delete(session);
    this.#slow.delete(session);
    this.#touched.delete(session);
    for (const ch of session.books) ch.subscribers.delete(session);
    for (const ch of session.trades) ch.tradeSubscribers.delete(session);
    session.books.clear();
    session.trades.clear();
  }

  /**
   * Closes a session and forgets it at once: a client that does not read cannot complete the
   * closing handshake, and Deno keeps its socket until it does (or the server shuts down), but
   * it no longer counts as a client nor receives anything.
   */
  #disconnect(session: ClientSession, code: number, reason: string): void {
    session.close(code, reason);
    this.removeSession(session);
  }

  /** Every session (for shutdown). */
  sessions(): ClientSession[] {
    return [...this.#sessions];
  }

  /** Handles one client frame. */
  handleMessage(session: ClientSession, data: unknown): void {
    if (session.closing || this.#stopped) return;
    this.metrics.messagesReceived++;
    const verdict = session.limiter.take();
    if (verdict === "abuse") {
      ServerMetrics.bump(this.metrics.messagesRejected, "rate_limited");
      this.metrics.abuseDisconnects++;
      this.#disconnect(
        session,
        CLOSE_CODES.policyViolation,
        `Message rate limit exceeded (${this.#config.maxMessagesPerSecond}/s)`,
      );
      return;
    }
    if (verdict === "limited") {
      return this.#reject(
        session,
        "rate_limited",
        `Too many messages: at most ${this.#config.maxMessagesPerSecond} per second`,
      );
    }
    if (typeof data !== "string") {
      return this.#reject(session, "binary_not_accepted", "Client messages must be JSON text");
    }
    const max = this.#config.maxMessageBytes;
    if (data.length > max || (data.length * 3 > max && encoder.encode(data).byteLength > max)) {
      return this.#reject(session, "message_too_large", `Messages are limited to ${max} bytes`);
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      return this.#reject(
        session,
        parsed.code,
        parsed.message,
        parsed.id === undefined ? {} : { id: parsed.id },
      );
    }
    const m = parsed.message;
    const idField = m.id === undefined ? {} : { id: m.id };
    const book = this.#byExchange.get(m.exchange);
    if (!book) {
      return this.#reject(
        session,
        "unknown_exchange",
        `Unknown exchange ${JSON.stringify(m.exchange)}; serving: ${
          [...this.#byExchange.keys()].join(", ") || "none"
        }`,
        idField,
      );
    }
    const unknown = m.symbols.filter((s) => !book.has(s));
    if (unknown.length > 0) {
      return this.#reject(
        session,
        "unknown_symbol",
        `Unknown symbol${unknown.length > 1 ? "s" : ""} on ${m.exchange}: ${unknown.join(", ")}`,
        { ...idField, exchange: m.exchange, symbols: unknown },
      );
    }
    const channels = [...new Set(m.symbols)].map((s) => book.get(s)!);
    const set = m.channel === "book" ? session.books : session.trades;
    if (m.op === "subscribe") {
      const added = channels.filter((c) => !set.has(c)).length;
      const limit = this.#config.maxSubscriptionsPerClient;
      if (session.subscriptions + added > limit) {
        return this.#reject(
          session,
          "too_many_subscriptions",
          `At most ${limit} subscriptions per connection (holding ${session.subscriptions})`,
          idField,
        );
      }
      session.queueText(
        encodeAck(
          "subscribed",
          m.channel,
          m.exchange,
          channels.map((c) => c.names.symbol),
          m.id,
          m.channel === "book"
            ? { exchangeCode: channels[0].code, symbolIds: channels.map((c) => c.symbolId) }
            : undefined,
        ),
      );
      for (const ch of channels) {
        if (m.channel === "book") this.#subscribeBook(session, ch);
        else {
          session.trades.add(ch);
          ch.tradeSubscribers.add(session);
        }
      }
    } else {
      for (const ch of channels) {
        set.delete(ch);
        if (m.channel === "book") ch.subscribers.delete(session);
        else ch.tradeSubscribers.delete(session);
      }
      session.queueText(
        encodeAck("unsubscribed", m.channel, m.exchange, channels.map((c) => c.names.symbol), m.id),
      );
    }
    this.#touched.add(session);
    if (!this.#inDrain) this.#flushTouched();
  }

  #reject(
    session: ClientSession,
    code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ): void {
    ServerMetrics.bump(this.metrics.messagesRejected, code);
    session.queueText(encodeError(code, message, extra));
    this.#touched.add(session);
    if (!this.#inDrain) this.#flushTouched();
  }

  #subscribeBook(session: ClientSession, ch: BookChannel): void {
    session.books.add(ch);
    ch.subscribers.set(session, false);
    if (session.slow) return; // re-snapshotted when it drains
    if (this.#sendSnapshot(session, ch)) return;
    if (ch.cause !== null) {
      // Not synced: say so now; the snapshot follows when the book is synced again.
      session.queueText(
        ch.staleNotice(this.#layout, ch.cause === "startup" ? "waiting" : ch.cause).json,
      );
      this.metrics.staleSent++;
      if (ch.cause !== "upstream") this.#request(this.#pumpOf(ch), [ch]);
    }
  }

  /** Queues the mirror's snapshot of `ch` for `session`; false when the mirror is not synced. */
  #sendSnapshot(session: ClientSession, ch: BookChannel): boolean {
    if (session.format === "json") {
      const text = ch.snapshotJson(this.#mirror);
      if (text === undefined) return false;
      session.queueText(text);
    } else {
      const bytes = ch.snapshotBinary(this.#mirror);
      if (bytes === undefined) return false;
      session.queueBinary(bytes, false);
    }
    ch.subscribers.set(session, true);
    this.metrics.snapshotsSent++;
    this.#touched.add(session);
    return true;
  }

  // ── ring records (RecordSink) ──

  /** @inheritdoc */
  beginDrain(): void {
    this.#inDrain = true;
  }

  /** @inheritdoc */
  endDrain(): void {
    this.#inDrain = false;
    this.#flushTouched();
  }

  /** @inheritdoc */
  record(pump: FeedPump, bytes: Uint8Array): void {
    const l = this.#layout;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const exchange = view.getUint16(l.recExchange, true);
    const symbolId = view.getUint32(l.recSymbol, true);
    if (exchange !== pump.feed.exchangeCode || symbolId >= pump.channels.length) {
      pump.counters.badRecords++;
      return;
    }
    const ch = pump.channels[symbolId];
    const flags = view.getUint8(l.recFlags);
    const part = view.getUint16(l.recPart, true);
    const seq = view.getUint32(l.recSeq, true) + view.getUint32(l.recSeq + 4, true) * 4294967296;
    const isSnapshot = (flags & l.flagSnapshot) !== 0;
    const wasSynced = ch.cause === null && ch.parts.length === 0;
    const prevSeq = ch.seq;
    ch.noteRecord(bytes, l, Date.now());
    let status;
    try {
      status = this.#mirror.apply(bytes).status;
    } catch (e) {
      pump.counters.badRecords++;
      this.#tuning.onError(`Bad record for ${ch.names.exchange} ${ch.names.symbol}`, e);
      this.#mirror.invalidate(ch.code, ch.symbolId);
      this.#unsync(pump, ch, "gap");
      return;
    }
    switch (status) {
      case "partial":
        if (part === 0) {
          ch.parts = [bytes];
          ch.redundantSnapshot = isSnapshot && wasSynced && seq === prevSeq;
        } else ch.parts.push(bytes);
        return;
      case "ok": {
        if (part === 0) {
          ch.parts = [bytes];
          ch.redundantSnapshot = isSnapshot && wasSynced && seq === prevSeq;
        } else ch.parts.push(bytes);
        const parts = ch.parts;
        ch.parts = [];
        ch.cause = null;
        ch.seq = seq;
        if (isSnapshot) this.#dispatchSnapshot(ch, parts);
        else {
          pump.counters.deltas++;
          this.#dispatchDelta(ch, parts);
        }
        return;
      }
      case "stale":
        pump.counters.staleMarkers++;
        ch.parts = [];
        ch.cause = "upstream";
        this.#goStale(ch, "upstream", bytes);
        return;
      case "gap":
        pump.counters.gaps++;
        this.#unsync(pump, ch, "gap");
        return;
      case "checksum":
        pump.counters.checksumFailures++;
        this.#unsync(pump, ch, "checksum");
        return;
      case "waiting":
        // A delta for a book the mirror has no snapshot of (never had one, or its scales or
        // depth changed without one): ask for a snapshot.
        if (ch.cause === null || ch.cause === "upstream") this.#unsync(pump, ch, "waiting");
        else {
          ch.parts = [];
          this.#request(pump, [ch]);
        }
        return;
    }
  }

  /** @inheritdoc */
  lapped(pump: FeedPump): void {
    for (const ch of pump.channels) {
      this.#mirror.invalidate(ch.code, ch.symbolId);
      ch.version++;
      ch.parts = [];
      ch.cause = "lapped";
      ch.lastSnapshotRequest = -Infinity;
      this.#goStale(ch, "lapped");
    }
    this.#request(pump, pump.channels);
  }

  #unsync(pump: FeedPump, ch: BookChannel, reason: StaleReason): void {
    ch.parts = [];
    ch.lastSnapshotRequest = -Infinity; // newly unsynced: ask now
    ch.version++;
    ch.cause = reason;
    this.#goStale(ch, reason);
    this.#request(pump, [ch]);
  }

  /** Tells every live subscriber of `ch` that it is stale (with the ring's marker if given). */
  #goStale(ch: BookChannel, reason: StaleReason, ringRecord?: Uint8Array): void {
    let notice: { json: string; binary: Uint8Array } | undefined;
    let logged = false;
    for (const [session, live] of ch.subscribers) {
      if (!live) continue;
      ch.subscribers.set(session, false);
      if (session.closing) continue;
      notice ??= ch.staleNotice(this.#layout, reason);
      if (session.format === "json") session.queueText(notice.json);
      else {
        const bytes = ringRecord ?? notice.binary;
        if (!logged) {
          this.#drainLog.push(bytes);
          logged = true;
        }
        session.queueBinary(bytes, true);
      }
      this.metrics.staleSent++;
      this.#touched.add(session);
    }
  }

  #dispatchDelta(ch: BookChannel, parts: Uint8Array[]): void {
    let json: string | undefined;
    let binary: Uint8Array | undefined;
    for (const [session, live] of ch.subscribers) {
      if (session.slow || session.closing) continue;
      if (!live) {
        this.#sendSnapshot(session, ch);
        continue;
      }
      if (session.format === "json") {
        json ??= encodeBookRecords("delta", ch.names, parts, this.#layout);
        session.queueText(json);
      } else {
        if (binary === undefined) {
          binary = parts.length === 1 ? parts[0] : concat(parts);
          this.#drainLog.push(binary);
        }
        session.queueBinary(binary, true);
      }
      this.metrics.deltasSent++;
      this.#touched.add(session);
    }
  }

  #dispatchSnapshot(ch: BookChannel, parts: Uint8Array[]): void {
    let json: string | undefined;
    let binary: Uint8Array | undefined;
    for (const [session, live] of ch.subscribers) {
      if (session.slow || session.closing) continue;
      if (live && ch.redundantSnapshot) continue; // same seq it already holds
      if (session.format === "json") {
        json ??= encodeBookRecords("snapshot", ch.names, parts, this.#layout);
        session.queueText(json);
      } else {
        if (binary === undefined) {
          binary = parts.length === 1 ? parts[0] : concat(parts);
          this.#drainLog.push(binary);
        }
        session.queueBinary(binary, true);
      }
      ch.subscribers.set(session, true);
      this.metrics.snapshotsSent++;
      this.#touched.add(session);
    }
  }

  // ── sending ──

  #flushTouched(): void {
    const log = this.#drainLog;
    const limit = this.#config.clientBufferBytes;
    let whole: Uint8Array | undefined;
    const shared = () => whole ??= concat(log);
    for (const session of this.#touched) {
      if (session.closing) {
        session.discard();
        continue;
      }
      if (!session.slow && session.bufferedAmount > limit) {
        this.#goSlow(session);
        continue;
      }
      session.flush(log.length, shared);
    }
    this.#touched.clear();
    this.#drainLog = [];
  }

  #goSlow(session: ClientSession): void {
    session.discard();
    const now = performance.now();
    if (now - session.recoveredAt > this.#tuning.slowStrikeResetMs) session.strikes = 0;
    session.strikes++;
    this.metrics.slowClientEvents++;
    if (session.strikes > this.#config.maxSlowStrikes) {
      this.metrics.slowDisconnects++;
      this.#disconnect(
        session,
        CLOSE_CODES.tryAgainLater,
        `Slow consumer: send buffer over ${this.#config.clientBufferBytes} bytes ${session.strikes} times in a row`,
      );
      return;
    }
    session.slow = true;
    session.slowSince = now;
    this.#slow.add(session);
    for (const ch of session.books) {
      if (!ch.subscribers.get(session)) continue;
      ch.subscribers.set(session, false);
      const notice = ch.staleNotice(this.#layout, "slow");
      if (session.format === "json") session.queueText(notice.json);
      else session.queueBinary(notice.binary, false);
      this.metrics.staleSent++;
    }
    session.flush();
  }

  #recover(session: ClientSession): void {
    session.slow = false;
    session.recoveredAt = performance.now();
    this.#slow.delete(session);
    this.metrics.slowClientRecoveries++;
    for (const ch of session.books) {
      if (!ch.subscribers.get(session)) this.#sendSnapshot(session, ch);
    }
    this.#touched.add(session);
  }

  #onTrade(trade: NormalizedTrade): void {
    const ch = this.#byExchange.get(trade.exchange)?.get(trade.symbol);
    if (!ch || ch.tradeSubscribers.size === 0 || this.#stopped) return;
    const text = encodeTrade(trade);
    for (const session of ch.tradeSubscribers) {
      if (session.closing) continue;
      if (session.slow) {
        this.metrics.tradesDropped++;
        continue;
      }
      session.queueText(text);
      this.metrics.tradesSent++;
      this.#touched.add(session);
    }
    if (!this.#inDrain) this.#flushTouched();
  }

  // ── housekeeping ──

  #housekeeping(): void {
    if (this.#stopped) return;
    const now = performance.now();
    const limit = this.#config.clientBufferBytes;
    for (const session of this.#slow) {
      if (session.closing) {
        this.#slow.delete(session);
      } else if (session.bufferedAmount <= limit / 4) {
        this.#recover(session);
      } else if (now - session.slowSince > this.#tuning.slowDrainTimeoutMs) {
        this.#slow.delete(session);
        this.metrics.slowDisconnects++;
        this.#disconnect(
          session,
          CLOSE_CODES.tryAgainLater,
          `Slow consumer: send buffer did not drain within ${this.#tuning.slowDrainTimeoutMs} ms`,
        );
      }
    }
    for (const pump of this.#pumps) {
      const due = pump.channels.filter((ch) =>
        ch.cause !== null && ch.cause !== "upstream" &&
        now - ch.lastSnapshotRequest >= this.#tuning.snapshotRetryMs
      );
      if (due.length > 0) this.#request(pump, due);
    }
    this.#flushTouched();
  }

  #pumpOf(ch: BookChannel): FeedPump {
    return this.#pumps.find((p) => p.feed === ch.feed)!;
  }

  /**
   * Asks the collector for fresh snapshots of these books, at most once per
   * `min(snapshotRetryMs, 1 s)` per book while it stays unsynced.
   */
  #request(pump: FeedPump, channels: readonly BookChannel[]): void {
    const now = performance.now();
    const floor = Math.min(this.#tuning.snapshotRetryMs, 1000);
    const due = channels.filter((ch) => now - ch.lastSnapshotRequest >= floor);
    if (due.length === 0 || this.#stopped) return;
    for (const ch of due) ch.lastSnapshotRequest = now;
    pump.counters.snapshotRequests += due.length;
    try {
      pump.feed.requestSnapshots(
        due.length === pump.channels.length ? undefined : due.map((ch) => ch.names.symbol),
      );
    } catch (e) {
      this.#tuning.onError(`requestSnapshots failed on ${pump.feed.exchange}`, e);
    }
  }

  // ── reports ──

  /** The `/health` document. */
  health(): HealthReport {
    const now = Date.now();
    let live = 0;
    let total = 0;
    const exchanges = this.#pumps.map((pump): ExchangeStatus => {
      let h: ExchangeHealth | undefined;
      try {
        h = pump.feed.health();
      } catch (e) {
        this.#tuning.onError(`health() failed on ${pump.feed.exchange}`, e);
      }
      const books = pump.channels.map((ch): BookStatus => {
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
          subscribers: ch.subscribers.size,
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
      clients: this.#sessions.size,
      exchanges,
    };
  }

  /** The `/metrics` text. */
  metricsText(): string {
    const health: ExchangeHealth[] = [];
    for (const pump of this.#pumps) {
      try {
        health.push(pump.feed.health());
      } catch (e) {
        this.#tuning.onError(`health() failed on ${pump.feed.exchange}`, e);
      }
    }
    let subscriptions = 0;
    for (const s of this.#sessions) subscriptions += s.subscriptions;
    return renderMetrics({
      metrics: this.metrics,
      clients: this.#sessions.size,
      slowClients: this.#slow.size,
      subscriptions,
      health,
      books: this.#pumps.flatMap((p) =>
        p.channels.map((ch) => ({
          exchange: ch.names.exchange,
          symbol: ch.names.symbol,
          synced: ch.cause === null,
          subscribers: ch.subscribers.size,
        }))
      ),
    });
  }
}
