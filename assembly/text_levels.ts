// Frame text in, fixed-point levels staged: the exchange message is written once into the text
// area (UTF-8, by the host's `TextEncoder.encodeInto`) and a level array of it is scanned here,
// byte by byte, straight into the input staging area (staging.ts). The host never builds the
// level strings.
//
// Text area (allocated on first use, grown by doubling; the host writes the frame at its start):
//
//   text_base() ──► ┌──────────────────────────── text_capacity() bytes ─┐
//                   │ {"e":"depthUpdate",…,"b":[["60000.10","0.5"],…],… │
//                   └────────────────────────────────────────────────────┘
//
// After `text_loaded(bytes, plain)`, one call, `stage_text_levels(start, side, first)`,, reads the JSON value at byte `start`
// (whitespace skipped), which must be an array of level arrays `[price, size, …]` whose first two
// elements are JSON strings holding plain decimals (extra elements are skipped as any JSON value),
// and stages its levels at input slots `first`, `first + 1`, … at the scales last given to
// `text_scales`. The rules are exactly the host's (src/core/decimal.ts and
// src/exchanges/string_levels.ts): a decimal is `digits[.digits]`, at most
// MAX_DECIMAL_TEXT bytes, no sign or exponent or escape; a price must be > 0; fraction digits
// beyond the scale must be zeros; the mantissa must fit an i64.
//
// Result: levels staged (>= 0), or
//   ERR_TEXT_INVALID  malformed JSON, wrong shape, not a decimal, price <= 0 (the whole value is
//                     still checked: this wins over the two below, as a parse problem does on the
//                     host, where parsing precedes staging);
//   ERR_SCALE         the first value (in order) with more decimals than the scale; text_needed()
//                     is the decimals it needs, text_field() 0 = price, 1 = size;
//   ERR_TEXT_RANGE    the first value whose mantissa does not fit an i64.
// Formats (layout.ts): TEXT_PAIRS as above, every level on `side`; TEXT_PRICE_QTY (Kraken v2,
// `[{"price": n, "qty": n, …}, …]`, JSON numbers); TEXT_SIDE_UPDATES (Coinbase `l2_data`,
// `[{"side": "bid"|"offer", "price_level": "p", "new_quantity": "s", …}, …]`, strings): each
// update staged on the side it names, `side` ignored, and of the staging errors the first bid's
// wins over any ask's (as on the host, which stages all bids, then all asks). The two object
// formats are only read in a text without any backslash. TEXT_ROWS (Bitfinex v2 P0 book rows):
// one row `[PRICE, COUNT, AMOUNT]` or an array of them, exactly three JSON numbers each, plain
// decimals (no exponent: such a row reads as invalid, and the host takes its string path);
// AMOUNT's sign names the side, size |AMOUNT| or 0 when COUNT is 0, `side` ignored, bids' staging
// errors first as with TEXT_SIDE_UPDATES.
// text_end() is the byte offset after the value (after a successful or ERR_SCALE / ERR_TEXT_RANGE
// call). Nothing here applies anything: the batch is validated and applied by book_ops.ts.
//
// Snapshots: `measure_text_levels(start, format)` reads the same value with the same checks but
// stages nothing and converts nothing; it returns the levels read (or ERR_TEXT_INVALID) and
// leaves the most fraction digits written among the prices and among the sizes it would convert
// (text_price_decimals(), text_size_decimals(); trailing zeros count, as the host's `decimalsOf`
// counts them), from which the host chooses a snapshot's scales exactly as it does from strings.

import {
  ERR_SCALE,
  ERR_TEXT_INVALID,
  ERR_TEXT_RANGE,
  IN_CHANGES,
  IN_PRICE,
  IN_SIDE,
  IN_SIZE,
  INPUT_CHANGE_SIZE,
  MAX_DECIMAL_TEXT,
  TEXT_PAIRS,
  TEXT_PRICE_QTY,
  TEXT_ROWS,
  TEXT_SIDE_UPDATES,
} from "./layout";
import { input_capacity, input_reserve } from "./staging";

@inline const INITIAL_TEXT: i32 = 16384;
@inline const MAX_SKIP_DEPTH: i32 = 256;

@inline const C_TAB: u32 = 9;
@inline const C_LF: u32 = 10;
@inline const C_CR: u32 = 13;
@inline const C_SPACE: u32 = 32;
@inline const C_QUOTE: u32 = 34;
@inline const C_PLUS: u32 = 43;
@inline const C_COMMA: u32 = 44;
@inline const C_MINUS: u32 = 45;
@inline const C_DOT: u32 = 46;
@inline const C_ZERO: u32 = 48;
@inline const C_NINE: u32 = 57;
@inline const C_COLON: u32 = 58;
@inline const C_LBRACKET: u32 = 91;
@inline const C_BACKSLASH: u32 = 92;
@inline const C_RBRACKET: u32 = 93;
@inline const C_LBRACE: u32 = 123;
@inline const C_RBRACE: u32 = 125;

// Largest i64, and the largest value that may still take one more decimal digit.
@inline const I64_MAX: u64 = 0x7fffffffffffffff;
@inline const I64_MAX_DIV10: u64 = I64_MAX / 10;

let textBase: usize = 0;
let textCap: i32 = 0;
// The loaded text: its length, and whether it holds no backslash at all.
let textBytes: i32 = 0;
let plain: bool = true;
// Skipped strings must be valid JSON strings even in a plain text (no raw control characters):
// for TEXT_SIDE_UPDATES and text_value_end, whose host path is `JSON.parse`.
let strict: bool = false;
let priceScale: i32 = 0;
let sizeScale: i32 = 0;

// Scan state of one call.
let pos: usize = 0;
let limit: usize = 0;
let invalid: bool = false;
let firstError: i32 = 0;
let needed: i32 = 0;
let field: i32 = 0;
let endOffset: i32 = 0;
let errorStart: i32 = 0;
let errorEnd: i32 = 0;
// Side of the value being converted, and of the recorded staging error: with TEXT_SIDE_UPDATES a
// bid's error wins over an earlier ask's (the host's string path stages every bid, then every ask).
let convertSide: u32 = 0;
let errorSide: u32 = 0;
// The input area's address during a call (staging more levels may move it).
let inputBase: usize = 0;
// measure_text_levels is running: decimals are counted, nothing is converted or staged.
let measuring: bool = false;
let maxPriceDecimals: i32 = 0;
let maxSizeDecimals: i32 = 0;
// The value parsed by readDecimal: its mantissa at the current scale, or a flag.
let mantissa: i64 = 0;
let nonZero: bool = false;

/** Ensures the text area holds `bytes` bytes; returns its address (may move). */
export function text_reserve(bytes: i32): usize {
  if (bytes > textCap || textBase == 0) {
    let next = textCap < INITIAL_TEXT ? INITIAL_TEXT : textCap;
    while (next < bytes) next <<= 1;
    if (textBase != 0) heap.free(textBase);
    textBase = heap.alloc(<usize>next);
    textCap = next;
  }
  return textBase;
}

/** Capacity of the text area, in bytes. */
export function text_capacity(): i32 {
  return textCap;
}

/** The host wrote `bytes` bytes of text; `isPlain` = 1 when the text holds no backslash. */
export function text_loaded(bytes: i32, isPlain: i32): void {
  textBytes = bytes < 0 ? 0 : (bytes > textCap ? textCap : bytes);
  plain = isPlain != 0;
}

/** Address of the text area (0 before the first `text_reserve`), for other frame readers. */
@inline export function textAddress(): usize {
  return textBase;
}

/** Bytes of the loaded text. */
@inline export function textLength(): i32 {
  return textBytes;
}

/** Sets the price and size scales the next `stage_text_levels` calls convert to. */
export function text_scales(price: i32, size: i32): void {
  priceScale = price;
  sizeScale = size;
}

/** Byte offset after the value the last call read. */
export function text_end(): i32 {
  return endOffset;
}

/** Byte range [text_error_start(), text_error_end()) of the value of the last ERR_SCALE / ERR_TEXT_RANGE. */
export function text_error_start(): i32 {
  return errorStart;
}

/** See text_error_start. */
export function text_error_end(): i32 {
  return errorEnd;
}

/** Decimals needed by the value of the last ERR_SCALE. */
export function text_needed(): i32 {
  return needed;
}

/** Field of the last ERR_SCALE / ERR_TEXT_RANGE: 0 = price, 1 = size. */
export function text_field(): i32 {
  return field;
}

@inline function byteAt(p: usize): u32 {
  return p < limit ? <u32>load<u8>(p) : 0xffffffff;
}

@inline function skipSpace(): u32 {
  let c = byteAt(pos);
  while (c == C_SPACE || c == C_LF || c == C_CR || c == C_TAB) c = byteAt(++pos);
  return c;
}

/** Records a staging error (scale or range) if it is the first. */
@inline function stagingError(code: i32, which: i32, need: i32, from: usize, to: usize): void {
  if (firstError == 0 || errorSide > convertSide) {
    firstError = code;
    errorSide = convertSide;
    field = which;
    needed = need;
    errorStart = <i32>(from - textBase);
    errorEnd = <i32>(to - textBase);
  }
}

// The plain decimal scanned last by scanDecimal: its bytes [decStart, decEnd) and whether any
// digit is non-zero.
let decStart: usize = 0;
let decEnd: usize = 0;

/**
 * Scans `digits[.digits]` at `pos` (pos ends at the first other byte). Returns whether it is a
 * plain decimal; `intDigits` tells the caller about leading zeros.
 */
function scanDecimal(): bool {
  decStart = pos;
  let nz = false;
  let c = byteAt(pos);
  while (c >= C_ZERO && c <= C_NINE) {
    if (c != C_ZERO) nz = true;
    c = byteAt(++pos);
  }
  intDigits = <i32>(pos - decStart);
  let ok = intDigits > 0;
  if (c == C_DOT) {
    const f = ++pos;
    c = byteAt(pos);
    while (c >= C_ZERO && c <= C_NINE) {
      if (c != C_ZERO) nz = true;
      c = byteAt(++pos);
    }
    if (pos == f) ok = false;
  }
  decEnd = pos;
  nonZero = nz;
  return ok && <i32>(decEnd - decStart) <= MAX_DECIMAL_TEXT;
}

let intDigits: i32 = 0;

/**
 * Converts the plain decimal at bytes [from, to) at `scale` into `mantissa`; a scale or range
 * problem is recorded (the first one wins) and the value reads as 0.
 */
function convertDecimal(from: usize, to: usize, scale: i32, which: i32): void {
  if (measuring) {
    countDecimals(from, to, which);
    return;
  }
  let m: u64 = 0;
  let overflow = false;
  let p = from;
  let c: u32 = 0;
  while (p < to && (c = <u32>load<u8>(p)) != C_DOT) {
    if (m > I64_MAX_DIV10) overflow = true;
    m = m * 10 + (c - C_ZERO);
    p++;
  }
  let frac = 0;
  let lastNonZeroFrac = 0;
  if (p < to) {
    for (p++; p < to; p++) {
      c = <u32>load<u8>(p);
      frac++;
      if (c != C_ZERO) lastNonZeroFrac = frac;
      if (frac <= scale) {
        if (m > I64_MAX_DIV10) overflow = true;
        m = m * 10 + (c - C_ZERO);
      }
    }
  }
  mantissa = 0;
  if (lastNonZeroFrac > scale) {
    stagingError(ERR_SCALE, which, lastNonZeroFrac, from, to);
    return;
  }
  for (let i = frac; i < scale; i++) {
    if (m > I64_MAX_DIV10) overflow = true;
    m *= 10;
  }
  if (overflow || m > I64_MAX) {
    stagingError(ERR_TEXT_RANGE, which, 0, from, to);
    return;
  }
  mantissa = <i64>m;
}

/** Notes the fraction digits written in the plain decimal [from, to) (measure_text_levels). */
function countDecimals(from: usize, to: usize, which: i32): void {
  let p = from;
  while (p < to && load<u8>(p) != <u8>C_DOT) p++;
  const decimals = p < to ? <i32>(to - p) - 1 : 0;
  if (which == 0) {
    if (decimals > maxPriceDecimals) maxPriceDecimals = decimals;
  } else if (decimals > maxSizeDecimals) maxSizeDecimals = decimals;
  mantissa = 0;
}

/**
 * Reads a JSON string at `pos` that must hold a plain decimal; converts it at `scale` into
 * `mantissa`. Returns false when the string is not a plain decimal (marks the call invalid).
 */
function readDecimal(scale: i32, which: i32): bool {
  // pos is at the opening quote.
  pos++;
  if (!scanDecimal() || byteAt(pos) != C_QUOTE) {
    invalid = true;
    return false;
  }
  pos++;
  convertDecimal(decStart, decEnd, scale, which);
  return true;
}

@inline function isHex(c: u32): bool {
  return (c >= C_ZERO && c <= C_NINE) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * Skips to after the closing quote of a string whose opening quote is already consumed. As the
 * host's scanner does: in a text without any backslash (`plain`) a skipped string simply ends at
 * the next quote; otherwise it must be a valid JSON string (no raw control characters, valid
 * escapes).
 */
function skipStringBody(): void {
  if (plain) {
    // No backslash anywhere: the string ends at the next quote.
    let p = pos;
    const end = limit;
    if (strict) {
      while (p < end) {
        const c = <u32>load<u8>(p);
        if (c == C_QUOTE) break;
        if (c < C_SPACE) {
          invalid = true;
          pos = end;
          return;
        }
        p++;
      }
    } else {
      while (p < end && load<u8>(p) != <u8>C_QUOTE) p++;
    }
    if (p >= end) invalid = true;
    pos = p + 1;
    return;
  }
  let c = byteAt(pos);
  while (c != C_QUOTE) {
    if (c == 0xffffffff || c < C_SPACE) {
      invalid = true;
      pos = limit;
      return;
    }
    if (c == C_BACKSLASH) {
      const e = byteAt(++pos);
      if (e == 117) {
        if (!isHex(byteAt(pos + 1)) || !isHex(byteAt(pos + 2)) || !isHex(byteAt(pos + 3)) || !isHex(byteAt(pos + 4))) {
          invalid = true;
          return;
        }
        pos += 4;
      } else if (
        e != C_QUOTE && e != C_BACKSLASH && e != 47 && e != 98 && e != 102 && e != 110 &&
        e != 114 && e != 116
      ) {
        invalid = true;
        return;
      }
    }
    c = byteAt(++pos);
  }
  pos++;
}

/** Skips one JSON number at `pos`, checking its grammar. */
function skipNumber(): void {
  let c = byteAt(pos);
  if (c == C_MINUS) c = byteAt(++pos);
  if (c == C_ZERO) c = byteAt(++pos);
  else if (c >= C_ZERO + 1 && c <= C_NINE) {
    while (c >= C_ZERO && c <= C_NINE) c = byteAt(++pos);
  } else {
    invalid = true;
    return;
  }
  if (c == C_DOT) {
    c = byteAt(++pos);
    if (!(c >= C_ZERO && c <= C_NINE)) {
      invalid = true;
      return;
    }
    while (c >= C_ZERO && c <= C_NINE) c = byteAt(++pos);
  }
  if (c == 101 || c == 69) {
    c = byteAt(++pos);
    if (c == C_PLUS || c == C_MINUS) c = byteAt(++pos);
    if (!(c >= C_ZERO && c <= C_NINE)) {
      invalid = true;
      return;
    }
    while (c >= C_ZERO && c <= C_NINE) c = byteAt(++pos);
  }
}

/** Matches the literal `word` (ASCII, given as its bytes) at `pos`. */
function skipWord(a: u32, b: u32, c: u32, d: u32, e: u32, len: i32): void {
  const p = pos;
  if (
    byteAt(p) != a || byteAt(p + 1) != b || byteAt(p + 2) != c || byteAt(p + 3) != d ||
    (len == 5 && byteAt(p + 4) != e)
  ) {
    invalid = true;
    return;
  }
  pos += <usize>len;
}

/** Skips any JSON value at `pos` (whitespace before it skipped), checking its grammar. */
function skipValue(depth: i32): void {
  if (depth > MAX_SKIP_DEPTH) {
    invalid = true;
    return;
  }
  const c = skipSpace();
  if (c == C_QUOTE) {
    pos++;
    skipStringBody();
  } else if (c == C_LBRACKET) {
    pos++;
    if (skipSpace() == C_RBRACKET) {
      pos++;
      return;
    }
    while (!invalid) {
      skipValue(depth + 1);
      const d = skipSpace();
      pos++;
      if (d == C_RBRACKET) return;
      if (d != C_COMMA) invalid = true;
    }
  } else if (c == C_LBRACE) {
    pos++;
    if (skipSpace() == C_RBRACE) {
      pos++;
      return;
    }
    while (!invalid) {
      if (skipSpace() != C_QUOTE) {
        invalid = true;
        return;
      }
      pos++;
      skipStringBody();
      if (skipSpace() != C_COLON) {
        invalid = true;
        return;
      }
      pos++;
      skipValue(depth + 1);
      const d = skipSpace();
      pos++;
      if (d == C_RBRACE) return;
      if (d != C_COMMA) invalid = true;
    }
  } else if (c == C_MINUS || (c >= C_ZERO && c <= C_NINE)) {
    skipNumber();
  } else if (c == 116) {
    skipWord(116, 114, 117, 101, 0, 4); // true
  } else if (c == 102) {
    skipWord(102, 97, 108, 115, 101, 5); // false
  } else if (c == 110) {
    skipWord(110, 117, 108, 108, 0, 4); // null
  } else {
    invalid = true;
  }
}

@inline function keyIs(from: usize, len: i32, a: u32, b: u32, c: u32, d: u32, e: u32): bool {
  // Compares a key's bytes with a 3- or 5-letter name.
  if (len == 3) {
    return <u32>load<u8>(from) == a && <u32>load<u8>(from + 1) == b &&
      <u32>load<u8>(from + 2) == c;
  }
  return len == 5 && <u32>load<u8>(from) == a && <u32>load<u8>(from + 1) == b &&
    <u32>load<u8>(from + 2) == c && <u32>load<u8>(from + 3) == d && <u32>load<u8>(from + 4) == e;
}

/**
 * Reads a JSON number value that must be a plain decimal as the host's `readDecimalNumber` takes
 * it (no sign, exponent or leading zero); returns 1 when it is (its bytes in decStart..decEnd),
 * 0 when it is another valid JSON number (not acceptable), and marks the call invalid when it is
 * not a number at all.
 */
function readNumberValue(): i32 {
  const c = byteAt(pos);
  if (c != C_MINUS && !(c >= C_ZERO && c <= C_NINE)) {
    invalid = true;
    return 0;
  }
  const from = pos;
  if (
    scanDecimal() && (intDigits == 1 || load<u8>(decStart) != <u8>C_ZERO) &&
    byteAt(pos) != 101 && byteAt(pos) != 69
  ) {
    return 1;
  }
  pos = from;
  skipNumber();
  return 0;
}

/**
 * Reads one `{"price": n, "qty": n, …}` level (Kraken v2) into input slot `slot`: other keys are
 * skipped, a repeated key's last value counts, both keys are required, values are JSON numbers.
 * Only for texts without a backslash (`plain`): the host decodes escaped keys itself.
 */
function readPriceQty(slot: i32, side: u32): bool {
  // pos is at '{'.
  pos++;
  let priceFrom: usize = 0;
  let priceTo: usize = 0;
  let qtyFrom: usize = 0;
  let qtyTo: usize = 0;
  let havePrice = false;
  let haveQty = false;
  let priceOk = false;
  let qtyOk = false;
  let priceNonZero = false;
  let c = skipSpace();
  if (c == C_RBRACE) {
    pos++;
    invalid = true;
    return false;
  }
  while (true) {
    const keyLen = memberKey(c);
    if (keyLen < 0) return false;
    const keyFrom = keyStart;
    if (keyIs(keyFrom, keyLen, 112, 114, 105, 99, 101)) { // price
      priceOk = readNumberValue() == 1;
      priceFrom = decStart;
      priceTo = decEnd;
      priceNonZero = nonZero;
      havePrice = true;
    } else if (keyIs(keyFrom, keyLen, 113, 116, 121, 0, 0)) { // qty
      qtyOk = readNumberValue() == 1;
      qtyFrom = decStart;
      qtyTo = decEnd;
      haveQty = true;
    } else {
      skipValue(1);
    }
    if (invalid) return false;
    const more = memberNext();
    if (more < 0) return false;
    if (more == 0) break;
    c = skipSpace();
  }
  if (!havePrice || !haveQty || !priceOk || !priceNonZero || !qtyOk) {
    invalid = true;
    return false;
  }
  if (firstError != 0) return false;
  convertDecimal(priceFrom, priceTo, priceScale, 0);
  const price = mantissa;
  convertDecimal(qtyFrom, qtyTo, sizeScale, 1);
  const size = mantissa;
  if (firstError != 0) return false;
  stage(slot, side, price, size);
  return true;
}

// Start of the key memberKey last read.
let keyStart: usize = 0;

/**
 * Reads an object member's key and its ':' (`c` is the byte at pos, which must open the key);
 * returns the key's length, its first byte at `keyStart`, pos at the value; or -1 (invalid).
 */
function memberKey(c: u32): i32 {
  if (c != C_QUOTE) {
    invalid = true;
    return -1;
  }
  keyStart = ++pos;
  skipStringBody();
  if (invalid) return -1;
  const len = <i32>(pos - 1 - keyStart);
  if (skipSpace() != C_COLON) {
    invalid = true;
    return -1;
  }
  pos++;
  skipSpace();
  return len;
}

/** After a member's value: 1 when another member follows, 0 after the closing '}', -1 (invalid). */
function memberNext(): i32 {
  const c = skipSpace();
  pos++;
  if (c == C_RBRACE) return 0;
  if (c != C_COMMA) {
    invalid = true;
    return -1;
  }
  return 1;
}

/** Whether the key at [from, from + len) is `name` (ASCII). */
function keyEquals(from: usize, len: i32, name: string): bool {
  if (len != name.length) return false;
  for (let i = 0; i < len; i++) {
    if (<i32>load<u8>(from + <usize>i) != name.charCodeAt(i)) return false;
  }
  return true;
}

// One string value read by readStringValue: whether it was a string, and (when it was) whether
// it holds a plain decimal (bytes decStart..decEnd, nonZero) and its bytes [strFrom, strTo).
let wasString: bool = false;
let strFrom: usize = 0;
let strTo: usize = 0;

/** Reads any JSON value at `pos`; when it is a string, notes whether it is a plain decimal. */
function readStringValue(): bool {
  wasString = false;
  if (byteAt(pos) != C_QUOTE) {
    skipValue(1);
    return false;
  }
  wasString = true;
  strFrom = ++pos;
  let ok = scanDecimal() && byteAt(pos) == C_QUOTE;
  // Plain text only: the string ends at the next quote (no raw control character before it).
  let p = pos;
  const end = limit;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == C_QUOTE) break;
    if (c < C_SPACE) {
      invalid = true;
      pos = end;
      return false;
    }
    p++;
  }
  if (p >= end) {
    invalid = true;
    pos = end;
    return false;
  }
  strTo = p;
  pos = p + 1;
  return ok;
}

/**
 * Reads one `{"side": "bid"|"offer", "price_level": "p", "new_quantity": "s", …}` update
 * (Coinbase `l2_data`) into input slot `slot`, on the side it names (`bid` 0, `offer` 1): other
 * keys are skipped, a repeated key's last value counts (as `JSON.parse` does), all three keys are
 * required and must be strings. Only for texts without a backslash (`plain`).
 */
function readSideUpdate(slot: i32): bool {
  // pos is at '{'.
  pos++;
  let priceFrom: usize = 0;
  let priceTo: usize = 0;
  let qtyFrom: usize = 0;
  let qtyTo: usize = 0;
  let priceState = 0; // 0 absent, 1 not a string, 2 a string but not a positive decimal, 3 ok
  let qtyState = 0; // 0 absent, 1 not a string, 2 a string but not a decimal, 3 ok
  let side: i32 = -1; // -1 absent or not "bid" / "offer"
  let c = skipSpace();
  if (c == C_RBRACE) {
    pos++;
    invalid = true;
    return false;
  }
  while (true) {
    const keyLen = memberKey(c);
    if (keyLen < 0) return false;
    const keyFrom = keyStart;
    if (keyLen == 11 && keyEquals(keyFrom, keyLen, "price_level")) {
      const ok = readStringValue();
      priceState = !wasString ? 1 : (ok && nonZero ? 3 : 2);
      priceFrom = decStart;
      priceTo = decEnd;
    } else if (keyLen == 12 && keyEquals(keyFrom, keyLen, "new_quantity")) {
      const ok = readStringValue();
      qtyState = !wasString ? 1 : (ok ? 3 : 2);
      qtyFrom = decStart;
      qtyTo = decEnd;
    } else if (keyLen == 4 && keyEquals(keyFrom, keyLen, "side")) {
      readStringValue();
      side = -1;
      if (wasString) {
        const n = <i32>(strTo - strFrom);
        if (n == 3 && keyEquals(strFrom, n, "bid")) side = 0;
        else if (n == 5 && keyEquals(strFrom, n, "offer")) side = 1;
      }
    } else {
      skipValue(1);
    }
    if (invalid) return false;
    const more = memberNext();
    if (more < 0) return false;
    if (more == 0) break;
    c = skipSpace();
  }
  if (priceState != 3 || qtyState != 3 || side < 0) {
    invalid = true;
    return false;
  }
  const s = <u32>side;
  // A bid's staging error has priority, so an ask is converted only while there is none.
  if (firstError != 0 && (errorSide == 0 || s == 1)) return false;
  convertSide = s;
  convertDecimal(priceFrom, priceTo, priceScale, 0);
  const price = mantissa;
  convertDecimal(qtyFrom, qtyTo, sizeScale, 1);
  const size = mantissa;
  if (firstError != 0) return false;
  stage(slot, s, price, size);
  return true;
}

/** Writes one change into input slot `slot` (growing the input area when needed). */
function stage(slot: i32, side: u32, price: i64, size: i64): void {
  if (measuring) return;
  if (slot >= input_capacity()) {
    input_reserve(slot + 1);
    inputBase = input_reserve(0);
  }
  const p = inputBase + IN_CHANGES + <usize>slot * INPUT_CHANGE_SIZE;
  store<i64>(p + IN_PRICE, price);
  store<i64>(p + IN_SIZE, size);
  store<u32>(p + IN_SIDE, side);
}

/** Reads one `[price, size, …]` level into input slot `slot`; returns whether it staged one. */
function readLevel(slot: i32, side: u32): bool {
  // pos is at '['.
  pos++;
  if (skipSpace() != C_QUOTE || !readDecimal(priceScale, 0)) {
    invalid = true;
    return false;
  }
  const price = mantissa;
  if (!nonZero) invalid = true;
  if (skipSpace() != C_COMMA) {
    invalid = true;
    return false;
  }
  pos++;
  if (skipSpace() != C_QUOTE || !readDecimal(sizeScale, 1)) {
    invalid = true;
    return false;
  }
  const size = mantissa;
  // Extra elements, any JSON values.
  let d = skipSpace();
  while (d == C_COMMA && !invalid) {
    pos++;
    skipValue(1);
    d = skipSpace();
  }
  if (d != C_RBRACKET) invalid = true;
  pos++;
  if (invalid || firstError != 0) return false;
  stage(slot, side, price, size);
  return true;
}

/**
 * Reads one JSON number at `pos` that must be a plain decimal (`-?digits[.digits]`, JSON's
 * leading-zero rule, no exponent: the byte after it is checked by the caller) for a Bitfinex row;
 * `sign` says whether a minus is allowed. Its unsigned bytes are decStart..decEnd, `nonZero` set,
 * `negative` whether it had a minus. Returns false (and marks the call invalid) otherwise.
 */
function readRowNumber(sign: bool): bool {
  negative = byteAt(pos) == C_MINUS;
  if (negative) {
    if (!sign) {
      invalid = true;
      return false;
    }
    pos++;
  }
  if (!scanDecimal() || (intDigits > 1 && load<u8>(decStart) == <u8>C_ZERO)) {
    invalid = true;
    return false;
  }
  return true;
}

let negative: bool = false;

// Bitfinex row layout, `[PRICE, COUNT, AMOUNT]`: the most digits a COUNT may have (the host's
// `/^\d{1,12}$/`).
@inline const MAX_COUNT_DIGITS: i32 = 12;

/** Skips whitespace and expects `c` there (consumed); marks the call invalid otherwise. */
@inline function expect(c: u32): bool {
  if (skipSpace() != c) {
    invalid = true;
    return false;
  }
  pos++;
  return true;
}

/**
 * Reads one Bitfinex P0 book row `[PRICE, COUNT, AMOUNT]` (exactly three JSON numbers, plain
 * decimals, no exponent) into input slot `slot`, as the host's `bookChanges` reads it: PRICE > 0;
 * COUNT an integer of 1 to 12 digits; AMOUNT non-zero, its sign the side (negative: ask); size
 * |AMOUNT|, or 0 (delete) when COUNT is 0, in which case AMOUNT is not converted. Anything else
 * marks the call invalid (the host then reads the frame as strings, which names the problem).
 */
function readRow(slot: i32): bool {
  // pos is at '['.
  pos++;
  skipSpace();
  if (!readRowNumber(false) || !nonZero) {
    invalid = true;
    return false;
  }
  const priceFrom = decStart;
  const priceTo = decEnd;
  if (!expect(C_COMMA)) return false;
  skipSpace();
  const countFrom = pos;
  let c = byteAt(pos);
  while (c >= C_ZERO && c <= C_NINE) c = byteAt(++pos);
  const countDigits = <i32>(pos - countFrom);
  if (
    countDigits == 0 || countDigits > MAX_COUNT_DIGITS ||
    (countDigits > 1 && load<u8>(countFrom) == <u8>C_ZERO)
  ) {
    invalid = true;
    return false;
  }
  const deletes = countDigits == 1 && load<u8>(countFrom) == <u8>C_ZERO;
  if (!expect(C_COMMA)) return false;
  skipSpace();
  if (!readRowNumber(true) || !nonZero) {
    invalid = true;
    return false;
  }
  const s: u32 = negative ? 1 : 0;
  if (!expect(C_RBRACKET)) return false;
  // A bid's staging error has priority, so an ask is converted only while there is none.
  if (firstError != 0 && (errorSide == 0 || s == 1)) return false;
  convertSide = s;
  const amountFrom = decStart;
  const amountTo = decEnd;
  convertDecimal(priceFrom, priceTo, priceScale, 0);
  const price = mantissa;
  let size: i64 = 0;
  if (!deletes) {
    convertDecimal(amountFrom, amountTo, sizeScale, 1);
    size = mantissa;
  }
  if (firstError != 0) return false;
  stage(slot, s, price, size);
  return true;
}

/**
 * Stages Bitfinex rows (TEXT_ROWS) at byte `start`: one row `[P, C, A]` or an array of rows
 * `[[P, C, A], …]` (`[]`: none). Returns the levels staged or an error, as stage_text_levels.
 */
/** Stages one Bitfinex row `[P,C,A]` given by itself (not inside an array of rows). */
function stageOneRow(first: i32): i32 {
  const staged = readRow(first) ? 1 : 0;
  if (invalid) return finish(ERR_TEXT_INVALID);
  if (firstError != 0) return finish(firstError);
  return finish(staged);
}

/** Whether the value at `pos` is one row rather than an array of rows (`pos` is kept). */
function isOneRow(): bool {
  if (skipSpace() != C_LBRACKET) return false;
  const open = pos;
  pos++;
  const one = skipSpace() != C_LBRACKET;
  pos = open;
  return one;
}

/** Ends a call: remembers where the scan stopped (for an error: where the problem was). */
function finish(result: i32): i32 {
  endOffset = <i32>((pos < limit ? pos : limit) - textBase);
  return result;
}

/**
 * Stages the level array at byte `start` of the loaded text at input slots from `first`; see
 * the module comment for the result.
 */
export function stage_text_levels(start: i32, side: u32, first: i32, format: i32): i32 {
  if (start < 0 || start > textBytes || first < 0) return ERR_TEXT_INVALID;
  if (
    format != TEXT_PAIRS && format != TEXT_ROWS &&
    ((format != TEXT_PRICE_QTY && format != TEXT_SIDE_UPDATES) || !plain)
  ) {
    return ERR_TEXT_INVALID;
  }
  const open = format == TEXT_PAIRS || format == TEXT_ROWS ? C_LBRACKET : C_LBRACE;
  pos = textBase + <usize>start;
  limit = textBase + <usize>textBytes;
  invalid = false;
  firstError = 0;
  needed = 0;
  field = 0;
  convertSide = side;
  errorSide = side;
  strict = format == TEXT_SIDE_UPDATES;
  if (!measuring) inputBase = input_reserve(first);
  if (format == TEXT_ROWS && isOneRow()) return stageOneRow(first);
  let count = 0;
  if (skipSpace() != C_LBRACKET) return finish(ERR_TEXT_INVALID);
  pos++;
  let c = skipSpace();
  if (c == C_RBRACKET) {
    pos++;
  } else {
    while (true) {
      if (c != open) return finish(ERR_TEXT_INVALID);
      if (
        format == TEXT_PAIRS
          ? readLevel(first + count, side)
          : format == TEXT_PRICE_QTY
          ? readPriceQty(first + count, side)
          : format == TEXT_ROWS
          ? readRow(first + count)
          : readSideUpdate(first + count)
      ) {
        count++;
      }
      if (invalid) return finish(ERR_TEXT_INVALID);
      c = skipSpace();
      if (c == C_RBRACKET) {
        pos++;
        break;
      }
      if (c != C_COMMA) return finish(ERR_TEXT_INVALID);
      pos++;
      c = skipSpace();
    }
  }
  if (firstError != 0) return finish(firstError);
  return finish(count);
}

/**
 * Reads the level array at byte `start` of the loaded text as stage_text_levels would, with its
 * checks, but stages and converts nothing: returns the levels read or ERR_TEXT_INVALID, and
 * leaves the most fraction digits among prices and among sizes (text_price_decimals,
 * text_size_decimals) and the end offset (text_end). No ERR_SCALE / ERR_TEXT_RANGE: those depend
 * on the scales the host then chooses.
 */
export function measure_text_levels(start: i32, format: i32): i32 {
  measuring = true;
  maxPriceDecimals = 0;
  maxSizeDecimals = 0;
  const r = stage_text_levels(start, 0, 0, format);
  measuring = false;
  return r;
}

/** Most fraction digits among the prices of the last measure_text_levels. */
export function text_price_decimals(): i32 {
  return maxPriceDecimals;
}

/** Most fraction digits among the sizes of the last measure_text_levels. */
export function text_size_decimals(): i32 {
  return maxSizeDecimals;
}

/**
 * Byte offset just after the JSON value at byte `start` of the loaded text (whitespace before
 * it skipped), checking its whole grammar with every string a valid JSON string; -1 when it is
 * not a well-formed value. The host asks it before staging a Coinbase frame's updates, to know
 * the frame is exactly what its prefix promised.
 */
export function text_value_end(start: i32): i32 {
  if (start < 0 || start > textBytes) return -1;
  pos = textBase + <usize>start;
  limit = textBase + <usize>textBytes;
  invalid = false;
  strict = true;
  skipValue(0);
  strict = false;
  if (invalid || pos > limit) return -1;
  return <i32>(pos - textBase);
}
