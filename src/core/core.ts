/**
 * The writer side of the WASM core, for exchange adapters: create books, stage a batch of level
 * changes as exact decimal text, apply it (the core diffs the top-N and writes delta records into
 * the ring), reset a book from a fresh snapshot, publish snapshots and STALE markers.
 *
 * @module
 */
import { formatMantissa, parseMantissa, ScaleError } from "./decimal.ts";
import { type CoreLayout, resultName } from "./layout.ts";
import { type CoreExports, type CoreVariant, instantiateCore } from "./module.ts";

/** Book side: 0 = bid, 1 = ask (the core's SIDE_BID / SIDE_ASK). */
export type SideCode = 0 | 1;
/** A level as exact mantissas: `[price, size]` at the book's scales. */
export type MantissaLevel = [price: bigint, size: bigint];
/** A level as exact decimal texts: `[price, size]`. */
export type TextLevel = [price: string, size: string];

/** Options of {@linkcode Core.createBook}. */
export interface BookOptions {
  /** Exchange id written into every record (small integer). */
  exchange: number;
  /** Symbol id written into every record (the host maps it to a name). */
  symbol: number;
  /** Decimals of prices (mantissa = price × 10^priceScale). 0..18. */
  priceScale: number;
  /** Decimals of sizes. 0..18. */
  sizeScale: number;
  /** Tracked top-N. Default 50. */
  depth?: number;
  /** Cap on levels per side (e.g. Kraken's subscribed depth); 0 = none. Default 0. */
  maxLevels?: number;
}

/** Options of {@linkcode Core.create}. */
export interface CoreOptions {
  /** `shared` (default) for a ring in shared memory; `plain` for an instance without threads. */
  variant?: CoreVariant;
  /** Ring slots (power of two). Default 16384. 0 = no ring (book engine or mirror only). */
  ringCapacity?: number;
  /** A precompiled module (else compiled from `build/`). */
  module?: WebAssembly.Module;
}

/**
 * Error returned by the core for a batch it refused; nothing was applied.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Core, CoreError } from "./mod.ts";
 * const core = await Core.create({ ringCapacity: 16, variant: "plain" });
 * const book = core.createBook({ exchange: 1, symbol: 0, priceScale: 0, sizeScale: 0, depth: 5 });
 * core.begin(book).add(0, "101", "1").add(1, "100", "1"); // bid above the ask
 * assert.throws(() => core.reset(), (e) => e instanceof CoreError && e.result === "CROSSED");
 * ```
 */
export class CoreError extends RangeError {
  /** The negative result code. */
  readonly code: number;
  /** Its name, e.g. `BAD_PRICE`, `CROSSED`. */
  readonly result: string;
  constructor(code: number, result: string, message: string) {
    super(message);
    this.name = "CoreError";
    this.code = code;
    this.result = result;
  }
}

const TWO32 = 4294967296;

/** Level formats {@linkcode Core.addTextLevels} reads (see there). */
/** What {@linkcode Core.scanBinanceDepth} read: update ids, time, and text offsets. */
export interface ScannedDepth {
  /** `U`. */
  firstUpdateId: number;
  /** `u`. */
  lastUpdateId: number;
  /** `E` (ms). */
  exchangeTimeMs: number;
  /** The symbol is `text.slice(symbolAt, symbolEnd)`. */
  symbolAt: number;
  symbolEnd: number;
  /** Offsets of the `[` of the bid and ask level arrays. */
  bidsAt: number;
  asksAt: number;
  /** Levels in each array. */
  bids: number;
  asks: number;
}

export type TextLevelFormat = "pairs" | "price_qty" | "side_updates" | "rows";

/** What {@linkcode Core.measureTextLevels} read of a level array. */
export interface TextMeasure {
  /** Levels in the array. */
  levels: number;
  /** Offset just after the array. */
  end: number;
  /** Most fraction digits written among the prices, and among the sizes. */
  priceDecimals: number;
  sizeDecimals: number;
}

/**
 * The core's writer API.
 *
 * @example
 * ```ts
 * import { Core } from "./core.ts";
 * const core = await Core.create({ ringCapacity: 1024 });
 * const book = core.createBook({ exchange: 1, symbol: 7, priceScale: 2, sizeScale: 8, depth: 10 });
 * core.begin(book).add(0, "60000.10", "0.5").add(1, "60000.20", "1.25");
 * core.reset(); // first full book: SNAPSHOT records
 * core.begin(book).add(0, "60000.10", "0");
 * if (core.apply() !== 1) throw new Error("expected one delta record");
 * ```
 */
export class Core {
  #ex: CoreExports;
  #memory: WebAssembly.Memory;
  #layout: CoreLayout;
  #variant: CoreVariant;
  #buffer!: ArrayBufferLike;
  #i32!: Int32Array;
  #big!: BigInt64Array;
  #f64!: Float64Array;
  #u32!: Uint32Array;
  #inputBase = 0;
  #inputCap = 0;
  #ringAddress = 0;
  #scales: Array<[number, number]> = [];
  #book = -1;
  #count = 0;
  #priceScale = 0;
  #sizeScale = 0;
  #scaleField: "price" | "size" = "price";
  #text: string | undefined;
  /** The last two {@linkcode measureTextLevels} answers of the loaded text. */
  #measures: Array<{
    text: string;
    start: number;
    format: TextLevelFormat;
    result: TextMeasure | undefined;
  }> = [];
  #measureNext = 0;
  #writeListeners = new Set<() => void>();
  /** The text whose depth update the core scanned last (until it is applied). */
  #scannedText: string | undefined;
  /**
   * A depth update scanned from bytes ({@linkcode scanBinanceDepthBytes}) is pending: the text
   * area still holds them (loading a text drops it).
   */
  #scannedBytes = false;
  #scanAddress = 0;
  #depth: ScannedDepth = {
    firstUpdateId: 0,
    lastUpdateId: 0,
    exchangeTimeMs: 0,
    symbolAt: 0,
    symbolEnd: 0,
    bidsAt: 0,
    asksAt: 0,
    bids: 0,
    asks: 0,
  };
  #encoder = new TextEncoder();
  #textArea: Uint8Array | undefined;

  private constructor(
    ex: CoreExports,
    memory: WebAssembly.Memory,
    layout: CoreLayout,
    variant: CoreVariant,
  ) {
    this.#ex = ex;
    this.#memory = memory;
    this.#layout = layout;
    this.#variant = variant;
    this.#refresh();
  }

  /** Instantiates a core with its ring. */
  static async create(options: CoreOptions = {}): Promise<Core> {
    const variant = options.variant ?? "shared";
    const { exports, memory, layout } = await instantiateCore(variant, { module: options.module });
    const core = new Core(exports, memory, layout, variant);
    const capacity = options.ringCapacity ?? 16384;
    if (capacity !== 0) {
      if (capacity < 2 || (capacity & (capacity - 1)) !== 0 || capacity > 1 << 24) {
        throw new RangeError(
          `Ring capacity must be a power of two from 2 to 16777216, got ${capacity}`,
        );
      }
      core.#ringAddress = exports.ring_create(capacity);
    }
    core.#inputBase = exports.input_reserve(1024);
    core.#inputCap = exports.input_capacity();
    core.#scanAddress = exports.depth_scan_address();
    core.#refresh();
    return core;
  }

  /** The memory layout, read from the module's exports. */
  get layout(): CoreLayout {
    return this.#layout;
  }

  /** The instance's memory (shared for the `shared` variant). */
  get memory(): WebAssembly.Memory {
    return this.#memory;
  }

  /** Which build this instance runs. */
  get variant(): CoreVariant {
    return this.#variant;
  }

  /** Address of the ring in memory (0 when created without one). */
  get ringAddress(): number {
    return this.#ringAddress;
  }

  /** The raw exports, for benchmarks and tests. */
  get exports(): CoreExports {
    return this.#ex;
  }

  #refresh(): void {
    const buffer = this.#memory.buffer;
    if (buffer === this.#buffer && this.#i32.length * 4 === buffer.byteLength) return;
    this.#buffer = buffer;
    this.#i32 = new Int32Array(buffer);
    this.#big = new BigInt64Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#u32 = new Uint32Array(buffer);
  }

  #fail(code: number, what: string): never {
    const result = resultName(this.#layout, code);
    throw new CoreError(code, result, `${what} refused by the core: ${result}`);
  }

  /** Creates a book; returns its id. */
  createBook(options: BookOptions): number {
    const depth = options.depth ?? 50;
    const maxLevels = options.maxLevels ?? 0;
    if (!Number.isInteger(depth) || depth < 1 || depth > this.#layout.maxDepth) {
      throw new RangeError(
        `Depth must be an integer from 1 to ${this.#layout.maxDepth}, got ${depth}`,
      );
    }
    for (
      const [name, v] of [["priceScale", options.priceScale], [
        "sizeScale",
        options.sizeScale,
      ]] as const
    ) {
      if (!Number.isInteger(v) || v < 0 || v > 18) {
        throw new RangeError(`${name} must be an integer from 0 to 18, got ${v}`);
      }
    }
    const id = this.#ex.book_create(
      options.exchange,
      options.symbol,
      options.priceScale,
      options.sizeScale,
      depth,
      maxLevels,
    );
    if (id < 0) this.#fail(id, "createBook");
    this.#scales[id] = [options.priceScale, options.sizeScale];
    this.#refresh();
    return id;
  }

  /** The book's `[priceScale, sizeScale]`. */
  scales(book: number): readonly [number, number] {
    const s = this.#scales[book];
    if (!s) throw new RangeError(`Unknown book id ${book}`);
    return s;
  }

  /**
   * Changes a book's scales; only allowed while it is empty (call {@linkcode clear} first).
   * Throws `RangeError` when the book holds levels.
   */
  setScales(book: number, priceScale: number, sizeScale: number): void {
    const code = this.#ex.book_set_scale(book, priceScale, sizeScale);
    if (code < 0) {
      const [p, s] = this.scales(book);
      throw new RangeError(
        `Book ${book} has scales ${p}/${s} and holds levels; cannot change them to ` +
          `${priceScale}/${sizeScale} (clear the book first)`,
      );
    }
    this.#scales[book] = [priceScale, sizeScale];
  }

  /** Starts staging a batch for `book` (discards anything staged before). */
  begin(book: number): this {
    const s = this.#scales[book];
    if (!s) throw new RangeError(`Unknown book id ${book}`);
    this.#book = book;
    this.#count = 0;
    this.#priceScale = s[0];
    this.#sizeScale = s[1];
    return this;
  }

  /** Which field the last {@linkcode ScaleError} from {@linkcode add} was about. */
  get lastScaleField(): "price" | "size" {
    return this.#scaleField;
  }

  /** Number of changes staged. */
  get staged(): number {
    return this.#count;
  }

  /** Makes room for `n` more staged changes (the input area may move). */
  #reserve(n: number): void {
    if (this.#count + n <= this.#inputCap) return;
    this.#inputBase = this.#ex.input_reserve((this.#count + n) * 2);
    this.#inputCap = this.#ex.input_capacity();
    this.#refresh();
  }

  /** Word index of the next staged change (counted as staged). */
  #slot(): number {
    this.#reserve(1);
    const l = this.#layout;
    return (this.#inputBase + l.inChanges + this.#count++ * l.inputChangeSize) >> 2;
  }

  /**
   * Stages one level change as exact decimal text (size `"0"` deletes). Throws `RangeError` on
   * text that is not a plain decimal or has more decimals than the book's scale.
   */
  add(side: SideCode, price: string, size: string): this {
    return this.addLevels(side, [price, size]);
  }

  /**
   * Stages many level changes from a flat `[price, size, price, size, …]` list of exact decimal
   * texts (the parsers' output), all on one side. Same checks as {@linkcode add}.
   */
  addLevels(side: SideCode, flat: readonly string[]): this {
    // The adapters' hot path: room reserved once, offsets hoisted, one try around the loop.
    this.#reserve(flat.length >> 1);
    const l = this.#layout;
    const i32 = this.#i32;
    const big = this.#big;
    const step = l.inputChangeSize >> 2;
    const pw = l.inPrice >> 2;
    const sw = l.inSize >> 2;
    const dw = l.inSide >> 2;
    const ps = this.#priceScale;
    const ss = this.#sizeScale;
    let w = (this.#inputBase + l.inChanges + this.#count * l.inputChangeSize) >> 2;
    let field: "price" | "size" = "price";
    try {
      for (let i = 0; i < flat.length - 1; i += 2, w += step) {
        field = "price";
        const p = parseMantissa(flat[i], ps);
        field = "size";
        const s = parseMantissa(flat[i + 1], ss);
        // writeI64, inlined by hand: V8 does not inline the call here (measured +0.13 µs per
        // 20-level message in bench/ingest.ts).
        if (typeof p === "number") {
          i32[w + pw] = p % TWO32;
          i32[w + pw + 1] = Math.floor(p / TWO32);
        } else big[(w + pw) >> 1] = p;
        if (typeof s === "number") {
          i32[w + sw] = s % TWO32;
          i32[w + sw + 1] = Math.floor(s / TWO32);
        } else big[(w + sw) >> 1] = s;
        i32[w + dw] = side;
        this.#count++;
      }
    } catch (e) {
      if (e instanceof ScaleError) this.#scaleField = field;
      throw e;
    }
    return this;
  }

  /**
   * Writes a frame's text into the core's text area for {@linkcode addTextLevels}. Returns
   * `false` (nothing loaded) when the text is not pure ASCII: offsets into the string would not
   * be byte offsets, so the caller stages from strings instead. Loading the text that is already
   * loaded costs nothing.
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 0 });
   * if (!core.loadText('{"b":[]}') || core.loadText('{"s":"€"}')) throw new Error();
   * ```
   */
  loadText(text: string): boolean {
    if (text === this.#text) return true;
    this.#text = undefined;
    this.#measures.length = this.#measureNext = 0; // measures of another text: dropped
    this.#scannedBytes = false;
    const n = text.length;
    const area = this.#reserveText(n);
    const { read, written } = this.#encoder.encodeInto(text, area);
    if (read !== n || written !== n) return false;
    this.#ex.text_loaded(n, text.indexOf("\\") < 0 ? 1 : 0);
    this.#text = text;
    return true;
  }

  /**
   * Stages the level array `[[price, size, …], …]` (`format` `"pairs"`, prices and sizes JSON
   * strings) or `[{"price": n, "qty": n, …}, …]` (`"price_qty"`, JSON numbers; only for a text
   * without any backslash) that starts at offset `start` of the loaded text (whitespace before
   * it allowed), every level on `side`, straight from the text's bytes: no level strings are
   * made. `"side_updates"` (Coinbase `l2_data`, only for a text without any backslash) reads
   * `[{"side": "bid"|"offer", "price_level": "p", "new_quantity": "s", …}, …]` and stages each
   * update on the side it names (`side` is ignored); its staging errors are reported as the
   * string path stages it, every bid before every ask. `"rows"` (Bitfinex v2 P0 book rows) reads
   * one `[price, count, amount]` row or an array of them, three JSON numbers each, and stages each
   * on the side of its amount's sign (size |amount|, 0 when count is 0), bids' errors first; it
   * reads only plain rows (no exponent, no extra element), so its `SyntaxError` means "take the
   * string path" (see {@linkcode tryTextLevels}). Returns the offset just after the array. The
   * other formats accept and refuse exactly what parsing the array into strings
   * (`scanStringLevels`) and {@linkcode addLevels} do: `SyntaxError` for malformed JSON, a wrong shape, a value that is not a plain decimal or
   * a price that is not > 0 (checked over the whole array first); then {@linkcode ScaleError}
   * for the first value with more decimals than the book's scale; `RangeError` for a mantissa
   * beyond 64 bits. On an error nothing of this array stays staged.
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 0 });
   * const book = core.createBook({ exchange: 1, symbol: 0, priceScale: 2, sizeScale: 1, depth: 5 });
   * const text = '{"b":[["100.50","2"],["100.40","0.5"]],"a":[]}';
   * core.loadText(text);
   * const end = core.begin(book).addTextLevels(0, text.indexOf("[["));
   * if (core.staged !== 2 || text[end] !== ",") throw new Error();
   * ```
   */
  addTextLevels(side: SideCode, start: number, format: TextLevelFormat = "pairs"): number {
    const end = this.#textLevels(side, start, format);
    if (end >= 0) return end;
    const text = this.#text!;
    const at = this.#ex.text_end();
    throw new SyntaxError(
      `Level array at offset ${start} is malformed or holds an unacceptable level ` +
        `(problem near offset ${at}: ${JSON.stringify(text.slice(at, at + 24))})`,
    );
  }

  /**
   * {@linkcode addTextLevels}, except that a level text the core does not read (what
   * `addTextLevels` throws as `SyntaxError`) returns -1 with nothing of it staged, for fast paths
   * whose caller then reads the frame as strings (format `"rows"`, Bitfinex, reads only plain
   * three-number rows). Scale and range problems throw as there.
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 0 });
   * const book = core.createBook({ exchange: 7, symbol: 0, priceScale: 8, sizeScale: 8, depth: 5 });
   * core.loadText("[17,[60417,2,-1.5],31]");
   * const end = core.begin(book).tryTextLevels(0, 4, "rows");
   * const staged = core.staged;
   * core.loadText("[17,[60417,2,-1.1e-7],32]");
   * const refused = core.begin(book).tryTextLevels(0, 4, "rows");
   * if (end !== 18 || staged !== 1 || refused !== -1 || core.staged !== 0) throw new Error();
   * ```
   */
  tryTextLevels(side: SideCode, start: number, format: TextLevelFormat = "pairs"): number {
    return this.#textLevels(side, start, format);
  }

  /**
   * Reads the level array at offset `start` of the loaded text as {@linkcode addTextLevels}
   * would, with the same checks, staging nothing (for snapshots, whose scales are chosen from
   * their values): the levels read, the offset after the array, and the most fraction digits
   * written among its prices and among its sizes (trailing zeros count, as `decimalsOf` counts
   * them; a `"rows"` delete's amount is not counted, as the string path makes its size `"0"`).
   * `undefined` when `addTextLevels` would throw `SyntaxError` (the caller takes the string
   * path). The last two answers are remembered, so measuring both sides again costs nothing.
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 0 });
   * const text = '{"bids":[["100.50","2"],["100.4","0.125"]],"asks":[["1e2","1"]]}';
   * core.loadText(text);
   * const m = core.measureTextLevels(8);
   * if (m?.levels !== 2 || m.priceDecimals !== 2 || m.sizeDecimals !== 3) throw new Error();
   * if (core.measureTextLevels(text.indexOf('"asks"') + 7) !== undefined) throw new Error();
   * ```
   */
  measureTextLevels(start: number, format: TextLevelFormat = "pairs"): TextMeasure | undefined {
    const text = this.#text;
    if (text === undefined) throw new TypeError("measureTextLevels: no text loaded (see loadText)");
    for (const m of this.#measures) {
      if (m.text === text && m.start === start && m.format === format) return m.result;
    }
    const ex = this.#ex;
    const r = ex.measure_text_levels(start, this.#formatCode(format));
    const result = r < 0 ? undefined : {
      levels: r,
      end: ex.text_end(),
      priceDecimals: ex.text_price_decimals(),
      sizeDecimals: ex.text_size_decimals(),
    };
    this.#measures[this.#measureNext] = { text, start, format, result };
    this.#measureNext ^= 1;
    return result;
  }

  #formatCode(format: TextLevelFormat): number {
    const l = this.#layout;
    return format === "pairs"
      ? l.textPairs
      : format === "price_qty"
      ? l.textPriceQty
      : format === "side_updates"
      ? l.textSideUpdates
      : l.textRows;
  }

  #textLevels(side: SideCode, start: number, format: TextLevelFormat): number {
    const text = this.#text;
    if (text === undefined) throw new TypeError("addTextLevels: no text loaded (see loadText)");
    const ex = this.#ex;
    ex.text_scales(this.#priceScale, this.#sizeScale);
    const r = ex.stage_text_levels(start, side, this.#count, this.#formatCode(format));
    // Staging may have grown the input area (and memory).
    this.#inputBase = ex.input_reserve(0);
    this.#inputCap = ex.input_capacity();
    this.#refresh();
    const end = ex.text_end();
    if (r >= 0) {
      this.#count += r;
      return end;
    }
    const results = this.#layout.results;
    if (r === results.SCALE || r === results.TEXT_RANGE) {
      const value = text.slice(ex.text_error_start(), ex.text_error_end());
      this.#scaleField = ex.text_field() === 0 ? "price" : "size";
      const scale = this.#scaleField === "price" ? this.#priceScale : this.#sizeScale;
      if (r === results.SCALE) throw new ScaleError(value, scale);
      // The message parseMantissa gives for the same value.
      throw new RangeError(
        `Value ${value} at scale ${scale} does not fit a 64-bit fixed-point integer`,
      );
    }
    return -1;
  }

  /**
   * Loads `text` (as {@linkcode loadText}) and reads it, in one pass in the core, as a Binance
   * `depthUpdate` in Binance's own compact serialization (raw or in a combined-stream wrapper):
   * `{"e":"depthUpdate","E":…,"s":"…","U":…,"u":…,"b":[["p","q"],…],"a":[…]}` with nothing else
   * in it (no other key, no whitespace or escape, every level two plain decimal strings). Returns
   * `true` and fills {@linkcode scannedDepth} when it is one; `false` for anything else, which
   * the caller reads with its general parser. {@linkcode applyScannedDepth} then stages and
   * applies the levels of a book in one more call.
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 0 });
   * const text = '{"e":"depthUpdate","E":5,"s":"BTCUSDT","U":8,"u":9,"b":[["1.5","2"]],"a":[]}';
   * if (!core.scanBinanceDepth(text)) throw new Error();
   * const d = core.scannedDepth;
   * if (text.slice(d.symbolAt, d.symbolEnd) !== "BTCUSDT" || d.lastUpdateId !== 9) throw new Error();
   * if (core.scanBinanceDepth(text.replace('"b":', '"b": '))) throw new Error("not compact");
   * ```
   */
  scanBinanceDepth(text: string): boolean {
    this.#scannedText = undefined;
    this.#scannedBytes = false;
    if (!this.loadText(text) || this.#ex.depth_scan_binance() !== 1) return false;
    this.#readScan();
    this.#scannedText = text;
    return true;
  }

  /**
   * {@linkcode scanBinanceDepth} of a frame given as its UTF-8 bytes, `bytes[start, end)` (e.g. a
   * WebSocket client's receive buffer): they are copied into the core as they are, with no text
   * string made. The scan accepts only ASCII in the stream name and symbol, so what it accepts
   * is the same frame as its text would be. {@linkcode applyScannedDepth} applies it.
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 16 });
   * const book = core.createBook({ exchange: 3, symbol: 0, priceScale: 2, sizeScale: 1 });
   * const frame = new TextEncoder().encode(
   *   'xx{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1.5","2"]],"a":[]}',
   * );
   * if (!core.scanBinanceDepthBytes(frame, 2, frame.length)) throw new Error();
   * if (core.applyScannedDepth(book, 5, 6) !== 1 || core.top(book, 0, 1)[0][0] !== 150n) {
   *   throw new Error();
   * }
   * ```
   */
  scanBinanceDepthBytes(bytes: Uint8Array, start: number, end: number): boolean {
    this.#scannedText = undefined;
    this.#scannedBytes = false;
    this.#text = undefined;
    const n = end - start;
    this.#reserveText(n).set(bytes.subarray(start, end));
    this.#ex.text_loaded(n, 0);
    if (this.#ex.depth_scan_binance() !== 1) return false;
    this.#readScan();
    this.#scannedBytes = true;
    return true;
  }

  /** Room for `n` bytes in the text area: a view of the whole area (made again only when moved). */
  #reserveText(n: number): Uint8Array {
    const base = this.#ex.text_reserve(n);
    this.#refresh();
    const capacity = this.#ex.text_capacity();
    let area = this.#textArea;
    if (
      area === undefined || area.buffer !== this.#buffer || area.byteOffset !== base ||
      area.length !== capacity
    ) {
      area = this.#textArea = new Uint8Array(this.#buffer, base, capacity);
    }
    return area;
  }

  /** Reads the depth scan's result into {@linkcode scannedDepth}. */
  #readScan(): void {
    this.#refresh();
    const l = this.#layout;
    const at = this.#scanAddress;
    const f = this.#f64;
    const u = this.#u32;
    const d = this.#depth;
    d.firstUpdateId = f[(at + l.dsFirst) >> 3];
    d.lastUpdateId = f[(at + l.dsLast) >> 3];
    d.exchangeTimeMs = f[(at + l.dsTime) >> 3];
    d.symbolAt = u[(at + l.dsSymbolAt) >> 2];
    d.symbolEnd = u[(at + l.dsSymbolEnd) >> 2];
    d.bidsAt = u[(at + l.dsBidsAt) >> 2];
    d.asksAt = u[(at + l.dsAsksAt) >> 2];
    d.bids = u[(at + l.dsBidCount) >> 2];
    d.asks = u[(at + l.dsAskCount) >> 2];
  }

  /** What the last successful {@linkcode scanBinanceDepth} read (the same object each time). */
  get scannedDepth(): Readonly<ScannedDepth> {
    return this.#depth;
  }

  /**
   * Stages the levels of the depth update {@linkcode scanBinanceDepth} read last at `book`'s
   * scales (bids, then asks) and applies them as {@linkcode apply} does, in one call. Returns
   * records written, or `-1` when a value has more decimals than the book's scale or does not fit
   * 64 bits at it: then nothing was staged or applied, and staging the arrays with
   * {@linkcode addTextLevels} gives the precise error. Throws {@linkcode CoreError} as
   * {@linkcode apply} does, `TypeError` when no scanned update is pending (each is applied once;
   * loading another text drops it).
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 16 });
   * const book = core.createBook({ exchange: 3, symbol: 0, priceScale: 2, sizeScale: 1 });
   * core.scanBinanceDepth('{"e":"depthUpdate","E":5,"s":"X","U":1,"u":2,"b":[["1.5","2"]],"a":[]}');
   * if (core.applyScannedDepth(book, 5, 6) !== 1 || core.top(book, 0, 1)[0][0] !== 150n) {
   *   throw new Error();
   * }
   * core.scanBinanceDepth('{"e":"depthUpdate","E":5,"s":"X","U":3,"u":4,"b":[["1.505","2"]],"a":[]}');
   * if (core.applyScannedDepth(book, 5, 6) !== -1) throw new Error("3 decimals at scale 2");
   * ```
   */
  applyScannedDepth(book: number, exchangeTimeMs: number, receiveTimeMs: number): number {
    const text = this.#scannedText;
    const fromBytes = this.#scannedBytes;
    this.#scannedText = undefined;
    this.#scannedBytes = false;
    if (!fromBytes && (text === undefined || text !== this.#text)) {
      throw new TypeError("applyScannedDepth: no scanned depth update (see scanBinanceDepth)");
    }
    this.begin(book);
    this.#reserve(this.#depth.bids + this.#depth.asks);
    this.#stamp(exchangeTimeMs, receiveTimeMs);
    const r = this.#ex.depth_apply(book);
    const results = this.#layout.results;
    if (r === results.SCALE || r === results.TEXT_RANGE) return -1;
    return this.#written(r, `Batch for book ${book}`);
  }

  /**
   * Offset just after the JSON value at offset `start` of the loaded text (whitespace before it
   * skipped), read with JSON's whole grammar (every string a valid JSON string, as `JSON.parse`
   * wants it); `-1` when it is not a well-formed value. Nothing is staged.
   *
   * @example
   * ```ts
   * import { Core } from "./core.ts";
   * const core = await Core.create({ ringCapacity: 0 });
   * core.loadText('{"u":[{"a":"b"}, 1],"v":[}');
   * if (core.textValueEnd(5) !== 19 || core.textValueEnd(24) !== -1) throw new Error();
   * ```
   */
  textValueEnd(start: number): number {
    if (this.#text === undefined) {
      throw new TypeError("textValueEnd: no text loaded (see loadText)");
    }
    return this.#ex.text_value_end(start);
  }

  /** Stages one level change as mantissas at the book's scales. */
  addMantissa(side: SideCode, price: number | bigint, size: number | bigint): this {
    this.#stage(side, price, size);
    return this;
  }

  /** Writes one change into the next input slot. */
  #stage(side: SideCode, price: number | bigint, size: number | bigint): void {
    const w = this.#slot();
    const l = this.#layout;
    writeI64(this.#i32, this.#big, w + (l.inPrice >> 2), price);
    writeI64(this.#i32, this.#big, w + (l.inSize >> 2), size);
    this.#i32[w + (l.inSide >> 2)] = side;
  }

  #stamp(exchangeTimeMs: number, receiveTimeMs: number): void {
    const base = this.#inputBase;
    writeNanos(this.#i32, (base + this.#layout.inExchangeTs) >> 2, exchangeTimeMs);
    writeNanos(this.#i32, (base + this.#layout.inReceiveTs) >> 2, receiveTimeMs);
  }

  /**
   * Wakes readers when records were written and returns how many; a negative result code
   * throws, after waking readers too (a refused batch may have left a STALE record). The views
   * are not refreshed here: the host only writes the input area (refreshed whenever it moves)
   * and reads the output area (refreshed after each read call).
   */
  /**
   * Calls `listener` synchronously after every call that wrote records into the ring, so a
   * reader on the same thread drains then, without waiting for a wake-up through
   * `Atomics.waitAsync`. Returns the function that removes it.
   *
   * @example
   * ```ts
   * import { Core } from "./mod.ts";
   * const core = await Core.create({ ringCapacity: 16 });
   * const book = core.createBook({ exchange: 2, symbol: 0, priceScale: 0, sizeScale: 0 });
   * let calls = 0;
   * const off = core.onWrite(() => calls++);
   * core.begin(book).add(0, "100", "1").reset();
   * off();
   * core.begin(book).add(0, "101", "1").apply();
   * if (calls !== 1) throw new Error(`${calls} calls`);
   * ```
   */
  onWrite(listener: () => void): () => void {
    this.#writeListeners.add(listener);
    return () => void this.#writeListeners.delete(listener);
  }

  #written(records: number, what: string): number {
    if (records !== 0 && this.#ringAddress !== 0) {
      Atomics.notify(this.#i32, (this.#ringAddress + this.#layout.ringWriteSeq) >> 2);
      if (this.#writeListeners.size !== 0) { for (const l of this.#writeListeners) l(); }
    }
    if (records < 0) this.#fail(records, what);
    return records;
  }

  /**
   * Applies the staged batch; the core publishes a delta if the top-N changed. Times are
   * milliseconds since the epoch (fractions kept to the nanosecond). Returns records written.
   * Throws {@linkcode CoreError} when the core refused the batch (nothing applied) or found the
   * book crossed (`CROSSED`: it is now STALE and needs a reset).
   */
  apply(exchangeTimeMs = 0, receiveTimeMs = Date.now()): number {
    this.#stamp(exchangeTimeMs, receiveTimeMs);
    const records = this.#ex.apply(this.#book, this.#count);
    this.#count = 0;
    return this.#written(records, `Batch for book ${this.#book}`);
  }

  /**
   * Applies the staged batch to the book only: no diff, no record (the bare book engine).
   * With a `range`, applies only staged changes [first, first + count) to `book` and keeps the
   * staging, so many messages staged at once can be applied one by one.
   */
  applyLevels(range?: { book: number; first: number; count: number }): void {
    if (range) {
      const code = this.#ex.apply_levels(range.book, range.count, range.first);
      if (code < 0) this.#fail(code, `Batch for book ${range.book}`);
      return;
    }
    const code = this.#ex.apply_levels(this.#book, this.#count, 0);
    this.#count = 0;
    this.#refresh();
    if (code < 0) this.#fail(code, `Batch for book ${this.#book}`);
  }

  /**
   * Publishes the top-N delta of changes applied with {@linkcode applyLevels} (once the host has
   * verified them, e.g. against an exchange checksum). Returns records written; throws
   * {@linkcode CoreError} `CROSSED` like {@linkcode apply}.
   */
  publish(book: number, exchangeTimeMs = 0, receiveTimeMs = Date.now()): number {
    this.#stamp(exchangeTimeMs, receiveTimeMs);
    return this.#written(this.#ex.publish(book), `Delta for book ${book}`);
  }

  /**
   * Replaces the book with the staged levels (a fresh snapshot from the exchange), clears STALE
   * and publishes SNAPSHOT records. Returns records written.
   */
  reset(exchangeTimeMs = 0, receiveTimeMs = Date.now()): number {
    this.#stamp(exchangeTimeMs, receiveTimeMs);
    const records = this.#ex.reset(this.#book, this.#count);
    this.#count = 0;
    return this.#written(records, `Snapshot for book ${this.#book}`);
  }

  /**
   * Ends a resync whose levels were loaded with {@linkcode clear} + {@linkcode applyLevels} and
   * verified by the host: clears STALE, advances seq, publishes SNAPSHOT records.
   */
  resume(book: number, exchangeTimeMs = 0, receiveTimeMs = Date.now()): number {
    this.#stamp(exchangeTimeMs, receiveTimeMs);
    return this.#written(this.#ex.resume(book), `Snapshot for book ${book}`);
  }

  /** Publishes the book's current top-N as SNAPSHOT records. */
  snapshot(book: number, receiveTimeMs = Date.now()): number {
    this.#stamp(0, receiveTimeMs);
    return this.#written(this.#ex.snapshot(book), `Snapshot of book ${book}`);
  }

  /** Marks the book STALE (resyncing) and publishes a STALE record. */
  markStale(book: number, receiveTimeMs = Date.now()): number {
    this.#stamp(0, receiveTimeMs);
    return this.#written(this.#ex.mark_stale(book), `Stale marker for book ${book}`);
  }

  /**
   * Writes a record produced elsewhere (another node's ring, carried over NATS) into this ring,
   * every byte unchanged except the two per-node fields: the ring stamp (`ringSeq`) and the
   * symbol id, which becomes `symbol`. Discards anything staged. Returns 1, or 0 when there is
   * no ring or `bytes` is not a record's length (nothing written).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Core, RecordView, RingReader } from "./mod.ts";
   * const source = await Core.create({ ringCapacity: 16 });
   * const book = source.createBook({ exchange: 2, symbol: 9, priceScale: 0, sizeScale: 0 });
   * const from = new RingReader(source.memory.buffer, source.ringAddress, source.layout);
   * source.begin(book).add(0, "100", "1").reset();
   * const record = from.read() as Uint8Array;
   * const edge = await Core.create({ ringCapacity: 16 });
   * const to = new RingReader(edge.memory.buffer, edge.ringAddress, edge.layout);
   * assert.equal(edge.writeRaw(record, 3), 1);
   * const copy = to.read() as Uint8Array;
   * assert.equal(new RecordView(edge.layout).wrap(copy).symbol, 3);
   * assert.deepEqual(copy.subarray(12), record.subarray(12)); // the rest unchanged
   * ```
   */
  writeRaw(bytes: Uint8Array, symbol: number): number {
    const l = this.#layout;
    const length = bytes.byteLength;
    if (this.#ringAddress === 0 || length < l.recHeaderSize || length > l.recordSize) return 0;
    const need = Math.ceil(l.recordSize / l.inputChangeSize) + 1;
    if (this.#inputCap < need) {
      this.#inputBase = this.#ex.input_reserve(need);
      this.#inputCap = this.#ex.input_capacity();
      this.#refresh();
    }
    this.#count = 0;
    new Uint8Array(this.#buffer, this.#inputBase, length).set(bytes);
    return this.#written(
      this.#ex.ring_write_raw(this.#inputBase, length, symbol >>> 0),
      "Raw record",
    );
  }

  /**
   * Makes a book quiet, or ends that. A quiet book applies every change and stays exact, but its
   * top-N is not diffed, checksummed or written as delta records (nobody reads them); its seq
   * still advances once per batch that may have changed the top-N. STALE and SNAPSHOT records are
   * still written. After ending the quiet, publish a {@linkcode snapshot}: it re-bases the view
   * deltas are diffed against.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Core, RingReader } from "./mod.ts";
   * const core = await Core.create({ ringCapacity: 16 });
   * const book = core.createBook({ exchange: 1, symbol: 0, priceScale: 0, sizeScale: 0 });
   * const ring = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
   * core.begin(book).add(0, "100", "1").reset();
   * ring.read();
   * core.setQuiet(book, true);
   * assert.equal(core.begin(book).add(0, "101", "2").apply(), 0); // applied, nothing written
   * assert.equal(ring.read(), null);
   * assert.deepEqual(core.topText(book, 0, 1), [["101", "2"]]);
   * core.setQuiet(book, false);
   * assert.equal(core.snapshot(book), 1);
   * ```
   */
  setQuiet(book: number, quiet: boolean): void {
    const code = this.#ex.book_set_quiet(book, quiet ? 1 : 0);
    if (code < 0) this.#fail(code, `Quiet of book ${book}`);
  }

  /** Empties the book (keeps its seq). */
  clear(book: number): void {
    const code = this.#ex.book_clear(book);
    if (code < 0) this.#fail(code, `Clear of book ${book}`);
  }

  /** Best `n` levels of one side as mantissas, best first. */
  top(book: number, side: SideCode, n: number): MantissaLevel[] {
    const count = this.#ex.book_top(book, side, n);
    if (count < 0) this.#fail(count, `Read of book ${book}`);
    this.#refresh();
    const base = this.#ex.output_address() >> 3;
    const step = this.#layout.changeSize >> 3;
    const out: MantissaLevel[] = new Array(count);
    for (let r = 0; r < count; r++) {
      const at = base + r * step;
      out[r] = [this.#big[at], this.#big[at + 1]];
    }
    return out;
  }

  /** Best `n` levels of one side as exact decimal text, best first. */
  topText(book: number, side: SideCode, n: number): TextLevel[] {
    const [ps, ss] = this.scales(book);
    return this.top(book, side, n).map(([p, s]) => [formatMantissa(p, ps), formatMantissa(s, ss)]);
  }

  /** Levels held on one side. */
  length(book: number, side: SideCode): number {
    return this.#ex.book_length(book, side);
  }

  /** The book's current seq (last delta or snapshot published). */
  seq(book: number): number {
    return this.#ex.book_seq(book);
  }

  /** Whether the book is STALE (resyncing). */
  isStale(book: number): boolean {
    return this.#ex.book_is_stale(book) === 1;
  }

  /** Deletes of levels the book did not hold (counted, not errors). */
  absentDeletes(book: number): number {
    return this.#ex.book_absent_deletes(book);
  }

  /** CRC-32 of the top-`depth` in the record checksum form. */
  checksum(book: number, depth: number): number {
    return this.#ex.book_checksum(book, depth) >>> 0;
  }

  /** Kraken's checksum of the book (book scales must equal the pair's precisions). */
  krakenChecksum(book: number): number {
    return this.#ex.book_kraken_checksum(book) >>> 0;
  }
}

/** Writes an i64 at word `word`: a number (exact below 2^53) as two halves, else the bigint. */
function writeI64(i32: Int32Array, big: BigInt64Array, word: number, value: number | bigint): void {
  if (typeof value === "number") {
    i32[word] = value % TWO32;
    i32[word + 1] = Math.floor(value / TWO32);
  } else {
    big[word >> 1] = value;
  }
}

/**
 * Writes `ms` (fractional milliseconds since the epoch) as i64 nanoseconds at `word`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { writeNanos } from "./core.ts";
 * const words = new Int32Array(2);
 * writeNanos(words, 0, 1719835200123.5);
 * assert.equal(new BigInt64Array(words.buffer)[0], 1719835200123500000n);
 * ```
 */
export function writeNanos(i32: Int32Array, word: number, ms: number): void {
  if (!(ms > 0)) {
    i32[word] = 0;
    i32[word + 1] = 0;
    return;
  }
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  // whole × 1e6 + frac without leaving exact double range: split whole at 2^20.
  const wh = Math.floor(whole / 1048576);
  const wl = whole - wh * 1048576;
  const a = wh * 1e6; // contributes a × 2^20
  const ah = Math.floor(a / 4096);
  const al = a - ah * 4096; // a × 2^20 = ah × 2^32 + al × 2^20
  const low = al * 1048576 + wl * 1e6 + frac;
  const carry = Math.floor(low / TWO32);
  i32[word] = low - carry * TWO32;
  i32[word + 1] = ah + carry;
}
