/**
 * The Bitfinex WebSocket v2 venue, as the registry lists it.
 *
 * @example
 * ```ts
 * import { bitfinex } from "./descriptor.ts";
 * if (bitfinex.fromNative("tTESTBTC:TESTUSD") !== "TESTBTC/TESTUSD" || bitfinex.code !== 7) {
 *   throw new Error();
 * }
 * ```
 *
 * @module
 */
import { z } from "zod";
import { connection, ms, symbols, wsUrl } from "../settings.ts";
import { defineVenue } from "../venue.ts";
import { BitfinexCollector } from "./collector.ts";
import { BitfinexMock } from "./mock.ts";
import { bitfinexNativeSymbol, bitfinexSymbol } from "./symbols.ts";

const LENS = [25, 100, 250] as const;

/** Bitfinex allows 25 channel subscriptions per connection; each symbol takes book + trades. */
export const MAX_BITFINEX_SYMBOLS = 12;

/** Bitfinex WebSocket v2. */
export const bitfinex = defineVenue({
  id: "bitfinex",
  name: "Bitfinex",
  code: 7,
  config: z.object({
    symbols: symbols.refine((s) => s.length <= MAX_BITFINEX_SYMBOLS, {
      message: `At most ${MAX_BITFINEX_SYMBOLS} symbols (Bitfinex allows 25 channels per ` +
        "connection: a book and a trades channel per symbol)",
    }),
    wsUrl: wsUrl.default("wss://api-pub.bitfinex.com/ws/2"),
    len: z.number().refine((d) => (LENS as readonly number[]).includes(d), {
      message: "len must be one of 25, 100, 250",
    }).default(25),
    ...connection,
    // Heartbeats come every 15 s per channel: two missed ones mean a dead connection.
    silenceTimeoutMs: ms(32_000),
  }).strict(),
  createCollector: (settings, context) => new BitfinexCollector(settings, context),
  toNative: bitfinexNativeSymbol,
  fromNative: (native) => bitfinexSymbol(native),
  gapScope: "connection",
  inferSymbols(input, add) {
    if (input.k !== "ws" || !input.d.includes('"subscribed"')) return;
    try {
      const m = JSON.parse(input.d);
      if (m?.event === "subscribed" && m.channel === "book" && typeof m.symbol === "string") {
        const symbol = bitfinexSymbol(m.symbol);
        if (symbol) add(symbol);
      }
    } catch {
      return;
    }
  },
  mock: {
    create: (options) => new BitfinexMock(options),
    defaultSymbols: ["BTC/USD", "ETH/USD", "TESTBTC/TESTUSD"],
    checksumOptions: {},
    samples: {
      unknown: ['{"event":"auth","status":"FAILED","msg":"not asked for"}'],
      absurdBook: (native, mock) => (mock as BitfinexMock).numberedFrame(native, "[-1,1,1e400]"),
    },
    malformed: ['{"event":"info","code":', '{"event":"subscr'],
    simulatorOptions: () => ({ heartbeatIntervalMs: 15_000 }),
    endpoint: (mock) => ({ wsUrl: mock.wsUrl, settings: { len: 25 } }),
  },
});
