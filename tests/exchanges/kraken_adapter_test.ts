/**
 * The Kraken collector against the Kraken v2 mock on loopback: snapshot + updates, a checksum
 * mismatch, a lost message, a disconnect, silence, malformed and unknown messages, absurd values
 * and a subscribe error. Each asserts the books and that only the affected book resynced.
 */
import { equal, ok } from "node:assert/strict";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { kraken } from "./harness.ts";
import { waitForBooks } from "../support/books.ts";

const SYMBOLS = ["BTC/USD", "ETH/USD"];
const DEPTH = 10;

async function setup(options: { silenceTimeoutMs?: number; reject?: string } = {}) {
  const mock = new KrakenMock({ symbols: SYMBOLS, seed: 11, heartbeatIntervalMs: 200 });
  await mock.start();
  if (options.reject) mock.rejectSubscribe(options.reject);
  const h = await kraken(SYMBOLS, {
    wsUrl: mock.wsUrl,
    depth: DEPTH,
    silenceTimeoutMs: options.silenceTimeoutMs,
  });
  await h.collector.start();
  const synced = (symbols = SYMBOLS, label?: string) =>
    waitForBooks(h.collector, mock, symbols, DEPTH, label);
  const close = async () => {
    await h.collector.stop();
    await mock.stop();
  };
  return { mock, h, synced, close };
}

Deno.test("kraken adapter: snapshot then updates keep the book exact; every checksum verifies", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    for (let i = 0; i < 20; i++) {
      mock.stepOnce(undefined, 10);
      await synced();
    }
    const health = h.collector.health();
    equal(health.checksumFailures, 0);
    equal(health.parseErrors, 0);
    ok(health.books.every((b) => b.updates > 50), "updates were applied");
    ok(h.trades.length > 0, "trades were normalised");
    equal(h.trades[0].exchange, "kraken");
    ok(h.collector.isHealthy());
  } finally {
    await close();
  }
});

Deno.test("kraken adapter: a checksum mismatch resubscribes that symbol only", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.injectBadChecksum("BTC/USD");
    mock.stepOnce(undefined, 5);
    await waitUntil(
      () => (mock.stats.bookSubscribes["BTC/USD"] ?? 0) >= 2,
      3000,
      "BTC resubscribe",
    );
    mock.stepOnce(undefined, 5);
    await synced();
    const health = h.collector.health();
    ok(health.checksumFailures >= 1);
    equal(mock.stats.bookSubscribes["ETH/USD"], 1, "ETH/USD was not resubscribed");
    const eth = health.books.find((b) => b.symbol === "ETH/USD")!;
    equal(eth.resyncs, 0, "ETH/USD never went stale");
    equal(health.books.find((b) => b.symbol === "BTC/USD")!.resyncs, 1);
  } finally {
    await close();
  }
});

Deno.test("kraken adapter: a lost message is caught by the next checksum and healed", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.injectGap("ETH/USD");
    mock.stepOnce("ETH/USD", 3);
    await waitUntil(
      () => (mock.stats.bookSubscribes["ETH/USD"] ?? 0) >= 2,
      3000,
      "ETH resubscribe",
    );
    await synced();
    equal(mock.stats.bookSubscribes["BTC/USD"], 1);
    ok(h.collector.health().checksumFailures >= 1);
  } finally {
    await close();
  }
});

Deno.test("kraken adapter: disconnect mid-stream reconnects, resubscribes and resyncs", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    mock.stepOnce(undefined, 5);
    mock.disconnectAll(1006, "network blip");
    mock.stepOnce(undefined, 5);
    await waitUntil(() => mock.stats.connections >= 2, 3000, "reconnect");
    mock.stepOnce(undefined, 5);
    await synced();
    ok(h.collector.health().reconnects >= 1);
  } finally {
    await close();
  }
});

Deno.test("kraken adapter: a silent connection is declared dead and replaced", async () => {
  const { mock, h, synced, close } = await setup({ silenceTimeoutMs: 600 });
  try {
    await synced();
    mock.silence(3000);
    await waitUntil(() => mock.stats.connections >= 2, 4000, "reconnect after silence");
    mock.stepOnce(undefined, 3);
    await synced();
    ok(h.logs.some((l) => l.includes("silent for")), "logged the silence");
  } finally {
    await close();
  }
});

Deno.test("kraken adapter: malformed, unknown and absurd messages are counted; books stay exact", async () => {
  const { mock, h, synced, close } = await setup();
  try {
    await synced();
    const before = h.collector.health();
    mock.sendRaw("{not json");
    mock.sendRaw(
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":"abc","qty":1}],"asks":[],"checksum":1}]}',
    );
    mock.sendRaw(
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":50000.1,"qty":-1}],"asks":[],"checksum":1}]}',
    );
    mock.sendRaw(
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1e400,"qty":1}],"asks":[],"checksum":1}]}',
    );
    mock.sendRaw('{"channel":"ohlc","type":"update","data":[]}');
    mock.sendRaw(
      '{"channel":"book","type":"update","data":[{"symbol":"DOGE/USD","bids":[],"asks":[],"checksum":0}]}',
    );
    mock.sendRaw("[1,2,3]");
    mock.stepOnce(undefined, 5);
    await waitUntil(
      () => h.collector.health().parseErrors >= before.parseErrors + 4,
      3000,
      "parse errors counted",
    );
    await synced();
    const after = h.collector.health();
    ok(after.unknownMessages >= before.unknownMessages + 2, "unknown channel and symbol counted");
    // Unreadable BTC/USD book messages are lost updates: that book (only) was resynced at once.
    equal(after.books.find((b) => b.symbol === "BTC/USD")!.resyncs, 1);
    equal(after.books.find((b) => b.symbol === "ETH/USD")!.resyncs, 0, "ETH/USD untouched");
    equal(after.checksumFailures, 0, "no bad data ever reached a book");
  } finally {
    await close();
  }
});

Deno.test("kraken adapter: a subscribe error leaves that book stale and the other live", async () => {
  const { h, synced, close } = await setup({ reject: "ETH/USD" });
  try {
    await synced(["BTC/USD"]);
    await waitUntil(() => h.collector.health().exchangeErrors >= 1, 3000, "error counted");
    equal(h.collector.books.state("ETH/USD"), "stale");
    equal(h.collector.books.state("BTC/USD"), "live");
  } finally {
    await close();
  }
});
