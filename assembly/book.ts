// The exact L2 book: per side, two parallel sorted arrays of i64 (key, size) with the best level
// at the END (inserts and deletes near the top move only a few elements).
//
//   Side (bids): keys  = prices ascending            … 59998 59999 60000 ← best
//   Side (asks): keys  = -price ascending (negated)   … -60003 -60002 -60001 ← best
//                sizes = sizes, same index
//
// Storing asks as negated prices makes both sides "ascending, best last", so one code path serves
// both. Prices are > 0, so negation is exact. Capacity grows by doubling; a steady-state book never
// allocates on update.

@inline const I64_BYTES: i32 = 8;
@inline const MIN_CAPACITY: i32 = 64;

@inline function keyAt(base: usize, i: i32): i64 {
  return load<i64>(base + (<usize>i << 3));
}

@inline function setKeyAt(base: usize, i: i32, v: i64): void {
  store<i64>(base + (<usize>i << 3), v);
}

/** Moves below this many levels are done element by element (cheaper than a bulk copy call). */
@inline const SMALL_MOVE: i32 = 32;

/** Closes the gap at `i`: levels (i, len) move down by one. */
@inline function shiftDown(keys: usize, sizes: usize, i: i32, len: i32): void {
  if (len - i - 1 < SMALL_MOVE) {
    for (let j = i; j < len - 1; j++) {
      setKeyAt(keys, j, keyAt(keys, j + 1));
      setKeyAt(sizes, j, keyAt(sizes, j + 1));
    }
  } else {
    const at = <usize>i << 3;
    const tail = <usize>(len - i - 1) * I64_BYTES;
    memory.copy(keys + at, keys + at + I64_BYTES, tail);
    memory.copy(sizes + at, sizes + at + I64_BYTES, tail);
  }
}

/** Opens a gap at `i`: levels [i, len) move up by one. */
@inline function shiftUp(keys: usize, sizes: usize, i: i32, len: i32): void {
  if (len - i < SMALL_MOVE) {
    for (let j = len; j > i; j--) {
      setKeyAt(keys, j, keyAt(keys, j - 1));
      setKeyAt(sizes, j, keyAt(sizes, j - 1));
    }
  } else {
    const at = <usize>i << 3;
    const tail = <usize>(len - i) * I64_BYTES;
    memory.copy(keys + at + I64_BYTES, keys + at, tail);
    memory.copy(sizes + at + I64_BYTES, sizes + at, tail);
  }
}

/** One side of a book: sorted keys (best last) and their sizes. */
export class Side {
  keys: usize = 0;
  sizes: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;
  /** Set when a change touched the top `depth` levels since the last diff. */
  topDirty: bool = false;
  /** Deletes of levels the book did not hold (normal on several venues): counted, not errors. */
  absentDeletes: u64 = 0;

  @inline key(i: i32): i64 {
    return keyAt(this.keys, i);
  }

  @inline size(i: i32): i64 {
    return keyAt(this.sizes, i);
  }

  /** Key of the level `rank` from the best (0 = best). */
  @inline keyFromTop(rank: i32): i64 {
    return keyAt(this.keys, this.len - 1 - rank);
  }

  @inline sizeFromTop(rank: i32): i64 {
    return keyAt(this.sizes, this.len - 1 - rank);
  }

  reserve(capacity: i32): void {
    if (capacity <= this.cap) return;
    let next = this.cap < MIN_CAPACITY ? MIN_CAPACITY : this.cap;
    while (next < capacity) next <<= 1;
    const bytes = <usize>next * I64_BYTES;
    const keys = heap.alloc(bytes);
    const sizes = heap.alloc(bytes);
    if (this.len > 0) {
      memory.copy(keys, this.keys, <usize>this.len * I64_BYTES);
      memory.copy(sizes, this.sizes, <usize>this.len * I64_BYTES);
    }
    if (this.keys != 0) {
      heap.free(this.keys);
      heap.free(this.sizes);
    }
    this.keys = keys;
    this.sizes = sizes;
    this.cap = next;
  }

  /**
   * First index whose key is >= `key` (len when none). Updates cluster near the top (the end),
   * so it gallops down from the end (1, 2, 4, … levels) and then bisects only the bracket found:
   * about 2·log2(rank) probes instead of log2(len).
   */
  lowerBound(key: i64): i32 {
    const keys = this.keys;
    let hi = this.len;
    let lo = 0;
    let step = 1;
    while (true) {
      const probe = hi - step;
      if (probe < 0) break;
      if (keyAt(keys, probe) < key) {
        lo = probe + 1;
        break;
      }
      hi = probe;
      step <<= 1;
    }
    // keys[lo - 1] < key <= keys[hi]: branch-free bisection of [lo, hi).
    let n = hi - lo;
    while (n > 0) {
      const half = n >>> 1;
      const mid = lo + half;
      const less = keyAt(keys, mid) < key;
      lo = select<i32>(mid + 1, lo, less);
      n = select<i32>(n - half - 1, half, less);
    }
    return lo;
  }

  /**
   * Sets the size at `key` (0 deletes). `depth` is the tracked top-N, used to flag changes that
   * can affect it.
   */
  set(key: i64, size: i64, depth: i32): void {
    const len = this.len;
    const i = this.lowerBound(key);
    if (i < len && keyAt(this.keys, i) == key) {
      if (i + depth >= len) this.topDirty = true;
      if (size == 0) {
        shiftDown(this.keys, this.sizes, i, len);
        this.len = len - 1;
      } else {
        setKeyAt(this.sizes, i, size);
      }
      return;
    }
    if (size == 0) {
      this.absentDeletes++;
      return;
    }
    if (len == this.cap) this.reserve(len + 1);
    if (i + depth >= len) this.topDirty = true;
    shiftUp(this.keys, this.sizes, i, len);
    setKeyAt(this.keys, i, key);
    setKeyAt(this.sizes, i, size);
    this.len = len + 1;
  }

  /** Keeps only the best `maxLen` levels (drops from the worst end). */
  truncate(maxLen: i32): void {
    const drop = this.len - maxLen;
    if (drop <= 0) return;
    this.topDirty = true;
    const bytes = <usize>maxLen * I64_BYTES;
    const from = <usize>drop << 3;
    memory.copy(this.keys, this.keys + from, bytes);
    memory.copy(this.sizes, this.sizes + from, bytes);
    this.len = maxLen;
  }

  clear(): void {
    if (this.len > 0) this.topDirty = true;
    this.len = 0;
  }
}

/** Top-N view last published for one side, best first. */
export class TopView {
  keys: usize = 0;
  sizes: usize = 0;
  len: i32 = 0;

  constructor(depth: i32) {
    const bytes = <usize>depth * I64_BYTES;
    this.keys = heap.alloc(bytes);
    this.sizes = heap.alloc(bytes);
  }

  @inline key(i: i32): i64 {
    return keyAt(this.keys, i);
  }

  @inline size(i: i32): i64 {
    return keyAt(this.sizes, i);
  }

  /** Copies the best `depth` levels of `side` into this view. */
  copyFrom(side: Side, depth: i32): void {
    const n = side.len < depth ? side.len : depth;
    for (let r = 0; r < n; r++) {
      setKeyAt(this.keys, r, side.keyFromTop(r));
      setKeyAt(this.sizes, r, side.sizeFromTop(r));
    }
    this.len = n;
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
