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
import { krakenLevelStrings, parseKrakenMessage } from "./parse.ts";
import { krakenNativeSymbol, krakenSymbol } from "./symbols.ts";

/** Updates' level arrays are staged by the core from the frame's bytes. */
const LEVEL_TEXT = { levelText: true } as const;
const SNAPSHOT_TEXT = { levelText: true, snapshotText: true } as const;

/** Kraken section of the config. */
export interface KrakenSettings extends ConnectionSettings {
  depth: number;
}

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

  /**
   * Unsubscribes and resubscribes one symbol's book (fresh snapshot), after the resync backoff
   * of consecutive failures ({@linkcode resyncDelay}).
   */
  #resubscribe(symbol: string): void {
    this.afterDelay(this.resyncDelay(symbol), () => {
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
    });
  }

  protected resync(symbol: string): void {
    this.#resubscribe(symbol);
  }

  protected unreadableBook(text: string): string | undefined {
    const native = text.includes('"book"') ? /"symbol":"([^"]+)"/.exec(text)?.[1] : undefined;
    return native ? this.fromNative(native) : undefined;
  }

  protected handle(text: string, receivedMs: number): void {
    let parsed = parseKrakenMessage(text, this.snapshotTextPath ? SNAPSHOT_TEXT : LEVEL_TEXT);
    if (
      this.snapshotTextPath &&
      parsed.some((m) => m.kind === "invalid" || (m.kind === "book" && !this.#takes(m)))
    ) {
      // The string parse, for its results and reasons.
      parsed = parseKrakenMessage(text, LEVEL_TEXT);
    }
    for (const m of parsed) {
      switch (m.kind) {
        case "book":
          this.#book(m, text, receivedMs);
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

  /** Whether `m` is not a snapshot left in its frame, or one whose arrays the core reads. */
  #takes(m: BookMessage): boolean {
    if (!m.snapshot || (m.bidsText === undefined && m.asksText === undefined)) return true;
    return m.bidsText !== undefined && m.asksText !== undefined &&
      this.books.takesSnapshotText(m.bidsText, m.asksText);
  }

  #book(m: BookMessage, text: string, receivedMs: number): void {
    const symbol = this.fromNative(m.symbol);
    if (symbol === undefined) {
      this.unknownMessages++;
      return;
    }
    // An update's levels left in the frame are checked when staged; one for a book that is not
    // live is not staged, so it is checked here with the string rule.
    if (!m.snapshot && (m.bidsText || m.asksText) && this.books.state(symbol) !== "live") {
      const problem = krakenLevelStrings(m);
      if (problem !== undefined) {
        this.common({ kind: "invalid", reason: `book: ${problem}` }, text, receivedMs);
        return;
      }
    }
    const exchangeMs = m.exchangeTimeMs ?? 0;
    const checksum = m.checksum;
    if (m.snapshot) {
      const scales = this.#precision.get(symbol);
      const verify = checksum === undefined ? undefined : () => {
        const same = this.books.krakenChecksum(symbol) === checksum;
        if (!same) this.checksumFailures++;
        return same;
      };
      let ok = m.bidsText &&
        this.books.snapshotText(
          symbol,
          m.bidsText,
          m.asksText,
          exchangeMs,
          receivedMs,
          scales,
          verify,
        );
      if (ok !== undefined) this.textSnapshots++;
      else {
        if (m.bidsText) krakenLevelStrings(m); // measured: no problem
        ok = this.books.snapshot(symbol, m.bids, m.asks, exchangeMs, receivedMs, scales, verify);
      }
      // A good snapshot does not end a failure streak (resync_backoff.ts).
      if (!ok) this.#resubscribe(symbol);
      return;
    }
    const result = this.books.update(
      symbol,
      m.bidsText ?? m.bids,
      m.asksText ?? m.asks,
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
