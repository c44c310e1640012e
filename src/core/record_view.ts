/**
 * The one reader of delta record fields. A {@linkcode RecordView} is laid over the bytes of one
 * record (a ring slot, a copy of one, or a record inside a binary WebSocket frame) and reads every
 * field at the offset the WASM module exports ({@linkcode CoreLayout}). Nothing else in the host
 * decodes field widths, flags or the two-word `seq`.
 *
 * It does not allocate: `wrap` only moves it, integer fields are read from the bytes directly, and
 * only the 64-bit signed fields (timestamps, prices, sizes) create the `bigint` they return.
 * Browser-compatible.
 *
 * @module
 */
import type { CoreLayout } from "./layout.ts";

const TWO_32 = 4294967296;
const EMPTY = new Uint8Array(0);

/**
 * A movable, allocation-free view of one delta record.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Core, RecordView, RingReader } from "./mod.ts";
 * const core = await Core.create({ ringCapacity: 16, variant: "plain" });
 * const book = core.createBook({ exchange: 2, symbol: 7, priceScale: 1, sizeScale: 2, depth: 5 });
 * core.begin(book);
 * core.add(0, "100.5", "2.25");
 * core.add(1, "101.0", "1.00");
 * const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout, {
 *   from: "oldest",
 * });
 * core.reset();
 * const bytes = reader.read() as Uint8Array;
 * const rec = new RecordView(core.layout).wrap(bytes);
 * assert(rec.snapshot && rec.last && rec.exchange === 2 && rec.symbol === 7);
 * assert(rec.seq === 1 && rec.bidCount === 1 && rec.askCount === 1);
 * assert(rec.price(0) === 1005n && rec.size(0) === 225n); // mantissas at the scales
 * assert(rec.byteLength === bytes.byteLength);
 * ```
 */
export class RecordView {
  /** The layout the offsets come from. */
  readonly layout: CoreLayout;
  #b: Uint8Array = EMPTY;
  #o = 0;
  #view: DataView | undefined;

  constructor(layout: CoreLayout) {
    this.layout = layout;
  }

  /**
   * Lays the view over the record starting at `offset` in `bytes` and returns it. Throws a
   * `RangeError` when the header or the changes it declares do not lie inside `bytes`.
   */
  wrap(bytes: Uint8Array, offset = 0): this {
    if (this.tryWrap(bytes, offset)) return this;
    const have = bytes.byteLength - offset;
    if (have < this.layout.recHeaderSize) throw new RangeError(`Record too short: ${have} bytes`);
    throw new RangeError(
      `Record declares ${
        RecordView.declaredChanges(this.layout, bytes, offset)
      } changes but holds ${have} bytes`,
    );
  }

  /**
   * Like {@linkcode wrap}, but returns false (and leaves the view where it was) instead of
   * throwing: for walking a frame of records back to back.
   */
  tryWrap(bytes: Uint8Array, offset = 0): boolean {
    const l = this.layout;
    if (offset < 0 || bytes.byteLength - offset < l.recHeaderSize) return false;
    const n = RecordView.declaredChanges(l, bytes, offset);
    if (n > l.changesPerRecord || offset + l.recHeaderSize + n * l.changeSize > bytes.byteLength) {
      return false;
    }
    if (this.#view !== undefined && bytes.buffer !== this.#view.buffer) this.#view = undefined;
    this.#b = bytes;
    this.#o = offset;
    return true;
  }

  /**
   * Changes the header at `offset` declares (bids + asks), unchecked: for a reader that must size
   * a copy before it can trust the bytes (the ring's seqlock read).
   */
  static declaredChanges(layout: CoreLayout, bytes: Uint8Array, offset: number): number {
    return bytes[offset + layout.recBidCount] + bytes[offset + layout.recAskCount];
  }

  /** Used bytes the header at `offset` declares (header + changes), unchecked. */
  static declaredLength(layout: CoreLayout, bytes: Uint8Array, offset: number): number {
    return layout.recHeaderSize +
      RecordView.declaredChanges(layout, bytes, offset) * layout.changeSize;
  }

  /** The bytes the view lies over and where the record starts in them. */
  get bytes(): Uint8Array {
    return this.#b;
  }

  /** Where the record starts in {@linkcode bytes}. */
  get offset(): number {
    return this.#o;
  }

  /** Used bytes of the record: the header and its changes. */
  get byteLength(): number {
    return this.layout.recHeaderSize + this.changeCount * this.layout.changeSize;
  }

  /** The record's used bytes, without copying. */
  subarray(): Uint8Array {
    return this.#b.subarray(this.#o, this.#o + this.byteLength);
  }

  /** The ring slot stamp (the ring's sequence number of the record). */
  get ringSeq(): number {
    return this.#u32(this.layout.recRingSeq);
  }

  /** Record format version. */
  get version(): number {
    return this.#b[this.#o + this.layout.recVersion];
  }

  /** Flag bits (`layout.flagSnapshot`, `flagLast`, `flagStale`). */
  get flags(): number {
    return this.#b[this.#o + this.layout.recFlags];
  }

  /** A SNAPSHOT record (the parts replace the book). */
  get snapshot(): boolean {
    return (this.flags & this.layout.flagSnapshot) !== 0;
  }

  /** The last part of its delta or snapshot. */
  get last(): boolean {
    return (this.flags & this.layout.flagLast) !== 0;
  }

  /** A STALE marker (drop the book until the next snapshot). */
  get stale(): boolean {
    return (this.flags & this.layout.flagStale) !== 0;
  }

  /** Exchange code (DESIGN §5). */
  get exchange(): number {
    return this.#u16(this.layout.recExchange);
  }

  /** Symbol id (index in the feed's symbol list). */
  get symbol(): number {
    return this.#u32(this.layout.recSymbol);
  }

  /** Bid changes in this part. */
  get bidCount(): number {
    return this.#b[this.#o + this.layout.recBidCount];
  }

  /** Ask changes in this part. */
  get askCount(): number {
    return this.#b[this.#o + this.layout.recAskCount];
  }

  /** Changes in this part (bids first, then asks). */
  get changeCount(): number {
    const at = this.#o;
    return this.#b[at + this.layout.recBidCount] + this.#b[at + this.layout.recAskCount];
  }

  /** Decimals of the price mantissas. */
  get priceScale(): number {
    return this.#b[this.#o + this.layout.recPriceScale];
  }

  /** Decimals of the size mantissas. */
  get sizeScale(): number {
    return this.#b[this.#o + this.layout.recSizeScale];
  }

  /** Per-book sequence number (a delta's parts share it); u64 read as two words, exact to 2^53. */
  get seq(): number {
    return this.#u64(this.layout.recSeq);
  }

  /** Seq of the previous delta of the book. */
  get prevSeq(): number {
    return this.#u64(this.layout.recPrevSeq);
  }

  /** Exchange time, ns since the epoch (0 when unknown). */
  get exchangeTs(): bigint {
    return this.#i64(this.layout.recExchangeTs);
  }

  /** Receive time, ns since the epoch. */
  get receiveTs(): bigint {
    return this.#i64(this.layout.recReceiveTs);
  }

  /**
   * Exchange time as ms since the epoch, a float read without a `bigint` (to within a
   * microsecond; for latency figures, not for display).
   */
  get exchangeTimeMs(): number {
    return this.#i64Number(this.layout.recExchangeTs) / 1e6;
  }

  /** Receive time as ms since the epoch (as {@linkcode exchangeTimeMs}). */
  get receiveTimeMs(): number {
    return this.#i64Number(this.layout.recReceiveTs) / 1e6;
  }

  /** CRC-32 of the book's top-N after the whole delta (valid on the last part). */
  get checksum(): number {
    return this.#u32(this.layout.recChecksum);
  }

  /** Part number within the delta, from 0. */
  get part(): number {
    return this.#u16(this.layout.recPart);
  }

  /** Tracked depth (top-N) of the book. */
  get depth(): number {
    return this.#u16(this.layout.recDepth);
  }

  /** Changes in the whole delta (all parts). */
  get total(): number {
    return this.#u32(this.layout.recTotal);
  }

  /** Whether change `i` is a bid (bids come first). */
  isBid(i: number): boolean {
    return i < this.bidCount;
  }

  /** Price mantissa of change `i` (bids first, then asks). */
  price(i: number): bigint {
    return this.#i64(this.#change(i) + this.layout.changePrice);
  }

  /** Size mantissa of change `i`; 0 means the level left the top-N. */
  size(i: number): bigint {
    return this.#i64(this.#change(i) + this.layout.changeSizeField);
  }

  #change(i: number): number {
    if (i < 0 || i >= this.changeCount) throw new RangeError(`No change ${i} in this record`);
    return this.layout.recHeaderSize + i * this.layout.changeSize;
  }

  #u16(at: number): number {
    const b = this.#b, p = this.#o + at;
    return b[p] | (b[p + 1] << 8);
  }

  #u32(at: number): number {
    const b = this.#b, p = this.#o + at;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  #u64(at: number): number {
    return this.#u32(at) + this.#u32(at + 4) * TWO_32;
  }

  #i64Number(at: number): number {
    const b = this.#b, p = this.#o + at + 4;
    const hi = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
    return this.#u32(at) + hi * TWO_32;
  }

  #i64(at: number): bigint {
    const b = this.#b;
    // One view of the whole buffer, kept while records come from it (a pump's arena).
    this.#view ??= new DataView(b.buffer);
    return this.#view.getBigInt64(b.byteOffset + this.#o + at, true);
  }
}
