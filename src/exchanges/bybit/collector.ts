/**
 * Bybit v5 collector (spot or linear public socket): `orderbook.{depth}.{SYM}` and
 * `publicTrade.{SYM}` per symbol (at most 10 args per subscribe request on spot), `{"op":"ping"}`
 * every 20 s. Books follow `u` per topic (`sync.ts`): a snapshot (or any `u = 1` message)
 * replaces the book, a delta must be `u + 1`; a gap resubscribes **that symbol's topic only**
 * (STALE until the fresh snapshot); stale duplicates are ignored and counted. The book is
 * truncated to the subscribed depth after every message (the core's per-side cap). Scales come
 * from `instruments-info` (fetched at start from `restUrl`) when it answered before the snapshot,
 * else from the snapshot's text (a later value with more decimals resyncs once at a wider scale).
 *
 * @module
 */
import { type CollectorContext, type ConnectionSettings, SocketCollector } from "../collector.ts";
import type { FeedSocket } from "../feed_socket.ts";
import { type InstrumentScales, parseInstruments } from "./instruments.ts";
import { levelTextToStrings } from "../string_levels.ts";
import { type BybitBookMessage, parseBybitMessage } from "./parse.ts";
import { chunkArgs, TopicSync } from "./sync.ts";
import { bybitNativeSymbol, bybitSymbol } from "./symbols.ts";
import { SPOT_ARGS_PER_REQUEST } from "./wire.ts";
import { boundedFetch } from "../bounded_fetch.ts";
import { REST_DEFAULTS, type RestLimits } from "../snapshot_fetcher.ts";

/** Deltas' level arrays are staged by the core from the frame's bytes. */
const LEVEL_TEXT = { levelText: true } as const;
const SNAPSHOT_TEXT = { levelText: true, snapshotText: true } as const;
const SIDE_NAMES = { names: ["b", "a"], frameOrder: true } as const;

/** Bybit section of the config. */
export interface BybitSettings extends ConnectionSettings, RestLimits {
  category: "spot" | "linear";
  depth: number;
  restUrl: string;
  /** Interval of `{"op":"ping"}`. */
  pingIntervalMs: number;
  /** Fetch `instruments-info` for the scales (default true). */
  instruments?: boolean;
}

/**
 * @example
 * ```ts ignore
 * const bybit = new BybitCollector({ symbols: ["BTC/USDT"], category: "spot", depth: 50,
 *   wsUrl: "wss://stream.bybit.com/v5/public/spot", restUrl: "https://api.bybit.com",
 *   pingIntervalMs: 20_000, silenceTimeoutMs: 15_000, minBackoffMs: 250, maxBackoffMs: 30_000 },
 *   { core, exchangeCode: 5, depth: 50 });
 * await bybit.start();
 * ```
 */
export class BybitCollector extends SocketCollector {
  readonly exchange = "bybit" as const;
  #s: BybitSettings;
  #topics = new Map<string, TopicSync>();
  #scales = new Map<string, readonly [number, number]>();
  #splits = new Map<string, readonly [string, string]>();
  #ping: ReturnType<typeof setInterval> | undefined;
  #aborter = new AbortController();
  #reqId = 1;
  /** Book symbols of each subscribe request awaiting its ack, by `req_id` (bounded: cleared per ack and connection). */
  readonly #pendingSubscribes = new Map<number, string[]>();
  /** Deltas with `u` not above the stored one (ignored). */
  staleDuplicates = 0;
  /** Snapshots that replaced a live book (`u = 1` restarts and repeated snapshots). */
  resets = 0;
  /** `instruments-info` requests that failed (the scales then come from the snapshot). */
  restFailures = 0;

  constructor(settings: BybitSettings, context: CollectorContext) {
    super(settings, context, 0, settings.depth);
    this.#s = settings;
    for (const symbol of this.symbols) {
      this.#topics.set(this.#topic(symbol), new TopicSync());
    }
  }

  #topic(symbol: string): string {
    return `orderbook.${this.#s.depth}.${this.toNative(symbol)}`;
  }

  protected url(): string {
    return this.settings.wsUrl;
  }

  toNative(symbol: string): string {
    return bybitNativeSymbol(symbol);
  }

  protected nativeToSymbol(native: string): string | undefined {
    for (const s of this.symbols) if (bybitNativeSymbol(s) === native) return s;
    return bybitSymbol(native, this.#splits);
  }

  override start(): Promise<void> {
    if (!this.context.replay && this.#s.instruments !== false) void this.#loadInstruments();
    return super.start();
  }

  override async stop(): Promise<void> {
    this.#aborter.abort();
    clearInterval(this.#ping);
    this.#ping = undefined;
    await super.stop();
  }

  async #loadInstruments(): Promise<void> {
    for (const symbol of this.symbols) {
      if (this.stopped) return;
      const url = `${this.#s.restUrl}/v5/market/instruments-info?category=${this.#s.category}` +
        `&symbol=${this.toNative(symbol)}`;
      try {
        const res = await boundedFetch(url, {
          headerTimeoutMs: this.#s.restTimeoutMs ?? REST_DEFAULTS.restTimeoutMs,
          bodyTimeoutMs: this.#s.restBodyTimeoutMs ?? REST_DEFAULTS.restBodyTimeoutMs,
          maxBytes: this.#s.maxRestBytes ?? REST_DEFAULTS.maxRestBytes,
          signal: this.#aborter.signal,
        });
        const body = res.body;
        if (!res.ok) throw new TypeError(`HTTP ${res.status}`);
        this.context.record?.("rest", body, Date.now(), { symbol });
        this.ingestInstruments(body);
      } catch (e) {
        this.restFailures++;
        this.log(
          `instruments-info for ${symbol} failed (${
            (e as Error).message
          }); scales from the snapshot`,
        );
      }
    }
  }

  /** Takes scales and base/quote splits from an `instruments-info` body (also for replays). */
  ingestInstruments(body: string): InstrumentScales[] {
    const list = parseInstruments(body);
    for (const i of list) {
      // Dated futures (`BTCUSDT-26DEC26`) share base and quote with the perpetual: only a
      // symbol spelled exactly base + quote is a `BASE/QUOTE` book.
      if (i.base + i.quote !== i.symbol) continue;
      this.#splits.set(i.symbol, [i.base, i.quote]);
      const symbol = this.fromNative(i.symbol);
      if (symbol !== undefined) this.#scales.set(symbol, [i.priceScale, i.sizeScale]);
    }
    return list;
  }

  protected subscribe(socket: FeedSocket): void {
    for (const t of this.#topics.values()) t.reset();
    const args: string[] = [];
    for (const symbol of this.symbols) {
      args.push(this.#topic(symbol), `publicTrade.${this.toNative(symbol)}`);
    }
    const max = this.#s.category === "spot" ? SPOT_ARGS_PER_REQUEST : 100;
    this.#pendingSubscribes.clear();
    for (const chunk of chunkArgs(args, max)) this.#sendSubscribe(chunk, socket);
    clearInterval(this.#ping);
    this.#ping = setInterval(() => {
      if (this.socket.state === "open") {
        this.socket.send({ req_id: String(this.#reqId++), op: "ping" });
      }
    }, this.#s.pingIntervalMs);
  }

  /** Sends one subscribe request, remembering which books it asks for until its ack. */
  #sendSubscribe(args: string[], socket: FeedSocket = this.socket): void {
    const id = this.#reqId++;
    const books: string[] = [];
    for (const a of args) {
      const native = /^orderbook\.\d+\.([A-Z0-9]+)$/.exec(a)?.[1];
      const symbol = native === undefined ? undefined : this.fromNative(native);
      if (symbol !== undefined) books.push(symbol);
    }
    if (books.length > 0) this.#pendingSubscribes.set(id, books);
    socket.send({ req_id: String(id), op: "subscribe", args });
  }

  /** Unsubscribes and subscribes one symbol's book topic (fresh snapshot), with backoff. */
  #resubscribe(symbol: string): void {
    this.#topics.get(this.#topic(symbol))?.reset();
    this.afterDelay(this.resyncDelay(symbol), () => {
      const topic = this.#topic(symbol);
      this.socket.send({ req_id: String(this.#reqId++), op: "unsubscribe", args: [topic] });
      this.#sendSubscribe([topic]);
    });
  }

  protected resync(symbol: string): void {
    this.#resubscribe(symbol);
  }

  protected unreadableBook(text: string): string | undefined {
    const native = /"topic"\s*:\s*"orderbook\.\d+\.([A-Z0-9]+)"/.exec(text)?.[1];
    return native ? this.fromNative(native) : undefined;
  }

  protected handle(text: string, receivedMs: number): void {
    for (
      const m of parseBybitMessage(text, this.snapshotTextPath ? SNAPSHOT_TEXT : LEVEL_TEXT)
    ) {
      switch (m.kind) {
        case "book":
          this.#book(m, text, receivedMs);
          break;
        case "bybit-ticker":
          break;
        case "error": {
          this.common(m, text, receivedMs);
          // A refused subscribe request subscribed none of its topics: retry each of its books
          // that is not live, one per request, the named one with backoff.
          const native = /orderbook\.\d+\.([A-Z0-9]+)/.exec(m.message)?.[1];
          const named = native === undefined ? undefined : this.fromNative(native);
          const books = m.reqId === undefined ? undefined : this.#pendingSubscribes.get(m.reqId);
          if (m.reqId !== undefined) this.#pendingSubscribes.delete(m.reqId);
          const retry = new Set(books ?? []);
          if (named !== undefined) retry.add(named);
          for (const symbol of retry) {
            if (this.books.state(symbol) === "live") continue;
            this.books.markStale(symbol, `subscribe failed: ${m.message}`, receivedMs);
            if (symbol === named) this.#resubscribe(symbol);
            else {
              this.#topics.get(this.#topic(symbol))?.reset();
              this.#sendSubscribe([this.#topic(symbol)]);
            }
          }
          break;
        }
        case "subscribed":
          if (m.reqId !== undefined) this.#pendingSubscribes.delete(m.reqId);
          this.common(m, text, receivedMs);
          break;
        default:
          this.common(m, text, receivedMs);
      }
    }
  }

  #book(m: BybitBookMessage, text: string, receivedMs: number): void {
    // A snapshot left in the frame: the core reads its arrays, or they become strings here (the
    // string parse's reason, if it is invalid), before anything changes or is counted (an
    // invalid snapshot of a book we do not have is invalid, not unknown).
    if (
      m.snapshot && (m.bidsText || m.asksText) &&
      !(m.bidsText && m.asksText && this.books.takesSnapshotText(m.bidsText, m.asksText))
    ) {
      const problem = levelTextToStrings(m, SIDE_NAMES);
      if (problem !== undefined) {
        this.common({ kind: "invalid", reason: `${m.topic}: ${problem}` }, text, receivedMs);
        return;
      }
    }
    const symbol = this.fromNative(m.symbol);
    const sync = this.#topics.get(m.topic);
    if (symbol === undefined || sync === undefined) {
      this.unknownMessages++;
      return;
    }
    const exchangeMs = m.exchangeTimeMs ?? 0;
    const outcome = sync.next(m.snapshot, m.updateId);
    // A delta's levels left in the frame are checked when staged; any other outcome (a reset
    // by u = 1, a duplicate, a gap) checks them here with the string rule.
    if (outcome !== "apply" && !m.snapshot && (m.bidsText || m.asksText)) {
      const problem = levelTextToStrings(m);
      if (problem !== undefined) {
        this.common({ kind: "invalid", reason: `${m.topic}: ${problem}` }, text, receivedMs);
        return;
      }
    }
    switch (outcome) {
      case "snapshot": {
        if (this.books.state(symbol) === "live") this.resets++;
        const scales = this.#scales.get(symbol);
        let ok = m.bidsText && this.books.snapshotText(
          symbol,
          m.bidsText,
          m.asksText,
          exchangeMs,
          receivedMs,
          scales,
        );
        if (ok !== undefined) this.textSnapshots++;
        else {
          if (m.bidsText) levelTextToStrings(m, SIDE_NAMES); // measured: no problem
          ok = this.books.snapshot(symbol, m.bids, m.asks, exchangeMs, receivedMs, scales);
        }
        if (!ok) this.#resubscribe(symbol);
        return;
      }
      case "apply":
        if (
          this.books.update(
            symbol,
            m.bidsText ?? m.bids,
            m.asksText ?? m.asks,
            exchangeMs,
            receivedMs,
          ) === "rejected"
        ) {
          this.#resubscribe(symbol);
        }
        return;
      case "duplicate":
        this.staleDuplicates++;
        return;
      case "gap":
        this.gaps++;
        this.books.countGap(symbol);
        this.log(`${symbol}: u gap (got ${m.updateId}); resubscribing`);
        this.books.markStale(symbol, "u gap", receivedMs);
        this.#resubscribe(symbol);
        return;
      case "unsynced":
        return;
    }
  }
}
