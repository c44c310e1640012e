/**
 * Mock Bybit v5 public server, spot and linear sockets (`/v5/public/spot`, `/v5/public/linear`),
 * speaking the current protocol (`shared/docs/exchange-protocols.md` §4.3, §7):
 * - `{"op":"subscribe","args":[…],"req_id"}` → the category's ack (spot `ret_msg: "subscribe"`,
 *   linear `""`); spot refuses more than 10 args per request; `orderbook.{1|50|200|1000}.{SYM}`
 *   then sends a `snapshot` of the top `depth` and `delta`s with `u` +1 per message per topic and a
 *   growing, non-contiguous `seq`; the window is kept at exactly `depth` per side with `"0"` for
 *   levels leaving it and refills (as the real feed does);
 * - numbers: linear strings with the instrument's fixed decimals, spot trimmed (`"65140"`);
 * - `publicTrade.{SYM}` (taker side `S`), `{"op":"ping"}` → the category's pong, `unsubscribe`;
 * - REST `GET /v5/market/instruments-info?category=&symbol=` (tick and lot sizes);
 * - a socket that sent nothing for `idleCloseMs` is closed (10 minutes on Bybit).
 *
 * Faults: {@linkcode BybitMock.injectGap} (a lost delta: a `u` gap),
 * {@linkcode BybitMock.injectRestart} (a `u = 1` snapshot mid-stream),
 * {@linkcode BybitMock.injectRepeatSnapshot}, {@linkcode BybitMock.injectDuplicate} (the last delta
 * again), {@linkcode BybitMock.injectBeyondWindow} (a level outside the window without its `"0"`),
 * {@linkcode BybitMock.deleteUnknownLevel}, plus the common ones of the mock kit.
 *
 * @example
 * ```ts
 * import { BybitMock } from "./mock.ts";
 * const mock = new BybitMock({ symbols: ["BTC/USDT"], category: "spot" });
 * await mock.start();
 * // point the collector at mock.wsUrl and mock.httpUrl ...
 * await mock.stop();
 * ```
 *
 * @module
 */
import type { MarketStep, MarketTrade } from "../../mock/market.ts";
import { formatFixed, type Level, MockBook, type Side } from "../../mock/mock_book.ts";
import {
  bump,
  type MarketDefaults,
  type MockConnection,
  MockExchangeServer,
  type MockServerOptions,
  type MockStats,
} from "../../mock/mock_server.ts";
import { midPriceFor, priceDecimalsFor, splitSymbol } from "../../mock/symbols.ts";
import { BYBIT_DEPTHS, SPOT_ARGS_PER_REQUEST } from "./wire.ts";

/** Options of {@linkcode BybitMock}. */
export interface BybitMockOptions extends MockServerOptions {
  /** Category of {@linkcode BybitMock.wsUrl} (both paths are served). Default `"spot"`. */
  category?: "spot" | "linear";
  /** Close a socket that sent nothing for this long. Default 600000 (10 min). */
  idleCloseMs?: number;
}

/** Counters of {@linkcode BybitMock} (per-symbol records keyed `BTCUSDT`). */
export interface BybitStats extends MockStats {
  bookSubscribes: Record<string, number>;
  bookUnsubscribes: Record<string, number>;
  tradeSubscribes: Record<string, number>;
  subscribeRequests: number;
  subscribeErrors: number;
  snapshotsSent: Record<string, number>;
  deltasSent: Record<string, number>;
  tradeMessagesSent: number;
  pings: number;
  restRequests: number;
  idleCloses: number;
  invalidRequests: number;
}

interface BookSub {
  topic: string;
  symbol: string;
  depth: number;
  u: number;
  view: MockBook;
  last: string | undefined;
  beyondNext: boolean;
}

interface BybitConnection {
  category: "spot" | "linear";
  books: Map<string, BookSub>;
  trades: Set<string>;
}

type Conn = MockConnection<BybitConnection>;

/** Mock Bybit v5 public server; see the module documentation. */
export class BybitMock extends MockExchangeServer<BybitConnection> {
  readonly #category: "spot" | "linear";
  readonly #idleCloseMs: number;
  #seq = 430_879_399_576;
  #nextU = 14_768_460;
  readonly #y = {
    bookSubscribes: {} as Record<string, number>,
    bookUnsubscribes: {} as Record<string, number>,
    tradeSubscribes: {} as Record<string, number>,
    subscribeRequests: 0,
    subscribeErrors: 0,
    snapshotsSent: {} as Record<string, number>,
    deltasSent: {} as Record<string, number>,
    tradeMessagesSent: 0,
    pings: 0,
    restRequests: 0,
    idleCloses: 0,
    invalidRequests: 0,
  };

  constructor(options: BybitMockOptions) {
    super(options);
    this.#category = options.category ?? "spot";
    this.#idleCloseMs = options.idleCloseMs ?? 600_000;
  }

  /** Counters (a copy). */
  get stats(): BybitStats {
    const y = this.#y;
    return {
      ...this.commonStats(),
      ...y,
      bookSubscribes: { ...y.bookSubscribes },
      bookUnsubscribes: { ...y.bookUnsubscribes },
      tradeSubscribes: { ...y.tradeSubscribes },
      snapshotsSent: { ...y.snapshotsSent },
      deltasSent: { ...y.deltasSent },
    };
  }

  // ------------------------------------------------------------------ faults

  /** The next delta of `symbol` (or of every symbol) is lost: its `u` is skipped. */
  injectGap(symbol?: string): void {
    const keys = symbol === undefined ? this.symbols : [this.nativeSymbol(symbol)];
    for (const key of keys) this.stepSymbol(key, true);
  }

  /** A Bybit restart: every subscription of `symbol` gets a snapshot with `u = 1`. */
  injectRestart(symbol: string): void {
    for (const [conn, sub] of this.#subs(symbol)) {
      sub.u = 0;
      this.#sendSnapshot(conn, sub);
    }
  }

  /** A snapshot with a higher `u` mid-stream (the client must reset, not flag a gap). */
  injectRepeatSnapshot(symbol: string): void {
    for (const [conn, sub] of this.#subs(symbol)) {
      sub.u += 5;
      this.#sendSnapshot(conn, sub);
    }
  }

  /** Sends the last delta of `symbol` again (a stale duplicate, `u` <= stored). */
  injectDuplicate(symbol: string): void {
    for (const [conn, sub] of this.#subs(symbol)) if (sub.last) conn.send(sub.last);
  }

  /** The next delta also carries a real level beyond the window without its `"0"`. */
  injectBeyondWindow(symbol: string): void {
    for (const [, sub] of this.#subs(symbol)) sub.beyondNext = true;
  }

  /** A delta deleting a level the book does not hold. */
  deleteUnknownLevel(symbol: string, side: Side = "bid"): void {
    const key = this.nativeSymbol(symbol);
    const price = this.market(key).unknownPrice(side, 50);
    for (const [conn, sub] of this.#subs(symbol)) {
      const entries = { bid: [] as Level[], ask: [] as Level[] };
      entries[side].push([price, 0n]);
      this.#sendDelta(conn, sub, entries, this.now(), false);
    }
  }

  // ------------------------------------------------------------------ hooks

  protected override get wsPath(): string {
    return `/v5/public/${this.#category}`;
  }

  protected nativeSymbol(symbol: string): string {
    const { base, quote } = splitSymbol(symbol);
    return base + quote;
  }

  protected marketDefaults(symbol: string): MarketDefaults {
    const { base } = splitSymbol(symbol);
    const midPrice = midPriceFor(base);
    return { midPrice, priceDecimals: priceDecimalsFor(midPrice, 2), qtyDecimals: 3 };
  }

  protected acceptSocket(_req: Request, url: URL): BybitConnection | Response {
    const m = /^\/v5\/public\/(spot|linear)$/.exec(url.pathname);
    if (!m) return new Response("not found", { status: 404 });
    return { category: m[1] as "spot" | "linear", books: new Map(), trades: new Set() };
  }

  protected override onStart(): void {
    const tick = Math.max(20, Math.min(5000, Math.floor(this.#idleCloseMs / 4)));
    this.every(tick, () => {
      const now = Date.now();
      for (const conn of this.openConnections()) {
        if (now - conn.lastReceivedAt > this.#idleCloseMs) {
          this.#y.idleCloses++;
          this.closeConnection(conn, 1000, "idle");
        }
      }
    });
  }

  protected override handleHttp(_req: Request, url: URL): Response {
    if (url.pathname !== "/v5/market/instruments-info") {
      return new Response("not found", { status: 404 });
    }
    this.#y.restRequests++;
    const wanted = url.searchParams.get("symbol");
    const category = url.searchParams.get("category") ?? this.#category;
    const list = this.symbols.filter((s) => wanted === null || s === wanted).map((s) => {
      const book = this.market(s).book;
      const { base, quote } = splitSymbol(s);
      const market = this.market(s);
      return {
        symbol: s,
        baseCoin: base,
        quoteCoin: quote,
        status: "Trading",
        ...(category === "linear" ? { priceScale: String(book.priceDecimals) } : {}),
        priceFilter: { tickSize: formatFixed(market.tick, book.priceDecimals) },
        lotSizeFilter: category === "linear"
          ? { qtyStep: formatFixed(market.lot, book.qtyDecimals) }
          : { basePrecision: formatFixed(market.lot, book.qtyDecimals) },
      };
    });
    return Response.json({ retCode: 0, retMsg: "OK", result: { category, list } });
  }

  protected onMessage(conn: Conn, text: string): void {
    let req: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      req = JSON.parse(text);
      if (typeof req !== "object" || req === null || Array.isArray(req)) throw new Error();
    } catch {
      this.#y.invalidRequests++;
      conn.send(JSON.stringify({ success: false, ret_msg: "invalid request", op: "" }));
      return;
    }
    const reqId = typeof req.req_id === "string" ? req.req_id : undefined;
    switch (req.op) {
      case "ping":
        this.#y.pings++;
        conn.send(JSON.stringify({
          success: true,
          ret_msg: "pong",
          conn_id: `mock-${conn.id}`,
          ...(conn.state.category === "linear" ? { req_id: reqId ?? "" } : {}),
          op: "ping",
        }));
        return;
      case "subscribe":
        return this.#subscribe(conn, req.args, reqId);
      case "unsubscribe":
        return this.#unsubscribe(conn, req.args, reqId);
      default:
        this.#y.invalidRequests++;
        this.#ack(conn, "", reqId, false, `unknown op ${String(req.op)}`);
    }
  }

  #ack(conn: Conn, op: string, reqId: string | undefined, success: boolean, msg: string): void {
    conn.send(JSON.stringify({
      success,
      ret_msg: success ? (conn.state.category === "spot" ? op : "") : msg,
      conn_id: `mock-${conn.id}`,
      req_id: reqId ?? "",
      op,
    }));
  }

  #subscribe(conn: Conn, args: unknown, reqId: string | undefined): void {
    this.#y.subscribeRequests++;
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === "string")) {
      this.#y.subscribeErrors++;
      return this.#ack(conn, "subscribe", reqId, false, "args must be a list of topics");
    }
    if (conn.state.category === "spot" && args.length > SPOT_ARGS_PER_REQUEST) {
      this.#y.subscribeErrors++;
      return this.#ack(conn, "subscribe", reqId, false, `args size >${SPOT_ARGS_PER_REQUEST}`);
    }
    // A request with one bad topic subscribes none of them (checked before any is taken).
    for (const topic of args as string[]) {
      const book = /^orderbook\.(\d+)\.([A-Z0-9]+)$/.exec(topic);
      const trade = /^publicTrade\.([A-Z0-9]+)$/.exec(topic);
      const symbol = book?.[2] ?? trade?.[1] ?? "";
      const bad = (!book && !trade) || !this.hasSymbol(symbol) ||
        (book && !(BYBIT_DEPTHS as readonly number[]).includes(Number(book[1])));
      if (bad || (book && this.consumeReject(symbol)) || (book && conn.state.books.has(symbol))) {
        this.#y.subscribeErrors++;
        return this.#ack(conn, "subscribe", reqId, false, `error:handler not found,topic:${topic}`);
      }
    }
    const snapshots: BookSub[] = [];
    for (const topic of args as string[]) {
      const book = /^orderbook\.(\d+)\.([A-Z0-9]+)$/.exec(topic);
      if (book) {
        const symbol = book[2];
        const depth = Number(book[1]);
        const sub: BookSub = {
          topic,
          symbol,
          depth,
          u: this.#nextU += 1000,
          view: this.market(symbol).book.clone(depth),
          last: undefined,
          beyondNext: false,
        };
        conn.state.books.set(symbol, sub);
        bump(this.#y.bookSubscribes, symbol);
        snapshots.push(sub);
      } else {
        const symbol = /^publicTrade\.([A-Z0-9]+)$/.exec(topic)![1];
        conn.state.trades.add(symbol);
        bump(this.#y.tradeSubscribes, symbol);
      }
    }
    this.#ack(conn, "subscribe", reqId, true, "");
    for (const sub of snapshots) this.#sendSnapshot(conn, sub);
  }

  #unsubscribe(conn: Conn, args: unknown, reqId: string | undefined): void {
    if (!Array.isArray(args)) return this.#ack(conn, "unsubscribe", reqId, false, "bad args");
    for (const topic of args) {
      const book = /^orderbook\.\d+\.([A-Z0-9]+)$/.exec(String(topic));
      if (book && conn.state.books.get(book[1])?.topic === topic) {
        conn.state.books.delete(book[1]);
        bump(this.#y.bookUnsubscribes, book[1]);
      }
      const trade = /^publicTrade\.([A-Z0-9]+)$/.exec(String(topic));
      if (trade) conn.state.trades.delete(trade[1]);
    }
    this.#ack(conn, "unsubscribe", reqId, true, "");
  }

  protected publishStep(symbol: string, step: MarketStep, drop: boolean): void {
    const market = this.market(symbol);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(symbol);
      if (sub) {
        const entries = {
          bid: this.#windowDiff(sub, market.book, "bid"),
          ask: this.#windowDiff(sub, market.book, "ask"),
        };
        if (sub.beyondNext) {
          sub.beyondNext = false;
          const beyond = market.book.levelAt("bid", sub.depth);
          if (beyond) entries.bid.push(beyond);
        }
        if (entries.bid.length + entries.ask.length > 0 || sub.depth === 1) {
          this.#sendDelta(conn, sub, entries, step.time, drop);
        }
      }
      if (step.trades.length > 0 && conn.state.trades.has(symbol)) {
        if (drop) {
          this.counters.messagesDropped++;
          continue;
        }
        if (conn.send(this.#tradeMessage(conn, symbol, step.trades))) this.#y.tradeMessagesSent++;
      }
    }
  }

  // ------------------------------------------------------------------ messages

  #windowDiff(sub: BookSub, book: MockBook, side: Side): Level[] {
    const window = book.levels(side, sub.depth);
    const inWindow = new Set(window.map(([p]) => p));
    const out: Level[] = [];
    for (const [price] of sub.view.levels(side)) if (!inWindow.has(price)) out.push([price, 0n]);
    for (const [price, qty] of window) {
      if (sub.view.get(side, price) !== qty) out.push([price, qty]);
    }
    return out;
  }

  #num(conn: Conn, mantissa: bigint, decimals: number): string {
    if (mantissa === 0n) return "0";
    const text = formatFixed(mantissa, decimals);
    if (conn.state.category === "linear" || !text.includes(".")) return text;
    const trimmed = text.replace(/0+$/, "");
    return trimmed.endsWith(".") ? trimmed.slice(0, -1) : trimmed;
  }

  #levels(conn: Conn, sub: BookSub, levels: readonly Level[]): string {
    const book = this.market(sub.symbol).book;
    return `[${
      levels.map(([p, q]) =>
        `["${this.#num(conn, p, book.priceDecimals)}","${this.#num(conn, q, book.qtyDecimals)}"]`
      ).join(",")
    }]`;
  }

  #nextSeq(): number {
    this.#seq += 15 + (this.#seq % 977);
    return this.#seq;
  }

  #sendSnapshot(conn: Conn, sub: BookSub): void {
    const book = this.market(sub.symbol).book;
    sub.view = book.clone(sub.depth);
    sub.u++;
    const ts = Math.floor(this.now());
    const text =
      `{"topic":"${sub.topic}","type":"snapshot","ts":${ts},"data":{"s":"${sub.symbol}",` +
      `"b":${this.#levels(conn, sub, sub.view.levels("bid"))},"a":${
        this.#levels(conn, sub, sub.view.levels("ask"))
      },"u":${sub.u},"seq":${this.#nextSeq()}},"cts":${ts - 1}}`;
    if (conn.send(text)) bump(this.#y.snapshotsSent, sub.symbol);
  }

  #sendDelta(
    conn: Conn,
    sub: BookSub,
    entries: Record<Side, Level[]>,
    time: number,
    drop: boolean,
  ): void {
    for (const side of ["bid", "ask"] as const) {
      for (const [p, q] of entries[side]) sub.view.set(side, p, q);
    }
    sub.view.truncate(sub.depth);
    sub.u++;
    const ts = Math.floor(time);
    // Depth 1 sends snapshots only.
    const type = sub.depth === 1 ? "snapshot" : "delta";
    const [b, a] = sub.depth === 1
      ? [sub.view.levels("bid"), sub.view.levels("ask")]
      : [entries.bid, entries.ask];
    const text =
      `{"topic":"${sub.topic}","type":"${type}","ts":${ts},"data":{"s":"${sub.symbol}",` +
      `"b":${this.#levels(conn, sub, b)},"a":${this.#levels(conn, sub, a)},"u":${sub.u},` +
      `"seq":${this.#nextSeq()}},"cts":${ts - 1}}`;
    if (drop) {
      this.counters.messagesDropped++;
      return;
    }
    sub.last = text;
    if (conn.send(text)) bump(this.#y.deltasSent, sub.symbol);
  }

  #tradeMessage(conn: Conn, symbol: string, trades: readonly MarketTrade[]): string {
    const book = this.market(symbol).book;
    const data = trades.map((t) =>
      `{"T":${Math.floor(t.time)},"s":"${symbol}","S":"${t.side === "buy" ? "Buy" : "Sell"}",` +
      `"v":"${this.#num(conn, t.qty, book.qtyDecimals)}","p":"${
        this.#num(conn, t.price, book.priceDecimals)
      }","i":"${t.id}","BT":false,"RPI":false,"seq":${this.#seq}}`
    );
    return `{"topic":"publicTrade.${symbol}","type":"snapshot","ts":${Math.floor(this.now())},` +
      `"data":[${data.join(",")}]}`;
  }

  *#subs(symbol: string): Generator<[Conn, BookSub]> {
    const key = this.nativeSymbol(symbol);
    this.market(key);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(key);
      if (sub) yield [conn, sub];
    }
  }
}
