// CRC-32 (ISO 3309 / zlib; reflected polynomial 0xEDB88320), slicing-by-8.
//
//   CRC_TABLES: 8 tables × 256 entries × u32 = 8 KiB of static memory
//   ├── table 0 ──┼── table 1 ──┼── … ──┼── table 7 ──┤
//
// Table 0 is the classic byte-at-a-time table; table k advances a byte k more positions, so eight
// bytes (one i64) are folded with eight independent look-ups.

@inline const TABLE_ENTRIES: u32 = 256;
@inline const TABLE_BYTES: u32 = TABLE_ENTRIES * 4;
@inline const TABLE_COUNT: u32 = 8;

const CRC_TABLES: usize = memory.data(TABLE_BYTES * TABLE_COUNT, 16);

@inline function entry(table: u32, index: u32): u32 {
  return load<u32>(CRC_TABLES + ((table * TABLE_ENTRIES + index) << 2));
}

function buildTables(): void {
  for (let n: u32 = 0; n < TABLE_ENTRIES; n++) {
    let c: u32 = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(CRC_TABLES + (n << 2), c);
  }
  for (let t: u32 = 1; t < TABLE_COUNT; t++) {
    for (let n: u32 = 0; n < TABLE_ENTRIES; n++) {
      const prev = entry(t - 1, n);
      store<u32>(CRC_TABLES + ((t * TABLE_ENTRIES + n) << 2), (prev >>> 8) ^ entry(0, prev & 0xff));
    }
  }
}
buildTables();

/** Folds one byte into a running (pre-inverted) CRC state. */
@inline export function crcByte(state: u32, byte: u32): u32 {
  return entry(0, (state ^ byte) & 0xff) ^ (state >>> 8);
}

/** Folds the 8 little-endian bytes of `value` into a running (pre-inverted) CRC state. */
@inline export function crcI64(state: u32, value: i64): u32 {
  const lo = state ^ <u32>value;
  const hi = <u32>(value >>> 32);
  return entry(7, lo & 0xff) ^ entry(6, (lo >>> 8) & 0xff) ^ entry(5, (lo >>> 16) & 0xff) ^
    entry(4, lo >>> 24) ^ entry(3, hi & 0xff) ^ entry(2, (hi >>> 8) & 0xff) ^
    entry(1, (hi >>> 16) & 0xff) ^ entry(0, hi >>> 24);
}

/**
 * Folds the 8 little-endian bytes of `value` into a running CRC state when its upper 4 bytes are
 * zero (every table's entry 0 is 0, so their four look-ups drop out): as `crcI64`, half the work.
 */
@inline export function crcLow32(state: u32, value: u32): u32 {
  const lo = state ^ value;
  return entry(7, lo & 0xff) ^ entry(6, (lo >>> 8) & 0xff) ^ entry(5, (lo >>> 16) & 0xff) ^
    entry(4, lo >>> 24);
}

/** Start value of a running CRC state. */
@inline export const CRC_INIT: u32 = 0xffffffff;

/** Final CRC value of a running state. */
@inline export function crcFinish(state: u32): u32 {
  return ~state;
}

/** CRC-32 of `length` bytes at `ptr`. */
export function crc32(ptr: usize, length: u32): u32 {
  let state = CRC_INIT;
  let i: u32 = 0;
  for (; i + 8 <= length; i += 8) state = crcI64(state, load<i64>(ptr + i));
  for (; i < length; i++) state = crcByte(state, load<u8>(ptr + i));
  return crcFinish(state);
}

// ── Combining: CRC-32(A ‖ B) from CRC-32(A), CRC-32(B) and B's length (zlib's crc32_combine) ──
//
// CRC-32 is linear over GF(2): appending B to A multiplies A's CRC by x^(8·|B|) modulo the
// polynomial, then adds B's. So independent chains over consecutive parts of one message can run
// side by side (the table look-ups of one chain overlap those of the others) and be joined.
//
//   X2N:          x^(2^n) mod P for n in [0, X2N_COUNT), u32 each (128 bytes)
//   BLOCK_SHIFTS: x^(8·BLOCK_BYTES·k) mod P for k in [0, SHIFT_BLOCKS), u32 each (4 KiB)

@inline const POLY: u32 = 0xedb88320;
/** Bytes per block of a combined length: one level (price i64, size i64). */
@inline export const BLOCK_BYTES: u32 = 16;
@inline const SHIFT_BLOCKS: u32 = 1024;
@inline const X2N_COUNT: u32 = 32;
/** x^0 in the reflected representation. */
@inline const X0: u32 = 0x80000000;

const X2N: usize = memory.data(X2N_COUNT * 4, 16);
const BLOCK_SHIFTS: usize = memory.data(SHIFT_BLOCKS * 4, 16);

@inline function x2nAt(n: u32): u32 {
  return load<u32>(X2N + ((n & (X2N_COUNT - 1)) << 2));
}

@inline function blockShiftAt(k: u32): u32 {
  return load<u32>(BLOCK_SHIFTS + (k << 2));
}

/** a·b modulo P (reflected polynomials; `a` non-zero). */
function multModP(a: u32, b: u32): u32 {
  let m: u32 = X0;
  let p: u32 = 0;
  while (m != 0) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p;
}

/** x^(n·2^k) modulo P. */
function x2nModP(n: u32, k: u32): u32 {
  let p: u32 = X0;
  while (n != 0) {
    if (n & 1) p = multModP(x2nAt(k), p);
    n >>>= 1;
    k++;
  }
  return p;
}

function buildShifts(): void {
  let p: u32 = X0 >>> 1; // x^1
  store<u32>(X2N, p);
  for (let n: u32 = 1; n < X2N_COUNT; n++) {
    p = multModP(p, p);
    store<u32>(X2N + (n << 2), p);
  }
  // x2nModP(bytes, 3) = x^(8·bytes).
  for (let k: u32 = 0; k < SHIFT_BLOCKS; k++) {
    store<u32>(BLOCK_SHIFTS + (k << 2), x2nModP(k * BLOCK_BYTES, 3));
  }
}
buildShifts();

/**
 * CRC-32 of A ‖ B from `crcA` = CRC-32(A), `crcB` = CRC-32(B) (both finished) and B's length in
 * BLOCK_BYTES blocks.
 */
export function crcCombineBlocks(crcA: u32, crcB: u32, blocksB: u32): u32 {
  const shift = blocksB < SHIFT_BLOCKS ? blockShiftAt(blocksB) : x2nModP(blocksB * BLOCK_BYTES, 3);
  return multModP(shift, crcA) ^ crcB;
}
