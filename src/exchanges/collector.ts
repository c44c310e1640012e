/**
 * The collector contract, defined once, and the socket-driven base every exchange adapter fills
 * in: an adapter only says where to connect, what to subscribe, and how to handle one message.
 *
 * @module
 */
import type { Core } from "../core/core.ts";
import type { ExchangeHealth, NormalizedTrade } from "./health.ts";
import { BookStore } from "./book_store.ts";
import { FeedSocket } from "./feed_socket.ts";
import { exceedsLevels } from "./level_cap.ts";
import type { RestCounters } from "./snapshot_fetcher.ts";
import { ResyncBackoff } from "./resync_backoff.ts";
import type { ExchangeId, ParsedMessage, TradeMessage } from "./types.ts";

/** What every exchange collector offers. */
export interface Collector {
  readonly exchange: ExchangeId;
  /** Normalised symbols (`BASE/QUOTE`); a record's symbol id indexes this list. */
  readonly symbols: readonly string[];
  /** Connects and subscribes; resolves once started (not once synced). */
  start(): Promise<void>;
  /** Closes the exchange connection; books become `stopped`. */
  stop(): Promise<void>;
  /** Connected, recently heard from, and at least one book live. */
  isHealthy(): boolean;
  /** `BTC/USD` → the exchange's own spelling. */
  toNative(symbol: string): string;
  /** The exchange's spelling → `BTC/USD` (undefined when not one of ours). */
  fromNative(native: string): string | undefined;
  /** Connection state, counters and per-book health. */
  health(): ExchangeHealth;
  /** Publishes SNAPSHOT records (or STALE markers for books that are resyncing). */
  publishSnapshots(symbols?: readonly string[]): void;
  /** Stops writing delta records of these books until their next snapshot (`BookStore.pauseRecords`). */
  pauseRecords(symbols: readonly string[]): void;
  /** Every record is needed from now on (`BookStore.keepRecords`). */
  keepRecords(): void;
  /** The books (for tests and diagnostics). */
  readonly books: BookStore;
}

/** What a collector needs from its host. */
export interface CollectorContext {
  /** The WASM core (owning the ring) this collector writes into. */
  core: Core;
  /** Record exchange code. */
  exchangeCode: number;
  /** Tracked top-N (`book.depth`). */
  depth: number;
  /** Receives every normalised trade. */
  onTrade?: (trade: NormalizedTrade) => void;
  /** Logs one line. */
  log?: (line: string) => void;
  /**
   * Receives every raw input the adapter gets, as it gets it (the recorder): `"open"` when a
   * connection opens (text = URL), `"ws"` for each text frame, `"rest"` for each REST body
   * (`meta.symbol` = normalised symbol).
   */
  record?: (
    kind: RecordedKind,
    text: string,
    receivedMs: number,
    meta?: { symbol?: string },
  ) => void;
  /**
   * Replay mode: no network. The adapter does not fetch REST snapshots itself; they are fed with
   * the recorded bodies.
   */
  replay?: boolean;
}

/** Kinds of raw input a recorder receives. */
export type RecordedKind = "open" | "ws" | "rest";

/** Liveness settings every exchange section of the config carries. */
export interface ConnectionSettings {
  symbols: string[];
  wsUrl: string;
  silenceTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Open this long before the reconnect backoff restarts (default 30 000 ms). */
  backoffResetMs?: number;
  /** Deadline of each WebSocket handshake (default 10 000 ms). */
  handshakeTimeoutMs?: number;
  /** A book not live this long after its connection opened or its last resync is resynced. */
  bookSyncTimeoutMs?: number;
  /** Resync backoff of one book (see `resync_backoff.ts`); defaults 100, 10 000, 30 000, 1000. */
  resyncMinBackoffMs?: number;
  resyncMaxBackoffMs?: number;
  resyncResetMs?: number;
  resyncResetUpdates?: number;
  /** Levels one message may hold; more is refused before parsing (default 50,000). */
  maxLevelsPerMessage?: number;
}

/** {@linkcode ConnectionSettings.maxLevelsPerMessage} when a settings object has none. */
export const DEFAULT_MAX_LEVELS_PER_MESSAGE = 50_000;

/**
 * Base of the WebSocket adapters. Subclasses implement {@linkcode url}, {@linkcode subscribe},
 * {@linkcode handle} and the symbol conversions; the base owns the socket, the books, the
 * counters and health.
 */
export abstract class SocketCollector implements Collector {
  abstract readonly exchange: ExchangeId;
  readonly symbols: readonly string[];
  readonly books: BookStore;
  protected readonly socket: FeedSocket;
  protected readonly context: CollectorContext;
  protected readonly settings: ConnectionSettings;
  #native = new Map<string, string>();
  #stopped = false;
  /** Messages that failed to parse (malformed JSON, wrong types, absurd values). */
  protected parseErrors = 0;
  /** Well-formed messages of types not handled. */
  protected unknownMessages = 0;
  /** Errors reported by the exchange. */
  protected exchangeErrors = 0;
  /** Sequence gaps detected. */
  protected gaps = 0;
  /** Checksum mismatches detected. */
  protected checksumFailures = 0;
  /** Messages whose handling threw (a bug, not bad input): caught, counted, logged. */
  handlerFailures = 0;
  /** Messages (WebSocket frames and REST bodies) refused for holding too many levels. */
  protected oversizeMessages = 0;
  /** Frames handled from the WebSocket client's bytes, with no text made of them. */
  bytesFrames = 0;
  /**
   * Whether book snapshots in the venue's own serialization are left in their frame and staged
   * by the core from its bytes (`BookStore.snapshotText` / `stageSnapshotText`, scales from the
   * core's measure of their decimals); false parses every snapshot into strings (tests compare
   * the two).
   */
  snapshotTextPath = true;
  /** Snapshots staged from the frame's (or REST body's) bytes. */
  textSnapshots = 0;
  /** Levels one message may hold. */
  readonly maxLevelsPerMessage: number;
  /** Books resynced for not becoming live within `bookSyncTimeoutMs` of subscribing. */
  protected syncTimeouts = 0;
  #syncWatch: ReturnType<typeof setInterval> | undefined;
  /** When each book not live was last (re)subscribed or first seen not live, by symbol. */
  #notLiveSince = new Map<string, number>();
  /** Books whose missed sync deadline was logged (cleared when they go live). */
  #syncLogged = new Set<string>();
  #resyncBackoff: ResyncBackoff;
  #resyncTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    settings: ConnectionSettings,
    context: CollectorContext,
    maxAgeMs = 0,
    maxLevels = 0,
  ) {
    this.settings = settings;
    this.context = context;
    this.symbols = Object.freeze([...settings.symbols]);
    this.maxLevelsPerMessage = settings.maxLevelsPerMessage ?? DEFAULT_MAX_LEVELS_PER_MESSAGE;
    this.#resyncBackoff = new ResyncBackoff({
      minMs: settings.resyncMinBackoffMs ?? 100,
      maxMs: settings.resyncMaxBackoffMs ?? 10_000,
      resetAfterMs: settings.resyncResetMs ?? 30_000,
      resetAfterUpdates: settings.resyncResetUpdates ?? 1000,
    });
    this.books = new BookStore(context.core, {
      exchangeCode: context.exchangeCode,
      symbols: this.symbols,
      depth: context.depth,
      maxLevels,
      log: (line) => this.log(line),
    });
    this.socket = new FeedSocket({
      url: () => this.url(),
      onOpen: (s) => {
        context.record?.("open", this.url(), Date.now());
        // Every book's sync deadline starts again with the connection.
        this.#notLiveSince.clear();
        this.subscribe(s);
      },
      onMessage: (text, received) => this.#onMessage(text, received),
      // A venue with a bytes path takes frames from the receive buffer, unless every frame's
      // text is recorded.
      onBytes: this.handleBytes === SocketCollector.prototype.handleBytes || context.record
        ? undefined
        : (bytes, start, end, received) => this.#onBytes(bytes, start, end, received),
      onDisconnect: (reason) => this.onDisconnect(reason),
      silenceTimeoutMs: settings.silenceTimeoutMs,
      handshakeTimeoutMs: settings.handshakeTimeoutMs,
      backoffResetMs: settings.backoffResetMs,
      minBackoffMs: settings.minBackoffMs,
      maxBackoffMs: settings.maxBackoffMs,
      maxAgeMs,
      log: (line) => this.log(line),
    });
  }

  /** The WebSocket URL to connect to. */
  protected abstract url(): string;
  /** Sends the subscriptions on a fresh connection. */
  protected abstract subscribe(socket: FeedSocket): void;
  /** Handles one text message. */
  protected abstract handle(text: string, receivedMs: number): void;

  /**
   * Optional hot path: handles one text frame from its bytes `bytes[start, end)` (the WebSocket
   * client's receive buffer, valid only during the call, not yet checked as UTF-8). Returns true
   * when it handled the frame; false, having changed nothing, to have it decoded and given to
   * {@linkcode handle}. The base class takes no frame as bytes.
   */
  protected handleBytes(
    _bytes: Uint8Array,
    _start: number,
    _end: number,
    _receivedMs: number,
  ): boolean {
    return false;
  }
  abstract toNative(symbol: string): string;
  protected abstract nativeToSymbol(native: string): string | undefined;

  fromNative(native: string): string | undefined {
    let s = this.#native.get(native);
    if (s === undefined) {
      const found = this.nativeToSymbol(native);
      if (found === undefined || !this.books.has(found)) return undefined;
      s = found;
      this.#native.set(native, s);
    }
    return s;
  }

  start(): Promise<void> {
    this.#stopped = false;
    this.socket.start();
    if (!this.context.replay) {
      const timeout = this.settings.bookSyncTimeoutMs ?? 30_000;
      const tick = Math.max(50, Math.min(1000, timeout / 4));
      this.#syncWatch ??= setInterval(() => this.#checkSync(), tick);
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#syncWatch);
    this.#syncWatch = undefined;
    for (const t of this.#resyncTimers) clearTimeout(t);
    this.#resyncTimers.clear();
    await this.socket.stop();
    this.books.stopAll();
  }

  /**
   * Whether books are expected to become live now (the sync deadline runs). False while the
   * exchange says it is in maintenance, for instance.
   */
  protected syncDeadlineApplies(): boolean {
    return true;
  }

  /**
   * The sync deadline: a book that is not live `bookSyncTimeoutMs` after its connection opened
   * (or after its last deadline resync) is marked STALE and resynced the venue's way, counted in
   * `syncTimeouts` and logged once until it goes live. Covers a subscribe never acknowledged, a
   * snapshot that never comes, a refused subscribe the venue does not retry.
   */
  #checkSync(): void {
    if (this.#stopped || this.socket.state !== "open" || !this.syncDeadlineApplies()) {
      this.#notLiveSince.clear();
      return;
    }
    const now = Date.now();
    const timeout = this.settings.bookSyncTimeoutMs ?? 30_000;
    for (const symbol of this.symbols) {
      const state = this.books.state(symbol);
      if (state === "live" || state === "stopped") {
        this.#notLiveSince.delete(symbol);
        this.#syncLogged.delete(symbol);
        continue;
      }
      const since = this.#notLiveSince.get(symbol);
      if (since === undefined) {
        this.#notLiveSince.set(symbol, now);
        continue;
      }
      if (now - since < timeout) continue;
      this.syncTimeouts++;
      this.#notLiveSince.set(symbol, now);
      if (!this.#syncLogged.has(symbol)) {
        this.#syncLogged.add(symbol);
        this.log(
          `${symbol}: not live ${Math.round(now - since)} ms after subscribing ` +
            `(bookSyncTimeoutMs ${timeout}); resyncing (logged once until it is live)`,
        );
      }
      this.books.markStale(symbol, "sync deadline", now);
      this.resync(symbol);
    }
  }

  /**
   * The delay before resyncing `symbol` after a failure (checksum, gap, refused message): 0 for
   * the first of a streak, then growing (see `resync_backoff.ts`). Every venue asks this before
   * each resync of a book.
   */
  protected resyncDelay(symbol: string, run = this.books.healthyRun(symbol)): number {
    return this.#resyncBackoff.next(symbol, run);
  }

  /** Runs `fn` after `delayMs` (at once when 0) unless the collector stopped meanwhile. */
  protected afterDelay(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) return fn();
    const t = setTimeout(() => {
      this.#resyncTimers.delete(t);
      if (!this.#stopped) fn();
    }, delayMs);
    this.#resyncTimers.add(t);
  }

  /** REST counters of a venue that fetches snapshots over HTTP (undefined for the others). */
  protected restCounters(): RestCounters | undefined {
    return undefined;
  }

  /** Whether {@linkcode stop} was called. */
  protected get stopped(): boolean {
    return this.#stopped;
  }

  isHealthy(): boolean {
    const age = this.socket.lastMessageAgeMs;
    return this.socket.state === "open" && age !== null && age < this.settings.silenceTimeoutMs &&
      this.books.liveCount > 0;
  }

  publishSnapshots(symbols?: readonly string[]): void {
    this.books.publishSnapshots(symbols);
  }

  pauseRecords(symbols: readonly string[]): void {
    this.books.pauseRecords(symbols);
  }

  keepRecords(): void {
    this.books.keepRecords();
  }

  /** A lost connection makes every book stale until resynced. */
  protected onDisconnect(_reason: string): void {
    this.books.markAllStale("connection lost");
  }

  /**
   * Feeds one raw frame through the adapter as if it had arrived on the socket (replays of
   * recordings, benchmarks).
   */
  ingest(text: string, receivedMs = Date.now()): void {
    this.#onMessage(text, receivedMs);
  }

  /** Replays a connection opening (what the adapter does on a fresh connection, minus I/O). */
  ingestOpen(): void {
    this.subscribe(this.socket);
  }

  #onBytes(bytes: Uint8Array, start: number, end: number, receivedMs: number): boolean {
    try {
      const handled = this.handleBytes(bytes, start, end, receivedMs);
      if (handled) this.bytesFrames++;
      return handled;
    } catch (e) {
      // As #onMessage: counted, never a crash (the frame is not handled again as text).
      this.handlerFailures++;
      this.parseErrors++;
      this.log(`message handling failed: ${(e as Error).message}`);
      return true;
    }
  }

  #onMessage(text: string, receivedMs: number): void {
    this.context.record?.("ws", text, receivedMs);
    try {
      if (this.tooManyLevels(text, "message")) this.refuseOversize(text, receivedMs);
      else this.handle(text, receivedMs);
    } catch (e) {
      // A bug or an input no parser anticipated: count it, never crash the collector.
      this.handlerFailures++;
      this.parseErrors++;
      this.log(`message handling failed: ${(e as Error).message}`);
    }
  }

  /**
   * Whether `text` holds more than {@linkcode maxLevelsPerMessage} levels (checked before any
   * parsing; see `level_cap.ts`). When it does, the message is counted (`oversizeMessages`) and
   * logged; the caller drops it and resyncs what it belonged to.
   */
  protected tooManyLevels(text: string, what: string): boolean {
    if (!exceedsLevels(text, this.maxLevelsPerMessage)) return false;
    this.oversizeMessages++;
    if (this.oversizeMessages <= 20 || this.oversizeMessages % 1000 === 0) {
      this.log(
        `${what} of ${text.length} bytes holds more than ${this.maxLevelsPerMessage} levels ` +
          `(maxLevelsPerMessage); refused unparsed (${this.oversizeMessages} so far)`,
      );
    }
    return true;
  }

  /**
   * A WebSocket message refused for its size is a lost message of the book it belonged to
   * ({@linkcode unreadableBook}): that book is marked STALE and resynced, whatever its state (the
   * refused message may have been its snapshot). Venues with one sequence per connection
   * override this to keep their sequence, so the other books never notice.
   */
  protected refuseOversize(text: string, receivedMs: number): void {
    const book = this.unreadableBook(text);
    if (book === "all") {
      this.books.markAllStale("oversize book message");
      this.resyncAll();
    } else if (book !== undefined && this.books.state(book) !== "stopped") {
      this.books.markStale(book, "oversize book message", receivedMs);
      this.resync(book);
    }
  }

  /** Counts an invalid message. */
  protected invalid(reason: string): void {
    this.parseErrors++;
    if (this.parseErrors <= 20 || this.parseErrors % 1000 === 0) {
      this.log(`invalid message (${this.parseErrors} so far): ${reason}`);
    }
  }

  /** Resyncs one book the exchange's way (a fresh snapshot); the book is already STALE. */
  protected abstract resync(symbol: string): void;

  /** Resyncs every book of the connection (already STALE); by default one book at a time. */
  protected resyncAll(): void {
    for (const symbol of this.symbols) this.resync(symbol);
  }

  /**
   * The book an unreadable frame belonged to: its symbol, `"all"` when it carried book data of a
   * book that cannot be named, or undefined when it carried no book data.
   */
  protected abstract unreadableBook(text: string): string | "all" | undefined;

  /**
   * The message kinds every adapter treats alike: trades, exchange errors, unknown messages,
   * unreadable messages; keep-alives and acks only prove liveness.
   */
  protected common(m: ParsedMessage, text: string, receivedMs: number): void {
    switch (m.kind) {
      case "trade":
        this.trade(m);
        break;
      case "error":
        this.exchangeErrors++;
        this.log(`exchange error: ${m.message}`);
        break;
      case "unknown":
        this.unknownMessages++;
        break;
      case "invalid": {
        this.invalid(m.reason);
        // An unreadable message of a book's stream is a lost update: resync that book at once
        // rather than keep a book that silently misses it.
        const book = this.unreadableBook(text);
        if (book === "all") {
          this.books.markAllStale("unreadable book message");
          this.resyncAll();
        } else if (book !== undefined && this.books.state(book) === "live") {
          this.books.markStale(book, "unreadable book message", receivedMs);
          this.resync(book);
        }
        break;
      }
      default:
        break;
    }
  }

  /** Emits a normalised trade. */
  protected trade(t: TradeMessage): void {
    const symbol = this.fromNative(t.symbol);
    if (symbol === undefined) {
      this.unknownMessages++;
      return;
    }
    this.context.onTrade?.({
      exchange: this.exchange,
      symbol,
      price: t.price,
      size: t.size,
      side: t.side,
      ts: t.timeMs,
      tradeId: t.tradeId,
    });
  }

  protected log(line: string): void {
    this.context.log?.(`[${this.exchange}] ${line}`);
  }

  health(): ExchangeHealth {
    const books = this.books.health();
    const state = this.socket.state;
    return {
      exchange: this.exchange,
      connection: this.#stopped
        ? "stopped"
        : state === "open"
        ? "connected"
        : state === "reconnecting"
        ? "reconnecting"
        : "connecting",
      healthy: this.isHealthy(),
      messages: this.socket.messages,
      bytes: this.socket.bytes,
      parseErrors: this.parseErrors + books.reduce((a, b) => a + b.parseErrors, 0),
      unknownMessages: this.unknownMessages,
      oversizeMessages: this.oversizeMessages,
      exchangeErrors: this.exchangeErrors,
      gaps: this.gaps,
      checksumFailures: this.checksumFailures,
      resyncs: books.reduce((a, b) => a + b.resyncs, 0),
      reconnects: this.socket.reconnects,
      connectAttempts: this.socket.attempts,
      handshakeTimeouts: this.socket.handshakeTimeouts,
      syncTimeouts: this.syncTimeouts,
      lastError: this.socket.lastFailure ? { ...this.socket.lastFailure } : null,
      failuresByCause: { ...this.socket.failuresByCause },
      rest: this.restCounters(),
      delayedResyncs: this.#resyncBackoff.delayed,
      lastMessageAgeMs: this.socket.lastMessageAgeMs === null
        ? null
        : Math.round(this.socket.lastMessageAgeMs),
      books,
    };
  }
}
