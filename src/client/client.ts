/**
 * AlphaPulse client library: browser-compatible (no Deno APIs), also usable from Deno. Connects to
 * the server's `/ws?format=binary`, subscribes to books and trades, rebuilds every book from
 * SNAPSHOT + delta records with the same WASM core the server uses, verifies each record's seq
 * chain and CRC-32 checksum, and on any failure resubscribes that book (which brings a fresh
 * snapshot).
 *
 * @module
 */
import { BookMirror, type MirrorBook } from "../core/book_mirror.ts";
import type { CoreVariant } from "../core/module.ts";
import { RecordView } from "../core/record_view.ts";

/** Options of {@linkcode AlphaPulseClient.connect}. */
export interface ClientOptions {
  /** WebSocket URL of the server's `/ws` (e.g. `ws://127.0.0.1:8080/ws`). */
  url: string | URL;
  /** Bearer token, when the server requires one (sent as `?token=`). */
  token?: string;
  /**
   * Base URL of the core builds (`alphapulse.wasm`, `alphapulse_plain.wasm`). Default: the
   * server's `/wasm/` next to `url`.
   */
  wasmBase?: string | URL;
  /** Force a core build; default: `shared` in cross-origin isolated pages, else `plain`. */
  variant?: CoreVariant;
}

/** A book update event's detail. */
export interface BookEventDetail {
  exchange: string;
  symbol: string;
  seq: number;
  /** Exchange time of the delta (ms since the epoch), 0 when unknown. */
  exchangeTimeMs: number;
}

/** A trade as the server sends it. */
export interface ClientTrade {
  exchange: string;
  symbol: string;
  price: string;
  size: string;
  side: "buy" | "sell";
  ts: number;
}

/** Counters of one connection. */
export interface ClientStats {
  /** Binary records received. */
  records: number;
  /** Deltas (LAST parts) applied and verified. */
  deltas: number;
  /** Snapshots applied. */
  snapshots: number;
  /** Records whose checksum matched after applying (LAST parts). */
  checksumsVerified: number;
  checksumFailures: number;
  /** Seq chain breaks. */
  gaps: number;
  /** Resubscribes sent after a failure. */
  resyncs: number;
  /** Bytes received (binary records and JSON text). */
  bytes: number;
  /** Bytes a stream re-sending each book's full top-N on every delta would have needed. */
  fullBookBytes: number;
  trades: number;
  errors: number;
}

/**
 * @example
 * ```ts ignore
 * import { AlphaPulseClient } from "./client.ts";
 * const client = await AlphaPulseClient.connect({ url: "ws://127.0.0.1:8080/ws" });
 * client.subscribeBooks("kraken", ["BTC/USD"]);
 * client.addEventListener("book", (e) => {
 *   const { exchange, symbol } = (e as CustomEvent).detail;
 *   console.log(client.book(exchange, symbol)?.bids[0]);
 * });
 * ```
 */
export class AlphaPulseClient extends EventTarget {
  #ws: WebSocket;
  #mirror: BookMirror;
  #view: RecordView;
  #names = new Map<number, { exchange: string; symbols: Map<number, string> }>();
  #ids = new Map<string, [number, number]>();
  #wanted = new Map<string, Set<string>>();
  #opened: Promise<void>;
  /** Counters of this connection. */
  readonly stats: ClientStats = {
    records: 0,
    deltas: 0,
    snapshots: 0,
    checksumsVerified: 0,
    checksumFailures: 0,
    gaps: 0,
    resyncs: 0,
    bytes: 0,
    fullBookBytes: 0,
    trades: 0,
    errors: 0,
  };

  private constructor(ws: WebSocket, mirror: BookMirror) {
    super();
    this.#ws = ws;
    this.#mirror = mirror;
    this.#view = new RecordView(mirror.layout);
    ws.binaryType = "arraybuffer";
    this.#opened = new Promise((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("WebSocket connection failed")), {
        once: true,
      });
    });
    ws.addEventListener("message", (e) => this.#onMessage(e));
    ws.addEventListener("close", (e) => {
      this.dispatchEvent(new CustomEvent("close", { detail: { code: e.code, reason: e.reason } }));
    });
  }

  /** Loads the core and connects. Resolves once the socket is open. */
  static async connect(options: ClientOptions): Promise<AlphaPulseClient> {
    const url = new URL(options.url);
    url.searchParams.set("format", "binary");
    if (options.token) url.searchParams.set("token", options.token);
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const variant: CoreVariant = options.variant ?? (isolated ? "shared" : "plain");
    const base = new URL(options.wasmBase ?? "/wasm/", httpOrigin(url));
    const file = variant === "shared" ? "alphapulse.wasm" : "alphapulse_plain.wasm";
    const mirror = await BookMirror.create({ variant, url: new URL(file, base) });
    const client = new AlphaPulseClient(new WebSocket(url), mirror);
    await client.#opened;
    return client;
  }

  /** Subscribes to books (snapshot, then deltas). */
  subscribeBooks(exchange: string, symbols: readonly string[]): void {
    let set = this.#wanted.get(exchange);
    if (!set) this.#wanted.set(exchange, set = new Set());
    for (const s of symbols) set.add(s);
    this.#send({ op: "subscribe", channel: "book", exchange, symbols: [...symbols] });
  }

  /** Unsubscribes from books. */
  unsubscribeBooks(exchange: string, symbols: readonly string[]): void {
    const set = this.#wanted.get(exchange);
    for (const s of symbols) set?.delete(s);
    this.#send({ op: "unsubscribe", channel: "book", exchange, symbols: [...symbols] });
  }

  /** Subscribes to trades. */
  subscribeTrades(exchange: string, symbols: readonly string[]): void {
    this.#send({ op: "subscribe", channel: "trades", exchange, symbols: [...symbols] });
  }

  /** A book's verified top-N (exact decimal text, best first), or undefined while not synced. */
  book(exchange: string, symbol: string): MirrorBook | undefined {
    const id = this.#ids.get(`${exchange}\u0000${symbol}`);
    return id ? this.#mirror.book(id[0], id[1]) : undefined;
  }

  /** Closes the connection. */
  close(): void {
    this.#ws.close(1000, "client closing");
  }

  #send(message: unknown): void {
    this.#ws.send(JSON.stringify(message));
  }

  #resync(exchange: string, symbol: string): void {
    this.stats.resyncs++;
    this.#send({ op: "unsubscribe", channel: "book", exchange, symbols: [symbol] });
    this.#send({ op: "subscribe", channel: "book", exchange, symbols: [symbol] });
  }

  #onMessage(event: MessageEvent): void {
    const data = event.data;
    if (typeof data === "string") {
      this.stats.bytes += data.length;
      this.#onText(data);
      return;
    }
    const bytes = new Uint8Array(data as ArrayBuffer);
    this.stats.bytes += bytes.byteLength;
    const rec = this.#view;
    for (let at = 0; rec.tryWrap(bytes, at); at += rec.byteLength) this.#onRecord(rec);
  }

  #onRecord(rec: RecordView): void {
    this.stats.records++;
    const result = this.#mirror.apply(rec.subarray());
    const names = this.#names.get(result.exchange);
    const exchange = names?.exchange ?? String(result.exchange);
    const symbol = names?.symbols.get(result.symbol) ?? String(result.symbol);
    this.#ids.set(`${exchange}\u0000${symbol}`, [result.exchange, result.symbol]);
    const l = this.#mirror.layout;
    switch (result.status) {
      case "ok": {
        this.stats.checksumsVerified++;
        if (rec.snapshot) this.stats.snapshots++;
        else this.stats.deltas++;
        const book = this.#mirror.book(result.exchange, result.symbol);
        const levels = book ? book.bids.length + book.asks.length : 0;
        this.stats.fullBookBytes += l.recHeaderSize + l.changeSize * levels;
        const ns = rec.exchangeTs;
        this.dispatchEvent(
          new CustomEvent<BookEventDetail>("book", {
            detail: {
              exchange,
              symbol,
              seq: result.seq,
              exchangeTimeMs: Number(ns / 1000n) / 1000,
            },
          }),
        );
        break;
      }
      case "stale":
        this.dispatchEvent(new CustomEvent("stale", { detail: { exchange, symbol } }));
        break;
      case "gap":
      case "checksum":
        if (result.status === "gap") this.stats.gaps++;
        else this.stats.checksumFailures++;
        this.dispatchEvent(
          new CustomEvent("stale", { detail: { exchange, symbol, reason: result.status } }),
        );
        if (names) this.#resync(exchange, symbol);
        break;
      default:
        break; // partial: wait for the LAST part; waiting: no snapshot yet
    }
  }

  #onText(text: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text);
    } catch {
      this.stats.errors++;
      return;
    }
    switch (m.type) {
      case "subscribed": {
        const code = m.exchangeCode;
        const ids = m.symbolIds;
        if (typeof code === "number" && Array.isArray(ids) && Array.isArray(m.symbols)) {
          let entry = this.#names.get(code);
          if (!entry) {
            this.#names.set(code, entry = { exchange: String(m.exchange), symbols: new Map() });
          }
          (m.symbols as string[]).forEach((s, i) => {
            entry!.symbols.set(ids[i] as number, s);
            this.#ids.set(`${m.exchange}\u0000${s}`, [code, ids[i] as number]);
          });
        }
        break;
      }
      case "trade":
        this.stats.trades++;
        this.dispatchEvent(
          new CustomEvent<ClientTrade>("trade", { detail: m as unknown as ClientTrade }),
        );
        break;
      case "status":
        this.dispatchEvent(
          new CustomEvent("stale", { detail: { exchange: m.exchange, symbol: m.symbol } }),
        );
        break;
      case "error":
        this.stats.errors++;
        this.dispatchEvent(new CustomEvent("error", { detail: m }));
        break;
      default:
        break;
    }
  }
}

function httpOrigin(ws: URL): string {
  return `${ws.protocol === "wss:" ? "https:" : "http:"}//${ws.host}`;
}
