/**
 * The publisher of one collected exchange (DESIGN §12): a second reader of the collector's ring
 * (its own {@linkcode FeedPump}, so the server's clients and the adapters never wait for it) that
 * publishes every record to `<prefix>.book.<exchange>.<BASE-QUOTE>` and every trade to
 * `<prefix>.trade.…`, each with `Nats-Msg-Id` and `AlphaPulse-Epoch`, part 0 of every SNAPSHOT
 * with `Nats-Rollup: sub`.
 *
 * It keeps its own mirror of every book (the same WASM mirror and checksum verification as the
 * server's), and from it publishes a SNAPSHOT (the seq of the last delta it includes) when a book
 * has not been announced in the current term — at the start of a term (lease won), after NATS
 * came back, after any failed publish of the book — and at least every `snapshotEvery` deltas.
 * A book's deltas are published only after its snapshot in the term: snapshots first.
 *
 * Publishing never blocks: at most `maxInFlight` publishes await their acknowledgement; past it,
 * a record is not published (counted as a failure) and its book is snapshotted again when there is
 * room. Only the lease holder publishes, and only while its lease is fresh ({@linkcode Lease}).
 *
 * @module
 */
import {
  createInbox,
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { BookMirror } from "../core/book_mirror.ts";
import { encodeSnapshotRecords, splitRecords } from "../core/record_encode.ts";
import { RecordView } from "../core/record_view.ts";
import type { ExchangeFeed, NormalizedTrade } from "../runtime/feed.ts";
import { FeedPump, type RecordSink } from "../server/feed_pump.ts";
import { encodeTrade } from "../server/json_messages.ts";
import type { NatsLink } from "./connection.ts";
import { newPublishCounters, type PublishCounters } from "./counters.ts";
import type { Lease } from "./lease.ts";
import {
  bookMsgId,
  bookSubject,
  catalogKey,
  EPOCH_HEADER,
  MSG_ID_HEADER,
  ROLLUP_HEADER,
  tradeMsgId,
  tradeSubject,
} from "./names.ts";

/** Options of {@linkcode Publisher.create}. */
export interface PublisherOptions {
  feed: ExchangeFeed;
  /** The publishing connection. */
  link: NatsLink;
  /** The exchange's lease (its own connection). */
  lease: Lease;
  subjectPrefix: string;
  /** Tracked depth of the books (the catalog's `depth`). */
  depth: number;
  snapshotEvery: number;
  maxInFlight: number;
  /** Housekeeping period (ms): snapshots of books not announced, catalog, snapshot requests. */
  tickMs?: number;
  log?(line: string): void;
  /**
   * A publish was refused with status 503: no stream stores its subject (deleted, or never
   * created). The node re-creates what is missing; the refused books are snapshotted first.
   */
  onNoStream?(): void;
}

interface PubBook {
  /** Index in the feed's symbol list. */
  readonly index: number;
  readonly symbol: string;
  readonly subject: string;
  readonly tradeSubject: string;
  /** A snapshot of the book was published in the current term (and nothing failed since). */
  announced: boolean;
  deltasSince: number;
  /** Parts of the ring SNAPSHOT being assembled. */
  parts: Uint8Array[] | null;
  receiveTs: bigint;
  exchangeTs: bigint;
  /** When the publisher last asked the collector for a snapshot of it (ms). */
  requestedAt: number;
}

const PUBLISH_TIMEOUT_MS = 5000;
/** Bytes read in an acknowledgement: `{"s` of `{"stream"`, the `ue` of `true}`. */
const ACK_S = 0x73;
const ACK_E = 0x65;
const ACK_U = 0x75;
const SNAPSHOT_REQUEST_MS = 2000;

/**
 * Publishes one feed.
 *
 * @example
 * ```ts ignore
 * const publisher = await Publisher.create({ feed, link, lease, subjectPrefix: "alphapulse",
 *   depth: 50, snapshotEvery: 1000, maxInFlight: 4096 });
 * publisher.start();
 * await publisher.stop();
 * ```
 */
export class Publisher implements RecordSink {
  readonly feed: ExchangeFeed;
  readonly counters: PublishCounters = newPublishCounters();
  readonly pump: FeedPump;
  #o: PublisherOptions;
  #mirror: BookMirror;
  #view: RecordView;
  #books: PubBook[];
  #nc: NatsConnection | undefined;
  #inbox = "";
  #acks: Subscription | undefined;
  /** Per book (and one more for trades): send times of publishes awaiting their ack. */
  #pending: Array<{ times: number[]; head: number }> = [];
  #catalog: KV | undefined;
  #catalogEpoch = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #off: Array<() => void> = [];
  #encoder = new TextEncoder();
  #headers: MsgHdrs = headers();
  #headerEpoch = -1;
  #headerRollup = false;
  #decoder = new TextDecoder();
  #stopped = false;
  /** Time of the last failure (ms since the epoch), for `/health`. */
  lastFailureAt = 0;
  lastError = "";

  private constructor(options: PublisherOptions, mirror: BookMirror) {
    this.#o = options;
    this.feed = options.feed;
    this.#mirror = mirror;
    this.#view = new RecordView(mirror.layout);
    this.#books = options.feed.symbols.map((symbol, index) => ({
      index,
      symbol,
      subject: bookSubject(options.subjectPrefix, options.feed.exchange, symbol),
      tradeSubject: tradeSubject(options.subjectPrefix, options.feed.exchange, symbol),
      announced: false,
      deltasSince: 0,
      parts: null,
      receiveTs: 0n,
      exchangeTs: 0n,
      requestedAt: -Infinity,
    }));
    this.pump = new FeedPump(options.feed, this);
  }

  /** Creates a publisher (its mirror runs on its own core instance). */
  static async create(options: PublisherOptions): Promise<Publisher> {
    return new Publisher(options, await BookMirror.create());
  }

  /**
   * The publishing connection, once connected. Publishes are sent with `nc.publish` and a reply
   * subject per book (`<inbox>.<book index>`); JetStream's acknowledgements arrive on one
   * subscription and settle the oldest pending publish of that book; one unacknowledged for
   * `PUBLISH_TIMEOUT_MS` is a failure. (A request per publish, as `js.publish` makes, costs a
   * promise and a timer per record.)
   */
  set connection(nc: NatsConnection) {
    this.#nc = nc;
    this.#inbox = createInbox();
    this.#pending = Array.from({ length: this.#books.length + 1 }, () => ({ times: [], head: 0 }));
    this.#acks = nc.subscribe(`${this.#inbox}.*`, {
      callback: (err, msg) => {
        if (!err) this.#ack(msg);
      },
    });
  }

  #ack(msg: Msg): void {
    const index = Number(msg.subject.slice(this.#inbox.length + 1));
    const q = this.#pending[index];
    if (q === undefined || q.head >= q.times.length) return; // timed out already
    this.#settle(q);
    const data = msg.data;
    const c = this.counters;
    // An acknowledgement is `{"stream":…,"seq":…}` (`,"duplicate":true` added for a retried
    // Msg-Id) or `{"error":…}`; a status without a body (503: no stream listens) is a refusal
    // too. Read from the bytes: no text decoded per acknowledgement.
    if (data.length < 3 || data[2] !== ACK_S || msg.headers?.hasError) {
      const b = this.#books[index];
      if (b) b.announced = false;
      const text = data.length > 0
        ? this.#decoder.decode(data).slice(0, 200)
        : `status ${msg.headers?.code ?? "without a body"} ${msg.headers?.description ?? ""}`;
      this.#fail(new Error(`JetStream refused a publish: ${text.trim()}`));
      if (msg.headers?.code === 503) {
        // No stream stores the book subjects: whatever was stored is gone with it, so every
        // book, not only this one, starts again with a snapshot once a stream stores again.
        for (const other of this.#books) other.announced = false;
        this.#o.onNoStream?.();
      }
      return;
    }
    c.published++;
    // `…,"duplicate":true}`: the only acknowledgement ending in `true}`.
    if (data[data.length - 2] === ACK_E && data[data.length - 3] === ACK_U) c.duplicates++;
  }

  #settle(q: { times: number[]; head: number }): void {
    q.head++;
    this.counters.inFlight--;
    if (q.head === q.times.length) {
      q.times.length = 0;
      q.head = 0;
    } else if (q.head > 1024 && q.head * 2 > q.times.length) {
      q.times.splice(0, q.head);
      q.head = 0;
    }
  }

  /** Publishes unacknowledged for too long are failures (their books are snapshotted again). */
  #expire(now: number): void {
    for (let i = 0; i < this.#pending.length; i++) {
      const q = this.#pending[i];
      let expired = 0;
      while (q.head < q.times.length && now - q.times[q.head] > PUBLISH_TIMEOUT_MS) {
        this.#settle(q);
        expired++;
      }
      if (expired > 0) {
        const b = this.#books[i];
        if (b) b.announced = false;
        this.counters.failures += expired - 1;
        this.#fail(
          new Error(`${expired} publishes not acknowledged within ${PUBLISH_TIMEOUT_MS} ms`),
        );
      }
    }
  }

  /** The catalog bucket (on the control connection), once opened. */
  set catalog(kv: KV) {
    this.#catalog = kv;
  }

  /** Books announced in the current term. */
  get announced(): number {
    return this.#books.filter((b) => b.announced).length;
  }

  /** Starts reading the ring and listening to trades. */
  start(): void {
    this.#off.push(this.feed.onTrade((t) => this.#trade(t)));
    this.#off.push(this.#o.link.onChange(() => this.#unannounceAll()));
    this.pump.start();
    // Every record goes to the stream: the local server must not pause any book's records.
    this.feed.keepRecords?.();
    this.feed.requestSnapshots();
    this.#timer = setInterval(() => this.tick(), this.#o.tickMs ?? 100);
  }

  /** Stops reading (in-flight publishes finish on their own). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const off of this.#off.splice(0)) off();
    await this.pump.stop();
    this.#acks?.unsubscribe();
  }

  /** The lease changed hands (or NATS came back): every book needs a snapshot first. */
  #unannounceAll(): void {
    for (const b of this.#books) b.announced = false;
  }

  /** Called by the node when this node's term starts or ends. */
  termChanged(): void {
    this.#unannounceAll();
    this.tick();
  }

  /** Whether this node may publish now. */
  #may(): boolean {
    return this.#nc !== undefined && this.#o.link.up && this.#o.lease.fresh() && !this.#stopped;
  }

  /** Housekeeping: snapshot every book not announced; the catalog; snapshot requests. */
  tick(): void {
    if (this.#stopped) return;
    this.pump.drain();
    const may = this.#may();
    const now = performance.now();
    this.#expire(now);
    const code = this.feed.exchangeCode;
    for (let id = 0; id < this.#books.length; id++) {
      const b = this.#books[id];
      const synced = this.#mirror.isSynced(code, id);
      if (!synced && now - b.requestedAt > SNAPSHOT_REQUEST_MS) {
        b.requestedAt = now;
        this.feed.requestSnapshots([b.symbol]);
      }
      if (may && !b.announced && synced) this.#announce(id, b);
    }
    if (may && this.#catalogEpoch !== this.#o.lease.epoch) void this.#writeCatalog();
  }

  async #writeCatalog(): Promise<void> {
    const kv = this.#catalog;
    const epoch = this.#o.lease.epoch;
    if (!kv) return;
    this.#catalogEpoch = epoch;
    try {
      for (const b of this.#books) {
        if (!this.#o.lease.fresh() || this.#o.lease.epoch !== epoch) {
          this.#catalogEpoch = 0;
          return;
        }
        await kv.put(
          catalogKey(this.feed.exchange, b.symbol),
          JSON.stringify({
            exchange: this.feed.exchange,
            symbol: b.symbol,
            depth: this.#o.depth,
            epoch,
          }),
        );
      }
    } catch (e) {
      this.#catalogEpoch = 0;
      this.#fail(e);
    }
  }

  /** @inheritdoc */
  beginDrain(): void {}

  /** @inheritdoc */
  endDrain(): void {}

  /** @inheritdoc */
  lapped(_pump: FeedPump): void {
    for (let id = 0; id < this.#books.length; id++) {
      this.#mirror.invalidate(this.feed.exchangeCode, id);
      this.#books[id].announced = false;
      this.#books[id].parts = null;
    }
    this.feed.requestSnapshots();
  }

  /** @inheritdoc */
  record(_pump: FeedPump, bytes: Uint8Array): void {
    const rec = this.#view;
    if (!rec.tryWrap(bytes) || rec.exchange !== this.feed.exchangeCode) {
      this.counters.badRecords++;
      return;
    }
    const id = rec.symbol;
    const b = this.#books[id];
    if (b === undefined) {
      this.counters.badRecords++;
      return;
    }
    const seq = rec.seq;
    const part = rec.part;
    const snapshot = rec.snapshot;
    const stale = rec.stale;
    b.receiveTs = rec.receiveTs;
    b.exchangeTs = rec.exchangeTs;
    let status;
    try {
      status = this.#mirror.apply(bytes).status;
    } catch {
      this.counters.badRecords++;
      return;
    }
    if (!this.#may()) {
      this.counters.withheld++;
      b.announced = false;
      b.parts = null;
      return;
    }
    const epoch = this.#o.lease.epoch;
    if (stale) {
      b.announced = false;
      b.parts = null;
      this.#send(b, bytes, bookMsgId(this.feed.exchange, b.symbol, seq, part, false, epoch), false);
      return;
    }
    if (snapshot) {
      if (part === 0) b.parts = [bytes];
      else b.parts?.push(bytes);
      if (status === "partial") return;
      const parts = b.parts;
      b.parts = null;
      if (status !== "ok" || parts === null) return;
      b.announced = true;
      b.deltasSince = 0;
      for (let p = 0; p < parts.length; p++) {
        const id = bookMsgId(this.feed.exchange, b.symbol, seq, p, true, epoch);
        this.#send(b, parts[p], id, p === 0);
      }
      return;
    }
    if (!b.announced) {
      if (status === "ok") this.#announce(id, b);
      return;
    }
    if (status === "gap" || status === "checksum" || status === "waiting") {
      // The publisher's own mirror lost the chain: the book is snapshotted again once synced.
      b.announced = false;
      return;
    }
    this.#send(b, bytes, bookMsgId(this.feed.exchange, b.symbol, seq, part, false, epoch), false);
    if (status === "ok" && ++b.deltasSince >= this.#o.snapshotEvery) this.#announce(id, b);
  }

  /** Publishes a SNAPSHOT of the book from the mirror (seq of the last delta it includes). */
  #announce(id: number, b: PubBook): void {
    const book = this.#mirror.book(this.feed.exchangeCode, id);
    if (!book) return;
    const records = splitRecords(
      this.#mirror.layout,
      encodeSnapshotRecords(this.#mirror.layout, {
        ...book,
        receiveTs: b.receiveTs,
        exchangeTs: b.exchangeTs,
      }),
    );
    const epoch = this.#o.lease.epoch;
    b.announced = true;
    b.deltasSince = 0;
    this.counters.mirrorSnapshots++;
    for (let p = 0; p < records.length; p++) {
      const msgId = bookMsgId(this.feed.exchange, b.symbol, book.seq, p, true, epoch);
      if (!this.#send(b, records[p], msgId, p === 0)) return;
    }
  }

  #trade(t: NormalizedTrade): void {
    if (!this.#may()) return;
    const b = this.#books.find((x) => x.symbol === t.symbol);
    if (!b) return;
    this.#send(
      null,
      this.#encoder.encode(encodeTrade(t)),
      tradeMsgId(this.feed.exchange, t.symbol, t.tradeId),
      false,
      b.tradeSubject,
    );
  }

  /**
   * Publishes one message unless `maxInFlight` publishes are pending. A failure un-announces the
   * book (its next message is a snapshot). Returns whether it was sent.
   */
  #send(
    b: PubBook | null,
    data: Uint8Array,
    msgID: string,
    rollup: boolean,
    subject = b!.subject,
  ): boolean {
    const c = this.counters;
    const nc = this.#nc!;
    if (c.inFlight >= this.#o.maxInFlight) {
      c.failures++;
      this.lastFailureAt = Date.now();
      this.lastError = `more than ${this.#o.maxInFlight} publishes in flight`;
      if (b) b.announced = false;
      return false;
    }
    // One header set, rewritten per publish (`nc.publish` encodes it at once).
    const h = this.#headers;
    h.set(MSG_ID_HEADER, msgID);
    const epoch = this.#o.lease.epoch;
    if (epoch !== this.#headerEpoch) {
      this.#headerEpoch = epoch;
      h.set(EPOCH_HEADER, String(epoch));
    }
    if (rollup) h.set(ROLLUP_HEADER, "sub");
    else if (this.#headerRollup) h.delete(ROLLUP_HEADER);
    this.#headerRollup = rollup;
    const index = b === null ? this.#books.length : b.index;
    try {
      nc.publish(subject, data, { headers: h, reply: `${this.#inbox}.${index}` });
    } catch (e) {
      if (b) b.announced = false;
      this.#fail(e);
      return false;
    }
    c.inFlight++;
    this.#pending[index].times.push(performance.now());
    return true;
  }

  #fail(e: unknown): void {
    this.counters.failures++;
    this.lastFailureAt = Date.now();
    const message = (e as Error)?.message ?? String(e);
    if (message !== this.lastError) {
      this.#o.log?.(`NATS publish of ${this.feed.exchange}: ${message}`);
    }
    this.lastError = message;
  }
}
