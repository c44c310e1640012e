/**
 * The Bybit collector against the Bybit mock on loopback, spot and linear: snapshot + deltas,
 * scales from instruments-info, a `u` gap (that symbol only), a `u = 1` restart and a repeated
 * snapshot (reset, no gap), a stale duplicate, a level beyond the window (truncated), more than 10
 * symbols on spot (chunked subscribe), a disconnect, silence, malformed frames, a refused
 * subscribe, pings.
 */
import { equal, ok } from "node:assert/strict";
import type { BybitCollector } from "../../src/exchanges/bybit/collector.ts";
import { bybit } from "../../src/exchanges/bybit/descriptor.ts";
import { BybitMock } from "../../src/exchanges/bybit/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { waitForBooks } from "../support/books.ts";
import { venueHarness } from "./venue_harness.ts";

const SYMBOLS = ["BTC/USDT", "ETH/USDT"];
const DEPTH = 50;

async function setup(
  options: {
    category?: "spot" | "linear";
    symbols?: string[];
    reject?: string;
    silenceTimeoutMs?: number;
    pingIntervalMs?: number;
    levels?: number;
  } = {},
) {
  const symbols = options.symbols ?? SYMBOLS;
  const category = options.category ?? "spot";
  const mock = new BybitMock({
    symbols,
    seed: 3,
    category,
    idleCloseMs: 5000,
    market: options.levels ? { levels: options.levels } : undefined,
  });
  await mock.start();
  if (options.reject) mock.rejectSubscribe(options.reject);
  const h = await venueHarness(bybit, {
    symbols,
    category,
    depth: DEPTH,
    wsUrl: mock.wsUrl,
    restUrl: mock.httpUrl,
    ...(options.silenceTimeoutMs ? { silenceTimeoutMs: options.silenceTimeoutMs } : {}),
    ...(options.pingIntervalMs ? { pingIntervalMs: options.pingIntervalMs } : {}),
  });
  const collector = h.collector as BybitCollector;
  await collector.start();
  const synced = (label?: string, list = symbols) =>
    waitForBooks(collector, mock, list, DEPTH, label);
  const close = async () => {
    await collector.stop();
    await mock.stop();
  };
  return { mock, h, collector, synced, close };
}

for (const category of ["spot", "linear"] as const) {
  Deno.test(`bybit adapter (${category}): snapshot then deltas keep the book exact`, async () => {
    const { mock, h, collector, synced, close } = await setup({ category });
    try {
      await synced();
      for (let i = 0; i < 20; i++) {
        mock.stepOnce(undefined, 10);
        await synced();
      }
      const health = collector.health();
      equal(health.gaps, 0);
      equal(health.parseErrors, 0);
      ok(health.books.every((b) => b.updates > 50 && b.resyncs === 0));
      ok(h.trades.length > 0 && h.trades.every((t) => t.exchange === "bybit"));
      ok(mock.stats.restRequests >= 2, "instruments-info fetched");
      ok(collector.isHealthy());
    } finally {
      await close();
    }
  });
}

Deno.test("bybit adapter: a u gap resubscribes that symbol only", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.injectGap("BTC/USDT");
    mock.stepOnce(undefined, 3);
    await waitUntil(() => (mock.stats.bookSubscribes.BTCUSDT ?? 0) >= 2, 3000, "resubscribe");
    mock.stepOnce(undefined, 3);
    await synced();
    const health = collector.health();
    equal(health.gaps, 1);
    equal(mock.stats.bookSubscribes.ETHUSDT, 1, "ETH untouched");
    equal(health.books.find((b) => b.symbol === "ETH/USDT")!.resyncs, 0);
    equal(health.books.find((b) => b.symbol === "BTC/USDT")!.gaps, 1);
  } finally {
    await close();
  }
});

Deno.test("bybit adapter: u = 1 restart and a repeated snapshot reset the book without a gap; duplicates are ignored", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.stepOnce(undefined, 3);
    mock.injectRestart("BTC/USDT");
    mock.stepOnce(undefined, 3);
    await synced("after restart");
    mock.injectRepeatSnapshot("ETH/USDT");
    mock.stepOnce(undefined, 3);
    await synced("after repeated snapshot");
    mock.injectDuplicate("BTC/USDT");
    mock.stepOnce(undefined, 3);
    await synced("after duplicate");
    equal(collector.health().gaps, 0);
    ok(collector.resets >= 2, `resets ${collector.resets}`);
    ok(collector.staleDuplicates >= 1);
    equal(mock.stats.bookSubscribes.BTCUSDT, 1, "no resubscribe");
  } finally {
    await close();
  }
});

Deno.test("bybit adapter: a level beyond the window is truncated away", async () => {
  const { mock, collector, synced, close } = await setup({ levels: 120 });
  try {
    await synced();
    mock.injectBeyondWindow("BTC/USDT");
    mock.stepOnce(undefined, 5);
    await synced();
    const top = collector.books.top("BTC/USDT", 1000);
    ok(mock.book("BTC/USDT").bids.length > DEPTH, "the mock book is deeper than the window");
    equal(top.bids.length, DEPTH, "held exactly the window");
  } finally {
    await close();
  }
});

Deno.test("bybit adapter: 12 spot symbols subscribe in requests of at most 10 args", async () => {
  const symbols = Array.from({ length: 12 }, (_, i) => `C${i}/USDT`);
  const { mock, synced, close } = await setup({ symbols });
  try {
    await synced();
    equal(mock.stats.subscribeErrors, 0);
    ok(mock.stats.subscribeRequests >= 3);
  } finally {
    await close();
  }
});

Deno.test("bybit adapter: a disconnect and silence reconnect and resync every book", async () => {
  const { mock, collector, synced, close } = await setup({ silenceTimeoutMs: 400 });
  try {
    await synced();
    mock.disconnectAll();
    await waitUntil(() => mock.stats.connections >= 2, 3000, "reconnect");
    await synced("after disconnect");
    mock.silence(1000);
    await waitUntil(() => mock.stats.connections >= 3, 4000, "reconnect after silence");
    await synced("after silence");
    ok(collector.health().reconnects >= 2);
  } finally {
    await close();
  }
});

Deno.test("bybit adapter: malformed and unknown frames are counted; an unreadable book frame resyncs that book", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.sendRaw('{"topic":"publicTrade.');
    mock.sendRaw('{"topic":"kline.1.BTCUSDT","type":"snapshot","ts":1,"data":[]}');
    mock.sendRaw(
      '{"topic":"orderbook.50.ETHUSDT","type":"delta","ts":1,"data":{"s":"ETHUSDT","b":[["x","1"]],"a":[],"u":1,"seq":1}}'
        .replace('"u":1', '"u":2'),
    );
    mock.deleteUnknownLevel("BTC/USDT");
    mock.stepOnce(undefined, 3);
    await waitUntil(() => (mock.stats.bookSubscribes.ETHUSDT ?? 0) >= 2, 3000, "ETH resync");
    mock.stepOnce(undefined, 3);
    await synced();
    const health = collector.health();
    ok(health.parseErrors >= 2, `parse errors ${health.parseErrors}`);
    ok(health.unknownMessages >= 1);
    equal(mock.stats.bookSubscribes.BTCUSDT, 1);
  } finally {
    await close();
  }
});

Deno.test("bybit adapter: a refused subscribe is retried; pings are sent", async () => {
  const { mock, collector, synced, close } = await setup({
    symbols: ["BTC/USDT"],
    reject: "BTC/USDT",
    pingIntervalMs: 50,
  });
  try {
    await synced();
    ok(collector.health().exchangeErrors >= 1);
    await waitUntil(() => mock.stats.pings >= 2, 2000, "pings");
  } finally {
    await close();
  }
});
