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
import { binance, coinbase, kraken } from "./harness.ts";
import { bitfinex } from "../../src/exchanges/bitfinex/descriptor.ts";
import type { BitfinexCollector } from "../../src/exchanges/bitfinex/collector.ts";
import { BitfinexMock } from "../../src/exchanges/bitfinex/mock.ts";
import { venueHarness } from "./venue_harness.ts";

const SYMBOLS = ["BTC/USD", "ETH/USD"];
const DEPTH = 10;

async function krakenSetup(maxLevelsPerMessage?: number) {
  const mock = new KrakenMock({ symbols: SYMBOLS, seed: 13, heartbeatIntervalMs: 200 });
  await mock.start();
  const h = await kraken(SYMBOLS, { wsUrl: mock.wsUrl, depth: DEPTH, maxLevelsPerMessage });
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

/** `n` Kraken v2 levels `{"price":…,"qty":…}` below `from`, one tick apart. */
function krakenLevels(n: number, from: number, step: number): string {
  return Array.from(
    { length: n },
    (_, i) => `{"price":${(from + i * step).toFixed(1)},"qty":1.00000000}`,
  ).join(",");
}

const TS = "2026-07-01T12:00:00.000000Z";

Deno.test("level cap: an oversize Kraken message is refused unparsed; that book resyncs, the other never notices", async () => {
  const { mock, h, synced, close } = await krakenSetup(500);
  try {
    await synced();
    // 1,000 levels, and a last one that would fail parsing: the message is never parsed.
    mock.sendRaw(
      `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[` +
        `${krakenLevels(1000, 100, 0.1)},{"price":-1,"qty":1}],"asks":[],"checksum":1,` +
        `"timestamp":"${TS}"}]}`,
    );
    await waitUntil(() => h.collector.health().oversizeMessages === 1, 3000, "refusal counted");
    await waitUntil(
      () => (mock.stats.bookSubscribes["BTC/USD"] ?? 0) >= 2,
      3000,
      "BTC/USD resubscribed",
    );
    for (let i = 0; i < 5; i++) {
      mock.stepOnce(undefined, 5);
      await synced();
    }
    const health = h.collector.health();
    equal(health.parseErrors, 0, "the refused message was never parsed");
    equal(health.checksumFailures, 0);
    equal(book(h, "BTC/USD").resyncs, 1);
    equal(book(h, "ETH/USD").resyncs, 0, "ETH/USD untouched");
    equal(mock.stats.bookSubscribes["ETH/USD"], 1);
    ok(h.logs.some((l) => l.includes("holds more than 500 levels")), "logged");
  } finally {
    await close();
  }
});

Deno.test("level cap defaults: 5,000-level snapshots of Kraken, Coinbase and Binance pass; 100k levels do not", async () => {
  const k = await kraken(SYMBOLS, { depth: 1000 });
  const c = await coinbase(SYMBOLS);
  const b = await binance(["BTC/USDT", "ETH/USDT"]);
  try {
    // Kraken: a snapshot of 5,000 levels per side (no checksum to compare) is taken.
    k.collector.ingest(
      `{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[` +
        `${krakenLevels(5000, 50000, -0.1)}],"asks":[${krakenLevels(5000, 50001, 0.1)}],` +
        `"timestamp":"${TS}"}]}`,
    );
    equal(k.collector.books.state("BTC/USD"), "live");
    k.collector.ingest(
      `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[` +
        `${krakenLevels(100_000, 100, 0.1)}],"asks":[],"timestamp":"${TS}"}]}`,
    );
    equal(k.collector.health().oversizeMessages, 1);
    equal(k.collector.books.state("BTC/USD"), "stale");
    equal(k.collector.health().parseErrors, 0);

    // Coinbase: a full-book snapshot of 5,000 levels per side; its default cap is 250,000.
    const cbLevels = (side: string, n: number, from: number, step: number) =>
      Array.from(
        { length: n },
        (_, i) =>
          `{"side":"${side}","event_time":"1970-01-01T00:00:00Z","price_level":"${
            (from + i * step).toFixed(2)
          }","new_quantity":"1.5"}`,
      ).join(",");
    c.collector.ingest(
      `{"channel":"l2_data","client_id":"","timestamp":"2026-07-01T12:00:00Z","sequence_num":0,` +
        `"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[` +
        `${cbLevels("bid", 5000, 50000, -0.01)},${cbLevels("offer", 5000, 50001, 0.01)}]}]}`,
    );
    equal(c.collector.books.state("BTC/USD"), "live");
    equal(c.collector.health().oversizeMessages, 0);
    equal(c.collector.maxLevelsPerMessage, 250_000);

    // Binance: a REST snapshot at limit 5000 (5,000 levels per side).
    const bnLevels = (n: number, from: number, step: number) =>
      Array.from({ length: n }, (_, i) => `["${(from + i * step).toFixed(2)}","1.00000000"]`)
        .join(",");
    b.collector.ingestRestSnapshot(
      "BTC/USDT",
      `{"lastUpdateId":100,"bids":[${bnLevels(5000, 50000, -0.01)}],"asks":[${
        bnLevels(5000, 50001, 0.01)
      }]}`,
    );
    equal(b.collector.books.state("BTC/USDT"), "live");
    b.collector.ingest(
      `{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":101,"u":102,"b":[${
        bnLevels(100_000, 100, 0.01)
      }],"a":[]}`,
    );
    equal(b.collector.health().oversizeMessages, 1);
    equal(b.collector.books.state("BTC/USDT"), "stale");
    equal(b.collector.health().parseErrors, 0);
  } finally {
    await k.collector.stop();
    await c.collector.stop();
    await b.collector.stop();
  }
});

Deno.test("level cap, Coinbase: a refused message keeps the connection's sequence; other products keep flowing", async () => {
  const c = await coinbase(SYMBOLS, { maxLevelsPerMessage: 200 });
  const frame = (seq: number, type: string, product: string, updates: string) =>
    `{"channel":"l2_data","client_id":"","timestamp":"2026-07-01T12:00:00Z","sequence_num":${seq},` +
    `"events":[{"type":"${type}","product_id":"${product}","updates":[${updates}]}]}`;
  const level = (side: string, price: string, qty = "1") =>
    `{"side":"${side}","event_time":"2026-07-01T12:00:00Z","price_level":"${price}",` +
    `"new_quantity":"${qty}"}`;
  try {
    c.collector.ingest(
      frame(0, "snapshot", "BTC-USD", `${level("bid", "100")},${level("offer", "101")}`),
    );
    c.collector.ingest(
      frame(1, "snapshot", "ETH-USD", `${level("bid", "10")},${level("offer", "11")}`),
    );
    const many = Array.from({ length: 300 }, (_, i) => level("bid", `${50 + i * 0.01}`)).join(",");
    c.collector.ingest(frame(2, "update", "BTC-USD", many));
    c.collector.ingest(frame(3, "update", "ETH-USD", level("bid", "10", "2")));
    const health = c.collector.health();
    equal(health.oversizeMessages, 1);
    equal(health.gaps, 0, "the refused message kept its place in the sequence");
    equal(c.collector.books.state("BTC/USD"), "stale");
    equal(c.collector.books.state("ETH/USD"), "live");
    equal(c.collector.books.top("ETH/USD", 1).bids[0].join(), "10,2", "ETH/USD update applied");
    equal(health.books.find((x) => x.symbol === "ETH/USD")!.resyncs, 0);
  } finally {
    await c.collector.stop();
  }
});

Deno.test("level cap, Bitfinex: a refused frame keeps the sequence; only its book is resubscribed", async () => {
  const names = ["BTC/USD", "TESTBTC/TESTUSD"];
  const mock = new BitfinexMock({ symbols: names, seed: 5, heartbeatIntervalMs: 200 });
  await mock.start();
  const h = await venueHarness(bitfinex, {
    symbols: names,
    wsUrl: mock.wsUrl,
    len: 25,
    maxLevelsPerMessage: 200,
  });
  const collector = h.collector as BitfinexCollector;
  await collector.start();
  const synced = (label?: string) => waitForBooks(collector, mock, names, 25, label);
  try {
    await synced();
    const rows = Array.from({ length: 300 }, (_, i) => `[${100 + i},1,1]`).join(",");
    equal(mock.sendRaw(mock.numberedFrame("BTC/USD", `[${rows}]`)), 1);
    await waitUntil(() => collector.health().oversizeMessages === 1, 3000, "refusal counted");
    for (let i = 0; i < 5; i++) {
      mock.stepOnce(undefined, 5);
      await synced("BTC/USD back after its resubscribe");
    }
    const health = collector.health();
    equal(health.gaps, 0, "the refused frame kept its place in the sequence");
    equal(health.books.find((x) => x.symbol === "BTC/USD")!.resyncs, 1);
    equal(health.books.find((x) => x.symbol === "TESTBTC/TESTUSD")!.resyncs, 0);
  } finally {
    await collector.stop();
    await mock.stop();
  }
});
