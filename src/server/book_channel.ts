/**
 * One book (exchange, symbol) as the broadcast server serves it: who is subscribed and in which
 * state, the parts of the delta being assembled from the ring, why the server's mirror is not
 * synced, and the snapshot encodings (cached per mirror version, so a burst of subscribers costs
 * one encoding).
 *
 * @module
 */
import type { BookMirror } from "../core/book_mirror.ts";
import type { CoreLayout } from "../core/layout.ts";
import { encodeSnapshotRecords, encodeStaleRecord } from "../core/record_encode.ts";
import type { ExchangeFeed } from "../runtime/feed.ts";
import {
  type BookNames,
  encodeMirrorSnapshot,
  encodeStatus,
  type StaleReason,
} from "./json_messages.ts";
import type { ClientSession } from "./client_session.ts";

/** Why the server's copy of a book is not synced (null when it is). */
export type UnsyncedCause = StaleReason | "startup";

/**
 * Server-side state of one book.
 *
 * @example
 * ```ts ignore
 * import { BookChannel } from "./book_channel.ts";
 * const channel = new BookChannel(feed, 0);
 * console.log(channel.names); // { exchange: "kraken", symbol: "BTC/USD" }
 * ```
 */
export class BookChannel {
  /** The feed whose ring carries this book. */
  readonly feed: ExchangeFeed;
  /** Record exchange code. */
  readonly code: number;
  /** Record symbol id (index in `feed.symbols`). */
  readonly symbolId: number;
  /** Names as clients see them. */
  readonly names: BookNames;
  /** Book subscribers: `true` once the client holds a snapshot and gets deltas. */
  readonly subscribers: Map<ClientSession, boolean> = new Map();
  /** Trade subscribers. */
  readonly tradeSubscribers: Set<ClientSession> = new Set();
  /** Record parts of the delta or snapshot being assembled. */
  parts: Uint8Array[] = [];
  /** Whether the snapshot being assembled repeats what live subscribers already hold. */
  redundantSnapshot = false;
  /** Why the mirror is not synced (null when synced). */
  cause: UnsyncedCause | null = "startup";
  /** When a fresh snapshot was last asked of the collector (ms, performance clock). */
  lastSnapshotRequest = -Infinity;
  /** Seq of the last complete delta or snapshot. */
  seq = 0;
  /** Header fields of the last record, for STALE markers and snapshot times. */
  priceScale = 0;
  sizeScale = 0;
  depth = 1;
  exchangeTs = 0n;
  receiveTs = 0n;
  /** When the last record of this book was read (ms since the epoch; 0 = never). */
  lastRecordAt = 0;
  /** Bumped on every record applied to the mirror (invalidates cached snapshots). */
  version = 0;
  #jsonCache: { version: number; text: string } | undefined;
  #binaryCache: { version: number; bytes: Uint8Array } | undefined;

  constructor(feed: ExchangeFeed, symbolId: number) {
    this.feed = feed;
    this.code = feed.exchangeCode;
    this.symbolId = symbolId;
    this.names = { exchange: feed.exchange, symbol: feed.symbols[symbolId] };
  }

  /** Remembers the header of a record just read. */
  noteRecord(bytes: Uint8Array, layout: CoreLayout, now: number): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.priceScale = view.getUint8(layout.recPriceScale);
    this.sizeScale = view.getUint8(layout.recSizeScale);
    this.depth = Math.max(1, view.getUint16(layout.recDepth, true));
    this.exchangeTs = view.getBigInt64(layout.recExchangeTs, true);
    this.receiveTs = view.getBigInt64(layout.recReceiveTs, true);
    this.lastRecordAt = now;
    this.version++;
  }

  /** The mirrored book as a JSON `snapshot` message, or undefined when not synced. */
  snapshotJson(mirror: BookMirror): string | undefined {
    if (this.#jsonCache?.version === this.version) return this.#jsonCache.text;
    if (!mirror.isSynced(this.code, this.symbolId)) return undefined;
    const book = mirror.book(this.code, this.symbolId);
    if (!book) return undefined;
    const text = encodeMirrorSnapshot(this.names, book, this);
    this.#jsonCache = { version: this.version, text };
    return text;
  }

  /** The mirrored book as SNAPSHOT records, or undefined when not synced. */
  snapshotBinary(mirror: BookMirror): Uint8Array | undefined {
    if (this.#binaryCache?.version === this.version) return this.#binaryCache.bytes;
    if (!mirror.isSynced(this.code, this.symbolId)) return undefined;
    const book = mirror.book(this.code, this.symbolId);
    if (!book) return undefined;
    const bytes = encodeSnapshotRecords(mirror.layout, {
      ...book,
      exchangeTs: this.exchangeTs,
      receiveTs: this.receiveTs,
    });
    this.#binaryCache = { version: this.version, bytes };
    return bytes;
  }

  /** A STALE notice in both encodings. */
  staleNotice(layout: CoreLayout, reason: StaleReason): { json: string; binary: Uint8Array } {
    return {
      json: encodeStatus(this.names, reason),
      binary: encodeStaleRecord(layout, {
        exchange: this.code,
        symbol: this.symbolId,
        seq: this.seq,
        priceScale: this.priceScale,
        sizeScale: this.sizeScale,
        depth: this.depth,
        exchangeTs: 0n,
        receiveTs: this.receiveTs,
      }),
    };
  }
}
