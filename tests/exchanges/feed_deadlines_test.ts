/**
 * Issue 13 item 4: every feed state has a deadline. A reconnect whose WebSocket handshake never
 * completes (a server that accepts TCP and never answers the upgrade) is dropped at
 * `handshakeTimeoutMs` and retried with backoff, not left `reconnecting` for good; a book whose
 * subscribe is refused and never retried is resynced at `bookSyncTimeoutMs`.
 *
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { kraken } from "../../src/exchanges/kraken/descriptor.ts";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { FlakyTcp } from "../support/flaky_tcp.ts";
import { waitForBooks } from "../support/books.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { venueHarness } from "./venue_harness.ts";

const SYMBOLS = ["BTC/USD", "ETH/USD"];
const DEPTH = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("feed: a reconnect whose handshake never completes is dropped at the deadline and retried", async () => {
  const mock = new KrakenMock({ symbols: SYMBOLS, seed: 4, heartbeatIntervalMs: 200 });
  await mock.start();
  const front = new FlakyTcp(mock.port, "forward");
  const h = await venueHarness(kraken, {
    symbols: SYMBOLS,
    wsUrl: front.wsUrl,
    depth: DEPTH,
    handshakeTimeoutMs: 300,
    minBackoffMs: 20,
    maxBackoffMs: 200,
  });
  try {
    await h.collector.start();
    await waitForBooks(h.collector, mock, SYMBOLS, DEPTH, "first connection synced");
    equal(front.accepted, 1);
    // The first good connection drops; every new one is accepted and never answered.
    front.mode = "silent";
    front.dropAll();
    await waitUntil(() => front.accepted >= 5, 8000, "reconnect attempts keep coming");
    const health = h.collector.health();
    ok(health.handshakeTimeouts! >= 3, `handshake timeouts counted (${health.handshakeTimeouts})`);
    equal(health.connection, "reconnecting");
    // Bounded: each attempt waits out its 300 ms deadline, so 2 s hold at most 2000 / 300 + 1.
    const from = Date.now();
    await sleep(2000);
    const inWindow = front.acceptedSince(from);
    ok(inWindow <= 7, `attempts in 2 s bounded by the deadline and backoff (${inWindow})`);
    // The server answers again: the collector is back without a restart.
    front.mode = "forward";
    await waitForBooks(h.collector, mock, SYMBOLS, DEPTH, "synced again after the silent server");
    equal(h.collector.health().connection, "connected");
    ok(h.logs.some((l) => l.includes("handshake deadline")), "the missed deadline is logged");
  } finally {
    await h.collector.stop();
    await front.close();
    await mock.stop();
  }
});

Deno.test("feed: a book whose subscribe is refused is resynced at bookSyncTimeoutMs", async () => {
  const mock = new KrakenMock({ symbols: SYMBOLS, seed: 5, heartbeatIntervalMs: 200 });
  await mock.start();
  mock.rejectSubscribe("BTC/USD", 1); // the first BTC/USD subscribe (its book) is refused
  const h = await venueHarness(kraken, {
    symbols: SYMBOLS,
    wsUrl: mock.wsUrl,
    depth: DEPTH,
    bookSyncTimeoutMs: 400,
  });
  try {
    await h.collector.start();
    await waitForBooks(h.collector, mock, SYMBOLS, DEPTH, "both books live despite the refusal");
    const health = h.collector.health();
    equal(health.syncTimeouts, 1, "one sync deadline missed");
    // The refusal, and the unsubscribe (of a book never subscribed) that precedes the resubscribe.
    equal(health.exchangeErrors, 2, "the refusal counted");
    equal(mock.stats.bookSubscribes["BTC/USD"], 1, "BTC/USD subscribed once more (accepted)");
    equal(mock.stats.bookSubscribes["ETH/USD"], 1, "ETH/USD untouched");
    equal(health.reconnects, 0, "no reconnect needed");
    equal(h.logs.filter((l) => l.includes("bookSyncTimeoutMs")).length, 1, "logged once");
  } finally {
    await h.collector.stop();
    await mock.stop();
  }
});
