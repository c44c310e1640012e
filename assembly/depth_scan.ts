// A Binance `depthUpdate` frame in Binance's own compact serialization, read in one pass over the
// loaded text (text_levels.ts), then applied in one more call: the host's hot path for the busiest
// message (src/exchanges/binance/collector.ts). The host does only the sequence decision between
// the two calls. Anything but exactly this form returns 0 from the scan — other keys or key order,
// whitespace, escapes, a level that is not two plain decimal strings — and the host takes its
// general path (which also gives the precise refusal):
//
//   [{"stream":"<name>","data":]{"e":"depthUpdate","E":<int>,"s":"<symbol>","U":<int>,"u":<int>,
//     "b":[["<price>","<size>"],…],"a":[["<price>","<size>"],…]}[}]
//
// <int>: 1 to MAX_ID_DIGITS digits (exact as f64). <name>, <symbol>: ASCII ≥ 0x20 other than `"`
// and `\`, the symbol non-empty. U ≤ u. A decimal: digits[.digits], at most MAX_DECIMAL_TEXT
// bytes, at most MAX_DIGITS digits before its trailing fraction zeros; a price not zero. These
// are the host's rules for the same frame (the compact reader in src/exchanges/binance/parse.ts
// finds the same fields at the same offsets).
//
// depth_scan_binance() writes the result (layout.ts, DS_*) at depth_scan_address() and keeps each
// level's values scale-free in the scan area (SCAN_LEVEL_SIZE bytes per level, bids then asks):
//
//   0               8               16          20          24
//   ├───────────────┼───────────────┼───────────┼───────────┤
//   │ price digits  │ size digits   │ price     │ size      │
//   │ u64           │ u64           │ decimals  │ decimals  │
//   │               │               │ u32       │ u32       │
//
// "digits" is the decimal's value without its trailing fraction zeros, as an integer, and
// "decimals" how many fraction digits remain: "60000.10" is (600001, 1), "0.50000000" (5, 1).
//
// depth_apply(book) converts them at the book's scales into the input area (staging.ts) and then
// applies, diffs and publishes exactly like `apply`. A value with more decimals than the book's
// scale (ERR_SCALE) or beyond i64 at that scale (ERR_TEXT_RANGE) stages and applies nothing: the
// host then stages the arrays from the text (stage_text_levels), which reports the precise error.

import { apply } from "./book_ops";
import { bookAt } from "./books";
import {
  DS_ASK_COUNT,
  DS_ASKS_AT,
  DS_BID_COUNT,
  DS_BIDS_AT,
  DS_FIRST,
  DS_LAST,
  DS_SIZE,
  DS_SYMBOL_AT,
  DS_SYMBOL_END,
  DS_TIME,
  ERR_BAD_BOOK,
  ERR_SCALE,
  ERR_TEXT_INVALID,
  ERR_TEXT_RANGE,
  IN_CHANGES,
  IN_PRICE,
  IN_SIDE,
  IN_SIZE,
  INPUT_CHANGE_SIZE,
  MAX_DECIMAL_TEXT,
  SIDE_ASK,
  SIDE_BID,
} from "./layout";
import { input_reserve } from "./staging";
import { text_capacity, textAddress, textLength } from "./text_levels";

// Scan area: one level's scale-free values.
@inline const SL_PRICE: u32 = 0;
@inline const SL_SIZE: u32 = SL_PRICE + 8;
@inline const SL_PRICE_DECIMALS: u32 = SL_SIZE + 8;
@inline const SL_SIZE_DECIMALS: u32 = SL_PRICE_DECIMALS + 4;
@inline const SCAN_LEVEL_SIZE: u32 = SL_SIZE_DECIMALS + 4;
@inline const INITIAL_LEVELS: i32 = 256;

/**
 * Bytes the text area must hold past the text: the end marker (a 0 byte, which no rule accepts,
 * so no loop needs a bounds check) and the widest literal comparison reading past it.
 */
@inline const TEXT_PAD: i32 = 32;
@inline const MAX_ID_DIGITS: i32 = 15;
/** Most digits of a decimal before its trailing fraction zeros: as an integer below 10^19 < 2^64. */
@inline const MAX_DIGITS: i32 = 19;
@inline const MAX_SCALE: u32 = 18;

@inline const C_SPACE: u32 = 32;
@inline const C_QUOTE: u32 = 34;
@inline const C_COMMA: u32 = 44;
@inline const C_DOT: u32 = 46;
@inline const C_ZERO: u32 = 48;
@inline const C_LBRACKET: u32 = 91;
@inline const C_BACKSLASH: u32 = 92;
@inline const C_NON_ASCII: u32 = 0x80;
@inline const C_RBRACKET: u32 = 93;
@inline const C_RBRACE: u32 = 125;
/** `["` and `,"` read as one little-endian u16. */
@inline const LEVEL_OPEN: u16 = <u16>(C_LBRACKET | (C_QUOTE << 8));
@inline const VALUE_NEXT: u16 = <u16>(C_COMMA | (C_QUOTE << 8));

@inline const I64_MAX: u64 = 0x7fffffffffffffff;

const RESULT: usize = memory.data(DS_SIZE, 8);

// 10^k and i64's largest value divided by 10^k, k in [0, MAX_SCALE]: u64 each.
const POW10: usize = memory.data((MAX_SCALE + 1) * 8, 8);
const LIMITS: usize = memory.data((MAX_SCALE + 1) * 8, 8);

function buildPowers(): void {
  let p: u64 = 1;
  for (let k: u32 = 0; k <= MAX_SCALE; k++) {
    store<u64>(POW10 + (<usize>k << 3), p);
    store<u64>(LIMITS + (<usize>k << 3), I64_MAX / p);
    p *= 10;
  }
}
buildPowers();

// The fixed parts of the form, as bytes (each followed by 8 zero bytes for the word compares).
function literal(s: string): usize {
  const n = s.length;
  const at = heap.alloc(<usize>n + 8);
  for (let i = 0; i < n; i++) store<u8>(at + <usize>i, <u8>s.charCodeAt(i));
  for (let i = n; i < n + 8; i++) store<u8>(at + <usize>i, 0);
  return at;
}

const LIT_STREAM = literal('{"stream":"');
const LIT_DATA = literal('","data":');
const LIT_EVENT = literal('{"e":"depthUpdate","E":');
const LIT_SYMBOL = literal(',"s":"');
const LIT_FIRST = literal('","U":');
const LIT_LAST = literal(',"u":');
const LIT_BIDS = literal(',"b":');
const LIT_ASKS = literal(',"a":');

let levels: usize = 0;
let levelsCap: i32 = 0;
/** Levels of the last successful scan (bids, asks); depth_apply uses them once. */
let bidCount: i32 = 0;
let askCount: i32 = 0;
let scanned: bool = false;

// Outputs of the readers below (one value at a time).
let intValue: u64 = 0;
let decDigits: u64 = 0;
let decDecimals: u32 = 0;
let levelCount: i32 = 0;

/** Address of scan level `i`. */
@inline function levelAt(i: i32): usize {
  return levels + <usize>i * SCAN_LEVEL_SIZE;
}

@inline function byte(p: usize): u32 {
  return <u32>load<u8>(p);
}

@inline function isDigit(c: u32): bool {
  return c - C_ZERO <= 9;
}

/** Whether the `n` bytes at `p` are the literal at `lit` (word compares; may read past the text). */
@inline function matches(p: usize, lit: usize, n: i32): bool {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    if (load<u64>(p + <usize>i) != load<u64>(lit + <usize>i)) return false;
  }
  if (i < n) {
    const mask: u64 = (<u64>1 << (<u64>(n - i) << 3)) - 1;
    if (((load<u64>(p + <usize>i) ^ load<u64>(lit + <usize>i)) & mask) != 0) return false;
  }
  return true;
}

/**
 * Skips a string body (ASCII ≥ 0x20 but `\`: a frame given as bytes is then the same frame its
 * text would be) to its closing quote; returns that position or 0.
 */
function plainStringEnd(p: usize): usize {
  let c = byte(p);
  while (c != C_QUOTE) {
    if (c < C_SPACE || c == C_BACKSLASH || c >= C_NON_ASCII) return 0;
    c = byte(++p);
  }
  return p;
}

/** 1 to MAX_ID_DIGITS digits at `p` into `intValue`; returns the position after them, or 0. */
function intAt(p: usize): usize {
  const start = p;
  let v: u64 = 0;
  let c = byte(p);
  while (isDigit(c)) {
    v = v * 10 + <u64>(c - C_ZERO);
    c = byte(++p);
  }
  const n = <i32>(p - start);
  if (n == 0 || n > MAX_ID_DIGITS) return 0;
  intValue = v;
  return p;
}

// ── Eight digits at a time (SWAR): a u64 holds 8 text bytes, the first in its lowest byte ──

@inline const ASCII_ZEROS: u64 = 0x3030303030303030;
@inline const HIGH_BITS: u64 = 0x8080808080808080;
@inline const ABOVE_NINE: u64 = 0x7676767676767676;
@inline const NON_ZERO: u64 = 0x7f7f7f7f7f7f7f7f;

/**
 * The high bit of each byte of `x` (= 8 text bytes − '0' each) that is not a digit; every byte
 * before the first non-digit is exact (a borrow only reaches later bytes).
 */
@inline function nonDigits(x: u64): u64 {
  return (x | (x + ABOVE_NINE)) & HIGH_BITS;
}

/** The value of 8 digit values (`x`, first digit in the lowest byte). */
@inline function eightDigits(x: u64): u64 {
  x = x * 10 + (x >> 8);
  return (((x & 0x000000ff000000ff) * 0x000f424000000064) +
    (((x >> 16) & 0x000000ff000000ff) * 0x0000271000000001)) >> 32;
}

/** The value of the first `n` (1…8) digit values of `x`. */
@inline function firstDigits(x: u64, n: u32): u64 {
  // Shifted up, the digits are the last `n` of eight and the bytes below them read as zeros.
  return eightDigits(x << (<u64>(8 - n) << 3));
}

/**
 * A plain decimal at `p` (just after its opening quote) into `decDigits` / `decDecimals`;
 * returns the position after its closing quote, or 0 when it is not one. An integer part of up
 * to 7 digits and a fraction of up to 8 (Binance's own: "61737.63000000") are read 8 bytes at a
 * time; anything longer by the byte loop of `decimalBytes`.
 */
function decimalAt(p: usize): usize {
  const whole = load<u64>(p) - ASCII_ZEROS;
  const wholeEnd = nonDigits(whole);
  if (wholeEnd == 0) return decimalBytes(p);
  const intDigits = <u32>ctz(wholeEnd) >> 3;
  if (intDigits == 0) return 0;
  const intValue = firstDigits(whole, intDigits);
  p += intDigits;
  const c = byte(p);
  if (c == C_QUOTE) {
    decDigits = intValue;
    decDecimals = 0;
    return p + 1;
  }
  if (c != C_DOT) return 0;
  const frac = load<u64>(p + 1) - ASCII_ZEROS;
  const fracEnd = nonDigits(frac);
  const fracDigits: u32 = fracEnd == 0 ? 8 : <u32>ctz(fracEnd) >> 3;
  const end = p + 1 + fracDigits;
  if (fracDigits == 0) return 0;
  if (byte(end) != C_QUOTE) return fracEnd == 0 && isDigit(byte(end)) ? decimalBytes(p - intDigits) : 0;
  // The fraction's digits, then its non-zero ones: the last of them ends the significant digits.
  const digits = fracDigits == 8 ? frac : frac & ((<u64>1 << (<u64>fracDigits << 3)) - 1);
  const nonZero = (digits + NON_ZERO) & HIGH_BITS;
  if (nonZero == 0) {
    decDigits = intValue;
    decDecimals = 0;
  } else {
    const decimals = (<u32>(63 - clz(nonZero)) >> 3) + 1;
    decDigits = intValue * load<u64>(POW10 + (<usize>decimals << 3)) + firstDigits(digits, decimals);
    decDecimals = decimals;
  }
  return end + 1;
}

/** decimalAt for any length, byte by byte (only the significant digits are multiplied in). */
function decimalBytes(p: usize): usize {
  const start = p;
  while (isDigit(byte(p))) p++;
  const intEnd = p;
  if (intEnd == start) return 0;
  let fracEnd = p;
  let significantEnd = p;
  if (byte(p) == C_DOT) {
    p++;
    const frac = p;
    while (isDigit(byte(p))) p++;
    if (p == frac) return 0;
    fracEnd = p;
    significantEnd = p;
    while (significantEnd > frac && byte(significantEnd - 1) == C_ZERO) significantEnd--;
    if (significantEnd == frac) significantEnd = intEnd;
  }
  if (byte(fracEnd) != C_QUOTE || <i32>(fracEnd - start) > MAX_DECIMAL_TEXT) return 0;
  const intDigits = <i32>(intEnd - start);
  const decimals = significantEnd > intEnd ? <i32>(significantEnd - intEnd - 1) : 0;
  if (intDigits + decimals > MAX_DIGITS) return 0;
  let whole: u64 = 0;
  for (let q = start; q < intEnd; q++) whole = whole * 10 + <u64>(byte(q) - C_ZERO);
  let part: u64 = 0;
  for (let q = intEnd + 1; q < significantEnd; q++) part = part * 10 + <u64>(byte(q) - C_ZERO);
  decDigits = decimals == 0 ? whole : whole * load<u64>(POW10 + (<usize>decimals << 3)) + part;
  decDecimals = <u32>decimals;
  return fracEnd + 1;
}

/** Makes room for `n` levels in the scan area (keeps what it holds). */
function reserveLevels(n: i32): void {
  if (n <= levelsCap) return;
  let next = levelsCap < INITIAL_LEVELS ? INITIAL_LEVELS : levelsCap;
  while (next < n) next <<= 1;
  const grown = heap.alloc(<usize>next * SCAN_LEVEL_SIZE);
  if (levels != 0) {
    memory.copy(grown, levels, <usize>levelsCap * SCAN_LEVEL_SIZE);
    heap.free(levels);
  }
  levels = grown;
  levelsCap = next;
}

/**
 * `[["price","size"],…]` at `p` into scan levels `first`, `first + 1`, …; the count into
 * `levelCount`. Returns the position after the closing `]`, or 0.
 */
function levelsAt(p: usize, first: i32): usize {
  if (byte(p) != C_LBRACKET) return 0;
  p++;
  let n = 0;
  if (byte(p) == C_RBRACKET) {
    levelCount = 0;
    return p + 1;
  }
  while (true) {
    if (load<u16>(p) != LEVEL_OPEN) return 0;
    p = decimalAt(p + 2);
    if (p == 0 || decDigits == 0) return 0;
    const price = decDigits;
    const priceDecimals = decDecimals;
    if (load<u16>(p) != VALUE_NEXT) return 0;
    p = decimalAt(p + 2);
    if (p == 0 || byte(p) != C_RBRACKET) return 0;
    reserveLevels(first + n + 1);
    const at = levelAt(first + n);
    store<u64>(at + SL_PRICE, price);
    store<u64>(at + SL_SIZE, decDigits);
    store<u32>(at + SL_PRICE_DECIMALS, priceDecimals);
    store<u32>(at + SL_SIZE_DECIMALS, decDecimals);
    n++;
    const c = byte(++p);
    if (c == C_RBRACKET) break;
    if (c != C_COMMA) return 0;
    p++;
  }
  levelCount = n;
  return p + 1;
}

/** Address of the scan result (DS_* offsets). */
export function depth_scan_address(): usize {
  return RESULT;
}

/**
 * Reads the loaded text as a compact Binance `depthUpdate` (see above). Returns 1 and writes the
 * result when it is one, else 0 (the host's general path then reads it).
 */
export function depth_scan_binance(): i32 {
  scanned = false;
  const base = textAddress();
  const len = textLength();
  if (base == 0 || len + TEXT_PAD > text_capacity()) return 0;
  const end = base + <usize>len;
  store<u8>(end, 0);
  let p = base;
  let wrapped = false;
  if (matches(p, LIT_STREAM, 11)) {
    p = plainStringEnd(p + 11);
    if (p == 0 || !matches(p, LIT_DATA, 9)) return 0;
    p += 9;
    wrapped = true;
  }
  if (!matches(p, LIT_EVENT, 23)) return 0;
  p = intAt(p + 23);
  if (p == 0) return 0;
  const time = intValue;
  if (!matches(p, LIT_SYMBOL, 6)) return 0;
  const symbolAt = p + 6;
  p = plainStringEnd(symbolAt);
  if (p <= symbolAt || !matches(p, LIT_FIRST, 6)) return 0;
  const symbolEnd = p;
  p = intAt(p + 6);
  if (p == 0 || !matches(p, LIT_LAST, 5)) return 0;
  const first = intValue;
  p = intAt(p + 5);
  if (p == 0 || intValue < first || !matches(p, LIT_BIDS, 5)) return 0;
  const last = intValue;
  const bidsAt = p + 5;
  p = levelsAt(bidsAt, 0);
  if (p == 0 || !matches(p, LIT_ASKS, 5)) return 0;
  const nb = levelCount;
  const asksAt = p + 5;
  p = levelsAt(asksAt, nb);
  if (p == 0 || byte(p) != C_RBRACE) return 0;
  const na = levelCount;
  p++;
  if (wrapped) {
    if (byte(p) != C_RBRACE) return 0;
    p++;
  }
  if (p != end) return 0;
  store<f64>(RESULT + DS_FIRST, <f64>first);
  store<f64>(RESULT + DS_LAST, <f64>last);
  store<f64>(RESULT + DS_TIME, <f64>time);
  store<u32>(RESULT + DS_SYMBOL_AT, <u32>(symbolAt - base));
  store<u32>(RESULT + DS_SYMBOL_END, <u32>(symbolEnd - base));
  store<u32>(RESULT + DS_BIDS_AT, <u32>(bidsAt - base));
  store<u32>(RESULT + DS_ASKS_AT, <u32>(asksAt - base));
  store<u32>(RESULT + DS_BID_COUNT, <u32>nb);
  store<u32>(RESULT + DS_ASK_COUNT, <u32>na);
  bidCount = nb;
  askCount = na;
  scanned = true;
  return 1;
}

/** `digits` with `decimals` fraction digits at `scale`; -1 for ERR_SCALE, -2 for ERR_TEXT_RANGE. */
@inline function atScale(digits: u64, decimals: u32, scale: u32): i64 {
  if (decimals > scale) return -1;
  const k = <usize>(scale - decimals) << 3;
  if (digits > load<u64>(LIMITS + k)) return -2;
  return <i64>(digits * load<u64>(POW10 + k));
}

/**
 * Stages the last scan's levels at book `id`'s scales (bids at input slots 0…, asks after them)
 * and applies them like `apply(id, count)` (timestamps as the host wrote them). Returns records
 * written, apply's error codes, ERR_SCALE / ERR_TEXT_RANGE when a value does not fit the scales
 * (nothing staged counts, nothing applied), ERR_TEXT_INVALID when there is no scan to apply. A
 * scan is applied at most once.
 */
export function depth_apply(id: i32): i32 {
  if (!scanned) return ERR_TEXT_INVALID;
  const book = bookAt(id);
  if (book == null) return ERR_BAD_BOOK;
  scanned = false;
  const n = bidCount + askCount;
  const input = input_reserve(n) + IN_CHANGES;
  const ps = book.priceScale;
  const ss = book.sizeScale;
  for (let i = 0; i < n; i++) {
    const at = levelAt(i);
    const price = atScale(load<u64>(at + SL_PRICE), load<u32>(at + SL_PRICE_DECIMALS), ps);
    const size = atScale(load<u64>(at + SL_SIZE), load<u32>(at + SL_SIZE_DECIMALS), ss);
    if (price < 0 || size < 0) return price == -1 || size == -1 ? ERR_SCALE : ERR_TEXT_RANGE;
    const slot = input + <usize>i * INPUT_CHANGE_SIZE;
    store<i64>(slot + IN_PRICE, price);
    store<i64>(slot + IN_SIZE, size);
    store<u32>(slot + IN_SIDE, i < bidCount ? SIDE_BID : SIDE_ASK);
  }
  return apply(id, n);
}
