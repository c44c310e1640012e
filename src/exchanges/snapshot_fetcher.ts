/**
 * REST book snapshots for the venues that seed books over HTTP (Binance family, OKX): at most one
 * request in flight per book, each within the venue's {@linkcode TokenBucket} budget, retried with
 * capped exponential backoff, HTTP 429 / 418 `Retry-After` pausing every request of the venue,
 * results of an older connection generation discarded, everything cancelled by `close()`.
 * The venue only says how to build the URL, what a request costs and what to do with the body.
 *
 * @module
 */
import { TokenBucket } from "./token_bucket.ts";

/** Options of {@linkcode SnapshotFetcher}. */
export interface SnapshotFetcherOptions {
  /** The venue's REST budget. */
  bucket: TokenBucket;
  /** Tokens one snapshot request costs. */
  cost: number;
  /** URL of `symbol`'s snapshot. */
  url: (symbol: string) => string;
  /** A 200 body arrived for the current generation. */
  onBody: (symbol: string, body: string, response: Response) => void;
  /** Called for every response before its status is judged (e.g. used-weight headers). */
  onResponse?: (response: Response) => void;
  /** A request failed (HTTP error, network, rate limit); it is retried. */
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
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #aborter = new AbortController();
  #generation = 0;
  #closed = false;
  /** Requests sent. */
  requests = 0;
  /** Responses with HTTP 429 or 418. */
  rateLimited = 0;
  /** Failed requests (any reason). */
  failures = 0;

  constructor(options: SnapshotFetcherOptions) {
    this.#opts = options;
  }

  /** A new connection: results of requests already in flight are dropped when they arrive. */
  newGeneration(): void {
    this.#generation++;
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
    const generation = this.#generation;
    const run = async () => {
      const o = this.#opts;
      try {
        await o.bucket.acquire(o.cost);
        if (this.#closed) return;
        this.requests++;
        const response = await fetch(o.url(symbol), { signal: this.#aborter.signal });
        const body = await response.text();
        o.onResponse?.(response);
        if (response.status === 429 || response.status === 418) {
          this.rateLimited++;
          const retry = Number(response.headers.get("retry-after"));
          o.bucket.pause(
            Number.isFinite(retry) && retry > 0 ? retry * 1000 : o.defaultRetryAfterMs ?? 60_000,
          );
          throw new Error(`HTTP ${response.status} (rate limited)`);
        }
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
        this.#inFlight.delete(symbol);
        if (generation !== this.#generation || this.#closed) return;
        o.onBody(symbol, body, response);
      } catch (e) {
        this.#inFlight.delete(symbol);
        if (this.#closed) return;
        this.failures++;
        const n = (this.#failures.get(symbol) ?? 0) + 1;
        this.#failures.set(symbol, n);
        o.onFailure?.(symbol, (e as Error).message, n);
        const retry = o.retryMs ?? 250;
        this.fetch(symbol, Math.min(o.maxRetryMs ?? 15_000, retry * 2 ** n));
      }
    };
    if (delayMs <= 0) void run();
    else {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.#inFlight.delete(symbol);
        this.fetch(symbol);
      }, delayMs);
      this.#timers.add(t);
    }
  }

  /** Cancels timers and requests in flight; the bucket is closed too. */
  close(): void {
    this.#closed = true;
    this.#aborter.abort();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#opts.bucket.close();
  }
}
