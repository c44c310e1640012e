// The mirror side: a book that holds only the top-N, rebuilt from delta records received over the
// wire (the browser client and replay checks). Records are read with the offsets of layout.ts.

import { bookAt } from "./books";
import {
  CHANGE_PRICE,
  CHANGE_SIZE,
  CHANGE_SIZE_FIELD,
  ERR_BAD_BOOK,
  ERR_BAD_PRICE,
  ERR_BAD_SIZE,
  ERR_CHECKSUM,
  FLAG_LAST,
  FLAG_SNAPSHOT,
  FLAG_STALE,
  REC_ASK_COUNT,
  REC_BID_COUNT,
  REC_CHECKSUM,
  REC_DEPTH,
  REC_FLAGS,
  REC_HEADER_SIZE,
  REC_PART,
  REC_SEQ,
} from "./layout";
import { topChecksum } from "./tracker";

/**
 * Applies one delta record (at `rec`, e.g. received over the wire) to a mirror book. A SNAPSHOT
 * record with part 0 clears the book first. On the LAST part the top-N checksum is verified.
 * Returns 1 when a LAST part verified, 0 for a non-final part, 2 for a STALE marker (the book is
 * cleared), or a negative result code (RESULT_CHECKSUM on mismatch).
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
  for (let i = 0; i < nb + na; i++, p += CHANGE_SIZE) {
    const price = load<i64>(p + CHANGE_PRICE);
    const size = load<i64>(p + CHANGE_SIZE_FIELD);
    if (price <= 0) return ERR_BAD_PRICE;
    if (size < 0) return ERR_BAD_SIZE;
    if (i < nb) book.bids.set(price, size);
    else book.asks.set(-price, size);
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
