/**
 * Issue 13 item 7: a resubscribe storm is bounded. A feed whose snapshots verify and whose
 * updates never do (a bad checksum on every BTC/USD update) used to resubscribe on every update,
 * because each good snapshot reset the failure count: about 400 pairs in 10 s. The streak now
 * survives good snapshots (resync_backoff.ts): with the default 100 ms → 10 s backoff, 10 s of it
 * hold at most 9 resubscribes (0 + 100 + 200 + 400 + 800 + 1600 + 3200 ms ≈ 6.3 s for the first
 * 7 at full jitter; 12 allowed). ETH/USD on the same connection never notices.
 *
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { kraken } from "../../src/exchanges/kraken/descriptor.ts";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { waitForBooks } from "../support/books.ts";
import { venueHarness } from "./venue_harness.ts";

const SYMBOLS = ["BTC/USD", "ETH/USD"];
const DEPTH = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("resync: good snapshots and bad-checksum updates back off instead of storming", async () => {
  const mock = new KrakenMock({ symbols: SYMBOLS, seed: 7, heartbeatIntervalMs: 200 });
  await mock.start();
  const h = await venueHarness(kraken, { symbols: SYMBOLS, wsUrl: mock.wsUrl, depth: DEPTH });
  try {
    await h.collector.start();
    await waitForBooks(h.collector, mock, SYMBOLS, DEPTH, "both books live");
    const end = Date.now() + 10_000;
    let bad = 0;
    while (Date.now() < end) {
      // Every subscription already sent its (good) snapshot: its next book message is an update.
      bad += mock.injectBadChecksum("BTC/USD");
      mock.stepOnce();
      await sleep(20);
    }
    const resubscribes = (mock.stats.bookSubscribes["BTC/USD"] ?? 0) - 1;
    console.log(`BTC/USD resubscribes in 10 s: ${resubscribes} (bad updates ${bad})`);
    ok(bad > 100, `bad updates sent (${bad})`);
    ok(resubscribes >= 3, `BTC/USD did resync (${resubscribes})`);
    ok(resubscribes <= 12, `resubscribes in 10 s bounded (${resubscribes})`);
    const health = h.collector.health();
    ok(health.delayedResyncs! >= resubscribes - 1, "held-back resyncs counted");
    const eth = health.books.find((b) => b.symbol === "ETH/USD")!;
    equal(eth.resyncs, 0, "ETH/USD never resynced");
    equal(eth.checksumFailures, 0);
    equal(mock.stats.bookSubscribes["ETH/USD"], 1, "ETH/USD subscribed once");
    await waitForBooks(h.collector, mock, ["ETH/USD"], DEPTH, "ETH/USD still tracks the mock");
    equal(health.reconnects, 0);
  } finally {
    await h.collector.stop();
    await mock.stop();
  }
});
