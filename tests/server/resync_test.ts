/**
 * Resynchronisation: a lapped server reader, STALE books upstream, seq gaps and checksum failures
 * in the ring. Affected clients are told `stale`, the collector is asked for snapshots (retried
 * until it answers), and clients continue from the fresh snapshot.
 */
import { Core, type RecordLevel } from "../../src/core/mod.ts";
import { assert, assertEquals } from "../core/assert.ts";
import { BookClient, topChecksum } from "./book_clients.ts";
import { assertBookMatches, caughtUp, delay, startServer } from "./harness.ts";
import { LocalFeed, RandomMarket } from "./local_feed.ts";
import { RawRingFeed } from "./raw_ring_feed.ts";

Deno.test("a lapped server reader marks books stale and re-snapshots them", async () => {
  const feed = await LocalFeed.create({
    symbols: ["BTC/USD", "ETH/USD"],
    depth: 8,
    ringCapacity: 16,
  });
  const market = new RandomMarket(feed, 5);
  market.reset(0, 20);
  market.reset(1, 20);
  const h = await startServer([feed], {}, { snapshotRetryMs: 100 });
  const json = await BookClient.connect(h.ws, "json");
  const bin = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
  try {
    for (const c of [json, bin]) {
      c.subscribe("kraken", ["BTC/USD", "ETH/USD"]);
      await caughtUp(c, feed, 0);
      await caughtUp(c, feed, 1);
    }
    // 200 records in one synchronous burst: the 16-slot ring laps the server's reader.
    feed.answerSnapshotRequests = false;
    let written = 0;
    while (written < 200) written += market.run(1, 6);
    await json.until(() => json.stale.length >= 2, 3000, "stale notices");
    await bin.until(() => bin.stale.length >= 2, 3000, "STALE records");
    assert(json.stale.every((s) => s.reason === "lapped"), JSON.stringify(json.stale));
    assert(h.server.metrics.rings.get("kraken")!.lapped >= 1, "lapped counter");
    // The collector does not answer: the server keeps asking.
    const asked = feed.snapshotRequests.length;
    await delay(350);
    assert(feed.snapshotRequests.length >= asked + 2, "snapshot requests are retried");
    const health = await fetch(`${h.http}/health`);
    assertEquals(health.status, 503);
    const report = await health.json();
    assertEquals(report.exchanges[0].books[0].staleReason, "lapped");
    // It answers: clients get fresh snapshots and continue.
    feed.answerSnapshotRequests = true;
    market.run(40);
    for (const c of [json, bin]) {
      for (const i of [0, 1]) {
        await caughtUp(c, feed, i);
        assertBookMatches(c, feed, i);
      }
      assertEquals(c.violations, []);
    }
    assertEquals((await fetch(`${h.http}/health`).then((r) => r.json())).status, "ok");
  } finally {
    await json.close();
    await bin.close();
    await h.server.close();
  }
});

Deno.test("a STALE book upstream: clients are told, then get the fresh snapshot", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD", "ETH/USD"], depth: 6 });
  const market = new RandomMarket(feed, 9);
  market.reset(0, 15);
  market.reset(1, 15);
  const h = await startServer([feed]);
  const json = await BookClient.connect(h.ws, "json");
  const bin = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
  let late: BookClient | undefined;
  try {
    for (const c of [json, bin]) {
      c.subscribe("kraken", ["BTC/USD", "ETH/USD"]);
      await caughtUp(c, feed, 0);
      await caughtUp(c, feed, 1);
    }
    market.run(20);
    const requests = feed.snapshotRequests.length;
    feed.markStale(0);
    const stale = await json.text((m) => m.type === "status");
    assertEquals(stale, {
      type: "status",
      exchange: "kraken",
      symbol: "BTC/USD",
      state: "stale",
      reason: "upstream",
    });
    await bin.until(() => bin.stale.some((s) => s.key === "kraken|BTC/USD"));
    assert(!json.held.has("kraken|BTC/USD") && json.held.has("kraken|ETH/USD"), "only BTC stale");
    // The neighbouring book keeps flowing.
    for (let k = 0; k < 10; k++) feed.apply(1, market.batch(1, 3));
    await caughtUp(json, feed, 1);
    // A client subscribing meanwhile is told the book is stale.
    late = await BookClient.connect(h.ws, "json");
    late.subscribe("kraken", ["BTC/USD"]);
    assertEquals((await late.text((m) => m.type === "status")).reason, "upstream");
    // The collector resyncs itself; the server does not ask.
    assertEquals(feed.snapshotRequests.length, requests);
    market.reset(0, 15);
    market.run(30);
    for (const c of [json, bin, late]) {
      await caughtUp(c, feed, 0);
      assertBookMatches(c, feed, 0);
      assertEquals(c.violations, []);
    }
    assertEquals(
      json.texts.filter((m) => m.type === "snapshot" && m.symbol === "BTC/USD").length,
      2,
    );
  } finally {
    await json.close();
    await bin.close();
    await late?.close();
    await h.server.close();
  }
});

Deno.test("seq gaps and checksum failures in the ring make the book stale until a snapshot", async () => {
  const layout = (await Core.create({ ringCapacity: 0, variant: "plain" })).layout;
  const feed = new RawRingFeed(layout, ["BTC/USDT", "ETH/USDT"]);
  const h = await startServer([feed as unknown as LocalFeed], {}, { snapshotRetryMs: 60_000 });
  h.names.exchanges.set(feed.exchangeCode, feed.exchange);
  h.names.symbols.set(feed.exchangeCode, feed.symbols);
  const c = await BookClient.connect(h.ws, "json");
  const b = await BookClient.connect(h.ws, "binary", layout, h.names);
  try {
    const bids: RecordLevel[] = [[10000n, 5n], [9990n, 7n]];
    const asks: RecordLevel[] = [[10010n, 1n]];
    feed.snapshot(0, 41, bids, asks);
    feed.snapshot(1, 3, [[500n, 1n]], [[600n, 1n]]);
    await delay(20);
    c.subscribe("binanceus", ["BTC/USDT", "ETH/USDT"]);
    b.subscribe("binanceus", ["BTC/USDT"]);
    const snap = await c.text((m) => m.type === "snapshot" && m.symbol === "BTC/USDT");
    assertEquals([snap.seq, snap.bids, snap.asks], [41, [["100", "5"], ["99.9", "7"]], [[
      "100.1",
      "1",
    ]]]);
    // Delta 42 is fine.
    const after42: RecordLevel[] = [[10000n, 6n], [9990n, 7n]];
    feed.delta(0, 42, [[10000n, 6n]], [], topChecksum(after42, asks));
    const d42 = await c.text((m) => m.type === "delta");
    assertEquals([d42.seq, d42.bids], [42, [["100", "6"]]]);
    // Delta 44 skips 43: a gap.
    const requests = feed.snapshotRequests.length;
    feed.delta(0, 44, [[9990n, 0n]], [], 0);
    const gap = await c.text((m) => m.type === "status");
    assertEquals([gap.symbol, gap.reason], ["BTC/USDT", "gap"]);
    await b.until(() => b.stale.length === 1, 3000, "binary STALE");
    assertEquals(feed.snapshotRequests.slice(requests), [["BTC/USDT"]]);
    // Deltas while unsynced are not forwarded.
    feed.delta(0, 45, [[9990n, 0n]], [], 0);
    await delay(20);
    assertEquals(c.texts.filter((m) => m.type === "delta").length, 1);
    // The fresh snapshot resumes the book.
    feed.snapshot(0, 45, [[10000n, 6n]], asks);
    await c.until(() =>
      c.texts.filter((m) => m.type === "snapshot" && m.symbol === "BTC/USDT").length === 2
    );
    await b.until(() => b.held.has("binanceus|BTC/USDT"));
    // A delta whose checksum does not verify in the server's mirror: stale again.
    feed.delta(0, 46, [[10000n, 9n]], [], 12345);
    await c.until(() => c.texts.filter((m) => m.type === "status").length === 2);
    assertEquals(c.texts.filter((m) => m.type === "status")[1].reason, "checksum");
    assertEquals(c.texts.filter((m) => m.type === "delta").length, 1, "bad delta not forwarded");
    // The other book never went stale.
    assert(c.held.has("binanceus|ETH/USDT"), "ETH/USDT stayed live");
    const m = await (await fetch(`${h.http}/metrics`)).text();
    assert(m.includes('alphapulse_mirror_gaps_total{exchange="binanceus"} 1'), "gap metric");
    assert(
      m.includes('alphapulse_mirror_checksum_failures_total{exchange="binanceus"} 1'),
      "crc metric",
    );
    // Records for unknown symbols are counted and ignored.
    feed.snapshot(7, 1, [], []);
    await delay(20);
    assertEquals(h.server.metrics.rings.get("binanceus")!.badRecords, 1);
    assertEquals(c.violations, []);
    assertEquals(b.violations, []);
  } finally {
    await c.close();
    await b.close();
    await h.server.close();
  }
});
