// Writing a record produced elsewhere (another node's ring, carried over NATS) into this ring.
//
// The record's bytes are staged by the host at `src` (e.g. in the input area). Every byte is
// copied unchanged except the two per-node fields (layout.ts):
//
//   0        4                   8          12                                   length
//   ├────────┼───────────────────┼──────────┼──────────────── … ─────────────────┤
//   │ringSeq │ ver, flags, exch. │  symbol  │ counts, scales, seq, prevSeq, ts,  │
//   │ (ours) │     (copied)      │  (ours)  │ checksum, part, changes (copied)   │
//
// ringSeq is the slot's seqlock stamp, written by ringClaim / ringPublish; symbol is the id the
// receiving node gives the book in its own book list.

import { REC_HEADER_SIZE, REC_RING_SEQ, REC_SYMBOL, RECORD_SIZE } from "./layout";
import { ringClaim, ringPublish, ringReady } from "./ring";

@inline const COPY_FROM: u32 = REC_RING_SEQ + 4;

/**
 * Copies the record of `length` bytes at `src` into the next ring slot with `symbol` as its
 * symbol id. Returns 1 (records written), or 0 when there is no ring or `length` is not a
 * record's length (nothing written).
 */
export function ring_write_raw(src: usize, length: u32, symbol: u32): i32 {
  if (!ringReady() || length < REC_HEADER_SIZE || length > RECORD_SIZE) return 0;
  const slot = ringClaim();
  memory.copy(slot + COPY_FROM, src + COPY_FROM, <usize>(length - COPY_FROM));
  store<u32>(slot + REC_SYMBOL, symbol);
  ringPublish(slot);
  return 1;
}
