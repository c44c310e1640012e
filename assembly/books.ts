// The books of this instance: a dense array indexed by book id, created by the host with
// `book_create`. Every export that takes a book id resolves it through `bookAt`.

import { Book } from "./book";
import { ERR_DEPTH, ERR_SCALE, ERR_TOO_MANY_BOOKS } from "./layout";

/** Largest tracked depth (top-N) a book may have. */
export const MAX_DEPTH: u32 = 5000;
@inline const MAX_BOOKS: i32 = 1 << 16;

const books = new Array<Book>();

/** The book with this id, or null for an unknown id. */
@inline export function bookAt(id: i32): Book | null {
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
