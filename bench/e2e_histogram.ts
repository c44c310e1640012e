/**
 * A latency histogram with fixed memory: log-spaced buckets 1% wide from 1 µs to about 100 s, so
 * recording a sample is O(1) and percentiles are within 1%.
 *
 * @module
 */

const PER_E = 100; // buckets per factor e: each bucket spans ~1%
const BUCKETS = Math.ceil(PER_E * Math.log(1e8)) + 2; // up to 1e8 µs = 100 s

/**
 * Latency histogram in milliseconds.
 *
 * @example
 * ```ts
 * import { LatencyHistogram } from "./e2e_histogram.ts";
 * const h = new LatencyHistogram();
 * for (let i = 1; i <= 100; i++) h.add(i / 10); // 0.1 .. 10 ms
 * const p50 = h.percentile(50);
 * if (Math.abs(p50 - 5) > 0.1) throw new Error(String(p50));
 * ```
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #n = 0;
  #max = 0;
  #sum = 0;

  /** Record one sample (ms; negative values count as 0). */
  add(ms: number): void {
    const us = ms > 0 ? ms * 1000 : 0;
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log(us + 1) * PER_E));
    this.#counts[i]++;
    this.#n++;
    this.#sum += ms > 0 ? ms : 0;
    if (ms > this.#max) this.#max = ms;
  }

  /** Add every sample of `other`. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.#counts[i] += other.#counts[i];
    this.#n += other.#n;
    this.#sum += other.#sum;
    if (other.#max > this.#max) this.#max = other.#max;
  }

  /** Forget every sample. */
  reset(): void {
    this.#counts.fill(0);
    this.#n = this.#max = this.#sum = 0;
  }

  /** Samples recorded. */
  get count(): number {
    return this.#n;
  }

  /** Largest sample, ms. */
  get max(): number {
    return this.#max;
  }

  /** Mean, ms (NaN when empty). */
  get mean(): number {
    return this.#n === 0 ? NaN : this.#sum / this.#n;
  }

  /** The `p`-th percentile (0..100), ms, at the middle of its bucket (NaN when empty). */
  percentile(p: number): number {
    if (this.#n === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i];
      if (seen >= rank) {
        const lo = Math.exp(i / PER_E) - 1;
        const hi = Math.exp((i + 1) / PER_E) - 1;
        return Math.min(this.#max, (lo + hi) / 2 / 1000);
      }
    }
    return this.#max;
  }
}
