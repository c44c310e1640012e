// Book operations the host calls after staging a batch (staging.ts): apply and publish deltas,
// load snapshots, mark stale, clear, rescale. Each returns records written or a negative result
// code; on a validation error nothing is applied.

import { Book } from "./book";
import { bookAt } from "./books";
import { ERR_BAD_BOOK, ERR_CROSSED, ERR_SCALE } from "./layout";
import { applyStaged, stagedExchangeTs, stagedReceiveTs, validateStaged } from "./staging";
import { publishDelta, publishSnapshot, publishStale } from "./tracker";

@inline function isCrossed(book: Book): bool {
  return book.bids.len > 0 && book.asks.len > 0 &&
    book.bids.best() >= -book.asks.best();
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
  const err = validateStaged(count);
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
  const err = validateStaged(count, first);
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
  const err = validateStaged(count);
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

/**
 * Makes a book quiet (`quiet` 1: its deltas are no longer diffed or written, see `Book.quiet`) or
 * ends that (`quiet` 0: the host then publishes a SNAPSHOT, which re-bases the published view).
 */
export function book_set_quiet(id: i32, quiet: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  book.quiet = quiet != 0;
  return 0;
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
