/**
 * Backoff of repeated resyncs of one book (checksum mismatches, sequence gaps, refused updates):
 * the first resync of a streak goes at once, each further one waits twice as long as the last
 * (from `minMs`, capped at `maxMs`, jittered to 50–100 %). A good snapshot does not end the streak
 * — a feed whose snapshots verify and whose updates never do would otherwise resubscribe as fast
 * as the exchange answers — only a book that stayed healthy for a while does: live for
 * `resetAfterMs`, or `resetAfterUpdates` updates applied, before its next failure.
 *
 * @example
 * ```ts
 * import { ResyncBackoff } from "./resync_backoff.ts";
 * const backoff = new ResyncBackoff({
 *   minMs: 100, maxMs: 10_000, resetAfterMs: 30_000, resetAfterUpdates: 1000, random: () => 1,
 * });
 * const brief = { ms: 5, updates: 0 }; // live for 5 ms after its snapshot, then failed again
 * if (backoff.next("BTC/USD", brief) !== 0) throw new Error("first resync at once");
 * if (backoff.next("BTC/USD", brief) !== 100) throw new Error();
 * if (backoff.next("BTC/USD", brief) !== 200) throw new Error();
 * // Healthy for a while: the streak is over.
 * if (backoff.next("BTC/USD", { ms: 60_000, updates: 5000 }) !== 0) throw new Error();
 * ```
 *
 * @module
 */

/** Options of {@linkcode ResyncBackoff}. */
export interface ResyncBackoffOptions {
  /** Delay of the second resync in a streak. */
  minMs: number;
  /** Longest delay. */
  maxMs: number;
  /** A book live this long before failing again starts a new streak. */
  resetAfterMs: number;
  /** A book that applied this many updates before failing again starts a new streak. */
  resetAfterUpdates: number;
  /** Random source in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
}

/** How long a book was healthy before a failure: its last live run. */
export interface HealthyRun {
  /** ms the book was live. */
  ms: number;
  /** Updates applied while live (its snapshot not counted). */
  updates: number;
}

export class ResyncBackoff {
  #opts: ResyncBackoffOptions;
  #streak = new Map<string, number>();
  /** Resyncs that were delayed by the backoff. */
  delayed = 0;

  constructor(options: ResyncBackoffOptions) {
    this.#opts = options;
  }

  /** Failures in the current streak of `key`. */
  failures(key: string): number {
    return this.#streak.get(key) ?? 0;
  }

  /** Delay (ms) before resyncing `key` after a failure that ended the healthy run `run`. */
  next(key: string, run: HealthyRun): number {
    const o = this.#opts;
    let n = this.#streak.get(key) ?? 0;
    if (n > 0 && (run.ms >= o.resetAfterMs || run.updates >= o.resetAfterUpdates)) n = 0;
    n++;
    this.#streak.set(key, n);
    if (n === 1) return 0;
    this.delayed++;
    const step = Math.min(o.maxMs, o.minMs * 2 ** Math.min(n - 2, 30));
    return Math.round(step / 2 + (o.random ?? Math.random)() * step / 2);
  }
}
