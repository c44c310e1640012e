// The tracker: applies a batch of level changes to a book, diffs its top-N against the top-N last
// published, and writes the difference to the ring as delta records (continued over several
// records when large; LAST marks the final part). Also SNAPSHOT and STALE records.

import { Book, scratchKey, scratchSize, Side, topLevels, TopView } from "./book";
import { CRC_INIT, crcByte, crcCombineBlocks, crcFinish, crcI64, crcLow32 } from "./crc32";
import {
  CHANGE_PRICE,
  CHANGE_SIZE,
  CHANGE_SIZE_FIELD,
  CHANGES_PER_RECORD,
  FLAG_LAST,
  FLAG_SNAPSHOT,
  FLAG_STALE,
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
  REC_RESERVED,
  REC_SEQ,
  REC_SIZE_SCALE,
  REC_SYMBOL,
  REC_TOTAL,
} from "./layout";
import { ringClaim, ringPublish, ringReady } from "./ring";

// ── Scratch: the changes of the delta being built, per side, (price, size) pairs best first ──
let bidOut: usize = 0;
let askOut: usize = 0;
let outCap: i32 = 0;

function reserveOut(changes: i32): void {
  if (changes <= outCap) return;
  let next = outCap < 256 ? 256 : outCap;
  while (next < changes) next <<= 1;
  bidOut = heap.alloc(<usize>next * CHANGE_SIZE);
  askOut = heap.alloc(<usize>next * CHANGE_SIZE);
  outCap = next;
}

@inline function putChange(out: usize, i: i32, price: i64, size: i64): void {
  const at = out + <usize>i * CHANGE_SIZE;
  store<i64>(at + CHANGE_PRICE, price);
  store<i64>(at + CHANGE_SIZE_FIELD, size);
}

@inline function priceOf(key: i64, isAsk: bool): i64 {
  return isAsk ? -key : key;
}

/**
 * Merges the published view (best first) with the side's new top (best first, listed into the
 * scratch by `topLevels`) and writes the levels that entered, changed or left (size 0) into `out`.
 * When any did, the view takes the new top. Returns how many.
 */
function diffSide(view: TopView, side: Side, depth: i32, isAsk: bool, out: usize): i32 {
  const newLen = topLevels(side, depth);
  const oldLen = view.len;
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < oldLen || j < newLen) {
    if (j >= newLen) {
      putChange(out, n++, priceOf(view.key(i), isAsk), 0);
      i++;
    } else if (i >= oldLen) {
      putChange(out, n++, priceOf(scratchKey(j), isAsk), scratchSize(j));
      j++;
    } else {
      const a = view.key(i);
      const b = scratchKey(j);
      if (a > b) {
        putChange(out, n++, priceOf(a, isAsk), 0);
        i++;
      } else if (b > a) {
        putChange(out, n++, priceOf(b, isAsk), scratchSize(j));
        j++;
      } else {
        // A level in both: written always, counted only when its size changed (no branch to
        // mispredict on the common size-only updates; `out` has room for 2·depth changes).
        const s = scratchSize(j);
        putChange(out, n, priceOf(b, isAsk), s);
        n += <i32>(s != view.size(i));
        i++;
        j++;
      }
    }
  }
  if (n > 0) view.copyFromScratch(side, newLen, depth);
  return n;
}

/** Writes every level of the published view into `out` (for snapshots). */
function listView(view: TopView, isAsk: bool, out: usize): i32 {
  const n = view.len;
  for (let r = 0; r < n; r++) putChange(out, r, priceOf(view.key(r), isAsk), view.size(r));
  return n;
}

/** CRC-32 state after the levels of one side (best first) in the record checksum form. */
function crcSide(state: u32, side: Side, depth: i32, isAsk: bool): u32 {
  const n = topLevels(side, depth);
  for (let r = 0; r < n; r++) {
    state = crcI64(state, priceOf(scratchKey(r), isAsk));
    state = crcI64(state, scratchSize(r));
  }
  return state;
}

/**
 * CRC-32 of a book's top-N in the documented form: bids best first, then asks best first; each
 * level as price mantissa (i64 LE) then size mantissa (i64 LE).
 */
export function topChecksum(book: Book, depth: i32): u32 {
  return crcFinish(crcSide(crcSide(CRC_INIT, book.bids, depth, false), book.asks, depth, true));
}

/** One level (price mantissa, then size mantissa, i64 LE each) folded into a CRC state. */
@inline function crcLevel(state: u32, price: i64, size: i64): u32 {
  state = crcI64(state, price);
  // Most sizes fit 32 bits (under 42.9 units at 8 decimals): their upper bytes add nothing.
  return (size >>> 32) == 0 ? crcLow32(state, <u32>size) : crcI64(state, size);
}

/**
 * The record checksum of the published views (equal to `topChecksum` at the book's depth), as
 * four independent CRC chains (each side's first and second half) joined with
 * `crcCombineBlocks`: the chains' table look-ups overlap, about 3x faster than one chain over
 * the 100 levels of a depth-50 book.
 *
 *   bids 0 … hb-1 │ bids hb … nb-1 │ asks 0 … ha-1 │ asks ha … na-1      (levels, in order)
 *   └── chain 0 ──┘ └── chain 1 ───┘ └── chain 2 ──┘ └── chain 3 ───┘
 */
function viewChecksum(book: Book): u32 {
  const bids = book.pubBids;
  const asks = book.pubAsks;
  const nb = bids.len;
  const na = asks.len;
  const hb = nb >> 1;
  const ha = na >> 1;
  const lb = nb - hb;
  const la = na - ha;
  let s0 = CRC_INIT;
  let s1 = CRC_INIT;
  let s2 = CRC_INIT;
  let s3 = CRC_INIT;
  const steps = lb > la ? lb : la;
  for (let i = 0; i < steps; i++) {
    if (i < hb) s0 = crcLevel(s0, bids.key(i), bids.size(i));
    if (i < lb) s1 = crcLevel(s1, bids.key(hb + i), bids.size(hb + i));
    if (i < ha) s2 = crcLevel(s2, -asks.key(i), asks.size(i));
    if (i < la) s3 = crcLevel(s3, -asks.key(ha + i), asks.size(ha + i));
  }
  let crc = crcCombineBlocks(crcFinish(s0), crcFinish(s1), <u32>lb);
  crc = crcCombineBlocks(crc, crcFinish(s2), <u32>ha);
  return crcCombineBlocks(crc, crcFinish(s3), <u32>la);
}

/** Writes `nb` bid and `na` ask changes from the scratch into as many records as needed. */
function emit(
  book: Book,
  flags: u8,
  nb: i32,
  na: i32,
  prevSeq: u64,
  exchangeTs: i64,
  receiveTs: i64,
): i32 {
  if (!ringReady()) return 0;
  const total = nb + na;
  const perRecord = <i32>CHANGES_PER_RECORD;
  let parts = (total + perRecord - 1) / perRecord;
  if (parts == 0) parts = 1;
  let bi = 0;
  let ai = 0;
  for (let part = 0; part < parts; part++) {
    const slot = ringClaim();
    let room = perRecord;
    const b = nb - bi < room ? nb - bi : room;
    room -= b;
    const a = na - ai < room ? na - ai : room;
    store<u8>(slot + REC_FLAGS, part == parts - 1 ? flags | FLAG_LAST : flags);
    store<u16>(slot + REC_EXCHANGE, <u16>book.exchange);
    store<u32>(slot + REC_SYMBOL, book.symbol);
    store<u8>(slot + REC_BID_COUNT, <u8>b);
    store<u8>(slot + REC_ASK_COUNT, <u8>a);
    store<u8>(slot + REC_PRICE_SCALE, <u8>book.priceScale);
    store<u8>(slot + REC_SIZE_SCALE, <u8>book.sizeScale);
    store<u64>(slot + REC_SEQ, book.seq);
    store<u64>(slot + REC_PREV_SEQ, prevSeq);
    store<i64>(slot + REC_EXCHANGE_TS, exchangeTs);
    store<i64>(slot + REC_RECEIVE_TS, receiveTs);
    store<u32>(slot + REC_CHECKSUM, book.checksum);
    store<u16>(slot + REC_PART, <u16>part);
    store<u16>(slot + REC_DEPTH, <u16>book.depth);
    store<u32>(slot + REC_TOTAL, <u32>total);
    store<u32>(slot + REC_RESERVED, 0);
    const body = slot + REC_HEADER_SIZE;
    if (b > 0) memory.copy(body, bidOut + <usize>bi * CHANGE_SIZE, <usize>b * CHANGE_SIZE);
    if (a > 0) {
      memory.copy(body + <usize>b * CHANGE_SIZE, askOut + <usize>ai * CHANGE_SIZE, <usize>a * CHANGE_SIZE);
    }
    bi += b;
    ai += a;
    ringPublish(slot);
  }
  return parts;
}

/**
 * Diffs the top-N after a batch and publishes a delta when it changed. Returns records written.
 */
export function publishDelta(book: Book, exchangeTs: i64, receiveTs: i64): i32 {
  if (!book.bids.topDirty && !book.asks.topDirty) return 0;
  if (book.quiet) {
    book.bids.topDirty = false;
    book.asks.topDirty = false;
    book.seq = book.seq + 1;
    return 0;
  }
  const depth = book.depth;
  reserveOut(depth * 2);
  const nb = book.bids.topDirty ? diffSide(book.pubBids, book.bids, depth, false, bidOut) : 0;
  const na = book.asks.topDirty ? diffSide(book.pubAsks, book.asks, depth, true, askOut) : 0;
  book.bids.topDirty = false;
  book.asks.topDirty = false;
  if (nb + na == 0) return 0;
  // diffSide refreshed the view of a side that changed; the other one is still current.
  book.checksum = viewChecksum(book);
  const prev = book.seq;
  book.seq = prev + 1;
  return emit(book, 0, nb, na, prev, exchangeTs, receiveTs);
}

/** Publishes the whole top-N as SNAPSHOT records at the book's current seq. */
export function publishSnapshot(book: Book, exchangeTs: i64, receiveTs: i64): i32 {
  const depth = book.depth;
  reserveOut(depth);
  book.bids.topDirty = false;
  book.asks.topDirty = false;
  book.pubBids.copyFrom(book.bids, depth);
  book.pubAsks.copyFrom(book.asks, depth);
  book.checksum = viewChecksum(book);
  const nb = listView(book.pubBids, false, bidOut);
  const na = listView(book.pubAsks, true, askOut);
  return emit(book, FLAG_SNAPSHOT, nb, na, book.seq, exchangeTs, receiveTs);
}

/** Publishes a STALE marker: clients drop the book until its next snapshot. */
export function publishStale(book: Book, exchangeTs: i64, receiveTs: i64): i32 {
  return emit(book, FLAG_STALE, 0, 0, book.seq, exchangeTs, receiveTs);
}

// ── Kraken's checksum: decimal digits of the mantissas (no point, no leading zeros) ──
const DIGITS: usize = memory.data(24);

function crcDecimal(state: u32, value: i64): u32 {
  let v = <u64>value;
  let n = 0;
  do {
    store<u8>(DIGITS + n++, <u8>(48 + <u32>(v % 10)));
    v /= 10;
  } while (v != 0);
  while (n > 0) state = crcByte(state, load<u8>(DIGITS + --n));
  return state;
}

/** CRC state after the decimal digits of a side's best `n` levels (Kraken's form). */
function crcDecimalSide(state: u32, side: Side, n: i32, isAsk: bool): u32 {
  const count = topLevels(side, n);
  for (let r = 0; r < count; r++) {
    state = crcDecimal(state, priceOf(scratchKey(r), isAsk));
    state = crcDecimal(state, scratchSize(r));
  }
  return state;
}

/** Kraken's book checksum over the top 10 asks (ascending) then top 10 bids (descending). */
export function krakenChecksum(book: Book): u32 {
  const asks = crcDecimalSide(CRC_INIT, book.asks, 10, true);
  return crcFinish(crcDecimalSide(asks, book.bids, 10, false));
}

/** Writes `n` delta records of `changes` changes each (copied from the scratch) — ring benchmark. */
export function benchRingWrite(book: Book, n: i32, changes: i32): i32 {
  reserveOut(changes);
  for (let i = 0; i < changes; i++) putChange(bidOut, i, 1000 + i, 1);
  for (let i = 0; i < n; i++) emit(book, 0, changes, 0, book.seq, 0, 0);
  return n;
}

/**
 * Benchmark hook: the record checksum of the published views `n` times, as the tracker computes
 * it (`chained` 1) or as one CRC chain over the same levels (`chained` 0, the reference form).
 * Returns the last checksum.
 */
export function benchViewChecksum(book: Book, n: i32, chained: i32): u32 {
  let crc: u32 = 0;
  for (let i = 0; i < n; i++) crc = chained != 0 ? viewChecksum(book) : serialViewChecksum(book);
  return crc;
}

/** The record checksum of the published views as one CRC chain (reference for viewChecksum). */
function serialViewChecksum(book: Book): u32 {
  let state = CRC_INIT;
  const bids = book.pubBids;
  for (let r = 0; r < bids.len; r++) state = crcLevel(state, bids.key(r), bids.size(r));
  const asks = book.pubAsks;
  for (let r = 0; r < asks.len; r++) state = crcLevel(state, -asks.key(r), asks.size(r));
  return crcFinish(state);
}
