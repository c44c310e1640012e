/**
 * Issue 13, exchange side: a value finer than Kraken's instrument precision (item 6) and an
 * exchange message with absurdly many levels (item 10). Each asserts the affected book resyncs,
 * the other books never notice, and the counters say what happened.
 *
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { waitForBooks } from "../support/books.ts";
import { kraken } from "./harness.ts";

const SYMBOLS = ["BTC/USD", "ETH/USD"];
const DEPTH = 10;

async function krakenSetup() {
  const mock = new KrakenMock({ symbols: SYMBOLS, seed: 13, heartbeatIntervalMs: 200 });
  await mock.start();
  const h = await kraken(SYMBOLS, { wsUrl: mock.wsUrl, depth: DEPTH });
  await h.collector.start();
  const synced = (label?: string) => waitForBooks(h.collector, mock, SYMBOLS, DEPTH, label);
  const close = async () => {
    await h.collector.stop();
    await mock.stop();
  };
  return { mock, h, synced, close };
}

const book = (h: Awaited<ReturnType<typeof kraken>>, symbol: string) =>
  h.collector.health().books.find((b) => b.symbol === symbol)!;

Deno.test("kraken: a price finer than the instrument precision is a bad message, never a new scale", async () => {
  const { mock, h, synced, close } = await krakenSetup();
  try {
    await synced();
    const pd = mock.priceDecimals("BTC/USD");
    const qd = mock.qtyDecimals("BTC/USD");
    equal(h.collector.books.scales("BTC/USD").join(), `${pd},${qd}`);
    // One decimal more than the instrument allows, on a level far from the top.
    const finer = `1.${"0".repeat(pd)}1`;
    mock.sendRaw(
      `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":${finer},` +
        `"qty":1.0}],"asks":[],"checksum":1,"timestamp":"2026-07-01T12:00:00.000000Z"}]}`,
    );
    await waitUntil(() => book(h, "BTC/USD").parseErrors === 1, 3000, "bad message counted");
    // The book comes back at the instrument's precision and every later checksum verifies.
    await waitUntil(
      () => (mock.stats.bookSubscribes["BTC/USD"] ?? 0) >= 2,
      3000,
      "BTC/USD resubscribed",
    );
    await synced("BTC/USD back in sync after the resubscribe");
    for (let i = 0; i < 10; i++) {
      mock.stepOnce(undefined, 5);
      await synced();
    }
    equal(h.collector.books.scales("BTC/USD").join(), `${pd},${qd}`, "scale unchanged");
    const health = h.collector.health();
    equal(health.checksumFailures, 0, "no checksum mismatch after the resync");
    equal(book(h, "BTC/USD").resyncs, 1);
    equal(book(h, "ETH/USD").resyncs, 0, "ETH/USD untouched");
    equal(mock.stats.bookSubscribes["ETH/USD"], 1, "ETH/USD not resubscribed");
    ok(h.logs.some((l) => l.includes("finer than the instrument's precision")), "logged");
  } finally {
    await close();
  }
});
