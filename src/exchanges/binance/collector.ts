/**
 * Binance family collector (Binance global spot, Binance.US; a {@linkcode BinanceVariant} says which): `<sym>@depth@100ms` diff streams and `<sym>@trade` on one combined-stream
 * connection, spliced with REST `/api/v3/depth` snapshots by the documented `lastUpdateId` / `U` /
 * `u` procedure ({@linkcode DepthSync}). A gap re-snapshots that symbol only. REST weight is
 * budgeted ({@linkcode WeightLimiter}); the connection is renewed before Binance's 24 h cut.
 *
 * @module
 */
import { type CollectorContext, type ConnectionSettings, SocketCollector } from "../collector.ts";
import type { FeedSocket } from "../feed_socket.ts";
import type { BookMessage } from "../types.ts";
import { levelTextToStrings } from "../string_levels.ts";
import { DepthSync } from "./depth_sync.ts";
import { binanceSnapshotText } from "./snapshot_text.ts";
import { parseBinanceDepthSnapshot, parseBinanceMessage } from "./parse.ts";

import { binanceNativeSymbol, binanceStreamSymbol, binanceSymbolFromList } from "./symbols.ts";
import { type BinanceVariant, depthWeight } from "./variant.ts";
import { WeightLimiter } from "./weight_limiter.ts";
import { type RestCounters, type RestLimits, SnapshotFetcher } from "../snapshot_fetcher.ts";

/** Depth updates' level arrays are staged by the core from the frame's bytes. */
const LEVEL_TEXT = { levelText: true } as const;
/** How a combined-stream frame and a depth update in Binance's serialization begin. */
const STREAM_HEAD = '{"stream":"';
const DATA_KEY = '","data":';
const DEPTH_HEAD = '{"e":"depthUpdate",';
const encoder = new TextEncoder();
const STREAM_HEAD_BYTES = encoder.encode(STREAM_HEAD);
const DATA_KEY_BYTES = encoder.encode(DATA_KEY);
const DEPTH_HEAD_BYTES = encoder.encode(DEPTH_HEAD);
/** Frames longer than this take the text path (which caps their levels before any scan). */
const MAX_BYTES_FRAME = 256 * 1024;
const decoder = new TextDecoder();

/** Whether `bytes` holds `lit` at `at` (below `end`). */
function bytesAt(bytes: Uint8Array, at: number, end: number, lit: Uint8Array): boolean {
  if (end - at < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (bytes[at + i] !== lit[i]) return false;
  return true;
}

/** A Binance family section of the config. */
export interface BinanceSettings extends ConnectionSettings, RestLimits {
  restUrl: string;
  snapshotLimit: number;
  restWeightPerMinute: number;
  maxConnectionAgeMs: number;
}

/** Delay before fetching another snapshot after one was too old or failed. */
const RETRY_MS = 250;
const MAX_RETRY_MS = 15_000;

/**
 * @example
 * ```ts ignore
 * const collector = new BinanceCollector({ symbols: ["BTC/USDT"], wsUrl: "wss://stream.binance.us:9443",
 *   restUrl: "https://api.binance.us", snapshotLimit: 1000, restWeightPerMinute: 600,
 *   maxConnectionAgeMs: 82_800_000, silenceTimeoutMs: 10_000, minBackoffMs: 250, maxBackoffMs: 30_000 },
 *   { core, exchangeCode: 3, depth: 50 }, variant);
 * await collector.start();
 * ```
 */
export class BinanceCollector extends SocketCollector {
  readonly exchange: string;
  readonly #variant: Pick<BinanceVariant, "id" | "depthWeights">;
  #rest: BinanceSettings;
  #sync = new Map<string, DepthSync>();
  #limiter: WeightLimiter;
  #fetcher: SnapshotFetcher;
  /** Depth events skipped as already covered (`u` not above the book's). */
  oldEvents = 0;
  /**
   * Whether depth updates in Binance's compact form take the one-pass core path
   * (`Core.scanBinanceDepth`, see {@linkcode handle}); false sends every frame through the
   * general parser (tests compare the two).
   */
  depthFastPath = true;
  /** Depth updates the fast path took (scanned by the core and continuing their chain). */
  fastDepthUpdates = 0;
  /** Native symbol (`BTCUSDT`) and normalised symbol of each book, for the fast path. */
  #natives: Array<readonly [string, string, Uint8Array]> = [];

  constructor(
    settings: BinanceSettings,
    context: CollectorContext,
    variant: Pick<BinanceVariant, "id" | "depthWeights">,
  ) {
    super(settings, context, settings.maxConnectionAgeMs);
    this.exchange = variant.id;
    this.#variant = variant;
    this.#rest = settings;
    this.#limiter = new WeightLimiter(settings.restWeightPerMinute);
    for (const s of this.symbols) {
      this.#sync.set(s, new DepthSync());
      // Only where the general path maps the native name back to this very book.
      const native = this.toNative(s);
      if (this.fromNative(native) === s) this.#natives.push([native, s, encoder.encode(native)]);
    }
    this.#fetcher = new SnapshotFetcher({
      bucket: this.#limiter,
      cost: depthWeight(variant.depthWeights, settings.snapshotLimit),
      restTimeoutMs: settings.restTimeoutMs,
      restBodyTimeoutMs: settings.restBodyTimeoutMs,
      maxRestBytes: settings.maxRestBytes,
      retryMs: RETRY_MS,
      maxRetryMs: MAX_RETRY_MS,
      url: (symbol) =>
        `${settings.restUrl.replace(/\/+$/, "")}/api/v3/depth?symbol=${this.toNative(symbol)}` +
        `&limit=${settings.snapshotLimit}`,
      onResponse: (response) => {
        const used = Number(response.headers.get("x-mbx-used-weight-1m"));
        if (Number.isFinite(used) && used >= settings.restWeightPerMinute) {
          this.#limiter.pause(10_000);
        }
      },
      onBody: (symbol, body) => {
        this.context.record?.("rest", body, Date.now(), { symbol });
        this.#onSnapshot(symbol, body);
      },
      onFailure: (symbol, reason, n) => {
        if (reason.startsWith("HTTP ")) this.exchangeErrors++;
        this.log(`${symbol}: snapshot failed (${reason}); retry ${n}`);
      },
    });
  }

  /** REST snapshots requested. */
  get snapshotRequests(): number {
    return this.#fetcher.requests;
  }

  protected override restCounters(): RestCounters {
    return { ...this.#fetcher.counters };
  }

  protected url(): string {
    const streams = this.symbols.flatMap((s) => {
      const name = binanceStreamSymbol(s);
      return [`${name}@depth@100ms`, `${name}@trade`];
    });
    return `${this.settings.wsUrl.replace(/\/+$/, "")}/stream?streams=${streams.join("/")}`;
  }

  toNative(symbol: string): string {
    return binanceNativeSymbol(symbol);
  }

  protected nativeToSymbol(native: string): string | undefined {
    return binanceSymbolFromList(native, this.symbols);
  }

  protected subscribe(_socket: FeedSocket): void {
    // The combined-stream URL subscribes; buffer from now on and fetch snapshots (a fetch still
    // running for the previous connection is aborted).
    this.#fetcher.newGeneration();
    for (const [symbol, sync] of this.#sync) {
      sync.restart(true);
      this.#fetchSnapshot(symbol, 0);
    }
  }

  /** A new snapshot, after the resync backoff of the book's consecutive failures. */
  protected resync(symbol: string): void {
    this.#sync.get(symbol)!.restart(true);
    this.#fetchSnapshot(symbol, this.context.replay ? 0 : this.resyncDelay(symbol));
  }

  protected unreadableBook(text: string): string | undefined {
    const native = text.includes("depthUpdate")
      ? /"s":"([A-Za-z0-9]+)"/.exec(text)?.[1]
      : undefined;
    return native ? this.fromNative(native) : undefined;
  }

  override async stop(): Promise<void> {
    this.#fetcher.close();
    await super.stop();
  }

  /** Fetches a REST snapshot for `symbol` (one at a time per symbol), within the weight budget. */
  #fetchSnapshot(symbol: string, delayMs: number): void {
    if (this.stopped || this.context.replay) return;
    this.#fetcher.fetch(symbol, delayMs);
  }

  /** `u` of the last depth event applied to `symbol`'s book (its snapshot's id right after one). */
  lastUpdateId(symbol: string): number {
    return this.#sync.get(symbol)?.lastUpdateId ?? -1;
  }

  /**
   * Feeds a REST depth snapshot body for `symbol` (replays of recordings, benchmarks): spliced
   * with the buffered events exactly like a fetched one.
   */
  ingestRestSnapshot(symbol: string, body: string): void {
    this.#onSnapshot(symbol, body);
  }

  #onSnapshot(symbol: string, body: string): void {
    if (this.tooManyLevels(body, `REST snapshot for ${symbol}`)) {
      this.#fetchSnapshot(symbol, RETRY_MS);
      return;
    }
    const text = this.snapshotTextPath ? binanceSnapshotText(this.context.core, body) : undefined;
    const snap = text ?? parseBinanceDepthSnapshot(body, this.toNative(symbol));
    if (snap.kind === "invalid") {
      this.invalid(`REST snapshot for ${symbol}: ${snap.reason}`);
      this.#fetchSnapshot(symbol, RETRY_MS);
      return;
    }
    const sync = this.#sync.get(symbol)!;
    const result = sync.onSnapshot(snap.lastUpdateId ?? -1);
    if (result.status === "too-old") {
      this.log(
        `${symbol}: snapshot ${snap.lastUpdateId} older than buffered events; fetching another`,
      );
      this.#fetchSnapshot(symbol, RETRY_MS);
      return;
    }
    const received = Date.now();
    let loaded = text &&
      this.books.snapshotText(symbol, text.bidsText!, text.asksText, 0, received);
    if (loaded !== undefined) this.textSnapshots++;
    else {
      // The string path (also if the core did not take the measured arrays: it always does).
      const strings = text ? parseBinanceDepthSnapshot(body) : snap;
      loaded = strings.kind === "book" &&
        this.books.snapshot(symbol, strings.bids, strings.asks, 0, received);
    }
    if (!loaded) {
      sync.restart(true);
      this.#fetchSnapshot(symbol, RETRY_MS);
      return;
    }
    this.#fetcher.succeeded(symbol);
    for (const ev of result.events) this.#apply(symbol, ev, received);
  }

  #apply(symbol: string, ev: BookMessage, receivedMs: number): void {
    const r = this.books.update(
      symbol,
      ev.bidsText ?? ev.bids,
      ev.asksText ?? ev.asks,
      ev.exchangeTimeMs ?? 0,
      receivedMs,
    );
    if (r === "rejected") this.resync(symbol);
  }

  /** Whether a depth event's level text would be refused (then handled as an invalid message). */
  #badLevels(m: BookMessage, text: string, receivedMs: number): boolean {
    const problem = levelTextToStrings(m);
    if (problem === undefined) return false;
    this.common({ kind: "invalid", reason: `depthUpdate: ${problem}` }, text, receivedMs);
    return true;
  }

  /**
   * The hot path: a depth update in Binance's compact form, scanned by the core in one pass, that
   * continues its live book's chain is staged and applied in one more core call. Returns false,
   * having changed nothing, for anything else (another message or form, an unknown symbol, a
   * book that is buffering, an old event, a gap), which {@linkcode handle} then parses generally.
   */
  #depthFast(text: string, receivedMs: number): boolean {
    // Trades and tickers are most frames: only a depth update is worth writing into the core.
    let data = 0;
    if (text.startsWith(STREAM_HEAD)) {
      data = text.indexOf(DATA_KEY, STREAM_HEAD.length);
      if (data < 0) return false;
      data += DATA_KEY.length;
    }
    if (!text.startsWith(DEPTH_HEAD, data)) return false;
    const core = this.context.core;
    if (!core.scanBinanceDepth(text)) return false;
    const d = core.scannedDepth;
    const length = d.symbolEnd - d.symbolAt;
    const book = this.#natives.find(([native]) =>
      native.length === length && text.startsWith(native, d.symbolAt)
    );
    return this.#applyScanned(book?.[1], text, receivedMs);
  }

  /**
   * The depth update the core just scanned, for `symbol`'s book (undefined: not one of ours):
   * applied when it continues the book's live chain; false, having changed nothing, otherwise.
   */
  #applyScanned(
    symbol: string | undefined,
    text: string | (() => string),
    receivedMs: number,
  ): boolean {
    if (symbol === undefined) return false;
    const d = this.context.core.scannedDepth;
    if (!this.#sync.get(symbol)!.tryAdvance(d.firstUpdateId, d.lastUpdateId)) return false;
    this.fastDepthUpdates++;
    const r = this.books.updateScannedDepth(symbol, text, d.exchangeTimeMs, receivedMs);
    if (r === "rejected") this.resync(symbol);
    return true;
  }

  /**
   * The depth fast path straight from the WebSocket client's receive buffer: the frame's bytes
   * go into the core with no text made of them. Anything it does not take (another message, a
   * book that is buffering, an old event, a frame over 256 KiB or over `maxLevelsPerMessage`)
   * is decoded and handled as text, having changed nothing.
   */
  protected override handleBytes(
    bytes: Uint8Array,
    start: number,
    end: number,
    receivedMs: number,
  ): boolean {
    if (!this.depthFastPath || end - start > MAX_BYTES_FRAME) return false;
    let data = start;
    if (bytesAt(bytes, start, end, STREAM_HEAD_BYTES)) {
      data = bytes.indexOf(0x22, start + STREAM_HEAD_BYTES.length); // the name's closing quote
      if (data < 0 || data >= end || !bytesAt(bytes, data, end, DATA_KEY_BYTES)) return false;
      data += DATA_KEY_BYTES.length;
    }
    if (!bytesAt(bytes, data, end, DEPTH_HEAD_BYTES)) return false;
    const core = this.context.core;
    if (!core.scanBinanceDepthBytes(bytes, start, end)) return false;
    const d = core.scannedDepth;
    if (d.bids + d.asks > this.maxLevelsPerMessage) return false;
    const at = start + d.symbolAt;
    const length = d.symbolEnd - d.symbolAt;
    const book = this.#natives.find(([, , native]) =>
      native.length === length && bytesAt(bytes, at, end, native)
    );
    return this.#applyScanned(
      book?.[1],
      () => decoder.decode(bytes.subarray(start, end)),
      receivedMs,
    );
  }

  protected handle(text: string, receivedMs: number): void {
    if (this.depthFastPath && this.#depthFast(text, receivedMs)) return;
    for (const m of parseBinanceMessage(text, LEVEL_TEXT)) {
      switch (m.kind) {
        case "book": {
          const symbol = this.fromNative(m.symbol);
          if (symbol === undefined || m.snapshot) {
            this.unknownMessages++;
            break;
          }
          const sync = this.#sync.get(symbol)!;
          // Levels left in the frame are checked when staged; an event that is buffered or
          // dropped as old is not staged now, so it is checked here (the string path's rule).
          if (m.bidsText && !sync.live && this.#badLevels(m, text, receivedMs)) break;
          const outcome = sync.onEvent(m);
          if (outcome === "old" && m.bidsText) this.#badLevels(m, text, receivedMs);
          if (outcome === "apply") this.#apply(symbol, m, receivedMs);
          else if (outcome === "old") this.oldEvents++;
          else if (outcome === "gap") {
            this.gaps++;
            this.books.countGap(symbol);
            this.log(
              `${symbol}: update id gap (U=${m.firstUpdateId} after u=${sync.lastUpdateId}); re-snapshot`,
            );
            this.books.markStale(symbol, "update id gap", receivedMs);
            this.#fetchSnapshot(symbol, this.context.replay ? 0 : this.resyncDelay(symbol));
          }
          break;
        }
        case "unknown":
          if (m.type === "serverShutdown") {
            // Binance global announces planned closes: reconnect (and resync) at once.
            this.log("serverShutdown received; reconnecting");
            this.socket.reconnect("serverShutdown");
            break;
          }
          this.common(m, text, receivedMs);
          break;
        default:
          this.common(m, text, receivedMs);
      }
    }
  }
}
