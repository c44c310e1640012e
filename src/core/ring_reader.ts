/**
 * A reader of the delta ring. It needs only the `SharedArrayBuffer`, the ring's address and the
 * layout, so it runs in any Worker. Each reader has its own cursor; the writer never waits for it.
 * A reader that falls a whole ring behind is lapped: it learns so (and skips to the newest
 * record) instead of ever returning a torn record. Browser-compatible.
 *
 * @module
 */
import type { CoreLayout } from "./layout.ts";
import { RecordView } from "./record_view.ts";

/**
 * What {@linkcode RingReader.read} returns when the reader was lapped.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Core, LAPPED, RingReader } from "./mod.ts";
 * const core = await Core.create({ ringCapacity: 4, variant: "plain" });
 * const book = core.createBook({ exchange: 1, symbol: 0, priceScale: 0, sizeScale: 0, depth: 5 });
 * const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
 * for (let i = 0; i < 6; i++) core.begin(book).add(0, String(100 + i), "1").reset();
 * assert.equal(reader.read(), LAPPED); // 6 records into 4 slots: the oldest are gone
 * ```
 */
export const LAPPED: unique symbol = Symbol("lapped");

/** Options of {@linkcode RingReader}. */
export interface RingReaderOptions {
  /** Start at the oldest record still in the ring, or only read new ones (default). */
  from?: "oldest" | "latest";
}

/**
 * Reads records from a ring in shared memory.
 *
 * @example
 * ```ts
 * import { Core } from "./core.ts";
 * import { RingReader } from "./ring_reader.ts";
 * const core = await Core.create({ ringCapacity: 64 });
 * const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
 * const book = core.createBook({ exchange: 1, symbol: 1, priceScale: 1, sizeScale: 1, depth: 5 });
 * core.begin(book).add(0, "10", "1");
 * core.reset();
 * const rec = reader.read();
 * if (!(rec instanceof Uint8Array)) throw new Error("expected a record");
 * ```
 */
export class RingReader {
  #u32: Uint32Array;
  #i32: Int32Array;
  #u8: Uint8Array;
  #layout: CoreLayout;
  #writeSeqWord: number;
  #slots: number;
  #mask: number;
  #slotSize: number;
  #cursor: number;
  #lapped = 0;
  /** Used length of the record found by the last `#peek`. */
  #length = 0;

  constructor(
    buffer: ArrayBufferLike,
    ringAddress: number,
    layout: CoreLayout,
    options: RingReaderOptions = {},
  ) {
    this.#u32 = new Uint32Array(buffer);
    this.#i32 = new Int32Array(buffer);
    this.#u8 = new Uint8Array(buffer);
    this.#layout = layout;
    const magic = this.#u32[(ringAddress + layout.ringMagic) >> 2];
    if (magic !== layout.ringMagicValue) {
      throw new TypeError(`No delta ring at address ${ringAddress} (magic ${magic.toString(16)})`);
    }
    const capacity = this.#u32[(ringAddress + layout.ringCapacity) >> 2];
    this.#slotSize = this.#u32[(ringAddress + layout.ringSlotSize) >> 2];
    this.#slots = ringAddress + this.#u32[(ringAddress + layout.ringSlotsOffset) >> 2];
    this.#mask = capacity - 1;
    this.#writeSeqWord = (ringAddress + layout.ringWriteSeq) >> 2;
    const head = this.writeSeq;
    const oldest = head > capacity ? (head - capacity) >>> 0 : 0;
    this.#cursor = options.from === "oldest" ? oldest : head;
  }

  /** Sequence number the next record written will get. */
  get writeSeq(): number {
    return Atomics.load(this.#u32, this.#writeSeqWord);
  }

  /** Sequence number of the next record this reader will return. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Records ready to read. */
  get pending(): number {
    return (this.writeSeq - this.#cursor) >>> 0;
  }

  /** Times this reader was lapped. */
  get lappedCount(): number {
    return this.#lapped;
  }

  /** Ring capacity in records. */
  get capacity(): number {
    return this.#mask + 1;
  }

  /**
   * The next record (a copy of its used bytes), `null` when none is ready, or {@linkcode LAPPED}
   * when the writer overwrote records this reader had not read (the cursor then jumps to the
   * newest record; the caller must resync the books it serves).
   */
  read(): Uint8Array | null | typeof LAPPED {
    const slot = this.#peek();
    if (slot <= 0) return slot === 0 ? null : LAPPED;
    const copy = this.#u8.slice(slot, slot + this.#length);
    return this.#settle(slot) ? copy : LAPPED;
  }

  /** The memory the ring lies in, as bytes ({@linkcode peek} offsets index it). */
  get bytes(): Uint8Array {
    return this.#u8;
  }

  /**
   * First half of an in-place read, for a reader that can decide from a record's header alone
   * that it needs no copy: the offset in {@linkcode bytes} of the next record (> 0), 0 when none
   * is ready, or -1 when lapped (the cursor has then jumped to the newest record, as with
   * {@linkcode read}). Finish with {@linkcode consume}, or call {@linkcode read}, which copies
   * the same record. What was read in place is only trustworthy once `consume` returns true.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Core } from "./core.ts";
   * import { RingReader } from "./ring_reader.ts";
   * const core = await Core.create({ ringCapacity: 64 });
   * const book = core.createBook({ exchange: 1, symbol: 3, priceScale: 0, sizeScale: 0, depth: 5 });
   * const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
   * core.begin(book).add(0, "100", "1").reset();
   * const at = reader.peek();
   * assert(at > 0 && reader.bytes[at + core.layout.recSymbol] === 3);
   * assert(reader.consume(at) && reader.peek() === 0);
   * ```
   */
  peek(): number {
    return this.#peek();
  }

  /**
   * Second half of an in-place read: moves past the record {@linkcode peek} found at `at`. False
   * when the writer overwrote it meanwhile (lapped: the cursor has jumped to the newest record
   * and what was read in place must be discarded).
   */
  consume(at: number): boolean {
    return this.#settle(at);
  }

  /**
   * Like {@linkcode read}, but copies the record into `target` at `offset` (room for one slot
   * there) instead of allocating. Returns the record's length, 0 when none is ready, or -1 when
   * lapped.
   */
  readInto(target: Uint8Array, offset = 0): number {
    const slot = this.#peek();
    if (slot <= 0) return slot;
    target.set(this.#u8.subarray(slot, slot + this.#length), offset);
    return this.#settle(slot) ? this.#length : -1;
  }

  /**
   * First half of the seqlock read: the address of the slot holding the record the cursor
   * expects (its used length in `#length`), 0 when none is ready, -1 when lapped.
   */
  #peek(): number {
    const want = this.#cursor;
    const behind = (this.writeSeq - want) >>> 0;
    if (behind === 0) return 0;
    if (behind > this.#mask + 1) return this.#skip(), -1;
    const slot = this.#slots + (want & this.#mask) * this.#slotSize;
    const l = this.#layout;
    if (Atomics.load(this.#u32, (slot + l.recRingSeq) >> 2) !== want) return this.#skip(), -1;
    this.#length = Math.min(RecordView.declaredLength(l, this.#u8, slot), this.#slotSize);
    return slot;
  }

  /** Second half: the stamp is unchanged after the copy (else lapped); advances the cursor. */
  #settle(slot: number): boolean {
    const want = this.#cursor;
    if (Atomics.load(this.#u32, (slot + this.#layout.recRingSeq) >> 2) !== want) {
      this.#skip();
      return false;
    }
    this.#cursor = (want + 1) >>> 0;
    return true;
  }

  #skip(): typeof LAPPED {
    this.#lapped++;
    this.#cursor = this.writeSeq;
    return LAPPED;
  }

  /**
   * Resolves when a record is ready (or after `timeoutMs`). Uses `Atomics.waitAsync` on the
   * write cursor; the writer calls `Atomics.notify` after each batch.
   */
  async wait(timeoutMs = 1000, keepAlive = true): Promise<void> {
    const seen = this.#cursor | 0;
    if ((Atomics.load(this.#i32, this.#writeSeqWord) | 0) !== seen) return;
    const result = Atomics.waitAsync(this.#i32, this.#writeSeqWord, seen, timeoutMs);
    if (!result.async) return;
    if (!keepAlive) {
      await result.value;
      return;
    }
    // A pending waitAsync alone does not keep every runtime's event loop alive (Deno's does
    // not), so a timer of the same length holds it open until the wake-up or the timeout.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
    await Promise.race([result.value, timeout]);
    clearTimeout(timer);
  }
}
