/**
 * Limits and lifecycle: bearer token, max clients, slow consumers (a raw TCP client that stops
 * reading never delays a fast one; it is told stale and re-snapshotted when it drains, or
 * disconnected), HTTP routes, and graceful shutdown with clients connected.
 */
import { assert, assertEquals } from "../core/assert.ts";
import { BookClient, type Json } from "./book_clients.ts";
import { assertBookMatches, caughtUp, delay, startServer } from "./harness.ts";
import { LocalFeed, RandomMarket } from "./local_feed.ts";
import { RawWs } from "./raw_ws.ts";

Deno.test("a bearer token is required when configured (header or ?token=)", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"] });
  new RandomMarket(feed, 1).reset(0);
  const token = "s3cret-token-123";
  const h = await startServer([feed], { token });
  const opened: BookClient[] = [];
  try {
    for (const path of ["/ws", "/ws?token=wrong-token-123", "/ws?token="]) {
      const raw = await RawWs.connect(h.server.port, path);
      assertEquals(raw.status, 401, path);
      raw.close();
    }
    const badHeader = await RawWs.connect(h.server.port, "/ws", {
      Authorization: "Bearer wrong-token-123",
    });
    assertEquals(badHeader.status, 401);
    badHeader.close();
    let failed = false;
    await BookClient.connect(h.ws, "json").catch(() => failed = true);
    assert(failed, "WebSocket without a token was accepted");

    const byQuery = await BookClient.connect(`${h.ws}?token=${token}`, "json");
    opened.push(byQuery);
    byQuery.subscribe("kraken", ["BTC/USD"]);
    await byQuery.text((m) => m.type === "snapshot");
    const byHeader = new WebSocket(
      h.ws,
      // Deno extension: headers on the WebSocket handshake (not in the DOM typings).
      { headers: { authorization: `Bearer ${token}` } } as unknown as string[],
    );
    await new Promise((resolve, reject) => {
      byHeader.onopen = resolve;
      byHeader.onerror = () => reject(new Error("header token refused"));
    });
    const closedHeader = new Promise((resolve) => byHeader.onclose = resolve);
    byHeader.close();
    await closedHeader;
    // Other routes are not behind the token.
    const health = await fetch(`${h.http}/health`);
    assertEquals(health.status, 200);
    await health.body?.cancel();
    const metrics = await (await fetch(`${h.http}/metrics`)).text();
    assert(
      metrics.includes('alphapulse_connections_rejected_total{reason="unauthorized"} 5'),
      metrics,
    );
  } finally {
    for (const c of opened) await c.close();
    await h.server.close();
  }
});

Deno.test("connections beyond maxClients are refused with 503", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"] });
  const h = await startServer([feed], { maxClients: 2 });
  const clients: BookClient[] = [];
  try {
    clients.push(await BookClient.connect(h.ws, "json"), await BookClient.connect(h.ws, "binary"));
    const third = await RawWs.connect(h.server.port, "/ws");
    assertEquals(third.status, 503);
    third.close();
    await clients.shift()!.close();
    await delay(20);
    clients.push(await BookClient.connect(h.ws, "json"));
    assertEquals(h.server.clients, 2);
  } finally {
    for (const c of clients) await c.close();
    await h.server.close();
  }
});

/** Reads frames until `predicate` holds for one (text frames parsed); returns the frames read. */
async function readUntil(raw: RawWs, predicate: (m: Json) => boolean): Promise<Json[]> {
  const seen: Json[] = [];
  while (true) {
    const f = await raw.next();
    if (!f) throw new Error(`EOF; last frames ${JSON.stringify(seen.slice(-2)).slice(0, 300)}`);
    if (f.opcode === 8) {
      const code = f.payload.length >= 2 ? (f.payload[0] << 8) | f.payload[1] : 0;
      seen.push({ type: "close", code, reason: new TextDecoder().decode(f.payload.subarray(2)) });
    } else if (f.opcode === 1) seen.push(JSON.parse(new TextDecoder().decode(f.payload)));
    else continue;
    if (predicate(seen[seen.length - 1])) return seen;
  }
}

Deno.test("a client that stops reading never delays a fast one; it is re-snapshotted or dropped", async () => {
  const feed = await LocalFeed.create({
    symbols: ["BTC/USD", "ETH/USD"],
    depth: 50,
    priceScale: 2,
    sizeScale: 8,
  });
  const market = new RandomMarket(feed, 3, 6_000_000, 2000);
  market.reset(0, 60);
  market.reset(1, 60);
  const h = await startServer([feed], { clientBufferBytes: 65536, maxSlowStrikes: 1 }, {
    slowDrainTimeoutMs: 60_000,
  });
  const fast = await BookClient.connect(h.ws, "json");
  const slow = await RawWs.connect(h.server.port, "/ws");
  try {
    assertEquals(slow.status, 101);
    const sub = {
      op: "subscribe",
      channel: "book",
      exchange: "kraken",
      symbols: ["BTC/USD", "ETH/USD"],
    };
    await slow.sendText(JSON.stringify(sub));
    fast.subscribe("kraken", ["BTC/USD", "ETH/USD"]);
    await caughtUp(fast, feed, 0);
    await caughtUp(fast, feed, 1);
    // Push until the slow client is over its buffer (the kernel absorbs a few MB first).
    const started = performance.now();
    while (h.server.metrics.slowClientEvents === 0) {
      if (performance.now() - started > 20_000) throw new Error("slow client never detected");
      market.run(200, 30);
      await delay(1);
    }
    market.run(200, 30);
    for (const i of [0, 1]) {
      await caughtUp(fast, feed, i, 10_000);
      assertBookMatches(fast, feed, i);
    }
    assertEquals(fast.violations, []);
    assert(fast.stale.length === 0, "the fast client was marked stale");
    assertEquals(h.server.clients, 2);

    // The slow client reads again: its backlog, then "stale" (slow), then fresh snapshots.
    const frames = await readUntil(slow, (m) => m.type === "status" && m.reason === "slow");
    assert(frames.every((m) => m.type !== "close"), "closed before the stale notice");
    await delay(200); // drained: the housekeeping tick re-snapshots it
    market.run(50, 5);
    const after = await readUntil(slow, (m) => m.type === "snapshot" && m.symbol === "ETH/USD");
    assert(after.some((m) => m.type === "snapshot" && m.symbol === "BTC/USD"), "BTC re-snapshot");
    assertEquals(h.server.metrics.slowClientRecoveries, 1);

    // Stops reading again: with maxSlowStrikes 1 the second episode disconnects it (1013).
    while (h.server.metrics.slowDisconnects === 0) {
      if (performance.now() - started > 40_000) throw new Error("slow client never dropped");
      market.run(200, 30);
      await delay(1);
    }
    const rest = await readUntil(slow, (m) => m.type === "close");
    const close = rest[rest.length - 1];
    assertEquals(close.code, 1013);
    assert(close.reason.includes("Slow consumer"), close.reason);
    // The fast client kept every delta throughout.
    for (const i of [0, 1]) {
      await caughtUp(fast, feed, i, 10_000);
      assertBookMatches(fast, feed, i);
    }
    assertEquals(fast.violations, []);
  } finally {
    slow.close();
    await fast.close();
    await h.server.close();
  }
});

Deno.test("a client whose buffer never drains is disconnected after the drain timeout", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"], depth: 50, sizeScale: 8 });
  const market = new RandomMarket(feed, 4, 6_000_000, 2000);
  market.reset(0, 60);
  const h = await startServer([feed], { clientBufferBytes: 65536, maxSlowStrikes: 3 }, {
    slowDrainTimeoutMs: 300,
  });
  const slow = await RawWs.connect(h.server.port, "/ws?format=binary");
  try {
    await slow.sendText(
      JSON.stringify({
        op: "subscribe",
        channel: "book",
        exchange: "kraken",
        symbols: ["BTC/USD"],
      }),
    );
    const started = performance.now();
    while (h.server.metrics.slowDisconnects === 0) {
      if (performance.now() - started > 20_000) throw new Error("never disconnected");
      market.run(100, 30);
      await delay(2);
    }
    assertEquals(h.server.metrics.slowClientEvents, 1);
    // Forgotten at once, although its socket cannot finish closing while it does not read.
    assertEquals(h.server.clients, 0);
  } finally {
    slow.close();
    await h.server.close();
  }
});

Deno.test("routes: /health, /metrics, / (isolated), 404, 426, 400", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD", "ETH/USD"] });
  const market = new RandomMarket(feed, 8);
  const h = await startServer([feed]);
  try {
    // Nothing live yet: 503.
    let res = await fetch(`${h.http}/health`);
    assertEquals(res.status, 503);
    assertEquals((await res.json()).status, "down");
    market.reset(0);
    await delay(30);
    res = await fetch(`${h.http}/health`);
    const partial = await res.json();
    assertEquals(res.status, 200);
    assertEquals(partial.status, "degraded");
    market.reset(1);
    market.run(10);
    await delay(30);
    const report = await (await fetch(`${h.http}/health`)).json();
    assertEquals(report.status, "ok");
    const book = report.exchanges[0].books[0];
    assertEquals(report.exchanges[0].exchange, "kraken");
    assertEquals(report.exchanges[0].connection, "connected");
    assertEquals([book.symbol, book.state, book.synced, book.seq], [
      "BTC/USD",
      "live",
      true,
      feed.seq(0),
    ]);
    assert(typeof book.lastRecordAgeMs === "number", "last record age");

    const metrics = await fetch(`${h.http}/metrics`);
    assert(metrics.headers.get("content-type")!.startsWith("text/plain; version=0.0.4"), "type");
    const text = await metrics.text();
    for (
      const name of [
        "alphapulse_clients 0",
        "alphapulse_deltas_sent_total 0",
        "alphapulse_bytes_sent_total",
        "alphapulse_slow_client_events_total 0",
        'alphapulse_ring_records_total{exchange="kraken"}',
        'alphapulse_exchange_connected{exchange="kraken"} 1',
        'alphapulse_book_live{exchange="kraken",symbol="BTC/USD"} 1',
        `alphapulse_book_seq{exchange="kraken",symbol="ETH/USD"} ${feed.seq(1)}`,
      ]
    ) assert(text.includes(name), `metrics lack ${name}`);
    for (const line of text.trim().split("\n")) {
      assert(
        /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+0-9.eInfNa]+)$/.test(line),
        `bad line ${line}`,
      );
    }

    const page = await fetch(`${h.http}/`);
    assertEquals(page.headers.get("cross-origin-opener-policy"), "same-origin");
    assertEquals(page.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert((await page.text()).includes("AlphaPulse"), "page");
    const missing = await fetch(`${h.http}/nope`);
    assertEquals(missing.status, 404);
    await missing.body?.cancel();
    const plain = await fetch(`${h.http}/ws`);
    assertEquals(plain.status, 426);
    await plain.body?.cancel();
    const badFormat = await RawWs.connect(h.server.port, "/ws?format=xml");
    assertEquals(badFormat.status, 400);
    badFormat.close();
  } finally {
    await h.server.close();
  }
});

Deno.test("shutdown closes every client with 1001 and a reason, then refuses connections", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"] });
  const market = new RandomMarket(feed, 12);
  market.reset(0);
  const h = await startServer([feed]);
  const json = await BookClient.connect(h.ws, "json");
  const bin = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
  json.subscribe("kraken", ["BTC/USD"]);
  bin.subscribe("kraken", ["BTC/USD"]);
  await caughtUp(json, feed, 0);
  await caughtUp(bin, feed, 0);
  const closing = h.server.close("maintenance window");
  assert(h.server.close() === closing, "close is idempotent");
  await closing;
  for (const c of [json, bin]) {
    const e = await c.closed;
    assertEquals([e.code, e.reason], [1001, "maintenance window"]);
  }
  let refused = false;
  await fetch(`${h.http}/health`).then((r) => r.body?.cancel()).catch(() => refused = true);
  assert(refused, "server still listening after close");
  // The ring is no longer read: writing more is harmless.
  market.run(20);
  assertEquals(feed.tradeListeners, 0);
});
