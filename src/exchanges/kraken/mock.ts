/**
 * Mock Kraken Spot WebSocket v2 server (public `book`, `trade`, `instrument`, ping, heartbeat).
 *
 * Protocol behaviour (see `shared/docs/exchange-protocols.md` §2):
 * - On connect: `{"channel":"status","type":"update","data":[{"system":"online",...}]}`; the
 *   `connection_id` is a 19-digit integer (beyond 2^53, as on Kraken).
 * - `{"method":"subscribe","params":{"channel":"book","symbol":[...],"depth":N,"snapshot":true},"req_id":n}`
 *   → one ack per symbol: `success: true` with `result`, or `success: false` with `error` and
 *   `symbol` (depth not in 10/25/100/500/1000, unknown symbol, already subscribed, injected
 *   rejection). Then a `snapshot` (top `depth` levels) unless `snapshot: false`.
 * - Book prices and quantities are JSON numbers written with the pair's full fixed decimals
 *   (`45281.0`, `0.10000000`); deletes are `"qty":0` (configurable). Every book message carries the
 *   CRC32 `checksum` of the top 10 per side (Kraken's rule, from the exact mantissas) and a
 *   `timestamp`.
 * - Updates carry exactly what a depth-`N` subscriber needs: changed levels inside the window,
 *   `qty: 0` for levels deleted from inside the window, and refill levels that enter the window from
 *   deeper when levels inside it are removed. Levels pushed out of the window by a better insert are
 *   not sent (the client truncates). Changes deeper than the window send nothing.
 * - `trade` channel (snapshot of up to 50 recent trades when `snapshot` is true; the default of
 *   `snapshot` for trades is configurable because the docs disagree), `instrument` channel (pairs
 *   with `price_precision` / `qty_precision`), `unsubscribe`, `ping` → `pong`, and
 *   `{"channel":"heartbeat"}` about once per `heartbeatIntervalMs` on a connection with at least one
 *   subscription and no other traffic.
 *
 * Faults: {@linkcode KrakenMock.injectBadChecksum}, {@linkcode KrakenMock.injectGap} (a lost update),
 * {@linkcode KrakenMock.deleteUnknownLevel}, {@linkcode KrakenMock.injectRepeatedLevel},
 * {@linkcode KrakenMock.injectBeyondDepth}, plus the common ones of {@linkcode MockExchangeServer}.
 *
 * @example
 * ```ts
 * import { KrakenMock } from "./mock.ts";
 * const mock = new KrakenMock({ symbols: ["BTC/USD", "ETH/USD"], rate: 50 });
 * await mock.start();
 * // point the adapter at mock.wsUrl (ws://127.0.0.1:<port>/v2) ...
 * mock.injectBadChecksum("BTC/USD");
 * // ... later: mock.stats.bookSubscribes["BTC/USD"] === 2 (resubscribed), ETH/USD still 1
 * await mock.stop();
 * ```
 *
 * @module
 */
import { crc32 } from "../../util/crc32.ts";
import type { MarketStep, MarketTrade } from "../../mock/market.ts";
import { formatFixed, type Level, MockBook, type Side } from "../../mock/mock_book.ts";
import {
  bump,
  type MarketDefaults,
  type MockConnection,
  MockExchangeServer,
  type MockServerOptions,
  type MockStats,
  rfc3339,
} from "../../mock/mock_server.ts";
import { midPriceFor, priceDecimalsFor, splitSymbol } from "../../mock/symbols.ts";

/** Options of {@linkcode KrakenMock}. */
export interface KrakenMockOptions extends MockServerOptions {
  /** Idle time before a `heartbeat` is sent on a subscribed connection. Default 1000 ms. */
  heartbeatIntervalMs?: number;
  /**
   * How prices/quantities are written: `"fixed"` (full decimals, as Kraken does; default) or
   * `"shortest"` (trailing zeros dropped, like a float printer: `45281`, `0.1`) to test adapters
   * that must re-format with the instrument precision. Checksums are always over fixed decimals.
   */
  numberFormat?: "fixed" | "shortest";
  /** How deletes are written: `"integer"` (`"qty":0`, as in Kraken's docs; default) or `"fixed"`. */
  deleteQty?: "integer" | "fixed";
  /** Default of `snapshot` for `trade` subscriptions when the request omits it. Default false. */
  tradeSnapshotDefault?: boolean;
  /** `system` field of the `status` message. Default `"online"`. */
  systemStatus?: "online" | "maintenance" | "cancel_only" | "post_only" | "limit_only";
  /** Accepted `depth` values. Default 10, 25, 100, 500, 1000. */
  depths?: readonly number[];
}

/** Counters of {@linkcode KrakenMock}. Per-symbol records are keyed by `BTC/USD` spelling. */
export interface KrakenStats extends MockStats {
  /** Accepted `book` subscriptions per symbol (a resync shows as 2). */
  bookSubscribes: Record<string, number>;
  /** Accepted `book` unsubscriptions per symbol. */
  bookUnsubscribes: Record<string, number>;
  /** Accepted `trade` subscriptions per symbol. */
  tradeSubscribes: Record<string, number>;
  /** Accepted `instrument` subscriptions. */
  instrumentSubscribes: number;
  /** Per-symbol subscribe acks with `success: false`. */
  subscribeErrors: number;
  /** Book snapshots sent per symbol. */
  snapshotsSent: Record<string, number>;
  /** Book updates sent per symbol. */
  updatesSent: Record<string, number>;
  /** Trade messages sent (snapshots and updates). */
  tradeMessagesSent: number;
  /** `ping` requests answered. */
  pings: number;
  /** Heartbeats sent. */
  heartbeatsSent: number;
  /** Book messages sent with a deliberately wrong checksum. */
  badChecksumsSent: number;
  /** Requests that were not valid JSON objects or had an unknown method. */
  invalidRequests: number;
}

interface BookSubscription {
  symbol: string;
  depth: number;
  /** What the client should hold (top `depth`), maintained from what was sent. */
  view: MockBook;
  corruptNext: boolean;
  repeatNext: boolean;
  beyondNext: boolean;
}

interface KrakenConnection {
  books: Map<string, BookSubscription>;
  trades: Set<string>;
  instrument: boolean;
}

type Conn = MockConnection<KrakenConnection>;

type Entry = [price: bigint, qty: bigint];

const DEFAULT_DEPTHS = [10, 25, 100, 500, 1000];

/**
 * Kraken's checksum of the top 10 per side, straight from the mantissas: a fixed-decimal text with
 * its point and leading zeros removed is the mantissa's decimal digits. Same result as
 * `krakenChecksum` over the text levels (`src/exchanges/kraken/checksum.ts`), about 5x faster.
 */
function mantissaChecksum(book: MockBook): number {
  let text = "";
  for (const [price, qty] of book.levels("ask", 10)) text += `${price}${qty}`;
  for (const [price, qty] of book.levels("bid", 10)) text += `${price}${qty}`;
  return crc32(text);
}

/**
 * Mock Kraken WebSocket v2 server. See the module documentation.
 */
export class KrakenMock extends MockExchangeServer<KrakenConnection> {
  readonly #heartbeatMs: number;
  readonly #numberFormat: "fixed" | "shortest";
  readonly #deleteQty: "integer" | "fixed";
  readonly #tradeSnapshotDefault: boolean;
  readonly #systemStatus: string;
  readonly #depths: readonly number[];
  readonly #kstats = {
    bookSubscribes: {} as Record<string, number>,
    bookUnsubscribes: {} as Record<string, number>,
    tradeSubscribes: {} as Record<string, number>,
    instrumentSubscribes: 0,
    subscribeErrors: 0,
    snapshotsSent: {} as Record<string, number>,
    updatesSent: {} as Record<string, number>,
    tradeMessagesSent: 0,
    pings: 0,
    heartbeatsSent: 0,
    badChecksumsSent: 0,
    invalidRequests: 0,
  };

  /** Create the mock; call {@linkcode start} to listen. */
  constructor(options: KrakenMockOptions) {
    super(options);
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 1000;
    this.#numberFormat = options.numberFormat ?? "fixed";
    this.#deleteQty = options.deleteQty ?? "integer";
    this.#tradeSnapshotDefault = options.tradeSnapshotDefault ?? false;
    this.#systemStatus = options.systemStatus ?? "online";
    this.#depths = options.depths ?? DEFAULT_DEPTHS;
  }

  /** Counters (a copy). */
  get stats(): KrakenStats {
    const k = this.#kstats;
    return {
      ...this.commonStats(),
      ...k,
      bookSubscribes: { ...k.bookSubscribes },
      bookUnsubscribes: { ...k.bookUnsubscribes },
      tradeSubscribes: { ...k.tradeSubscribes },
      snapshotsSent: { ...k.snapshotsSent },
      updatesSent: { ...k.updatesSent },
    };
  }

  /** Price decimals (`price_precision`) of a symbol. */
  priceDecimals(symbol: string): number {
    return this.market(symbol).book.priceDecimals;
  }

  /** Quantity decimals (`qty_precision`) of a symbol. */
  qtyDecimals(symbol: string): number {
    return this.market(symbol).book.qtyDecimals;
  }

  /** Kraken checksum of the mock's current book of `symbol`. */
  checksum(symbol: string): number {
    return mantissaChecksum(this.market(symbol).book);
  }

  // ------------------------------------------------------------------ faults

  /**
   * The next book message of `symbol` on every current subscription carries a wrong checksum
   * (the correct value XOR 1). Returns how many subscriptions were marked.
   */
  injectBadChecksum(symbol: string): number {
    return this.#mark(symbol, (sub) => sub.corruptNext = true);
  }

  /**
   * The next update of `symbol` on every current subscription first sends one of its levels with a
   * wrong quantity and then the right one (several entries for one level in one message; apply in
   * array order). Returns how many subscriptions were marked.
   */
  injectRepeatedLevel(symbol: string): number {
    return this.#mark(symbol, (sub) => sub.repeatNext = true);
  }

  /**
   * The next update of `symbol` on every current subscription also carries the first real level
   * beyond the subscribed depth (a client that does not truncate keeps it and later fails the
   * checksum). Returns how many subscriptions were marked.
   */
  injectBeyondDepth(symbol: string): number {
    return this.#mark(symbol, (sub) => sub.beyondNext = true);
  }

  /**
   * Lose one update: the market of `symbol` (or of every symbol) takes a step whose book
   * messages are never sent. The next update's checksum then disagrees with a client that did not
   * resync.
   */
  injectGap(symbol?: string): void {
    const keys = symbol === undefined ? this.symbols : [this.nativeSymbol(symbol)];
    for (const key of keys) this.stepSymbol(key, true);
  }

  /**
   * Send an update deleting a `side` level the book does not hold (a gap inside the top 10 when
   * there is one, else beyond the worst level). The checksum is the unchanged book's.
   */
  deleteUnknownLevel(symbol: string, side: Side = "bid"): void {
    const key = this.nativeSymbol(symbol);
    const market = this.market(key);
    const price = market.unknownPrice(side, 10);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(key);
      if (!sub) continue;
      const entries = { bid: [] as Entry[], ask: [] as Entry[] };
      entries[side].push([price, 0n]);
      this.#sendBook(conn, sub, "update", entries, this.now(), false);
    }
  }

  #mark(symbol: string, fn: (sub: BookSubscription) => void): number {
    const key = this.nativeSymbol(symbol);
    this.market(key);
    let n = 0;
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(key);
      if (sub) {
        fn(sub);
        n++;
      }
    }
    return n;
  }

  // ------------------------------------------------------------------ hooks

  protected override get wsPath(): string {
    return "/v2";
  }

  protected nativeSymbol(symbol: string): string {
    const { base, quote } = splitSymbol(symbol);
    return quote ? `${base}/${quote}` : base;
  }

  protected marketDefaults(symbol: string): MarketDefaults {
    const { base } = splitSymbol(symbol);
    const midPrice = midPriceFor(base);
    return { midPrice, priceDecimals: priceDecimalsFor(midPrice, 1), qtyDecimals: 8 };
  }

  protected acceptSocket(): KrakenConnection {
    return { books: new Map(), trades: new Set(), instrument: false };
  }

  protected override onStart(): void {
    const tick = Math.max(5, Math.min(250, Math.floor(this.#heartbeatMs / 4)));
    this.every(tick, () => this.#heartbeats());
  }

  protected override onOpen(conn: Conn): void {
    // connection_id is beyond 2^53 on Kraken: written as raw digits on purpose.
    const connectionId = `${1_000_000_000_000_000_000n + BigInt(conn.id) * 7_919n}`;
    conn.send(
      `{"channel":"status","type":"update","data":[{"system":${
        JSON.stringify(this.#systemStatus)
      },"api_version":"v2","connection_id":${connectionId},"version":"2.0.10"}]}`,
    );
  }

  protected onMessage(conn: Conn, text: string): void {
    const timeIn = rfc3339(this.now());
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch {
      this.#kstats.invalidRequests++;
      this.#reply(conn, { error: "Malformed request", success: false, time_in: timeIn });
      return;
    }
    if (typeof req !== "object" || req === null || Array.isArray(req)) {
      this.#kstats.invalidRequests++;
      this.#reply(conn, { error: "Malformed request", success: false, time_in: timeIn });
      return;
    }
    const r = req as { method?: unknown; params?: unknown; req_id?: unknown };
    const reqId = typeof r.req_id === "number" ? r.req_id : undefined;
    switch (r.method) {
      case "ping":
        this.#kstats.pings++;
        this.#reply(conn, { method: "pong", req_id: reqId, time_in: timeIn });
        return;
      case "subscribe":
        return this.#subscribe(conn, r.params, reqId, timeIn);
      case "unsubscribe":
        return this.#unsubscribe(conn, r.params, reqId, timeIn);
      default:
        this.#kstats.invalidRequests++;
        this.#reply(conn, {
          error: "Method not found",
          method: typeof r.method === "string" ? r.method : undefined,
          req_id: reqId,
          success: false,
          time_in: timeIn,
        });
    }
  }

  protected publishStep(symbol: string, step: MarketStep, drop: boolean): void {
    const market = this.market(symbol);
    for (const conn of this.openConnections()) {
      const sub = conn.state.books.get(symbol);
      if (sub) {
        const entries = this.#diff(sub, market.book, step);
        if (entries.bid.length + entries.ask.length > 0) {
          this.#sendBook(conn, sub, "update", entries, step.time, drop);
        }
      }
      if (step.trades.length > 0 && conn.state.trades.has(symbol)) {
        if (drop) {
          this.counters.messagesDropped++;
          continue;
        }
        if (conn.send(this.#tradeMessage(symbol, "update", step.trades))) {
          this.#kstats.tradeMessagesSent++;
        }
      }
    }
  }

  // ------------------------------------------------------------------ requests

  #reply(conn: Conn, body: Record<string, unknown>): void {
    // Undefined fields (req_id, symbol) are dropped by JSON.stringify.
    conn.send(JSON.stringify({ ...body, time_out: rfc3339(this.now()) }));
  }

  #fail(
    conn: Conn,
    method: string,
    error: string,
    symbol: unknown,
    reqId: unknown,
    timeIn: string,
  ): void {
    if (method === "subscribe") this.#kstats.subscribeErrors++;
    this.#reply(conn, {
      error,
      method,
      req_id: reqId,
      success: false,
      symbol: typeof symbol === "string" ? symbol : undefined,
      time_in: timeIn,
    });
  }

  #subscribe(conn: Conn, params: unknown, reqId: number | undefined, timeIn: string): void {
    const p = (typeof params === "object" && params !== null ? params : {}) as Record<
      string,
      unknown
    >;
    const channel = p.channel;
    if (channel === "instrument") {
      const snapshot = p.snapshot !== false;
      conn.state.instrument = true;
      this.#kstats.instrumentSubscribes++;
      this.#reply(conn, {
        method: "subscribe",
        result: { channel: "instrument", snapshot },
        success: true,
        time_in: timeIn,
        req_id: reqId,
      });
      if (snapshot) conn.send(this.#instrumentMessage());
      return;
    }
    if (channel !== "book" && channel !== "trade") {
      this.#fail(
        conn,
        "subscribe",
        `Channel ${String(channel)} not supported`,
        undefined,
        reqId,
        timeIn,
      );
      return;
    }
    const symbols = p.symbol;
    if (!Array.isArray(symbols) || symbols.length === 0) {
      this.#fail(conn, "subscribe", "EGeneral:Invalid arguments:symbol", undefined, reqId, timeIn);
      return;
    }
    const depth = p.depth ?? 10;
    const snapshot = typeof p.snapshot === "boolean"
      ? p.snapshot
      : channel === "book" || this.#tradeSnapshotDefault;
    for (const symbol of symbols) {
      if (typeof symbol !== "string") {
        this.#fail(conn, "subscribe", "EGeneral:Invalid arguments:symbol", symbol, reqId, timeIn);
        continue;
      }
      if (channel === "book" && (typeof depth !== "number" || !this.#depths.includes(depth))) {
        this.#fail(conn, "subscribe", "EGeneral:Invalid arguments:depth", symbol, reqId, timeIn);
        continue;
      }
      if (!this.hasSymbol(symbol)) {
        this.#fail(
          conn,
          "subscribe",
          `Currency pair not supported ${symbol}`,
          symbol,
          reqId,
          timeIn,
        );
        continue;
      }
      if (this.consumeReject(symbol)) {
        this.#fail(conn, "subscribe", "EService:Unavailable", symbol, reqId, timeIn);
        continue;
      }
      if (channel === "book") {
        if (conn.state.books.has(symbol)) {
          this.#fail(conn, "subscribe", "Already subscribed", symbol, reqId, timeIn);
          continue;
        }
        const book = this.market(symbol).book;
        const sub: BookSubscription = {
          symbol,
          depth: depth as number,
          view: book.clone(depth as number),
          corruptNext: false,
          repeatNext: false,
          beyondNext: false,
        };
        conn.state.books.set(symbol, sub);
        bump(this.#kstats.bookSubscribes, symbol);
        this.#reply(conn, {
          method: "subscribe",
          result: { channel: "book", depth, snapshot, symbol },
          success: true,
          time_in: timeIn,
          req_id: reqId,
        });
        if (snapshot) {
          const entries = { bid: sub.view.levels("bid"), ask: sub.view.levels("ask") };
          this.#sendBook(conn, sub, "snapshot", entries, this.now(), false);
        }
      } else {
        if (conn.state.trades.has(symbol)) {
          this.#fail(conn, "subscribe", "Already subscribed", symbol, reqId, timeIn);
          continue;
        }
        conn.state.trades.add(symbol);
        bump(this.#kstats.tradeSubscribes, symbol);
        this.#reply(conn, {
          method: "subscribe",
          result: { channel: "trade", snapshot, symbol },
          success: true,
          time_in: timeIn,
          req_id: reqId,
        });
        if (snapshot) {
          const recent = this.market(symbol).recentTrades;
          if (conn.send(this.#tradeMessage(symbol, "snapshot", recent))) {
            this.#kstats.tradeMessagesSent++;
          }
        }
      }
    }
  }

  #unsubscribe(conn: Conn, params: unknown, reqId: number | undefined, timeIn: string): void {
    const p = (typeof params === "object" && params !== null ? params : {}) as Record<
      string,
      unknown
    >;
    const channel = p.channel;
    if (channel === "instrument") {
      conn.state.instrument = false;
      this.#reply(conn, {
        method: "unsubscribe",
        result: { channel: "instrument" },
        success: true,
        time_in: timeIn,
        req_id: reqId,
      });
      return;
    }
    if ((channel !== "book" && channel !== "trade") || !Array.isArray(p.symbol)) {
      this.#fail(conn, "unsubscribe", "EGeneral:Invalid arguments", undefined, reqId, timeIn);
      return;
    }
    for (const symbol of p.symbol) {
      const set = channel === "book" ? conn.state.books : conn.state.trades;
      if (typeof symbol !== "string" || !set.has(symbol)) {
        this.#fail(conn, "unsubscribe", "Subscription Not Found", symbol, reqId, timeIn);
        continue;
      }
      const depth = channel === "book" ? conn.state.books.get(symbol)!.depth : undefined;
      set.delete(symbol);
      if (channel === "book") bump(this.#kstats.bookUnsubscribes, symbol);
      this.#reply(conn, {
        method: "unsubscribe",
        result: { channel, depth, symbol },
        success: true,
        time_in: timeIn,
        req_id: reqId,
      });
    }
  }

  // ------------------------------------------------------------------ book messages

  /**
   * What a depth-limited subscriber must receive for this step, and the subscriber's new view.
   * Order: levels in the order the step touched them, then refills entering the window, then
   * deletes of window levels that no longer exist.
   */
  #diff(sub: BookSubscription, book: MockBook, step: MarketStep): Record<Side, Entry[]> {
    const out: Record<Side, Entry[]> = { bid: [], ask: [] };
    for (const side of ["bid", "ask"] as const) {
      const entries = out[side];
      const seen = new Set<bigint>();
      const consider = (price: bigint) => {
        if (seen.has(price)) return;
        seen.add(price);
        const before = sub.view.get(side, price);
        const index = book.indexOf(side, price);
        if (index >= 0 && index < sub.depth) {
          const now = book.get(side, price);
          if (now !== before) entries.push([price, now]);
        } else if (before !== 0n && index < 0) {
          entries.push([price, 0n]);
        }
      };
      let changed = 0;
      for (const change of step.changes) {
        if (change.side !== side) continue;
        changed++;
        consider(change.price);
      }
      if (changed === 0) continue;
      // The view was the top `depth` before the step. A level can enter the window from deeper
      // only when a level inside it was deleted (at most one per change), and every such refill
      // ranks below all unchanged levels that were already in the window: so refills are among
      // the last `changed` levels of the new window.
      const end = Math.min(sub.depth, book.depth(side));
      for (let i = Math.max(0, end - changed); i < end; i++) consider(book.levelAt(side, i)![0]);
    }
    return out;
  }

  #num(mantissa: bigint, decimals: number): string {
    const text = formatFixed(mantissa, decimals);
    if (this.#numberFormat === "fixed" || decimals === 0) return text;
    const trimmed = text.replace(/0+$/, "");
    return trimmed.endsWith(".") ? trimmed.slice(0, -1) : trimmed;
  }

  #levelsJson(levels: readonly Level[], pd: number, qd: number): string {
    let s = "";
    for (const [price, qty] of levels) {
      const q = qty === 0n && this.#deleteQty === "integer" ? "0" : this.#num(qty, qd);
      s += `${s ? "," : ""}{"price":${this.#num(price, pd)},"qty":${q}}`;
    }
    return `[${s}]`;
  }

  #sendBook(
    conn: Conn,
    sub: BookSubscription,
    type: "snapshot" | "update",
    entries: Record<Side, Level[]>,
    time: number,
    drop: boolean,
  ): void {
    const book = this.market(sub.symbol).book;
    const pd = book.priceDecimals;
    const qd = book.qtyDecimals;
    if (type === "update") {
      for (const side of ["bid", "ask"] as const) {
        for (const [p, q] of entries[side]) sub.view.set(side, p, q);
      }
      if (sub.beyondNext) {
        // One real bid from beyond the window; the client must truncate it away.
        sub.beyondNext = false;
        const beyond = book.levelAt("bid", sub.depth);
        if (beyond) entries.bid.push(beyond);
      }
      if (sub.repeatNext) {
        sub.repeatNext = false;
        for (const side of ["bid", "ask"] as const) {
          const first = entries[side][0];
          if (!first) continue;
          const bogus = first[1] === 0n ? 1n : first[1] + 1n;
          entries[side].unshift([first[0], bogus]);
          break;
        }
      }
      sub.view.truncate(sub.depth);
    }
    let checksum = mantissaChecksum(book);
    if (sub.corruptNext) {
      sub.corruptNext = false;
      checksum = (checksum ^ 1) >>> 0;
      this.#kstats.badChecksumsSent++;
    }
    if (drop) {
      this.counters.messagesDropped++;
      return;
    }
    const text = `{"channel":"book","type":"${type}","data":[{"symbol":${
      JSON.stringify(sub.symbol)
    },"bids":${this.#levelsJson(entries.bid, pd, qd)},"asks":${
      this.#levelsJson(entries.ask, pd, qd)
    },"checksum":${checksum},"timestamp":"${rfc3339(time)}"}]}`;
    if (conn.send(text)) {
      bump(type === "snapshot" ? this.#kstats.snapshotsSent : this.#kstats.updatesSent, sub.symbol);
    }
  }

  #tradeMessage(
    symbol: string,
    type: "snapshot" | "update",
    trades: readonly MarketTrade[],
  ): string {
    const book = this.market(symbol).book;
    const parts = trades.map((t) =>
      `{"symbol":${JSON.stringify(symbol)},"side":"${t.side}","price":${
        this.#num(t.price, book.priceDecimals)
      },"qty":${this.#num(t.qty, book.qtyDecimals)},"ord_type":"${
        t.id % 3 === 0 ? "limit" : "market"
      }","trade_id":${t.id},"timestamp":"${rfc3339(t.time)}"}`
    );
    return `{"channel":"trade","type":"${type}","data":[${parts.join(",")}]}`;
  }

  #instrumentMessage(): string {
    const assets = new Set<string>();
    const pairs = this.symbols.map((symbol) => {
      const market = this.market(symbol);
      const { base, quote } = splitSymbol(symbol);
      assets.add(base);
      assets.add(quote);
      const pd = market.book.priceDecimals;
      const qd = market.book.qtyDecimals;
      const tick = formatFixed(market.tick, pd);
      return `{"symbol":${
        JSON.stringify(symbol)
      },"base":"${base}","quote":"${quote}","status":"online",` +
        `"qty_precision":${qd},"qty_increment":${
          formatFixed(market.lot, qd)
        },"price_precision":${pd},` +
        `"cost_precision":5,"marginable":true,"has_index":true,"cost_min":0.5,"tick_size":${tick},` +
        `"price_increment":${tick},"qty_min":${formatFixed(market.lot, qd)}}`;
    });
    const assetList = [...assets].map((id) =>
      `{"id":"${id}","status":"enabled","precision":10,"precision_display":5,"borrowable":true,` +
      `"collateral_value":1.0,"margin_rate":0.02}`
    );
    return `{"channel":"instrument","type":"snapshot","data":{"assets":[${
      assetList.join(",")
    }],"pairs":[${pairs.join(",")}]}}`;
  }

  #heartbeats(): void {
    const now = Date.now();
    for (const conn of this.openConnections()) {
      const s = conn.state;
      if (s.books.size + s.trades.size === 0 && !s.instrument) continue;
      if (now - conn.lastSentAt < this.#heartbeatMs) continue;
      if (conn.silenced) {
        // Built but dropped; keep the cadence so a silenced connection is not flooded later.
        conn.send('{"channel":"heartbeat"}');
        conn.lastSentAt = now;
        continue;
      }
      if (conn.send('{"channel":"heartbeat"}')) this.#kstats.heartbeatsSent++;
    }
  }
}
