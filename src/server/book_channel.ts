/**
 * One book (exchange, symbol) as the broadcast server serves it, and its sync state machine: the
 * parts of the delta being assembled from the ring, whether the server's mirror is synced (and why
 * not), when a fresh snapshot was last asked for, and the snapshot encodings (cached per mirror
 * version, so a burst of subscribers costs one encoding). Who is subscribed lives in the
 * subscriptions index, not here.
 *
 * States: `startup` (no snapshot yet) → synced (cause null) on a complete SNAPSHOT; synced →
 * `gap` / `checksum` / `waiting` / `lapped` (the server lost the chain: it asks the collector for
 * a snapshot, again every retry period) or `upstream` (the collector marked the book STALE: it
 * resyncs on its own, nothing to ask) → synced on the next complete SNAPSHOT.
 *
 * Dormant: while no client watches a book of a feed that answers snapshot requests from the
 * collector's own books ({@linkcode ExchangeFeed.snapshotsOnDemand}), the server drops its copy
 * and reads the book's records by header only (seq, STALE markers, the next SNAPSHOT), so `cause`
 * and `seq` still say what the collector wrote. The first subscriber wakes it: unsynced
 * (`waiting`) until the fresh SNAPSHOT it asks for, which the subscriber gets as its first book
 * message (no stale notice: nothing was wrong with the book).
 *
 * @module
 */
import type { BookMirror } from "../core/book_mirror.ts";
import type { CoreLayout } from "../core/layout.ts";
import { encodeSnapshotRecords, encodeStaleRecord } from "../core/record_encode.ts";
import type { RecordView } from "../core/record_view.ts";
import type { ExchangeFeed } from "../runtime/feed.ts";
import {
  type BookNames,
  encodeMirrorSnapshot,
  encodeStatus,
  type StaleReason,
} from "./json_messages.ts";

/** Why the server's copy of a book is not synced (null when it is). */
export type UnsyncedCause = StaleReason | "startup";

/**
 * What one record did to the book, as {@linkcode BookChannel.onRecord} reports it:
 * - `partial`: a part of a delta or snapshot was assembled; nothing to send yet;
 * - `delta` / `snapshot`: a complete one, its parts in {@linkcode BookChannel.completed};
 *   `redundant-snapshot`: a complete snapshot at the seq live subscribers already hold;
 * - `stale`: the collector's STALE marker (cause `upstream`);
 * - `gap` / `checksum` / `waiting`: the mirror lost the chain (the caller calls `unsync`);
 * - `retry`: a delta arrived while unsynced for a cause the server resolves (ask again);
 * - `bad`: the record could not be applied (the caller counts it and calls `unsync("gap")`).
 */
export type RecordStep =
  | "partial"
  | "delta"
  | "snapshot"
  | "redundant-snapshot"
  | "stale"
  | "gap"
  | "checksum"
  | "waiting"
  | "retry"
  | "bad";

/**
 * Server-side state of one book.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookChannel } from "./book_channel.ts";
 * const feed = { exchange: "kraken" as const, exchangeCode: 2, symbols: ["BTC/USD"] };
 * const channel = new BookChannel(feed, 0);
 * assert(channel.names.symbol === "BTC/USD" && channel.cause === "startup");
 * assert(channel.claimSnapshotRequest(0, 1000)); // the first request is due at once
 * assert(!channel.claimSnapshotRequest(10, 1000));
 * ```
 */
export class BookChannel {
  /** The feed whose ring carries this book. */
  readonly feed: Pick<ExchangeFeed, "exchange" | "exchangeCode" | "symbols">;
  /** Record exchange code. */
  readonly code: number;
  /** Record symbol id (index in `feed.symbols`). */
  readonly symbolId: number;
  /** Names as clients see them. */
  readonly names: BookNames;
  #parts: Uint8Array[] = [];
  /** Whether the snapshot being assembled repeats what live subscribers already hold. */
  #redundant = false;
  #completed: Uint8Array[] = [];
  #cause: UnsyncedCause | null = "startup";
  #lastSnapshotRequest = -Infinity;
  #seq = 0;
  #priceScale = 0;
  #sizeScale = 0;
  #depth = 1;
  #exchangeTs = 0n;
  #receiveTs = 0n;
  #lastRecordAt = 0;
  #version = 0;
  #lastError: unknown;
  #dormant = false;
  #waking = false;
  #recordsPaused = false;
  #jsonCache: { version: number; text: string } | undefined;
  #binaryCache: { version: number; bytes: Uint8Array } | undefined;

  constructor(feed: Pick<ExchangeFeed, "exchange" | "exchangeCode" | "symbols">, symbolId: number) {
    this.feed = feed;
    this.code = feed.exchangeCode;
    this.symbolId = symbolId;
    this.names = { exchange: feed.exchange, symbol: feed.symbols[symbolId] };
  }

  /** Why the mirror is not synced (null when synced). */
  get cause(): UnsyncedCause | null {
    return this.#cause;
  }

  /** Seq of the last complete delta or snapshot. */
  get seq(): number {
    return this.#seq;
  }

  /** When the last record of this book was read (ms since the epoch; 0 = never). */
  get lastRecordAt(): number {
    return this.#lastRecordAt;
  }

  /** Whether the server keeps no copy of this book (nobody watches it; see the module doc). */
  get dormant(): boolean {
    return this.#dormant;
  }

  /** Woken from dormant and not synced yet (its fresh snapshot is on the way). */
  get waking(): boolean {
    return this.#waking;
  }

  /**
   * Stops mirroring this book: its copy in `mirror` is dropped and its records are read by
   * header only ({@linkcode onHeader}) until {@linkcode wake}.
   */
  sleep(mirror: BookMirror): void {
    if (this.#dormant) return;
    this.#dormant = true;
    this.#waking = false;
    this.#parts = [];
    this.#completed = [];
    this.#version++;
    mirror.invalidate(this.code, this.symbolId);
  }

  /**
   * A record of this dormant book, by its header: its seq, and whether the collector marked the
   * book STALE (cause `upstream`) or wrote a complete SNAPSHOT (synced at the collector again).
   */
  onHeader(rec: RecordView, now: number): void {
    this.#lastRecordAt = now;
    if (rec.stale) {
      this.#cause = "upstream";
      return;
    }
    if (!rec.last) return;
    this.#seq = rec.seq;
    if (rec.snapshot) this.#cause = null;
  }

  /**
   * Mirrors this book again: unsynced (`waiting`, unless the collector's own state says more)
   * until a complete SNAPSHOT, and a snapshot request is due at once.
   */
  wake(): void {
    if (!this.#dormant) return;
    this.#dormant = false;
    this.#waking = true;
    this.#parts = [];
    this.#lastSnapshotRequest = -Infinity;
    this.#version++;
    if (this.#cause === null) this.#cause = "waiting";
  }

  /** The parts of the delta or snapshot the last `delta`/`snapshot` step completed. */
  get completed(): readonly Uint8Array[] {
    return this.#completed;
  }

  /** What made the last `bad` step fail. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * Feeds one record of this book (`rec` wraps `bytes`, its private copy) through the mirror and
   * the state machine. See {@linkcode RecordStep} for what the caller does next.
   */
  onRecord(rec: RecordView, bytes: Uint8Array, mirror: BookMirror, now: number): RecordStep {
    const part = rec.part;
    const seq = rec.seq;
    const isSnapshot = rec.snapshot;
    const wasSynced = this.#cause === null && this.#parts.length === 0;
    const prevSeq = this.#seq;
    this.#priceScale = rec.priceScale;
    this.#sizeScale = rec.sizeScale;
    this.#depth = Math.max(1, rec.depth);
    this.#exchangeTs = rec.exchangeTs;
    this.#receiveTs = rec.receiveTs;
    this.#lastRecordAt = now;
    this.#version++;
    let status;
    try {
      status = mirror.apply(bytes).status;
    } catch (e) {
      this.#lastError = e;
      mirror.invalidate(this.code, this.symbolId);
      return "bad";
    }
    switch (status) {
      case "partial":
      case "ok": {
        if (part === 0) {
          this.#parts = [bytes];
          this.#redundant = isSnapshot && wasSynced && seq === prevSeq;
        } else this.#parts.push(bytes);
        if (status === "partial") return "partial";
        this.#completed = this.#parts;
        this.#parts = [];
        this.#cause = null;
        this.#waking = false;
        this.#seq = seq;
        if (!isSnapshot) return "delta";
        return this.#redundant ? "redundant-snapshot" : "snapshot";
      }
      case "stale":
        this.#parts = [];
        this.#cause = "upstream";
        return "stale";
      case "gap":
      case "checksum":
        return status;
      case "waiting":
        // A delta for a book the mirror has no snapshot of (never had one, or its scales or
        // depth changed without one): ask for a snapshot.
        if (this.#cause === null || this.#cause === "upstream") return "waiting";
        this.#parts = [];
        return "retry";
    }
  }

  /** The server lost this book's chain: not synced for `reason`; a snapshot is due at once. */
  unsync(reason: StaleReason): void {
    this.#parts = [];
    this.#waking = false;
    this.#lastSnapshotRequest = -Infinity;
    this.#version++;
    this.#cause = reason;
  }

  /** The ring reader was lapped: the mirror's copy is dropped and the book is unsynced. */
  lapped(mirror: BookMirror): void {
    mirror.invalidate(this.code, this.symbolId);
    this.unsync("lapped");
  }

  /** Whether a snapshot request is due: unsynced for a cause the server resolves itself. */
  snapshotDue(now: number, retryMs: number): boolean {
    return !this.#dormant && this.#cause !== null && this.#cause !== "upstream" &&
      now - this.#lastSnapshotRequest >= retryMs;
  }

  /**
   * Records a snapshot request at `now` unless one was made less than `floorMs` ago. A request
   * also ends a pause of the collector's records ({@linkcode claimRecordsPause}): the collector
   * resumes them with the snapshot.
   */
  claimSnapshotRequest(now: number, floorMs: number): boolean {
    if (now - this.#lastSnapshotRequest < floorMs) return false;
    this.#lastSnapshotRequest = now;
    this.#recordsPaused = false;
    return true;
  }

  /**
   * Whether the collector should now be asked to stop writing this book's delta records
   * (`ExchangeFeed.pauseRecords`): true once per dormant spell, until the next snapshot request
   * resumes them.
   */
  claimRecordsPause(): boolean {
    if (!this.#dormant || this.#recordsPaused) return false;
    this.#recordsPaused = true;
    return true;
  }

  /** The mirrored book as a JSON `snapshot` message, or undefined when not synced. */
  snapshotJson(mirror: BookMirror): string | undefined {
    if (this.#jsonCache?.version === this.#version) return this.#jsonCache.text;
    if (!mirror.isSynced(this.code, this.symbolId)) return undefined;
    const book = mirror.book(this.code, this.symbolId);
    if (!book) return undefined;
    const text = encodeMirrorSnapshot(this.names, book, {
      exchangeTs: this.#exchangeTs,
      receiveTs: this.#receiveTs,
    });
    this.#jsonCache = { version: this.#version, text };
    return text;
  }

  /** The mirrored book as SNAPSHOT records, or undefined when not synced. */
  snapshotBinary(mirror: BookMirror): Uint8Array | undefined {
    if (this.#binaryCache?.version === this.#version) return this.#binaryCache.bytes;
    if (!mirror.isSynced(this.code, this.symbolId)) return undefined;
    const book = mirror.book(this.code, this.symbolId);
    if (!book) return undefined;
    const bytes = encodeSnapshotRecords(mirror.layout, {
      ...book,
      exchangeTs: this.#exchangeTs,
      receiveTs: this.#receiveTs,
    });
    this.#binaryCache = { version: this.#version, bytes };
    return bytes;
  }

  /** A STALE notice in both encodings. */
  staleNotice(layout: CoreLayout, reason: StaleReason): { json: string; binary: Uint8Array } {
    return {
      json: encodeStatus(this.names, reason),
      binary: encodeStaleRecord(layout, {
        exchange: this.code,
        symbol: this.symbolId,
        seq: this.#seq,
        priceScale: this.#priceScale,
        sizeScale: this.#sizeScale,
        depth: this.#depth,
        exchangeTs: 0n,
        receiveTs: this.#receiveTs,
      }),
    };
  }
}
