// Memory layout of everything the host reads or writes: the delta record, the ring and the input
// staging area. Every offset is defined here once, derived from the one before it, and exported so
// the host reads it from the module instead of repeating magic numbers.
//
// All multi-byte fields are little-endian (WebAssembly's byte order).
//
// ── Delta record (one ring slot; RECORD_SIZE bytes, of which the first record_bytes() are used) ──
//
//   0        4     5      6          8          12      13      14      15      16
//   ├────────┼─────┼──────┼──────────┼──────────┼───────┼───────┼───────┼───────┤
//   │ringSeq │ ver │flags │ exchange │  symbol  │ nBids │ nAsks │ pScale│ sScale│
//   │  u32   │ u8  │ u8   │   u16    │   u32    │  u8   │  u8   │  u8   │  u8   │
//   16                  24                  32                  40                  48
//   ├───────────────────┼───────────────────┼───────────────────┼───────────────────┤
//   │     seq  u64      │   prevSeq  u64    │  exchangeTs i64   │  receiveTs i64    │
//   48        52     54     56        60       64
//   ├─────────┼──────┼──────┼─────────┼────────┤
//   │checksum │ part │depth │ total   │reserved│   total = changes in the whole delta
//   │  u32    │ u16  │ u16  │  u32    │  u32   │   (all parts), checksum = CRC32 of top-N
//   64                                                 after applying
//   ├──────────────── changes: (nBids + nAsks) × CHANGE_SIZE ───────────────────────┤
//   │ price i64 (mantissa) │ size i64 (mantissa) │ ...bids first (best first), then asks
//
// ringSeq doubles as the slot's seqlock stamp: the writer stores ringSeq + 1 (never congruent to
// the slot index, so never mistaken for a complete record) before writing and ringSeq after.
//
// ── Ring (one writer, many readers; lives in shared memory) ──
//
//   0       4         8          12         16         20           24      64
//   ├───────┼─────────┼──────────┼──────────┼──────────┼────────────┼───────┤
//   │ magic │ version │ writeSeq │ capacity │ slotSize │ slotsOffset│  pad  │ slots[capacity]…
//   │  u32  │  u32    │   u32    │   u32    │   u32    │    u32     │       │
//
// writeSeq is the sequence number the next record will get; readers wait on it with
// Atomics.waitAsync. Sequence numbers are u32 and wrap; capacity is a power of two, so
// seq & (capacity - 1) is the slot and stays right across the wrap.
//
// ── Input staging area (host writes a batch here, then calls apply / reset) ──
//
//   0                 8                 16
//   ├─────────────────┼─────────────────┼─── changes: count × INPUT_CHANGE_SIZE ───┤
//   │ exchangeTs i64  │ receiveTs i64   │ price i64 │ size i64 │ side u32 │ pad u32 │ …

// Record header fields.
@inline export const REC_RING_SEQ: u32 = 0;
@inline export const REC_VERSION: u32 = REC_RING_SEQ + 4;
@inline export const REC_FLAGS: u32 = REC_VERSION + 1;
@inline export const REC_EXCHANGE: u32 = REC_FLAGS + 1;
@inline export const REC_SYMBOL: u32 = REC_EXCHANGE + 2;
@inline export const REC_BID_COUNT: u32 = REC_SYMBOL + 4;
@inline export const REC_ASK_COUNT: u32 = REC_BID_COUNT + 1;
@inline export const REC_PRICE_SCALE: u32 = REC_ASK_COUNT + 1;
@inline export const REC_SIZE_SCALE: u32 = REC_PRICE_SCALE + 1;
@inline export const REC_SEQ: u32 = REC_SIZE_SCALE + 1;
@inline export const REC_PREV_SEQ: u32 = REC_SEQ + 8;
@inline export const REC_EXCHANGE_TS: u32 = REC_PREV_SEQ + 8;
@inline export const REC_RECEIVE_TS: u32 = REC_EXCHANGE_TS + 8;
@inline export const REC_CHECKSUM: u32 = REC_RECEIVE_TS + 8;
@inline export const REC_PART: u32 = REC_CHECKSUM + 4;
@inline export const REC_DEPTH: u32 = REC_PART + 2;
@inline export const REC_TOTAL: u32 = REC_DEPTH + 2;
@inline export const REC_RESERVED: u32 = REC_TOTAL + 4;
@inline export const REC_HEADER_SIZE: u32 = REC_RESERVED + 4;

// One change inside a record.
@inline export const CHANGE_PRICE: u32 = 0;
@inline export const CHANGE_SIZE_FIELD: u32 = CHANGE_PRICE + 8;
@inline export const CHANGE_SIZE: u32 = CHANGE_SIZE_FIELD + 8;

// Slot size and how many changes one record carries.
@inline export const RECORD_SIZE: u32 = 256;
@inline export const CHANGES_PER_RECORD: u32 = (RECORD_SIZE - REC_HEADER_SIZE) / CHANGE_SIZE;

@inline export const RECORD_VERSION: u8 = 1;

// Record flags.
@inline export const FLAG_SNAPSHOT: u8 = 1;
@inline export const FLAG_LAST: u8 = 2;
@inline export const FLAG_STALE: u8 = 4;

// Ring header fields.
@inline export const RING_MAGIC: u32 = 0;
@inline export const RING_VERSION: u32 = RING_MAGIC + 4;
@inline export const RING_WRITE_SEQ: u32 = RING_VERSION + 4;
@inline export const RING_CAPACITY: u32 = RING_WRITE_SEQ + 4;
@inline export const RING_SLOT_SIZE: u32 = RING_CAPACITY + 4;
@inline export const RING_SLOTS_OFFSET: u32 = RING_SLOT_SIZE + 4;
@inline export const RING_HEADER_SIZE: u32 = 64;
@inline export const RING_MAGIC_VALUE: u32 = 0x31525041; // "APR1"

// Input staging area.
@inline export const IN_EXCHANGE_TS: u32 = 0;
@inline export const IN_RECEIVE_TS: u32 = IN_EXCHANGE_TS + 8;
@inline export const IN_CHANGES: u32 = IN_RECEIVE_TS + 8;
@inline export const IN_PRICE: u32 = 0;
@inline export const IN_SIZE: u32 = IN_PRICE + 8;
@inline export const IN_SIDE: u32 = IN_SIZE + 8;
@inline export const INPUT_CHANGE_SIZE: u32 = IN_SIDE + 8;

// Sides.
@inline export const SIDE_BID: u32 = 0;
@inline export const SIDE_ASK: u32 = 1;

// Result codes (negative = error; nothing was applied).
@inline export const ERR_BAD_BOOK: i32 = -1;
@inline export const ERR_BAD_SIDE: i32 = -2;
@inline export const ERR_BAD_PRICE: i32 = -3;
@inline export const ERR_BAD_SIZE: i32 = -4;
@inline export const ERR_TOO_MANY: i32 = -5;
@inline export const ERR_CROSSED: i32 = -6;
@inline export const ERR_SCALE: i32 = -7;
@inline export const ERR_DEPTH: i32 = -8;
@inline export const ERR_NO_RING: i32 = -9;
@inline export const ERR_CHECKSUM: i32 = -10;
@inline export const ERR_TOO_MANY_BOOKS: i32 = -11;
// Frame-text staging (text_levels.ts): malformed or unacceptable level text; a mantissa beyond i64.
@inline export const ERR_TEXT_INVALID: i32 = -12;
@inline export const ERR_TEXT_RANGE: i32 = -13;

// Level formats of frame-text staging (text_levels.ts): `[["price", "size", …], …]` (Binance,
// Bybit, OKX), `[{"price": n, "qty": n, …}, …]` (Kraken v2) and
// `[{"side": "bid"|"offer", "price_level": "p", "new_quantity": "s", …}, …]` (Coinbase
// `l2_data` updates: the side is read from each element).
@inline export const TEXT_PAIRS: i32 = 0;
@inline export const TEXT_PRICE_QTY: i32 = 1;
@inline export const TEXT_SIDE_UPDATES: i32 = 2;
// Bitfinex v2 P0 book rows, `[PRICE, COUNT, AMOUNT]` or `[[PRICE, COUNT, AMOUNT], …]` (JSON
// numbers): the side is AMOUNT's sign, COUNT 0 deletes.
@inline export const TEXT_ROWS: i32 = 3;

// Longest decimal text accepted (bytes): a price or size longer than this is not a decimal.
@inline export const MAX_DECIMAL_TEXT: i32 = 40;

// ── Depth scan result (depth_scan.ts): what one pass over a Binance `depthUpdate` frame found ──
//
//   0            8            16           24        28        32        36        40        44        48
//   ├────────────┼────────────┼────────────┼─────────┼─────────┼─────────┼─────────┼─────────┼─────────┤
//   │ first f64  │ last f64   │ time f64   │ symbol  │ symbol  │ bids at │ asks at │ nBids   │ nAsks   │
//   │ (U)        │ (u)        │ (E, ms)    │ at u32  │ end u32 │  u32    │  u32    │  u32    │  u32    │
//
// Offsets are byte offsets into the loaded text (the frame is ASCII, so they are also the string's
// char offsets): the symbol is bytes [at, end), "bids at" / "asks at" are the `[` of each level
// array. U, u and E are integers of at most 15 digits, exact as f64.
@inline export const DS_FIRST: u32 = 0;
@inline export const DS_LAST: u32 = DS_FIRST + 8;
@inline export const DS_TIME: u32 = DS_LAST + 8;
@inline export const DS_SYMBOL_AT: u32 = DS_TIME + 8;
@inline export const DS_SYMBOL_END: u32 = DS_SYMBOL_AT + 4;
@inline export const DS_BIDS_AT: u32 = DS_SYMBOL_END + 4;
@inline export const DS_ASKS_AT: u32 = DS_BIDS_AT + 4;
@inline export const DS_BID_COUNT: u32 = DS_ASKS_AT + 4;
@inline export const DS_ASK_COUNT: u32 = DS_BID_COUNT + 4;
@inline export const DS_SIZE: u32 = DS_ASK_COUNT + 4;
