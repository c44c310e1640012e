/**
 * The Binance REST weight budget: a {@linkcode TokenBucket} of `budget` weight per minute,
 * refilled continuously, so snapshots for many symbols are staggered instead of bursting. The
 * server's `Retry-After` (HTTP 429/418) pauses everything until it passes. A request heavier than
 * the whole budget waits for a full bucket rather than forever.
 *
 * @module
 */
import { TokenBucket } from "../token_bucket.ts";

/**
 * @example
 * ```ts
 * import { WeightLimiter } from "./weight_limiter.ts";
 * const limiter = new WeightLimiter(600);
 * await limiter.acquire(10); // immediate: the bucket starts full
 * limiter.close();
 * ```
 */
export class WeightLimiter extends TokenBucket {
  constructor(budgetPerMinute: number) {
    super({ capacity: budgetPerMinute, windowMs: 60_000 });
  }
}
