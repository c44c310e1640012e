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
import { parseCoinbaseMessage } from "./parse.ts";
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
  #resubscribeBooks(symbol?: string): void {
    const product_ids = (symbol ? [symbol] : this.symbols).map((s) => this.toNative(s));
    this.socket.send({ type: "unsubscribe", product_ids, channel: "level2" });
    this.socket.send({ type: "subscribe", product_ids, channel: "level2" });
  }

  protected handle(text: string, receivedMs: number): void {
    const r = parseCoinbaseMessage(text, { tradeSide: this.#tradeSide });
    if (r.sequenceNum !== undefined) {
      if (this.#nextSeq >= 0 && r.sequenceNum !== this.#nextSeq) {
        if (r.sequenceNum > this.#nextSeq) {
          this.gaps++;
          for (const s of this.symbols) this.books.countGap(s);
          this.log(
            `sequence gap: expected ${this.#nextSeq}, got ${r.sequenceNum}; resyncing all books`,
          );
          this.books.markAllStale("sequence gap");
          this.#resubscribeBooks();
        } else {
          // Older or repeated message: never apply it twice.
          this.log(`out-of-order sequence ${r.sequenceNum} (expected ${this.#nextSeq}); ignored`);
          return;
        }
      }
      this.#nextSeq = r.sequenceNum + 1;
    }
    for (const m of r.items) {
      switch (m.kind) {
        case "book": {
          const symbol = this.fromNative(m.symbol);
          if (symbol === undefined) {
            this.unknownMessages++;
            break;
          }
          const exchangeMs = m.exchangeTimeMs ?? r.timestampMs ?? 0;
          if (m.snapshot) {
            if (!this.books.snapshot(symbol, m.bids, m.asks, exchangeMs, receivedMs)) {
              this.#resubscribeBooks(symbol);
            }
          } else if (
            this.books.update(symbol, m.bids, m.asks, exchangeMs, receivedMs) === "rejected"
          ) {
            this.#resubscribeBooks(symbol);
          }
          break;
        }
        case "trade":
          this.trade(m);
          break;
        case "error":
          this.exchangeErrors++;
          this.log(`exchange error: ${m.message}`);
          break;
        case "invalid": {
          this.invalid(m.reason);
          if (r.channel === "l2_data") {
            // An unreadable level2 message is a lost update (its sequence_num was counted): resync
            // its product, or every book when the product cannot be read.
            const native = /"product_id":"([^"]+)"/.exec(text)?.[1];
            const symbol = native ? this.fromNative(native) : undefined;
            if (symbol) {
              this.books.markStale(symbol, "unreadable level2 message", receivedMs);
              this.#resubscribeBooks(symbol);
            } else {
              this.books.markAllStale("unreadable level2 message");
              this.#resubscribeBooks();
            }
          }
          break;
        }
        case "unknown":
          this.unknownMessages++;
          break;
        default:
          break; // heartbeat, subscribed: liveness only
      }
    }
  }
}
