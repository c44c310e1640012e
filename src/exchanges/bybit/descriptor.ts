/**
 * The Bybit v5 venue (spot or linear public socket), as the registry lists it.
 *
 * @example
 * ```ts
 * import { bybit } from "./descriptor.ts";
 * if (bybit.fromNative("BTCUSDT") !== "BTC/USDT" || bybit.code !== 5) throw new Error();
 * const s = bybit.config.parse({ symbols: ["BTC/USDT"], category: "linear" });
 * if (s.wsUrl !== "wss://stream.bybit.com/v5/public/linear" || s.depth !== 50) throw new Error();
 * ```
 *
 * @module
 */
import { z } from "zod";
import { connection, httpUrl, ms, rest, symbols, wsUrl } from "../settings.ts";
import { defineVenue } from "../venue.ts";
import { BybitCollector } from "./collector.ts";
import { BybitMock } from "./mock.ts";
import { bybitNativeSymbol, bybitSymbol } from "./symbols.ts";
import { BYBIT_DEPTHS } from "./wire.ts";

/** Bybit v5. */
export const bybit = defineVenue({
  id: "bybit",
  name: "Bybit",
  code: 5,
  config: z.object({
    symbols,
    category: z.enum(["spot", "linear"]).default("spot"),
    depth: z.number().refine((d) => (BYBIT_DEPTHS as readonly number[]).includes(d), {
      message: "depth must be one of 1, 50, 200, 1000",
    }).default(50),
    /** Default: `wss://stream.bybit.com/v5/public/<category>`. */
    wsUrl: wsUrl.optional(),
    restUrl: httpUrl.default("https://api.bybit.com"),
    /** `{"op":"ping"}` interval (Bybit recommends 20 s). */
    pingIntervalMs: ms(20_000),
    /** Fetch `instruments-info` for tick and lot sizes. */
    instruments: z.boolean().default(true),
    ...connection,
    ...rest,
  }).strict().transform((s) => ({
    ...s,
    wsUrl: s.wsUrl ?? `wss://stream.bybit.com/v5/public/${s.category}`,
  })),
  createCollector: (settings, context) => new BybitCollector(settings, context),
  toNative: bybitNativeSymbol,
  fromNative: (native, known) => {
    for (const s of known ?? []) if (bybitNativeSymbol(s) === native) return s;
    return bybitSymbol(native);
  },
  inferSymbols(input, add) {
    if (input.k !== "ws" || !input.d.includes('"orderbook.')) return;
    const native = /"topic"\s*:\s*"orderbook\.\d+\.([A-Z0-9]+)"/.exec(input.d)?.[1];
    const symbol = native ? bybitSymbol(native) : undefined;
    if (symbol) add(symbol);
  },
  gapScope: "book",
  ingestRest: (collector, _symbol, body) => {
    try {
      collector.ingestInstruments(body);
    } catch {
      // Not an instruments-info body: nothing to take from it.
    }
  },
  mock: {
    create: (options) => new BybitMock(options),
    defaultSymbols: ["BTC/USDT", "ETH/USDT", "SOL/USDT"],
    samples: {
      unknown: ['{"topic":"kline.1.BTCUSDT","type":"snapshot","ts":1,"data":[]}'],
      absurdBook: (native) =>
        `{"topic":"orderbook.50.${native}","type":"delta","ts":1,"data":{"s":"${native}",` +
        `"b":[["-1","1e400"]],"a":[],"u":0,"seq":0},"cts":1}`,
    },
    malformed: ['{"success":true,"ret_msg":"pong","op":', '{"topic":"publicTrade.'],
    endpoint: (mock) => ({
      wsUrl: mock.wsUrl,
      restUrl: mock.httpUrl,
      settings: { category: "spot", depth: 50 },
    }),
  },
});
