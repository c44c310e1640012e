/**
 * A benchmark WebSocket client of the broadcast server: subscribes to books, counts snapshots,
 * deltas and stale notices, and records latency without decoding more than it must — the
 * exchange-frame-to-client latency (client receive time minus the exchange timestamp the
 * simulator wrote into the frame) and the service latency (client receive time minus the
 * collector's receive time). Binary frames are walked record by record reading header fields
 * only; JSON frames are scanned for the few fields needed.
 *
 * @module
 */
import type { CoreLayout } from "../src/core/layout.ts";
import { RecordView } from "../src/core/record_view.ts";
import { venueByCode } from "../src/exchanges/registry.ts";
import { LatencyHistogram } from "./e2e_histogram.ts";

/** Options of {@linkcode E2eClient.connect}. */
export interface E2eClientOptions {
  /** `ws://host:port/ws`. */
  url: string;
  /** Encoding of book data. */
  format: "json" | "binary";
  /** Record layout (binary). */
  layout: CoreLayout;
  /** Books to subscribe to. */
  books: ReadonlyArray<{ exchange: string; symbols: readonly string[] }>;
}

function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function numberAfter(text: string, key: string): number {
  const at = text.lastIndexOf(key);
  if (at < 0) return NaN;
  let end = at + key.length;
  while (end < text.length && "0123456789.-eE+".includes(text[end])) end++;
  return Number(text.slice(at + key.length, end));
}

function stringAfter(text: string, key: string): string {
  const at = text.indexOf(key);
  if (at < 0) return "";
  const start = at + key.length;
  return text.slice(start, text.indexOf('"', start));
}

/**
 * One benchmark client.
 *
 * @example
 * ```ts ignore
 * const client = await E2eClient.connect({ url: "ws://127.0.0.1:8080/ws", format: "binary",
 *   layout, books: [{ exchange: "kraken", symbols: ["BTC/USD"] }] });
 * // ... later
 * console.log(client.deltas, client.latency.percentile(99));
 * await client.close();
 * ```
 */
export class E2eClient {
  readonly format: "json" | "binary";
  /** Exchange frame → client, ms, all exchanges (this stage). */
  readonly latency = new LatencyHistogram();
  /** Exchange frame → client, per exchange (this stage). */
  readonly byExchange = new Map<string, LatencyHistogram>();
  /** Collector receive → client, ms (this stage). */
  readonly serviceLatency = new LatencyHistogram();
  /** Snapshots received (this stage). */
  snapshots = 0;
  /** Snapshots received since connecting. */
  totalSnapshots = 0;
  /** Complete deltas received (this stage). */
  deltas = 0;
  /** Stale notices received (this stage). */
  staleNotices = 0;
  /** Bytes received (this stage). */
  bytes = 0;
  /** Set when the server closed the connection. */
  closedBy: { code: number; reason: string } | undefined;
  readonly #socket: WebSocket;
  readonly #view: RecordView;
  #closing = false;

  private constructor(socket: WebSocket, format: "json" | "binary", layout: CoreLayout) {
    this.#socket = socket;
    this.format = format;
    this.#view = new RecordView(layout);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e) => {
      const now = wallMs();
      if (typeof e.data === "string") this.#text(e.data, now);
      else this.#binary(new Uint8Array(e.data as ArrayBuffer), now);
    };
    socket.onclose = (e) => {
      if (!this.#closing) this.closedBy = { code: e.code, reason: e.reason };
    };
  }

  /** Connect and subscribe. */
  static connect(options: E2eClientOptions): Promise<E2eClient> {
    const socket = new WebSocket(`${options.url}?format=${options.format}`);
    const client = new E2eClient(socket, options.format, options.layout);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => {
        for (const b of options.books) {
          socket.send(JSON.stringify({
            op: "subscribe",
            channel: "book",
            exchange: b.exchange,
            symbols: b.symbols,
          }));
        }
        resolve(client);
      }, { once: true });
      socket.addEventListener("error", (e) => reject(new Error((e as ErrorEvent).message)), {
        once: true,
      });
    });
  }

  /** Start a new stage: zero the per-stage counters. */
  resetStage(): void {
    this.latency.reset();
    this.serviceLatency.reset();
    for (const h of this.byExchange.values()) h.reset();
    this.snapshots =
      this.deltas =
      this.staleNotices =
      this.bytes =
        0;
  }

  /** Close the connection and wait for it. */
  close(): Promise<void> {
    this.#closing = true;
    if (this.#socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.#socket.addEventListener("close", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
      this.#socket.close(1000, "bench done");
    });
  }

  #sample(exchange: string, exchangeMs: number, receivedMs: number, now: number): void {
    if (exchangeMs > 0) {
      const ms = now - exchangeMs;
      this.latency.add(ms);
      let h = this.byExchange.get(exchange);
      if (!h) this.byExchange.set(exchange, h = new LatencyHistogram());
      h.add(ms);
    }
    if (receivedMs > 0) this.serviceLatency.add(now - receivedMs);
  }

  #text(text: string, now: number): void {
    this.bytes += text.length;
    if (text.startsWith('{"type":"delta"')) {
      this.deltas++;
      this.#sample(
        stringAfter(text, '"exchange":"'),
        numberAfter(text, '"ts":'),
        numberAfter(text, '"recvTs":'),
        now,
      );
    } else if (text.startsWith('{"type":"snapshot"')) {
      this.snapshots++;
      this.totalSnapshots++;
    } else if (text.startsWith('{"type":"status"') && text.includes('"stale"')) {
      this.staleNotices++;
    }
  }

  #binary(bytes: Uint8Array, now: number): void {
    this.bytes += bytes.byteLength;
    const rec = this.#view;
    for (let at = 0; rec.tryWrap(bytes, at); at += rec.byteLength) {
      if (rec.stale) this.staleNotices++;
      else if (rec.last) {
        if (rec.snapshot) {
          this.snapshots++;
          this.totalSnapshots++;
        } else {
          this.deltas++;
          this.#sample(
            venueByCode(rec.exchange)?.id ?? "?",
            rec.exchangeTimeMs,
            rec.receiveTimeMs,
            now,
          );
        }
      }
    }
  }
}
