/**
 * Mock Coinbase Advanced Trade market-data WebSocket (`level2`, `market_trades`, `heartbeats`).
 *
 * Protocol behaviour (see `shared/docs/exchange-protocols.md` §1A):
 * - One channel per request: `{"type":"subscribe","product_ids":[...],"channel":"level2"}`
 *   (`unsubscribe` likewise; without `product_ids` it drops the whole channel). A request with a
 *   `channels` array, an unknown channel or an unknown product gets `{"type":"error","message":...}`
 *   and subscribes nothing. `X-USDC` is served as `X-USD` when only `X-USD` exists (configurable).
 * - Every data message has the envelope `channel`, `client_id` (""), `timestamp` (RFC 3339, ns),
 *   `sequence_num`, `events`. `sequence_num` is **one counter per connection** starting at 0 and
 *   increasing by 1 for every enveloped message (acks, snapshots, updates, trades, heartbeats).
 *   Errors have no envelope and consume no number.
 * - After a subscribe: a `subscriptions` ack listing every channel of the connection, then per
 *   product an `l2_data` `snapshot` event with the full book (sides `bid` / `offer`), later
 *   `update` events (`new_quantity` is the absolute size, `"0"` deletes). Re-subscribing a product
 *   sends a fresh snapshot. `market_trades`: a `snapshot` event of recent trades, then `update`s.
 * - `heartbeats`: one message per `heartbeatIntervalMs` with an increasing `heartbeat_counter`.
 * - A connection that has not subscribed within `subscribeTimeoutMs` is closed; with `idleCloseMs`
 *   a connection without `heartbeats` and without traffic for that long is closed.
 *
 * Faults: {@linkcode CoinbaseMock.injectGap} (a lost message: `sequence_num` skips),
 * {@linkcode CoinbaseMock.deleteUnknownLevel}, plus the common ones of {@linkcode MockExchangeServer}.
 *
 * @example
 * ```ts
 * import { CoinbaseMock } from "./mock.ts";
 * const mock = new CoinbaseMock({ symbols: ["BTC-USD", "ETH/USD"], rate: 20 });
 * await mock.start();
 * // adapter wsUrl: mock.wsUrl
 * mock.injectGap("BTC-USD");
 * // ... mock.stats.level2Subscribes["BTC-USD"] counts the resubscribes
 * await mock.stop();
 * ```
 *
 * @module
 */
import type { MarketStep, MarketTrade } from "../../mock/market.ts";
import { formatFixed, type Side } from "../../mock/mock_book.ts";
import {
  bump,
  type MarketDefaults,
  type MockConnection,
  MockExchangeServer,
  type MockServerOptions,
  type MockStats,
  rfc3339,
  type TimerId,
} from "../../mock/mock_server.ts";
import { midPriceFor, priceDecimalsFor, splitSymbol } from "../../mock/symbols.ts";

/** Options of {@linkcode CoinbaseMock}. */
export interface CoinbaseMockOptions extends MockServerOptions {
  /** Interval of `heartbeats` messages. Default 1000 ms. */
  heartbeatIntervalMs?: number;
  /** Close a connection that has not subscribed within this time. Default 5000 ms; 0 disables. */
  subscribeTimeoutMs?: number;
  /**
   * Close a connection without a `heartbeats` subscription after this long without traffic
   * (Coinbase: 60–90 s). Default 0 (disabled).
   */
  idleCloseMs?: number;
  /** JSON type of `heartbeat_counter` (the docs show a string, fixtures a number). Default number. */
  heartbeatCounterType?: "number" | "string";
  /** Serve `X-USDC` subscriptions as `X-USD` when `X-USDC` itself is not served. Default true. */
  usdcAliases?: boolean;
  /** Meaning of `side` in trades: the taker's side (default) or the maker's. */
  tradeSide?: "taker" | "maker";
  /** `event_time` of snapshot entries: the snapshot time (default) or `1970-01-01T00:00:00Z`. */
  snapshotEventTime?: "now" | "epoch";
}

/** Counters of {@linkcode CoinbaseMock}. Per-product records are keyed by `BTC-USD`. */
export interface CoinbaseStats extends MockStats {
  /** Accepted subscribe requests (any channel). */
  subscribes: number;
  /** Accepted unsubscribe requests. */
  unsubscribes: number;
  /** Accepted `level2` subscriptions per product (a resync shows as 2). */
  level2Subscribes: Record<string, number>;
  /** Accepted `market_trades` subscriptions per product. */
  tradeSubscribes: Record<string, number>;
  /** Accepted `heartbeats` subscriptions. */
  heartbeatSubscribes: number;
  /** `l2_data` snapshots sent per product. */
  snapshotsSent: Record<string, number>;
  /** `l2_data` updates sent per product. */
  updatesSent: Record<string, number>;
  /** `market_trades` messages sent. */
  tradeMessagesSent: number;
  /** `heartbeats` messages sent. */
  heartbeatsSent: number;
  /** `{"type":"error"}` messages sent. */
  errorsSent: number;
  /** Connections closed for not subscribing in time. */
  subscribeTimeouts: number;
  /** Connections closed for being idle. */
  idleCloses: number;
  /** `sequence_num` values skipped by `injectGap`, summed over connections. */
  sequenceGaps: number;
}

const CHANNELS = ["level2", "market_trades", "heartbeats"] as const;
type Channel = typeof CHANNELS[number];

interface CoinbaseConnection {
  /** Next `sequence_num`. */
  seq: number;
  channels: Map<Channel, Set<string>>;
  subscribed: boolean;
  subscribeTimer: TimerId | undefined;
  heartbeatCounter: number;
  lastHeartbeatAt: number;
}

type Conn = MockConnection<CoinbaseConnection>;

/**
 * Mock Coinbase Advanced Trade WebSocket server. See the module documentation.
 */
export class CoinbaseMock extends MockExchangeServer<CoinbaseConnection> {
  readonly #heartbeatMs: number;
  readonly #subscribeTimeoutMs: number;
  readonly #idleCloseMs: number;
  readonly #counterType: "number" | "string";
  readonly #usdcAliases: boolean;
  readonly #tradeSide: "taker" | "maker";
  readonly #snapshotEventTime: "now" | "epoch";
  readonly #startedAt = performance.now();
  readonly #cstats = {
    subscribes: 0,
    unsubscribes: 0,
    level2Subscribes: {} as Record<string, number>,
    tradeSubscribes: {} as Record<string, number>,
    heartbeatSubscribes: 0,
    snapshotsSent: {} as Record<string, number>,
    updatesSent: {} as Record<string, number>,
    tradeMessagesSent: 0,
    heartbeatsSent: 0,
    errorsSent: 0,
    subscribeTimeouts: 0,
    idleCloses: 0,
    sequenceGaps: 0,
  };

  /** Create the mock; call {@linkcode start} to listen. */
  constructor(options: CoinbaseMockOptions) {
    super(options);
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 1000;
    this.#subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5000;
    this.#idleCloseMs = options.idleCloseMs ?? 0;
    this.#counterType = options.heartbeatCounterType ?? "number";
    this.#usdcAliases = options.usdcAliases ?? true;
    this.#tradeSide = options.tradeSide ?? "taker";
    this.#snapshotEventTime = options.snapshotEventTime ?? "now";
  }

  /** Counters (a copy). */
  get stats(): CoinbaseStats {
    const c = this.#cstats;
    return {
      ...this.commonStats(),
      ...c,
      level2Subscribes: { ...c.level2Subscribes },
      tradeSubscribes: { ...c.tradeSubscribes },
      snapshotsSent: { ...c.snapshotsSent },
      updatesSent: { ...c.updatesSent },
    };
  }

  // ------------------------------------------------------------------ faults

  /**
   * Make `sequence_num` skip. With a product: the market takes a step whose messages (l2 update,
   * trades) are built for every connection subscribed to that product but never sent, so those
   * connections see a gap and their book of that product is stale. Without a product: every open
   * connection's counter skips one number and nothing is lost.
   */
  injectGap(symbol?: string): void {
    if (symbol === undefined) {
      for (const conn of this.openConnections()) {
        conn.state.seq++;
        this.#cstats.sequenceGaps++;
      }
      return;
    }
    this.stepSymbol(this.nativeSymbol(symbol), true);
  }

  /** Send an `l2_data` update deleting (`"0"`) a `side` level the book does not hold. */
  deleteUnknownLevel(symbol: string, side: Side = "bid"): void {
    const product = this.nativeSymbol(symbol);
    const market = this.market(product);
    const price = market.unknownPrice(side, 10);
    const time = rfc3339(this.now());
    const updates = [this.#l2Entry(side, formatFixed(price, market.book.priceDecimals), "0", time)];
    for (const conn of this.openConnections()) {
      if (!conn.state.channels.get("level2")?.has(product)) continue;
      if (this.#envelope(conn, "l2_data", this.#l2Event("update", product, updates))) {
        bump(this.#cstats.updatesSent, product);
      }
    }
  }

  // ------------------------------------------------------------------ hooks

  protected nativeSymbol(symbol: string): string {
    const { base, quote } = splitSymbol(symbol);
    return quote ? `${base}-${quote}` : base;
  }

  protected marketDefaults(symbol: string): MarketDefaults {
    const { base } = splitSymbol(symbol);
    const midPrice = midPriceFor(base);
    return { midPrice, priceDecimals: priceDecimalsFor(midPrice, 2), qtyDecimals: 8 };
  }

  protected acceptSocket(): CoinbaseConnection {
    return {
      seq: 0,
      channels: new Map(),
      subscribed: false,
      subscribeTimer: undefined,
      heartbeatCounter: 0,
      lastHeartbeatAt: 0,
    };
  }

  protected override onStart(): void {
    const tick = Math.max(5, Math.min(250, Math.floor(this.#heartbeatMs / 4)));
    this.every(tick, () => this.#housekeeping());
  }

  protected override onOpen(conn: Conn): void {
    if (this.#subscribeTimeoutMs > 0) {
      conn.state.subscribeTimer = conn.timeout(this.#subscribeTimeoutMs, () => {
        if (conn.state.subscribed || !conn.open) return;
        this.#cstats.subscribeTimeouts++;
        this.closeConnection(conn, 1008, "subscribe timeout");
      });
    }
  }

  protected onMessage(conn: Conn, text: string): void {
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch {
      return this.#error(conn, "failure to parse JSON request");
    }
    if (typeof req !== "object" || req === null || Array.isArray(req)) {
      return this.#error(conn, "request must be a JSON object");
    }
    const r = req as Record<string, unknown>;
    if (r.type !== "subscribe" && r.type !== "unsubscribe") {
      return this.#error(conn, `unknown message type ${JSON.stringify(r.type)}`);
    }
    if (typeof r.channel !== "string") {
      return this.#error(conn, "channel must be a string (one channel per message)");
    }
    if (!(CHANNELS as readonly string[]).includes(r.channel)) {
      return this.#error(conn, `unknown channel ${r.channel}`);
    }
    const channel = r.channel as Channel;
    if (
      r.product_ids !== undefined && (!Array.isArray(r.product_ids) ||
        !r.product_ids.every((p) => typeof p === "string"))
    ) {
      return this.#error(conn, "product_ids must be an array of strings");
    }
    const requested = (r.product_ids ?? []) as string[];
    if (r.type === "unsubscribe") {
      return this.#unsubscribe(conn, channel, r.product_ids === undefined ? undefined : requested);
    }
    if (channel !== "heartbeats" && requested.length === 0) {
      return this.#error(conn, `product_ids required for ${channel}`);
    }
    const products: string[] = [];
    for (const id of requested) {
      const product = this.#resolve(id);
      if (product === undefined) {
        return this.#error(conn, `Failed to subscribe: unknown product_id ${id}`);
      }
      products.push(product);
    }
    for (const product of products) {
      if (this.consumeReject(product)) {
        return this.#error(conn, `Failed to subscribe to ${channel} for ${product}`);
      }
    }
    this.#subscribe(conn, channel, products);
  }

  protected publishStep(symbol: string, step: MarketStep, drop: boolean): void {
    const market = this.market(symbol);
    const time = rfc3339(step.time);
    const pd = market.book.priceDecimals;
    const qd = market.book.qtyDecimals;
    const l2 = step.changes.length === 0 ? undefined : this.#l2Event(
      "update",
      symbol,
      step.changes.map((c) =>
        this.#l2Entry(
          c.side,
          formatFixed(c.price, pd),
          c.qty === 0n ? "0" : formatFixed(c.qty, qd),
          time,
        )
      ),
    );
    const trades = step.trades.length === 0
      ? undefined
      : this.#tradesEvent("update", symbol, step.trades);
    for (const conn of this.openConnections()) {
      if (l2 && conn.state.channels.get("level2")?.has(symbol)) {
        if (drop) this.#cstats.sequenceGaps++;
        if (this.#envelope(conn, "l2_data", l2, drop)) bump(this.#cstats.updatesSent, symbol);
      }
      if (trades && conn.state.channels.get("market_trades")?.has(symbol)) {
        if (drop) this.#cstats.sequenceGaps++;
        if (this.#envelope(conn, "market_trades", trades, drop)) this.#cstats.tradeMessagesSent++;
      }
    }
  }

  // ------------------------------------------------------------------ requests

  #resolve(id: string): string | undefined {
    if (this.hasSymbol(id)) return id;
    if (this.#usdcAliases && id.endsWith("-USDC")) {
      const usd = id.slice(0, -1);
      if (this.hasSymbol(usd)) return usd;
    }
    return undefined;
  }

  #error(conn: Conn, message: string): void {
    if (conn.send(JSON.stringify({ type: "error", message }))) this.#cstats.errorsSent++;
  }

  #subscribe(conn: Conn, channel: Channel, products: string[]): void {
    const s = conn.state;
    s.subscribed = true;
    conn.cancel(s.subscribeTimer);
    s.subscribeTimer = undefined;
    this.#cstats.subscribes++;
    let set = s.channels.get(channel);
    if (!set) s.channels.set(channel, set = new Set());
    for (const p of products) set.add(p);
    if (channel === "heartbeats") {
      this.#cstats.heartbeatSubscribes++;
      s.lastHeartbeatAt = Date.now();
    }
    this.#ack(conn);
    const now = this.now();
    for (const product of products) {
      if (channel === "level2") {
        bump(this.#cstats.level2Subscribes, product);
        const book = this.market(product).book;
        const time = this.#snapshotEventTime === "epoch" ? "1970-01-01T00:00:00Z" : rfc3339(now);
        const updates = [
          ...book.bids().map(([p, q]) => this.#l2Entry("bid", p, q, time)),
          ...book.asks().map(([p, q]) => this.#l2Entry("ask", p, q, time)),
        ];
        if (this.#envelope(conn, "l2_data", this.#l2Event("snapshot", product, updates))) {
          bump(this.#cstats.snapshotsSent, product);
        }
      } else if (channel === "market_trades") {
        bump(this.#cstats.tradeSubscribes, product);
        const recent = [...this.market(product).recentTrades].reverse();
        if (this.#envelope(conn, "market_trades", this.#tradesEvent("snapshot", product, recent))) {
          this.#cstats.tradeMessagesSent++;
        }
      }
    }
  }

  #unsubscribe(conn: Conn, channel: Channel, products: string[] | undefined): void {
    const s = conn.state;
    const set = s.channels.get(channel);
    if (set) {
      if (products === undefined || products.length === 0) s.channels.delete(channel);
      else {
        for (const id of products) set.delete(this.#resolve(id) ?? id);
        if (set.size === 0 && channel !== "heartbeats") s.channels.delete(channel);
      }
    }
    this.#cstats.unsubscribes++;
    this.#ack(conn);
  }

  #ack(conn: Conn): void {
    const subs: Record<string, string[]> = {};
    for (const [channel, products] of conn.state.channels) subs[channel] = [...products];
    this.#envelope(conn, "subscriptions", JSON.stringify({ subscriptions: subs }));
  }

  // ------------------------------------------------------------------ messages

  /** Send one enveloped message (consumes a sequence number even when dropped). */
  #envelope(conn: Conn, channel: string, eventJson: string, drop = false): boolean {
    const seq = conn.state.seq++;
    if (drop) {
      this.counters.messagesDropped++;
      return false;
    }
    return conn.send(
      `{"channel":"${channel}","client_id":"","timestamp":"${
        rfc3339(this.now(), 9)
      }","sequence_num":${seq},"events":[${eventJson}]}`,
    );
  }

  #l2Entry(side: Side, price: string, qty: string, time: string): string {
    return `{"side":"${
      side === "bid" ? "bid" : "offer"
    }","event_time":"${time}","price_level":"${price}","new_quantity":"${qty}"}`;
  }

  #l2Event(type: "snapshot" | "update", product: string, updates: string[]): string {
    return `{"type":"${type}","product_id":"${product}","updates":[${updates.join(",")}]}`;
  }

  #tradesEvent(
    type: "snapshot" | "update",
    product: string,
    trades: readonly MarketTrade[],
  ): string {
    const book = this.market(product).book;
    const parts = trades.map((t) => {
      const taker = t.side === "buy" ? "BUY" : "SELL";
      const side = this.#tradeSide === "taker" ? taker : taker === "BUY" ? "SELL" : "BUY";
      return `{"trade_id":"${t.id}","product_id":"${product}","price":"${
        formatFixed(t.price, book.priceDecimals)
      }","size":"${formatFixed(t.qty, book.qtyDecimals)}","side":"${side}","time":"${
        rfc3339(t.time)
      }"}`;
    });
    return `{"type":"${type}","trades":[${parts.join(",")}]}`;
  }

  #heartbeatEvent(counter: number): string {
    const now = this.now();
    const d = new Date(now).toISOString(); // 2026-07-01T12:00:02.000Z
    const uptime = ((performance.now() - this.#startedAt) / 1000).toFixed(9);
    const currentTime = `${d.slice(0, 10)} ${d.slice(11, 23)}000000 +0000 UTC m=+${uptime}`;
    const value = this.#counterType === "string" ? `"${counter}"` : `${counter}`;
    return `{"current_time":"${currentTime}","heartbeat_counter":${value}}`;
  }

  #housekeeping(): void {
    const now = Date.now();
    for (const conn of this.openConnections()) {
      const s = conn.state;
      if (s.channels.has("heartbeats")) {
        if (now - s.lastHeartbeatAt >= this.#heartbeatMs) {
          s.lastHeartbeatAt = now;
          s.heartbeatCounter++;
          if (this.#envelope(conn, "heartbeats", this.#heartbeatEvent(s.heartbeatCounter))) {
            this.#cstats.heartbeatsSent++;
          }
        }
      } else if (
        this.#idleCloseMs > 0 && s.subscribed && now - conn.lastSentAt >= this.#idleCloseMs
      ) {
        this.#cstats.idleCloses++;
        this.closeConnection(conn, 1000, "idle subscription closed");
      }
    }
  }
}
