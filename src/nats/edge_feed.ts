/**
 * An edge's view of one consumed exchange (DESIGN §12): an {@linkcode ExchangeFeed} whose ring is
 * filled from JetStream instead of an exchange connection, so the whole broadcast server runs on
 * it unchanged (`/ws`, `/health`, `/metrics`, the dashboard).
 *
 * - It learns the exchange's books from the catalog (`ALPHAPULSE_BOOKS`, keys `<exchange>.>`,
 *   watched); a book the catalog does not list is unknown to the server (`unknown_symbol`). Its
 *   symbol ids index its own book list, in the order the catalog announced them.
 * - One ordered JetStream consumer per book subject, from the subject's first stored message (the
 *   last snapshot, thanks to the rollup) and then live: on `nats-server` 2.9 a consumer filtering
 *   several subjects skips messages of the others when one rolls up.
 * - Each record goes through the edge's own WASM mirror first (seq chain and checksum); a record
 *   (all parts of a delta or snapshot once the last one verified) is then written into the local
 *   ring rewriting exactly the ring stamp and the symbol id ({@linkcode Core.writeRaw}).
 * - A gap or a checksum failure writes a STALE marker and re-reads the book from its last
 *   snapshot; so does a lost NATS connection (all books), when it returns. Until the book
 *   verifies past the record that failed, the re-read only rebuilds the mirror (the ring and the
 *   clients see nothing of it), and a failure again (a bad record stored in the stream) waits for
 *   the stream's next snapshot of the book instead of re-reading it. A message whose epoch
 *   is older than the newest seen for the exchange is ignored; a newer epoch on a synced book
 *   marks it STALE until the new term's snapshot.
 * - `requestSnapshots` (the server lost a book) writes a SNAPSHOT from the edge's mirror, or
 *   re-reads the book when the edge has none either.
 *
 * @module
 */
import {
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsConfig } from "../config.ts";
import { BookMirror } from "../core/book_mirror.ts";
import { Core } from "../core/core.ts";
import type { CoreLayout } from "../core/layout.ts";
import { encodeSnapshotRecords, encodeStaleRecord, splitRecords } from "../core/record_encode.ts";
import { RecordView } from "../core/record_view.ts";
import {
  type BookHealth,
  EXCHANGE_CODES,
  type ExchangeFeed,
  type ExchangeHealth,
  type NormalizedTrade,
} from "../runtime/feed.ts";
import type { NatsLink } from "./connection.ts";
import { type ConsumeCounters, newConsumeCounters } from "./counters.ts";
import {
  BOOKS_BUCKET,
  bookSubject,
  EPOCH_HEADER,
  parseCatalogEntry,
  tradeStream,
} from "./names.ts";

/** Options of {@linkcode EdgeFeed.create}. */
export interface EdgeFeedOptions {
  exchange: string;
  /** The edge's NATS connection. */
  link: NatsLink;
  config: NatsConfig;
  /** Ring slots (power of two). */
  ringCapacity: number;
  log?(line: string): void;
}

/** One consumed book. */
interface EdgeBook {
  readonly id: number;
  readonly symbol: string;
  readonly subject: string;
  depth: number;
  /** Epoch of the records applied. */
  epoch: number;
  synced: boolean;
  /** Something was written into the ring for it (a STALE marker then means something). */
  written: boolean;
  /** Verified parts of the record being assembled (copies, symbol id rewritten). */
  parts: Uint8Array[];
  /** Consumer generation: a re-read starts a new one and ends the old loop. */
  generation: number;
  close: (() => void) | undefined;
  /**
   * Seq of the record that last failed to verify (gap or checksum) and was not verified past
   * since, or -1. While it is set, records below it (a re-read replaying what preceded the failure)
   * rebuild the mirror but are not written, and a failure again waits for the next snapshot.
   */
  failedSeq: number;
  /** Records were applied to the mirror but not written (the ring lacks them). */
  held: boolean;
  rereadAt: number;
  /** When a message of the book last arrived (performance.now). */
  heardAt: number;
  seq: number;
  priceScale: number;
  sizeScale: number;
  /** Receive time of the last applied record (ms since the epoch), for the lag. */
  receiveMs: number;
  /** When the edge applied it (ms since the epoch). */
  appliedAt: number;
  updates: number;
  resyncs: number;
  gaps: number;
  checksumFailures: number;
}

/**
 * Pull size of a book's consumer; the library pulls again when fewer than 3/4 of it are pending,
 * so a pull request goes out every `PULL_MESSAGES / 4` messages.
 */
const PULL_MESSAGES = 512;
/** Pull expiry (ms); idle heartbeats every half of it, two missed re-read the book. */
const PULL_EXPIRES_MS = 5000;

/** A book that stays unsynced is re-read on a snapshot request at most this often (ms). */
const REREAD_MS = 3000;

/**
 * A NATS-fed ring for one exchange.
 *
 * @example
 * ```ts ignore
 * const feed = await EdgeFeed.create({ exchange: "kraken", link, config: config.nats!,
 *   ringCapacity: 4096 });
 * feed.start();
 * const server = await createServer({ config, feeds: [feed] });
 * ```
 */
export class EdgeFeed implements ExchangeFeed {
  readonly exchange: string;
  readonly exchangeCode: number;
  readonly counters: ConsumeCounters = newConsumeCounters();
  readonly core: Core;
  #symbols: string[] = [];
  #o: EdgeFeedOptions;
  #mirror: BookMirror;
  #view: RecordView;
  #layout: CoreLayout;
  #scratch: Uint8Array;
  #scratchView: DataView;
  #books = new Map<string, EdgeBook>();
  #byId: EdgeBook[] = [];
  #epoch = 0;
  #js: JetStreamClient | undefined;
  #kv: KV | undefined;
  #catalogReady = false;
  #stopped = false;
  #off: Array<() => void> = [];
  #stops: Array<() => void> = [];
  #tradeListeners = new Set<(t: NormalizedTrade) => void>();
  #symbolListeners = new Set<() => void>();
  #lastMessageAt = 0;
  #reconnects = 0;
  #decoder = new TextDecoder();

  private constructor(options: EdgeFeedOptions, core: Core, mirror: BookMirror) {
    this.#o = options;
    this.exchange = options.exchange;
    const code = EXCHANGE_CODES[options.exchange];
    if (code === undefined) throw new RangeError(`Unknown exchange ${options.exchange}`);
    this.exchangeCode = code;
    this.core = core;
    this.#mirror = mirror;
    this.#layout = core.layout;
    this.#view = new RecordView(core.layout);
    this.#scratch = new Uint8Array(core.layout.recordSize);
    this.#scratchView = new DataView(this.#scratch.buffer);
  }

  /** Creates the feed and its ring (nothing is read before {@linkcode start}). */
  static async create(options: EdgeFeedOptions): Promise<EdgeFeed> {
    const core = await Core.create({ ringCapacity: options.ringCapacity });
    return new EdgeFeed(options, core, await BookMirror.create());
  }

  get symbols(): readonly string[] {
    return this.#symbols;
  }

  get buffer(): ArrayBufferLike {
    return this.core.memory.buffer;
  }

  get ringAddress(): number {
    return this.core.ringAddress;
  }

  get layout(): CoreLayout {
    return this.#layout;
  }

  /** Newest epoch seen for the exchange. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Whether the catalog has been read. */
  get catalogReady(): boolean {
    return this.#catalogReady;
  }

  /** Per book: symbol, synced, lag (ms: now − the last applied record's receive time), epoch. */
  books(): Array<{ symbol: string; synced: boolean; lagMs: number | null; epoch: number }> {
    const now = Date.now();
    return this.#byId.map((b) => ({
      symbol: b.symbol,
      synced: b.synced,
      lagMs: b.receiveMs === 0 ? null : Math.max(0, now - b.receiveMs),
      epoch: b.epoch,
    }));
  }

  /** Starts once NATS is connected: catalog, consumers, trades. */
  start(): void {
    this.#o.link.ready.then((nc) => this.#run(nc)).catch((e) =>
      this.#o.log?.(`edge of ${this.exchange}: ${(e as Error).message}`)
    );
  }

  async #run(nc: NatsConnection): Promise<void> {
    if (this.#stopped) return;
    this.#js = jetstream(nc);
    this.#off.push(this.#o.link.onChange((state) => this.#linkChanged(state)));
    const watchdog = setInterval(() => this.#watchdog(), 1000);
    this.#stops.push(() => clearInterval(watchdog));
    await this.#openCatalog(nc);
    if (this.#stopped) return;
    void this.#trades();
  }

  #linkChanged(state: string): void {
    if (this.#stopped) return;
    if (state === "connected") {
      this.#reconnects++;
      for (const b of this.#byId) this.#reread(b, false);
    } else {
      for (const b of this.#byId) {
        b.generation++;
        b.close?.();
        b.close = undefined;
        this.#markStale(b);
      }
    }
  }

  /** Waits for the catalog bucket (edges never create it), then watches its keys. */
  async #openCatalog(nc: NatsConnection): Promise<void> {
    while (!this.#stopped) {
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.info(`KV_${BOOKS_BUCKET}`);
        this.#kv = await new Kvm(nc).open(BOOKS_BUCKET);
        const watch = await this.#kv.watch({ key: `${this.exchange}.>` });
        this.#stops.push(() => watch.stop());
        void (async () => {
          for await (const entry of watch) this.#catalogEntry(entry);
        })().catch((e) => this.#o.log?.(`catalog watch of ${this.exchange}: ${e.message}`));
        // The keys present now, so `catalogReady` means the catalog was read.
        const keys = await this.#kv.keys(`${this.exchange}.>`);
        for await (const key of keys) {
          const entry = await this.#kv.get(key);
          if (entry) this.#catalogEntry(entry);
        }
        this.#catalogReady = true;
        return;
      } catch (e) {
        this.#o.log?.(`catalog of ${this.exchange} not readable yet: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  #catalogEntry(entry: Pick<KvWatchEntry, "operation" | "string">): void {
    if (entry.operation !== "PUT") return;
    const e = parseCatalogEntry(entry.string());
    if (!e || e.exchange !== this.exchange) return;
    if (e.epoch > this.#epoch) this.#epoch = e.epoch;
    const known = this.#books.get(e.symbol);
    if (known) {
      known.depth = e.depth;
      return;
    }
    const b: EdgeBook = {
      id: this.#symbols.length,
      symbol: e.symbol,
      subject: bookSubject(this.#o.config.subjectPrefix, this.exchange, e.symbol),
      depth: e.depth,
      epoch: 0,
      synced: false,
      written: false,
      parts: [],
      generation: 0,
      close: undefined,
      failedSeq: -1,
      held: false,
      rereadAt: performance.now(),
      heardAt: 0,
      seq: 0,
      priceScale: 0,
      sizeScale: 0,
      receiveMs: 0,
      appliedAt: 0,
      updates: 0,
      resyncs: 0,
      gaps: 0,
      checksumFailures: 0,
    };
    this.#books.set(e.symbol, b);
    this.#byId.push(b);
    this.#symbols.push(e.symbol);
    for (const l of this.#symbolListeners) l();
    if (this.#o.link.up) void this.#consume(b);
  }

  /** Reads the book's subject from its first stored message, then live, until re-read. */
  async #consume(b: EdgeBook): Promise<void> {
    const js = this.#js;
    if (!js || this.#stopped) return;
    const generation = ++b.generation;
    b.parts = [];
    try {
      const consumer = await js.consumers.get(this.#o.config.stream, {
        filter_subjects: b.subject,
        deliver_policy: DeliverPolicy.All,
      });
      if (b.generation !== generation || this.#stopped) return;
      // A callback, not the messages' async iterator: the messages of one socket read are
      // handled in one task, without a promise each, and the server's pump reads the ring
      // once after them instead of once per message.
      const messages = await consumer.consume({
        max_messages: PULL_MESSAGES,
        expires: PULL_EXPIRES_MS,
        callback: (m) => {
          if (b.generation !== generation) return;
          const epochText = m.headers?.get(EPOCH_HEADER);
          this.#message(b, m.data, epochText === undefined ? NaN : Number(epochText));
        },
      });
      if (b.generation !== generation || this.#stopped) {
        await messages.close();
        return;
      }
      b.close = () => void messages.close().catch(() => {});
      void (async () => {
        for await (const s of messages.status()) {
          if (s.type === "heartbeats_missed" && b.generation === generation) {
            this.#reread(b, true);
            return;
          }
        }
      })().catch(() => {});
      const ended = await messages.closed();
      if (b.generation === generation && !this.#stopped) {
        throw ended instanceof Error ? ended : new Error("consumer ended");
      }
    } catch (e) {
      if (b.generation !== generation || this.#stopped) return;
      this.#o.log?.(`consumer of ${b.subject}: ${(e as Error).message}`);
      // Tried again in a second (and anew whenever NATS comes back: #linkChanged).
      setTimeout(() => {
        if (b.generation === generation && !this.#stopped && this.#o.link.up) {
          this.#reread(b, false);
        }
      }, 1000);
    }
  }

  /**
   * A book that stays unsynced with nothing arriving for `REREAD_MS` (a consumer stuck on a
   * lost cluster node, say) is read again from its last snapshot.
   */
  #watchdog(): void {
    if (this.#stopped || !this.#o.link.up) return;
    const now = performance.now();
    for (const b of this.#byId) {
      if (!b.synced && now - b.heardAt > REREAD_MS && now - b.rereadAt > REREAD_MS) {
        this.#reread(b, true);
      }
    }
  }

  /** Marks the book stale and reads it again from its last snapshot. */
  #reread(b: EdgeBook, count: boolean): void {
    b.generation++;
    b.close?.();
    b.close = undefined;
    this.#markStale(b);
    if (count) {
      this.counters.rereads++;
      b.resyncs++;
    }
    b.rereadAt = performance.now();
    if (this.#o.link.up) void this.#consume(b);
  }

  /** Handles one book message. */
  #message(b: EdgeBook, data: Uint8Array, epoch: number): void {
    const c = this.counters;
    b.heardAt = performance.now();
    c.messages++;
    c.bytes += data.byteLength;
    this.#lastMessageAt = Date.now();
    if (!Number.isSafeInteger(epoch) || epoch < 0) {
      c.badMessages++;
      return;
    }
    if (epoch < this.#epoch) {
      c.oldEpoch++;
      return;
    }
    if (epoch > this.#epoch) this.#epoch = epoch;
    const l = this.#layout;
    const view = this.#view;
    if (
      data.byteLength > l.recordSize || !view.tryWrap(data) ||
      view.byteLength !== data.byteLength || view.exchange !== this.exchangeCode
    ) {
      c.badMessages++;
      return;
    }
    if (epoch > b.epoch) {
      this.#markStale(b);
      b.epoch = epoch;
      b.parts = [];
      // A new term's seqs are unrelated to the old one's.
      b.failedSeq = -1;
    }
    // The record with its symbol id rewritten, in a scratch buffer (the mirror and the ring copy
    // it; only a part kept for later is copied out).
    const copy = this.#scratch.subarray(0, data.byteLength);
    copy.set(data);
    this.#scratchView.setUint32(l.recSymbol, b.id, true);
    view.wrap(copy);
    const seq = view.seq;
    const snapshot = view.snapshot;
    const receiveMs = view.receiveTimeMs;
    const receiveTs = view.receiveTs;
    b.priceScale = view.priceScale;
    b.sizeScale = view.sizeScale;
    if (view.depth > 0) b.depth = view.depth;
    let status;
    try {
      status = this.#mirror.apply(copy).status;
    } catch {
      c.badMessages++;
      return;
    }
    switch (status) {
      case "partial":
        b.parts.push(copy.slice());
        return;
      case "ok": {
        b.seq = seq;
        if (b.failedSeq >= 0 && seq < b.failedSeq) {
          // A re-read replaying what preceded the record that failed, which may fail again: the
          // book stays stale (a snapshot and deltas written now would only be taken back).
          b.parts = [];
          b.held = true;
          return;
        }
        b.failedSeq = -1;
        if (b.held && !snapshot) {
          // Verified past the failure with a delta: the ring gets the rebuilt book at once.
          this.#writeMirrorSnapshot(b, receiveTs);
        } else {
          for (const part of b.parts) this.#write(b, part);
          this.#write(b, copy);
        }
        b.parts = [];
        b.held = false;
        b.synced = true;
        b.receiveMs = receiveMs;
        b.appliedAt = Date.now();
        b.updates++;
        return;
      }
      case "stale":
        b.parts = [];
        if (!b.held) this.#write(b, copy);
        b.synced = false;
        return;
      case "waiting":
        b.parts = [];
        c.waiting++;
        return;
      case "gap":
      case "checksum": {
        if (status === "gap") {
          c.gaps++;
          b.gaps++;
        } else {
          c.checksumFailures++;
          b.checksumFailures++;
        }
        b.parts = [];
        b.held = false;
        if (b.failedSeq < 0) {
          b.failedSeq = seq;
          this.#reread(b, true);
        } else {
          // Failed again before the book verified past the first failure (the re-read met the
          // same record, say): wait for the stream's next snapshot instead of re-reading it.
          b.failedSeq = Math.max(b.failedSeq, seq);
          this.#markStale(b);
        }
        return;
      }
    }
  }

  /** Writes a SNAPSHOT of the book from the edge's mirror (when it holds the book). */
  #writeMirrorSnapshot(b: EdgeBook, receiveTs: bigint): boolean {
    const book = this.#mirror.book(this.exchangeCode, b.id);
    if (!book) return false;
    const bytes = encodeSnapshotRecords(this.#layout, { ...book, receiveTs });
    for (const r of splitRecords(this.#layout, bytes)) this.#write(b, r);
    return true;
  }

  #write(b: EdgeBook, bytes: Uint8Array): void {
    if (this.core.writeRaw(bytes, b.id) === 1) {
      this.counters.written++;
      b.written = true;
    }
  }

  /** The book is not usable now: clients are told (a STALE marker), the mirror forgets it. */
  #markStale(b: EdgeBook): void {
    this.#mirror.invalidate(this.exchangeCode, b.id);
    b.parts = [];
    b.held = false;
    const wasSynced = b.synced;
    b.synced = false;
    if (!b.written || !wasSynced) return;
    const marker = encodeStaleRecord(this.#layout, {
      exchange: this.exchangeCode,
      symbol: b.id,
      seq: b.seq,
      priceScale: b.priceScale,
      sizeScale: b.sizeScale,
      depth: b.depth,
      receiveTs: BigInt(Date.now()) * 1_000_000n,
    });
    this.core.writeRaw(marker, b.id);
  }

  /** Trades of the exchange, live (an ordered consumer of `<prefix>.trade.<exchange>.>`). */
  async #trades(): Promise<void> {
    const js = this.#js;
    if (!js) return;
    while (!this.#stopped) {
      try {
        const consumer = await js.consumers.get(tradeStream(this.#o.config.stream), {
          filter_subjects: `${this.#o.config.subjectPrefix}.trade.${this.exchange}.>`,
          deliver_policy: DeliverPolicy.New,
        });
        const messages = await consumer.consume({ max_messages: 512, expires: 5000 });
        this.#stops.push(() => void messages.close().catch(() => {}));
        for await (const m of messages) {
          const epoch = Number(m.headers?.get(EPOCH_HEADER));
          if (Number.isSafeInteger(epoch) && epoch < this.#epoch) continue;
          this.#trade(m.data);
        }
        return;
      } catch (e) {
        if (this.#stopped) return;
        this.#o.log?.(`trade consumer of ${this.exchange}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  #trade(data: Uint8Array): void {
    let t;
    try {
      t = JSON.parse(this.#decoder.decode(data));
    } catch {
      this.counters.badMessages++;
      return;
    }
    if (
      t?.type !== "trade" || t.exchange !== this.exchange || !this.#books.has(t.symbol) ||
      typeof t.price !== "string" || typeof t.size !== "string" ||
      (t.side !== "buy" && t.side !== "sell") || typeof t.ts !== "number"
    ) {
      this.counters.badMessages++;
      return;
    }
    this.counters.trades++;
    const trade: NormalizedTrade = {
      exchange: this.exchange,
      symbol: t.symbol,
      price: t.price,
      size: t.size,
      side: t.side,
      ts: t.ts,
      tradeId: String(t.id ?? ""),
    };
    for (const l of this.#tradeListeners) l(trade);
  }

  onTrade(listener: (trade: NormalizedTrade) => void): () => void {
    this.#tradeListeners.add(listener);
    return () => this.#tradeListeners.delete(listener);
  }

  onSymbolsAdded(listener: () => void): () => void {
    this.#symbolListeners.add(listener);
    return () => this.#symbolListeners.delete(listener);
  }

  /** The ring is written on this thread: `listener` runs after each write. */
  onWrite(listener: () => void): () => void {
    return this.core.onWrite(listener);
  }

  /**
   * The server lost these books: a SNAPSHOT from the edge's mirror where it holds the book, else
   * (the edge lost it too, for long enough) a re-read from the last snapshot.
   */
  requestSnapshots(symbols?: readonly string[]): void {
    const books = symbols === undefined
      ? this.#byId
      : symbols.flatMap((s) => this.#books.get(s) ?? []);
    const now = performance.now();
    for (const b of books) {
      const written = b.synced &&
        this.#writeMirrorSnapshot(b, BigInt(Math.round(b.receiveMs)) * 1_000_000n);
      if (written) continue;
      if (this.#o.link.up && now - b.rereadAt > REREAD_MS) {
        this.#reread(b, true);
      }
    }
  }

  health(): ExchangeHealth {
    const now = Date.now();
    const up = this.#o.link.up;
    const books = this.#byId.map((b): BookHealth => ({
      symbol: b.symbol,
      state: b.synced ? "live" : b.written ? "stale" : "connecting",
      lastUpdateAgeMs: b.appliedAt === 0 ? null : now - b.appliedAt,
      seq: b.seq,
      updates: b.updates,
      resyncs: b.resyncs,
      gaps: b.gaps,
      checksumFailures: b.checksumFailures,
      parseErrors: 0,
      absentDeletes: 0,
      quiet: false,
    }));
    const c = this.counters;
    return {
      exchange: this.exchange,
      connection: this.#stopped
        ? "stopped"
        : !up
        ? (this.#o.link.state === "connecting" ? "connecting" : "reconnecting")
        : this.#catalogReady
        ? "connected"
        : "connecting",
      healthy: up && this.#catalogReady && books.every((b) => b.state === "live"),
      messages: c.messages,
      bytes: c.bytes,
      parseErrors: c.badMessages,
      unknownMessages: 0,
      oversizeMessages: 0,
      exchangeErrors: 0,
      gaps: c.gaps,
      checksumFailures: c.checksumFailures,
      resyncs: c.rereads,
      reconnects: this.#reconnects,
      lastMessageAgeMs: this.#lastMessageAt === 0 ? null : now - this.#lastMessageAt,
      books,
    };
  }

  stop(): Promise<void> {
    this.#stopped = true;
    for (const off of this.#off.splice(0)) off();
    for (const stop of this.#stops.splice(0)) stop();
    for (const b of this.#byId) {
      b.generation++;
      b.close?.();
    }
    return Promise.resolve();
  }
}
