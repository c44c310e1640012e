/**
 * Binance's documented local-book procedure for one symbol, as a pure state machine: buffer diff
 * events, take a REST snapshot (`lastUpdateId` L), drop buffered events with `u <= L`, require the
 * first applied event to satisfy `U <= L + 1 <= u`, then every event's `U` to equal the previous
 * `u + 1`. Anything else is a gap: resync this symbol only.
 *
 * @module
 */
import type { BookMessage } from "../types.ts";

/** Result of {@linkcode DepthSync.onEvent}. */
export type EventOutcome =
  /** Held until the snapshot arrives. */
  | "buffered"
  /** Apply it to the book now. */
  | "apply"
  /**
   * Already covered by the snapshot (or a repeat): skip it. More than {@linkcode MAX_OLD_RUN} in
   * a row once chained are a `"gap"` instead.
   */
  | "old"
  /** Does not continue the chain: the book must resync (the event is kept in the buffer). */
  | "gap";

/** Result of {@linkcode DepthSync.onSnapshot}. */
export type SnapshotOutcome =
  /** Publish the snapshot, then apply `events` in order. */
  | { status: "synced"; events: BookMessage[] }
  /** The snapshot is older than the buffered events (or they have a hole): fetch another. */
  | { status: "too-old" };

/** Most events buffered while waiting for a snapshot; older ones are dropped. */
const MAX_BUFFER = 10_000;

/**
 * Old events (`u` not above the book's) in a row, once the chain is established, after which the
 * book resyncs: the stream never goes back, so a run of them means the book's `u` is wrong (say a
 * corrupted frame carried a far-future `u`) and every later event would be skipped as old — a
 * book that looks live but no longer moves.
 */
export const MAX_OLD_RUN = 10;

/**
 * @example
 * ```ts
 * import { DepthSync } from "./depth_sync.ts";
 * const sync = new DepthSync();
 * const ev = (U: number, u: number) => ({ kind: "book" as const, symbol: "BNBBTC", snapshot: false,
 *   bids: [], asks: [], firstUpdateId: U, lastUpdateId: u });
 * sync.onEvent(ev(1027017, 1027020));
 * sync.onEvent(ev(1027021, 1027026));
 * const r = sync.onSnapshot(1027024);
 * if (r.status !== "synced" || r.events.length !== 1) throw new Error();
 * if (sync.onEvent(ev(1027027, 1027030)) !== "apply") throw new Error();
 * ```
 */
export class DepthSync {
  #buffer: BookMessage[] = [];
  #live = false;
  #lastU = -1;
  /** The first event after a snapshot only needs to cover L + 1. */
  #first = false;
  /** Old events in a row since the chain was established. */
  #oldRun = 0;
  /** Events dropped because the buffer overflowed. */
  dropped = 0;

  /** Whether the book is synced. */
  get live(): boolean {
    return this.#live;
  }

  /** `u` of the last event applied (or the snapshot's L). */
  get lastUpdateId(): number {
    return this.#lastU;
  }

  /** Events waiting for a snapshot. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Back to buffering (a gap, a reconnect); keeps what is buffered unless `clear`. */
  restart(clear = false): void {
    this.#live = false;
    this.#first = false;
    this.#oldRun = 0;
    if (clear) this.#buffer = [];
  }

  onEvent(ev: BookMessage): EventOutcome {
    const U = ev.firstUpdateId ?? -1;
    const u = ev.lastUpdateId ?? -1;
    if (!this.#live) {
      this.#buffer.push(ev);
      if (this.#buffer.length > MAX_BUFFER) {
        this.#buffer.shift();
        this.dropped++;
      }
      return "buffered";
    }
    if (u <= this.#lastU) {
      // Right after a snapshot the stream may still be behind it; once chained, it never is.
      if (this.#first || ++this.#oldRun <= MAX_OLD_RUN) return "old";
    }
    const continues = u > this.#lastU &&
      (this.#first ? U <= this.#lastU + 1 : U === this.#lastU + 1);
    if (!continues) {
      this.#live = false;
      this.#first = false;
      this.#oldRun = 0;
      this.#buffer = [ev];
      return "gap";
    }
    this.#first = false;
    this.#oldRun = 0;
    this.#lastU = u;
    return "apply";
  }

  /**
   * The hot path's half of {@linkcode onEvent}: when an event with `U` / `u` would be applied
   * (the book is live and the event continues the chain), records it as applied and returns
   * true; otherwise changes nothing and returns false (hand the event to `onEvent`).
   *
   * @example
   * ```ts
   * import { DepthSync } from "./depth_sync.ts";
   * const sync = new DepthSync();
   * sync.onSnapshot(100);
   * if (!sync.tryAdvance(99, 103) || sync.lastUpdateId !== 103) throw new Error();
   * if (sync.tryAdvance(105, 106) || sync.lastUpdateId !== 103) throw new Error("a gap is onEvent's");
   * ```
   */
  tryAdvance(U: number, u: number): boolean {
    if (!this.#live || !(u > this.#lastU)) return false;
    if (this.#first ? U > this.#lastU + 1 : U !== this.#lastU + 1) return false;
    this.#first = false;
    this.#oldRun = 0;
    this.#lastU = u;
    return true;
  }

  onSnapshot(lastUpdateId: number): SnapshotOutcome {
    const L = lastUpdateId;
    const events = this.#buffer.filter((e) => (e.lastUpdateId ?? -1) > L);
    let prev = L;
    for (let i = 0; i < events.length; i++) {
      const U = events[i].firstUpdateId ?? -1;
      const ok = i === 0 ? U <= L + 1 : U === prev + 1;
      if (!ok) {
        // Keep what follows the hole; a newer snapshot is needed.
        this.#buffer = events.slice(i);
        return { status: "too-old" };
      }
      prev = events[i].lastUpdateId ?? -1;
    }
    this.#buffer = [];
    this.#live = true;
    this.#oldRun = 0;
    this.#lastU = prev;
    this.#first = events.length === 0;
    return { status: "synced", events };
  }
}
