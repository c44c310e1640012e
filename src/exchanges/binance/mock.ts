/**
 * Mock Binance family market data (the variant — weights, limits, connection lifetime — comes in
 * `options.variant`; `src/exchanges/<variant>/mock.ts` binds it): WebSocket streams and the REST depth snapshot, on one listener.
 *
 * Protocol behaviour (see `shared/docs/exchange-protocols.md` §3):
 * - WebSocket paths: `/ws/<stream>[/<stream>...]` (raw payloads), `/ws` (then subscribe live),
 *   `/stream?streams=<a>/<b>` (combined: `{"stream":"<name>","data":<payload>}`).
 * - Live control: `{"method":"SUBSCRIBE","params":[...],"id":n}` → `{"result":null,"id":n}`;
 *   `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY ["combined", bool]`, `GET_PROPERTY`.
 *   Errors: `{"error":{"code":n,"msg":...},"id":n}` (code 3 invalid JSON, 2 invalid request,
 *   1 invalid value type). Stream names must be lower case.
 * - Streams: `<sym>@depth`, `<sym>@depth@100ms` (diff events `depthUpdate` with `E`, `s`, `U`, `u`,
 *   `b`, `a`; one update id per level change, so an event spans several ids; a level appears once
 *   per event with its final quantity), `<sym>@depth5|10|20[@100ms]` (partial book
 *   `{lastUpdateId,bids,asks}`), `<sym>@trade`, `<sym>@aggTrade`. Other well-formed stream names are
 *   accepted and stay silent, as are streams of unknown symbols (as on Binance).
 * - Diff events are sent when the pending changes are flushed: every `updateIntervalMs` while
 *   pacing, or right after each manual `stepOnce` / `applyStep` (option `flushOnStep`, default on).
 * - REST `GET /api/v3/depth?symbol=BTCUSDT&limit=N` returns `{lastUpdateId,bids,asks}` for the
 *   book state after `lastUpdateId` — including changes not yet flushed to the stream, so a client
 *   must splice with `U <= lastUpdateId + 1 <= u`, as Binance documents. Weight 1/5/10/50 by limit
 *   (limit default 100, capped at 5000), counted in a window of `weightWindowMs`; every response
 *   carries `x-mbx-used-weight` and `x-mbx-used-weight-1m`; over `weightLimit` the answer is HTTP 429
 *   with `Retry-After`. Also `/api/v3/ping`, `/api/v3/time`, `/api/v3/exchangeInfo`.
 * - Limits: `maxIncomingPerSecond` client frames per connection (Binance: 5; over it the
 *   connection is closed), `maxStreamsPerConnection` (1024), and a forced close after
 *   `maxConnectionAgeMs` (Binance: 24 h; shorten it in tests).
 * - Ping frames: Binance pings every few minutes and expects pongs. Deno's server `WebSocket` cannot
 *   send a ping on demand; the `idleTimeoutSeconds` option makes Deno ping on inactivity and close
 *   non-answering clients (see `mock_server.ts`). For application-level liveness tests use
 *   `silence()` and `disconnectAll()`.
 *
 * Faults: {@linkcode BinanceMock.injectGap} (update ids skipped in `U`/`u`),
 * {@linkcode BinanceMock.injectStaleSnapshot}, {@linkcode BinanceMock.failRest},
 * {@linkcode BinanceMock.deleteUnknownLevel}, plus the common ones of {@linkcode MockExchangeServer}.
 *
 * @example
 * ```ts
 * import { BinanceMock } from "./mock.ts";
 * const variant = { depthWeights: [[100, 1], [500, 5], [1000, 10], [5000, 50]] as const,
 *   restWeightLimit: 1200, maxConnectionAgeMs: 86_400_000 };
 * const mock = new BinanceMock({ symbols: ["BTC/USDT"], rate: 50, variant });
 * await mock.start();
 * // adapter: wsUrl = mock.wsUrl, restUrl = mock.restUrl
 * mock.injectGap("BTCUSDT");
 * // ... mock.stats.restDepthRequests.BTCUSDT === 2 (snapshot refetched)
 * await mock.stop();
 * ```
 *
 * @module
 */
import { hashSeed, type MarketStep, type MarketTrade } from "../../mock/market.ts";
import { formatFixed, type MockBook, type Side } from "../../mock/mock_book.ts";
import {
  bump,
  type MarketDefaults,
  type MockConnection,
  MockExchangeServer,
  type MockServerOptions,
  type MockStats,
  type TimerId,
} from "../../mock/mock_server.ts";
import { midPriceFor, splitSymbol } from "../../mock/symbols.ts";
import { type BinanceVariant, depthWeight } from "./variant.ts";

/** What the mock takes from the family member it plays. */
export type BinanceMockVariant = Pick<
  BinanceVariant,
  "depthWeights" | "restWeightLimit" | "maxConnectionAgeMs" | "serverShutdown" | "tradeOrderIds"
>;

/** Options of {@linkcode BinanceMock}. */
export interface BinanceMockOptions extends MockServerOptions {
  /** The family member: REST weights, weight limit, connection lifetime. */
  variant: BinanceMockVariant;
  /** Diff-event cadence while pacing (the `@100ms` of the stream). Default 100 ms; 0 = every step. */
  updateIntervalMs?: number;
  /** When not pacing, flush after every `stepOnce` / `applyStep`. Default true. */
  flushOnStep?: boolean;
  /** Close connections this old. Default: the variant's lifetime (24 h); 0 disables. */
  maxConnectionAgeMs?: number;
  /** Close a connection sending more client frames than this in one second. Default 5; 0 disables. */
  maxIncomingPerSecond?: number;
  /** Maximum streams per connection. Default 1024. */
  maxStreamsPerConnection?: number;
  /** REST request-weight budget per window. Default: the variant's limit. */
  weightLimit?: number;
  /** REST weight window. Default 60 000 ms. */
  weightWindowMs?: number;
  /** Latency added to every REST response (the snapshot is taken before it). Default 0. */
  restDelayMs?: number;
  /** Level changes remembered for stale snapshots. Default 10 000. */
  historyLimit?: number;
  /** First update id of every symbol (default: a large per-symbol number). */
  firstUpdateId?: number;
}

/** Counters of {@linkcode BinanceMock}. Per-symbol records are keyed by `BTCUSDT`. */
export interface BinanceStats extends MockStats {
  /** Depth snapshots served (HTTP 200) per symbol. */
  restDepthRequests: Record<string, number>;
  /** REST requests of any kind, any outcome. */
  restRequests: number;
  /** REST answers with HTTP 429. */
  restRateLimited: number;
  /** REST answers with another error status (bad request, injected failures). */
  restErrors: number;
  /** Weight used in the current window. */
  weightUsed: number;
  /** Streams subscribed (URL or live), per stream name. */
  streamSubscribes: Record<string, number>;
  /** Diff-depth stream subscriptions (any `@depth` diff stream) per symbol. */
  depthSubscribes: Record<string, number>;
  /** Diff events produced per symbol (flushes, before fan-out). */
  depthEventsSent: Record<string, number>;
  /** Trade / aggTrade frames sent. */
  tradeEventsSent: number;
  /** Control requests (SUBSCRIBE etc.), any outcome. */
  controlRequests: number;
  /** Error replies to control requests. */
  controlErrors: number;
  /** Connections closed at `maxConnectionAgeMs`. */
  forcedDisconnects: number;
  /** Connections closed for exceeding `maxIncomingPerSecond`. */
  rateLimitDisconnects: number;
  /** Gaps injected (update ids never sent). */
  gapsInjected: number;
  /** Depth answers sent misbehaving ({@linkcode BinanceMock.misbehaveDepth}). */
  misbehavedDepth: number;
  /** Body bytes of misbehaving depth answers actually handed to the socket. */
  misbehavedBytes: number;
}

/**
 * How {@linkcode BinanceMock.misbehaveDepth} answers: `trickle` sends the real body one byte per
 * `intervalMs`; `oversize` streams `bytes` of padding (no `Content-Length`) in 64 KiB chunks, as
 * fast as the client reads them.
 */
export type DepthMisbehaviour =
  | { kind: "trickle"; intervalMs?: number }
  | { kind: "oversize"; bytes: number };

interface PendingLevel {
  side: Side;
  price: bigint;
  qty: bigint;
}

interface UndoEntry {
  id: number;
  side: Side;
  price: bigint;
  prev: bigint;
}

interface SymbolState {
  lastUpdateId: number;
  pendingFirst: number;
  pending: Map<string, PendingLevel>;
  undo: UndoEntry[];
  staleBy: number;
}

interface BinanceConnection {
  streams: Set<string>;
  combined: boolean;
  recent: number[];
}

type Conn = MockConnection<BinanceConnection>;

const STREAM_NAME = /^[a-z0-9]+@[a-zA-Z0-9_@]+$/;
/** How long before its connection cut a `serverShutdown` variant's mock announces it. */
const SHUTDOWN_NOTICE_MS = 1000;

/**
 * Mock Binance family server. See the module documentation.
 */
export class BinanceMock extends MockExchangeServer<BinanceConnection> {
  readonly #variant: BinanceMockVariant;
  readonly #updateIntervalMs: number;
  readonly #flushOnStep: boolean;
  readonly #maxAgeMs: number;
  readonly #maxIncoming: number;
  readonly #maxStreams: number;
  readonly #weightLimit: number;
  readonly #weightWindowMs: number;
  readonly #restDelayMs: number;
  readonly #misbehave = new Map<string, { how: DepthMisbehaviour; count: number }>();
  readonly #historyLimit: number;
  readonly #symbols = new Map<string, SymbolState>();
  #flushTimer: TimerId | undefined;
  #windowStart = 0;
  #weightUsed = 0;
  #failNext: { count: number; status: number } = { count: 0, status: 500 };
  readonly #bstats = {
    restDepthRequests: {} as Record<string, number>,
    restRequests: 0,
    restRateLimited: 0,
    restErrors: 0,
    streamSubscribes: {} as Record<string, number>,
    depthSubscribes: {} as Record<string, number>,
    depthEventsSent: {} as Record<string, number>,
    tradeEventsSent: 0,
    controlRequests: 0,
    controlErrors: 0,
    forcedDisconnects: 0,
    rateLimitDisconnects: 0,
    gapsInjected: 0,
    misbehavedDepth: 0,
    misbehavedBytes: 0,
  };

  /** Create the mock; call {@linkcode start} to listen. */
  constructor(options: BinanceMockOptions) {
    super(options);
    this.#updateIntervalMs = options.updateIntervalMs ?? 100;
    this.#flushOnStep = options.flushOnStep ?? true;
    this.#variant = options.variant;
    this.#maxAgeMs = options.maxConnectionAgeMs ?? options.variant.maxConnectionAgeMs;
    this.#maxIncoming = options.maxIncomingPerSecond ?? 5;
    this.#maxStreams = options.maxStreamsPerConnection ?? 1024;
    this.#weightLimit = options.weightLimit ?? options.variant.restWeightLimit;
    this.#weightWindowMs = options.weightWindowMs ?? 60_000;
    this.#restDelayMs = options.restDelayMs ?? 0;
    this.#historyLimit = options.historyLimit ?? 10_000;
    for (const symbol of this.symbols) {
      const first = options.firstUpdateId ??
        100_000_000 + (hashSeed(options.seed ?? 1, symbol) % 900_000_000);
      this.#symbols.set(symbol, {
        lastUpdateId: first - 1,
        pendingFirst: 0,
        pending: new Map(),
        undo: [],
        staleBy: 0,
      });
    }
  }

  /** REST base URL (`http://127.0.0.1:<port>`), for `/api/v3/...`. */
  get restUrl(): string {
    return this.httpUrl;
  }

  /** Counters (a copy). */
  get stats(): BinanceStats {
    const b = this.#bstats;
    this.#rollWindow();
    return {
      ...this.commonStats(),
      ...b,
      weightUsed: this.#weightUsed,
      restDepthRequests: { ...b.restDepthRequests },
      streamSubscribes: { ...b.streamSubscribes },
      depthSubscribes: { ...b.depthSubscribes },
      depthEventsSent: { ...b.depthEventsSent },
    };
  }

  /** The last update id applied to the mock's book of `symbol` (sent or still pending). */
  lastUpdateId(symbol: string): number {
    return this.#state(this.nativeSymbol(symbol)).lastUpdateId;
  }

  /** Send the pending diff event of `symbol` (or of every symbol) now. */
  flush(symbol?: string): void {
    const keys = symbol === undefined ? this.symbols : [this.nativeSymbol(symbol)];
    for (const key of keys) this.#flush(key);
  }

  // ------------------------------------------------------------------ faults

  /**
   * Skip update ids: pending changes of `symbol` (or every symbol) are flushed, then the market
   * takes a step whose update ids are consumed but whose event is never sent, so the next event's
   * `U` is not the previous `u + 1`. REST snapshots include the lost changes (a resync heals).
   */
  injectGap(symbol?: string): void {
    const keys = symbol === undefined ? this.symbols : [this.nativeSymbol(symbol)];
    for (const key of keys) {
      this.#flush(key);
      this.#bstats.gapsInjected++;
      this.stepSymbol(key, true);
    }
  }

  /**
   * The next `/api/v3/depth` of `symbol` returns the (valid, self-consistent) book as it was
   * `updatesBehind` update ids ago: older than events the client has buffered, so the splice
   * condition `U <= lastUpdateId + 1` fails and the client must fetch again.
   */
  injectStaleSnapshot(symbol: string, updatesBehind = 50): void {
    this.#state(this.nativeSymbol(symbol)).staleBy = updatesBehind;
  }

  /** The next `count` depth answers of `symbol` misbehave as `how` says. */
  misbehaveDepth(symbol: string, how: DepthMisbehaviour, count = 1): void {
    this.#misbehave.set(this.nativeSymbol(symbol), { how, count });
  }

  /** A misbehaving depth answer's body stream. */
  #misbehavingBody(payload: string, how: DepthMisbehaviour): ReadableStream<Uint8Array> {
    const stats = this.#bstats;
    if (how.kind === "oversize") {
      const chunk = new Uint8Array(65536).fill(0x20);
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= how.bytes) return controller.close();
          const n = Math.min(chunk.length, how.bytes - sent);
          sent += n;
          stats.misbehavedBytes += n;
          controller.enqueue(chunk.subarray(0, n));
        },
      }, { highWaterMark: 0 });
    }
    const bytes = new TextEncoder().encode(payload);
    let i = 0;
    let timer: TimerId | undefined;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        timer = this.every(how.intervalMs ?? 1000, () => {
          if (i >= bytes.length) {
            this.cancelTimer(timer);
            controller.close();
            return;
          }
          stats.misbehavedBytes++;
          controller.enqueue(bytes.subarray(i, ++i));
        });
      },
      cancel: () => this.cancelTimer(timer),
    });
  }

  /** The next `count` REST requests (any endpoint) fail with `status`. */
  failRest(count = 1, status = 500): void {
    this.#failNext = { count, status };
  }

  /** Queue (and, as for steps, flush) a diff deleting a `side` level the book does not hold. */
  deleteUnknownLevel(symbol: string, side: Side = "bid"): void {
    const key = this.nativeSymbol(symbol);
    const price = this.market(key).unknownPrice(side, 10);
    const st = this.#state(key);
    const id = ++st.lastUpdateId;
    if (st.pending.size === 0) st.pendingFirst = id;
    this.#remember(st, { id, side, price, prev: 0n });
    st.pending.set(`${side}:${price}`, { side, price, qty: 0n });
    this.#maybeFlush(key);
  }

  // ------------------------------------------------------------------ hooks

  protected nativeSymbol(symbol: string): string {
    const { base, quote } = splitSymbol(symbol);
    return base + quote;
  }

  protected marketDefaults(symbol: string): MarketDefaults {
    const { base } = splitSymbol(symbol);
    const midPrice = midPriceFor(base);
    const mid = Number(midPrice);
    return {
      midPrice,
      priceDecimals: 8,
      qtyDecimals: 8,
      tickSize: mid >= 10 ? "0.01" : mid >= 0.1 ? "0.0001" : "0.000001",
      lotSize: mid >= 1000 ? "0.00001" : mid >= 10 ? "0.001" : "0.1",
    };
  }

  protected acceptSocket(_req: Request, url: URL): BinanceConnection | Response {
    let names: string[];
    let combined: boolean;
    const path = url.pathname.replace(/\/+$/, "");
    if (path === "/ws") {
      names = [];
      combined = false;
    } else if (path.startsWith("/ws/")) {
      names = path.slice(4).split("/").filter((s) => s !== "");
      combined = false;
    } else if (path === "/stream") {
      names = (url.searchParams.get("streams") ?? "").split("/").filter((s) => s !== "");
      combined = true;
    } else {
      return new Response("not found", { status: 404 });
    }
    if (names.length > this.#maxStreams) {
      return this.#json({ code: -1, msg: `Too many streams (max ${this.#maxStreams})` }, 400);
    }
    for (const name of names) {
      const sym = this.#streamSymbol(name);
      if (sym && this.consumeReject(sym)) {
        return this.#json({ code: -1121, msg: "Invalid symbol." }, 400);
      }
    }
    const state: BinanceConnection = { streams: new Set(), combined, recent: [] };
    for (const name of names) this.#addStream(state, name);
    return state;
  }

  protected override onOpen(conn: Conn): void {
    if (this.#maxAgeMs > 0) {
      if (this.#variant.serverShutdown) {
        // Binance global announces the cut shortly before it.
        const lead = Math.min(SHUTDOWN_NOTICE_MS, Math.floor(this.#maxAgeMs / 2));
        conn.timeout(this.#maxAgeMs - lead, () => this.#sendShutdown(conn));
      }
      conn.timeout(this.#maxAgeMs, () => {
        if (!conn.open) return;
        this.#bstats.forcedDisconnects++;
        this.closeConnection(conn, 1001, "connection age limit (24h)");
      });
    }
  }

  /**
   * Sends `serverShutdown` to every open connection (wrapped as `!serverShutdown` on combined
   * streams) and closes them `afterMs` later, as Binance global does before planned maintenance.
   */
  serverShutdown(afterMs = 200): number {
    let n = 0;
    for (const conn of this.openConnections()) {
      this.#sendShutdown(conn);
      conn.timeout(afterMs, () => {
        if (!conn.open) return;
        this.#bstats.forcedDisconnects++;
        this.closeConnection(conn, 1001, "server shutdown");
      });
      n++;
    }
    return n;
  }

  #sendShutdown(conn: Conn): void {
    if (!conn.open) return;
    const payload = `{"e":"serverShutdown","E":${Math.floor(this.now())}}`;
    conn.send(conn.state.combined ? `{"stream":"!serverShutdown","data":${payload}}` : payload);
  }

  protected override onPacing(active: boolean): void {
    if (active && this.#updateIntervalMs > 0) {
      this.cancelTimer(this.#flushTimer);
      this.#flushTimer = this.every(this.#updateIntervalMs, () => this.flush());
    } else if (!active) {
      this.cancelTimer(this.#flushTimer);
      this.#flushTimer = undefined;
      if (!this.stopped) this.flush();
    }
  }

  protected onMessage(conn: Conn, text: string): void {
    if (this.#maxIncoming > 0) {
      const now = Date.now();
      const recent = conn.state.recent;
      recent.push(now);
      while (recent.length > 0 && now - recent[0] >= 1000) recent.shift();
      if (recent.length > this.#maxIncoming) {
        this.#bstats.rateLimitDisconnects++;
        this.closeConnection(conn, 1008, "Too many messages");
        return;
      }
    }
    this.#bstats.controlRequests++;
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch {
      return this.#controlError(conn, 3, "Invalid JSON: expected value at line 1 column 1", null);
    }
    if (typeof req !== "object" || req === null || Array.isArray(req)) {
      return this.#controlError(conn, 3, "Invalid JSON: expected an object", null);
    }
    const r = req as { method?: unknown; params?: unknown; id?: unknown };
    const id = typeof r.id === "number" || typeof r.id === "string" ? r.id : null;
    const params = r.params;
    const names = Array.isArray(params) && params.every((p) => typeof p === "string")
      ? params as string[]
      : undefined;
    switch (r.method) {
      case "SUBSCRIBE": {
        if (!names) {
          return this.#controlError(conn, 1, "Invalid value type: expected array of strings", id);
        }
        const bad = names.find((n) => !STREAM_NAME.test(n));
        if (bad !== undefined) {
          return this.#controlError(conn, 2, `Invalid request: invalid stream name '${bad}'`, id);
        }
        if (conn.state.streams.size + names.length > this.#maxStreams) {
          return this.#controlError(
            conn,
            2,
            `Invalid request: too many streams (max ${this.#maxStreams})`,
            id,
          );
        }
        for (const name of names) {
          const sym = this.#streamSymbol(name);
          if (sym && this.consumeReject(sym)) {
            return this.#controlError(
              conn,
              2,
              `Invalid request: stream '${name}' is not available`,
              id,
            );
          }
        }
        for (const name of names) this.#addStream(conn.state, name);
        return this.#result(conn, null, id);
      }
      case "UNSUBSCRIBE":
        if (!names) {
          return this.#controlError(conn, 1, "Invalid value type: expected array of strings", id);
        }
        for (const name of names) conn.state.streams.delete(name);
        return this.#result(conn, null, id);
      case "LIST_SUBSCRIPTIONS":
        return this.#result(conn, [...conn.state.streams], id);
      case "SET_PROPERTY":
        if (!Array.isArray(params) || params[0] !== "combined" || typeof params[1] !== "boolean") {
          return this.#controlError(
            conn,
            1,
            'Invalid value type: expected ["combined", Boolean]',
            id,
          );
        }
        conn.state.combined = params[1];
        return this.#result(conn, null, id);
      case "GET_PROPERTY":
        if (!Array.isArray(params) || params[0] !== "combined") {
          return this.#controlError(conn, 2, "Invalid request: unknown property", id);
        }
        return this.#result(conn, conn.state.combined, id);
      default:
        return this.#controlError(
          conn,
          2,
          `Invalid request: unknown variant \`${
            String(r.method)
          }\`, expected one of \`SUBSCRIBE\`, ` +
            "`UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`",
          id,
        );
    }
  }

  protected publishStep(symbol: string, step: MarketStep, drop: boolean): void {
    const st = this.#state(symbol);
    for (const change of step.changes) {
      const id = ++st.lastUpdateId;
      this.#remember(st, { id, side: change.side, price: change.price, prev: change.prev });
      if (drop) continue;
      if (st.pending.size === 0) st.pendingFirst = id;
      const key = `${change.side}:${change.price}`;
      st.pending.delete(key); // keep the latest position
      st.pending.set(key, { side: change.side, price: change.price, qty: change.qty });
    }
    if (step.trades.length > 0) this.#sendTrades(symbol, step.trades, drop);
    if (!drop) this.#maybeFlush(symbol);
  }

  protected override async handleHttp(req: Request, url: URL): Promise<Response> {
    this.#bstats.restRequests++;
    if (req.method !== "GET") return this.#restError(405, -1, "Method not allowed", 0);
    if (this.#failNext.count > 0) {
      this.#failNext.count--;
      return this.#restError(
        this.#failNext.status,
        -1001,
        "Internal error; unable to process your request. Please try again.",
        0,
      );
    }
    switch (url.pathname) {
      case "/api/v3/ping":
        return this.#weighted(1, () => ({}));
      case "/api/v3/time":
        return this.#weighted(1, () => ({ serverTime: Math.floor(this.now()) }));
      case "/api/v3/exchangeInfo":
        return this.#weighted(10, () => this.#exchangeInfo(url.searchParams.get("symbol")));
      case "/api/v3/depth":
        return await this.#depth(url);
      default:
        return this.#restError(404, -1, "not found", 0);
    }
  }

  // ------------------------------------------------------------------ REST

  #rollWindow(): void {
    const now = Date.now();
    if (now - this.#windowStart >= this.#weightWindowMs) {
      this.#windowStart = now;
      this.#weightUsed = 0;
    }
  }

  #headers(): Record<string, string> {
    return {
      "content-type": "application/json;charset=UTF-8",
      "x-mbx-used-weight": String(this.#weightUsed),
      "x-mbx-used-weight-1m": String(this.#weightUsed),
    };
  }

  /** Charge `weight`; answers 429 when over budget, else undefined. */
  #charge(weight: number): Response | undefined {
    this.#rollWindow();
    if (this.#weightUsed + weight > this.#weightLimit) {
      this.#bstats.restRateLimited++;
      const retry = Math.max(
        1,
        Math.ceil((this.#windowStart + this.#weightWindowMs - Date.now()) / 1000),
      );
      return new Response(
        JSON.stringify({
          code: -1003,
          msg:
            `Too much request weight used; current limit is ${this.#weightLimit} request weight per ` +
            `${this.#weightWindowMs} ms. Please use WebSocket Streams for live updates to avoid polling the API.`,
        }),
        { status: 429, headers: { ...this.#headers(), "retry-after": String(retry) } },
      );
    }
    this.#weightUsed += weight;
    return undefined;
  }

  async #weighted(weight: number, body: () => unknown): Promise<Response> {
    const limited = this.#charge(weight);
    if (limited) return limited;
    const payload = JSON.stringify(body());
    const headers = this.#headers();
    await this.delay(this.#restDelayMs);
    return new Response(payload, { status: 200, headers });
  }

  #restError(status: number, code: number, msg: string, weight: number): Response {
    this.#bstats.restErrors++;
    if (weight > 0) this.#charge(weight);
    return new Response(JSON.stringify({ code, msg }), { status, headers: this.#headers() });
  }

  async #depth(url: URL): Promise<Response> {
    const symbol = url.searchParams.get("symbol");
    if (!symbol) {
      return this.#restError(
        400,
        -1102,
        "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
        1,
      );
    }
    if (!this.hasSymbol(symbol)) return this.#restError(400, -1121, "Invalid symbol.", 1);
    const limitText = url.searchParams.get("limit");
    let limit = 100;
    if (limitText !== null) {
      if (!/^[0-9]{1,20}$/.test(limitText) || Number(limitText) < 1) {
        return this.#restError(
          400,
          -1100,
          "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.",
          1,
        );
      }
      limit = Math.min(Number(limitText), 5000);
    }
    const limited = this.#charge(depthWeight(this.#variant.depthWeights, limit));
    if (limited) return limited;
    const st = this.#state(symbol);
    let book = this.market(symbol).book;
    let lastUpdateId = st.lastUpdateId;
    if (st.staleBy > 0) {
      ({ book, lastUpdateId } = this.#bookAt(symbol, st.lastUpdateId - st.staleBy));
      st.staleBy = 0;
    }
    const payload = `{"lastUpdateId":${lastUpdateId},"bids":${
      JSON.stringify(book.bids(limit))
    },"asks":${JSON.stringify(book.asks(limit))}}`;
    const headers = this.#headers();
    await this.delay(this.#restDelayMs);
    const odd = this.#misbehave.get(symbol);
    if (odd !== undefined) {
      if (--odd.count <= 0) this.#misbehave.delete(symbol);
      this.#bstats.misbehavedDepth++;
      return new Response(this.#misbehavingBody(payload, odd.how), { status: 200, headers });
    }
    bump(this.#bstats.restDepthRequests, symbol);
    return new Response(payload, { status: 200, headers });
  }

  /** The book as it was right after update id `id` (clamped to the remembered history). */
  #bookAt(symbol: string, id: number): { book: MockBook; lastUpdateId: number } {
    const st = this.#state(symbol);
    const book = this.market(symbol).book.clone();
    let last = st.lastUpdateId;
    for (let i = st.undo.length - 1; i >= 0 && st.undo[i].id > id; i--) {
      const u = st.undo[i];
      book.set(u.side, u.price, u.prev);
      last = u.id - 1;
    }
    return { book, lastUpdateId: last };
  }

  #exchangeInfo(only: string | null): unknown {
    const symbols = this.symbols.filter((s) => only === null || s === only).map((symbol) => {
      const market = this.market(symbol);
      const { base, quote } = splitSymbol(symbol);
      const pd = market.book.priceDecimals;
      const qd = market.book.qtyDecimals;
      return {
        symbol,
        status: "TRADING",
        baseAsset: base,
        baseAssetPrecision: qd,
        quoteAsset: quote,
        quotePrecision: pd,
        filters: [
          {
            filterType: "PRICE_FILTER",
            minPrice: formatFixed(market.tick, pd),
            maxPrice: formatFixed(market.tick * 100_000_000n, pd),
            tickSize: formatFixed(market.tick, pd),
          },
          {
            filterType: "LOT_SIZE",
            minQty: formatFixed(market.lot, qd),
            maxQty: formatFixed(market.lot * 10_000_000n, qd),
            stepSize: formatFixed(market.lot, qd),
          },
        ],
      };
    });
    return {
      timezone: "UTC",
      serverTime: Math.floor(this.now()),
      rateLimits: [{
        rateLimitType: "REQUEST_WEIGHT",
        interval: "MINUTE",
        intervalNum: 1,
        limit: this.#weightLimit,
      }],
      symbols,
    };
  }

  #json(body: unknown, status: number): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  }

  // ------------------------------------------------------------------ streams

  #state(symbol: string): SymbolState {
    const st = this.#symbols.get(symbol);
    if (!st) throw new RangeError(`Unknown symbol ${symbol}`);
    return st;
  }

  #remember(st: SymbolState, entry: UndoEntry): void {
    st.undo.push(entry);
    if (st.undo.length > 2 * this.#historyLimit) {
      st.undo.splice(0, st.undo.length - this.#historyLimit);
    }
  }

  /** The venue symbol of a stream name (`btcusdt@depth` → `BTCUSDT`), if served. */
  #streamSymbol(name: string): string | undefined {
    const at = name.indexOf("@");
    if (at <= 0) return undefined;
    const symbol = name.slice(0, at).toUpperCase();
    return this.hasSymbol(symbol) ? symbol : undefined;
  }

  #addStream(state: BinanceConnection, name: string): void {
    if (state.streams.has(name)) return;
    state.streams.add(name);
    bump(this.#bstats.streamSubscribes, name);
    const sym = this.#streamSymbol(name);
    if (sym && /^[a-z0-9]+@depth(@100ms|@1000ms)?$/.test(name)) {
      bump(this.#bstats.depthSubscribes, sym);
    }
  }

  #maybeFlush(symbol: string): void {
    if (this.#updateIntervalMs === 0 || (!this.pacing && this.#flushOnStep)) this.#flush(symbol);
  }

  #flush(symbol: string): void {
    const st = this.#state(symbol);
    if (st.pending.size === 0) return;
    const book = this.market(symbol).book;
    const pd = book.priceDecimals;
    const qd = book.qtyDecimals;
    const levels = [...st.pending.values()];
    const text = (side: Side) => {
      const list = levels.filter((l) => l.side === side);
      list.sort((
        x,
        y,
      ) => (side === "bid" ? (y.price > x.price ? 1 : -1) : (x.price > y.price ? 1 : -1)));
      return JSON.stringify(list.map((l) => [formatFixed(l.price, pd), formatFixed(l.qty, qd)]));
    };
    const event = `{"e":"depthUpdate","E":${
      Math.floor(this.now())
    },"s":"${symbol}","U":${st.pendingFirst},"u":${st.lastUpdateId},"b":${text("bid")},"a":${
      text("ask")
    }}`;
    st.pending.clear();
    bump(this.#bstats.depthEventsSent, symbol);
    const lower = symbol.toLowerCase();
    const diffNames = [`${lower}@depth`, `${lower}@depth@100ms`, `${lower}@depth@1000ms`];
    const partials = new Map<string, string>();
    for (const conn of this.openConnections()) {
      for (const name of conn.state.streams) {
        if (!name.startsWith(`${lower}@depth`)) continue;
        let payload: string | undefined;
        if (diffNames.includes(name)) payload = event;
        else {
          const m = /^[a-z0-9]+@depth(5|10|20)(@100ms|@1000ms)?$/.exec(name);
          if (!m) continue;
          payload = partials.get(m[1]);
          if (payload === undefined) {
            const n = Number(m[1]);
            payload = `{"lastUpdateId":${st.lastUpdateId},"bids":${
              JSON.stringify(book.bids(n))
            },"asks":${JSON.stringify(book.asks(n))}}`;
            partials.set(m[1], payload);
          }
        }
        conn.send(conn.state.combined ? `{"stream":"${name}","data":${payload}}` : payload);
      }
    }
  }

  #sendTrades(symbol: string, trades: readonly MarketTrade[], drop: boolean): void {
    const book = this.market(symbol).book;
    const lower = symbol.toLowerCase();
    const names = [`${lower}@trade`, `${lower}@aggTrade`];
    for (const conn of this.openConnections()) {
      for (const name of names) {
        if (!conn.state.streams.has(name)) continue;
        for (const t of trades) {
          if (drop) {
            this.counters.messagesDropped++;
            continue;
          }
          const p = formatFixed(t.price, book.priceDecimals);
          const q = formatFixed(t.qty, book.qtyDecimals);
          const m = t.side === "sell"; // buyer is maker ⇔ the taker sold
          const payload = name.endsWith("@trade")
            ? `{"e":"trade","E":${
              Math.floor(this.now())
            },"s":"${symbol}","t":${t.id},"p":"${p}","q":"${q}",${
              this.#variant.tradeOrderIds === false
                ? ""
                : `"b":${2 * t.id + 1000},"a":${2 * t.id + 1001},`
            }"T":${Math.floor(t.time)},"m":${m},"M":true}`
            : `{"e":"aggTrade","E":${
              Math.floor(this.now())
            },"s":"${symbol}","a":${t.id},"p":"${p}","q":"${q}","f":${t.id},"l":${t.id},"T":${
              Math.floor(t.time)
            },"m":${m},"M":true}`;
          if (conn.send(conn.state.combined ? `{"stream":"${name}","data":${payload}}` : payload)) {
            this.#bstats.tradeEventsSent++;
          }
        }
      }
    }
  }

  #result(conn: Conn, result: unknown, id: number | string | null): void {
    conn.send(JSON.stringify({ result, id }));
  }

  #controlError(conn: Conn, code: number, msg: string, id: number | string | null): void {
    this.#bstats.controlErrors++;
    conn.send(JSON.stringify({ error: { code, msg }, id }));
  }
}
