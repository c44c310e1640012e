/**
 * A small pull scanner over JSON text that hands out **number tokens as their exact text**.
 *
 * `JSON.parse` turns `0.10000000` into the float `0.1`, which loses the trailing zeros a Kraken
 * checksum needs (and any digits beyond double precision). The scanner walks the text with
 * `charCodeAt`, validates it against the JSON grammar as it goes, and returns strings, numbers (as
 * text), booleans and structure, never building an object tree. Parsers drive it key by key, so
 * they decide which values to keep and skip the rest cheaply.
 *
 * Every method throws a `SyntaxError` naming the offset on malformed input; parsers catch it and
 * return an `invalid` message.
 *
 * @example
 * ```ts
 * import { JsonScanner } from "./json_scanner.ts";
 * const s = new JsonScanner('{"price": 45281.0, "qty": 0.10000000, "x": [1, {"y": null}]}');
 * const out: Record<string, string> = {};
 * s.beginObject();
 * for (let key = s.nextKey(); key !== undefined; key = s.nextKey()) {
 *   if (key === "x") s.skipValue();
 *   else out[key] = s.readNumberText();
 * }
 * s.end();
 * if (out.price !== "45281.0" || out.qty !== "0.10000000") throw new Error();
 * ```
 *
 * @module
 */

import {
  classifyDecimal,
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
  DECIMAL_ZERO,
  type DecimalClass,
  MAX_DECIMAL_TEXT_LENGTH,
} from "./decimal_text.ts";

/** What the next value is, from its first character. */
export type JsonValueKind = "object" | "array" | "string" | "number" | "true" | "false" | "null";

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** {@linkcode JsonScanner.nextKeyIn}: a key not in the list. */
export const KEY_OTHER = -1;
/** {@linkcode JsonScanner.nextKeyIn}: the end of the object was reached. */
export const KEY_END = -2;

const NO_KEYS: readonly string[] = [];

/** Maximum nesting accepted by {@linkcode JsonScanner.skipValue} (guards against deep garbage). */
export const MAX_SKIP_DEPTH = 256;

/**
 * Cursor over one JSON text. Container iteration keeps a small "first element" stack so
 * `nextKey`/`nextItem` handle commas for the caller.
 *
 * @example
 * ```ts
 * import { JsonScanner, KEY_END } from "./json_scanner.ts";
 * const s = new JsonScanner('{"qty":0.50,"side":"bid"}');
 * const keys = ["qty", "side"];
 * let qty = "";
 * s.beginObject();
 * for (let k = s.nextKeyIn(keys); k !== KEY_END; k = s.nextKeyIn(keys)) {
 *   if (k === 0) qty = s.readDecimalNumber();
 *   else s.skipValue();
 * }
 * if (qty !== "0.50") throw new Error(qty);
 * ```
 */
export class JsonScanner {
  /** The text being scanned. */
  readonly text: string;
  /** Current offset into {@linkcode JsonScanner.text}. */
  pos = 0;
  /** Class of the last value read by `readDecimalString` / `readDecimalNumber`. */
  decimalClass: DecimalClass = DECIMAL_INVALID;
  #first: boolean[] = [];
  /**
   * `true` when the text holds no backslash (the usual case for exchange JSON): a string then
   * simply ends at the next `"`, found with the native `indexOf`. On this path raw control
   * characters inside strings are diagnosed only in strings that are read (see
   * {@linkcode JsonScanner.readString}), not in skipped ones, whose content cannot reach a result.
   */
  readonly #plain: boolean;

  /**
   * Start scanning `text` at offset `start`.
   *
   * @example
   * ```ts
   * import { JsonScanner } from "./json_scanner.ts";
   * if (new JsonScanner("  true").readBoolean() !== true) throw new Error();
   * ```
   */
  constructor(text: string, start = 0) {
    this.text = text;
    this.pos = start;
    this.#plain = text.indexOf("\\") < 0;
  }

  /** Throw a `SyntaxError` describing the problem at the current offset. */
  fail(what: string): never {
    throw new SyntaxError(`Malformed JSON at offset ${this.pos}: ${what}`);
  }

  /** Skip whitespace and return the next character code (`-1` at the end). */
  peek(): number {
    const t = this.text;
    let p = this.pos;
    let c = p < t.length ? t.charCodeAt(p) : -1;
    while (c === 32 || c === 10 || c === 13 || c === 9) {
      p++;
      c = p < t.length ? t.charCodeAt(p) : -1;
    }
    this.pos = p;
    return c;
  }

  /** The kind of the next value, judged from its first character. */
  kind(): JsonValueKind {
    const c = this.peek();
    if (c === QUOTE) return "string";
    if (c === LBRACE) return "object";
    if (c === LBRACKET) return "array";
    if (c === MINUS || (c >= ZERO && c <= NINE)) return "number";
    if (c === 116) return "true";
    if (c === 102) return "false";
    if (c === 110) return "null";
    return this.fail(c < 0 ? "unexpected end of input" : `unexpected character ${this.#char()}`);
  }

  /** Require the end of input (only whitespace left). */
  end(): void {
    if (this.peek() !== -1) this.fail(`trailing characters ${this.#char()}`);
  }

  /** Enter an object: consumes `{`. Iterate with {@linkcode JsonScanner.nextKey}. */
  beginObject(): void {
    if (this.peek() !== LBRACE) this.fail(`expected an object, found ${this.#char()}`);
    this.pos++;
    this.#first.push(true);
  }

  /**
   * The next key of the current object (value not yet read), or `undefined` after consuming the
   * closing `}`. The caller must read or skip the value before asking again.
   */
  nextKey(): string | undefined {
    let c = this.peek();
    const first = this.#first[this.#first.length - 1];
    if (first === undefined) this.fail("nextKey outside an object");
    if (c === RBRACE) {
      this.pos++;
      this.#first.pop();
      return undefined;
    }
    if (!first) {
      if (c !== COMMA) this.fail(`expected , or } in object, found ${this.#char()}`);
      this.pos++;
      c = this.peek();
    } else this.#first[this.#first.length - 1] = false;
    if (c !== QUOTE) this.fail(`expected a key, found ${this.#char()}`);
    const key = this.readString();
    if (this.peek() !== COLON) this.fail(`expected : after key, found ${this.#char()}`);
    this.pos++;
    return key;
  }

  /**
   * Like {@linkcode JsonScanner.nextKey} but matches the key against `keys` in place, without
   * allocating a string: returns its index in `keys`, {@linkcode KEY_OTHER} for any other key
   * (the caller must still read or skip the value) or {@linkcode KEY_END} after consuming `}`.
   */
  nextKeyIn(keys: readonly string[]): number {
    let c = this.peek();
    const depth = this.#first.length - 1;
    const first = this.#first[depth];
    if (first === undefined) this.fail("nextKeyIn outside an object");
    if (c === RBRACE) {
      this.pos++;
      this.#first.pop();
      return KEY_END;
    }
    if (!first) {
      if (c !== COMMA) this.fail(`expected , or } in object, found ${this.#char()}`);
      this.pos++;
      c = this.peek();
    } else this.#first[depth] = false;
    if (c !== QUOTE) this.fail(`expected a key, found ${this.#char()}`);
    const t = this.text;
    const start = this.pos + 1;
    const n = t.length;
    let p = start;
    if (this.#plain) {
      p = t.indexOf('"', start);
      if (p < 0) p = n;
    } else {
      while (p < n) {
        const ch = t.charCodeAt(p);
        if (ch === QUOTE || ch === BACKSLASH || ch < 32) break;
        p++;
      }
    }
    let id = KEY_OTHER;
    if (p < n && t.charCodeAt(p) === QUOTE) {
      const len = p - start;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k.length === len && t.startsWith(k, start)) {
          id = i;
          break;
        }
      }
      this.pos = p + 1;
    } else {
      // Escapes or errors: take the slow, validating path.
      const key = this.readString();
      const i = keys.indexOf(key);
      if (i >= 0) id = i;
    }
    if (this.peek() !== COLON) this.fail(`expected : after key, found ${this.#char()}`);
    this.pos++;
    return id;
  }

  /** Enter an array: consumes `[`. Iterate with {@linkcode JsonScanner.nextItem}. */
  beginArray(): void {
    if (this.peek() !== LBRACKET) this.fail(`expected an array, found ${this.#char()}`);
    this.pos++;
    this.#first.push(true);
  }

  /**
   * `true` when another array element follows (positioned at it), `false` after consuming `]`.
   */
  nextItem(): boolean {
    const c = this.peek();
    if (c === RBRACKET) {
      this.pos++;
      this.#first.pop();
      return false;
    }
    const i = this.#first.length - 1;
    if (i < 0) this.fail("nextItem outside an array");
    if (this.#first[i]) {
      this.#first[i] = false;
      return true;
    }
    if (c !== COMMA) this.fail(`expected , or ] in array, found ${this.#char()}`);
    this.pos++;
    return true;
  }

  /** Read a string value (escapes decoded). */
  readString(): string {
    const t = this.text;
    if (this.peek() !== QUOTE) this.fail(`expected a string, found ${this.#char()}`);
    const start = ++this.pos;
    if (this.#plain) {
      const q = t.indexOf('"', start);
      if (q < 0) {
        this.pos = t.length;
        this.fail("unterminated string");
      }
      for (let i = start; i < q; i++) {
        if (t.charCodeAt(i) < 32) {
          this.pos = i;
          this.fail("control character in string");
        }
      }
      this.pos = q + 1;
      return t.slice(start, q);
    }
    let p = start;
    const n = t.length;
    while (p < n) {
      const c = t.charCodeAt(p);
      if (c === QUOTE) {
        this.pos = p + 1;
        return t.slice(start, p);
      }
      if (c === BACKSLASH) return this.#readEscapedString(start);
      if (c < 32) {
        this.pos = p;
        this.fail("control character in string");
      }
      p++;
    }
    this.pos = p;
    return this.fail("unterminated string");
  }

  #readEscapedString(start: number): string {
    // Rare path: find the closing quote honouring escapes, then let JSON.parse decode.
    const t = this.text;
    let p = start;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === BACKSLASH) p += 2;
      else if (c === QUOTE) break;
      else p++;
    }
    if (p >= t.length) {
      this.pos = t.length;
      this.fail("unterminated string");
    }
    const raw = t.slice(start - 1, p + 1);
    this.pos = p + 1;
    try {
      return JSON.parse(raw) as string;
    } catch {
      this.pos = start;
      return this.fail("bad escape in string");
    }
  }

  /**
   * Read a string value and match it against `values` in place, without allocating: returns its
   * index in `values` or {@linkcode KEY_OTHER}.
   */
  readStringIn(values: readonly string[]): number {
    const t = this.text;
    if (this.peek() !== QUOTE) this.fail(`expected a string, found ${this.#char()}`);
    const start = this.pos + 1;
    const n = t.length;
    let p = start;
    if (this.#plain) {
      p = t.indexOf('"', start);
      if (p < 0) p = n;
    } else {
      while (p < n) {
        const ch = t.charCodeAt(p);
        if (ch === QUOTE || ch === BACKSLASH || ch < 32) break;
        p++;
      }
    }
    if (p < n && t.charCodeAt(p) === QUOTE) {
      this.pos = p + 1;
      const len = p - start;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v.length === len && t.startsWith(v, start)) return i;
      }
      return KEY_OTHER;
    }
    const i = values.indexOf(this.readString());
    return i >= 0 ? i : KEY_OTHER;
  }

  /**
   * Read a JSON number and return its exact text (`-0.5e3` stays `-0.5e3`). Validates the JSON
   * number grammar; range and the stricter decimal grammar are the caller's business.
   */
  readNumberText(): string {
    const t = this.text;
    const n = t.length;
    this.peek();
    const start = this.pos;
    let p = start;
    let c = p < n ? t.charCodeAt(p) : -1;
    if (c === MINUS) c = ++p < n ? t.charCodeAt(p) : -1;
    if (c === ZERO) c = ++p < n ? t.charCodeAt(p) : -1;
    else if (c > ZERO && c <= NINE) {
      do c = ++p < n ? t.charCodeAt(p) : -1; while (c >= ZERO && c <= NINE);
    } else {
      this.pos = p;
      this.fail(`expected a number, found ${this.#char()}`);
    }
    if (c === DOT) {
      const f = ++p;
      c = p < n ? t.charCodeAt(p) : -1;
      while (c >= ZERO && c <= NINE) c = ++p < n ? t.charCodeAt(p) : -1;
      if (p === f) {
        this.pos = p;
        this.fail("expected digits after .");
      }
    }
    if (c === 101 || c === 69) {
      c = ++p < n ? t.charCodeAt(p) : -1;
      if (c === 43 || c === MINUS) c = ++p < n ? t.charCodeAt(p) : -1;
      const e = p;
      while (c >= ZERO && c <= NINE) c = ++p < n ? t.charCodeAt(p) : -1;
      if (p === e) {
        this.pos = p;
        this.fail("expected exponent digits");
      }
    }
    this.pos = p;
    return t.slice(start, p);
  }

  /**
   * Consume the single character `code` (after whitespace) if it is next; `true` when consumed.
   */
  eat(code: number): boolean {
    if (this.peek() !== code) return false;
    this.pos++;
    return true;
  }

  /** Consume the single character `code` (after whitespace) or fail. */
  expect(code: number): void {
    if (this.peek() !== code) this.fail(`expected ${JSON.stringify(String.fromCharCode(code))}`);
    this.pos++;
  }

  /**
   * Read a JSON string that should hold a decimal (`"60000.01"`) and classify it in the same pass
   * as `classifyDecimal` would; the class is left in {@linkcode JsonScanner.decimalClass}.
   */
  readDecimalString(): string {
    const t = this.text;
    if (this.peek() !== QUOTE) this.fail(`expected a string, found ${this.#char()}`);
    const start = this.pos + 1;
    const n = t.length;
    let p = start;
    let c = p < n ? t.charCodeAt(p) : -1;
    let nonZero = false;
    while (c >= ZERO && c <= NINE) {
      if (c !== ZERO) nonZero = true;
      c = ++p < n ? t.charCodeAt(p) : -1;
    }
    let ok = p > start;
    if (c === DOT) {
      const f = ++p;
      c = p < n ? t.charCodeAt(p) : -1;
      while (c >= ZERO && c <= NINE) {
        if (c !== ZERO) nonZero = true;
        c = ++p < n ? t.charCodeAt(p) : -1;
      }
      if (p === f) ok = false;
    }
    if (c === QUOTE && ok && p - start <= MAX_DECIMAL_TEXT_LENGTH) {
      this.pos = p + 1;
      this.decimalClass = nonZero ? DECIMAL_POSITIVE : DECIMAL_ZERO;
      return t.slice(start, p);
    }
    // Not a plain decimal: read it as an ordinary string and mark it invalid.
    const value = this.readString();
    this.decimalClass = DECIMAL_INVALID;
    return value;
  }

  /**
   * Read a JSON number, return its exact text and classify it as `classifyDecimal` would (a sign
   * or an exponent makes it {@linkcode DECIMAL_INVALID}); the class is left in
   * {@linkcode JsonScanner.decimalClass}.
   */
  readDecimalNumber(): string {
    const t = this.text;
    const n = t.length;
    this.peek();
    const start = this.pos;
    let p = start;
    let c = p < n ? t.charCodeAt(p) : -1;
    let nonZero = false;
    while (c >= ZERO && c <= NINE) {
      if (c !== ZERO) nonZero = true;
      c = ++p < n ? t.charCodeAt(p) : -1;
    }
    const intLen = p - start;
    let ok = intLen > 0 && (intLen === 1 || t.charCodeAt(start) !== ZERO);
    if (c === DOT) {
      const f = ++p;
      c = p < n ? t.charCodeAt(p) : -1;
      while (c >= ZERO && c <= NINE) {
        if (c !== ZERO) nonZero = true;
        c = ++p < n ? t.charCodeAt(p) : -1;
      }
      if (p === f) ok = false;
    }
    if (ok && c !== 101 && c !== 69 && p - start <= MAX_DECIMAL_TEXT_LENGTH) {
      this.pos = p;
      this.decimalClass = nonZero ? DECIMAL_POSITIVE : DECIMAL_ZERO;
      return t.slice(start, p);
    }
    // Sign, exponent, leading zero or too long: let the JSON grammar decide, then classify.
    const text = this.readNumberText();
    this.decimalClass = classifyDecimal(text);
    return text;
  }

  /** Read `true` or `false`. */
  readBoolean(): boolean {
    const c = this.peek();
    if (c === 116 && this.text.startsWith("true", this.pos)) {
      this.pos += 4;
      return true;
    }
    if (c === 102 && this.text.startsWith("false", this.pos)) {
      this.pos += 5;
      return false;
    }
    return this.fail(`expected true or false, found ${this.#char()}`);
  }

  /** Read `null`. */
  readNull(): null {
    if (this.peek() === 110 && this.text.startsWith("null", this.pos)) {
      this.pos += 4;
      return null;
    }
    return this.fail(`expected null, found ${this.#char()}`);
  }

  /** Skip one value of any kind, validating it. */
  skipValue(depth = 0): void {
    if (depth > MAX_SKIP_DEPTH) this.fail("nesting too deep");
    switch (this.kind()) {
      case "string":
        this.#skipString();
        return;
      case "number":
        this.readNumberText();
        return;
      case "true":
      case "false":
        this.readBoolean();
        return;
      case "null":
        this.readNull();
        return;
      case "object":
        this.beginObject();
        while (this.nextKeyIn(NO_KEYS) !== KEY_END) this.skipValue(depth + 1);
        return;
      case "array":
        this.beginArray();
        while (this.nextItem()) this.skipValue(depth + 1);
        return;
    }
  }

  #skipString(): void {
    const t = this.text;
    let p = this.pos + 1;
    if (this.#plain) {
      const q = t.indexOf('"', p);
      if (q < 0) {
        this.pos = t.length;
        this.fail("unterminated string");
      }
      this.pos = q + 1;
      return;
    }
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === QUOTE) {
        this.pos = p + 1;
        return;
      }
      if (c === BACKSLASH) {
        this.readString(); // validates the escapes
        return;
      }
      if (c < 32) {
        this.pos = p;
        this.fail("control character in string");
      }
      p++;
    }
    this.pos = p;
    this.fail("unterminated string");
  }

  #char(): string {
    const p = this.pos;
    return p < this.text.length ? JSON.stringify(this.text[p]) : "end of input";
  }
}
