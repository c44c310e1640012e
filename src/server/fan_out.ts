/**
 * The fan-out: the one path by which book data, stale notices and trades reach sessions.
 *
 * - A complete delta or snapshot is encoded once per encoding and the same bytes go to every
 *   subscriber that should get it ({@linkcode FanOut.publish}); a subscriber that is owed a
 *   snapshot gets the mirror's snapshot instead of a delta.
 * - Everything queued during one ring wake-up (between `beginDrain` and `endDrain`) leaves at its
 *   end: to each touched session as one binary frame (records back to back) or as one text frame
 *   per JSON message. Sessions that received every broadcast chunk of the wake-up share one
 *   concatenation.
 * - Before sending, a session over `clientBufferBytes` is handed to the slow-client policy
 *   (`onOverflow`) instead.
 *
 * @module
 */
import type { BookMirror } from "../core/book_mirror.ts";
import type { CoreLayout } from "../core/layout.ts";
import type { NormalizedTrade } from "../runtime/feed.ts";
import type { BookChannel } from "./book_channel.ts";
import { type ClientSession, concat } from "./client_session.ts";
import { encodeBookRecords, encodeTrade, type StaleReason } from "./json_messages.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { Subscriptions } from "./subscriptions.ts";

/** What {@linkcode FanOut} needs. */
export interface FanOutOptions {
  subscriptions: Subscriptions<ClientSession, BookChannel>;
  /** The server's mirror of every book (snapshots for new and recovering subscribers). */
  mirror: BookMirror;
  metrics: ServerMetrics;
  /** A session whose send buffer is over this is not sent to; `onOverflow` gets it. */
  clientBufferBytes: number;
  /** Called instead of sending when a session is over `clientBufferBytes`. */
  onOverflow(session: ClientSession): void;
}

/**
 * Queues and sends what sessions receive.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, encodeStaleRecord } from "../core/mod.ts";
 * import { BookChannel } from "./book_channel.ts";
 * import { ClientSession } from "./client_session.ts";
 * import { FanOut } from "./fan_out.ts";
 * import { ServerMetrics } from "./metrics.ts";
 * import { Subscriptions } from "./subscriptions.ts";
 * const sent: Array<string | Uint8Array> = [];
 * const socket = {
 *   readyState: WebSocket.OPEN, bufferedAmount: 0, addEventListener() {}, close() {},
 *   send(data: string | Uint8Array) { sent.push(data); },
 * } as unknown as WebSocket;
 * const metrics = new ServerMetrics();
 * const subscriptions = new Subscriptions<ClientSession, BookChannel>();
 * const mirror = await BookMirror.create();
 * const fanOut = new FanOut({
 *   subscriptions, mirror, metrics, clientBufferBytes: 1 << 20, onOverflow: () => {},
 * });
 * const channel = new BookChannel({ exchange: "kraken", exchangeCode: 2, symbols: ["BTC/USD"] }, 0);
 * const session = new ClientSession(socket, "binary", 50, metrics);
 * subscriptions.add(session);
 * subscriptions.addBook(session, channel);
 * subscriptions.setLive(session, channel, true);
 * const marker = encodeStaleRecord(mirror.layout, {
 *   exchange: 2, symbol: 0, seq: 3, priceScale: 0, sizeScale: 0, depth: 5,
 * });
 * fanOut.beginDrain();
 * fanOut.stale(channel, "upstream", marker);
 * fanOut.endDrain(); // what the wake-up produced leaves now, one frame per session
 * assert.deepEqual(sent, [marker]);
 * assert.equal(subscriptions.isLive(session, channel), false); // owes a snapshot now
 * ```
 */
export class FanOut {
  #subs: Subscriptions<ClientSession, BookChannel>;
  #mirror: BookMirror;
  #layout: CoreLayout;
  #metrics: ServerMetrics;
  #limit: number;
  #onOverflow: (session: ClientSession) => void;
  #touched = new Set<ClientSession>();
  #drainLog: Uint8Array[] = [];
  #inDrain = false;

  constructor(options: FanOutOptions) {
    this.#subs = options.subscriptions;
    this.#mirror = options.mirror;
    this.#layout = options.mirror.layout;
    this.#metrics = options.metrics;
    this.#limit = options.clientBufferBytes;
    this.#onOverflow = options.onOverflow;
  }

  /** A wake-up starts: what is queued now leaves at `endDrain`. */
  beginDrain(): void {
    this.#inDrain = true;
  }

  /** The wake-up ends: sends what it produced. */
  endDrain(): void {
    this.#inDrain = false;
    this.flush();
  }

  /** Forgets a session that is gone. */
  forget(session: ClientSession): void {
    this.#touched.delete(session);
  }

  /** Marks a session as having something queued (sent at the next flush). */
  touch(session: ClientSession): void {
    this.#touched.add(session);
  }

  /** Sends what is queued now, unless a wake-up is in progress (it sends at its end). */
  flushIfIdle(): void {
    if (!this.#inDrain) this.flush();
  }

  /**
   * Publishes a complete delta or snapshot (its record parts) to the book's subscribers: a
   * delta to the live ones (a snapshot of the mirror to those owed one), a snapshot to every
   * one (except, when `redundant`, those already live at its seq). Slow sessions get nothing.
   */
  publish(
    ch: BookChannel,
    kind: "delta" | "snapshot",
    parts: readonly Uint8Array[],
    redundant = false,
  ): void {
    let json: string | undefined;
    let binary: Uint8Array | undefined;
    const subs = this.#subs;
    const isDelta = kind === "delta";
    for (const [session, live] of subs.subscribersOf(ch)) {
      if (session.slow || session.closing) continue;
      if (isDelta && !live) {
        this.sendSnapshot(session, ch);
        continue;
      }
      if (!isDelta && live && redundant) continue; // same seq it already holds
      if (session.format === "json") {
        json ??= encodeBookRecords(kind, ch.names, parts, this.#layout);
        session.queueText(json);
      } else {
        if (binary === undefined) {
          binary = parts.length === 1 ? parts[0] : concat(parts);
          this.#drainLog.push(binary);
        }
        session.queueBinary(binary, true);
      }
      if (isDelta) this.#metrics.deltasSent++;
      else {
        subs.setLive(session, ch, true);
        this.#metrics.snapshotsSent++;
      }
      this.#touched.add(session);
    }
  }

  /** Queues the mirror's snapshot of `ch` for `session`; false when the mirror is not synced. */
  sendSnapshot(session: ClientSession, ch: BookChannel): boolean {
    if (session.format === "json") {
      const text = ch.snapshotJson(this.#mirror);
      if (text === undefined) return false;
      session.queueText(text);
    } else {
      const bytes = ch.snapshotBinary(this.#mirror);
      if (bytes === undefined) return false;
      session.queueBinary(bytes, false);
    }
    this.#subs.setLive(session, ch, true);
    this.#metrics.snapshotsSent++;
    this.#touched.add(session);
    return true;
  }

  /** Snapshots every book the session is subscribed to but not live on. */
  resnapshot(session: ClientSession): void {
    for (const ch of this.#subs.booksOf(session)) {
      if (!this.#subs.isLive(session, ch)) this.sendSnapshot(session, ch);
    }
    this.#touched.add(session);
  }

  /**
   * Tells every live subscriber of `ch` that it is stale (binary clients get the ring's STALE
   * marker when given, else one encoded from the channel) and makes them owe a snapshot.
   */
  stale(ch: BookChannel, reason: StaleReason, ringRecord?: Uint8Array): void {
    let notice: { json: string; binary: Uint8Array } | undefined;
    let logged = false;
    for (const [session, live] of this.#subs.subscribersOf(ch)) {
      if (!live) continue;
      this.#subs.setLive(session, ch, false);
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
      this.#metrics.staleSent++;
      this.#touched.add(session);
    }
  }

  /**
   * Queues a stale notice of `ch` for one session only (not a broadcast chunk; `asText`: as a
   * JSON status even on a binary connection). The caller sends it.
   */
  staleTo(session: ClientSession, ch: BookChannel, reason: StaleReason, asText = false): void {
    const notice = ch.staleNotice(this.#layout, reason);
    if (asText || session.format === "json") session.queueText(notice.json);
    else session.queueBinary(notice.binary, false);
    this.#metrics.staleSent++;
  }

  /** Sends a trade to the book's trade subscribers (JSON text; dropped for slow sessions). */
  trade(ch: BookChannel, trade: NormalizedTrade): void {
    const subscribers = this.#subs.tradeSubscribersOf(ch);
    if (subscribers.size === 0) return;
    const text = encodeTrade(trade);
    for (const session of subscribers) {
      if (session.closing) continue;
      if (session.slow) {
        this.#metrics.tradesDropped++;
        continue;
      }
      session.queueText(text);
      this.#metrics.tradesSent++;
      this.#touched.add(session);
    }
    this.flushIfIdle();
  }

  /** Sends what every touched session has queued (or hands it to the slow-client policy). */
  flush(): void {
    const log = this.#drainLog;
    let whole: Uint8Array | undefined;
    const shared = () => whole ??= concat(log);
    for (const session of this.#touched) {
      if (session.closing) {
        session.discard();
        continue;
      }
      if (!session.slow && session.bufferedAmount > this.#limit) {
        this.#onOverflow(session);
        continue;
      }
      session.flush(log.length, shared);
    }
    this.#touched.clear();
    this.#drainLog = [];
  }
}
