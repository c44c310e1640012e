/**
 * Mock Bitfinex WebSocket v2 server (public `book` P0 and `trades`), speaking the current protocol
 * (`shared/docs/exchange-protocols.md` §4.5, §7):
 * - on connect `{"event":"info","version":2,"serverId":…,"platform":{"status":1}}`;
 * - `conf` → `{"event":"conf","status":"OK","flags":n}`; `SEQ_ALL` (65536) appends the
 *   connection's sequence number to every channel message, `OB_CHECKSUM` (131072) sends
 *   `[chanId,"cs",n,seq]` after every book change (and after the snapshot), computed over the top 25
 *   per side in JavaScript number text;
 * - `subscribe` book (`prec` P0, `freq` F0, `len` 1/25/100/250) → `subscribed` with a `chanId`, then
 *   the snapshot `[chanId,[[price,count,amount],…],seq]` (bids best first, then asks best first,
 *   ask amounts negative), then **one level per message**; the window is kept at `len` per side
 *   with explicit deletes (`count` 0, `amount` ±1) for levels that leave it and refills;
 * - `trades` → snapshot of recent trades, then `te` and `tu` per trade; at most 25 subscriptions per
 *   connection (error 10305 past it); `unsubscribe` by `chanId`; `ping` → `pong`;
 * - `[chanId,"hb",seq]` per channel every `heartbeatIntervalMs` without other traffic;
 * - numbers are JSON numbers as JavaScript writes them (`2e-8`, `0.0000248`).
 *
 * Faults: {@linkcode BitfinexMock.injectGap} (a lost message: a sequence gap),
 * {@linkcode BitfinexMock.injectBadChecksum}, {@linkcode BitfinexMock.deleteUnknownLevel},
 * {@linkcode BitfinexMock.sendInfo} (20051 then close, 20060, 20061),
 * {@linkcode BitfinexMock.heartbeatUnknownChannel}, plus the common ones of the mock kit.
 *
 * @example
 * ```ts
 * import { BitfinexMock } from "./mock.ts";
 * const mock = new BitfinexMock({ symbols: ["BTC/USD"], rate: 20 });
 * await mock.start();
 * // point the collector at mock.wsUrl ...
 * await mock.stop();
 * ```
 *
 * @module
 */
import type { MarketStep, MarketTrade } from "../../mock/market.ts";
import { type Level, MockBook, type Side } from "../../mock/mock_book.ts";
import {
  bump,
  type MarketDefaults,
  type MockConnection,
  MockExchangeServer,
  type MockServerOptions,
  type MockStats,
} from "../../mock/mock_server.ts";
import { midPriceFor, priceDecimalsFor, splitSymbol } from "../../mock/symbols.ts";
import { bitfinexChecksum } from "./checksum.ts";
import { jsNumberText } from "./numbers.ts";
import { bitfinexNativeSymbol, bitfinexSymbol } from "./symbols.ts";
import { OB_CHECKSUM, SEQ_ALL } from "./wire.ts";

/** Options of {@linkcode BitfinexMock}. */
export interface BitfinexMockOptions extends MockServerOptions {
  /** Per-channel heartbeat interval. Default 15000 ms (as Bitfinex). */
  heartbeatIntervalMs?: number;
  /** `platform.status` on connect (0 = maintenance). Default 1. */
  platformStatus?: 0 | 1;
  /** Subscriptions allowed per connection. Default 25. */
  maxSubscriptions?: number;
}

/** Counters of {@linkcode BitfinexMock}; per-symbol records keyed by Bitfinex symbol. */
export interface BitfinexStats extends MockStats {
  bookSubscribes: Record<string, number>;
  bookUnsubscribes: Record<string, number>;
  tradeSubscribes: Record<string, number>;
  confs: number;
  snapshotsSent: Record<string, number>;
  updatesSent: Record<string, number>;
  checksumsSent: number;
  badChecksumsSent: number;
  heartbeatsSent: number;
  subscribeErrors: number;
  pings: number;
  invalidRequests: number;
}

interface BookSub {
  chanId: number;
  symbol: string;
  len: number;
  view: MockBook;
  corruptNext: boolean;
  lastSent: number;
}

interface TradeSub {
  chanId: number;
  symbol: string;
  lastSent: number;
}

interface BitfinexConnection {
  flags: number;
  seq: number;
  books: Map<string, BookSub>;
  trades: Map<string, TradeSub>;
}

type Conn = MockConnection<BitfinexConnection>;

const LENS = [1, 25, 100, 250];

/** Orders behind a level (the mock keeps none; a stable made-up count ≥ 1). */
function orderCount(price: bigint): number {
  return Number(price % 7n) + 1;
}

/** Mock Bitfinex v2 server; see the module documentation. */
export class BitfinexMock extends MockExchangeServer<BitfinexConnection> {
  readonly #heartbeatMs: number;
  readonly #platformStatus: number;
  readonly #maxSubs: number;
  #nextChanId = 100;
  readonly #b = {
    bookSubscribes: {} as Record<string, number>,
    bookUnsubscribes: {} as Record<string, number>,
    tradeSubscribes: {} as Record<string, number>,
    confs: 0,
    snapshotsSent: {} as Record<string, number>,
    updatesSent: {} as Record<string, number>,
    checksumsSent: 0,
    badChecksumsSent: 0,
    heartbeatsSent: 0,
    subscribeErrors: 0,
    pings: 0,
    invalidRequests: 0,
  };

  constructor(options: BitfinexMockOptions) {
    super(options);
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 15_000;
    this.#platformStatus = options.platformStatus ?? 1;
    this.#maxSubs = options.maxSubscriptions ?? 25;
  }

  /** Counters (a copy). */
  get stats(): BitfinexStats {
    const b = this.#b;
    return {
      ...this.commonStats(),
      ...b,
      bookSubscribes: { ...b.bookSubscribes },
      bookUnsubscribes: { ...b.bookUnsubscribes },
      tradeSubscribes: { ...b.tradeSubscribes },
      snapshotsSent: { ...b.snapshotsSent },
      updatesSent: { ...b.updatesSent },
    };
  }

  /** Bitfinex's checksum of the mock's current top 25 of `symbol`. */
  checksum(symbol: string): number {
    return this.#checksumOf(this.market(symbol).book);
  }

  // ------------------------------------------------------------------ faults

  /** The next checksum of `symbol` on every subscription is wrong. Returns how many. */
  injectBadChecksum(symbol: string): number {
    let n = 0;
    for (const sub of this.#subs(symbol)) {
      sub.corruptNext = true;
      n++;
    }
    return n;
  }

  /** A step of `symbol` (or every symbol) whose messages are lost: their numbers are skipped. */
  injectGap(symbol?: string): void {
    const keys = symbol === undefined ? this.symbols : [this.nativeSymbol(symbol)];
    for (const key of keys) this.stepSymbol(key, true);
  }

  /** Sends a delete of a `side` level the book does not hold (then the unchanged checksum). */
  deleteUnknownLevel(symbol: string, side: Side = "bid"): void {
    const key = this.nativeSymbol(symbol);
    const price = this.market(key).unknownPrice(side, 25);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(key);
      if (!sub) continue;
      this.#sendLevel(conn, sub, side, [price, 0n], false);
      this.#sendChecksum(conn, sub, false);
    }
  }

  /**
   * Sends an info event: 20051 (then closes every connection shortly after, as a restarting
   * server does), 20060 (maintenance start) or 20061 (maintenance end).
   */
  sendInfo(code: 20051 | 20060 | 20061): void {
    const text = JSON.stringify({ event: "info", code, msg: `info ${code}` });
    for (const conn of this.openConnections()) conn.send(text);
    if (code === 20051) {
      this.after(50, () => this.disconnectAll(1012, "server restart"));
    }
  }

  /**
   * The frame `[chanId,payload,seq]` of `symbol`'s book channel on the first connection holding
   * one, numbered as the mock's next message there (the number is consumed); for tests that send
   * hand-made book messages with `sendRaw`. Throws when no connection holds that book.
   */
  numberedFrame(symbol: string, payload: string): string {
    const key = this.nativeSymbol(symbol);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(key);
      if (!sub) continue;
      const seq = (conn.state.flags & SEQ_ALL) !== 0 ? `,${++conn.state.seq}` : "";
      return `[${sub.chanId},${payload}${seq}]`;
    }
    throw new Error(`No connection holds the book of ${symbol}`);
  }

  /** Sends `[chanId,"hb",seq]` for a `chanId` nobody subscribed (consumes a sequence number). */
  heartbeatUnknownChannel(): void {
    for (const conn of this.openConnections()) {
      this.#send(conn, [999_999, '"hb"'], false);
    }
  }

  // ------------------------------------------------------------------ hooks

  protected override get wsPath(): string {
    return "/ws/2";
  }

  protected nativeSymbol(symbol: string): string {
    if (symbol.startsWith("t")) {
      const s = bitfinexSymbol(symbol);
      if (s) return bitfinexNativeSymbol(s);
    }
    const { base, quote } = splitSymbol(symbol);
    return bitfinexNativeSymbol(`${base}/${quote}`);
  }

  protected marketDefaults(symbol: string): MarketDefaults {
    const base = (bitfinexSymbol(symbol) ?? "X/USD").split("/")[0];
    const midPrice = midPriceFor(base);
    return { midPrice, priceDecimals: priceDecimalsFor(midPrice, 1), qtyDecimals: 8 };
  }

  protected acceptSocket(): BitfinexConnection {
    return { flags: 0, seq: 0, books: new Map(), trades: new Map() };
  }

  protected override onStart(): void {
    const tick = Math.max(5, Math.min(1000, Math.floor(this.#heartbeatMs / 4)));
    this.every(tick, () => this.#heartbeats());
  }

  protected override onOpen(conn: Conn): void {
    conn.send(JSON.stringify({
      event: "info",
      version: 2,
      serverId: `mock-${conn.id}`,
      platform: { status: this.#platformStatus },
    }));
  }

  protected onMessage(conn: Conn, text: string): void {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(text);
      if (typeof req !== "object" || req === null || Array.isArray(req)) throw new Error();
    } catch {
      this.#b.invalidRequests++;
      conn.send(JSON.stringify({ event: "error", msg: "invalid request", code: 10000 }));
      return;
    }
    switch (req.event) {
      case "conf": {
        const flags = typeof req.flags === "number" ? req.flags : 0;
        conn.state.flags = flags;
        this.#b.confs++;
        conn.send(JSON.stringify({ event: "conf", status: "OK", flags }));
        return;
      }
      case "ping":
        this.#b.pings++;
        conn.send(JSON.stringify({ event: "pong", ts: this.now(), cid: req.cid }));
        return;
      case "subscribe":
        return this.#subscribe(conn, req);
      case "unsubscribe":
        return this.#unsubscribe(conn, req.chanId);
      default:
        this.#b.invalidRequests++;
        conn.send(JSON.stringify({ event: "error", msg: "unknown event", code: 10000 }));
    }
  }

  #error(conn: Conn, msg: string, code: number, req: Record<string, unknown>): void {
    this.#b.subscribeErrors++;
    conn.send(JSON.stringify({
      event: "error",
      msg,
      code,
      channel: req.channel,
      symbol: req.symbol,
    }));
  }

  #subscribe(conn: Conn, req: Record<string, unknown>): void {
    const channel = req.channel;
    const symbol = typeof req.symbol === "string" ? req.symbol : "";
    if (channel !== "book" && channel !== "trades") {
      return this.#error(conn, "subscribe: unknown channel", 10302, req);
    }
    if (!this.hasSymbol(symbol)) return this.#error(conn, "subscribe: symbol invalid", 10300, req);
    if (conn.state.books.size + conn.state.trades.size >= this.#maxSubs) {
      return this.#error(conn, "subscribe: limit", 10305, req);
    }
    if (this.consumeReject(symbol)) return this.#error(conn, "subscribe: dup", 10300, req);
    const chanId = this.#nextChanId++;
    const pair = symbol.slice(1);
    if (channel === "trades") {
      if (conn.state.trades.has(symbol)) return this.#error(conn, "subscribe: dup", 10301, req);
      conn.state.trades.set(symbol, { chanId, symbol, lastSent: Date.now() });
      bump(this.#b.tradeSubscribes, symbol);
      conn.send(JSON.stringify({ event: "subscribed", channel, chanId, symbol, pair }));
      const recent = [...this.market(symbol).recentTrades].reverse().slice(0, 30);
      const book = this.market(symbol).book;
      const rows = recent.map((t) => this.#tradeRow(t, book.priceDecimals, book.qtyDecimals));
      this.#send(conn, [chanId, `[${rows.join(",")}]`], false);
      return;
    }
    const len = Number(req.len ?? 25);
    if (req.prec !== undefined && req.prec !== "P0") {
      return this.#error(conn, "subscribe: only P0 in the mock", 10300, req);
    }
    if (!LENS.includes(len)) return this.#error(conn, "subscribe: len invalid", 10300, req);
    if (conn.state.books.has(symbol)) return this.#error(conn, "subscribe: dup", 10301, req);
    const book = this.market(symbol).book;
    const sub: BookSub = {
      chanId,
      symbol,
      len,
      view: book.clone(len),
      corruptNext: false,
      lastSent: Date.now(),
    };
    conn.state.books.set(symbol, sub);
    bump(this.#b.bookSubscribes, symbol);
    conn.send(JSON.stringify({
      event: "subscribed",
      channel,
      chanId,
      symbol,
      prec: "P0",
      freq: "F0",
      len: String(len),
      pair,
    }));
    const rows: string[] = [];
    for (const side of ["bid", "ask"] as const) {
      for (const level of sub.view.levels(side)) rows.push(this.#levelRow(sub, side, level));
    }
    if (this.#send(conn, [chanId, `[${rows.join(",")}]`], false)) {
      bump(this.#b.snapshotsSent, symbol);
    }
    this.#sendChecksum(conn, sub, false);
  }

  #unsubscribe(conn: Conn, chanId: unknown): void {
    for (const [symbol, sub] of conn.state.books) {
      if (sub.chanId === chanId) {
        conn.state.books.delete(symbol);
        bump(this.#b.bookUnsubscribes, symbol);
        conn.send(JSON.stringify({ event: "unsubscribed", status: "OK", chanId }));
        return;
      }
    }
    for (const [symbol, sub] of conn.state.trades) {
      if (sub.chanId === chanId) {
        conn.state.trades.delete(symbol);
        conn.send(JSON.stringify({ event: "unsubscribed", status: "OK", chanId }));
        return;
      }
    }
    conn.send(JSON.stringify({ event: "error", msg: "unsubscribe: invalid", code: 10400 }));
  }

  protected publishStep(symbol: string, step: MarketStep, drop: boolean): void {
    const market = this.market(symbol);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(symbol);
      if (sub) {
        let changed = false;
        for (const side of ["bid", "ask"] as const) {
          for (const level of this.#windowDiff(sub, market.book, side)) {
            this.#sendLevel(conn, sub, side, level, drop);
            changed = true;
          }
        }
        if (changed) this.#sendChecksum(conn, sub, drop);
      }
      const trades = conn.state.trades.get(symbol);
      if (trades && step.trades.length > 0) {
        const book = market.book;
        for (const t of step.trades) {
          const row = this.#tradeRow(t, book.priceDecimals, book.qtyDecimals);
          this.#send(conn, [trades.chanId, '"te"', row], drop);
          this.#send(conn, [trades.chanId, '"tu"', row], drop);
          trades.lastSent = Date.now();
        }
      }
    }
  }

  // ------------------------------------------------------------------ messages

  /** Levels to send so the subscriber's view becomes the new top `len` (deletes first). */
  #windowDiff(sub: BookSub, book: MockBook, side: Side): Level[] {
    const window = book.levels(side, sub.len);
    const inWindow = new Map(window.map(([p, q]) => [p, q]));
    const out: Level[] = [];
    for (const [price] of sub.view.levels(side)) {
      if (!inWindow.has(price)) out.push([price, 0n]);
    }
    for (const [price, qty] of window) {
      if (sub.view.get(side, price) !== qty) out.push([price, qty]);
    }
    return out;
  }

  #levelRow(sub: BookSub, side: Side, [price, qty]: Level): string {
    const book = this.market(sub.symbol).book;
    const p = jsNumberText(price, book.priceDecimals);
    if (qty === 0n) return `[${p},0,${side === "bid" ? 1 : -1}]`;
    const amount = jsNumberText(side === "bid" ? qty : -qty, book.qtyDecimals);
    return `[${p},${orderCount(price)},${amount}]`;
  }

  #tradeRow(t: MarketTrade, pd: number, qd: number): string {
    const amount = jsNumberText(t.side === "buy" ? t.qty : -t.qty, qd);
    return `[${t.id},${Math.floor(t.time)},${amount},${jsNumberText(t.price, pd)}]`;
  }

  #sendLevel(conn: Conn, sub: BookSub, side: Side, level: Level, drop: boolean): void {
    sub.view.set(side, level[0], level[1]);
    if (this.#send(conn, [sub.chanId, this.#levelRow(sub, side, level)], drop)) {
      bump(this.#b.updatesSent, sub.symbol);
    }
    sub.lastSent = Date.now();
  }

  #checksumOf(book: MockBook): number {
    return bitfinexChecksum(
      book.levels("bid", 25),
      book.levels("ask", 25),
      book.priceDecimals,
      book.qtyDecimals,
    );
  }

  #sendChecksum(conn: Conn, sub: BookSub, drop: boolean): void {
    if ((conn.state.flags & OB_CHECKSUM) === 0) return;
    let cs = this.#checksumOf(sub.view);
    if (sub.corruptNext && !drop) {
      sub.corruptNext = false;
      cs = cs ^ 1;
      this.#b.badChecksumsSent++;
    }
    if (this.#send(conn, [sub.chanId, '"cs"', String(cs)], drop)) this.#b.checksumsSent++;
  }

  /** Sends one channel message (numbering it with `SEQ_ALL`); `drop` numbers it but sends nothing. */
  #send(conn: Conn, parts: ReadonlyArray<string | number>, drop: boolean): boolean {
    const seq = (conn.state.flags & SEQ_ALL) !== 0 ? `,${++conn.state.seq}` : "";
    if (drop) {
      this.counters.messagesDropped++;
      return false;
    }
    return conn.send(`[${parts.join(",")}${seq}]`);
  }

  #heartbeats(): void {
    const now = Date.now();
    for (const conn of this.openConnections()) {
      for (const sub of [...conn.state.books.values(), ...conn.state.trades.values()]) {
        if (now - sub.lastSent < this.#heartbeatMs) continue;
        sub.lastSent = now;
        if (this.#send(conn, [String(sub.chanId), '"hb"'], false)) this.#b.heartbeatsSent++;
      }
    }
  }

  *#subs(symbol: string): Generator<BookSub> {
    const key = this.nativeSymbol(symbol);
    this.market(key);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(key);
      if (sub) yield sub;
    }
  }
}
