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
// text_end() is the byte offset after the value (after a successful or ERR_SCALE / ERR_TEXT_RANGE
// call). Nothing here applies anything: the batch is validated and applied by book_ops.ts.

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
// The input area's address during a call (staging more levels may move it).
let inputBase: usize = 0;
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
  if (firstError == 0) {
    firstError = code;
    field = which;
    needed = need;
    errorStart = <i32>(from - textBase);
    errorEnd = <i32>(to - textBase);
  }
}

/**
 * Reads a JSON string at `pos` that must hold a plain decimal; converts it at `scale` into
 * `mantissa`. Returns false when the string is not a plain decimal (marks the call invalid and
 * skips the string); a scale or range problem is recorded and the value reads as 0.
 */
function readDecimal(scale: i32, which: i32): bool {
  // pos is at the opening quote.
  const start = ++pos;
  let m: u64 = 0;
  let overflow = false;
  let nz = false;
  let c = byteAt(pos);
  while (c >= C_ZERO && c <= C_NINE) {
    if (c != C_ZERO) nz = true;
    if (m > I64_MAX_DIV10) overflow = true;
    m = m * 10 + (c - C_ZERO);
    c = byteAt(++pos);
  }
  let ok = pos > start;
  let frac = 0;
  let lastNonZeroFrac = 0;
  if (c == C_DOT) {
    const f = ++pos;
    c = byteAt(pos);
    while (c >= C_ZERO && c <= C_NINE) {
      frac++;
      if (c != C_ZERO) {
        nz = true;
        lastNonZeroFrac = frac;
      }
      if (frac <= scale) {
        if (m > I64_MAX_DIV10) overflow = true;
        m = m * 10 + (c - C_ZERO);
      }
      c = byteAt(++pos);
    }
    if (pos == f) ok = false;
  }
  if (c != C_QUOTE || !ok || <i32>(pos - start) > MAX_DECIMAL_TEXT) {
    // Not a plain decimal: skip the rest of the string.
    skipStringBody();
    invalid = true;
    return false;
  }
  pos++;
  nonZero = nz;
  if (lastNonZeroFrac > scale) {
    stagingError(ERR_SCALE, which, lastNonZeroFrac, start, pos - 1);
    mantissa = 0;
    return true;
  }
  for (let i = frac; i < scale; i++) {
    if (m > I64_MAX_DIV10) overflow = true;
    m *= 10;
  }
  if (overflow || m > I64_MAX) {
    stagingError(ERR_TEXT_RANGE, which, 0, start, pos - 1);
    mantissa = 0;
    return true;
  }
  mantissa = <i64>m;
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
    while (pos < limit && load<u8>(pos) != <u8>C_QUOTE) pos++;
    if (pos >= limit) invalid = true;
    pos++;
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
  if (slot >= input_capacity()) {
    input_reserve(slot + 1);
    inputBase = input_reserve(0);
  }
  const p = inputBase + IN_CHANGES + <usize>slot * INPUT_CHANGE_SIZE;
  store<i64>(p + IN_PRICE, price);
  store<i64>(p + IN_SIZE, size);
  store<u32>(p + IN_SIDE, side);
  return true;
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
export function stage_text_levels(start: i32, side: u32, first: i32): i32 {
  if (start < 0 || start > textBytes || first < 0) return ERR_TEXT_INVALID;
  pos = textBase + <usize>start;
  limit = textBase + <usize>textBytes;
  invalid = false;
  firstError = 0;
  needed = 0;
  field = 0;
  inputBase = input_reserve(first);
  let count = 0;
  if (skipSpace() != C_LBRACKET) return finish(ERR_TEXT_INVALID);
  pos++;
  let c = skipSpace();
  if (c == C_RBRACKET) {
    pos++;
  } else {
    while (true) {
      if (c != C_LBRACKET) return finish(ERR_TEXT_INVALID);
      if (readLevel(first + count, side)) count++;
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
