/**
 * The Binance.US venue, as the registry lists it.
 *
 * @example
 * ```ts
 * import { binanceus } from "./descriptor.ts";
 * if (binanceus.fromNative("BTCUSDT", ["BTC/USDT"]) !== "BTC/USDT") throw new Error();
 * ```
 *
 * @module
 */
import { z } from "zod";
import { connection, httpUrl, ms, symbols, wsUrl } from "../settings.ts";
import { defineVenue } from "../venue.ts";
import { BinanceCollector } from "./collector.ts";
import { BinanceMock } from "./mock.ts";
import { binanceNativeSymbol, binanceSymbol, binanceSymbolFromList } from "./symbols.ts";

/** Binance.US. */
export const binanceus = defineVenue({
  id: "binanceus",
  name: "Binance.US",
  code: 3,
  config: z.object({
    symbols,
    wsUrl: wsUrl.default("wss://stream.binance.us:9443"),
    restUrl: httpUrl.default("https://api.binance.us"),
    /** REST depth snapshot size (weight 10 at 1000). */
    snapshotLimit: z.number().int().min(5).max(5000).default(1000),
    /** REST weight budget per minute this service allows itself (Binance.US allows 1200). */
    restWeightPerMinute: z.number().int().min(10).max(6000).default(600),
    /** Reconnect before Binance's 24 h cut. */
    maxConnectionAgeMs: ms(23 * 3_600_000),
    ...connection,
  }).strict(),
  defaultConfig: { symbols: ["BTC/USDT", "ETH/USDT"] },
  createCollector: (settings, context) => new BinanceCollector(settings, context),
  toNative: binanceNativeSymbol,
  fromNative: (native, known) =>
    known ? binanceSymbolFromList(native, known) : binanceSymbol(native),
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
    create: (options) => new BinanceMock(options),
    defaultSymbols: ["BTC/USDT", "ETH/USDT", "SOL/USDT"],
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
