/**
 * A token bucket for Binance REST request weight: `budget` weight per minute, refilled
 * continuously, so snapshots for many symbols are staggered instead of bursting. The server's
 * `Retry-After` (HTTP 429/418) pauses everything until it passes.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * import { WeightLimiter } from "./weight_limiter.ts";
 * const limiter = new WeightLimiter(600);
 * await limiter.acquire(10); // immediate: the bucket starts full
 * ```
 */
export class WeightLimiter {
  #budget: number;
  #tokens: number;
  #at: number;
  #pausedUntil = 0;
  #queue: Promise<void> = Promise.resolve();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(budgetPerMinute: number) {
    this.#budget = budgetPerMinute;
    this.#tokens = budgetPerMinute;
    this.#at = Date.now();
  }

  #refill(): void {
    const now = Date.now();
    this.#tokens = Math.min(this.#budget, this.#tokens + (now - this.#at) * this.#budget / 60_000);
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

  /** Waits until `weight` may be spent (requests are served in order). */
  acquire(weight: number): Promise<void> {
    const run = async () => {
      for (;;) {
        if (this.#closed) throw new Error("limiter closed");
        const pause = this.#pausedUntil - Date.now();
        if (pause > 0) {
          await this.#sleep(pause);
          continue;
        }
        this.#refill();
        if (this.#tokens >= weight) {
          this.#tokens -= weight;
          return;
        }
        await this.#sleep(Math.ceil((weight - this.#tokens) * 60_000 / this.#budget));
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Pauses all requests for `ms` (HTTP 429/418 with Retry-After, or weight used up). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
  }

  /** Cancels timers; pending acquisitions reject. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
