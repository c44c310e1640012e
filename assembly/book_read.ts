// Reading a book from the host: its best levels copied into an output area as (price, size) i64
// pairs (CHANGE_SIZE bytes each, the change layout of a record), and its counters and checksums.

import { bookAt } from "./books";
import { crc32 } from "./crc32";
import { CHANGE_PRICE, CHANGE_SIZE, CHANGE_SIZE_FIELD, ERR_BAD_BOOK, SIDE_ASK } from "./layout";
import { krakenChecksum, topChecksum } from "./tracker";

@inline const INITIAL_OUTPUT: i32 = 1024;

let outBase: usize = 0;
let outCap: i32 = 0;

function reserveOutput(levels: i32): usize {
  if (levels > outCap) {
    let next = outCap < INITIAL_OUTPUT ? INITIAL_OUTPUT : outCap;
    while (next < levels) next <<= 1;
    outBase = heap.alloc(<usize>next * CHANGE_SIZE);
    outCap = next;
  }
  return outBase;
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
  s.listTop(count, out + CHANGE_PRICE, out + CHANGE_SIZE_FIELD, CHANGE_SIZE);
  if (side == SIDE_ASK) {
    for (let r = 0; r < count; r++) {
      const at = out + <usize>r * CHANGE_SIZE + CHANGE_PRICE;
      store<i64>(at, -load<i64>(at));
    }
  }
  return count;
}

/** Address of the output area `book_top` fills. */
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
