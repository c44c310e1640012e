/**
 * The Kraken WebSocket v2 venue, as the registry lists it.
 *
 * @example
 * ```ts
 * import { kraken } from "./descriptor.ts";
 * if (kraken.fromNative("XBT/USD") !== "BTC/USD" || kraken.code !== 2) throw new Error();
 * ```
 *
 * @module
 */
import { z } from "zod";
import { connection, symbols, wsUrl } from "../settings.ts";
import { defineVenue } from "../venue.ts";
import { KrakenCollector } from "./collector.ts";
import { KrakenMock } from "./mock.ts";
import { krakenNativeSymbol, krakenSymbol } from "./symbols.ts";

const DEPTHS = [10, 25, 100, 500, 1000] as const;

/** Kraken WebSocket v2. */
export const kraken = defineVenue({
  id: "kraken",
  name: "Kraken",
  code: 2,
  config: z.object({
    symbols,
    wsUrl: wsUrl.default("wss://ws.kraken.com/v2"),
    depth: z.number().refine((d) => (DEPTHS as readonly number[]).includes(d), {
      message: "Depth must be one of 10, 25, 100, 500, 1000",
    }).default(100),
    ...connection,
  }).strict(),
  defaultConfig: { symbols: ["BTC/USD", "ETH/USD"], depth: 100 },
  createCollector: (settings, context) => new KrakenCollector(settings, context),
  toNative: krakenNativeSymbol,
  fromNative: (native) => krakenSymbol(native),
  gapScope: "book",
  inferSymbols(input, add) {
    if (input.k !== "ws" || !input.d.includes('"book"')) return;
    let m: { channel?: unknown; data?: unknown };
    try {
      m = JSON.parse(input.d);
    } catch {
      return;
    }
    if (m?.channel !== "book" || !Array.isArray(m.data)) return;
    for (const d of m.data) {
      const symbol = typeof d?.symbol === "string" ? krakenSymbol(d.symbol) : undefined;
      if (symbol) add(symbol);
    }
  },
  mock: {
    create: (options) => new KrakenMock(options),
    defaultSymbols: ["BTC/USD", "ETH/USD", "SOL/USD"],
    checksumOptions: {},
    samples: {
      unknown: ['{"channel":"ohlc","type":"update","data":[]}'],
      absurdBook: (native) =>
        `{"channel":"book","type":"update","data":[{"symbol":"${native}",` +
        `"bids":[{"price":-1,"qty":1e400}],"asks":[],"checksum":0,` +
        `"timestamp":"2026-07-01T12:00:00.000000Z"}]}`,
    },
    malformed: [
      '{"channel":"trade","type":"update","data":[{"symbol":',
      '{"channel":"heartbe',
    ],
    // The service's built-in configuration subscribes 100 levels.
    endpoint: (mock) => ({ wsUrl: mock.wsUrl, settings: { depth: 100 } }),
  },
});
