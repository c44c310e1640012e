/**
 * Keeping the server's copy of every book in sync with the rings: the {@linkcode RecordSink} the
 * feed pumps deliver to. Each record goes through its book's state machine
 * ({@linkcode BookChannel.onRecord}); what comes out is published by the fan-out. A mirror gap or
 * checksum failure, or a lapped reader, makes the affected books stale: their subscribers are
 * told, the collector is asked for fresh snapshots (again every `snapshotRetryMs` while the book
 * stays unsynced), and when the SNAPSHOT records arrive the subscribers get them.
 *
 * @module
 */
import type { BookMirror } from "../core/book_mirror.ts";
import { RecordView } from "../core/record_view.ts";
import type { ExchangeFeed } from "../runtime/feed.ts";
import { BookChannel } from "./book_channel.ts";
import type { FanOut } from "./fan_out.ts";
import type { FeedPump, RecordSink } from "./feed_pump.ts";
import type { StaleReason } from "./json_messages.ts";

/** What {@linkcode BookSync} needs. */
export interface BookSyncOptions {
  mirror: BookMirror;
  fanOut: FanOut;
  /** A book the server could not sync is asked of its collector again after this long (ms). */
  snapshotRetryMs: number;
  /** Where unexpected errors are reported. */
  onError(message: string, error: unknown): void;
  /**
   * Whether a client watches this book. Without it every book is mirrored; with it, books of
   * feeds with {@linkcode ExchangeFeed.snapshotsOnDemand} that nobody watches go dormant at
   * {@linkcode BookSync.rest} (see `book_channel.ts`).
   */
  watched?: (ch: BookChannel) => boolean;
}

/**
 * The books of every feed and their sync with the rings.
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
 * const mirror = await BookMirror.create();
 * const fanOut = new FanOut({
 *   subscriptions: new Subscriptions<ClientSession, BookChannel>(), mirror,
 *   metrics: new ServerMetrics(), clientBufferBytes: 1 << 20, onOverflow: () => {},
 * });
 * const sync = new BookSync({ mirror, fanOut, snapshotRetryMs: 2000, onError: console.error });
 * const pump = new FeedPump(feed, sync);
 * sync.addPump(pump);
 * const channel = sync.books("kraken")!.get("BTC/USD")!;
 * assert.equal(channel.cause, "startup");
 * core.begin(book).add(0, "100", "1").add(1, "101", "2").reset(); // the collector's snapshot
 * pump.drain();
 * assert.equal(channel.cause, null); // synced: new subscribers get the mirror's snapshot
 * core.begin(book).add(0, "100.5", "4").apply(); // a delta
 * pump.drain();
 * assert.equal(channel.seq, 2);
 * ```
 */
export class BookSync implements RecordSink {
  #o: BookSyncOptions;
  #view: RecordView;
  #pumps: FeedPump[] = [];
  #channels = new Map<ExchangeFeed, BookChannel[]>();
  #unwatch: Array<() => void> = [];
  #pumpOf = new Map<ExchangeFeed, FeedPump>();
  #byName = new Map<string, Map<string, BookChannel>>();
  #stopped = false;

  constructor(options: BookSyncOptions) {
    this.#o = options;
    this.#view = new RecordView(options.mirror.layout);
  }

  /** Adds a feed's pump (this sink must be its sink); creates a channel per symbol. */
  addPump(pump: FeedPump): void {
    const feed = pump.feed;
    if (this.#byName.has(feed.exchange)) throw new TypeError(`Two feeds for ${feed.exchange}`);
    const channels = feed.symbols.map((_, i) => new BookChannel(feed, i));
    this.#pumps.push(pump);
    this.#channels.set(feed, channels);
    this.#pumpOf.set(feed, pump);
    this.#byName.set(feed.exchange, new Map(channels.map((c) => [c.names.symbol, c])));
    const off = feed.onSymbolsAdded?.(() => this.#grow(feed));
    if (off) this.#unwatch.push(off);
  }

  /** The feed's symbol list grew: a channel for each new symbol (unsynced until its snapshot). */
  #grow(feed: ExchangeFeed): void {
    const channels = this.#channels.get(feed);
    const byName = this.#byName.get(feed.exchange);
    if (!channels || !byName) return;
    for (let i = channels.length; i < feed.symbols.length; i++) {
      const ch = new BookChannel(feed, i);
      channels.push(ch);
      byName.set(ch.names.symbol, ch);
    }
  }

  /** The pumps, in the order added. */
  get pumps(): readonly FeedPump[] {
    return this.#pumps;
  }

  /** The channels of a feed, indexed by symbol id. */
  channelsOf(feed: ExchangeFeed): readonly BookChannel[] {
    return this.#channels.get(feed) ?? [];
  }

  /** Every exchange served. */
  exchanges(): string[] {
    return [...this.#byName.keys()];
  }

  /** The channels of an exchange by symbol, or undefined for an exchange not served. */
  books(exchange: string): ReadonlyMap<string, BookChannel> | undefined {
    return this.#byName.get(exchange);
  }

  /** After `stop`, no more snapshot requests. */
  stop(): void {
    this.#stopped = true;
    for (const off of this.#unwatch.splice(0)) off();
  }

  /** @inheritdoc */
  beginDrain(): void {
    this.#o.fanOut.beginDrain();
  }

  /** @inheritdoc */
  endDrain(): void {
    this.#o.fanOut.endDrain();
  }

  /** @inheritdoc */
  headerOnly(pump: FeedPump, ring: Uint8Array, at: number): boolean {
    const rec = this.#view;
    if (!rec.tryWrap(ring, at)) return false;
    const channels = this.#channels.get(pump.feed)!;
    const symbolId = rec.symbol;
    if (rec.exchange !== pump.feed.exchangeCode || symbolId >= channels.length) return false;
    const ch = channels[symbolId];
    if (!ch.dormant) return false;
    ch.onHeader(rec, Date.now());
    return true;
  }

  /** @inheritdoc */
  idle(pump: FeedPump): boolean {
    return this.allDormant(pump.feed);
  }

  /** Whether every book of `feed` is dormant (then nothing of its ring needs reading). */
  allDormant(feed: ExchangeFeed): boolean {
    const channels = this.#channels.get(feed);
    if (channels === undefined || channels.length === 0) return false;
    for (const ch of channels) if (!ch.dormant) return false;
    return true;
  }

  /**
   * Housekeeping: every book nobody watches, of a feed that answers snapshot requests itself,
   * goes dormant (its copy is dropped; its records are read by header only).
   */
  rest(): void {
    const watched = this.#o.watched;
    if (watched === undefined || this.#stopped) return;
    for (const pump of this.#pumps) {
      const feed = pump.feed;
      if (!feed.snapshotsOnDemand) continue;
      const pause: string[] = [];
      for (const ch of this.channelsOf(feed)) {
        if (!ch.dormant && !watched(ch)) ch.sleep(this.#o.mirror);
        if (feed.pauseRecords !== undefined && ch.claimRecordsPause()) pause.push(ch.names.symbol);
      }
      if (pause.length === 0) continue;
      try {
        feed.pauseRecords!(pause);
      } catch (e) {
        this.#o.onError(`pauseRecords failed on ${feed.exchange}`, e);
      }
    }
  }

  /** @inheritdoc */
  record(pump: FeedPump, bytes: Uint8Array): void {
    let rec: RecordView;
    try {
      rec = this.#view.wrap(bytes);
    } catch {
      pump.counters.badRecords++;
      return;
    }
    const channels = this.#channels.get(pump.feed)!;
    const symbolId = rec.symbol;
    if (rec.exchange !== pump.feed.exchangeCode || symbolId >= channels.length) {
      pump.counters.badRecords++;
      return;
    }
    const ch = channels[symbolId];
    const fanOut = this.#o.fanOut;
    switch (ch.onRecord(rec, bytes, this.#o.mirror, Date.now())) {
      case "partial":
        return;
      case "delta":
        pump.counters.deltas++;
        fanOut.publish(ch, "delta", ch.completed);
        return;
      case "snapshot":
        fanOut.publish(ch, "snapshot", ch.completed);
        return;
      case "redundant-snapshot":
        fanOut.publish(ch, "snapshot", ch.completed, true);
        return;
      case "stale":
        pump.counters.staleMarkers++;
        fanOut.stale(ch, "upstream", bytes);
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
        this.#unsync(pump, ch, "waiting");
        return;
      case "retry":
        this.request(pump, [ch]);
        return;
      case "bad":
        pump.counters.badRecords++;
        this.#o.onError(`Bad record for ${ch.names.exchange} ${ch.names.symbol}`, ch.lastError);
        this.#unsync(pump, ch, "gap");
        return;
    }
  }

  /** @inheritdoc */
  lapped(pump: FeedPump): void {
    // A dormant book keeps no copy to lose: its next header says where the collector is.
    const channels = this.channelsOf(pump.feed).filter((ch) => !ch.dormant);
    for (const ch of channels) {
      ch.lapped(this.#o.mirror);
      this.#o.fanOut.stale(ch, "lapped");
    }
    if (channels.length > 0) this.request(pump, channels);
  }

  #unsync(pump: FeedPump, ch: BookChannel, reason: StaleReason): void {
    ch.unsync(reason);
    this.#o.fanOut.stale(ch, reason);
    this.request(pump, [ch]);
  }

  /**
   * A new subscriber wants `ch`'s records now: drains its feed's ring at once (the pump may be
   * polling slowly while nobody watched) and ends the pump's sleep.
   */
  wake(ch: BookChannel): void {
    const pump = this.#pumpOf.get(ch.feed as ExchangeFeed);
    if (pump === undefined || this.#stopped) return;
    pump.drain();
    if (ch.dormant) {
      // Mirror it again from a fresh snapshot; a collector on this thread writes it at once.
      ch.wake();
      this.request(pump, [ch]);
      pump.drain();
    }
    pump.wake();
  }

  /** Reads every ring now (reports then describe what the rings hold, not a pump's last wake). */
  drainAll(): void {
    if (this.#stopped) return;
    for (const pump of this.#pumps) pump.drain();
  }

  /** Asks every collector for snapshots of all its books. */
  requestAll(): void {
    for (const pump of this.#pumps) this.request(pump, this.channelsOf(pump.feed));
  }

  /** Asks the collector of this book for a snapshot (rate-limited like every request). */
  requestOne(ch: BookChannel): void {
    const pump = this.#pumpOf.get(ch.feed as ExchangeFeed);
    if (pump) this.request(pump, [ch]);
  }

  /** Re-asks for the books still unsynced after `snapshotRetryMs` (housekeeping). */
  retryDue(now: number): void {
    for (const pump of this.#pumps) {
      const due = this.channelsOf(pump.feed).filter((ch) =>
        ch.snapshotDue(now, this.#o.snapshotRetryMs)
      );
      if (due.length > 0) this.request(pump, due);
    }
  }

  /**
   * Asks the collector for fresh snapshots of these books, at most once per
   * `min(snapshotRetryMs, 1 s)` per book while it stays unsynced.
   */
  request(pump: FeedPump, channels: readonly BookChannel[]): void {
    if (this.#stopped) return;
    const now = performance.now();
    const floor = Math.min(this.#o.snapshotRetryMs, 1000);
    const due = channels.filter((ch) => ch.claimSnapshotRequest(now, floor));
    if (due.length === 0) return;
    pump.counters.snapshotRequests += due.length;
    try {
      pump.feed.requestSnapshots(
        due.length === this.channelsOf(pump.feed).length
          ? undefined
          : due.map((ch) => ch.names.symbol),
      );
    } catch (e) {
      this.#o.onError(`requestSnapshots failed on ${pump.feed.exchange}`, e);
    }
  }
}
