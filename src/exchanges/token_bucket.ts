/**
 * A token bucket for REST request budgets (Binance weight per minute, OKX requests per 2 s):
 * `capacity` tokens, refilled continuously at `capacity` per `windowMs`, so snapshots for many
 * books are staggered instead of bursting past the exchange's limit. Requests are served in
 * order; {@linkcode TokenBucket.pause} (HTTP 429 / 418 `Retry-After`, or a "weight used up"
 * header) holds everything until it passes.
 *
 * @module
 */

/** Options of {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens the bucket holds (and refills per `windowMs`). */
  capacity: number;
  /** Refill window in ms. Default 60 000. */
  windowMs?: number;
  /** Clock (ms). Default `Date.now`. */
  now?: () => number;
}

/**
 * @example
 * ```ts
 * import { TokenBucket } from "./token_bucket.ts";
 * const bucket = new TokenBucket({ capacity: 10, windowMs: 2000 });
 * await bucket.acquire(1); // immediate: the bucket starts full
 * if (bucket.available > 9) throw new Error();
 * bucket.close();
 * ```
 */
export class TokenBucket {
  #capacity: number;
  #windowMs: number;
  #now: () => number;
  #tokens: number;
  #at: number;
  #pausedUntil = 0;
  #queue: Promise<void> = Promise.resolve();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(options: TokenBucketOptions) {
    if (!(options.capacity > 0)) throw new RangeError("capacity must be > 0");
    this.#capacity = options.capacity;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.capacity;
    this.#at = this.#now();
  }

  /** Tokens available now. */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + (now - this.#at) * this.#capacity / this.#windowMs,
    );
    this.#at = now;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.add(t);
    });
  }

  /** Waits until `tokens` may be spent (requests are served in order); rejects once closed. */
  acquire(tokens = 1): Promise<void> {
    const need = Math.min(tokens, this.#capacity);
    const run = async () => {
      for (;;) {
        if (this.#closed) throw new Error("token bucket closed");
        const pause = this.#pausedUntil - this.#now();
        if (pause > 0) {
          await this.#sleep(pause);
          continue;
        }
        this.#refill();
        if (this.#tokens >= need) {
          this.#tokens -= need;
          return;
        }
        await this.#sleep(Math.ceil((need - this.#tokens) * this.#windowMs / this.#capacity));
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Holds every request for `ms` (HTTP 429 / 418 with `Retry-After`, budget used up). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }

  /** Cancels timers; pending and later acquisitions reject. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
