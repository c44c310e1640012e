/**
 * Kraken WebSocket v2 collector: `instrument` (price/qty precisions), `book` at the configured
 * depth, `trade`. The book is truncated to the depth after each message (the core's per-side cap)
 * and every message's CRC-32 checksum is verified before its delta is published; a mismatch
 * resubscribes that symbol only.
 *
 * @module
 */
import { type CollectorContext, type ConnectionSettings, SocketCollector } from "../collector.ts";
import type { FeedSocket } from "../feed_socket.ts";
import type { BookMessage } from "../types.ts";
import { parseKrakenMessage } from "./parse.ts";
import { krakenNativeSymbol, krakenSymbol } from "./symbols.ts";

/** Kraken section of the config. */
export interface KrakenSettings extends ConnectionSettings {
  depth: number;
}

/** Delay before a resubscribe after consecutive checksum failures (doubles, capped). */
const RESUBSCRIBE_BASE_MS = 100;
const RESUBSCRIBE_MAX_MS = 10_000;

/**
 * @example
 * ```ts ignore
 * const kraken = new KrakenCollector({ symbols: ["BTC/USD"], wsUrl: "wss://ws.kraken.com/v2",
 *   depth: 10, silenceTimeoutMs: 10_000, minBackoffMs: 250, maxBackoffMs: 30_000 },
 *   { core, exchangeCode: 2, depth: 50 });
 * await kraken.start();
 * ```
 */
export class KrakenCollector extends SocketCollector {
  readonly exchange = "kraken" as const;
  #depth: number;
  #precision = new Map<string, [number, number]>();
  #failures = new Map<string, number>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #reqId = 1;

  constructor(settings: KrakenSettings, context: CollectorContext) {
    super(settings, context, 0, settings.depth);
    this.#depth = settings.depth;
  }

  protected url(): string {
    return this.settings.wsUrl;
  }

  toNative(symbol: string): string {
    return krakenNativeSymbol(symbol);
  }

  protected nativeToSymbol(native: string): string | undefined {
    return krakenSymbol(native);
  }

  protected subscribe(socket: FeedSocket): void {
    const symbol = this.symbols.map((s) => this.toNative(s));
    socket.send({
      method: "subscribe",
      params: { channel: "instrument", snapshot: true },
      req_id: this.#reqId++,
    });
    socket.send({
      method: "subscribe",
      params: { channel: "book", symbol, depth: this.#depth, snapshot: true },
      req_id: this.#reqId++,
    });
    socket.send({
      method: "subscribe",
      params: { channel: "trade", symbol, snapshot: false },
      req_id: this.#reqId++,
    });
  }

  /** Unsubscribes and resubscribes one symbol's book (fresh snapshot), with backoff. */
  #resubscribe(symbol: string): void {
    const n = (this.#failures.get(symbol) ?? 0) + 1;
    this.#failures.set(symbol, n);
    const delay = n <= 1 ? 0 : Math.min(RESUBSCRIBE_MAX_MS, RESUBSCRIBE_BASE_MS * 2 ** (n - 2));
    const run = () => {
      if (this.stopped) return;
      const native = [this.toNative(symbol)];
      this.socket.send({
        method: "unsubscribe",
        params: { channel: "book", symbol: native, depth: this.#depth },
        req_id: this.#reqId++,
      });
      this.socket.send({
        method: "subscribe",
        params: { channel: "book", symbol: native, depth: this.#depth, snapshot: true },
        req_id: this.#reqId++,
      });
    };
    if (delay === 0) run();
    else {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        run();
      }, delay);
      this.#timers.add(t);
    }
  }

  protected resync(symbol: string): void {
    this.#resubscribe(symbol);
  }

  protected unreadableBook(text: string): string | undefined {
    const native = text.includes('"book"') ? /"symbol":"([^"]+)"/.exec(text)?.[1] : undefined;
    return native ? this.fromNative(native) : undefined;
  }

  override async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await super.stop();
  }

  protected handle(text: string, receivedMs: number): void {
    for (const m of parseKrakenMessage(text)) {
      switch (m.kind) {
        case "book":
          this.#book(m, receivedMs);
          break;
        case "instrument":
          for (const p of m.pairs) {
            const symbol = this.fromNative(p.symbol);
            if (symbol === undefined) continue;
            this.#precision.set(symbol, [p.priceDecimals, p.qtyDecimals]);
            // Kraken's checksum is computed at these precisions: finer values are bad messages.
            this.books.setInstrumentScales(symbol, [p.priceDecimals, p.qtyDecimals]);
          }
          break;
        case "error": {
          this.exchangeErrors++;
          const symbol = m.symbol ? this.fromNative(m.symbol) : undefined;
          this.log(`exchange error${symbol ? ` for ${symbol}` : ""}: ${m.message}`);
          if (symbol) this.books.markStale(symbol, `subscribe failed: ${m.message}`, receivedMs);
          break;
        }
        default:
          this.common(m, text, receivedMs);
      }
    }
  }

  #book(m: BookMessage, receivedMs: number): void {
    const symbol = this.fromNative(m.symbol);
    if (symbol === undefined) {
      this.unknownMessages++;
      return;
    }
    const exchangeMs = m.exchangeTimeMs ?? 0;
    const checksum = m.checksum;
    if (m.snapshot) {
      const ok = this.books.snapshot(
        symbol,
        m.bids,
        m.asks,
        exchangeMs,
        receivedMs,
        this.#precision.get(symbol),
        checksum === undefined ? undefined : () => {
          const same = this.books.krakenChecksum(symbol) === checksum;
          if (!same) this.checksumFailures++;
          return same;
        },
      );
      if (!ok) this.#resubscribe(symbol);
      else this.#failures.delete(symbol);
      return;
    }
    const result = this.books.update(
      symbol,
      m.bids,
      m.asks,
      exchangeMs,
      receivedMs,
      checksum === undefined ? undefined : (_id) => {
        const ok = this.books.krakenChecksum(symbol) === checksum;
        if (!ok) this.checksumFailures++;
        return ok;
      },
    );
    if (result === "rejected") this.#resubscribe(symbol);
  }
}
