/**
 * OKX v5 collector: `books` and `trades` for every instrument on one public connection. Since
 * August 2026 `books` sends no in-band snapshot and no checksum: each book is seeded from REST
 * `GET /api/v5/market/books` and spliced by `prevSeqId <= snapshot seqId < seqId`, then chained by
 * `prevSeqId == previous seqId` ({@linkcode OkxSeqSync}); a broken chain re-snapshots that book only.
 * The older wire works too: an in-band `action: "snapshot"` seeds the book, and a non-zero
 * `checksum` (legacy signed CRC-32 of the top 25) is verified before the delta is published.
 * Keep-alive: the text frame `ping` after `pingIntervalMs` without a message; the silence watchdog
 * is the pong deadline. REST snapshots are staggered by a token bucket.
 *
 * @module
 */
import { type CollectorContext, type ConnectionSettings, SocketCollector } from "../collector.ts";
import type { FeedSocket } from "../feed_socket.ts";
import { type RestCounters, type RestLimits, SnapshotFetcher } from "../snapshot_fetcher.ts";
import { TokenBucket } from "../token_bucket.ts";
import type { BookMessage } from "../types.ts";
import { okxLegacyChecksum } from "./checksum.ts";
import { parseOkxMessage, parseOkxRestBooks } from "./parse.ts";
import { levelTextToStrings } from "../string_levels.ts";
import { OkxSeqSync } from "./seq_sync.ts";
import { okxInstId, type OkxInstType } from "./symbols.ts";
import { OKX_PING, type OkxRequest } from "./wire.ts";

/** Updates' level arrays are staged by the core from the frame's bytes. */
const LEVEL_TEXT = { levelText: true } as const;
const SNAPSHOT_TEXT = { levelText: true, snapshotText: true } as const;

/** OKX section of the config. */
export interface OkxSettings extends ConnectionSettings, RestLimits {
  restUrl: string;
  /** `SPOT` (`BTC-USDT`) or `SWAP` (`BTC-USDT-SWAP`). */
  instType: OkxInstType;
  /** Explicit instrument ids for symbols (dated futures: `{"BTC/USD": "BTC-USD-220527"}`). */
  instIds: Record<string, string>;
  /** Levels of the REST snapshot (`sz`, 1–400; the `books` window is 400). */
  snapshotDepth: number;
  /** REST snapshot requests allowed per `restWindowMs`. */
  restRequestsPerWindow: number;
  restWindowMs: number;
  /** Send the text `ping` after this long without a message (< 30 s, OKX's idle cut). */
  pingIntervalMs: number;
}

/** Args per subscribe request (OKX caps the request size; 64 args stay well inside it). */
const ARGS_PER_REQUEST = 64;
/** Delay before fetching another snapshot after one was too old or unusable. */
const RETRY_MS = 250;

/**
 * @example
 * ```ts ignore
 * const okx = new OkxCollector({ symbols: ["BTC/USDT"], wsUrl: "wss://ws.okx.com:8443/ws/v5/public",
 *   restUrl: "https://www.okx.com", instType: "SPOT", instIds: {}, snapshotDepth: 400,
 *   restRequestsPerWindow: 10, restWindowMs: 2000, pingIntervalMs: 20_000,
 *   silenceTimeoutMs: 30_000, minBackoffMs: 250, maxBackoffMs: 30_000 },
 *   { core, exchangeCode: 6, depth: 50 });
 * await okx.start();
 * ```
 */
export class OkxCollector extends SocketCollector {
  readonly exchange = "okx" as const;
  #okx: OkxSettings;
  #sync = new Map<string, OkxSeqSync>();
  /** Books whose `books` subscription on the current connection is not acknowledged yet. */
  #awaitingAck = new Set<string>();
  #toNative = new Map<string, string>();
  #fromNative = new Map<string, string>();
  #fetcher: SnapshotFetcher;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #pinged = false;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  /** Text pings sent. */
  pingsSent = 0;
  /** Verified legacy checksums (snapshots and updates). */
  checksumsVerified = 0;

  constructor(settings: OkxSettings, context: CollectorContext) {
    super(settings, context, 0, 400);
    this.#okx = settings;
    for (const s of this.symbols) {
      const native = settings.instIds[s] ?? okxInstId(s, settings.instType);
      this.#toNative.set(s, native);
      this.#fromNative.set(native, s);
      this.#sync.set(s, new OkxSeqSync());
    }
    this.#fetcher = new SnapshotFetcher({
      bucket: new TokenBucket({
        capacity: settings.restRequestsPerWindow,
        windowMs: settings.restWindowMs,
      }),
      cost: 1,
      restTimeoutMs: settings.restTimeoutMs,
      restBodyTimeoutMs: settings.restBodyTimeoutMs,
      maxRestBytes: settings.maxRestBytes,
      url: (symbol) =>
        `${settings.restUrl.replace(/\/+$/, "")}/api/v5/market/books?instId=${
          encodeURIComponent(this.toNative(symbol))
        }&sz=${settings.snapshotDepth}&source=0`,
      onBody: (symbol, body) => {
        context.record?.("rest", body, Date.now(), { symbol });
        this.#onSnapshot(symbol, body);
      },
      onFailure: (symbol, reason, n) => {
        this.exchangeErrors++;
        this.log(`${symbol}: snapshot failed (${reason}); retry ${n}`);
      },
    });
  }

  /** REST snapshot requests sent. */
  get snapshotRequests(): number {
    return this.#fetcher.requests;
  }

  protected override restCounters(): RestCounters {
    return { ...this.#fetcher.counters };
  }

  protected url(): string {
    return this.settings.wsUrl;
  }

  toNative(symbol: string): string {
    return this.#toNative.get(symbol) ?? okxInstId(symbol, this.#okx.instType);
  }

  protected nativeToSymbol(native: string): string | undefined {
    return this.#fromNative.get(native);
  }

  override start(): Promise<void> {
    // Check often enough that the ping goes out well before the silence watchdog fires.
    const slack = this.settings.silenceTimeoutMs - this.#okx.pingIntervalMs;
    const tick = Math.max(10, Math.min(1000, this.#okx.pingIntervalMs / 4, slack / 4));
    this.#keepAlive ??= setInterval(() => this.#ping(), tick);
    return super.start();
  }

  override async stop(): Promise<void> {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#fetcher.close();
    await super.stop();
  }

  /** Text `ping` once the connection has been quiet for `pingIntervalMs`. */
  #ping(): void {
    const age = this.socket.lastMessageAgeMs;
    if (this.socket.state !== "open" || age === null || this.#pinged) return;
    if (age >= this.#okx.pingIntervalMs && this.socket.send(OKX_PING)) {
      this.#pinged = true;
      this.pingsSent++;
    }
  }

  protected subscribe(socket: FeedSocket): void {
    this.#fetcher.newGeneration();
    const args = this.symbols.flatMap((s) => {
      const instId = this.toNative(s);
      return [{ channel: "books", instId }, { channel: "trades", instId }];
    });
    for (let i = 0; i < args.length; i += ARGS_PER_REQUEST) {
      const request: OkxRequest = { op: "subscribe", args: args.slice(i, i + ARGS_PER_REQUEST) };
      socket.send(request);
    }
    // Each book's REST snapshot is fetched once OKX acknowledges its `books` subscription: a
    // snapshot taken before the subscription is active could miss the updates pushed between the
    // two, and with nothing after them to break the seqId chain the book would look live while
    // behind. A book whose ack never comes is resynced by the book-sync deadline.
    this.#awaitingAck.clear();
    for (const [symbol, sync] of this.#sync) {
      sync.restart(true);
      this.#awaitingAck.add(symbol);
    }
  }

  /** OKX acknowledged a subscription: a book waiting for its ack fetches its snapshot now. */
  #acked(m: { channel: string; symbols: readonly string[]; unsubscribe?: boolean }): void {
    if (m.channel !== "books" || m.unsubscribe) return;
    for (const native of m.symbols) {
      const symbol = this.fromNative(native);
      if (symbol !== undefined && this.#awaitingAck.delete(symbol)) this.#fetcher.fetch(symbol);
    }
  }

  /**
   * Resyncs one (already STALE) book: a new REST snapshot spliced with the buffered updates; on
   * the legacy unsequenced wire, a resubscribe of its `books` channel (a fresh in-band snapshot).
   */
  protected resync(symbol: string, keepBuffer = false): void {
    const sync = this.#sync.get(symbol)!;
    const legacy = !sync.sequenced;
    sync.restart(!keepBuffer);
    // Consecutive failures of this book back off (resync_backoff.ts).
    const delay = this.context.replay ? 0 : this.resyncDelay(symbol);
    if (legacy) {
      this.afterDelay(delay, () => {
        const args = [{ channel: "books", instId: this.toNative(symbol) }];
        this.socket.send({ op: "unsubscribe", args } satisfies OkxRequest);
        this.socket.send({ op: "subscribe", args } satisfies OkxRequest);
      });
      return;
    }
    if (!this.context.replay) this.#fetcher.fetch(symbol, delay);
  }

  protected unreadableBook(text: string): string | undefined {
    if (!text.includes('"books')) return undefined;
    const native = /"instId"\s*:\s*"([^"]+)"/.exec(text)?.[1];
    return native ? this.fromNative(native) : undefined;
  }

  /** `seqId` of the last update applied to `symbol`'s book (-1 when unknown). */
  seqId(symbol: string): number {
    return this.#sync.get(symbol)?.seqId ?? -1;
  }

  /** Feeds a REST `market/books` body for `symbol` (replays, benchmarks, tests). */
  ingestRestSnapshot(symbol: string, body: string): void {
    this.#onSnapshot(symbol, body);
  }

  #later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.#timers.add(t);
  }

  #onSnapshot(symbol: string, body: string): void {
    const sync = this.#sync.get(symbol);
    if (sync === undefined) return;
    if (sync.live) return; // seeded meanwhile by an in-band snapshot (older wire)
    if (this.tooManyLevels(body, `REST snapshot for ${symbol}`)) {
      this.#later(() => this.#fetcher.fetch(symbol), RETRY_MS);
      return;
    }
    let snap = this.snapshotTextPath
      ? parseOkxRestBooks(body, this.toNative(symbol), SNAPSHOT_TEXT)
      : undefined;
    if (snap === undefined || !(snap.kind === "book" && this.#takes(snap))) {
      snap = parseOkxRestBooks(body, this.toNative(symbol));
    }
    if (snap.kind !== "book") {
      if (snap.kind === "error") this.exchangeErrors++;
      else this.invalid(`REST snapshot for ${symbol}: ${snap.reason}`);
      this.log(
        `${symbol}: unusable snapshot (${snap.kind === "error" ? snap.message : snap.reason})`,
      );
      this.#later(() => this.#fetcher.fetch(symbol), RETRY_MS);
      return;
    }
    const result = sync.onSnapshot(snap.seqId!);
    if (result.status === "too-old") {
      this.log(
        `${symbol}: snapshot seqId ${snap.seqId} older than the buffered stream; refetching`,
      );
      this.#later(() => this.#fetcher.fetch(symbol), RETRY_MS);
      return;
    }
    const received = Date.now();
    if (!this.#snapshot(symbol, snap, received, undefined)) {
      sync.restart(true);
      this.#later(() => this.#fetcher.fetch(symbol), RETRY_MS);
      return;
    }
    this.#fetcher.succeeded(symbol);
    for (const ev of result.events) {
      if (!this.#apply(symbol, ev, received)) break;
    }
  }

  /** The legacy checksum check of `symbol`'s book, when the message carries a non-zero one. */
  #verifier(symbol: string, m: BookMessage): ((id: number) => boolean) | undefined {
    const expected = m.checksum;
    if (expected === undefined || expected === 0) return undefined;
    return () => {
      const top = this.books.top(symbol, 25);
      const ok = okxLegacyChecksum(top.bids, top.asks) === expected;
      if (ok) this.checksumsVerified++;
      else {
        this.checksumFailures++;
        this.log(`${symbol}: checksum mismatch (expected ${expected}); resyncing`);
      }
      return ok;
    };
  }

  /** Applies one update; false when the book refused it (then it is resyncing). */
  #apply(symbol: string, m: BookMessage, receivedMs: number): boolean {
    const r = this.books.update(
      symbol,
      m.bidsText ?? m.bids,
      m.asksText ?? m.asks,
      m.exchangeTimeMs ?? 0,
      receivedMs,
      this.#verifier(symbol, m),
    );
    if (r !== "rejected") return true;
    this.resync(symbol);
    return false;
  }

  /** Whether an update's level text would be refused (then handled as an invalid message). */
  /** Whether `m` is not a snapshot left in its frame, or one whose arrays the core reads. */
  #takes(m: BookMessage): boolean {
    if (!m.snapshot || (m.bidsText === undefined && m.asksText === undefined)) return true;
    return m.bidsText !== undefined && m.asksText !== undefined &&
      this.books.takesSnapshotText(m.bidsText, m.asksText);
  }

  /** Loads a snapshot: from the frame's bytes when it was left there, else from its strings. */
  #snapshot(
    symbol: string,
    m: BookMessage,
    receivedMs: number,
    verify: ((id: number) => boolean) | undefined,
  ): boolean {
    const exchangeMs = m.exchangeTimeMs ?? 0;
    if (m.bidsText !== undefined) {
      const ok = this.books.snapshotText(
        symbol,
        m.bidsText,
        m.asksText,
        exchangeMs,
        receivedMs,
        undefined,
        verify,
      );
      if (ok !== undefined) {
        this.textSnapshots++;
        return ok;
      }
      levelTextToStrings(m); // measured: no problem
    }
    return this.books.snapshot(symbol, m.bids, m.asks, exchangeMs, receivedMs, undefined, verify);
  }

  #badLevels(m: BookMessage, text: string, receivedMs: number): boolean {
    const problem = levelTextToStrings(m);
    if (problem === undefined) return false;
    this.common({ kind: "invalid", reason: `books: ${problem}` }, text, receivedMs);
    return true;
  }

  protected handle(text: string, receivedMs: number): void {
    this.#pinged = false;
    let parsed = parseOkxMessage(text, this.snapshotTextPath ? SNAPSHOT_TEXT : LEVEL_TEXT);
    if (
      this.snapshotTextPath &&
      parsed.some((m) => m.kind === "invalid" || (m.kind === "book" && !this.#takes(m)))
    ) {
      // The string parse, for its results and reasons.
      parsed = parseOkxMessage(text, LEVEL_TEXT);
    }
    for (const m of parsed) {
      switch (m.kind) {
        case "book":
          this.#book(m, text, receivedMs);
          break;
        case "error": {
          this.exchangeErrors++;
          const symbol = m.symbol ? this.fromNative(m.symbol) : undefined;
          this.log(`exchange error${symbol ? ` for ${symbol}` : ""}: ${m.message}`);
          if (symbol) this.books.markStale(symbol, `exchange error: ${m.message}`, receivedMs);
          break;
        }
        case "subscribed":
          this.#acked(m);
          this.common(m, text, receivedMs);
          break;
        case "status":
          if (m.status === "reconnect") {
            this.log(`notice: ${m.version ?? ""}; reconnecting before the server closes`);
            this.socket.reconnect("OKX notice 64008 (service upgrade)");
          }
          break;
        default:
          this.common(m, text, receivedMs);
      }
    }
  }

  #book(m: BookMessage, text: string, receivedMs: number): void {
    const symbol = this.fromNative(m.symbol);
    if (symbol === undefined) {
      this.unknownMessages++;
      return;
    }
    const sync = this.#sync.get(symbol)!;
    if (m.snapshot) {
      // Older wire: the in-band snapshot seeds the book (verified when it carries a checksum).
      sync.onInBandSnapshot(m.seqId);
      const ok = this.#snapshot(symbol, m, receivedMs, this.#verifier(symbol, m));
      if (ok) this.#fetcher.succeeded(symbol);
      else this.resync(symbol);
      return;
    }
    // Levels left in the frame are checked when staged; an update that is buffered (before the
    // REST snapshot) or dropped is not staged now, so it is checked here with the string rule.
    if ((m.bidsText || m.asksText) && !sync.live && this.#badLevels(m, text, receivedMs)) return;
    const outcome = sync.onUpdate(m);
    if (outcome !== "apply" && (m.bidsText || m.asksText)) this.#badLevels(m, text, receivedMs);
    switch (outcome) {
      case "apply":
        this.#apply(symbol, m, receivedMs);
        break;
      case "gap":
        this.gaps++;
        this.books.countGap(symbol);
        this.log(
          `${symbol}: seqId chain broken (prevSeqId ${m.prevSeqId} after ${sync.seqId}); re-snapshot`,
        );
        this.books.markStale(symbol, "seqId gap", receivedMs);
        this.resync(symbol, true);
        break;
      default:
        break;
    }
  }
}
