// One (exchange, symbol) book: two sides (side.ts: a price-indexed window near the top over a
// sorted tail) and the top-N view of each side last published, best first:
//
//   TopView  keys  k(0) k(1) … k(len-1)   (side keys: bids = price, asks = -price; best first)
//            sizes s(0) s(1) … s(len-1)
//
// plus a scratch area the tracker and readers use to list a side's best levels.

import { Side } from "./side";

export { Side } from "./side";

@inline const I64_BYTES: i32 = 8;
@inline const I64_SHIFT: i32 = 3;

@inline function keyAt(base: usize, i: i32): i64 {
  return load<i64>(base + (<usize>i << I64_SHIFT));
}

// ── Scratch: a side's best levels listed by `topLevels` (keys and sizes, best first) ──
let scratchKeys: usize = 0;
let scratchSizes: usize = 0;
let scratchCap: i32 = 0;

/**
 * Lists the best `n` levels of `side` (at most its length) in the scratch area; returns how many.
 * Read them with `scratchKey` / `scratchSize` until the next call.
 */
export function topLevels(side: Side, n: i32): i32 {
  const len = side.len;
  const count = len < n ? len : n;
  if (count > scratchCap) {
    let next = scratchCap < 256 ? 256 : scratchCap;
    while (next < count) next <<= 1;
    if (scratchKeys != 0) {
      heap.free(scratchKeys);
      heap.free(scratchSizes);
    }
    scratchKeys = heap.alloc(<usize>next << I64_SHIFT);
    scratchSizes = heap.alloc(<usize>next << I64_SHIFT);
    scratchCap = next;
  }
  side.listTop(count, scratchKeys, scratchSizes, I64_BYTES);
  return count;
}

@inline export function scratchKey(r: i32): i64 {
  return keyAt(scratchKeys, r);
}

@inline export function scratchSize(r: i32): i64 {
  return keyAt(scratchSizes, r);
}

/** Top-N view last published for one side, best first. */
export class TopView {
  keys: usize = 0;
  sizes: usize = 0;
  len: i32 = 0;

  constructor(depth: i32) {
    const bytes = <usize>depth << I64_SHIFT;
    this.keys = heap.alloc(bytes);
    this.sizes = heap.alloc(bytes);
  }

  @inline key(i: i32): i64 {
    return keyAt(this.keys, i);
  }

  @inline size(i: i32): i64 {
    return keyAt(this.sizes, i);
  }

  /**
   * Copies the best `depth` levels of `side` into this view and sets the side's dirty floor (the
   * view's worst key when it is full, else i64's minimum).
   */
  copyFrom(side: Side, depth: i32): void {
    const n = side.len < depth ? side.len : depth;
    side.listTop(n, this.keys, this.sizes, I64_BYTES);
    this.took(side, n, depth);
  }

  /** Takes the `n` levels `topLevels(side, depth)` just listed in the scratch. */
  copyFromScratch(side: Side, n: i32, depth: i32): void {
    memory.copy(this.keys, scratchKeys, <usize>n << I64_SHIFT);
    memory.copy(this.sizes, scratchSizes, <usize>n << I64_SHIFT);
    this.took(side, n, depth);
  }

  @inline private took(side: Side, n: i32, depth: i32): void {
    this.len = n;
    side.dirtyFloor = n == depth ? this.key(n - 1) : I64.MIN_VALUE;
  }
}

/** One (exchange, symbol) book with its tracker state. */
export class Book {
  bids: Side = new Side();
  asks: Side = new Side();
  /** `[bids, asks]`, indexed by side code: picking a side without a branch. */
  sides: StaticArray<Side> = new StaticArray<Side>(2);
  pubBids: TopView;
  pubAsks: TopView;
  seq: u64 = 0;
  stale: bool = false;
  /** CRC of the top-N last published. */
  checksum: u32 = 0;
  /**
   * Quiet: nobody reads this book's deltas (the host said so with `book_set_quiet`). Changes
   * are applied and the book stays exact, but no top-N diff, checksum or delta record is made;
   * seq still advances once per batch that may have changed the top-N, so the SNAPSHOT that ends
   * the quiet never repeats a seq with other contents. STALE and SNAPSHOT records are still
   * written.
   */
  quiet: bool = false;

  constructor(
    public id: u32,
    public exchange: u32,
    public symbol: u32,
    public priceScale: u32,
    public sizeScale: u32,
    public depth: i32,
    public maxLevels: i32,
  ) {
    this.pubBids = new TopView(depth);
    this.pubAsks = new TopView(depth);
    unchecked(this.sides[0] = this.bids);
    unchecked(this.sides[1] = this.asks);
  }

  @inline side(s: u32): Side {
    return unchecked(this.sides[s]);
  }
}
