/**
 * Nodes of a scale-out test, composed exactly as `src/main.ts` composes the service (collectors
 * from `startFeeds`, the NATS roles from `startNats`, one server over both), each in this
 * process on an ephemeral port; mock exchanges feeding the collectors; and a binary tap that
 * keeps every record a client receives, to compare bytes across the hop.
 *
 * @module
 */
import { type ConfigInput, parseConfig } from "../../src/config.ts";
import { type CoreLayout, RecordView, splitRecords } from "../../src/core/mod.ts";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { BinanceUsMock } from "../../src/exchanges/binanceus/mock.ts";
import { type NatsNode, startNats } from "../../src/nats/mod.ts";
import type { ExchangeFeed } from "../../src/runtime/feed.ts";
import { startFeeds } from "../../src/runtime/feeds.ts";
import { type BroadcastServer, createServer } from "../../src/server/mod.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import type { BookClient, FeedNames } from "../server/book_clients.ts";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { NatsServer } from "../support/nats_server.ts";

export const DEPTH = 10;

/** One running node. */
export interface TestNode {
  feeds: ExchangeFeed[];
  nats: NatsNode | undefined;
  server: BroadcastServer;
  ws: string;
  http: string;
  /** Record names for binary clients (live: an edge's symbol lists grow). */
  names: FeedNames;
  lines: string[];
  /** Stops the node; `release: false` leaves the leases to expire (as a crash would). */
  stop(release?: boolean): Promise<void>;
}

/** Starts a node from a config input (`server.port` 0, single-isolate collectors). */
export async function startNode(input: ConfigInput): Promise<TestNode> {
  const config = parseConfig({
    ...input,
    server: { port: 0, ...input.server },
    runtime: { mode: "single", ...input.runtime },
  });
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const feeds = await startFeeds(config, log);
  const nats = await startNats({ config, feeds, log });
  const all = [...feeds, ...(nats?.edgeFeeds ?? [])];
  const server = await createServer({
    config,
    feeds: all,
    sections: nats ? [nats.section] : [],
    tuning: { onError: () => {} },
  });
  const names: FeedNames = {
    exchanges: new Map(all.map((f) => [f.exchangeCode, f.exchange])),
    symbols: new Map(all.map((f) => [f.exchangeCode, f.symbols])),
  };
  let stopped = false;
  return {
    feeds,
    nats,
    server,
    ws: `ws://127.0.0.1:${server.port}/ws`,
    http: `http://127.0.0.1:${server.port}`,
    names,
    lines,
    async stop(release = true) {
      if (stopped) return;
      stopped = true;
      await server.close("test done");
      await nats?.stop(release);
      await Promise.all(feeds.map((f) => f.stop()));
    },
  };
}

/** Mock exchanges for the collectors, and their config sections. */
export class Market {
  readonly kraken = new KrakenMock({
    symbols: ["BTC/USD", "ETH/USD"],
    seed: 31,
    heartbeatIntervalMs: 300,
  });
  readonly binanceus = new BinanceUsMock({ symbols: ["BTC/USDT"], seed: 32, flushOnStep: true });
  #timer: ReturnType<typeof setInterval> | undefined;

  async start(): Promise<void> {
    await Promise.all([this.kraken.start(), this.binanceus.start()]);
  }

  /** The collector's `exchanges` section. */
  exchanges(): NonNullable<ConfigInput["exchanges"]> {
    const fast = { silenceTimeoutMs: 5000, minBackoffMs: 50, maxBackoffMs: 500 };
    return {
      kraken: { symbols: ["BTC/USD", "ETH/USD"], wsUrl: this.kraken.wsUrl, depth: 25, ...fast },
      binanceus: {
        symbols: ["BTC/USDT"],
        wsUrl: this.binanceus.wsUrl,
        restUrl: this.binanceus.restUrl,
        ...fast,
      },
    };
  }

  /** Every book: exchange, symbol, the exchange's top-N. */
  readonly books: ReadonlyArray<
    [
      string,
      string,
      () => {
        bids: ReadonlyArray<readonly [string, string]>;
        asks: ReadonlyArray<readonly [string, string]>;
      },
    ]
  > = [
    ["kraken", "BTC/USD", () => this.kraken.book("BTC/USD", DEPTH)],
    ["kraken", "ETH/USD", () => this.kraken.book("ETH/USD", DEPTH)],
    ["binanceus", "BTC/USDT", () => this.binanceus.book("BTC/USDT", DEPTH)],
  ];

  step(): void {
    this.kraken.stepOnce(undefined, 1);
    this.binanceus.stepOnce(undefined, 1);
  }

  /** Steps every `ms` until `pause`. */
  run(ms = 10): void {
    this.#timer ??= setInterval(() => this.step(), ms);
  }

  pause(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async stop(): Promise<void> {
    this.pause();
    await Promise.all([this.kraken.stop(), this.binanceus.stop()]);
  }

  /** The exchanges' top-N of every book, as normalised text. */
  want(): string[] {
    return this.books.map(([, , ref]) => levels(ref()));
  }
}

type Lv = ReadonlyArray<readonly [string, string]>;

/** A book's levels as one comparable line. */
export function levels(b: { bids: Lv; asks: Lv }): string {
  const n = (l: Lv) => l.map(([p, s]) => `${normalizeDecimal(p)}@${normalizeDecimal(s)}`).join(" ");
  return `${n(b.bids)} | ${n(b.asks)}`;
}

/** What a JSON or binary {@linkcode BookClient} holds of every book of the market. */
export function clientBooks(market: Market, c: BookClient): string[] {
  return market.books.map(([ex, sym]) => {
    const b = c.books.get(`${ex}|${sym}`);
    if (!b || !c.held.has(`${ex}|${sym}`)) return "missing";
    return levels(b.text());
  });
}

/**
 * A binary client that keeps every delta record it receives, by `exchange|symbol|seq|part`
 * (symbol names through `names`, so records of two nodes compare by book).
 */
export class RecordTap {
  readonly deltas = new Map<string, Uint8Array>();
  readonly socket: WebSocket;
  #layout: CoreLayout;

  private constructor(socket: WebSocket, layout: CoreLayout, names: FeedNames) {
    this.socket = socket;
    this.#layout = layout;
    const view = new RecordView(layout);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e) => {
      if (typeof e.data === "string") return;
      for (const rec of splitRecords(this.#layout, new Uint8Array(e.data as ArrayBuffer))) {
        view.wrap(rec);
        if (view.snapshot || view.stale) continue;
        const symbol = names.symbols.get(view.exchange)?.[view.symbol];
        const key = `${names.exchanges.get(view.exchange)}|${symbol}|${view.seq}|${view.part}`;
        this.deltas.set(key, rec.slice());
      }
    };
  }

  static connect(ws: string, layout: CoreLayout, names: FeedNames): Promise<RecordTap> {
    const socket = new WebSocket(`${ws}?format=binary`);
    const tap = new RecordTap(socket, layout, names);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(tap), { once: true });
      socket.addEventListener("error", () => reject(new Error("tap failed")), { once: true });
    });
  }

  subscribe(exchange: string, symbols: string[]): void {
    this.socket.send(JSON.stringify({ op: "subscribe", channel: "book", exchange, symbols }));
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * What one scale-out test stands on: its own nats-server and the mock market, started; the
 * nodes, clients and NATS connections the test adds; `stop` ends them all (market paused,
 * connections and clients closed, nodes stopped last-started first, then market and server).
 */
export class Scene {
  readonly nodes: TestNode[] = [];
  readonly clients: BookClient[] = [];
  readonly #connections: NatsConnection[] = [];

  private constructor(readonly nats: NatsServer, readonly market: Market) {}

  static async start(): Promise<Scene> {
    const nats = await NatsServer.start();
    const market = new Market();
    await market.start();
    return new Scene(nats, market);
  }

  /** A NATS connection to the scene's server, closed by {@linkcode stop}. */
  async connect(): Promise<NatsConnection> {
    const nc = await connect({ servers: this.nats.url });
    this.#connections.push(nc);
    return nc;
  }

  async stop(): Promise<void> {
    this.market.pause();
    for (const nc of this.#connections) await nc.close();
    for (const c of this.clients) c.socket.close();
    for (const n of this.nodes.reverse()) await n.stop();
    await this.market.stop();
    await this.nats.stop();
  }
}
