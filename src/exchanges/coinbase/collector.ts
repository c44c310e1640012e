/**
 * Coinbase Advanced Trade collector: `level2` (in-band snapshot, then updates; `offer` is the ask
 * side), `market_trades`, `heartbeats`, one channel per subscribe message. `sequence_num` is one
 * counter per connection across all channels; a gap cannot be attributed to a product, so it
 * invalidates every book of the connection, which are resubscribed for fresh snapshots (trades
 * keep flowing).
 *
 * @module
 */
import { type CollectorContext, type ConnectionSettings, SocketCollector } from "../collector.ts";
import type { FeedSocket } from "../feed_socket.ts";
import {
  coinbaseLevelStrings,
  coinbaseLevelTextHolds,
  type CoinbaseParsed,
  coinbaseSnapshotTextHolds,
  parseCoinbaseMessage,
} from "./parse.ts";
import { coinbaseProductId, coinbaseSymbol } from "./symbols.ts";

/** Coinbase section of the config. */
export interface CoinbaseSettings extends ConnectionSettings {
  tradeSide: "taker" | "maker";
}

/**
 * @example
 * ```ts ignore
 * const coinbase = new CoinbaseCollector({ symbols: ["BTC/USD"], wsUrl: "wss://advanced-trade-ws.coinbase.com",
 *   tradeSide: "taker", silenceTimeoutMs: 10_000, minBackoffMs: 250, maxBackoffMs: 30_000 },
 *   { core, exchangeCode: 1, depth: 50 });
 * await coinbase.start();
 * ```
 */
export class CoinbaseCollector extends SocketCollector {
  readonly exchange = "coinbase" as const;
  #tradeSide: "taker" | "maker";
  #nextSeq = -1;

  constructor(settings: CoinbaseSettings, context: CollectorContext) {
    super(settings, context);
    this.#tradeSide = settings.tradeSide;
  }

  protected url(): string {
    return this.settings.wsUrl;
  }

  toNative(symbol: string): string {
    return coinbaseProductId(symbol);
  }

  protected nativeToSymbol(native: string): string | undefined {
    return coinbaseSymbol(native);
  }

  protected subscribe(socket: FeedSocket): void {
    this.#nextSeq = -1;
    const product_ids = this.symbols.map((s) => this.toNative(s));
    for (const channel of ["heartbeats", "level2", "market_trades"]) {
      socket.send({ type: "subscribe", product_ids, channel });
    }
  }

  /** Fresh snapshots (all books, or one): unsubscribe and subscribe `level2` again. */
  /** One book's (or every book's) level2 again, after the resync backoff of its failures. */
  #resubscribeBooks(symbol?: string): void {
    // Every book at once (a connection-wide gap): healthy while any of them was.
    const run = symbol === undefined
      ? this.symbols.map((s) => this.books.healthyRun(s)).reduce((a, b) => ({
        ms: Math.max(a.ms, b.ms),
        updates: Math.max(a.updates, b.updates),
      }))
      : undefined;
    const delay = this.context.replay ? 0 : this.resyncDelay(symbol ?? "*", run);
    this.afterDelay(delay, () => {
      const product_ids = (symbol ? [symbol] : this.symbols).map((s) => this.toNative(s));
      this.socket.send({ type: "unsubscribe", product_ids, channel: "level2" });
      this.socket.send({ type: "subscribe", product_ids, channel: "level2" });
    });
  }

  protected resync(symbol: string): void {
    this.#resubscribeBooks(symbol);
  }

  /** One unsubscribe/subscribe pair for every product. */
  protected override resyncAll(): void {
    this.#resubscribeBooks();
  }

  protected unreadableBook(text: string): string | "all" | undefined {
    if (text === "") return undefined;
    const native = /"product_id":"([^"]+)"/.exec(text)?.[1];
    return (native ? this.fromNative(native) : undefined) ?? "all";
  }

  /** Checks a message's `sequence_num`; false when the message is old or repeated (ignore it). */
  #sequence(seq: number): boolean {
    if (this.#nextSeq >= 0 && seq !== this.#nextSeq) {
      if (seq < this.#nextSeq) {
        // Older or repeated message: never apply it twice.
        this.log(`out-of-order sequence ${seq} (expected ${this.#nextSeq}); ignored`);
        return false;
      }
      this.gaps++;
      for (const s of this.symbols) this.books.countGap(s);
      this.log(`sequence gap: expected ${this.#nextSeq}, got ${seq}; resyncing all books`);
      this.books.markAllStale("sequence gap");
      this.resyncAll();
    }
    this.#nextSeq = seq + 1;
    return true;
  }

  /**
   * A refused (oversize) message still takes its place in the connection's sequence, read from
   * its head, so only its own product is resynced.
   */
  protected override refuseOversize(text: string, receivedMs: number): void {
    const seq = /"sequence_num"\s*:\s*(\d{1,15})[,}]/.exec(text.slice(0, 1024))?.[1];
    if (seq !== undefined && !this.#sequence(Number(seq))) return;
    super.refuseOversize(text, receivedMs);
  }

  /**
   * Parses a message; a one-event update of a known product keeps its levels in the frame for
   * the core to stage from the bytes (`levelText`) when the core confirms the frame is that.
   */
  #parse(text: string): CoinbaseParsed {
    const r = parseCoinbaseMessage(text, {
      tradeSide: this.#tradeSide,
      levelText: true,
      snapshotText: this.snapshotTextPath,
    });
    const m = r.items[0];
    if (
      m?.kind !== "book" || m.bidsText === undefined ||
      (this.fromNative(m.symbol) !== undefined &&
        (m.snapshot
          ? coinbaseSnapshotTextHolds(this.context.core, m.bidsText)
          : coinbaseLevelTextHolds(this.context.core, m.bidsText)))
    ) return r;
    return parseCoinbaseMessage(text, { tradeSide: this.#tradeSide });
  }

  protected handle(text: string, receivedMs: number): void {
    const r = this.#parse(text);
    if (r.sequenceNum !== undefined && !this.#sequence(r.sequenceNum)) return;
    for (const m of r.items) {
      switch (m.kind) {
        case "book": {
          const symbol = this.fromNative(m.symbol);
          // An update's levels left in the frame are checked when staged; one for a book that
          // is not live is not staged, so it is checked here with the string rule.
          if (
            m.bidsText && !m.snapshot && symbol !== undefined &&
            this.books.state(symbol) !== "live"
          ) {
            const problem = coinbaseLevelStrings(m);
            if (problem !== undefined) {
              this.common({ kind: "invalid", reason: problem }, text, receivedMs);
              break;
            }
          }
          if (symbol === undefined) {
            this.unknownMessages++;
            break;
          }
          const exchangeMs = m.exchangeTimeMs ?? r.timestampMs ?? 0;
          if (m.snapshot) {
            let ok = m.bidsText &&
              this.books.snapshotText(symbol, m.bidsText, undefined, exchangeMs, receivedMs);
            if (ok !== undefined) this.textSnapshots++;
            else {
              if (m.bidsText) coinbaseLevelStrings(m); // measured: no problem
              ok = this.books.snapshot(symbol, m.bids, m.asks, exchangeMs, receivedMs);
            }
            if (!ok) this.resync(symbol);
          } else if (
            this.books.update(symbol, m.bidsText ?? m.bids, m.asks, exchangeMs, receivedMs) ===
              "rejected"
          ) {
            this.resync(symbol);
          }
          break;
        }
        case "invalid":
          // Only a level2 message can be a lost book update.
          this.common(m, r.channel === "l2_data" ? text : "", receivedMs);
          break;
        default:
          this.common(m, text, receivedMs);
      }
    }
  }
}
