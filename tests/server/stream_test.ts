/**
 * End-to-end over loopback with the real compiled core: JSON and binary clients rebuild every
 * book from a snapshot and the deltas that follow and end equal to the collectors' top-N; seq
 * never skips or repeats; every checksum verifies; clients that join mid-stream are consistent.
 */
import { assert, assertEquals } from "../core/assert.ts";
import { BookClient } from "./book_clients.ts";
import { assertBookMatches, caughtUp, delay, startServer } from "./harness.ts";
import { LocalFeed, RandomMarket } from "./local_feed.ts";

Deno.test("clients rebuild every book exactly from snapshot + deltas (JSON and binary)", async () => {
  const kraken = await LocalFeed.create({
    exchange: "kraken",
    symbols: ["BTC/USD", "ETH/USD", "SOL/USD"],
    depth: 10,
  });
  const coinbase = await LocalFeed.create({
    exchange: "coinbase",
    symbols: ["BTC/USD", "ETH/USD"],
    depth: 50, // a 100-level snapshot spans 9 records
    priceScale: 2,
    sizeScale: 8,
  });
  const markets = [new RandomMarket(kraken, 1), new RandomMarket(coinbase, 2)];
  const feeds = [kraken, coinbase];
  for (const [f, feed] of feeds.entries()) {
    for (let i = 0; i < feed.symbols.length; i++) markets[f].reset(i, 60);
  }
  const h = await startServer(feeds);
  const clients: BookClient[] = [];
  const all = async (format: "json" | "binary") => {
    const c = await BookClient.connect(h.ws, format, kraken.layout, h.names);
    for (const feed of feeds) c.subscribe(feed.exchange, [...feed.symbols]);
    clients.push(c);
    return c;
  };
  try {
    const jsonA = await all("json");
    const binB = await all("binary");
    const jsonC = await BookClient.connect(h.ws, "json");
    clients.push(jsonC);
    jsonC.subscribe("kraken", ["ETH/USD"]);
    for (const feed of feeds) {
      for (let i = 0; i < feed.symbols.length; i++) {
        await caughtUp(jsonA, feed, i);
        await caughtUp(binB, feed, i);
      }
    }
    await caughtUp(jsonC, kraken, 1);

    let late: BookClient[] = [];
    for (let round = 0; round < 40; round++) {
      markets[0].run(30, 20); // up to 20 changes: multi-part deltas
      markets[1].run(30, 30);
      if (round === 15) late = [await all("json"), await all("binary")];
      if (round % 3 === 0) await delay(1); // sometimes let the server drain between bursts
    }
    for (const c of clients) {
      for (const feed of feeds) {
        for (let i = 0; i < feed.symbols.length; i++) {
          if (c === jsonC && !(feed === kraken && i === 1)) continue;
          await caughtUp(c, feed, i);
          assertBookMatches(c, feed, i);
        }
      }
      assertEquals(c.violations, [], `${c.format} client violations`);
    }
    // The stream exercised what it claims to.
    const deltas = jsonA.texts.filter((m) => m.type === "delta");
    assert(deltas.length > 500, `only ${deltas.length} deltas`);
    assert(deltas.some((m) => m.bids.length + m.asks.length > 12), "no multi-part delta");
    assert(binB.recordsReceived > binB.binaryFrames, "binary frames never batched records");
    const cbBook = binB.books.get("coinbase|BTC/USD")!;
    assert(cbBook.deltas > 50, "coinbase deltas");
    // JSON C saw only its one book.
    assert(jsonC.texts.every((m) => m.symbol === undefined || m.symbol === "ETH/USD"), "C leak");
    assert(jsonC.texts.every((m) => m.exchange === undefined || m.exchange === "kraken"), "C leak");
    for (const c of late) assert(c.books.size === 5, "late client holds every book");
    assertEquals(h.server.metrics.slowClientEvents, 0);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await h.server.close();
  }
});

Deno.test("snapshot seq is the last delta included; the next delta is seq + 1", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"], depth: 5 });
  const market = new RandomMarket(feed, 7);
  market.reset(0, 20);
  const h = await startServer([feed]);
  const c = await BookClient.connect(h.ws, "json");
  try {
    market.run(25, 4);
    await delay(20);
    const seqBefore = feed.seq(0);
    c.subscribe("kraken", ["BTC/USD"]);
    const snap = await c.text((m) => m.type === "snapshot");
    assertEquals(snap.seq, seqBefore);
    assertEquals(snap.depth, 5);
    // Contract fields and types.
    assertEquals(
      Object.keys(snap).slice(0, 7),
      ["type", "exchange", "symbol", "seq", "bids", "asks", "checksum"],
    );
    assertEquals(typeof snap.bids[0][0], "string");
    assertEquals({ bids: snap.bids, asks: snap.asks }, feed.top(0));
    while (feed.apply(0, new RandomMarket(feed, 99).batch(0, 3)) === 0) { /* until a delta */ }
    const delta = await c.text((m) => m.type === "delta");
    assertEquals(delta.seq, seqBefore + 1);
    assertEquals(c.violations, []);
  } finally {
    await c.close();
    await h.server.close();
  }
});
