/**
 * The publisher lease of one exchange (DESIGN §12, high availability): every collector node that
 * publishes the exchange runs one; the holder of key `<exchange>` in `ALPHAPULSE_LEASES` (value
 * `{"node", "epoch"}`, the bucket's TTL `leaseMs`) is the only one that publishes.
 *
 * - The holder renews every `leaseMs / 3` (revision-checked update) and may publish only while
 *   its last renewal is younger than `leaseMs / 2` ({@linkcode Lease.fresh}). A renewal refused
 *   for a wrong revision means another node took the key: the holder is fenced at once.
 * - A standby polls the key (every `leaseMs / 10`, at least 50 ms). It takes the key when it is
 *   absent (expired by the TTL, or deleted by a holder that stopped cleanly) with a
 *   create-if-absent, or when one revision has stood unrenewed for `leaseMs` by the standby's own
 *   clock (so node clocks are never compared) with a revision-checked update.
 * - A new term's epoch is `max(now, previous epoch + 1)`: always greater than the term before it,
 *   read from the lease value (the last one seen when the key expired).
 *
 * The lease runs on its own NATS connection, so renewals never queue behind publishes.
 *
 * @module
 */
import type { KV } from "@nats-io/kv";
import { type LeaseValue, parseLeaseValue } from "./names.ts";

/** Options of {@linkcode Lease}. */
export interface LeaseOptions {
  /** The bucket `ALPHAPULSE_LEASES` on the lease's own connection (or later: `bind`). */
  kv?: KV;
  exchange: string;
  /** This node's name in the value. */
  node: string;
  leaseMs: number;
  /** Called when this node becomes holder (with its new epoch) or stops being it. */
  onChange?(holding: boolean, epoch: number): void;
  /** Smallest epoch a new term may take (e.g. one more than the catalog's). */
  minEpoch?(): number;
  log?(line: string): void;
  /** Clock for tests (ms). Default `performance.now`. */
  now?(): number;
}

/**
 * One exchange's lease.
 *
 * @example
 * ```ts ignore
 * const lease = new Lease({ kv, exchange: "kraken", node: "a", leaseMs: 3000 });
 * lease.start();
 * if (lease.fresh()) publish(lease.epoch);
 * await lease.stop(true); // releases the key when holding it
 * ```
 */
export class Lease {
  #o: LeaseOptions;
  #holding = false;
  #epoch = 0;
  #revision = 0;
  #lastRenewal = -Infinity;
  /** What a standby saw last: the revision, when it first saw it, the value. */
  #seenRevision = 0;
  #seenAt = 0;
  #seen: LeaseValue | undefined;
  #lastEpoch = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #busy = false;
  #stopped = false;
  #failures = 0;
  #now: () => number;
  #kv: KV | undefined;

  constructor(options: LeaseOptions) {
    this.#o = options;
    this.#kv = options.kv;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Sets the bucket (once the control connection is up); call before `start`. */
  bind(kv: KV): void {
    this.#kv = kv;
  }

  /** Whether this node holds the lease (it may still be too old to publish: see `fresh`). */
  get holding(): boolean {
    return this.#holding;
  }

  /** Epoch of the current term (0 before the first). */
  get epoch(): number {
    return this.#epoch;
  }

  /** The holder as last seen: this node, another, or none. */
  get holder(): string | null {
    return this.#holding ? this.#o.node : this.#seen?.node ?? null;
  }

  /** Epoch of the holder as last seen. */
  get holderEpoch(): number {
    return this.#holding ? this.#epoch : this.#seen?.epoch ?? 0;
  }

  /** Failed lease operations (NATS unreachable, timeouts). */
  get failures(): number {
    return this.#failures;
  }

  /** Whether this node may publish now: holder, last renewal younger than `leaseMs / 2`. */
  fresh(): boolean {
    return this.#holding && this.#now() - this.#lastRenewal < this.#o.leaseMs / 2;
  }

  /** Starts the renew / poll loop. */
  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), ms);
  }

  #period(): number {
    const l = this.#o.leaseMs;
    return this.#holding ? l / 3 : Math.min(l / 3, Math.max(50, l / 10));
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#busy) return;
    this.#busy = true;
    const started = this.#now();
    try {
      if (this.#holding) await this.#renew();
      else await this.#poll();
    } catch (e) {
      this.#failures++;
      this.#o.log?.(`lease ${this.#o.exchange}: ${(e as Error).message}`);
    } finally {
      this.#busy = false;
      // Fixed rate: the next tick is a period after this one began, not after it ended, so a
      // slow renewal does not age the lease past `leaseMs / 2` between two renewals.
      this.#schedule(Math.max(0, this.#period() - (this.#now() - started)));
    }
  }

  #value(epoch: number): string {
    return JSON.stringify({ node: this.#o.node, epoch });
  }

  async #renew(): Promise<void> {
    const started = this.#now();
    try {
      this.#revision = await this.#kv!.update(
        this.#o.exchange,
        this.#value(this.#epoch),
        this.#revision,
        Math.max(200, this.#o.leaseMs / 3),
      );
      this.#lastRenewal = started;
    } catch (e) {
      if (/wrong last sequence/i.test((e as Error).message)) {
        this.#o.log?.(`lease ${this.#o.exchange}: taken by another node; this node is fenced`);
        this.#lose();
        return;
      }
      throw e;
    }
  }

  #lose(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#seenRevision = 0;
    this.#o.onChange?.(false, this.#epoch);
  }

  async #poll(): Promise<void> {
    const kv = this.#kv!;
    const key = this.#o.exchange;
    const entry = await kv.get(key);
    const now = this.#now();
    if (entry === null || entry.operation !== "PUT") {
      await this.#take((value) => kv.create(key, value), now);
      return;
    }
    const value = parseLeaseValue(entry.string());
    if (entry.revision !== this.#seenRevision) {
      this.#seenRevision = entry.revision;
      this.#seenAt = now;
      this.#seen = value;
      if (value) this.#lastEpoch = Math.max(this.#lastEpoch, value.epoch);
      if (value?.node !== this.#o.node) return;
    }
    // Unrenewed for a whole lease by our clock (or our own value from a previous run).
    if (now - this.#seenAt >= this.#o.leaseMs || value?.node === this.#o.node) {
      const revision = entry.revision;
      await this.#take((value) => kv.update(key, value, revision), now);
    }
  }

  #nextEpoch(): number {
    const min = this.#o.minEpoch?.() ?? 0;
    return Math.max(Date.now(), this.#lastEpoch + 1, min);
  }

  async #take(write: (value: string) => Promise<number>, started: number): Promise<void> {
    const epoch = this.#nextEpoch();
    try {
      this.#revision = await write(this.#value(epoch));
    } catch (e) {
      if (/wrong last sequence|key exists/i.test((e as Error).message)) return; // lost the race
      throw e;
    }
    this.#epoch = epoch;
    this.#lastEpoch = epoch;
    this.#holding = true;
    this.#lastRenewal = started;
    this.#seen = { node: this.#o.node, epoch };
    this.#o.log?.(`lease ${this.#o.exchange}: held by this node (${this.#o.node}), epoch ${epoch}`);
    this.#o.onChange?.(true, epoch);
  }

  /**
   * Stops the loop. With `release`, a holder deletes the key (revision-checked) so a standby
   * takes over at once; without, it just stops renewing (as a crash would).
   */
  async stop(release = false): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const holding = this.#holding;
    this.#holding = false;
    if (holding && release && this.#kv) {
      await this.#kv!.delete(this.#o.exchange, { previousSeq: this.#revision }).catch(() => {});
    }
  }
}
