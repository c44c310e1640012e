/**
 * Per-client message rate limit: a token bucket (burst = rate) plus an abuse detector. A message
 * over the rate is refused; a client whose refused messages within one second exceed the rate
 * again (it sends more than twice the allowed rate) is an abuser and gets disconnected.
 *
 * @module
 */

/** Verdict of {@linkcode RateLimiter.take}. */
export type RateVerdict = "ok" | "limited" | "abuse";

/**
 * A token bucket refilled at `perSecond` tokens per second, holding at most `perSecond` tokens.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * let now = 0;
 * const limiter = new RateLimiter(2, () => now);
 * if (limiter.take() !== "ok" || limiter.take() !== "ok") throw new Error();
 * if (limiter.take() !== "limited") throw new Error();
 * now += 500; // one token back
 * if (limiter.take() !== "ok") throw new Error();
 * ```
 */
export class RateLimiter {
  #perSecond: number;
  #tokens: number;
  #last: number;
  #clock: () => number;
  #windowStart: number;
  #refusedInWindow = 0;

  constructor(perSecond: number, clock: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#tokens = perSecond;
    this.#clock = clock;
    this.#last = clock();
    this.#windowStart = this.#last;
  }

  /** Refused messages in the current one-second window. */
  get refusedInWindow(): number {
    return this.#refusedInWindow;
  }

  /** Takes a token for one message. */
  take(): RateVerdict {
    const now = this.#clock();
    this.#tokens = Math.min(
      this.#perSecond,
      this.#tokens + (now - this.#last) * this.#perSecond / 1000,
    );
    this.#last = now;
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#refusedInWindow = 0;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return "ok";
    }
    this.#refusedInWindow++;
    return this.#refusedInWindow > this.#perSecond ? "abuse" : "limited";
  }
}
