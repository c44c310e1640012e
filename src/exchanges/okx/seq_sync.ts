/**
 * OKX's local-book procedure for one `books` subscription, as a pure state machine (no I/O):
 *
 * 1. buffer every update; 2. a REST snapshot arrives with `seqId` S; 3. if S is older than the
 * first buffered update (`prevSeqId > S`), fetch another; 4. drop buffered updates with
 * `seqId <= S`; 5. the first one left must satisfy `prevSeqId <= S < seqId`; 6. after it, every
 * update's `prevSeqId` must equal the previous `seqId`. A broken chain is a gap: the book (this
 * one only) starts buffering again and needs a new snapshot.
 *
 * Also accepted, as OKX documents: an update with `seqId == prevSeqId` (no change, applied as a
 * no-op); a `seqId` that goes down once after maintenance as long as `prevSeqId` chains; and, on
 * the older wire, an in-band `action: "snapshot"` message (it seeds the book directly) followed by
 * updates without sequence ids (2022 data: then only the checksum guards the book).
 *
 * @module
 */
import type { BookMessage } from "../types.ts";

/** Result of {@linkcode OkxSeqSync.onUpdate}. */
export type OkxUpdateOutcome =
  /** Held until a snapshot arrives. */
  | "buffered"
  /** Apply it to the book now. */
  | "apply"
  /** Older than the book (or unusable before a snapshot): skip it. */
  | "old"
  /** Does not continue the chain: resync this book (the update is kept in the buffer). */
  | "gap";

/** Result of {@linkcode OkxSeqSync.onSnapshot}. */
export type OkxSnapshotOutcome =
  /** Load the snapshot, then apply `events` in order. */
  | { status: "synced"; events: BookMessage[] }
  /** The snapshot is older than the buffered stream, or the buffer has a hole: fetch another. */
  | { status: "too-old" };

/** Most updates buffered while waiting for a snapshot; older ones are dropped. */
const MAX_BUFFER = 10_000;
/** Stale updates in a row (while live) after which the book is resynced. */
const MAX_STALE_RUN = 50;

/**
 * @example
 * ```ts
 * import { OkxSeqSync } from "./seq_sync.ts";
 * // The worked example of exchange-protocols.md §4.2.
 * const ev = (prevSeqId: number, seqId: number) => ({ kind: "book" as const, symbol: "BTC-USDT",
 *   snapshot: false, bids: [], asks: [], prevSeqId, seqId });
 * const sync = new OkxSeqSync();
 * sync.onUpdate(ev(1000, 1007));
 * sync.onUpdate(ev(1007, 1012));
 * sync.onUpdate(ev(1012, 1020));
 * const r = sync.onSnapshot(1009);
 * if (r.status !== "synced" || r.events.length !== 2 || sync.seqId !== 1020) throw new Error();
 * if (sync.onUpdate(ev(1023, 1031)) !== "gap") throw new Error();
 * ```
 */
export class OkxSeqSync {
  #buffer: BookMessage[] = [];
  #live = false;
  #seq = -1;
  /** Whether the live book is chained by sequence ids (false: legacy unsequenced wire). */
  #sequenced = true;
  /** The snapshot came before any update: the next one only needs `prevSeqId <= S < seqId`. */
  #first = false;
  /** Stale updates in a row while live. */
  #olds = 0;
  /** Updates dropped because the buffer overflowed. */
  dropped = 0;

  /** Whether the book is synced. */
  get live(): boolean {
    return this.#live;
  }

  /** `seqId` of the last update applied (or of the snapshot); -1 when unknown. */
  get seqId(): number {
    return this.#seq;
  }

  /** Whether the stream carries sequence ids (false after an unsequenced in-band snapshot). */
  get sequenced(): boolean {
    return this.#sequenced;
  }

  /** Updates waiting for a snapshot. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Back to buffering (a gap, a failed check, a reconnect); `clear` also empties the buffer. */
  restart(clear = false): void {
    this.#live = false;
    this.#first = false;
    if (clear) this.#buffer = [];
  }

  /** An update (`action` `"update"` or none) of this book. */
  onUpdate(ev: BookMessage): OkxUpdateOutcome {
    const seq = ev.seqId;
    const prev = ev.prevSeqId;
    if (!this.#live) {
      if (seq === undefined || prev === undefined) return "old";
      // A downward reset: what was buffered before it can never splice with a new snapshot.
      if (seq < prev) this.#buffer = [];
      this.#buffer.push(ev);
      if (this.#buffer.length > MAX_BUFFER) {
        this.#buffer.shift();
        this.dropped++;
      }
      return "buffered";
    }
    if (!this.#sequenced) {
      if (seq === undefined) return "apply";
      // The wire started sending sequence ids: chain from here on.
      this.#sequenced = true;
      this.#seq = seq;
      return "apply";
    }
    if (seq === undefined || prev === undefined) return this.#gap(ev);
    if (this.#first) {
      if (prev === this.#seq) return this.#chain(seq);
      if (seq <= this.#seq) return this.#old(ev);
      if (prev > this.#seq) return this.#gap(ev); // the snapshot is older than the stream
      return this.#chain(seq);
    }
    if (prev === this.#seq) return this.#chain(seq);
    if (seq <= this.#seq) return this.#old(ev);
    return this.#gap(ev);
  }

  #chain(seq: number): OkxUpdateOutcome {
    this.#first = false;
    this.#olds = 0;
    this.#seq = seq;
    return "apply";
  }

  /**
   * A stale update (a duplicate, or pushed before the snapshot but delivered after it) is skipped;
   * a long run of them means the chain moved on without us (a missed `seqId` reset): a gap, never
   * a book that silently stops changing.
   */
  #old(ev: BookMessage): OkxUpdateOutcome {
    if (++this.#olds > MAX_STALE_RUN) return this.#gap(ev);
    return "old";
  }

  #gap(ev: BookMessage): OkxUpdateOutcome {
    this.#olds = 0;
    this.#live = false;
    this.#first = false;
    this.#buffer = ev.seqId === undefined ? [] : [ev];
    return "gap";
  }

  /** A REST snapshot with `seqId` S arrived. */
  onSnapshot(snapshotSeqId: number): OkxSnapshotOutcome {
    const S = snapshotSeqId;
    const events = this.#buffer.filter((e) => (e.seqId as number) > S);
    let last = S;
    for (let i = 0; i < events.length; i++) {
      const prev = events[i].prevSeqId as number;
      const ok = i === 0 ? prev <= S : prev === last;
      if (!ok) {
        // Keep what follows the hole; a newer snapshot is needed.
        this.#buffer = events.slice(i);
        return { status: "too-old" };
      }
      last = events[i].seqId as number;
    }
    this.#buffer = [];
    this.#live = true;
    this.#sequenced = true;
    this.#seq = last;
    this.#olds = 0;
    this.#first = events.length === 0;
    return { status: "synced", events };
  }

  /**
   * An in-band `action: "snapshot"` (older wire) seeds the book directly: buffered updates are
   * dropped (they precede it) and the chain continues from its `seqId` when it has one.
   */
  onInBandSnapshot(seqId: number | undefined): void {
    this.#buffer = [];
    this.#live = true;
    this.#sequenced = seqId !== undefined;
    this.#seq = seqId ?? -1;
    this.#first = false;
  }
}
