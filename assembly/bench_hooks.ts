// Benchmark hooks: exports that only benchmarks call. They are exported by the bench entry
// (bench.ts → build/alphapulse_bench.wasm), never by the production entry (index.ts).

import { bookAt } from "./books";
import { CHANGES_PER_RECORD, ERR_BAD_BOOK, ERR_TOO_MANY } from "./layout";
import { benchRingWrite, benchViewChecksum } from "./tracker";

/** Writes `n` records of `changes` changes for book `id` to the ring (ring write cost). */
export function bench_ring_write(id: i32, n: i32, changes: i32): i32 {
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  if (changes < 0 || <u32>changes > CHANGES_PER_RECORD) return ERR_TOO_MANY;
  return benchRingWrite(book, n, changes);
}

/** The record checksum of book `id`'s published views `n` times (`chained` 0: one CRC chain). */
export function bench_view_checksum(id: i32, n: i32, chained: i32): u32 {
  const book = bookAt(id);
  if (book == null) return 0;
  return benchViewChecksum(book, n, chained);
}
