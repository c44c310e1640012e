/**
 * Builds the venue descriptor of one Binance family member from its {@linkcode BinanceVariant}:
 * the config section (hosts and limits as the variant's defaults), the collector, symbol
 * conversion, replay support and the mock all come from this folder.
 *
 * @example
 * ```ts
 * import { binanceFamilyVenue } from "./family.ts";
 * const venue = binanceFamilyVenue({
 *   id: "example", name: "Example", code: 99,
 *   wsUrl: "wss://stream.example.test:9443", restUrl: "https://api.example.test",
 *   depthWeights: [[100, 1], [5000, 50]], restWeightLimit: 1200, restWeightPerMinute: 600,
 *   maxConnectionAgeMs: 86_400_000, ping: { intervalMs: 180_000, pongTimeoutMs: 600_000 },
 *   defaultSymbols: ["BTC/USDT"], mockSymbols: ["BTC/USDT"],
 * });
 * const section = venue.config.parse({ symbols: ["BTC/USDT"] });
 * if (section.restUrl !== "https://api.example.test") throw new Error();
 * if (venue.fromNative("BTCUSDT", ["BTC/USDT"]) !== "BTC/USDT") throw new Error();
 * ```
 *
 * @module
 */
import { z } from "zod";
import { connection, httpUrl, ms, rest, symbols, wsUrl } from "../settings.ts";
import { defineVenue } from "../venue.ts";
import { BinanceCollector } from "./collector.ts";
import { BinanceMock } from "./mock.ts";
import { binanceNativeSymbol, binanceSymbol, binanceSymbolFromList } from "./symbols.ts";
import type { BinanceVariant } from "./variant.ts";

/** Reconnect this long before the venue's own connection cut. */
const RENEW_BEFORE_CUT_MS = 3_600_000;

/** The descriptor of a Binance family member. */
export function binanceFamilyVenue<Id extends string>(variant: BinanceVariant & { id: Id }) {
  return defineVenue({
    id: variant.id,
    name: variant.name,
    code: variant.code,
    config: z.object({
      symbols,
      wsUrl: wsUrl.default(variant.wsUrl),
      restUrl: httpUrl.default(variant.restUrl),
      /** REST depth snapshot size (its weight: the variant's table). */
      snapshotLimit: z.number().int().min(5).max(5000).default(1000),
      /** REST weight budget per minute this service allows itself (below the venue's limit). */
      restWeightPerMinute: z.number().int().min(10).max(6000).default(variant.restWeightPerMinute),
      /** Reconnect before the venue's connection cut. */
      maxConnectionAgeMs: ms(variant.maxConnectionAgeMs - RENEW_BEFORE_CUT_MS),
      ...connection,
      ...rest,
    }).strict(),
    defaultConfig: { symbols: [...variant.defaultSymbols] },
    createCollector: (settings, context) => new BinanceCollector(settings, context, variant),
    toNative: binanceNativeSymbol,
    fromNative: (native, known) =>
      known ? binanceSymbolFromList(native, known) : binanceSymbol(native),
    gapScope: "book",
    inferSymbols(input, add) {
      if (input.k === "rest" && input.s) add(input.s);
      if (input.k !== "open") return;
      let streams = "";
      try {
        streams = new URL(input.d).searchParams.get("streams") ?? "";
      } catch {
        return;
      }
      for (const name of streams.split("/")) {
        const symbol = binanceSymbol(name.split("@")[0]);
        if (symbol) add(symbol);
      }
    },
    ingestRest: (collector, symbol, body) => collector.ingestRestSnapshot(symbol, body),
    mock: {
      create: (options) => new BinanceMock({ variant, ...options }),
      defaultSymbols: variant.mockSymbols,
      samples: {
        unknown: ['{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT"}}'],
        absurdBook: (native) =>
          `{"stream":"${native.toLowerCase()}@depth@100ms","data":{"e":"depthUpdate","E":1,` +
          `"s":"${native}","U":1,"u":2,"b":[["-1","abc"]],"a":[]}}`,
      },
      malformed: [
        '{"stream":"btcusdt@trade","data":{"e":"trade","E":17',
        '{"stream":"btcusdt@trade","data":{"e":"tr',
      ],
      simulatorOptions: (updateIntervalMs) => ({
        updateIntervalMs,
        flushOnStep: updateIntervalMs === 0,
        // The service budgets its own REST weight; the simulator does not throttle it.
        weightLimit: 1_000_000,
      }),
      endpoint: (mock) => ({ wsUrl: mock.wsUrl, restUrl: (mock as BinanceMock).restUrl }),
    },
  });
}
