/**
 * Bybit book sync, pure (no I/O): the `u` continuity rule per topic.
 *
 * - a `snapshot` replaces the book and stores `u`; so does **any** message with `u = 1` (Bybit's
 *   "fresh snapshot after a service restart": overwrite, not a gap);
 * - a `delta` with `u == stored u + 1` applies;
 * - `u <= stored u`: a stale duplicate, ignored (counted);
 * - `u > stored u + 1`: a gap — that book only goes STALE and its topic is resubscribed;
 * - a delta before any snapshot is ignored (the snapshot is on its way).
 *
 * `seq` (cross sequence) grows but not by 1, so it is not a gap detector.
 *
 * @module
 */

/** What to do with one order-book message. */
export type BybitAction = "snapshot" | "apply" | "duplicate" | "gap" | "unsynced";

/**
 * The `u` state of one topic.
 *
 * @example
 * ```ts
 * import { TopicSync } from "./sync.ts";
 * const t = new TopicSync();
 * if (t.next(false, 5) !== "unsynced" || t.next(true, 10) !== "snapshot") throw new Error();
 * if (t.next(false, 11) !== "apply" || t.next(false, 11) !== "duplicate") throw new Error();
 * if (t.next(false, 13) !== "gap" || t.next(false, 1) !== "snapshot") throw new Error();
 * ```
 */
export class TopicSync {
  #u: number | undefined;

  /** The stored `u` (undefined until a snapshot). */
  get u(): number | undefined {
    return this.#u;
  }

  /** Decides on a message and updates the state (a gap forgets `u` until the next snapshot). */
  next(snapshot: boolean, u: number): BybitAction {
    if (snapshot || u === 1) {
      this.#u = u;
      return "snapshot";
    }
    const last = this.#u;
    if (last === undefined) return "unsynced";
    if (u === last + 1) {
      this.#u = u;
      return "apply";
    }
    if (u <= last) return "duplicate";
    this.#u = undefined;
    return "gap";
  }

  /** Forget the state (resubscribing, connection lost). */
  reset(): void {
    this.#u = undefined;
  }
}

/**
 * Splits subscription args into requests of at most `max` args (spot allows 10 per request).
 *
 * @example
 * ```ts
 * import { chunkArgs } from "./sync.ts";
 * const args = Array.from({ length: 23 }, (_, i) => `orderbook.50.S${i}`);
 * if (chunkArgs(args, 10).map((c) => c.length).join() !== "10,10,3") throw new Error();
 * ```
 */
export function chunkArgs(args: readonly string[], max: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < args.length; i += max) out.push(args.slice(i, i + max));
  return out;
}
