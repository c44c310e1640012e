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
