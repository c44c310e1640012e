/**
 * The Coinbase Advanced Trade venue, as the registry lists it.
 *
 * @example
 * ```ts
 * import { coinbase } from "./descriptor.ts";
 * if (coinbase.toNative("BTC/USD") !== "BTC-USD" || coinbase.code !== 1) throw new Error();
 * ```
 *
 * @module
 */
import { z } from "zod";
import { connection, levelCap, symbols, wsUrl } from "../settings.ts";
import { defineVenue } from "../venue.ts";
import { CoinbaseCollector } from "./collector.ts";
import { CoinbaseMock } from "./mock.ts";
import { coinbaseProductId, coinbaseSymbol } from "./symbols.ts";

/** Coinbase Advanced Trade. */
export const coinbase = defineVenue({
  id: "coinbase",
  name: "Coinbase",
  code: 1,
  config: z.object({
    symbols,
    wsUrl: wsUrl.default("wss://advanced-trade-ws.coinbase.com"),
    /** What `market_trades.side` means (undocumented by Coinbase). */
    tradeSide: z.enum(["taker", "maker"]).default("taker"),
    ...connection,
    /** The `level2` snapshot is the full book (~44,000 levels for BTC-USD in 2026). */
    maxLevelsPerMessage: levelCap(250_000),
  }).strict(),
  defaultConfig: { symbols: ["BTC/USD", "ETH/USD"] },
  createCollector: (settings, context) => new CoinbaseCollector(settings, context),
  toNative: coinbaseProductId,
  fromNative: (native) => coinbaseSymbol(native),
  gapScope: "connection",
  inferSymbols(input, add) {
    if (input.k !== "ws" || !input.d.includes('"l2_data"')) return;
    let m: { channel?: unknown; events?: unknown };
    try {
      m = JSON.parse(input.d);
    } catch {
      return;
    }
    if (m?.channel !== "l2_data" || !Array.isArray(m.events)) return;
    for (const e of m.events) {
      const symbol = typeof e?.product_id === "string" ? coinbaseSymbol(e.product_id) : undefined;
      if (symbol) add(symbol);
    }
  },
  mock: {
    create: (options) => new CoinbaseMock(options),
    defaultSymbols: ["BTC/USD", "ETH/USD", "SOL/USD"],
    samples: {
      unknown: [
        '{"channel":"candles","client_id":"","timestamp":"2026-07-01T12:00:00Z","events":[]}',
      ],
      absurdBook: (native) =>
        `{"channel":"l2_data","client_id":"","timestamp":"2026-07-01T12:00:00Z","events":[` +
        `{"type":"update","product_id":"${native}","updates":[{"side":"bid",` +
        `"event_time":"2026-07-01T12:00:00Z","price_level":"-5","new_quantity":"1e9"}]}]}`,
    },
    malformed: [
      '{"channel":"market_trades","client_id":"","timestamp":"2026-07-01T12:00:00.0',
      '{"channel":"heartbeats","client_id":"","timestamp":"2026-07-01T12:00:00Z","sequence_',
    ],
    endpoint: (mock) => ({ wsUrl: mock.wsUrl }),
  },
});
