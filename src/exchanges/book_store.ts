/**
 * The books of one exchange inside its WASM core, with their state and counters. Adapters hand it
 * parsed messages (exact decimal text); it stages them into the core, publishes deltas, snapshots
 * and STALE markers, and turns every refusal into a counted, logged resync of that book only.
 *
 * @module
 */
import { type Core, CoreError } from "../core/core.ts";
import { decimalsOf, ScaleError } from "../core/decimal.ts";
import type { BookHealth, BookState } from "./health.ts";
import { JsonScanner } from "./json_scanner.ts";
import { scanStringLevels } from "./string_levels.ts";
import type { Levels, LevelText } from "./types.ts";

/** Options of {@linkcode BookStore}. */
export interface BookStoreOptions {
  /** Record exchange code. */
  exchangeCode: number;
  /** Normalised symbols; the record symbol id is the index. */
  symbols: readonly string[];
  /** Tracked top-N. */
  depth: number;
  /** Cap on levels per side (Kraken's subscribed depth); 0 = none. */
  maxLevels?: number;
  log?: (line: string) => void;
}

/** What happened to an update. */
export type UpdateResult = "applied" | "ignored" | "rejected";

interface Entry {
  symbol: string;
  id: number;
  state: BookState;
  /** Smallest scales the book must use (raised when a message needs more decimals). */
  minPriceScale: number;
  minSizeScale: number;
  /** The instrument's precisions when the venue announces them: the only scales allowed. */
  fixedScales: readonly [number, number] | undefined;
  lastUpdateAt: number;
  updates: number;
  resyncs: number;
  gaps: number;
  checksumFailures: number;
  parseErrors: number;
  /** When the book last went live (ms), and the updates applied since (snapshot not counted). */
  liveAt: number;
  liveUpdates: number;
  /** The live run that the last markStale ended (consumed by {@linkcode BookStore.healthyRun}). */
  lastRunMs: number;
  lastRunUpdates: number;
  /** No reader wants its delta records (see {@linkcode BookStore.pauseRecords}). */
  quiet: boolean;
}

const DEFAULT_SCALE = 0;

/** A snapshot's level arrays left in their frame, with the scales their decimals ask for. */
interface TextSnapshot {
  bids: LevelText;
  asks: LevelText | undefined;
  decimals: [number, number];
}

/** A snapshot's levels: flat string lists, or measured level arrays in their frame. */
type SnapshotSource = { bids: readonly string[]; asks: readonly string[] } | TextSnapshot;

/**
 * @example
 * ```ts ignore
 * const store = new BookStore(core, { exchangeCode: 2, symbols: ["BTC/USD"], depth: 50 });
 * store.snapshot("BTC/USD", ["50000.0", "1.5"], ["50000.5", "2"], 0, Date.now());
 * store.update("BTC/USD", ["50000.0", "0"], [], 0, Date.now());
 * ```
 */
export class BookStore {
  #core: Core;
  #opts: BookStoreOptions;
  #books = new Map<string, Entry>();
  #keepRecords = false;

  constructor(core: Core, options: BookStoreOptions) {
    this.#core = core;
    this.#opts = options;
    options.symbols.forEach((symbol, index) => {
      const id = core.createBook({
        exchange: options.exchangeCode,
        symbol: index,
        priceScale: DEFAULT_SCALE,
        sizeScale: DEFAULT_SCALE,
        depth: options.depth,
        maxLevels: options.maxLevels ?? 0,
      });
      this.#books.set(symbol, {
        symbol,
        id,
        state: "connecting",
        minPriceScale: 0,
        minSizeScale: 0,
        fixedScales: undefined,
        lastUpdateAt: 0,
        updates: 0,
        resyncs: 0,
        gaps: 0,
        checksumFailures: 0,
        parseErrors: 0,
        liveAt: 0,
        liveUpdates: 0,
        lastRunMs: 0,
        lastRunUpdates: 0,
        quiet: false,
      });
    });
  }

  /** Whether `symbol` is one of this store's books. */
  has(symbol: string): boolean {
    return this.#books.has(symbol);
  }

  /** The book's state. */
  state(symbol: string): BookState | undefined {
    return this.#books.get(symbol)?.state;
  }

  /** The core book id of a symbol. */
  bookId(symbol: string): number {
    const e = this.#books.get(symbol);
    if (!e) throw new RangeError(`Unknown symbol ${symbol}`);
    return e.id;
  }

  /** Symbols whose books are live. */
  get liveCount(): number {
    let n = 0;
    for (const e of this.#books.values()) if (e.state === "live") n++;
    return n;
  }

  #entry(symbol: string): Entry | undefined {
    return this.#books.get(symbol);
  }

  /**
   * Replaces a book with a full snapshot (flat `[price, size, …]` texts, any order) and publishes
   * SNAPSHOT records. `scales` forces `[priceScale, sizeScale]` (e.g. Kraken's instrument
   * precisions); otherwise they are the most decimals in the snapshot. Returns false when the
   * snapshot was refused (counted; the book stays stale).
   */
  snapshot(
    symbol: string,
    bids: readonly string[],
    asks: readonly string[],
    exchangeMs: number,
    receivedMs: number,
    scales?: readonly [number, number],
    verify?: (bookId: number) => boolean,
  ): boolean {
    const e = this.#entry(symbol);
    if (!e) return false;
    return this.#loadSnapshot(e, { bids, asks }, exchangeMs, receivedMs, scales, verify);
  }

  /**
   * {@linkcode snapshot} for level arrays left in their frame (`LevelText`; `asks` omitted for a
   * format whose levels name their sides, `side_updates` and `rows`): the core measures the
   * arrays' decimals, the scales are chosen from them as from strings, and the levels are staged
   * from the frame's bytes. Returns `undefined` when the core does not read them (a text that is
   * not ASCII, the two sides in different texts, anything the string parse would not accept):
   * nothing was staged, marked or counted, and the caller takes the string path. Otherwise the
   * outcome (scales, book, records, refusals, counters, logs) is exactly {@linkcode snapshot}'s.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Core } from "../core/mod.ts";
   * import { BookStore } from "./book_store.ts";
   * const core = await Core.create({ ringCapacity: 64 });
   * const store = new BookStore(core, { exchangeCode: 1, symbols: ["BTC/USDT"], depth: 10 });
   * const text = '{"lastUpdateId":7,"bids":[["100.50","1"]],"asks":[["101","0.125"]]}';
   * const bids = { text, at: text.indexOf("[[") };
   * const asks = { text, at: text.lastIndexOf("[[") };
   * assert.equal(store.snapshotText("BTC/USDT", bids, asks, 0, Date.now()), true);
   * assert.deepEqual(store.scales("BTC/USDT"), [2, 3]);
   * assert.equal(store.snapshotText("BTC/USDT", { text: "[[1]]", at: 0 }, asks, 0, 0), undefined);
   * ```
   */
  snapshotText(
    symbol: string,
    bids: LevelText,
    asks: LevelText | undefined,
    exchangeMs: number,
    receivedMs: number,
    scales?: readonly [number, number],
    verify?: (bookId: number) => boolean,
  ): boolean | undefined {
    const e = this.#entry(symbol);
    if (!e) return false;
    const source = this.#measure(bids, asks);
    if (source === undefined) return undefined;
    return this.#loadSnapshot(e, source, exchangeMs, receivedMs, scales, verify);
  }

  /**
   * Whether {@linkcode snapshotText} / {@linkcode stageSnapshotText} would take these level
   * arrays (the core reads them: ASCII, and every level what the string parse accepts). Changes
   * nothing; the core remembers the measure, so loading them next costs no second pass.
   */
  takesSnapshotText(bids: LevelText, asks?: LevelText): boolean {
    return this.#measure(bids, asks) !== undefined;
  }

  /**
   * The scales `[price, size]` these level arrays ask for, as `inferScales` gives them for the
   * same levels as strings (the most decimals, at most 18); `undefined` when the core does not
   * read them ({@linkcode takesSnapshotText}). For venues that raise them to a floor and pass
   * the result as `scales`.
   */
  snapshotTextScales(bids: LevelText, asks?: LevelText): readonly [number, number] | undefined {
    return this.#measure(bids, asks)?.decimals;
  }

  #loadSnapshot(
    e: Entry,
    source: SnapshotSource,
    exchangeMs: number,
    receivedMs: number,
    scales: readonly [number, number] | undefined,
    verify: ((bookId: number) => boolean) | undefined,
  ): boolean {
    const symbol = e.symbol;
    const core = this.#core;
    try {
      this.#stageAtScales(e, source, scales, false);
      if (verify) {
        // Load without publishing, check, then publish: a bad snapshot never reaches clients.
        if (e.state === "live") this.markStale(symbol, "resnapshot", receivedMs);
        core.clear(e.id);
        core.applyLevels();
        if (!verify(e.id)) {
          e.checksumFailures++;
          core.clear(e.id);
          this.markStale(symbol, "snapshot checksum mismatch", receivedMs);
          return false;
        }
        core.resume(e.id, exchangeMs, receivedMs);
      } else {
        core.reset(exchangeMs, receivedMs);
      }
    } catch (err) {
      this.#refused(e, err, "snapshot");
      return false;
    }
    e.state = "live";
    e.lastUpdateAt = receivedMs;
    e.updates++;
    e.liveAt = receivedMs;
    e.liveUpdates = 0;
    return true;
  }

  /**
   * Applies an update and publishes its top-N delta. With `verify`, the changes are applied
   * first, `verify(bookId)` is asked (e.g. to compare Kraken's checksum) and the delta is published
   * only when it returns true; otherwise the book is marked STALE (count it via the callback's
   * own logic) and `"rejected"` is returned. Updates for books that are not live are ignored.
   */
  update(
    symbol: string,
    bids: Levels,
    asks: Levels,
    exchangeMs: number,
    receivedMs: number,
    verify?: (bookId: number) => boolean,
  ): UpdateResult {
    const e = this.#entry(symbol);
    if (!e || e.state !== "live") return "ignored";
    const core = this.#core;
    try {
      this.#stage(e.id, bids, asks);
      if (verify) {
        core.applyLevels();
        if (!verify(e.id)) {
          e.checksumFailures++;
          this.markStale(symbol, "checksum mismatch", receivedMs);
          return "rejected";
        }
        core.publish(e.id, exchangeMs, receivedMs);
      } else {
        core.apply(exchangeMs, receivedMs);
      }
    } catch (err) {
      this.#refused(e, err, "update");
      return "rejected";
    }
    return this.#applied(e, receivedMs);
  }

  /**
   * {@linkcode update} for the depth update the core just scanned from `text`
   * (`Core.scanBinanceDepth`, or `Core.scanBinanceDepthBytes` with `text` a function that makes
   * the frame's text): its levels are staged and applied in one core call. A value the book's
   * scales cannot hold is staged again from the text by {@linkcode update}, so refusals,
   * counters and logs are exactly the general path's.
   */
  updateScannedDepth(
    symbol: string,
    text: string | (() => string),
    exchangeMs: number,
    receivedMs: number,
  ): UpdateResult {
    const e = this.#entry(symbol);
    if (!e || e.state !== "live") return "ignored";
    const core = this.#core;
    try {
      if (core.applyScannedDepth(e.id, exchangeMs, receivedMs) < 0) {
        const d = core.scannedDepth;
        const t = typeof text === "string" ? text : text();
        return this.update(
          symbol,
          { text: t, at: d.bidsAt },
          { text: t, at: d.asksAt },
          exchangeMs,
          receivedMs,
        );
      }
    } catch (err) {
      this.#refused(e, err, "update");
      return "rejected";
    }
    return this.#applied(e, receivedMs);
  }
  /**
   * {@linkcode update} for changes left in their frame that name their own sides (`LevelText`
   * format `"rows"`, Bitfinex), staged from the frame's bytes. Returns `undefined` when the core
   * does not read them (a text that is not ASCII, or rows it leaves to the string path): nothing
   * was staged, applied or counted, and the caller takes the string path, which gives the
   * precise reason. Scale and range refusals are the string path's (same errors, counters, logs).
   */
  updateText(
    symbol: string,
    levels: LevelText,
    exchangeMs: number,
    receivedMs: number,
  ): UpdateResult | undefined {
    const e = this.#entry(symbol);
    if (!e || e.state !== "live") return "ignored";
    const core = this.#core;
    if (!core.loadText(levels.text)) return undefined;
    try {
      if (core.begin(e.id).tryTextLevels(0, levels.at, levels.format) < 0) return undefined;
      core.apply(exchangeMs, receivedMs);
    } catch (err) {
      this.#refused(e, err, "update");
      return "rejected";
    }
    return this.#applied(e, receivedMs);
  }

  /**
   * {@linkcode stageUpdate} for changes left in their frame as {@linkcode updateText} takes them;
   * `undefined` as there (nothing changed: take the string path).
   */
  stageUpdateText(symbol: string, levels: LevelText): boolean | undefined {
    const e = this.#entry(symbol);
    if (!e) return false;
    const core = this.#core;
    if (!core.loadText(levels.text)) return undefined;
    try {
      if (core.begin(e.id).tryTextLevels(0, levels.at, levels.format) < 0) return undefined;
      core.applyLevels();
    } catch (err) {
      this.#refused(e, err, "update");
      return false;
    }
    return true;
  }

  /** Counts an update applied to `e` at `receivedMs`. */
  #applied(e: { lastUpdateAt: number; updates: number; liveUpdates: number }, receivedMs: number) {
    e.lastUpdateAt = receivedMs;
    e.updates++;
    e.liveUpdates++;
    return "applied" as const;
  }

  /**
   * Loads a snapshot into the core book **without publishing** (for venues whose checksum comes
   * in a later message, e.g. Bitfinex `cs`): the book is STALE until {@linkcode commitSnapshot}.
   * Returns false when the core refused it (counted; the book stays stale).
   */
  stageSnapshot(
    symbol: string,
    bids: readonly string[],
    asks: readonly string[],
    receivedMs: number,
    scales?: readonly [number, number],
  ): boolean {
    const e = this.#entry(symbol);
    if (!e) return false;
    return this.#stageSnapshot(e, { bids, asks }, receivedMs, scales);
  }

  /**
   * {@linkcode stageSnapshot} for level arrays left in their frame, as {@linkcode snapshotText}
   * takes them; `undefined` as there (nothing changed: take the string path).
   */
  stageSnapshotText(
    symbol: string,
    bids: LevelText,
    asks: LevelText | undefined,
    receivedMs: number,
    scales?: readonly [number, number],
  ): boolean | undefined {
    const e = this.#entry(symbol);
    if (!e) return false;
    const source = this.#measure(bids, asks);
    if (source === undefined) return undefined;
    return this.#stageSnapshot(e, source, receivedMs, scales);
  }

  #stageSnapshot(
    e: Entry,
    source: SnapshotSource,
    receivedMs: number,
    scales: readonly [number, number] | undefined,
  ): boolean {
    const core = this.#core;
    if (e.state === "live") this.markStale(e.symbol, "resnapshot", receivedMs);
    try {
      this.#stageAtScales(e, source, scales, true);
      core.applyLevels();
    } catch (err) {
      this.#refused(e, err, "snapshot");
      return false;
    }
    return true;
  }

  /**
   * Applies an update to the core book **without publishing**; {@linkcode commitUpdate} (or
   * {@linkcode commitSnapshot} after a staged snapshot) publishes it once verified. Returns false
   * when the core refused it (the book is then STALE).
   */
  stageUpdate(symbol: string, bids: Levels, asks: Levels): boolean {
    const e = this.#entry(symbol);
    if (!e) return false;
    try {
      this.#stage(e.id, bids, asks);
      this.#core.applyLevels();
    } catch (err) {
      this.#refused(e, err, "update");
      return false;
    }
    return true;
  }

  /** Publishes a staged, verified snapshot (SNAPSHOT records); the book is live again. */
  commitSnapshot(symbol: string, exchangeMs: number, receivedMs: number): boolean {
    const e = this.#entry(symbol);
    if (!e) return false;
    try {
      this.#core.resume(e.id, exchangeMs, receivedMs);
    } catch (err) {
      this.#refused(e, err, "snapshot");
      return false;
    }
    e.state = "live";
    e.lastUpdateAt = receivedMs;
    e.updates++;
    e.liveAt = receivedMs;
    e.liveUpdates = 0;
    return true;
  }

  /** Publishes the top-N delta of staged, verified updates of a live book. */
  commitUpdate(symbol: string, exchangeMs: number, receivedMs: number, updates = 1): UpdateResult {
    const e = this.#entry(symbol);
    if (!e || e.state !== "live") return "ignored";
    try {
      this.#core.publish(e.id, exchangeMs, receivedMs);
    } catch (err) {
      this.#refused(e, err, "update");
      return "rejected";
    }
    e.lastUpdateAt = receivedMs;
    e.updates += updates;
    e.liveUpdates += updates;
    return "applied";
  }

  /** Counts a checksum mismatch against a book (paths that verify outside `snapshot`/`update`). */
  countChecksumFailure(symbol: string): void {
    const e = this.#entry(symbol);
    if (e) e.checksumFailures++;
  }

  /** Scales `[price, size]` of a book. */
  scales(symbol: string): readonly [number, number] {
    return this.#core.scales(this.bookId(symbol));
  }

  /** Best `n` levels of one side as mantissas, best first. */
  topMantissas(symbol: string, side: 0 | 1, n: number): ReturnType<Core["top"]> {
    return this.#core.top(this.bookId(symbol), side, n);
  }

  /**
   * Fixes a book's scales to the instrument's precisions (Kraken's `instrument` channel): every
   * later snapshot is loaded at exactly these scales, and a value with more decimals is a bad
   * message for that book (counted, book resynced at these scales), never a new scale. `undefined`
   * lets the book's scales follow its snapshots again.
   */
  setInstrumentScales(symbol: string, scales: readonly [number, number] | undefined): void {
    const e = this.#entry(symbol);
    if (e) e.fixedScales = scales && [scales[0], scales[1]];
  }

  /**
   * Stages a snapshot's levels at the scales it needs: the instrument's when fixed, else
   * `scales` (or the snapshot's own decimals) raised to the book's minimum. When a raised
   * minimum makes the snapshot's values overflow an i64 (a single absurd value asked for 18
   * decimals), the minimum is dropped and the snapshot staged at its own scales, so one message
   * can never wedge the book.
   */
  #stageAtScales(
    e: Entry,
    source: SnapshotSource,
    scales: readonly [number, number] | undefined,
    alwaysClear: boolean,
  ): void {
    const own = e.fixedScales ?? scales ??
      ("decimals" in source ? source.decimals : inferScales(source.bids, source.asks));
    const fixed = e.fixedScales !== undefined;
    const ps = fixed ? own[0] : Math.max(own[0], e.minPriceScale);
    const ss = fixed ? own[1] : Math.max(own[1], e.minSizeScale);
    try {
      this.#stageLevels(e, source, ps, ss, alwaysClear);
    } catch (err) {
      const raised = ps !== own[0] || ss !== own[1];
      if (!raised || !(err instanceof RangeError) || err instanceof ScaleError) throw err;
      this.#opts.log?.(
        `${e.symbol}: snapshot does not fit scales ${ps}/${ss} (${err.message}); ` +
          `back to its own scales ${own[0]}/${own[1]}`,
      );
      e.minPriceScale = 0;
      e.minSizeScale = 0;
      this.#stageLevels(e, source, own[0], own[1], true);
    }
  }

  #stageLevels(
    e: Entry,
    source: SnapshotSource,
    ps: number,
    ss: number,
    alwaysClear: boolean,
  ): void {
    const core = this.#core;
    const [cps, css] = core.scales(e.id);
    if (alwaysClear || cps !== ps || css !== ss) core.clear(e.id);
    if (cps !== ps || css !== ss) core.setScales(e.id, ps, ss);
    core.begin(e.id);
    if ("decimals" in source) {
      // Measured already: the same reading, now converting at the chosen scales.
      const { bids, asks } = source;
      core.loadText(bids.text);
      core.addTextLevels(0, bids.at, bids.format);
      if (asks) core.addTextLevels(1, asks.at, asks.format);
    } else core.addLevels(0, source.bids).addLevels(1, source.asks);
  }

  /**
   * What the core measured of a snapshot's level arrays left in their frame, or `undefined` when
   * it does not read them (see {@linkcode snapshotText}).
   */
  #measure(bids: LevelText, asks: LevelText | undefined): TextSnapshot | undefined {
    const core = this.#core;
    const format = bids.format ?? "pairs";
    const sided = format === "side_updates" || format === "rows";
    if (
      asks !== undefined &&
      (sided || asks.text !== bids.text || (asks.format ?? "pairs") !== format)
    ) {
      return undefined;
    }
    if (!core.loadText(bids.text)) return undefined;
    const b = core.measureTextLevels(bids.at, format);
    if (b === undefined) return undefined;
    let ps = b.priceDecimals;
    let ss = b.sizeDecimals;
    if (asks !== undefined) {
      const a = core.measureTextLevels(asks.at, format);
      if (a === undefined) return undefined;
      ps = Math.max(ps, a.priceDecimals);
      ss = Math.max(ss, a.sizeDecimals);
    }
    return { bids, asks, decimals: [Math.min(ps, 18), Math.min(ss, 18)] };
  }

  /** Stages one message's changes (see `stageSide`). */
  #stage(book: number, bids: Levels, asks: Levels): void {
    const core = this.#core.begin(book);
    stageSide(core, 0, bids);
    stageSide(core, 1, asks);
  }

  #refused(e: Entry, err: unknown, what: string): void {
    if (err instanceof CoreError) {
      this.#opts.log?.(`${e.symbol}: ${what} refused by the core (${err.result}); resyncing`);
    } else if (err instanceof ScaleError) {
      e.parseErrors++;
      const field = this.#core.lastScaleField;
      if (e.fixedScales) {
        // Finer than the instrument's precision: a bad message, never a new scale (the venue's
        // checksum is computed at the instrument's precision).
        this.#opts.log?.(
          `${e.symbol}: ${what}: ${field} ${err.text} is finer than the instrument's precision ` +
            `(${err.scale} decimals); resyncing at that precision`,
        );
      } else {
        // More decimals than the book's scale: resync at a scale that holds them.
        if (field === "price") e.minPriceScale = Math.max(e.minPriceScale, err.needed);
        else e.minSizeScale = Math.max(e.minSizeScale, err.needed);
        this.#opts.log?.(`${e.symbol}: ${what}: ${err.message}; resyncing at a larger scale`);
      }
    } else if (err instanceof RangeError || err instanceof SyntaxError) {
      // Bad numbers, or (levels staged from the frame text) a malformed or unacceptable level.
      e.parseErrors++;
      this.#opts.log?.(`${e.symbol}: ${what} has bad numbers (${err.message}); resyncing`);
    } else {
      throw err;
    }
    this.markStale(e.symbol, `${what} refused`, Date.now());
  }

  /** Marks the book STALE (publishes the marker once) until its next snapshot. */
  markStale(symbol: string, reason: string, receivedMs = Date.now()): void {
    const e = this.#entry(symbol);
    if (!e) return;
    if (e.state === "stale") return;
    const wasLive = e.state === "live";
    e.state = "stale";
    if (wasLive) {
      e.resyncs++;
      e.lastRunMs = Math.max(0, receivedMs - e.liveAt);
      e.lastRunUpdates = e.liveUpdates;
    }
    this.#core.markStale(e.id, receivedMs);
    this.#opts.log?.(`${symbol}: stale (${reason})`);
  }

  /**
   * How long `symbol` was healthy before its latest failure: the current live run when live,
   * else the run the last {@linkcode markStale} ended (reported once, then zero), for
   * `resync_backoff.ts`.
   */
  healthyRun(symbol: string, now = Date.now()): { ms: number; updates: number } {
    const e = this.#entry(symbol);
    if (!e) return { ms: 0, updates: 0 };
    if (e.state === "live") return { ms: Math.max(0, now - e.liveAt), updates: e.liveUpdates };
    const run = { ms: e.lastRunMs, updates: e.lastRunUpdates };
    e.lastRunMs = e.lastRunUpdates = 0;
    return run;
  }

  /** Marks every book stale (a lost connection). */
  markAllStale(reason: string): void {
    for (const symbol of this.#books.keys()) this.markStale(symbol, reason);
  }

  /** Counts a sequence gap against a book. */
  countGap(symbol: string): void {
    const e = this.#entry(symbol);
    if (e) e.gaps++;
  }

  /**
   * Publishes SNAPSHOT records of live books (all when `symbols` is omitted), and STALE markers
   * of the others. Ends the pause of each book's records ({@linkcode pauseRecords}).
   */
  publishSnapshots(symbols?: readonly string[]): void {
    for (const symbol of symbols ?? [...this.#books.keys()]) {
      const e = this.#entry(symbol);
      if (!e) continue;
      if (e.quiet) {
        this.#core.setQuiet(e.id, false);
        e.quiet = false;
      }
      if (e.state === "live") this.#core.snapshot(e.id);
      else this.#core.markStale(e.id);
    }
  }

  /**
   * Stops writing the delta records of these books: no reader needs them (the server keeps no
   * copy). They still apply every change and stay exact, and STALE and SNAPSHOT records are still
   * written; the next {@linkcode publishSnapshots} naming a book resumes its deltas. Ignored after
   * {@linkcode keepRecords}.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Core, RingReader } from "../core/mod.ts";
   * import { BookStore } from "./book_store.ts";
   * const core = await Core.create({ ringCapacity: 64 });
   * const ring = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
   * const store = new BookStore(core, { exchangeCode: 1, symbols: ["BTC/USD"], depth: 10 });
   * store.snapshot("BTC/USD", ["100", "1"], ["101", "1"], 0, Date.now());
   * while (ring.read() !== null);
   * store.pauseRecords(["BTC/USD"]);
   * store.update("BTC/USD", ["100", "2"], [], 0, Date.now());
   * assert.equal(ring.read(), null); // applied, no record
   * assert.equal(store.top("BTC/USD", 1).bids[0][1], "2");
   * store.publishSnapshots(["BTC/USD"]); // resumes with a SNAPSHOT
   * assert.notEqual(ring.read(), null);
   * ```
   */
  pauseRecords(symbols: readonly string[]): void {
    if (this.#keepRecords) return;
    for (const symbol of symbols) {
      const e = this.#entry(symbol);
      if (!e || e.quiet) continue;
      this.#core.setQuiet(e.id, true);
      e.quiet = true;
    }
  }

  /**
   * Every record is needed from now on (another reader, such as a NATS publisher, reads the
   * ring): paused books resume with a SNAPSHOT and {@linkcode pauseRecords} is ignored.
   */
  keepRecords(): void {
    this.#keepRecords = true;
    const quiet = [...this.#books.values()].filter((e) => e.quiet).map((e) => e.symbol);
    if (quiet.length > 0) this.publishSnapshots(quiet);
  }

  /** Kraken's checksum of a book. */
  krakenChecksum(symbol: string): number {
    return this.#core.krakenChecksum(this.bookId(symbol));
  }

  /** Best levels as text (for tests and health). */
  top(symbol: string, n: number): { bids: Array<[string, string]>; asks: Array<[string, string]> } {
    const id = this.bookId(symbol);
    return { bids: this.#core.topText(id, 0, n), asks: this.#core.topText(id, 1, n) };
  }

  /** Marks every book stopped. */
  stopAll(): void {
    for (const e of this.#books.values()) e.state = "stopped";
  }

  /** Health of every book. */
  health(now = Date.now()): BookHealth[] {
    return [...this.#books.values()].map((e) => ({
      symbol: e.symbol,
      state: e.state,
      lastUpdateAgeMs: e.lastUpdateAt === 0 ? null : Math.max(0, Math.round(now - e.lastUpdateAt)),
      seq: this.#core.seq(e.id),
      updates: e.updates,
      resyncs: e.resyncs,
      gaps: e.gaps,
      checksumFailures: e.checksumFailures,
      parseErrors: e.parseErrors,
      absentDeletes: this.#core.absentDeletes(e.id),
      quiet: e.quiet,
    }));
  }
}

/** The most decimals among prices and among sizes of flat `[price, size, …]` lists. */
export function inferScales(bids: readonly string[], asks: readonly string[]): [number, number] {
  let ps = 0;
  let ss = 0;
  for (const list of [bids, asks]) {
    for (let i = 0; i + 1 < list.length; i += 2) {
      const p = decimalsOf(list[i]);
      const s = decimalsOf(list[i + 1]);
      if (p > ps) ps = p;
      if (s > ss) ss = s;
    }
  }
  return [Math.min(ps, 18), Math.min(ss, 18)];
}

/**
 * Stages one side: string levels through `addLevels`, a level array left in its frame straight
 * from the frame's bytes (`addTextLevels`); a frame that is not ASCII takes the string path, with
 * the same checks.
 */
function stageSide(core: Core, side: 0 | 1, levels: Levels): void {
  if (Array.isArray(levels)) {
    core.addLevels(side, levels as readonly string[]);
    return;
  }
  const { text, at, format } = levels as LevelText;
  if (format === "rows") throw new TypeError("rows level text is staged by updateText");
  if (core.loadText(text)) {
    core.addTextLevels(side, at, format);
    return;
  }
  if (format === "price_qty" || format === "side_updates") {
    throw new TypeError(`${format} level text must be ASCII`);
  }
  const flat: string[] = [];
  const problem = scanStringLevels(new JsonScanner(text, at), flat, side ? "asks" : "bids");
  if (problem !== undefined) throw new SyntaxError(problem);
  core.addLevels(side, flat);
}
