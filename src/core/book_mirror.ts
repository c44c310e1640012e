/**
 * Rebuilds books from delta records with the same WASM core that produced them, and verifies
 * each record's seq chain and top-N checksum. The broadcast server keeps one to answer new
 * subscribers with a snapshot; browser clients keep one per connection. Browser-compatible.
 *
 * @module
 */
import { formatMantissa } from "./decimal.ts";
import type { CoreLayout } from "./layout.ts";
import { type CoreExports, type CoreVariant, instantiateCore } from "./module.ts";
import { RecordView } from "./record_view.ts";

/** Outcome of applying one record to a mirror. */
export type MirrorStatus =
  /** The last part of a delta or snapshot was applied and its checksum verified. */
  | "ok"
  /** A non-final part was applied; the checksum is checked on the LAST part. */
  | "partial"
  /** A STALE marker: the book was dropped until its next snapshot. */
  | "stale"
  /** The record does not continue the book's seq chain; the book needs a fresh snapshot. */
  | "gap"
  /** The rebuilt top-N does not match the record's checksum; the book needs a fresh snapshot. */
  | "checksum"
  /** A delta for a book with no snapshot yet (or awaiting resync); ignored. */
  | "waiting";

/** Result of {@linkcode BookMirror.apply}. */
export interface MirrorResult {
  status: MirrorStatus;
  exchange: number;
  symbol: number;
  seq: number;
}

/** A mirrored book as exact decimal text, best first. */
export interface MirrorBook {
  exchange: number;
  symbol: number;
  seq: number;
  checksum: number;
  depth: number;
  priceScale: number;
  sizeScale: number;
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
}

interface Entry {
  id: number;
  seq: number;
  /** Next part expected of the record in progress (0 = none in progress). */
  nextPart: number;
  synced: boolean;
  checksum: number;
  depth: number;
  priceScale: number;
  sizeScale: number;
}

/**
 * A set of mirrored books keyed by (exchange, symbol).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, Core, RingReader } from "./mod.ts";
 * const core = await Core.create({ ringCapacity: 16, variant: "plain" });
 * const book = core.createBook({ exchange: 2, symbol: 0, priceScale: 1, sizeScale: 2, depth: 10 });
 * const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
 * core.begin(book).add(0, "100.5", "1.25").add(1, "101.0", "3").reset(); // SNAPSHOT, seq 1
 * core.begin(book).add(0, "100.6", "2").apply(); // delta, seq 2
 * const mirror = await BookMirror.create();
 * assert.equal(mirror.apply(reader.read() as Uint8Array).status, "ok"); // checksum verified
 * assert.equal(mirror.apply(reader.read() as Uint8Array).status, "ok");
 * assert.deepEqual(mirror.book(2, 0)?.bids, [["100.6", "2"], ["100.5", "1.25"]]);
 * ```
 */
export class BookMirror {
  #ex: CoreExports;
  #memory: WebAssembly.Memory;
  #layout: CoreLayout;
  #books = new Map<number, Entry>();
  #recAddress = 0;
  #view: RecordView;

  private constructor(ex: CoreExports, memory: WebAssembly.Memory, layout: CoreLayout) {
    this.#ex = ex;
    this.#memory = memory;
    this.#layout = layout;
    this.#view = new RecordView(layout);
    this.#recAddress = ex.input_reserve(Math.ceil(layout.recordSize / layout.inputChangeSize) + 1);
  }

  /** Creates a mirror on its own core instance (`plain` by default: no shared memory needed). */
  static async create(
    options: { variant?: CoreVariant; module?: WebAssembly.Module; url?: URL | string } = {},
  ): Promise<BookMirror> {
    const { exports, memory, layout } = await instantiateCore(options.variant ?? "plain", options);
    return new BookMirror(exports, memory, layout);
  }

  /** The layout of the core the mirror runs. */
  get layout(): CoreLayout {
    return this.#layout;
  }

  #key(exchange: number, symbol: number): number {
    return exchange * 4294967296 + symbol;
  }

  #entry(exchange: number, symbol: number, depth: number, ps: number, ss: number): Entry {
    const key = this.#key(exchange, symbol);
    let e = this.#books.get(key);
    if (!e || e.depth !== depth || e.priceScale !== ps || e.sizeScale !== ss) {
      const id = e && e.depth === depth
        ? e.id
        : this.#ex.book_create(exchange, symbol, ps, ss, depth, 0);
      if (id < 0) throw new RangeError(`Cannot mirror book ${exchange}/${symbol}: depth ${depth}`);
      if (e && e.id === id) {
        this.#ex.book_clear(id);
        this.#ex.book_set_scale(id, ps, ss);
      }
      e = {
        id,
        seq: 0,
        nextPart: 0,
        synced: false,
        checksum: 0,
        depth,
        priceScale: ps,
        sizeScale: ss,
      };
      this.#books.set(key, e);
    }
    return e;
  }

  /** Marks a book as needing a fresh snapshot (its deltas are ignored until then). */
  invalidate(exchange: number, symbol: number): void {
    const e = this.#books.get(this.#key(exchange, symbol));
    if (e) {
      e.synced = false;
      e.nextPart = 0;
      this.#ex.book_clear(e.id);
    }
  }

  /** Applies one record (its used bytes, as read from the ring or a binary frame). */
  apply(bytes: Uint8Array): MirrorResult {
    const l = this.#layout;
    if (bytes.byteLength < l.recHeaderSize || bytes.byteLength > l.recordSize) {
      throw new RangeError(`Not a delta record: ${bytes.byteLength} bytes`);
    }
    const rec = this.#view.wrap(bytes);
    const flags = rec.flags;
    const exchange = rec.exchange;
    const symbol = rec.symbol;
    const seq = rec.seq;
    const part = rec.part;
    const depth = rec.depth;
    const ps = rec.priceScale;
    const ss = rec.sizeScale;
    const result = (status: MirrorStatus): MirrorResult => ({ status, exchange, symbol, seq });
    const e = this.#entry(exchange, symbol, Math.max(depth, 1), ps, ss);
    const isSnapshot = (flags & l.flagSnapshot) !== 0;
    if ((flags & l.flagStale) !== 0) {
      this.invalidate(exchange, symbol);
      return result("stale");
    }
    if (!isSnapshot || part > 0) {
      if (!e.synced) return result("waiting");
      const continues = part === 0
        ? seq === e.seq + 1 && e.nextPart === 0
        : seq === e.seq && part === e.nextPart;
      if (!continues) {
        this.invalidate(exchange, symbol);
        return result("gap");
      }
    }
    new Uint8Array(this.#memory.buffer, this.#recAddress, bytes.byteLength).set(bytes);
    const code = this.#ex.mirror_apply(e.id, this.#recAddress);
    e.seq = seq;
    if (isSnapshot && part === 0) e.synced = true;
    if (code === 0) {
      e.nextPart = part + 1;
      return result("partial");
    }
    e.nextPart = 0;
    if (code === 1) {
      e.checksum = rec.checksum;
      return result("ok");
    }
    this.invalidate(exchange, symbol);
    return result("checksum");
  }

  /** Whether the book is synced (has a snapshot and no gap since). */
  isSynced(exchange: number, symbol: number): boolean {
    const e = this.#books.get(this.#key(exchange, symbol));
    return !!e && e.synced && e.nextPart === 0;
  }

  /** The mirrored top-N of a book as exact decimal text, or `undefined` when not synced. */
  book(exchange: number, symbol: number): MirrorBook | undefined {
    const e = this.#books.get(this.#key(exchange, symbol));
    if (!e || !e.synced) return undefined;
    const side = (s: number): Array<[string, string]> => {
      const n = this.#ex.book_top(e.id, s, e.depth);
      const big = new BigInt64Array(this.#memory.buffer, this.#ex.output_address(), n * 2);
      const out: Array<[string, string]> = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = [
          formatMantissa(big[i * 2], e.priceScale),
          formatMantissa(big[i * 2 + 1], e.sizeScale),
        ];
      }
      return out;
    };
    return {
      exchange,
      symbol,
      seq: e.seq,
      checksum: e.checksum,
      depth: e.depth,
      priceScale: e.priceScale,
      sizeScale: e.sizeScale,
      bids: side(this.#layout.sideBid),
      asks: side(this.#layout.sideAsk),
    };
  }
}
