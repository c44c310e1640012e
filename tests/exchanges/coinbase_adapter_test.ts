/**
 * The Coinbase collector against the Coinbase Advanced Trade mock on loopback: snapshot +
 * updates, a sequence_num gap (invalidates every book of the connection), deletes of unknown
 * levels, a disconnect, silence, malformed messages and a subscribe error.
 */
import { equal, ok } from "node:assert/strict";
import { CoinbaseMock } from "../../src/exchanges/coinbase/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { coinbase } from "./harness.ts";
import { waitForBooks } from "../support/books.ts";

const SYMBOLS = ["BTC/USD", "ETH/USD"];
const N = 50;

async function setup(options: { silenceTimeoutMs?: number; reject?: string } = {}) {
  const mock = new CoinbaseMock({ symbols: SYMBOLS, seed: 5, heartbeatIntervalMs: 200 });
  await mock.start();
  if (options.reject) mock.rejectSubscribe(options.reject);
  const h = await coinbase(SYMBOLS, {
    wsUrl: mock.wsUrl,
    silenceTimeoutMs: options.silenceTimeoutMs,
  });
  await h.collector.start();
  const synced = (symbols = SYMBOLS) => waitForBooks(h.collector, mock, symbols, N);
  return {
    mock,
    h,
    synced,
    close: async () => {
      await h.collector.stop();
      await mock.stop();
    },
  };
}

Deno.test("coinbase adapter: snapshot then updates keep every book exact; trades normalised", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    for (let i = 0; i < 20; i++) {
      mock.stepOnce(undefined, 10);
      await synced();
    }
    const health = h.collector.health();
    equal(health.gaps, 0);
    equal(health.parseErrors, 0);
    ok(
      h.trades.length > 0 &&
        h.trades.every((t) => t.exchange === "coinbase" && SYMBOLS.includes(t.symbol)),
    );
  } finally {
    await close();
  }
});

Deno.test("coinbase adapter: a sequence_num gap resyncs the connection's books (fresh snapshots)", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    const subs = { ...mock.stats.level2Subscribes };
    mock.injectGap("BTC/USD");
    mock.stepOnce(undefined, 3);
    await waitUntil(() => h.collector.health().gaps >= 1, 3000, "gap detected");
    await waitUntil(
      () => (mock.stats.level2Subscribes["BTC-USD"] ?? 0) > (subs["BTC-USD"] ?? 0),
      3000,
      "resubscribe",
    );
    mock.stepOnce(undefined, 3);
    await synced();
    const health = h.collector.health();
    ok(
      health.books.every((b) => b.gaps === 1),
      "the gap is counted against every book of the connection",
    );
    equal(health.reconnects, 0, "resynced by resubscribing, not reconnecting");
  } finally {
    await close();
  }
});

Deno.test("coinbase adapter: deleting an unknown level is counted, not an error", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.deleteUnknownLevel("ETH/USD", "ask");
    mock.stepOnce(undefined, 2);
    await synced();
    const eth = h.collector.health().books.find((b) => b.symbol === "ETH/USD")!;
    equal(eth.absentDeletes, 1);
    equal(eth.resyncs, 0);
  } finally {
    await close();
  }
});

Deno.test("coinbase adapter: disconnect and silence reconnect and resync", async () => {
  const { mock, h, synced, close } = await setup({ silenceTimeoutMs: 600 });
  try {
    await synced();
    mock.disconnectAll(1011, "server restart");
    await waitUntil(() => mock.stats.connections >= 2, 3000, "reconnect");
    mock.stepOnce(undefined, 3);
    await synced();
    mock.silence(3000);
    await waitUntil(() => mock.stats.connections >= 3, 4000, "reconnect after silence");
    mock.stepOnce(undefined, 3);
    await synced();
    ok(h.collector.health().reconnects >= 2);
  } finally {
    await close();
  }
});

Deno.test("coinbase adapter: malformed input and wrong types are counted; books untouched", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.sendRaw("][");
    mock.sendRaw(
      '{"channel":"l2_data","client_id":"","timestamp":"2026-07-01T12:00:00Z","events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2026-07-01T12:00:00Z","price_level":"-5","new_quantity":"1"}]}]}',
    );
    mock.sendRaw(
      '{"channel":"candles","client_id":"","timestamp":"2026-07-01T12:00:00Z","events":[]}',
    );
    mock.stepOnce(undefined, 3);
    await waitUntil(() => h.collector.health().parseErrors >= 2, 3000, "parse errors");
    await synced();
    const health = h.collector.health();
    ok(health.books.every((b) => b.state === "live"));
    // The unreadable BTC-USD level2 message was a lost update: BTC/USD (only) was resynced.
    equal(health.books.find((b) => b.symbol === "BTC/USD")!.resyncs, 1);
    equal(health.books.find((b) => b.symbol === "ETH/USD")!.resyncs, 0);
    // An unreadable level2 message naming no product cannot be attributed: every book resyncs.
    mock.sendRaw(
      '{"channel":"l2_data","client_id":"","timestamp":"x","sequence_num":"NaN","events":[{}]}',
    );
    const eth = () => h.collector.health().books.find((b) => b.symbol === "ETH/USD")!;
    await waitUntil(() => eth().resyncs === 1, 3000, "every book resynced");
    mock.stepOnce(undefined, 2);
    await synced();
  } finally {
    await close();
  }
});

Deno.test("coinbase adapter: a rejected subscribe is counted and retried by a reconnect", async () => {
  const { h, close } = await setup({ reject: "ETH/USD" });
  try {
    await waitUntil(() => h.collector.health().exchangeErrors >= 1, 3000, "error counted");
    ok(h.logs.some((l) => l.includes("exchange error")));
  } finally {
    await close();
  }
});
