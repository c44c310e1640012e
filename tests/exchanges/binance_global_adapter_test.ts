/**
 * The Binance (global) spot collector against the Binance family mock playing the global variant:
 * the splice into exact books, REST weight charged by the global table (50 at limit 1000), an
 * update-id gap (that symbol only), `serverShutdown` (reconnect at once), the 24 h cut
 * (shortened), `@trade` without `b`/`a`.
 */
import { equal, ok } from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import { Core } from "../../src/core/mod.ts";
import { binance } from "../../src/exchanges/binance/descriptor.ts";
import { BINANCE_GLOBAL } from "../../src/exchanges/binance/global.ts";
import { BinanceMock } from "../../src/exchanges/binance/mock.ts";
import type { NormalizedTrade } from "../../src/exchanges/health.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { waitForBooks } from "../support/books.ts";

const SYMBOLS = ["BTC/USDT", "ETH/USDT"];

async function setup(options: { maxConnectionAgeMs?: number } = {}) {
  const mock = new BinanceMock({
    variant: BINANCE_GLOBAL,
    symbols: SYMBOLS,
    seed: 4,
    flushOnStep: true,
    maxConnectionAgeMs: options.maxConnectionAgeMs,
  });
  await mock.start();
  mock.stepOnce(undefined, 5);
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const cfg = parseConfig({
    exchanges: {
      binance: {
        symbols: SYMBOLS,
        wsUrl: mock.wsUrl,
        restUrl: mock.restUrl,
        silenceTimeoutMs: 5000,
        minBackoffMs: 20,
        maxBackoffMs: 200,
      },
    },
  });
  const trades: NormalizedTrade[] = [];
  const frames: string[] = [];
  const collector = binance.createCollector(cfg.exchanges.binance!, {
    core,
    exchangeCode: binance.code,
    depth: cfg.book.depth,
    onTrade: (t) => trades.push(t),
    record: (kind, text) => {
      if (kind === "ws" && text.includes('"e":"trade"')) frames.push(text);
    },
  });
  await collector.start();
  const pump = setInterval(() => mock.stepOnce(undefined, 1), 40);
  return {
    mock,
    collector,
    trades,
    frames,
    synced: (symbols = SYMBOLS) => waitForBooks(collector, mock, symbols, 50),
    close: async () => {
      clearInterval(pump);
      await collector.stop();
      await mock.stop();
    },
  };
}

Deno.test("binance global adapter: defaults are Binance's hosts and limits", () => {
  const s = parseConfig({ exchanges: { binance: { symbols: ["BTC/USDT"] } } }).exchanges.binance!;
  equal(s.wsUrl, "wss://stream.binance.com:9443");
  equal(s.restUrl, "https://api.binance.com");
  equal(s.restWeightPerMinute, 3000);
  equal(s.maxConnectionAgeMs, 23 * 3_600_000);
  equal(binance.code, 4);
});

Deno.test("binance global adapter: splice, global weight table, trades without b/a", async () => {
  const { mock, collector, trades, frames, synced, close } = await setup();
  try {
    await synced();
    mock.stepOnce(undefined, 20);
    await synced();
    equal(collector.health().gaps, 0);
    equal(collector.exchange, "binance");
    // Two snapshots at limit 1000 cost 50 each on Binance global (10 on Binance.US).
    equal(mock.stats.weightUsed, 100);
    await waitUntil(() => trades.length > 0, 5000, "trades");
    ok(frames.length > 0 && frames.every((f) => !f.includes('"b":') && !f.includes('"a":')));
    ok(trades.every((t) => t.exchange === "binance"));
  } finally {
    await close();
  }
});

Deno.test("binance global adapter: a gap re-snapshots that symbol only", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.injectGap("ETH/USDT");
    mock.stepOnce(undefined, 2);
    await waitUntil(() => (mock.stats.restDepthRequests["ETHUSDT"] ?? 0) >= 2, 5000, "resync");
    await synced();
    equal(mock.stats.restDepthRequests["BTCUSDT"], 1);
    equal(collector.health().gaps, 1);
  } finally {
    await close();
  }
});

Deno.test("binance global adapter: serverShutdown reconnects at once; the 24 h cut too", async () => {
  const { mock, collector, synced, close } = await setup({ maxConnectionAgeMs: 1500 });
  try {
    await synced();
    equal(mock.serverShutdown(2000), 1);
    // The collector leaves on the notice, long before the mock would close (2 s).
    await waitUntil(() => mock.stats.connections >= 2, 1000, "reconnect on serverShutdown");
    await synced();
    // The shortened 24 h cut: the mock announces it (serverShutdown) 750 ms before closing.
    await waitUntil(() => mock.stats.connections >= 3, 5000, "reconnect at the cut");
    await synced();
    ok(collector.health().reconnects >= 2);
  } finally {
    await close();
  }
});
