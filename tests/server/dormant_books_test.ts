/**
 * Dormant books: with no client watching, the server keeps no copy of a book whose collector
 * answers snapshot requests itself, and reads its records by header only; the first subscriber
 * wakes it with a fresh snapshot (no stale notice), and books nobody watches never cost a
 * snapshot request, even when the reader is lapped.
 */
import { assert, assertEquals } from "../core/assert.ts";
import { BookClient } from "./book_clients.ts";
import { assertBookMatches, caughtUp, delay, type Harness, startServer } from "./harness.ts";
import { LocalFeed, RandomMarket } from "./local_feed.ts";

interface BookHealth {
  symbol: string;
  synced: boolean;
  mirrored: boolean;
  staleReason: string | null;
  seq: number;
  quiet: boolean;
  subscribers: number;
}

async function books(h: Harness): Promise<BookHealth[]> {
  const report = await (await fetch(`${h.http}/health`)).json();
  return report.exchanges[0].books;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 3000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await delay(10);
  }
}

async function setup(ringCapacity = 4096, pausable = false) {
  const feed = await LocalFeed.create({
    symbols: ["BTC/USD", "ETH/USD"],
    depth: 8,
    ringCapacity,
    snapshotsOnDemand: true,
    pausable,
  });
  const market = new RandomMarket(feed, 11);
  market.reset(0, 20);
  market.reset(1, 20);
  const h = await startServer([feed], {}, { tickMs: 20, snapshotRetryMs: 100 });
  return { feed, market, h };
}

Deno.test("books nobody watches go dormant: header-only reads, health still follows the chain", async () => {
  const { feed, market, h } = await setup();
  try {
    await until("both books dormant", async () => (await books(h)).every((b) => !b.mirrored));
    const ring = h.server.metrics.rings.get("kraken")!;
    const before = { records: ring.records, headerOnly: ring.headerOnly };
    market.run(200);
    const report = await books(h);
    for (const [i, b] of report.entries()) {
      assertEquals([b.synced, b.mirrored, b.staleReason, b.seq], [true, false, null, feed.seq(i)]);
    }
    const read = ring.records - before.records;
    assert(read > 0, "records were read");
    assertEquals(ring.headerOnly - before.headerOnly, read, "every record read by header only");
    const metrics = await (await fetch(`${h.http}/metrics`)).text();
    assert(/alphapulse_ring_header_only_records_total\{exchange="kraken"\} [1-9]/.test(metrics));
    // A STALE marker upstream is seen from the header alone, and so is the snapshot after it.
    feed.markStale(1);
    assertEquals((await books(h))[1].staleReason, "upstream");
    market.reset(1, 20);
    assertEquals((await books(h))[1].staleReason, null);
  } finally {
    await h.server.close();
  }
});

Deno.test("the first subscriber wakes a dormant book with a fresh snapshot, no stale notice", async () => {
  const { feed, market, h } = await setup();
  const json = await BookClient.connect(h.ws, "json");
  const bin = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
  try {
    await until("both books dormant", async () => (await books(h)).every((b) => !b.mirrored));
    market.run(100);
    for (const c of [json, bin]) {
      c.subscribe("kraken", ["BTC/USD"]);
      await caughtUp(c, feed, 0);
    }
    market.run(100);
    for (const c of [json, bin]) {
      await caughtUp(c, feed, 0);
      assertBookMatches(c, feed, 0);
      assertEquals(c.stale, [], `${c.format}: no stale notice for a woken book`);
      assertEquals(c.violations, []);
    }
    const report = await books(h);
    assertEquals([report[0].mirrored, report[0].synced], [true, true]);
    assertEquals(report[1].mirrored, false, "the book nobody watches stays dormant");
    // Everybody leaves: the book goes dormant again; a later subscriber gets it exact.
    await json.close();
    await bin.close();
    await until("BTC/USD dormant again", async () => !(await books(h))[0].mirrored);
    market.run(100);
    const late = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
    try {
      late.subscribe("kraken", ["BTC/USD", "ETH/USD"]);
      await caughtUp(late, feed, 0);
      await caughtUp(late, feed, 1);
      assertBookMatches(late, feed, 0);
      assertBookMatches(late, feed, 1);
      assertEquals(late.stale, []);
    } finally {
      await late.close();
    }
  } finally {
    await json.close();
    await bin.close();
    await h.server.close();
  }
});

Deno.test("lapped while every book is dormant: a skip, not a loss, and no snapshot request", async () => {
  const { feed, market, h } = await setup(16);
  try {
    await until("both books dormant", async () => (await books(h)).every((b) => !b.mirrored));
    const ring = h.server.metrics.rings.get("kraken")!;
    const asked = feed.snapshotRequests.length;
    const { lapped, idleSkips } = ring;
    let written = 0;
    while (written < 200) written += market.run(1, 6); // one synchronous burst: laps 16 slots
    await books(h); // reports read the ring first
    assert(ring.idleSkips > idleSkips, "the reader jumped ahead");
    assertEquals(ring.lapped, lapped, "not counted as lapped");
    assertEquals(feed.snapshotRequests.length, asked, "no snapshot request for dormant books");
    market.run(5);
    const report = await books(h);
    for (const [i, b] of report.entries()) assertEquals([b.synced, b.seq], [true, feed.seq(i)]);
    // Still served exactly on demand.
    const c = await BookClient.connect(h.ws, "json");
    try {
      c.subscribe("kraken", ["ETH/USD"]);
      await caughtUp(c, feed, 1);
      assertBookMatches(c, feed, 1);
    } finally {
      await c.close();
    }
  } finally {
    await h.server.close();
  }
});

Deno.test("without snapshotsOnDemand every book stays mirrored", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"], depth: 8 });
  new RandomMarket(feed, 3).reset(0, 10);
  const h = await startServer([feed], {}, { tickMs: 20 });
  try {
    await until("synced", async () => (await books(h))[0].synced);
    await delay(100);
    assertEquals((await books(h))[0].mirrored, true);
  } finally {
    await h.server.close();
  }
});

Deno.test("a dormant book's records are paused at the collector; the first subscriber resumes them exact", async () => {
  const { feed, market, h } = await setup(4096, true);
  try {
    await until("both books paused", async () => (await books(h)).every((b) => b.quiet));
    assertEquals(feed.pauseRequests.flat().sort(), ["BTC/USD", "ETH/USD"], "paused once each");
    const ring = h.server.metrics.rings.get("kraken")!;
    const records = ring.records;
    const seq = [feed.seq(0), feed.seq(1)];
    market.run(200);
    let report = await books(h);
    assertEquals(ring.records, records, "no record written while paused");
    for (const [i, b] of report.entries()) {
      assert(feed.seq(i) > seq[i], "the collector's seq moves on while quiet");
      assertEquals([b.synced, b.mirrored, b.quiet, b.seq], [true, false, true, feed.seq(i)]);
    }
    // The first subscriber resumes BTC/USD from a snapshot; ETH/USD stays paused.
    const c = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
    try {
      c.subscribe("kraken", ["BTC/USD"]);
      await caughtUp(c, feed, 0);
      market.run(200);
      await caughtUp(c, feed, 0);
      assertBookMatches(c, feed, 0);
      assertEquals([c.stale, c.violations], [[], []]);
      report = await books(h);
      assertEquals([report[0].quiet, report[0].mirrored], [false, true]);
      assertEquals([report[1].quiet, report[1].mirrored], [true, false]);
    } finally {
      await c.close();
    }
    // Everybody left: dormant and paused again, once more; a later subscriber gets it exact.
    await until("BTC/USD paused again", async () => (await books(h))[0].quiet);
    assertEquals(feed.pauseRequests.flat().filter((s) => s === "BTC/USD").length, 2);
    market.run(200);
    const late = await BookClient.connect(h.ws, "json");
    try {
      late.subscribe("kraken", ["BTC/USD", "ETH/USD"]);
      await caughtUp(late, feed, 0);
      await caughtUp(late, feed, 1);
      market.run(100);
      await caughtUp(late, feed, 0);
      await caughtUp(late, feed, 1);
      assertBookMatches(late, feed, 0);
      assertBookMatches(late, feed, 1);
      assertEquals([late.stale, late.violations], [[], []]);
    } finally {
      await late.close();
    }
  } finally {
    await h.server.close();
  }
});
