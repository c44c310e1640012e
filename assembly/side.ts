// One side of an exact L2 book: a price-indexed ladder (the window) for the levels near the top,
// and a sorted array for the levels below it (the tail). Keys are i64 price mantissas, asks
// negated, so on both sides a greater key is a better level and one code path serves both.
//
//   key:  worse ◄──────────────────────────────────────────────────────────────► better
//
//         tail (sorted arrays, best last)     window (slot q holds key base + q·tick)
//   ┌─────────────────────────────────┐ ┌──────────────────────────────────────────────┐
//   │ keys  k0 < k1 < … < k(n-1)      │ │ slot 0    …   topSlot   …   WINDOW_SLOTS - 1 │
//   │ sizes s0   s1   …   s(n-1)      │ │ sizes: i64 per slot, read only where bit set │
//   └─────────────────────────────────┘ │ bits:  u64 words, bit q set ⇔ level at slot q│
//          every tail key < base        └──────────────────────────────────────────────┘
//                                 base ≤ window keys ≤ base + (WINDOW_SLOTS - 1)·tick
//
// `tick` is 0 until the side holds LADDER_FROM levels (since it was last emptied): until then every
// level is in the tail, the plain sorted-array engine. Then it is the gcd of the differences of the
// keys held, and a later key off that grid shrinks it (gcd again): the window is flushed into the
// tail and rebuilt at the finer grid. The tick at least halves each time, so this happens at most
// 64 times per fill.
//
// Recentring keeps the best level in the window. A level above the window moves the window up so
// that it lands at slot WINDOW_TARGET; the slots that leave at the bottom are appended to the tail
// (they are greater than every tail key). When the best level falls below slot WINDOW_LOW while the
// tail holds levels, the window moves down (the best back near WINDOW_TARGET) and takes the tail's
// levels that now fit. Moves are whole bitmap words, so the bitmap shifts by words.
//
// All arithmetic on keys relative to `base` is done in u64 after a signed comparison, so every key
// of i64 works (prices > 0; asks are their negation): `key - base` for key ≥ base is exact as u64,
// and `base` is clamped so that it never passes i64's minimum.
//
// Memory per side, bounded: the window is WINDOW_BYTES (130 KiB; allocated when the side first
// holds LADDER_FROM levels, then kept), the tail 16 bytes per level below the window, in arrays
// that double (a book with `maxLevels` never holds more than that many).

@inline const I64_BYTES: i32 = 8;
@inline const I64_SHIFT: i32 = 3;
@inline const WORD_BITS: i32 = 64;
@inline const WORD_SHIFT: i32 = 6;

/** Bitmap words of the window; the window is WINDOW_WORDS × 64 slots. */
@inline const WINDOW_WORDS: i32 = 256;
@inline export const WINDOW_SLOTS: i32 = WINDOW_WORDS * WORD_BITS;
/** Where recentring puts the best level: a quarter of the window above it for it to improve. */
@inline const WINDOW_TARGET: i32 = WINDOW_SLOTS - WINDOW_SLOTS / 4;
/** With levels in the tail, a best level below this slot moves the window down. */
@inline const WINDOW_LOW: i32 = WINDOW_SLOTS / 4;
/** Bytes of one side's window: sizes (i64 per slot) and bitmap (one bit per slot). */
@inline export const WINDOW_BYTES: i32 = WINDOW_SLOTS * I64_BYTES + WINDOW_WORDS * I64_BYTES;

/**
 * A side with fewer levels than this since it was last emptied keeps them in the sorted arrays
 * only (no window): top-N mirrors (depth ≤ 50) never allocate one, and small books stay as cheap.
 */
@inline const LADDER_FROM: i32 = 64;
@inline const MIN_CAPACITY: i32 = 64;
/** Moves below this many levels are done element by element (cheaper than a bulk copy call). */
@inline const SMALL_MOVE: i32 = 32;

// ── Tiny accessors: every load and store of a side's memory goes through these ──

@inline function loadI64(base: usize, i: i32): i64 {
  return load<i64>(base + (<usize>i << I64_SHIFT));
}

@inline function storeI64(base: usize, i: i32, v: i64): void {
  store<i64>(base + (<usize>i << I64_SHIFT), v);
}

@inline function loadWord(bits: usize, w: i32): u64 {
  return load<u64>(bits + (<usize>w << I64_SHIFT));
}

@inline function storeWord(bits: usize, w: i32, v: u64): void {
  store<u64>(bits + (<usize>w << I64_SHIFT), v);
}

@inline function bitOf(slot: i32): u64 {
  return <u64>1 << <u64>(slot & (WORD_BITS - 1));
}

function gcd(a: u64, b: u64): u64 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** `key - n·tick` for the largest n ≤ `slots` that stays ≥ i64's minimum. */
function baseBelow(key: i64, slots: i32, tick: u64): i64 {
  const room = (<u64>key - <u64>I64.MIN_VALUE) / tick;
  const n = room < <u64>slots ? room : <u64>slots;
  return <i64>(<u64>key - n * tick);
}

// ── Tail: sorted arrays, best last ──

/** Closes the gap at `i`: levels (i, len) move down by one. */
@inline function shiftDown(keys: usize, sizes: usize, i: i32, len: i32): void {
  if (len - i - 1 < SMALL_MOVE) {
    for (let j = i; j < len - 1; j++) {
      storeI64(keys, j, loadI64(keys, j + 1));
      storeI64(sizes, j, loadI64(sizes, j + 1));
    }
  } else {
    const at = <usize>i << I64_SHIFT;
    const tail = <usize>(len - i - 1) << I64_SHIFT;
    memory.copy(keys + at, keys + at + I64_BYTES, tail);
    memory.copy(sizes + at, sizes + at + I64_BYTES, tail);
  }
}

/** Opens a gap at `i`: levels [i, len) move up by one. */
@inline function shiftUp(keys: usize, sizes: usize, i: i32, len: i32): void {
  if (len - i < SMALL_MOVE) {
    for (let j = len; j > i; j--) {
      storeI64(keys, j, loadI64(keys, j - 1));
      storeI64(sizes, j, loadI64(sizes, j - 1));
    }
  } else {
    const at = <usize>i << I64_SHIFT;
    const tail = <usize>(len - i) << I64_SHIFT;
    memory.copy(keys + at + I64_BYTES, keys + at, tail);
    memory.copy(sizes + at + I64_BYTES, sizes + at, tail);
  }
}

/** One side of a book: window (ladder) over the levels near the top, sorted tail below it. */
export class Side {
  // Window.
  bits: usize = 0;
  slotSizes: usize = 0;
  base: i64 = 0;
  /** Grid step of the keys (gcd of their differences); 0 = window not in use (a small side). */
  tick: u64 = 0;
  /** Highest occupied slot, -1 when the window is empty. */
  topSlot: i32 = -1;
  /** Levels in the window. */
  windowLen: i32 = 0;
  // Tail.
  keys: usize = 0;
  sizes: usize = 0;
  tailLen: i32 = 0;
  cap: i32 = 0;
  /** Set when a change may have touched the top-N since the last diff (see `dirtyFloor`). */
  topDirty: bool = false;
  /**
   * The worst key of the top-N last published when it was full (else i64's minimum): a change
   * below it cannot alter the top-N, one at or above it sets `topDirty`.
   */
  dirtyFloor: i64 = I64.MIN_VALUE;
  /** Deletes of levels the book did not hold (normal on several venues): counted, not errors. */
  absentDeletes: u64 = 0;

  /** Number of levels. */
  get len(): i32 {
    return this.windowLen + this.tailLen;
  }

  @inline private slotKey(slot: i32): i64 {
    return <i64>(<u64>this.base + <u64>slot * this.tick);
  }

  /** Best key (the side must hold a level). */
  best(): i64 {
    return this.windowLen > 0 ? this.slotKey(this.topSlot) : loadI64(this.keys, this.tailLen - 1);
  }

  /**
   * Writes the best `n` levels (n ≤ len), best first: key of rank r at `keysOut + r·stride`, size
   * at `sizesOut + r·stride`.
   */
  listTop(n: i32, keysOut: usize, sizesOut: usize, stride: usize): void {
    let r = 0;
    if (this.windowLen > 0) {
      const bits = this.bits;
      const sizes = this.slotSizes;
      let w = this.topSlot >> WORD_SHIFT;
      let word = loadWord(bits, w);
      while (r < n) {
        while (word == 0) {
          if (--w < 0) break;
          word = loadWord(bits, w);
        }
        if (w < 0) break;
        const b = WORD_BITS - 1 - <i32>clz(word);
        const slot = (w << WORD_SHIFT) + b;
        store<i64>(keysOut + <usize>r * stride, this.slotKey(slot));
        store<i64>(sizesOut + <usize>r * stride, loadI64(sizes, slot));
        word ^= <u64>1 << <u64>b;
        r++;
      }
    }
    for (let i = this.tailLen - 1; r < n; i--, r++) {
      store<i64>(keysOut + <usize>r * stride, loadI64(this.keys, i));
      store<i64>(sizesOut + <usize>r * stride, loadI64(this.sizes, i));
    }
  }

  reserve(capacity: i32): void {
    if (capacity <= this.cap) return;
    let next = this.cap < MIN_CAPACITY ? MIN_CAPACITY : this.cap;
    while (next < capacity) next <<= 1;
    const bytes = <usize>next << I64_SHIFT;
    const keys = heap.alloc(bytes);
    const sizes = heap.alloc(bytes);
    if (this.tailLen > 0) {
      memory.copy(keys, this.keys, <usize>this.tailLen << I64_SHIFT);
      memory.copy(sizes, this.sizes, <usize>this.tailLen << I64_SHIFT);
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
   * Sets the size at `key` (0 deletes; deleting an absent level only counts it). Marks the side
   * dirty when the change may reach the published top-N.
   */
  set(key: i64, size: i64): void {
    if (key >= this.dirtyFloor) this.topDirty = true;
    const tick = this.tick;
    if (tick == 0) {
      this.setUngridded(key, size);
      return;
    }
    const base = this.base;
    if (key >= base) {
      const off = <u64>key - <u64>base;
      let q = off;
      if (tick != 1) {
        q = off / tick;
        if (q * tick != off) {
          this.offGrid(key, size, off);
          return;
        }
      }
      if (q < <u64>WINDOW_SLOTS) {
        this.setSlot(<i32>q, size);
      } else if (size == 0) {
        this.absentDeletes++;
      } else {
        this.moveUp(key, q);
        this.setSlot(<i32>((<u64>key - <u64>this.base) / tick), size);
      }
      return;
    }
    if (tick != 1) {
      const off = <u64>base - <u64>key;
      if (off % tick != 0) {
        this.offGrid(key, size, off);
        return;
      }
    }
    if (this.windowLen == 0) {
      // Empty window ⇒ empty tail: the window moves to the key.
      if (size == 0) {
        this.absentDeletes++;
        return;
      }
      this.base = baseBelow(key, WINDOW_TARGET, tick);
      this.setSlot(<i32>((<u64>key - <u64>this.base) / tick), size);
      return;
    }
    this.tailSet(key, size);
  }

  /** Sets a window slot. */
  @inline private setSlot(q: i32, size: i64): void {
    const bits = this.bits;
    const w = q >> WORD_SHIFT;
    const word = loadWord(bits, w);
    const bit = bitOf(q);
    if (size != 0) {
      storeI64(this.slotSizes, q, size);
      if ((word & bit) == 0) {
        storeWord(bits, w, word | bit);
        this.windowLen++;
        if (q > this.topSlot) this.topSlot = q;
      }
      return;
    }
    if ((word & bit) == 0) {
      this.absentDeletes++;
      return;
    }
    storeWord(bits, w, word & ~bit);
    this.windowLen--;
    if (q == this.topSlot) {
      this.topSlot = this.highestBelow(q);
      if (this.topSlot < WINDOW_LOW && this.tailLen > 0) this.moveDown();
    }
  }

  /** Highest occupied slot below `q`, or -1. */
  private highestBelow(q: i32): i32 {
    const bits = this.bits;
    let w = q >> WORD_SHIFT;
    let word = loadWord(bits, w) & (bitOf(q) - 1);
    while (word == 0) {
      if (--w < 0) return -1;
      word = loadWord(bits, w);
    }
    return (w << WORD_SHIFT) + WORD_BITS - 1 - <i32>clz(word);
  }

  /**
   * Sorted arrays only (a small side): the window opens when the side reaches LADDER_FROM levels,
   * at the gcd of the differences of the keys it holds.
   */
  private setUngridded(key: i64, size: i64): void {
    this.tailSet(key, size);
    const n = this.tailLen;
    if (n < LADDER_FROM) return;
    let tick: u64 = 0;
    // Ascending keys of one sign: each difference is > 0 and exact as u64.
    for (let i = 1; i < n; i++) {
      tick = gcd(tick, <u64>loadI64(this.keys, i) - <u64>loadI64(this.keys, i - 1));
    }
    this.tick = tick;
    this.openWindow();
    this.rebuild();
  }

  /** A key off the grid: a delete of it is absent; a level refines the tick (gcd) and rebuilds. */
  private offGrid(key: i64, size: i64, off: u64): void {
    if (size == 0) {
      this.absentDeletes++;
      return;
    }
    this.flushWindow(0, WINDOW_WORDS);
    this.tick = gcd(this.tick, off);
    if (this.tailLen > 0) this.rebuild();
    this.set(key, size);
  }

  private openWindow(): void {
    if (this.bits != 0) return;
    this.bits = heap.alloc(<usize>WINDOW_WORDS << I64_SHIFT);
    // Sizes are read only where the bitmap has a level: never cleared, so a side's resident
    // memory grows only with the slots it has used.
    this.slotSizes = heap.alloc(<usize>WINDOW_SLOTS << I64_SHIFT);
    memory.fill(this.bits, 0, <usize>WINDOW_WORDS << I64_SHIFT);
  }

  /** Window empty, tail not: puts the window under the tail's best and moves levels into it. */
  private rebuild(): void {
    this.base = baseBelow(loadI64(this.keys, this.tailLen - 1), WINDOW_TARGET, this.tick);
    this.pullTail();
  }

  /** Moves the tail's levels at or above `base` into the window. */
  private pullTail(): void {
    const base = this.base;
    const tick = this.tick;
    const keys = this.keys;
    const sizes = this.sizes;
    const bits = this.bits;
    const n = this.tailLen;
    const first = this.tailLowerBound(base);
    for (let i = first; i < n; i++) {
      const q = <i32>((<u64>loadI64(keys, i) - <u64>base) / tick);
      storeI64(this.slotSizes, q, loadI64(sizes, i));
      const w = q >> WORD_SHIFT;
      storeWord(bits, w, loadWord(bits, w) | bitOf(q));
      if (q > this.topSlot) this.topSlot = q;
    }
    this.windowLen += n - first;
    this.tailLen = first;
  }

  /** Appends the levels of window words [from, to) to the tail (ascending) and empties them. */
  private flushWindow(from: i32, to: i32): void {
    if (this.windowLen == 0) return;
    const bits = this.bits;
    const sizes = this.slotSizes;
    let moved = 0;
    for (let w = from; w < to; w++) {
      let word = loadWord(bits, w);
      if (word == 0) continue;
      const count = <i32>popcnt(word);
      if (this.tailLen + count > this.cap) this.reserve(this.tailLen + count);
      let n = this.tailLen;
      while (word != 0) {
        const slot = (w << WORD_SHIFT) + <i32>ctz(word);
        storeI64(this.keys, n, this.slotKey(slot));
        storeI64(this.sizes, n, loadI64(sizes, slot));
        n++;
        word &= word - 1;
      }
      storeWord(bits, w, 0);
      this.tailLen = n;
      moved += count;
    }
    this.windowLen -= moved;
    if (this.windowLen == 0) this.topSlot = -1;
  }

  /** `key` (above the window) becomes the best: the window moves up so it lands near the target. */
  private moveUp(key: i64, q: u64): void {
    const need = q - <u64>WINDOW_TARGET;
    if (this.windowLen == 0 || need > <u64>(WINDOW_SLOTS - WORD_BITS)) {
      this.flushWindow(0, WINDOW_WORDS);
      this.base = baseBelow(key, WINDOW_TARGET, this.tick);
      return;
    }
    const dw = <i32>((need + <u64>(WORD_BITS - 1)) >> <u64>WORD_SHIFT);
    this.flushWindow(0, dw);
    const d = dw << WORD_SHIFT;
    if (this.windowLen > 0) {
      // Occupied slots [d, top] move to [0, top - d]; the bitmap words above are cleared.
      const keep = this.topSlot + 1 - d;
      const sizes = this.slotSizes;
      memory.copy(sizes, sizes + (<usize>d << I64_SHIFT), <usize>keep << I64_SHIFT);
      const topWord = this.topSlot >> WORD_SHIFT;
      const words = topWord + 1 - dw;
      memory.copy(this.bits, this.bits + (<usize>dw << I64_SHIFT), <usize>words << I64_SHIFT);
      memory.fill(this.bits + (<usize>words << I64_SHIFT), 0, <usize>dw << I64_SHIFT);
      this.topSlot -= d;
    }
    this.base = <i64>(<u64>this.base + <u64>d * this.tick);
  }

  /** The best level fell low in the window and the tail holds levels: the window moves down. */
  private moveDown(): void {
    if (this.windowLen == 0) {
      this.rebuild();
      return;
    }
    const tick = this.tick;
    const room = (<u64>this.base - <u64>I64.MIN_VALUE) / tick;
    let d = <u64>(WINDOW_TARGET - this.topSlot);
    if (room < d) d = room;
    const dw = <i32>(d >> <u64>WORD_SHIFT);
    if (dw == 0) return;
    const shift = dw << WORD_SHIFT;
    // Occupied slots [0, top] move to [shift, top + shift]; bitmap words [0, shift) are cleared.
    const sizes = this.slotSizes;
    memory.copy(sizes + (<usize>shift << I64_SHIFT), sizes, <usize>(this.topSlot + 1) << I64_SHIFT);
    const words = (this.topSlot >> WORD_SHIFT) + 1;
    memory.copy(this.bits + (<usize>dw << I64_SHIFT), this.bits, <usize>words << I64_SHIFT);
    memory.fill(this.bits, 0, <usize>dw << I64_SHIFT);
    this.topSlot += shift;
    this.base = <i64>(<u64>this.base - <u64>shift * tick);
    this.pullTail();
  }

  /**
   * First tail index whose key is >= `key` (tailLen when none). Updates cluster near the top of
   * the tail (its end), so it gallops down from the end (1, 2, 4, … levels) and then bisects only
   * the bracket found: about 2·log2(rank) probes instead of log2(len).
   */
  private tailLowerBound(key: i64): i32 {
    const keys = this.keys;
    let hi = this.tailLen;
    let lo = 0;
    let step = 1;
    while (true) {
      const probe = hi - step;
      if (probe < 0) break;
      if (loadI64(keys, probe) < key) {
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
      const less = loadI64(keys, mid) < key;
      lo = select<i32>(mid + 1, lo, less);
      n = select<i32>(n - half - 1, half, less);
    }
    return lo;
  }

  /** Sets the size at `key` in the tail. */
  private tailSet(key: i64, size: i64): void {
    const len = this.tailLen;
    const i = this.tailLowerBound(key);
    if (i < len && loadI64(this.keys, i) == key) {
      if (size == 0) {
        shiftDown(this.keys, this.sizes, i, len);
        this.tailLen = len - 1;
      } else {
        storeI64(this.sizes, i, size);
      }
      return;
    }
    if (size == 0) {
      this.absentDeletes++;
      return;
    }
    if (len == this.cap) this.reserve(len + 1);
    shiftUp(this.keys, this.sizes, i, len);
    storeI64(this.keys, i, key);
    storeI64(this.sizes, i, size);
    this.tailLen = len + 1;
  }

  /** Keeps only the best `maxLen` levels (drops from the worst end: the tail, then the window). */
  truncate(maxLen: i32): void {
    let drop = this.len - maxLen;
    if (drop <= 0) return;
    this.topDirty = true;
    const fromTail = drop < this.tailLen ? drop : this.tailLen;
    if (fromTail > 0) {
      const keep = <usize>(this.tailLen - fromTail) << I64_SHIFT;
      const from = <usize>fromTail << I64_SHIFT;
      memory.copy(this.keys, this.keys + from, keep);
      memory.copy(this.sizes, this.sizes + from, keep);
      this.tailLen -= fromTail;
      drop -= fromTail;
    }
    const bits = this.bits;
    for (let w = 0; drop > 0; w++) {
      let word = loadWord(bits, w);
      while (word != 0 && drop > 0) {
        word &= word - 1;
        this.windowLen--;
        drop--;
      }
      storeWord(bits, w, word);
    }
    if (this.windowLen == 0) this.topSlot = -1;
  }

  /** Empties the side; the tick is learned again from the next levels. */
  clear(): void {
    if (this.len > 0) this.topDirty = true;
    if (this.windowLen > 0) {
      memory.fill(this.bits, 0, <usize>((this.topSlot >> WORD_SHIFT) + 1) << I64_SHIFT);
    }
    this.windowLen = 0;
    this.topSlot = -1;
    this.tailLen = 0;
    this.tick = 0;
  }
}
