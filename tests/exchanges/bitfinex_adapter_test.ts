/**
 * The Bitfinex collector against the Bitfinex mock on loopback: snapshot + one-level updates
 * verified by checksum before publishing, a bad checksum (that book only), a sequence gap (every
 * book), a disconnect, info events 20051/20060/20061, data for an unknown chanId, malformed
 * frames, prices below 1e-6 (exponent form in the checksum text), a refused subscribe.
 */
import { equal, ok } from "node:assert/strict";
import { bitfinex } from "../../src/exchanges/bitfinex/descriptor.ts";
import type { BitfinexCollector } from "../../src/exchanges/bitfinex/collector.ts";
import { BitfinexMock } from "../../src/exchanges/bitfinex/mock.ts";
import type { SymbolSpec } from "../../src/mock/mock_server.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { waitForBooks } from "../support/books.ts";
import { venueHarness } from "./venue_harness.ts";

const SYMBOLS = ["BTC/USD", "TESTBTC/TESTUSD"];
const LEN = 25;

async function setup(
  options: { symbols?: Array<string | SymbolSpec>; reject?: string; silenceTimeoutMs?: number } =
    {},
) {
  const specs = options.symbols ?? SYMBOLS;
  const names = specs.map((s) => typeof s === "string" ? s : s.symbol);
  const mock = new BitfinexMock({ symbols: specs, seed: 5, heartbeatIntervalMs: 200 });
  await mock.start();
  if (options.reject) mock.rejectSubscribe(options.reject);
  const h = await venueHarness(bitfinex, {
    symbols: names,
    wsUrl: mock.wsUrl,
    len: LEN,
    ...(options.silenceTimeoutMs ? { silenceTimeoutMs: options.silenceTimeoutMs } : {}),
  });
  const collector = h.collector as BitfinexCollector;
  await collector.start();
  const synced = (label?: string) => waitForBooks(collector, mock, names, LEN, label);
  const close = async () => {
    await collector.stop();
    await mock.stop();
  };
  return { mock, h, collector, synced, close, names };
}

Deno.test("bitfinex adapter: snapshot and updates stay exact; every checksum verifies before publishing", async () => {
  const { mock, h, collector, synced, close } = await setup();
  try {
    await synced();
    for (let i = 0; i < 20; i++) {
      mock.stepOnce(undefined, 10);
      await synced();
    }
    const health = collector.health();
    equal(health.checksumFailures, 0);
    equal(health.gaps, 0);
    equal(health.parseErrors, 0);
    ok(collector.checksumsVerified > 100, `checksums verified: ${collector.checksumsVerified}`);
    equal(collector.unverifiedPublishes, 0);
    ok(health.books.every((b) => b.updates > 20 && b.resyncs === 0));
    ok(h.trades.length > 0, "trades normalised");
    equal(
      new Set(h.trades.map((t) => `${t.symbol}:${t.tradeId}`)).size,
      h.trades.length,
      "te/tu once",
    );
    ok(h.trades.every((t) => t.exchange === "bitfinex" && SYMBOLS.includes(t.symbol)));
    ok(collector.isHealthy());
  } finally {
    await close();
  }
});

Deno.test("bitfinex adapter: a checksum mismatch resubscribes that book only", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.injectBadChecksum("BTC/USD");
    mock.stepOnce(undefined, 5);
    await waitUntil(() => (mock.stats.bookSubscribes.tBTCUSD ?? 0) >= 2, 3000, "resubscribe");
    mock.stepOnce(undefined, 5);
    await synced();
    const health = collector.health();
    ok(health.checksumFailures >= 1);
    equal(mock.stats.bookSubscribes["tTESTBTC:TESTUSD"], 1, "the other book was not touched");
    equal(health.books.find((b) => b.symbol === "TESTBTC/TESTUSD")!.resyncs, 0);
    equal(health.books.find((b) => b.symbol === "BTC/USD")!.checksumFailures, 1);
  } finally {
    await close();
  }
});

Deno.test("bitfinex adapter: a sequence gap resyncs every book of the connection", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.injectGap("BTC/USD");
    mock.stepOnce(undefined, 3);
    await waitUntil(
      () => (mock.stats.bookSubscribes["tTESTBTC:TESTUSD"] ?? 0) >= 2,
      3000,
      "every book resubscribed",
    );
    mock.stepOnce(undefined, 3);
    await synced();
    const health = collector.health();
    ok(health.gaps >= 1);
    ok(health.books.every((b) => b.gaps >= 1));
    equal(mock.stats.connections, 1, "resubscribed, not reconnected");
  } finally {
    await close();
  }
});

Deno.test("bitfinex adapter: a disconnect and info 20051 reconnect and resync", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.disconnectAll();
    await waitUntil(() => mock.stats.connections >= 2, 3000, "reconnect");
    mock.stepOnce(undefined, 3);
    await synced("after disconnect");
    mock.sendInfo(20051);
    await waitUntil(() => mock.stats.connections >= 3, 3000, "reconnect after 20051");
    mock.stepOnce(undefined, 3);
    await synced("after 20051");
    ok(collector.infoEvents >= 1);
    equal(collector.health().checksumFailures, 0);
  } finally {
    await close();
  }
});

Deno.test("bitfinex adapter: maintenance 20060 pauses (stale), 20061 resubscribes", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.sendInfo(20060);
    await waitUntil(
      () =>
        collector.books.state("BTC/USD") === "stale" &&
        collector.books.state("TESTBTC/TESTUSD") === "stale",
      2000,
      "stale during maintenance",
    );
    mock.stepOnce(undefined, 3);
    await new Promise((r) => setTimeout(r, 100));
    equal(collector.books.state("BTC/USD"), "stale", "no resync during maintenance");
    mock.sendInfo(20061);
    await waitUntil(() => (mock.stats.bookSubscribes.tBTCUSD ?? 0) >= 2, 3000, "resubscribed");
    mock.stepOnce(undefined, 3);
    await synced("after maintenance");
    equal(mock.stats.connections, 1);
  } finally {
    await close();
  }
});

Deno.test("bitfinex adapter: unknown chanId, malformed and absurd frames are counted, never corrupt a book", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.heartbeatUnknownChannel();
    mock.sendRaw('{"event":"info","code":');
    mock.sendRaw("[1,2,");
    mock.sendRaw('{"event":"mystery"}');
    mock.deleteUnknownLevel("BTC/USD");
    mock.stepOnce(undefined, 5);
    await synced();
    const health = collector.health();
    ok(health.parseErrors >= 2, `parse errors ${health.parseErrors}`);
    ok(health.unknownMessages >= 2);
    equal(health.gaps, 0, "an unknown channel's hb still counts in the sequence");
    equal(health.checksumFailures, 0);
  } finally {
    await close();
  }
});

Deno.test("bitfinex adapter: prices below 1e-6 (exponent form) verify and stay exact", async () => {
  const specs: SymbolSpec[] = [{ symbol: "MNA/BTC", midPrice: "0.00000091", priceDecimals: 10 }];
  const { mock, collector, synced, close } = await setup({ symbols: specs });
  try {
    await synced();
    for (let i = 0; i < 10; i++) {
      mock.stepOnce(undefined, 5);
      await synced();
    }
    ok(mock.book("MNA/BTC").bids.some(([p]) => Number(p) < 1e-6), "prices below 1e-6 in play");
    equal(collector.health().checksumFailures, 0);
    ok(collector.checksumsVerified > 10);
  } finally {
    await close();
  }
});

Deno.test("bitfinex adapter: a refused subscribe is retried for that book", async () => {
  const { mock, collector, synced, close } = await setup({ reject: "BTC/USD" });
  try {
    await synced();
    ok(collector.health().exchangeErrors >= 1);
    equal(mock.stats.bookSubscribes.tBTCUSD, 1);
  } finally {
    await close();
  }
});
