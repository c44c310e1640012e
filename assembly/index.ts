// AlphaPulse WASM core: the module's exports. Pure computation, no I/O.
//
// The host stages a batch of level changes in the input area (layout.ts), then calls `apply`
// (or `reset` for a fresh full book). The tracker diffs the top-N and writes delta records into
// the ring, which readers on other threads consume from shared memory.

import { Book } from "./book";
import { crc32 } from "./crc32";
import {
  CHANGE_PRICE,
  CHANGE_SIZE,
  CHANGE_SIZE_FIELD,
  CHANGES_PER_RECORD,
  ERR_BAD_BOOK,
  ERR_BAD_PRICE,
  ERR_BAD_SIDE,
  ERR_BAD_SIZE,
  ERR_CHECKSUM,
  ERR_CROSSED,
  ERR_DEPTH,
  ERR_SCALE,
  ERR_TOO_MANY,
  ERR_TOO_MANY_BOOKS,
  FLAG_LAST,
  FLAG_SNAPSHOT,
  FLAG_STALE,
  IN_CHANGES,
  IN_EXCHANGE_TS,
  IN_PRICE,
  IN_RECEIVE_TS,
  IN_SIDE,
  IN_SIZE,
  INPUT_CHANGE_SIZE,
  REC_ASK_COUNT,
  REC_BID_COUNT,
  REC_CHECKSUM,
  REC_DEPTH,
  REC_EXCHANGE,
  REC_EXCHANGE_TS,
  REC_FLAGS,
  REC_HEADER_SIZE,
  REC_PART,
  REC_PREV_SEQ,
  REC_PRICE_SCALE,
  REC_RECEIVE_TS,
  REC_RING_SEQ,
  REC_SEQ,
  REC_SIZE_SCALE,
  REC_SYMBOL,
  REC_TOTAL,
  REC_VERSION,
  RECORD_SIZE,
  RECORD_VERSION,
  RING_CAPACITY,
  RING_HEADER_SIZE,
  RING_MAGIC,
  RING_MAGIC_VALUE,
  RING_SLOT_SIZE,
  RING_SLOTS_OFFSET,
  RING_VERSION,
  RING_WRITE_SEQ,
  SIDE_ASK,
  SIDE_BID,
} from "./layout";
import { ringAddress, ringCreate } from "./ring";
import { benchRingWrite, krakenChecksum, publishDelta, publishSnapshot, publishStale, topChecksum } from "./tracker";

// ── Layout constants, exported once for the host (read through the module's exports) ──
export const LAYOUT_REC_RING_SEQ: u32 = REC_RING_SEQ;
export const LAYOUT_REC_VERSION: u32 = REC_VERSION;
export const LAYOUT_REC_FLAGS: u32 = REC_FLAGS;
export const LAYOUT_REC_EXCHANGE: u32 = REC_EXCHANGE;
export const LAYOUT_REC_SYMBOL: u32 = REC_SYMBOL;
export const LAYOUT_REC_BID_COUNT: u32 = REC_BID_COUNT;
export const LAYOUT_REC_ASK_COUNT: u32 = REC_ASK_COUNT;
export const LAYOUT_REC_PRICE_SCALE: u32 = REC_PRICE_SCALE;
export const LAYOUT_REC_SIZE_SCALE: u32 = REC_SIZE_SCALE;
export const LAYOUT_REC_SEQ: u32 = REC_SEQ;
export const LAYOUT_REC_PREV_SEQ: u32 = REC_PREV_SEQ;
export const LAYOUT_REC_EXCHANGE_TS: u32 = REC_EXCHANGE_TS;
export const LAYOUT_REC_RECEIVE_TS: u32 = REC_RECEIVE_TS;
export const LAYOUT_REC_CHECKSUM: u32 = REC_CHECKSUM;
export const LAYOUT_REC_PART: u32 = REC_PART;
export const LAYOUT_REC_DEPTH: u32 = REC_DEPTH;
export const LAYOUT_REC_TOTAL: u32 = REC_TOTAL;
export const LAYOUT_REC_HEADER_SIZE: u32 = REC_HEADER_SIZE;
export const LAYOUT_CHANGE_PRICE: u32 = CHANGE_PRICE;
export const LAYOUT_CHANGE_SIZE_FIELD: u32 = CHANGE_SIZE_FIELD;
export const LAYOUT_CHANGE_SIZE: u32 = CHANGE_SIZE;
export const LAYOUT_RECORD_SIZE: u32 = RECORD_SIZE;
export const LAYOUT_CHANGES_PER_RECORD: u32 = CHANGES_PER_RECORD;
export const LAYOUT_RECORD_VERSION: u32 = RECORD_VERSION;
export const LAYOUT_FLAG_SNAPSHOT: u32 = FLAG_SNAPSHOT;
export const LAYOUT_FLAG_LAST: u32 = FLAG_LAST;
export const LAYOUT_FLAG_STALE: u32 = FLAG_STALE;
export const LAYOUT_RING_MAGIC: u32 = RING_MAGIC;
export const LAYOUT_RING_MAGIC_VALUE: u32 = RING_MAGIC_VALUE;
export const LAYOUT_RING_VERSION: u32 = RING_VERSION;
export const LAYOUT_RING_WRITE_SEQ: u32 = RING_WRITE_SEQ;
export const LAYOUT_RING_CAPACITY: u32 = RING_CAPACITY;
export const LAYOUT_RING_SLOT_SIZE: u32 = RING_SLOT_SIZE;
export const LAYOUT_RING_SLOTS_OFFSET: u32 = RING_SLOTS_OFFSET;
export const LAYOUT_RING_HEADER_SIZE: u32 = RING_HEADER_SIZE;
export const LAYOUT_IN_EXCHANGE_TS: u32 = IN_EXCHANGE_TS;
export const LAYOUT_IN_RECEIVE_TS: u32 = IN_RECEIVE_TS;
export const LAYOUT_IN_CHANGES: u32 = IN_CHANGES;
export const LAYOUT_IN_PRICE: u32 = IN_PRICE;
export const LAYOUT_IN_SIZE: u32 = IN_SIZE;
export const LAYOUT_IN_SIDE: u32 = IN_SIDE;
export const LAYOUT_INPUT_CHANGE_SIZE: u32 = INPUT_CHANGE_SIZE;
export const LAYOUT_SIDE_BID: u32 = SIDE_BID;
export const LAYOUT_SIDE_ASK: u32 = SIDE_ASK;
export const RESULT_BAD_BOOK: i32 = ERR_BAD_BOOK;
export const RESULT_BAD_SIDE: i32 = ERR_BAD_SIDE;
export const RESULT_BAD_PRICE: i32 = ERR_BAD_PRICE;
export const RESULT_BAD_SIZE: i32 = ERR_BAD_SIZE;
export const RESULT_TOO_MANY: i32 = ERR_TOO_MANY;
export const RESULT_CROSSED: i32 = ERR_CROSSED;
export const RESULT_SCALE: i32 = ERR_SCALE;
export const RESULT_DEPTH: i32 = ERR_DEPTH;
export const RESULT_CHECKSUM: i32 = ERR_CHECKSUM;
export const RESULT_TOO_MANY_BOOKS: i32 = ERR_TOO_MANY_BOOKS;

/** Largest tracked depth (top-N) a book may have. */
export const MAX_DEPTH: u32 = 5000;
@inline const MAX_BOOKS: i32 = 1 << 16;
@inline const INITIAL_INPUT: i32 = 4096;

const books = new Array<Book>();

// ── Input staging area ──
let inputBase: usize = 0;
let inputCap: i32 = 0;

/** Ensures the input area holds `changes` changes; returns its address (may move). */
export function input_reserve(changes: i32): usize {
  if (changes > inputCap || inputBase == 0) {
    let next = inputCap < INITIAL_INPUT ? INITIAL_INPUT : inputCap;
    while (next < changes) next <<= 1;
    const next_base = heap.alloc(<usize>IN_CHANGES + <usize>next * INPUT_CHANGE_SIZE);
    // Keep what is already staged (timestamps and changes).
    if (inputBase != 0) {
      memory.copy(next_base, inputBase, <usize>IN_CHANGES + <usize>inputCap * INPUT_CHANGE_SIZE);
    }
    inputBase = next_base;
    inputCap = next;
  }
  return inputBase;
}

/** Capacity of the input area, in changes. */
export function input_capacity(): i32 {
  return inputCap;
}

// ── Output area for reading a book's levels (price, size) pairs ──
let outBase: usize = 0;
let outCap: i32 = 0;

function reserveOutput(levels: i32): usize {
  if (levels > outCap) {
    let next = outCap < 1024 ? 1024 : outCap;
    while (next < levels) next <<= 1;
    outBase = heap.alloc(<usize>next * CHANGE_SIZE);
    outCap = next;
  }
  return outBase;
}

// ── Ring ──

/** Creates the ring (once per instance). `capacity` must be a power of two, at least 2. */
export function ring_create(capacity: u32): usize {
  if (ringAddress() != 0) return ringAddress();
  return ringCreate(capacity);
}

export function ring_address(): usize {
  return ringAddress();
}

// ── Books ──

@inline function bookAt(id: i32): Book | null {
  if (id < 0 || id >= books.length) return null;
  return unchecked(books[id]);
}

/**
 * Creates a book. `depth` is the tracked top-N; `maxLevels` caps each side (0 = no cap).
 * Returns the book id, or a negative result code.
 */
export function book_create(
  exchange: u32,
  symbol: u32,
  priceScale: u32,
  sizeScale: u32,
  depth: i32,
  maxLevels: i32,
): i32 {
  if (depth < 1 || <u32>depth > MAX_DEPTH || maxLevels < 0) return ERR_DEPTH;
  if (priceScale > 18 || sizeScale > 18) return ERR_SCALE;
  if (books.length >= MAX_BOOKS) return ERR_TOO_MANY_BOOKS;
  const id = books.length;
  books.push(new Book(id, exchange, symbol, priceScale, sizeScale, depth, maxLevels));
  return id;
}

/** Validates staged changes [first, first + count); returns 0 or the first error code. */
function validate(count: i32, first: i32 = 0): i32 {
  if (count < 0 || first < 0 || first + count > inputCap) return ERR_TOO_MANY;
  let p = inputBase + IN_CHANGES + <usize>first * INPUT_CHANGE_SIZE;
  for (let i = 0; i < count; i++, p += INPUT_CHANGE_SIZE) {
    if (load<u32>(p + IN_SIDE) > SIDE_ASK) return ERR_BAD_SIDE;
    if (load<i64>(p + IN_PRICE) <= 0) return ERR_BAD_PRICE;
    if (load<i64>(p + IN_SIZE) < 0) return ERR_BAD_SIZE;
  }
  return 0;
}

/** Applies staged, validated changes [first, first + count) to the book's sides. */
function applyStaged(book: Book, count: i32, first: i32 = 0): void {
  const depth = book.depth;
  let p = inputBase + IN_CHANGES + <usize>first * INPUT_CHANGE_SIZE;
  for (let i = 0; i < count; i++, p += INPUT_CHANGE_SIZE) {
    const price = load<i64>(p + IN_PRICE);
    const size = load<i64>(p + IN_SIZE);
    const side = load<u32>(p + IN_SIDE);
    // Branch-free side choice: the side is a coin flip in real streams.
    book.side(side).set(select<i64>(-price, price, side == SIDE_ASK), size, depth);
  }
  if (book.maxLevels > 0) {
    book.bids.truncate(book.maxLevels);
    book.asks.truncate(book.maxLevels);
  }
}

@inline function isCrossed(book: Book): bool {
  return book.bids.len > 0 && book.asks.len > 0 &&
    book.bids.keyFromTop(0) >= -book.asks.keyFromTop(0);
}

@inline function stagedExchangeTs(): i64 {
  return load<i64>(inputBase + IN_EXCHANGE_TS);
}

@inline function stagedReceiveTs(): i64 {
  return load<i64>(inputBase + IN_RECEIVE_TS);
}

/**
 * Applies `count` staged changes to a book, then publishes the top-N delta (if any).
 * Returns the number of records written, or a negative result code. On a validation error
 * nothing is applied. On RESULT_CROSSED the book is marked stale (a STALE record is written) and
 * must be reset from a fresh exchange snapshot.
 */
export function apply(id: i32, count: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  const err = validate(count);
  if (err != 0) return err;
  applyStaged(book, count);
  return publishChanges(book);
}

/** After changes: nothing while STALE; STALE if crossed; else the top-N delta. */
function publishChanges(book: Book): i32 {
  if (book.stale) {
    book.bids.topDirty = false;
    book.asks.topDirty = false;
    return 0;
  }
  if (isCrossed(book)) {
    book.stale = true;
    publishStale(book, stagedExchangeTs(), stagedReceiveTs());
    return ERR_CROSSED;
  }
  return publishDelta(book, stagedExchangeTs(), stagedReceiveTs());
}

/**
 * Applies staged changes [first, first + count) to the book only (no diff, no record): the bare
 * book engine. A host may stage many messages at once and apply them range by range.
 */
export function apply_levels(id: i32, count: i32, first: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  const err = validate(count, first);
  if (err != 0) return err;
  applyStaged(book, count, first);
  return 0;
}

/**
 * Publishes the top-N delta of changes applied with `apply_levels` (after the host verified
 * them, e.g. against Kraken's checksum). Same results as `apply`.
 */
export function publish(id: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  return publishChanges(book);
}

/**
 * Replaces the book with the `count` staged levels (a fresh exchange snapshot), clears STALE,
 * advances seq and publishes SNAPSHOT records. Returns records written or a result code.
 */
export function reset(id: i32, count: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  const err = validate(count);
  if (err != 0) return err;
  book.bids.clear();
  book.asks.clear();
  applyStaged(book, count);
  return publishFresh(book);
}

/** Publishes a freshly loaded book as SNAPSHOT records at a new seq (or STALE if crossed). */
function publishFresh(book: Book): i32 {
  if (isCrossed(book)) {
    book.stale = true;
    publishStale(book, stagedExchangeTs(), stagedReceiveTs());
    return ERR_CROSSED;
  }
  book.stale = false;
  book.seq = book.seq + 1;
  return publishSnapshot(book, stagedExchangeTs(), stagedReceiveTs());
}

/**
 * Ends a resync whose levels were loaded with `book_clear` + `apply_levels` (and verified by the
 * host): clears STALE, advances seq and publishes SNAPSHOT records, like `reset`.
 */
export function resume(id: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  return publishFresh(book);
}

/** Publishes the current top-N as SNAPSHOT records (on demand). */
export function snapshot(id: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  if (book.stale) return publishStale(book, stagedExchangeTs(), stagedReceiveTs());
  return publishSnapshot(book, stagedExchangeTs(), stagedReceiveTs());
}

/** Marks the book STALE (resyncing) and publishes a STALE record. */
export function mark_stale(id: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  book.stale = true;
  return publishStale(book, stagedExchangeTs(), stagedReceiveTs());
}

/** Empties a book (both sides), keeping its seq. */
export function book_clear(id: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  book.bids.clear();
  book.asks.clear();
  return 0;
}

/**
 * Changes a book's scales. Allowed only while it holds no levels (otherwise RESULT_SCALE), so no
 * level is ever reinterpreted at another scale.
 */
export function book_set_scale(id: i32, priceScale: u32, sizeScale: u32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  if (priceScale > 18 || sizeScale > 18) return ERR_SCALE;
  if (priceScale == book.priceScale && sizeScale == book.sizeScale) return 0;
  if (book.bids.len > 0 || book.asks.len > 0) return ERR_SCALE;
  book.priceScale = priceScale;
  book.sizeScale = sizeScale;
  return 0;
}

/**
 * Copies the best `n` levels of a side into the output area as (price, size) i64 pairs, best
 * first. Returns how many were copied; the area's address is `output_address()`.
 */
export function book_top(id: i32, side: u32, n: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  const s = book.side(side);
  const count = s.len < n ? s.len : n;
  const out = reserveOutput(count);
  const isAsk = side == SIDE_ASK;
  for (let r = 0; r < count; r++) {
    const at = out + <usize>r * CHANGE_SIZE;
    const key = s.keyFromTop(r);
    store<i64>(at + CHANGE_PRICE, isAsk ? -key : key);
    store<i64>(at + CHANGE_SIZE_FIELD, s.sizeFromTop(r));
  }
  return count;
}

export function output_address(): usize {
  return outBase;
}

export function book_length(id: i32, side: u32): i32 {
  const book = bookAt(id);
  return book == null ? ERR_BAD_BOOK : book.side(side).len;
}

export function book_seq(id: i32): f64 {
  const book = bookAt(id);
  return book == null ? -1 : <f64>book.seq;
}

export function book_is_stale(id: i32): i32 {
  const book = bookAt(id);
  return book == null ? ERR_BAD_BOOK : <i32>book.stale;
}

export function book_absent_deletes(id: i32): f64 {
  const book = bookAt(id);
  return book == null ? -1 : <f64>(book.bids.absentDeletes + book.asks.absentDeletes);
}

/** CRC-32 of the book's top-`depth` in the record checksum form. */
export function book_checksum(id: i32, depth: i32): u32 {
  const book = bookAt(id);
  return book == null ? 0 : topChecksum(book, depth);
}

/** Kraken's checksum of the book (top 10 per side, decimal digits of the mantissas). */
export function book_kraken_checksum(id: i32): u32 {
  const book = bookAt(id);
  return book == null ? 0 : krakenChecksum(book);
}

/** CRC-32 of `length` bytes at `ptr`. */
export function crc32_bytes(ptr: usize, length: u32): u32 {
  return crc32(ptr, length);
}

/**
 * Mirror side: applies one delta record (at `rec`, e.g. received over the wire) to a book that
 * holds only the top-N. A SNAPSHOT record with part 0 clears the book first. On the LAST part the
 * top-N checksum is verified. Returns 1 when a LAST part verified, 0 for a non-final part, 2 for a
 * STALE marker (the book is cleared), or a negative result code (RESULT_CHECKSUM on mismatch).
 */
export function mirror_apply(id: i32, rec: usize): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  const flags = load<u8>(rec + REC_FLAGS);
  if (flags & FLAG_STALE) {
    book.bids.clear();
    book.asks.clear();
    book.stale = true;
    return 2;
  }
  if ((flags & FLAG_SNAPSHOT) && load<u16>(rec + REC_PART) == 0) {
    book.bids.clear();
    book.asks.clear();
    book.stale = false;
  }
  const nb = <i32>load<u8>(rec + REC_BID_COUNT);
  const na = <i32>load<u8>(rec + REC_ASK_COUNT);
  let p = rec + REC_HEADER_SIZE;
  const depth = book.depth;
  for (let i = 0; i < nb + na; i++, p += CHANGE_SIZE) {
    const price = load<i64>(p + CHANGE_PRICE);
    const size = load<i64>(p + CHANGE_SIZE_FIELD);
    if (price <= 0) return ERR_BAD_PRICE;
    if (size < 0) return ERR_BAD_SIZE;
    if (i < nb) book.bids.set(price, size, depth);
    else book.asks.set(-price, size, depth);
  }
  book.bids.topDirty = false;
  book.asks.topDirty = false;
  book.seq = load<u64>(rec + REC_SEQ);
  if (!(flags & FLAG_LAST)) return 0;
  const d = <i32>load<u16>(rec + REC_DEPTH);
  const sum = topChecksum(book, d);
  book.checksum = sum;
  return sum == load<u32>(rec + REC_CHECKSUM) ? 1 : ERR_CHECKSUM;
}

/** Benchmark hook: writes `n` records of `changes` changes for book `id` to the ring. */
export function bench_ring_write(id: i32, n: i32, changes: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  if (changes < 0 || <u32>changes > CHANGES_PER_RECORD) return ERR_TOO_MANY;
  return benchRingWrite(book, n, changes);
}
export { ringWriteRaw as ring_write_raw } from "./raw_record";
