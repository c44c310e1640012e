/**
 * REST book snapshots for the venues that seed books over HTTP (Binance family, OKX): at most one
 * request in flight per book, each within the venue's {@linkcode TokenBucket} budget and within
 * {@linkcode boundedFetch}'s bounds (connect + headers deadline, body deadline, body size cap),
 * retried with capped, jittered exponential backoff, HTTP 429 / 418 `Retry-After` pausing every
 * request of the venue. A new connection generation aborts the requests of the older one (so an
 * abandoned fetch never blocks the re-fetch), and `close()` cancels everything. The venue only
 * says how to build the URL, what a request costs and what to do with the body.
 *
 * @module
 */
import { boundedFetch, BoundedFetchError, type BoundedResponse } from "./bounded_fetch.ts";
import type { RestCounters } from "./health.ts";
import type { TokenBucket } from "./token_bucket.ts";

export type { RestCounters };

/** REST bounds every venue's config carries (see `settings.ts`, `rest`). */
export interface RestLimits {
  /** Connect and response headers within this (ms). Default 10 000. */
  restTimeoutMs?: number;
  /** The whole body within this after the headers (ms). Default 30 000. */
  restBodyTimeoutMs?: number;
  /** Most body bytes accepted. Default 4 MiB. */
  maxRestBytes?: number;
}

/** Defaults of {@linkcode RestLimits}. */
export const REST_DEFAULTS = {
  restTimeoutMs: 10_000,
  restBodyTimeoutMs: 30_000,
  maxRestBytes: 4 * 1024 * 1024,
} as const;

/** Options of {@linkcode SnapshotFetcher}. */
export interface SnapshotFetcherOptions extends RestLimits {
  /** The venue's REST budget. */
  bucket: TokenBucket;
  /** Tokens one snapshot request costs. */
  cost: number;
  /** URL of `symbol`'s snapshot. */
  url: (symbol: string) => string;
  /** A 200 body arrived for the current generation. */
  onBody: (symbol: string, body: string, response: BoundedResponse) => void;
  /** Called for every response before its status is judged (e.g. used-weight headers). */
  onResponse?: (response: BoundedResponse) => void;
  /** A request failed (HTTP error, network, deadline, size, rate limit); it is retried. */
  onFailure?: (symbol: string, reason: string, attempt: number) => void;
  /** First retry delay. Default 250 ms. */
  retryMs?: number;
  /** Longest retry delay. Default 15 000 ms. */
  maxRetryMs?: number;
  /** Pause when a 429 / 418 carries no `Retry-After`. Default 60 000 ms. */
  defaultRetryAfterMs?: number;
}

/**
 * @example
 * ```ts ignore
 * const fetcher = new SnapshotFetcher({
 *   bucket: new TokenBucket({ capacity: 10, windowMs: 2000 }), cost: 1,
 *   url: (s) => `https://www.okx.com/api/v5/market/books?instId=${s}&sz=400`,
 *   onBody: (symbol, body) => console.log(symbol, body.length),
 * });
 * fetcher.fetch("BTC-USDT");
 * ```
 */
export class SnapshotFetcher {
  #opts: SnapshotFetcherOptions;
  #inFlight = new Set<string>();
  #failures = new Map<string, number>();
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #requests = new Map<string, AbortController>();
  #generation = 0;
  #closed = false;
  /** What happened so far. */
  readonly counters: RestCounters = {
    requests: 0,
    failures: 0,
    rateLimited: 0,
    headerTimeouts: 0,
    bodyTimeouts: 0,
    oversizeBodies: 0,
    aborted: 0,
  };

  constructor(options: SnapshotFetcherOptions) {
    this.#opts = options;
  }

  /** Requests sent. */
  get requests(): number {
    return this.counters.requests;
  }

  /** Responses with HTTP 429 or 418. */
  get rateLimited(): number {
    return this.counters.rateLimited;
  }

  /** Failed requests (any reason). */
  get failures(): number {
    return this.counters.failures;
  }

  /**
   * A new connection: requests in flight or scheduled for the old one are aborted (their results
   * would be discarded anyway), so the new connection's fetches start at once.
   */
  newGeneration(): void {
    this.#generation++;
    for (const ac of this.#requests.values()) {
      this.counters.aborted++;
      ac.abort();
    }
    this.#requests.clear();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#inFlight.clear();
  }

  /** Whether a request for `symbol` is in flight or scheduled. */
  pending(symbol: string): boolean {
    return this.#inFlight.has(symbol);
  }

  /** Forget `symbol`'s failure count (after a successful sync). */
  succeeded(symbol: string): void {
    this.#failures.delete(symbol);
  }

  /** Fetch `symbol`'s snapshot after `delayMs` (ignored when one is already on its way). */
  fetch(symbol: string, delayMs = 0): void {
    if (this.#closed || this.#inFlight.has(symbol)) return;
    this.#inFlight.add(symbol);
    if (delayMs > 0) {
      const t = setTimeout(() => {
        this.#timers.delete(symbol);
        this.#inFlight.delete(symbol);
        this.fetch(symbol);
      }, delayMs);
      this.#timers.set(symbol, t);
      return;
    }
    void this.#run(symbol, this.#generation);
  }

  async #run(symbol: string, generation: number): Promise<void> {
    const o = this.#opts;
    const ac = new AbortController();
    this.#requests.set(symbol, ac);
    const current = () => generation === this.#generation && !this.#closed;
    try {
      await o.bucket.acquire(o.cost);
      if (!current()) return;
      this.counters.requests++;
      const response = await boundedFetch(o.url(symbol), {
        headerTimeoutMs: o.restTimeoutMs ?? REST_DEFAULTS.restTimeoutMs,
        bodyTimeoutMs: o.restBodyTimeoutMs ?? REST_DEFAULTS.restBodyTimeoutMs,
        maxBytes: o.maxRestBytes ?? REST_DEFAULTS.maxRestBytes,
        signal: ac.signal,
      });
      if (!current()) return;
      o.onResponse?.(response);
      if (response.status === 429 || response.status === 418) {
        this.counters.rateLimited++;
        const retry = Number(response.headers.get("retry-after"));
        o.bucket.pause(
          Number.isFinite(retry) && retry > 0 ? retry * 1000 : o.defaultRetryAfterMs ?? 60_000,
        );
        throw new Error(`HTTP ${response.status} (rate limited)`);
      }
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
      }
      this.#settle(symbol, ac);
      o.onBody(symbol, response.body, response);
    } catch (e) {
      if (!current()) return; // aborted by a new generation or close(): nothing to retry
      this.#settle(symbol, ac);
      if (e instanceof BoundedFetchError) {
        if (e.kind === "header-timeout") this.counters.headerTimeouts++;
        else if (e.kind === "body-timeout") this.counters.bodyTimeouts++;
        else if (e.kind === "too-large") this.counters.oversizeBodies++;
      }
      this.counters.failures++;
      const n = (this.#failures.get(symbol) ?? 0) + 1;
      this.#failures.set(symbol, n);
      o.onFailure?.(symbol, (e as Error).message, n);
      const step = Math.min(o.maxRetryMs ?? 15_000, (o.retryMs ?? 250) * 2 ** n);
      this.fetch(symbol, step / 2 + Math.random() * step / 2); // jitter: 50–100 % of the step
    } finally {
      if (this.#requests.get(symbol) === ac) this.#requests.delete(symbol);
    }
  }

  #settle(symbol: string, ac: AbortController): void {
    if (this.#requests.get(symbol) === ac) this.#requests.delete(symbol);
    this.#inFlight.delete(symbol);
  }

  /** Cancels timers and requests in flight; the bucket is closed too. */
  close(): void {
    this.#closed = true;
    for (const ac of this.#requests.values()) ac.abort();
    this.#requests.clear();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#opts.bucket.close();
  }
}
