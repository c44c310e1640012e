/**
 * The ring-reading side of the server: reads one exchange feed's delta ring on the server's
 * thread, sleeping in `Atomics.waitAsync` on the ring's write cursor, and on each wake-up drains
 * every ready record into a {@linkcode RecordSink}, which sends what the wake-up produced as one
 * batch. The writer never waits for it; if the reader falls a whole ring behind, the sink is told
 * (lapped).
 *
 * A pump knows nothing of clients: any consumer of a ring implements `RecordSink` and gets its
 * own pump (its own cursor) on the same feed, e.g. the broadcast server's book sync and a NATS
 * publisher side by side. And any ring works as a source: an {@linkcode ExchangeFeed} is only the
 * ring's memory, address and layout, the symbol list, and the control calls (see
 * `docs/architecture.md`, "The ring-reading interface").
 *
 * @module
 */
import { RingReader } from "../core/ring_reader.ts";
import type { ExchangeFeed } from "../runtime/feed.ts";
import { newRingCounters, type RingCounters } from "./metrics.ts";

/** Where a pump delivers what it reads (one wake-up: `beginDrain`, records, `endDrain`). */
export interface RecordSink {
  /** A wake-up starts. */
  beginDrain(): void;
  /** One record (its used bytes, a private copy). */
  record(pump: FeedPump, bytes: Uint8Array): void;
  /**
   * Optional: looks at the next record in place (`ring` is the ring's memory, the record starts
   * at `at`) and returns true when its header was all this sink needed (a book nobody watches):
   * the record is then neither copied nor passed to `record`. Bytes read here may be torn by the
   * writer; if so the pump reports `lapped` right after.
   */
  headerOnly?(pump: FeedPump, ring: Uint8Array, at: number): boolean;
  /**
   * Optional: true while this sink needs none of the ring's records (every book it serves is
   * dormant): the pump then reads rarely, and being lapped is no loss (it jumps to the newest
   * record without calling `lapped`).
   */
  idle?(pump: FeedPump): boolean;
  /** The reader was lapped: records were lost. */
  lapped(pump: FeedPump): void;
  /** The wake-up ends: send what it produced. */
  endDrain(): void;
}

/** Most records handled in one wake-up before yielding to the event loop. */
const MAX_RECORDS_PER_DRAIN = 8192;
/** Size of each buffer the records handed to the sink are copied into (see `#arena`). */
const ARENA_BYTES = 64 * 1024;
/** Longest sleep between wake-ups when nothing is written. */
const WAIT_MS = 1000;
/** Poll interval when the ring is not in shared memory (Atomics.waitAsync needs it). */
const POLL_MS = 2;

/**
 * The ring reading loop of one feed.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Core } from "../core/mod.ts";
 * import { FeedPump, type RecordSink } from "./feed_pump.ts";
 * const core = await Core.create({ ringCapacity: 64 });
 * const book = core.createBook({ exchange: 1, symbol: 0, priceScale: 0, sizeScale: 0, depth: 5 });
 * const feed = {
 *   exchange: "coinbase" as const, exchangeCode: 1, symbols: ["BTC/USD"],
 *   buffer: core.memory.buffer, ringAddress: core.ringAddress, layout: core.layout,
 *   onTrade: () => () => {}, health: () => { throw new Error("unused"); },
 *   requestSnapshots: () => {}, stop: () => Promise.resolve(),
 * };
 * let records = 0;
 * const sink: RecordSink = {
 *   beginDrain() {}, endDrain() {}, lapped() {},
 *   record() { records++; },
 * };
 * const pump = new FeedPump(feed, sink);
 * core.begin(book).add(0, "100", "1").add(1, "101", "2");
 * core.reset();
 * assert(pump.drain() === 1 && records === 1);
 * ```
 */
export class FeedPump {
  readonly feed: ExchangeFeed;
  /** Counters of this ring. */
  readonly counters: RingCounters;
  /**
   * After a wake-up that found records, wait this long (ms) before the next one, so records
   * gather into fewer, larger frames (trades latency for per-frame cost). 0 = send on every
   * wake-up. Read after every wake-up, so it may change with load.
   */
  batchInterval: () => number = () => 0;
  /**
   * While this returns a positive number of ms, nobody needs the ring's records promptly (no
   * client watches any book): the pump polls at that interval instead of waking per write.
   * {@linkcode FeedPump.wake} ends the current sleep.
   */
  idleInterval: () => number = () => 0;
  #reader: RingReader;
  #sink: RecordSink;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #shared: boolean;
  #i32: Int32Array;
  #writeSeqWord: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wakeTimer: (() => void) | undefined;
  #wakeLocal: (() => void) | undefined;
  /**
   * Copies of records handed to the sink are views into this buffer, filled in order and
   * replaced by a fresh one when full (never reused: the sink may keep the views).
   */
  #arena = new Uint8Array(0);
  #arenaUsed = 0;
  #slotBytes: number;

  constructor(feed: ExchangeFeed, sink: RecordSink, counters: RingCounters = newRingCounters()) {
    this.feed = feed;
    this.#sink = sink;
    this.counters = counters;
    this.#reader = new RingReader(feed.buffer, feed.ringAddress, feed.layout, { from: "latest" });
    this.#shared = typeof SharedArrayBuffer !== "undefined" &&
      feed.buffer instanceof SharedArrayBuffer;
    this.#i32 = new Int32Array(feed.buffer);
    this.#writeSeqWord = (feed.ringAddress + feed.layout.ringWriteSeq) >> 2;
    this.#slotBytes = feed.layout.recordSize;
  }

  #newArena(): void {
    this.#arena = new Uint8Array(Math.max(ARENA_BYTES, this.#slotBytes));
    this.#arenaUsed = 0;
  }

  /** Records written but not read yet. */
  get pending(): number {
    return this.#reader.pending;
  }

  /** Starts the loop. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops the loop; resolves when it has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#shared) Atomics.notify(this.#i32, this.#writeSeqWord);
    this.wake();
    await this.#loop;
  }

  /** Drains every ready record now (at most one batch's worth); returns records handled. */
  drain(): number {
    if (this.#reader.pending === 0) return 0;
    const t0 = performance.now();
    let n = 0;
    this.counters.wakeups++;
    this.#sink.beginDrain();
    try {
      const reader = this.#reader;
      const sink = this.#sink;
      for (; n < MAX_RECORDS_PER_DRAIN; n++) {
        const at = reader.peek();
        if (at === 0) break;
        if (at > 0) {
          if (!sink.headerOnly?.(this, reader.bytes, at)) {
            // The record just peeked, copied into the arena (one allocation for many records).
            if (this.#arena.byteLength - this.#arenaUsed < this.#slotBytes) this.#newArena();
            const start = this.#arenaUsed;
            const length = reader.readInto(this.#arena, start);
            if (length > 0) {
              this.#arenaUsed = start + length;
              this.counters.records++;
              sink.record(this, this.#arena.subarray(start, start + length));
              continue;
            }
          } else if (reader.consume(at)) {
            this.counters.records++;
            this.counters.headerOnly++;
            continue;
          }
        } else if (sink.idle?.(this)) {
          this.counters.idleSkips++;
          continue;
        }
        this.counters.lapped++;
        sink.lapped(this);
      }
    } finally {
      this.#sink.endDrain();
      this.counters.busyMs += performance.now() - t0;
    }
    return n;
  }

  async #run(): Promise<void> {
    // One timer for the loop's life keeps the event loop alive while it sleeps in waitAsync
    // (which alone does not), instead of a timer per wake-up (measured: every event-loop
    // wake-up costs tens of µs of CPU on a 2-core VM, so the loop avoids wake-ups it can).
    const keepAlive = setInterval(() => {}, 1 << 30);
    const unsubscribe = this.feed.onWrite?.(() => this.#written());
    try {
      while (!this.#stopped) {
        const n = this.drain();
        if (this.#stopped) break;
        const pause = n > 0 ? this.batchInterval() : 0;
        if (pause > 0) await this.#sleep(pause);
        const idle = this.idleInterval();
        if (this.#reader.pending > 0) await this.#sleep(0);
        else if (idle > 0) await this.#sleep(idle);
        else if (unsubscribe) await this.#localWrite();
        else if (this.#shared) await this.#reader.wait(WAIT_MS, false);
        else await this.#sleep(POLL_MS);
      }
    } finally {
      clearInterval(keepAlive);
      unsubscribe?.();
    }
  }

  /** Same-thread collector: resolves after its next write (in a microtask of that turn). */
  #localWrite(): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeLocal = resolve;
      // Also wake after WAIT_MS, as the waitAsync path does (stop, lost notifications).
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#wakeLocal = undefined;
        resolve();
      }, WAIT_MS);
    });
  }

  #written(): void {
    const wake = this.#wakeLocal;
    if (wake === undefined) return;
    this.#wakeLocal = undefined;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    queueMicrotask(wake);
  }

  /**
   * Ends a sleep at once (e.g. the first subscriber arrived while the pump polls slowly because
   * nobody watched).
   */
  wake(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      const w = this.#wakeTimer ?? this.#wakeLocal;
      this.#wakeTimer = undefined;
      this.#wakeLocal = undefined;
      w?.();
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeTimer = resolve;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        resolve();
      }, ms);
    });
  }
}
