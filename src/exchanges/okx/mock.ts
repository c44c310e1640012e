/**
 * Mock OKX v5 public market data: the `/ws/v5/public` WebSocket and REST
 * `GET /api/v5/market/books`, on one listener (exchange-protocols.md §4.2 and §7).
 *
 * Protocol behaviour:
 * - `{"op":"subscribe","args":[{"channel":"books"|"trades","instId":...}]}` → one ack per arg
 *   (`{"event":"subscribe","arg":{...},"connId":...}`); unknown instruments or channels and
 *   injected rejections → `{"event":"error","code":"60018",...}`; `unsubscribe` likewise;
 *   subscribe/unsubscribe requests beyond `maxSubscribeOpsPerHour` (480) → error `60014`.
 * - Text `ping` → text `pong`. A connection without a subscription for `idleCloseMs` (30 s), or
 *   without any frame sent for `idleCloseMs`, is closed (code 4004), as OKX does.
 * - `books` pushes: one per market step, each level once with its final size, as
 *   `[px, sz, "0", numOrders]` in OKX's shortest decimal text. `mode`:
 *   - `current` (default, since August 2026): no in-band snapshot, no `checksum` field; every push
 *     has `prevSeqId` / `seqId` with random steps of 7–93;
 *   - `transition`: an in-band `action: "snapshot"` (prevSeqId -1) on subscribe, `checksum: 0`;
 *   - `legacy`: in-band snapshot and updates with the real signed CRC-32 of the top 25, no
 *     sequence ids (the 2022 shape).
 * - `trades` pushes: `{instId, tradeId, px, sz, side (taker), ts}`.
 * - REST `books?instId=&sz=` (sz 1–400, default 1): `{"code":"0","msg":"","data":[{asks, bids,
 *   ts, seqId}]}` for the state after the last push; over `restLimit` requests per `restWindowMs`
 *   HTTP 429 with `{"code":"50011","msg":"Too Many Requests"}`.
 *
 * Faults: {@linkcode OkxMock.injectGap} (a push never sent: the next `prevSeqId` breaks the chain),
 * {@linkcode OkxMock.injectStaleSnapshot} (REST answers an older book), {@linkcode OkxMock.injectEmptyUpdate}
 * (`seqId == prevSeqId`), {@linkcode OkxMock.injectSeqReset} (`seqId` goes down once, chained),
 * {@linkcode OkxMock.injectBadChecksum} (legacy / transition modes), {@linkcode OkxMock.deleteUnknownLevel},
 * {@linkcode OkxMock.notice} (64008 then close), {@linkcode OkxMock.failRest}, plus the common ones.
 *
 * @example
 * ```ts
 * import { OkxMock } from "./mock.ts";
 * const mock = new OkxMock({ symbols: ["BTC/USDT"] });
 * await mock.start();
 * // adapter: wsUrl = mock.wsUrl, restUrl = mock.restUrl
 * mock.stepOnce();
 * await mock.stop();
 * ```
 *
 * @module
 */
import { formatMantissa } from "../../core/decimal.ts";
import { hashSeed, type MarketStep, SeededRandom } from "../../mock/market.ts";
import type { MockBook, Side } from "../../mock/mock_book.ts";
import {
  bump,
  type MarketDefaults,
  type MockConnection,
  MockExchangeServer,
  type MockServerOptions,
  type MockStats,
} from "../../mock/mock_server.ts";
import { midPriceFor, splitSymbol } from "../../mock/symbols.ts";
import { okxLegacyChecksum } from "./checksum.ts";
import { OKX_NOTICE_UPGRADE, OKX_PING, OKX_PONG } from "./wire.ts";

/** Wire generation the mock speaks. */
export type OkxMockMode = "current" | "transition" | "legacy";

/** Options of {@linkcode OkxMock}. */
export interface OkxMockOptions extends MockServerOptions {
  /** Default `current`. */
  mode?: OkxMockMode;
  /** Close idle / unsubscribed connections after this long. Default 30 000 ms; 0 disables. */
  idleCloseMs?: number;
  /** Subscribe / unsubscribe requests per hour per connection. Default 480. */
  maxSubscribeOpsPerHour?: number;
  /** REST requests allowed per `restWindowMs`. Default 20. */
  restLimit?: number;
  /** Default 2000 ms. */
  restWindowMs?: number;
  /** Latency added to REST answers (the book is read before it). Default 0. */
  restDelayMs?: number;
  /**
   * A subscription becomes active (acknowledged, then pushed) this long after the request, as a
   * busy exchange may take; what changes meanwhile is not pushed to that connection. Default 0.
   */
  subscribeDelayMs?: number;
  /** Pushes remembered for stale snapshots. Default 2000. */
  historyLimit?: number;
}

/** Counters of {@linkcode OkxMock}; per-book records are keyed by `instId`. */
export interface OkxStats extends MockStats {
  /** REST book snapshots served (HTTP 200). */
  restBooks: Record<string, number>;
  /** REST answers with HTTP 429. */
  restRateLimited: number;
  /** REST answers with another error. */
  restErrors: number;
  /** `books` subscriptions acknowledged. */
  bookSubscribes: Record<string, number>;
  /** `books` pushes produced per book (before fan-out). */
  bookPushes: Record<string, number>;
  /** Text pings answered. */
  pongs: number;
  /** Error events sent. */
  errorEvents: number;
  /** Gaps injected. */
  gapsInjected: number;
  /** Connections closed for being idle or never subscribing. */
  idleCloses: number;
}

interface BookState {
  seqId: number;
  /** Applied changes with the seqId of their push, for stale snapshots. */
  undo: Array<{ seqId: number; side: Side; price: bigint; prev: bigint }>;
  staleBy: number;
  corruptNext: boolean;
  resetNext: boolean;
}

interface OkxConnection {
  books: Set<string>;
  trades: Set<string>;
  ops: number[];
  subscribedAt: number;
}

type Conn = MockConnection<OkxConnection>;

const HOUR_MS = 3_600_000;

/** OKX's shortest decimal text of a mantissa (no trailing zeros). */
function text(mantissa: bigint, scale: number): string {
  return formatMantissa(mantissa, scale);
}

/** Mock OKX server. See the module documentation. */
export class OkxMock extends MockExchangeServer<OkxConnection> {
  readonly #mode: OkxMockMode;
  readonly #idleCloseMs: number;
  readonly #maxOps: number;
  readonly #restLimit: number;
  readonly #restWindowMs: number;
  readonly #restDelayMs: number;
  readonly #subscribeDelayMs: number;
  readonly #historyLimit: number;
  readonly #books = new Map<string, BookState>();
  readonly #random: SeededRandom;
  #restWindow: number[] = [];
  #failNext = { count: 0, status: 500 };
  #nextConnId = 1;
  readonly #s = {
    restBooks: {} as Record<string, number>,
    restRateLimited: 0,
    restErrors: 0,
    bookSubscribes: {} as Record<string, number>,
    bookPushes: {} as Record<string, number>,
    pongs: 0,
    errorEvents: 0,
    gapsInjected: 0,
    idleCloses: 0,
  };

  constructor(options: OkxMockOptions) {
    super(options);
    this.#mode = options.mode ?? "current";
    this.#idleCloseMs = options.idleCloseMs ?? 30_000;
    this.#maxOps = options.maxSubscribeOpsPerHour ?? 480;
    this.#restLimit = options.restLimit ?? 20;
    this.#restWindowMs = options.restWindowMs ?? 2000;
    this.#restDelayMs = options.restDelayMs ?? 0;
    this.#subscribeDelayMs = options.subscribeDelayMs ?? 0;
    this.#historyLimit = options.historyLimit ?? 2000;
    this.#random = new SeededRandom(hashSeed(options.seed ?? 1, "okx-seq"));
    for (const symbol of this.symbols) {
      this.#books.set(symbol, {
        seqId: 1000 + (hashSeed(options.seed ?? 1, symbol) % 1_000_000),
        undo: [],
        staleBy: 0,
        corruptNext: false,
        resetNext: false,
      });
    }
  }

  /** REST base URL. */
  get restUrl(): string {
    return this.httpUrl;
  }

  /** The wire generation spoken. */
  get mode(): OkxMockMode {
    return this.#mode;
  }

  /** Counters (a copy). */
  get stats(): OkxStats {
    return {
      ...this.commonStats(),
      ...this.#s,
      restBooks: { ...this.#s.restBooks },
      bookSubscribes: { ...this.#s.bookSubscribes },
      bookPushes: { ...this.#s.bookPushes },
    };
  }

  /** `seqId` of the last push of a book. */
  seqId(symbol: string): number {
    return this.#state(this.nativeSymbol(symbol)).seqId;
  }

  // ------------------------------------------------------------------ faults

  /** The next push of `symbol` (or of every book) is produced but never sent. */
  injectGap(symbol?: string): void {
    for (const key of symbol === undefined ? this.symbols : [this.nativeSymbol(symbol)]) {
      this.#s.gapsInjected++;
      this.stepSymbol(key, true);
    }
  }

  /** The next REST snapshot of `symbol` is the book as it was `pushesBehind` pushes ago. */
  injectStaleSnapshot(symbol: string, pushesBehind = 5): void {
    this.#state(this.nativeSymbol(symbol)).staleBy = pushesBehind;
  }

  /** The next push of `symbol` carries a wrong checksum (legacy / transition modes). */
  injectBadChecksum(symbol: string): number {
    if (this.#mode === "current") return 0;
    this.#state(this.nativeSymbol(symbol)).corruptNext = true;
    return 1;
  }

  /** Sends an update without changes whose `seqId` equals its `prevSeqId`. */
  injectEmptyUpdate(symbol: string): void {
    const key = this.nativeSymbol(symbol);
    const st = this.#state(key);
    this.#push(key, [], [], st.seqId, st.seqId, false);
  }

  /** The next push's `seqId` goes down (as after maintenance) while `prevSeqId` still chains. */
  injectSeqReset(symbol: string): void {
    this.#state(this.nativeSymbol(symbol)).resetNext = true;
  }

  /** Pushes a delete (size `"0"`) of a `side` price the book does not hold. */
  deleteUnknownLevel(symbol: string, side: Side = "bid"): void {
    const key = this.nativeSymbol(symbol);
    const book = this.market(key).book;
    const price = text(this.market(key).unknownPrice(side, 10), book.priceDecimals);
    const level = [price, "0", "0", "0"];
    const st = this.#state(key);
    const prev = st.seqId;
    st.seqId = this.#nextSeq(st);
    this.#push(
      key,
      side === "bid" ? [level] : [],
      side === "ask" ? [level] : [],
      prev,
      st.seqId,
      false,
    );
  }

  /** Sends notice 64008 to every connection and closes them `afterMs` later. */
  notice(afterMs = 100): void {
    for (const conn of this.openConnections()) {
      conn.send(JSON.stringify({
        event: "notice",
        code: OKX_NOTICE_UPGRADE,
        msg: "The connection will soon be closed for a service upgrade. Please reconnect.",
        connId: String(conn.id),
      }));
      conn.timeout(afterMs, () => this.closeConnection(conn, 1012, "service upgrade"));
    }
  }

  /** The next `count` REST requests fail with `status`. */
  failRest(count = 1, status = 500): void {
    this.#failNext = { count, status };
  }

  // ------------------------------------------------------------------ hooks

  protected nativeSymbol(symbol: string): string {
    if (/^[A-Z0-9]+-[A-Z0-9]+(-[A-Z0-9]+)?$/.test(symbol)) return symbol;
    const { base, quote } = splitSymbol(symbol);
    return `${base}-${quote}`;
  }

  protected marketDefaults(symbol: string): MarketDefaults {
    const { base } = splitSymbol(symbol.split("-").slice(0, 2).join("/"));
    const midPrice = midPriceFor(base);
    const mid = Number(midPrice);
    return {
      midPrice,
      priceDecimals: mid >= 10 ? 1 : mid >= 0.1 ? 4 : 6,
      qtyDecimals: 8,
      tickSize: mid >= 10 ? "0.1" : mid >= 0.1 ? "0.0001" : "0.000001",
      lotSize: mid >= 1000 ? "0.00001" : mid >= 10 ? "0.001" : "0.1",
    };
  }

  protected override get wsPath(): string {
    return "/ws/v5/public";
  }

  protected acceptSocket(_req: Request, url: URL): OkxConnection | Response {
    if (url.pathname.replace(/\/+$/, "") !== "/ws/v5/public") {
      return new Response("not found", { status: 404 });
    }
    return { books: new Set(), trades: new Set(), ops: [], subscribedAt: 0 };
  }

  protected override onOpen(conn: Conn): void {
    if (this.#idleCloseMs <= 0) return;
    const check = () => {
      if (!conn.open) return;
      const now = Date.now();
      const subscribed = conn.state.books.size + conn.state.trades.size > 0;
      if (
        (!subscribed && now - conn.openedAt >= this.#idleCloseMs) ||
        now - conn.lastSentAt >= this.#idleCloseMs
      ) {
        this.#s.idleCloses++;
        this.closeConnection(conn, 4004, "No data received in 30s.");
        return;
      }
      conn.timeout(Math.min(1000, this.#idleCloseMs), check);
    };
    conn.timeout(Math.min(1000, this.#idleCloseMs), check);
  }

  protected onMessage(conn: Conn, frame: string): void {
    if (frame === OKX_PING) {
      this.#s.pongs++;
      conn.send(OKX_PONG);
      return;
    }
    let req: { op?: unknown; args?: unknown };
    try {
      req = JSON.parse(frame);
    } catch {
      return this.#error(conn, "60012", `Invalid request: ${frame.slice(0, 100)}`);
    }
    if (
      typeof req !== "object" || req === null ||
      (req.op !== "subscribe" && req.op !== "unsubscribe")
    ) {
      return this.#error(conn, "60012", `Invalid request: ${frame.slice(0, 100)}`);
    }
    const now = Date.now();
    const ops = conn.state.ops;
    while (ops.length > 0 && now - ops[0] >= HOUR_MS) ops.shift();
    if (ops.length >= this.#maxOps) return this.#error(conn, "60014", "Requests too frequent.");
    ops.push(now);
    if (!Array.isArray(req.args) || req.args.length === 0) {
      return this.#error(conn, "60012", `Invalid request: ${frame.slice(0, 100)}`);
    }
    for (const arg of req.args as Array<{ channel?: unknown; instId?: unknown }>) {
      const channel = typeof arg?.channel === "string" ? arg.channel : "";
      const instId = typeof arg?.instId === "string" ? arg.instId : "";
      const set = channel === "books"
        ? conn.state.books
        : channel === "trades"
        ? conn.state.trades
        : undefined;
      if (
        set === undefined || !this.hasSymbol(instId) ||
        (req.op === "subscribe" && this.consumeReject(instId))
      ) {
        this.#error(
          conn,
          "60018",
          `Wrong URL or channel:${channel},instId:${instId} doesn't exist.`,
        );
        continue;
      }
      const ack = JSON.stringify({
        event: req.op,
        arg: { channel, instId },
        connId: String(conn.id),
      });
      if (req.op === "unsubscribe") {
        set.delete(instId);
        conn.send(ack);
        continue;
      }
      const activate = () => {
        set.add(instId);
        conn.send(ack);
        if (channel === "books") {
          bump(this.#s.bookSubscribes, instId);
          if (this.#mode !== "current") this.#sendInBandSnapshot(conn, instId);
        }
      };
      if (this.#subscribeDelayMs > 0) {
        this.after(this.#subscribeDelayMs, () => {
          if (!conn.closing) activate();
        });
      } else activate();
    }
  }

  protected publishStep(symbol: string, step: MarketStep, drop: boolean): void {
    const st = this.#state(symbol);
    const book = this.market(symbol).book;
    const prev = st.seqId;
    st.seqId = this.#nextSeq(st);
    // One entry per level with its final size, in the order first touched.
    const last = new Map<string, { side: Side; price: bigint; qty: bigint }>();
    for (const c of step.changes) {
      st.undo.push({ seqId: st.seqId, side: c.side, price: c.price, prev: c.prev });
      const key = `${c.side}:${c.price}`;
      last.set(key, { side: c.side, price: c.price, qty: c.qty });
    }
    if (st.undo.length > 2 * this.#historyLimit * 8) st.undo.splice(0, st.undo.length / 2);
    const pd = book.priceDecimals;
    const qd = book.qtyDecimals;
    const bids: string[][] = [];
    const asks: string[][] = [];
    for (const l of last.values()) {
      const level = [text(l.price, pd), text(l.qty, qd), "0", l.qty === 0n ? "0" : "1"];
      (l.side === "bid" ? bids : asks).push(level);
    }
    this.#push(symbol, bids, asks, prev, st.seqId, drop);
    if (step.trades.length > 0 && !drop) {
      const data = step.trades.map((t) => ({
        instId: symbol,
        tradeId: String(t.id),
        px: text(t.price, pd),
        sz: text(t.qty, qd),
        side: t.side,
        ts: String(Math.floor(t.time)),
      }));
      const frame = JSON.stringify({ arg: { channel: "trades", instId: symbol }, data });
      for (const conn of this.openConnections()) {
        if (conn.state.trades.has(symbol)) conn.send(frame);
      }
    }
  }

  protected override async handleHttp(req: Request, url: URL): Promise<Response> {
    const now = Date.now();
    this.#restWindow = this.#restWindow.filter((t) => now - t < this.#restWindowMs);
    if (this.#restWindow.length >= this.#restLimit) {
      this.#s.restRateLimited++;
      return this.#json({ code: "50011", msg: "Too Many Requests", data: [] }, 429, {
        "retry-after": "1",
      });
    }
    this.#restWindow.push(now);
    if (this.#failNext.count > 0) {
      this.#failNext.count--;
      this.#s.restErrors++;
      return this.#json(
        { code: "50001", msg: "Service temporarily unavailable", data: [] },
        this.#failNext.status,
      );
    }
    if (req.method !== "GET" || url.pathname !== "/api/v5/market/books") {
      this.#s.restErrors++;
      return this.#json({ code: "50000", msg: "not found", data: [] }, 404);
    }
    const instId = url.searchParams.get("instId") ?? "";
    if (!this.hasSymbol(instId)) {
      this.#s.restErrors++;
      return this.#json({ code: "51001", msg: "Instrument ID does not exist", data: [] }, 200);
    }
    const sz = Math.min(400, Math.max(1, Number(url.searchParams.get("sz") ?? "1") || 1));
    const st = this.#state(instId);
    const { book, seqId } = this.#bookAt(instId, st.staleBy);
    st.staleBy = 0;
    const body = JSON.stringify({
      code: "0",
      msg: "",
      data: [{
        asks: this.#levels(book, "ask", sz),
        bids: this.#levels(book, "bid", sz),
        ts: String(Math.floor(this.now())),
        seqId,
      }],
    });
    bump(this.#s.restBooks, instId);
    await this.delay(this.#restDelayMs);
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  }

  // ------------------------------------------------------------------ internals

  #state(symbol: string): BookState {
    const st = this.#books.get(symbol);
    if (!st) throw new RangeError(`Unknown instrument ${symbol}`);
    return st;
  }

  #nextSeq(st: BookState): number {
    if (st.resetNext) {
      st.resetNext = false;
      return this.#random.int(1, 50);
    }
    return st.seqId + this.#random.int(7, 93);
  }

  #levels(book: MockBook, side: Side, n: number): string[][] {
    return book.levels(side, n).map(([p, q]) => [
      text(p, book.priceDecimals),
      text(q, book.qtyDecimals),
      "0",
      "1",
    ]);
  }

  #checksum(symbol: string): number {
    const book = this.market(symbol).book;
    const top = (side: Side) =>
      book.levels(side, 25).map(([p, q]) =>
        [text(p, book.priceDecimals), text(q, book.qtyDecimals)] as const
      );
    return okxLegacyChecksum(top("bid"), top("ask"));
  }

  /** The book as it was `pushesBehind` pushes ago, with that push's seqId. */
  #bookAt(symbol: string, pushesBehind: number): { book: MockBook; seqId: number } {
    const st = this.#state(symbol);
    const book = this.market(symbol).book.clone();
    if (pushesBehind <= 0) return { book, seqId: st.seqId };
    const seqs = [...new Set(st.undo.map((u) => u.seqId))];
    const target = seqs[seqs.length - 1 - pushesBehind];
    if (target === undefined) return { book, seqId: st.seqId };
    for (let i = st.undo.length - 1; i >= 0 && st.undo[i].seqId > target; i--) {
      const u = st.undo[i];
      book.set(u.side, u.price, u.prev);
    }
    return { book, seqId: target };
  }

  #push(
    symbol: string,
    bids: string[][],
    asks: string[][],
    prevSeqId: number,
    seqId: number,
    drop: boolean,
  ): void {
    bump(this.#s.bookPushes, symbol);
    const st = this.#state(symbol);
    const item: Record<string, unknown> = { asks, bids, ts: String(Math.floor(this.now())) };
    if (this.#mode !== "current") {
      let checksum = this.#mode === "legacy" ? this.#checksum(symbol) : 0;
      if (st.corruptNext) {
        st.corruptNext = false;
        checksum = (checksum ^ 0x5a5a) | 0 || 1;
      }
      item.checksum = checksum;
    }
    if (this.#mode !== "legacy") {
      item.prevSeqId = prevSeqId;
      item.seqId = seqId;
    }
    if (drop) {
      this.counters.messagesDropped++;
      return;
    }
    const frame = JSON.stringify({
      arg: { channel: "books", instId: symbol },
      action: "update",
      data: [item],
    });
    for (const conn of this.openConnections()) {
      if (conn.state.books.has(symbol)) conn.send(frame);
    }
  }

  #sendInBandSnapshot(conn: Conn, symbol: string): void {
    const book = this.market(symbol).book;
    const st = this.#state(symbol);
    const item: Record<string, unknown> = {
      asks: this.#levels(book, "ask", 400),
      bids: this.#levels(book, "bid", 400),
      ts: String(Math.floor(this.now())),
      checksum: this.#mode === "legacy" ? this.#checksum(symbol) : 0,
    };
    if (this.#mode !== "legacy") {
      item.prevSeqId = -1;
      item.seqId = st.seqId;
    }
    conn.send(JSON.stringify({
      arg: { channel: "books", instId: symbol },
      action: "snapshot",
      data: [item],
    }));
  }

  #error(conn: Conn, code: string, msg: string): void {
    this.#s.errorEvents++;
    conn.send(JSON.stringify({ event: "error", code, msg, connId: String(conn.id) }));
  }

  #json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  }
}
