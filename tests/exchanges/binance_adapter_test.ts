/**
 * The Binance.US collector against the Binance.US mock (WebSocket + REST) on loopback: buffered
 * diff events spliced with REST snapshots, an update-id gap (re-snapshots that symbol only), a
 * snapshot older than the buffered events, REST failures and rate limits, a disconnect, silence,
 * the 24 h cut (shortened), malformed messages.
 */
import { equal, ok } from "node:assert/strict";
import { BinanceUsMock } from "../../src/exchanges/binanceus/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { binance } from "./harness.ts";
import { sameBook, waitForBooks } from "../support/books.ts";

const SYMBOLS = ["BTC/USDT", "ETH/USDT"];
const N = 50;

async function setup(
  options: {
    silenceTimeoutMs?: number;
    maxConnectionAgeMs?: number;
    weightLimit?: number;
    snapshotLimit?: number;
  } = {},
) {
  const mock = new BinanceUsMock({
    symbols: SYMBOLS,
    seed: 9,
    flushOnStep: true,
    weightLimit: options.weightLimit,
  });
  await mock.start();
  mock.stepOnce(undefined, 5); // some history before the client connects
  const h = await binance(SYMBOLS, {
    wsUrl: mock.wsUrl,
    restUrl: mock.restUrl,
    silenceTimeoutMs: options.silenceTimeoutMs ?? 5000,
    maxConnectionAgeMs: options.maxConnectionAgeMs,
    snapshotLimit: options.snapshotLimit,
  });
  await h.collector.start();
  const synced = (symbols = SYMBOLS) => waitForBooks(h.collector, mock, symbols, N);
  // The mock sends nothing while idle: keep a trickle of steps so liveness holds and books move.
  const pump = setInterval(() => mock.stepOnce(undefined, 1), 50);
  return {
    mock,
    h,
    synced,
    close: async () => {
      clearInterval(pump);
      await h.collector.stop();
      await mock.stop();
    },
  };
}

Deno.test("binance adapter: buffered diffs + REST snapshot splice into exact books", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    for (let i = 0; i < 10; i++) {
      mock.stepOnce(undefined, 10);
      await synced();
    }
    const health = h.collector.health();
    equal(health.gaps, 0);
    equal(health.parseErrors, 0);
    equal(mock.stats.restDepthRequests["BTCUSDT"], 1);
    ok(h.trades.length > 0 && h.trades.every((t) => t.exchange === "binanceus"));
    // Live depth updates came straight from the WebSocket client's bytes (no text made).
    ok(h.collector.bytesFrames > 0, "depth updates handled from bytes");
    ok(h.collector.bytesFrames <= h.collector.fastDepthUpdates);
  } finally {
    await close();
  }
});

Deno.test("binance adapter: an update-id gap re-snapshots that symbol only", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.injectGap("BTC/USDT");
    mock.stepOnce(undefined, 3);
    await waitUntil(
      () => (mock.stats.restDepthRequests["BTCUSDT"] ?? 0) >= 2,
      3000,
      "BTC re-snapshot",
    );
    await synced();
    equal(mock.stats.restDepthRequests["ETHUSDT"], 1, "ETH was not re-snapshotted");
    const health = h.collector.health();
    equal(health.gaps, 1);
    equal(health.books.find((b) => b.symbol === "ETH/USDT")!.resyncs, 0);
  } finally {
    await close();
  }
});

Deno.test("binance adapter: a snapshot older than the buffered events is fetched again", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    // The re-snapshot after this gap comes back 50 update ids old: older than the first buffered
    // event after the gap, so it cannot be spliced and must be fetched again.
    mock.injectStaleSnapshot("ETH/USDT", 50);
    mock.injectGap("ETH/USDT");
    mock.stepOnce("ETH/USDT", 1);
    await waitUntil(
      () => (mock.stats.restDepthRequests["ETHUSDT"] ?? 0) >= 3,
      4000,
      "second ETH snapshot",
    );
    await synced();
    ok(h.logs.some((l) => l.includes("older than buffered events")));
  } finally {
    await close();
  }
});

Deno.test("binance adapter: REST failures and rate limits are retried within the budget", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.failRest(2, 500);
    mock.injectGap("BTC/USDT");
    mock.stepOnce(undefined, 2);
    await synced();
    ok(h.collector.health().exchangeErrors >= 2, "HTTP errors counted");
    ok((mock.stats.restDepthRequests["BTCUSDT"] ?? 0) >= 2);
  } finally {
    await close();
  }
});

Deno.test("binance adapter: disconnect, silence and the (shortened) 24 h cut reconnect and resync", async () => {
  const { mock, h, synced, close } = await setup({
    silenceTimeoutMs: 800,
    maxConnectionAgeMs: 700,
  });
  try {
    await synced();
    mock.disconnectAll(1006, "blip");
    await waitUntil(() => mock.stats.connections >= 2, 3000, "reconnect");
    await synced();
    // maxConnectionAgeMs: the collector renews its connection on its own.
    await waitUntil(() => mock.stats.connections >= 3, 3000, "proactive renewal");
    await synced();
    mock.silence(3000);
    const before = mock.stats.connections;
    await waitUntil(() => mock.stats.connections > before, 4000, "reconnect after silence");
    await synced();
    ok(h.logs.some((l) => l.includes("older than")), "renewed before the exchange's cut");
  } finally {
    await close();
  }
});

Deno.test("binance adapter: malformed and unknown messages are counted; books untouched", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.sendRaw(
      '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":"x","u":2,"b":[],"a":[]}}',
    );
    mock.sendRaw(
      '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["abc","1"]],"a":[]}}',
    );
    mock.sendRaw('{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT"}}');
    mock.sendRaw("not json at all");
    await waitUntil(() => h.collector.health().parseErrors >= 3, 3000, "parse errors");
    mock.stepOnce(undefined, 3);
    await synced();
    const health = h.collector.health();
    ok(health.unknownMessages >= 1);
    equal(health.gaps, 0);
    // Unreadable BTCUSDT depth updates are lost updates: BTC/USDT (only) was re-snapshotted.
    ok(health.books.find((b) => b.symbol === "BTC/USDT")!.resyncs >= 1);
    equal(health.books.find((b) => b.symbol === "ETH/USDT")!.resyncs, 0);
    equal(mock.stats.restDepthRequests["ETHUSDT"], 1);
  } finally {
    await close();
  }
});

Deno.test("binance adapter: answers the exchange's ping frames (a quiet connection is kept)", async () => {
  // The mock's server pings after 0.5 s of silence and closes a client that does not pong within
  // 1 s; the collector's runtime WebSocket answers every ping, so the connection must survive a
  // quiet spell several times longer.
  const mock = new BinanceUsMock({
    symbols: ["BTC/USDT"],
    seed: 3,
    flushOnStep: true,
    idleTimeoutSeconds: 1,
  });
  await mock.start();
  const h = await binance(["BTC/USDT"], {
    wsUrl: mock.wsUrl,
    restUrl: mock.restUrl,
    silenceTimeoutMs: 10_000,
  });
  await h.collector.start();
  try {
    mock.stepOnce(undefined, 2);
    await waitUntil(() => h.collector.books.state("BTC/USDT") === "live", 5000, "live");
    await new Promise((r) => setTimeout(r, 3500));
    equal(mock.stats.connections, 1, "no reconnect");
    equal(mock.stats.closedByServer, 0, "the server never dropped us for a missing pong");
    mock.stepOnce(undefined, 2);
    await waitUntil(
      () => sameBook(h.collector, "BTC/USDT", mock.book("BTC/USDT"), N),
      5000,
      "still in sync",
    );
  } finally {
    await h.collector.stop();
    await mock.stop();
  }
});
