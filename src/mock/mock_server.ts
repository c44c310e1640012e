/**
 * Shared machinery of the mock exchange servers: a listener on 127.0.0.1 (port 0 by default;
 * `Deno.serve`, or the batched-write {@linkcode BatchedServer} with `transport: "batched"`),
 * WebSocket connection bookkeeping, one {@linkcode MarketGenerator} per symbol, manual stepping
 * and timer-driven pacing, the faults every venue supports (silence, disconnect, raw
 * frames, rejected subscribes) and counters. Venue classes ({@linkcode CoinbaseMock},
 * {@linkcode KrakenMock}, {@linkcode BinanceMock}) extend it with the protocol.
 *
 * Lifecycle: `await mock.start()` listens; `await mock.stop()` stops pacing, clears every timer,
 * closes every socket (code 1001) and shuts the listener down, so Deno's test sanitizers stay happy.
 *
 * Ping frames: Deno's server-side `WebSocket` has no `ping()` method. The only way to make the
 * server send ping frames is `Deno.upgradeWebSocket(req, { idleTimeout })`: Deno then pings
 * automatically after `idleTimeout / 2` seconds of inactivity and closes the socket (code 1001,
 * "No response from ping frame.") when no pong arrives within `idleTimeout` seconds. That is exposed
 * as the `idleTimeoutSeconds` option (whole seconds; Deno's default 120 when omitted, 0 disables).
 * Deno clients answer pings by themselves. Pings cannot be scripted or counted from here.
 *
 * @module
 */
import {
  hashSeed,
  type MarketFlowOptions,
  MarketGenerator,
  type MarketStep,
  type ScriptedChange,
  type ScriptedTrade,
} from "./market.ts";
import { BatchedServer, upgradeBatched } from "./batched_ws_server.ts";
import type { Side, TextBook } from "./mock_book.ts";

/** A timer handle as returned by `setTimeout` / `setInterval`. */
export type TimerId = ReturnType<typeof setTimeout>;

/** Per-symbol market parameters. Anything omitted comes from the venue's defaults. */
export interface SymbolSpec extends MarketFlowOptions {
  /** Symbol, normalised (`BTC/USD`) or in the venue's own spelling (`BTC-USD`, `BTCUSDT`). */
  symbol: string;
  /** Starting mid price text. */
  midPrice?: string;
  /** Decimals of price texts on the wire. */
  priceDecimals?: number;
  /** Decimals of quantity texts on the wire. */
  qtyDecimals?: number;
  /** Price increment text. */
  tickSize?: string;
  /** Quantity increment text. */
  lotSize?: string;
  /** Start from exactly this book (best first not required). */
  book?: {
    bids: ReadonlyArray<readonly [string, string]>;
    asks: ReadonlyArray<readonly [string, string]>;
  };
  /** Seed for this symbol (default: derived from the mock's seed and the symbol). */
  seed?: number;
}

/** Venue defaults for a symbol's market. */
export interface MarketDefaults {
  /** Starting mid price text. */
  midPrice: string;
  /** Decimals of price texts. */
  priceDecimals: number;
  /** Decimals of quantity texts. */
  qtyDecimals: number;
  /** Price increment text. */
  tickSize?: string;
  /** Quantity increment text. */
  lotSize?: string;
}

/** Options shared by every mock. */
export interface MockServerOptions {
  /** Symbols served (normalised `BASE/QUOTE` or venue spelling), or detailed specs. */
  symbols: ReadonlyArray<string | SymbolSpec>;
  /** Listen address. Default `127.0.0.1`. */
  hostname?: string;
  /** Listen port. Default 0 (any free port; read {@linkcode MockExchangeServer.port}). */
  port?: number;
  /** Base seed of every symbol's market. Default 1. */
  seed?: number;
  /**
   * Automatic pacing: market steps per second per symbol, started by `start()`. Default 0
   * (manual: call `stepOnce()`).
   */
  rate?: number;
  /** Flow tunables applied to every symbol (a {@linkcode SymbolSpec} overrides them). */
  market?: MarketFlowOptions;
  /** Clock for timestamps in messages. Default `Date.now`. Timers always use real time. */
  now?: () => number;
  /** Deno's WebSocket `idleTimeout` (server ping frames), seconds. See the module docs. */
  idleTimeoutSeconds?: number;
  /**
   * `"deno"` (default): `Deno.serve` and `Deno.upgradeWebSocket`, one write per frame.
   * `"batched"`: {@linkcode BatchedServer}, whose sockets write all the frames of one task at once
   * (several times cheaper at high rates; no `idleTimeoutSeconds`, one request per HTTP
   * connection). The simulator uses `"batched"`.
   */
  transport?: "deno" | "batched";
  /** How many received client messages to keep in {@linkcode MockExchangeServer.clientMessages}. Default 1000. */
  logLimit?: number;
  /**
   * Close a connection (1008, "slow consumer") once more than this many bytes wait to be sent to
   * it, as exchanges drop clients that do not keep up. Default: no limit.
   */
  maxBufferedBytes?: number;
}

/** Counters every mock keeps. */
export interface MockStats {
  /** WebSocket connections accepted (opened). */
  connections: number;
  /** Connections open now. */
  openConnections: number;
  /** Upgrade requests refused (bad path, rejected stream...). */
  refusedConnections: number;
  /** Connections closed by the mock (faults, timeouts, limits, stop). */
  closedByServer: number;
  /** Connections closed by the client or the network. */
  closedByClient: number;
  /** Frames sent, all connections. */
  messagesSent: number;
  /** Frames received, all connections. */
  messagesReceived: number;
  /** Frames built but not sent because the connection was silenced or a gap was injected. */
  messagesDropped: number;
  /** Frames sent through `sendRaw`. */
  rawSent: number;
  /** Market steps taken (manual, paced and scripted). */
  steps: number;
  /** Subscribe requests refused through `rejectSubscribe`. */
  injectedRejects: number;
  /** Exceptions thrown by the mock's own handlers (should stay 0; logged with console.error). */
  handlerErrors: number;
  /** Connections closed for not reading fast enough (`maxBufferedBytes`). */
  slowConsumerCloses: number;
}

/** A received client frame, for assertions. */
export interface ClientMessage {
  /** Connection id. */
  connection: number;
  /** Epoch ms (real clock). */
  at: number;
  /** The frame as text (binary frames are decoded as UTF-8). */
  data: string;
}

/** Public view of a connection. */
export interface ConnectionInfo {
  /** Sequential id, from 1. */
  id: number;
  /** Request URL path + query. */
  path: string;
  /** Epoch ms (real clock). */
  openedAt: number;
  /** Frames sent on this connection. */
  sent: number;
  /** Frames received on this connection. */
  received: number;
}

/** A server-side connection and its venue state. */
export class MockConnection<S> {
  /** Sequential id, from 1. */
  readonly id: number;
  /** The upgrade request URL. */
  readonly url: URL;
  /** The server-side socket. */
  readonly socket: WebSocket;
  /** Venue state of this connection. */
  readonly state: S;
  /** Epoch ms (real clock) when the socket opened. */
  openedAt = 0;
  /** Frames sent. */
  sent = 0;
  /** Frames received. */
  received = 0;
  /** Real-clock ms of the last frame actually sent (or of opening). */
  lastSentAt = 0;
  /** Real-clock ms of the last frame received (or of opening). */
  lastReceivedAt = 0;
  /** Frames are dropped until this real-clock ms. */
  silencedUntil = 0;
  /** Set once the mock has decided to close it. */
  closing = false;
  readonly #timers = new Set<TimerId>();
  readonly #onSend: (sent: boolean) => void;
  readonly #maxBuffered: number;
  readonly #onOverflow: () => void;

  /** @internal */
  constructor(
    id: number,
    url: URL,
    socket: WebSocket,
    state: S,
    onSend: (sent: boolean) => void,
    maxBuffered = Infinity,
    onOverflow: () => void = () => {},
  ) {
    this.id = id;
    this.url = url;
    this.socket = socket;
    this.state = state;
    this.#onSend = onSend;
    this.#maxBuffered = maxBuffered;
    this.#onOverflow = onOverflow;
  }

  /** Whether frames are currently being dropped. */
  get silenced(): boolean {
    return Date.now() < this.silencedUntil;
  }

  /** Whether the socket is open and not being closed. */
  get open(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Send a frame unless the connection is silenced or closed. Returns whether it was sent.
   * A silenced connection counts the frame as dropped.
   */
  send(data: string | Uint8Array): boolean {
    if (!this.open) return false;
    if (this.silenced) {
      this.#onSend(false);
      return false;
    }
    try {
      this.socket.send(data);
    } catch {
      return false;
    }
    if (this.socket.bufferedAmount > this.#maxBuffered) this.#onOverflow();
    this.sent++;
    this.lastSentAt = Date.now();
    this.#onSend(true);
    return true;
  }

  /** A timeout owned by this connection: cleared when it closes. */
  timeout(ms: number, fn: () => void): TimerId {
    const id = setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, ms);
    this.#timers.add(id);
    return id;
  }

  /** Cancel a timeout made with {@linkcode timeout}. */
  cancel(id: TimerId | undefined): void {
    if (id === undefined) return;
    clearTimeout(id);
    this.#timers.delete(id);
  }

  /** @internal Clear every timer. */
  dispose(): void {
    for (const id of this.#timers) clearTimeout(id);
    this.#timers.clear();
  }
}

/** Bump a per-key counter. */
export function bump(counter: Record<string, number>, key: string, by = 1): void {
  counter[key] = (counter[key] ?? 0) + by;
}

let cachedSecond = NaN;
let cachedPrefix = "";

/**
 * RFC 3339 UTC text of epoch ms with `fractionDigits` (3, 6 or 9) fractional digits. A fractional
 * `ms` keeps its microseconds (`rfc3339(1000.25)` → `1970-01-01T00:00:01.000250Z`).
 *
 * @example
 * ```ts
 * import { rfc3339 } from "./mock_server.ts";
 * if (rfc3339(1000.25) !== "1970-01-01T00:00:01.000250Z") throw new Error();
 * if (rfc3339(1500, 3) !== "1970-01-01T00:00:01.500Z") throw new Error();
 * ```
 */
export function rfc3339(ms: number, fractionDigits = 6): string {
  let second = Math.floor(ms / 1000);
  let rest = ms - second * 1000;
  if (rest < 0) { // ms / 1000 rounded up to the next whole second
    second--;
    rest += 1000;
  }
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const micros = Math.min(999_999, Math.floor(rest * 1000));
  const frac = `${micros}`.padStart(6, "0").padEnd(fractionDigits, "0").slice(0, fractionDigits);
  return `${cachedPrefix}.${frac}Z`;
}

const MAX_STEPS_PER_TICK = 1000;
const CLOSE_WAIT_MS = 1000;

/**
 * Base class of the venue mocks. See the module documentation.
 *
 * @typeParam S Per-connection venue state.
 */
export abstract class MockExchangeServer<S> {
  readonly #hostname: string;
  readonly #requestedPort: number;
  readonly #baseSeed: number;
  readonly #rate: number;
  readonly #idleTimeout: number | undefined;
  readonly #transport: "deno" | "batched";
  readonly #maxBuffered: number;
  readonly #logLimit: number;
  readonly #markets = new Map<string, MarketGenerator>();
  readonly #connections = new Map<number, MockConnection<S>>();
  readonly #timers = new Set<TimerId>();
  readonly #delays = new Set<() => void>();
  readonly #rejects = new Map<string, number>();
  readonly #log: ClientMessage[] = [];
  #server: Deno.HttpServer<Deno.NetAddr> | BatchedServer | undefined;
  #pacer: TimerId | undefined;
  #nextId = 1;
  #stopped = false;
  /** Clock for message timestamps. */
  protected readonly now: () => number;
  /** Common counters (venue classes add their own). */
  protected readonly counters: Omit<MockStats, "openConnections"> = {
    connections: 0,
    refusedConnections: 0,
    closedByServer: 0,
    closedByClient: 0,
    messagesSent: 0,
    messagesReceived: 0,
    messagesDropped: 0,
    rawSent: 0,
    steps: 0,
    injectedRejects: 0,
    handlerErrors: 0,
    slowConsumerCloses: 0,
  };

  /** Build the markets; nothing listens until {@linkcode start}. */
  constructor(options: MockServerOptions) {
    this.#hostname = options.hostname ?? "127.0.0.1";
    this.#requestedPort = options.port ?? 0;
    this.#baseSeed = options.seed ?? 1;
    this.#rate = options.rate ?? 0;
    this.#idleTimeout = options.idleTimeoutSeconds;
    this.#transport = options.transport ?? "deno";
    this.#maxBuffered = options.maxBufferedBytes ?? Infinity;
    if (this.#transport === "batched" && this.#idleTimeout !== undefined) {
      throw new TypeError("idleTimeoutSeconds needs the deno transport");
    }
    this.#logLimit = options.logLimit ?? 1000;
    this.now = options.now ?? Date.now;
    if (options.symbols.length === 0) throw new TypeError("At least one symbol is required");
    for (const input of options.symbols) {
      const spec: SymbolSpec = typeof input === "string" ? { symbol: input } : input;
      const symbol = this.nativeSymbol(spec.symbol);
      if (this.#markets.has(symbol)) throw new TypeError(`Duplicate symbol ${symbol}`);
      const defaults = this.marketDefaults(symbol);
      this.#markets.set(
        symbol,
        new MarketGenerator({
          ...defaults,
          ...options.market,
          ...spec,
          initialBook: spec.book,
          seed: spec.seed ?? hashSeed(this.#baseSeed, symbol),
          now: this.now,
        }),
      );
    }
  }

  // ---------------------------------------------------------------- venue hooks

  /** Convert a user-facing symbol (normalised or venue spelling) to the venue's spelling. */
  protected abstract nativeSymbol(symbol: string): string;

  /** Default market parameters for a venue symbol. */
  protected abstract marketDefaults(symbol: string): MarketDefaults;

  /**
   * Decide on a WebSocket upgrade: return the new connection's state, or a `Response` to refuse.
   */
  protected abstract acceptSocket(req: Request, url: URL): S | Response;

  /** The socket is open. */
  protected onOpen(_conn: MockConnection<S>): void {}

  /** A client frame arrived (binary frames are decoded to text). */
  protected abstract onMessage(conn: MockConnection<S>, text: string): void;

  /** The socket closed (either side). Timers of the connection are already cleared. */
  protected onClose(_conn: MockConnection<S>): void {}

  /**
   * Publish one market step of `symbol` to the subscribed connections. With `drop`, update any
   * per-connection state (sequence numbers, views) as if the frames had been sent, but send nothing.
   */
  protected abstract publishStep(symbol: string, step: MarketStep, drop: boolean): void;

  /** A plain HTTP request (not an upgrade). Default 404. */
  protected handleHttp(_req: Request, _url: URL): Response | Promise<Response> {
    return new Response("not found", { status: 404 });
  }

  /** Listening started (create venue timers here). */
  protected onStart(): void {}

  /** Pacing started or stopped. */
  protected onPacing(_active: boolean): void {}

  /** Path appended to `ws://host:port` in {@linkcode wsUrl}. Default "". */
  protected get wsPath(): string {
    return "";
  }

  // ---------------------------------------------------------------- lifecycle

  /** Listen. Starts pacing when the `rate` option is positive. */
  start(): Promise<void> {
    try {
      if (this.#server !== undefined || this.#stopped) throw new Error("Mock already started");
      const listen = { hostname: this.#hostname, port: this.#requestedPort };
      this.#server = this.#transport === "batched"
        ? BatchedServer.serve(listen, (req) => this.#handle(req))
        : Deno.serve({ ...listen, onListen() {} }, (req) => this.#handle(req));
      this.onStart();
      if (this.#rate > 0) this.startPacing(this.#rate);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Stop pacing, clear timers, close every socket (1001), shut the listener down. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.stopPacing();
    for (const id of this.#timers) {
      clearTimeout(id);
      clearInterval(id);
    }
    this.#timers.clear();
    for (const resolve of this.#delays) resolve();
    this.#delays.clear();
    const closed: Promise<void>[] = [];
    for (const conn of this.#connections.values()) {
      closed.push(new Promise((resolve) => conn.socket.addEventListener("close", () => resolve())));
      this.closeConnection(conn, 1001, "mock stopped");
    }
    if (closed.length > 0) {
      let timer: TimerId | undefined;
      await Promise.race([
        Promise.all(closed),
        new Promise((resolve) => timer = setTimeout(resolve, CLOSE_WAIT_MS)),
      ]);
      clearTimeout(timer);
    }
    if (this.#server) {
      await this.#server.shutdown();
      await this.#server.finished;
    }
    for (const conn of this.#connections.values()) conn.dispose();
    this.#connections.clear();
  }

  /** `await using mock = ...` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The listening port (after {@linkcode start}). */
  get port(): number {
    if (!this.#server) throw new Error("Mock not started");
    return this.#server.addr.port;
  }

  /** `http://host:port`. */
  get httpUrl(): string {
    return `http://${this.#hostname}:${this.port}`;
  }

  /** WebSocket URL to give the adapter. */
  get wsUrl(): string {
    return `ws://${this.#hostname}:${this.port}${this.wsPath}`;
  }

  /** Served symbols in the venue's spelling. */
  get symbols(): string[] {
    return [...this.#markets.keys()];
  }

  // ---------------------------------------------------------------- market driving

  /** The market of a symbol (normalised or venue spelling), for advanced scripting. */
  market(symbol: string): MarketGenerator {
    const market = this.#markets.get(symbol) ?? this.#markets.get(this.nativeSymbol(symbol));
    if (!market) {
      throw new RangeError(`Unknown symbol ${symbol} (serving ${this.symbols.join(", ")})`);
    }
    return market;
  }

  /** Whether a venue-spelled symbol is served. */
  protected hasSymbol(symbol: string): boolean {
    return this.#markets.has(symbol);
  }

  /** The mock's authoritative book, best first, optionally limited to `depth` per side. */
  book(symbol: string, depth = Infinity): TextBook {
    return this.market(symbol).snapshot(depth);
  }

  /**
   * Take `count` market steps of one symbol (or of every symbol, round robin) and publish them.
   * Returns the steps.
   */
  stepOnce(symbol?: string, count = 1): MarketStep[] {
    const keys = symbol === undefined
      ? this.symbols
      : [this.#markets.has(symbol) ? symbol : this.nativeSymbol(symbol)];
    const steps: MarketStep[] = [];
    for (let i = 0; i < count; i++) {
      for (const key of keys) steps.push(this.stepSymbol(key, false));
    }
    return steps;
  }

  /** One generated step of a venue-spelled symbol, published (or dropped). */
  protected stepSymbol(symbol: string, drop: boolean): MarketStep {
    const step = this.market(symbol).step();
    this.counters.steps++;
    this.publishStep(symbol, step, drop);
    return step;
  }

  /**
   * Apply scripted level changes (in order, absolute quantities, `"0"` deletes) and trades as one
   * step and publish it like a generated step.
   */
  applyStep(
    symbol: string,
    script: { changes?: readonly ScriptedChange[]; trades?: readonly ScriptedTrade[] },
  ): MarketStep {
    const key = this.nativeSymbol(symbol);
    const step = this.market(key).apply(script.changes ?? [], script.trades ?? []);
    this.counters.steps++;
    this.publishStep(key, step, false);
    return step;
  }

  /** Replace the whole book of a symbol and publish the difference as one step. */
  setBook(
    symbol: string,
    book: {
      bids: ReadonlyArray<readonly [string, string]>;
      asks: ReadonlyArray<readonly [string, string]>;
    },
  ): MarketStep {
    const key = this.nativeSymbol(symbol);
    const step = this.market(key).replace(book);
    this.counters.steps++;
    this.publishStep(key, step, false);
    return step;
  }

  /** Start timer-driven steps at `rate` steps per second per symbol (restarts if running). */
  startPacing(rate: number = this.#rate): void {
    if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
    if (!this.#server || this.#stopped) throw new Error("Mock not running");
    this.stopPacing();
    const t0 = performance.now();
    let done = 0;
    const interval = Math.max(1, Math.min(100, Math.floor(1000 / rate)));
    this.#pacer = setInterval(() =>
      this.#guard(undefined, () => {
        const due = Math.floor(((performance.now() - t0) * rate) / 1000);
        const n = Math.min(due - done, MAX_STEPS_PER_TICK);
        done = due;
        for (let i = 0; i < n; i++) {
          for (const key of this.#markets.keys()) this.stepSymbol(key, false);
        }
      }), interval);
    this.onPacing(true);
  }

  /** Stop timer-driven steps. */
  stopPacing(): void {
    if (this.#pacer === undefined) return;
    clearInterval(this.#pacer);
    this.#pacer = undefined;
    this.onPacing(false);
  }

  /** Whether pacing is running. */
  get pacing(): boolean {
    return this.#pacer !== undefined;
  }

  // ---------------------------------------------------------------- faults

  /**
   * Drop every frame (data, acks, heartbeats, raw) on the connections open now, for `ms`
   * milliseconds. Frames are still built, so sequence numbers advance and books move on: after
   * the silence a client that kept the connection sees a gap / checksum mismatch. Connections
   * opened later are not affected. Returns how many connections were silenced.
   */
  silence(ms: number): number {
    const until = Date.now() + ms;
    let n = 0;
    for (const conn of this.#connections.values()) {
      if (!conn.open) continue;
      conn.silencedUntil = Math.max(conn.silencedUntil, until);
      n++;
    }
    return n;
  }

  /** Close every open connection with a close frame. Returns how many. */
  disconnectAll(code = 1001, reason = "mock disconnect"): number {
    let n = 0;
    for (const conn of this.#connections.values()) {
      if (conn.open) {
        this.closeConnection(conn, code, reason);
        n++;
      }
    }
    return n;
  }

  /**
   * Send a frame as is to every open connection (malformed JSON, unknown types, wrong field
   * types, binary). Subject to silence; consumes no sequence number. Returns how many got it.
   */
  sendRaw(data: string | Uint8Array): number {
    let n = 0;
    for (const conn of this.#connections.values()) {
      if (conn.send(data)) {
        this.counters.rawSent++;
        n++;
      }
    }
    return n;
  }

  /**
   * Refuse the next `count` subscribe requests that name `symbol` (Infinity: until reset with
   * `rejectSubscribe(symbol, 0)`). Each venue answers with its error shape.
   */
  rejectSubscribe(symbol: string, count = 1): void {
    const key = this.nativeSymbol(symbol);
    this.market(key); // validates
    if (count > 0) this.#rejects.set(key, count);
    else this.#rejects.delete(key);
  }

  /** Consume one pending rejection of a venue-spelled symbol. */
  protected consumeReject(symbol: string): boolean {
    const left = this.#rejects.get(symbol);
    if (left === undefined) return false;
    if (left <= 1) this.#rejects.delete(symbol);
    else this.#rejects.set(symbol, left - 1);
    this.counters.injectedRejects++;
    return true;
  }

  /** Lose one update of `symbol` (or of every symbol): venue-specific, see the subclass. */
  abstract injectGap(symbol?: string): void;

  /** Publish a delete (size 0) for a price level the book does not hold. */
  abstract deleteUnknownLevel(symbol: string, side?: Side): void;

  // ---------------------------------------------------------------- introspection

  /** Received client frames, oldest first (the last `logLimit`). */
  get clientMessages(): readonly ClientMessage[] {
    return this.#log;
  }

  /** Open connections. */
  get connections(): ConnectionInfo[] {
    return [...this.#connections.values()].filter((c) => c.open).map((c) => ({
      id: c.id,
      path: c.url.pathname + c.url.search,
      openedAt: c.openedAt,
      sent: c.sent,
      received: c.received,
    }));
  }

  /** Common counters; venue classes return a superset from their `stats`. */
  protected commonStats(): MockStats {
    let open = 0;
    for (const c of this.#connections.values()) if (c.open) open++;
    return { ...this.counters, openConnections: open };
  }

  /** Live connections (open and not closing). */
  protected *openConnections(): Generator<MockConnection<S>> {
    for (const conn of this.#connections.values()) if (conn.open) yield conn;
  }

  // ---------------------------------------------------------------- helpers for venues

  /** Close a connection from the server side (counted once). */
  protected closeConnection(conn: MockConnection<S>, code: number, reason: string): void {
    if (conn.closing) return;
    conn.closing = true;
    this.counters.closedByServer++;
    try {
      conn.socket.close(code, reason);
    } catch {
      // already closing
    }
  }

  /** A repeating timer owned by the mock (cleared by stop). */
  protected every(ms: number, fn: () => void): TimerId {
    const id = setInterval(() => this.#guard(undefined, fn), ms);
    this.#timers.add(id);
    return id;
  }

  /** A one-shot timer owned by the mock (cleared by stop). */
  protected after(ms: number, fn: () => void): TimerId {
    const id = setTimeout(() => {
      this.#timers.delete(id);
      this.#guard(undefined, fn);
    }, ms);
    this.#timers.add(id);
    return id;
  }

  /** Cancel a timer made with {@linkcode every} or {@linkcode after}. */
  protected cancelTimer(id: TimerId | undefined): void {
    if (id === undefined) return;
    clearTimeout(id);
    clearInterval(id);
    this.#timers.delete(id);
  }

  /** Sleep on a timer that `stop()` cuts short. */
  protected delay(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#delays.delete(done);
        this.cancelTimer(id);
        resolve();
      };
      this.#delays.add(done);
      const id = this.after(ms, done);
    });
  }

  /** Whether `stop()` has begun. */
  protected get stopped(): boolean {
    return this.#stopped;
  }

  // ---------------------------------------------------------------- internals

  #guard(conn: MockConnection<S> | undefined, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.counters.handlerErrors++;
      console.error(`${this.constructor.name} handler error:`, error);
      if (conn) this.closeConnection(conn, 1011, "mock internal error");
    }
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      try {
        return await this.handleHttp(req, url);
      } catch (error) {
        this.counters.handlerErrors++;
        console.error(`${this.constructor.name} HTTP handler error:`, error);
        return new Response("mock internal error", { status: 500 });
      }
    }
    if (this.#stopped) return new Response("stopping", { status: 503 });
    const state = this.acceptSocket(req, url);
    if (state instanceof Response) {
      this.counters.refusedConnections++;
      return state;
    }
    const { socket, response } = this.#transport === "batched"
      ? upgradeBatched(req)
      : Deno.upgradeWebSocket(
        req,
        this.#idleTimeout === undefined ? {} : { idleTimeout: this.#idleTimeout },
      );
    const conn: MockConnection<S> = new MockConnection(
      this.#nextId++,
      url,
      socket,
      state,
      (sent) => {
        if (sent) this.counters.messagesSent++;
        else this.counters.messagesDropped++;
      },
      this.#maxBuffered,
      () => {
        if (conn.closing) return;
        this.counters.slowConsumerCloses++;
        this.closeConnection(conn, 1008, "slow consumer");
      },
    );
    this.#connections.set(conn.id, conn);
    socket.onopen = () => {
      if (this.#stopped) {
        this.closeConnection(conn, 1001, "mock stopped");
        return;
      }
      conn.openedAt = conn.lastSentAt = conn.lastReceivedAt = Date.now();
      this.counters.connections++;
      this.#guard(conn, () => this.onOpen(conn));
    };
    socket.onmessage = (event) => {
      const text = typeof event.data === "string"
        ? event.data
        : new TextDecoder().decode(event.data as ArrayBuffer);
      conn.received++;
      conn.lastReceivedAt = Date.now();
      this.counters.messagesReceived++;
      this.#log.push({ connection: conn.id, at: conn.lastReceivedAt, data: text });
      if (this.#log.length > this.#logLimit) this.#log.shift();
      if (conn.closing) return;
      this.#guard(conn, () => this.onMessage(conn, text));
    };
    socket.onerror = () => {
      // A close event follows; nothing to do.
    };
    socket.onclose = () => {
      if (!conn.closing) {
        conn.closing = true;
        this.counters.closedByClient++;
      }
      conn.dispose();
      this.#connections.delete(conn.id);
      this.#guard(undefined, () => this.onClose(conn));
    };
    return response;
  }
}
