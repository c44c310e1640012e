/**
 * The client protocol: acknowledgements, unsubscribe / resubscribe, trades, and every kind of bad
 * client message (the connection stays up; abusers are disconnected).
 */
import { assert, assertEquals } from "../core/assert.ts";
import { BookClient } from "./book_clients.ts";
import { assertBookMatches, caughtUp, delay, startServer } from "./harness.ts";
import { LocalFeed, RandomMarket } from "./local_feed.ts";

async function setup(server = {}) {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD", "ETH/USD", "XRP/USD"], depth: 8 });
  const market = new RandomMarket(feed, 11);
  for (let i = 0; i < 3; i++) market.reset(i, 20);
  const h = await startServer([feed], server);
  return { feed, market, h };
}

Deno.test("subscribe is acknowledged, unsubscribe stops deltas, resubscribe re-snapshots", async () => {
  const { feed, market, h } = await setup();
  const c = await BookClient.connect(h.ws, "json");
  try {
    c.send({ op: "subscribe", channel: "book", exchange: "kraken", symbols: ["BTC/USD"], id: 7 });
    const ack = await c.text((m) => m.type === "subscribed");
    assertEquals(ack, {
      type: "subscribed",
      channel: "book",
      exchange: "kraken",
      symbols: ["BTC/USD"],
      id: 7,
      exchangeCode: 2,
      symbolIds: [0],
    });
    // The acknowledgement precedes the snapshot.
    assertEquals(c.texts[0].type, "subscribed");
    assertEquals(c.texts[1].type, "snapshot");
    market.run(40);
    await caughtUp(c, feed, 0);
    assertBookMatches(c, feed, 0);
    assert(c.texts.every((m) => m.symbol === undefined || m.symbol === "BTC/USD"), "other books");

    c.unsubscribe("kraken", ["BTC/USD"]);
    await c.text((m) => m.type === "unsubscribed");
    const afterUnsub = c.texts.length;
    for (let k = 0; k < 20; k++) feed.apply(0, market.batch(0, 4));
    await delay(50);
    assertEquals(c.texts.slice(afterUnsub), [], "messages after unsubscribe");

    c.subscribe("kraken", ["BTC/USD", "ETH/USD"]);
    await caughtUp(c, feed, 0);
    await caughtUp(c, feed, 1);
    const snapshots = c.texts.filter((m) => m.type === "snapshot");
    assertEquals(snapshots.length, 3);
    market.run(60);
    await caughtUp(c, feed, 0);
    await caughtUp(c, feed, 1);
    assertBookMatches(c, feed, 0);
    assertBookMatches(c, feed, 1);

    // Subscribing again to a held book sends a fresh snapshot (a client-side resync).
    const before = c.texts.filter((m) => m.type === "snapshot").length;
    c.subscribe("kraken", ["ETH/USD"]);
    await c.until(() => c.texts.filter((m) => m.type === "snapshot").length === before + 1);
    market.run(30);
    await caughtUp(c, feed, 1);
    assertBookMatches(c, feed, 1);
    assertEquals(c.violations, []);
  } finally {
    await c.close();
    await h.server.close();
  }
});

Deno.test("trades reach trade subscribers only, as JSON text even on binary connections", async () => {
  const { feed, h } = await setup();
  const json = await BookClient.connect(h.ws, "json");
  const bin = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
  const other = await BookClient.connect(h.ws, "json");
  try {
    json.subscribe("kraken", ["BTC/USD"], "trades");
    bin.subscribe("kraken", ["BTC/USD"], "trades");
    other.subscribe("kraken", ["ETH/USD"], "trades");
    other.subscribe("kraken", ["BTC/USD"], "book");
    await Promise.all([json, bin, other].map((c) => c.text((m) => m.type === "subscribed")));
    await other.text((m) => m.type === "snapshot");
    feed.trade({
      symbol: "BTC/USD",
      price: "60000.25",
      size: "0.0100",
      side: "buy",
      ts: 1719835200123,
      tradeId: "t1",
    });
    const want = {
      type: "trade",
      exchange: "kraken",
      symbol: "BTC/USD",
      price: "60000.25",
      size: "0.0100",
      side: "buy",
      ts: 1719835200123,
      id: "t1",
    };
    assertEquals(await json.text((m) => m.type === "trade"), want);
    assertEquals(await bin.text((m) => m.type === "trade"), want);
    await delay(30);
    assert(!other.texts.some((m) => m.type === "trade"), "ETH/USD subscriber got a BTC/USD trade");
    json.unsubscribe("kraken", ["BTC/USD"], "trades");
    await json.text((m) => m.type === "unsubscribed");
    feed.trade({ symbol: "BTC/USD", price: "1", size: "1", side: "sell", ts: 1, tradeId: "t2" });
    await bin.until(() => bin.texts.filter((m) => m.type === "trade").length === 2);
    await delay(20);
    assertEquals(json.texts.filter((m) => m.type === "trade").length, 1);
  } finally {
    await Promise.all([json, bin, other].map((c) => c.close()));
    await h.server.close();
  }
  assertEquals(feed.tradeListeners, 0, "server left its trade listener");
});

Deno.test("bad client messages get errors and the connection stays up", async () => {
  const { feed, h } = await setup({ maxSubscriptionsPerClient: 3, maxMessageBytes: 256 });
  const c = await BookClient.connect(h.ws, "json");
  try {
    const errors = () => c.texts.filter((m) => m.type === "error");
    const expectError = async (send: () => void, code: string) => {
      const n = errors().length;
      send();
      await c.until(() => errors().length === n + 1, 3000, `error ${code}`);
      const e = errors()[n];
      assertEquals(e.code, code, `error for ${code}: ${JSON.stringify(e)}`);
      assert(typeof e.message === "string" && e.message.length > 0, "error message text");
      return e;
    };
    await expectError(() => c.send("{not json"), "bad_json");
    await expectError(() => c.send("[1,2,3]"), "bad_request");
    await expectError(() => c.send({ op: "subscribe", channel: "book" }), "bad_request");
    await expectError(
      () =>
        c.send({ op: "subscribe", channel: "candles", exchange: "kraken", symbols: ["BTC/USD"] }),
      "bad_request",
    );
    await expectError(
      () => c.send({ op: "subscribe", channel: "book", exchange: "kraken", symbols: [] }),
      "bad_request",
    );
    await expectError(
      () =>
        c.send({
          op: "subscribe",
          channel: "book",
          exchange: "kraken",
          symbols: ["BTC/USD"],
          extra: 1,
        }),
      "bad_request",
    );
    const ex = await expectError(() => c.subscribe("ftx", ["BTC/USD"]), "unknown_exchange");
    assert(ex.message.includes("kraken"), "error names the exchanges served");
    const sym = await expectError(
      () => c.subscribe("kraken", ["ETH/USD", "DOGE/USD"]),
      "unknown_symbol",
    );
    assertEquals(sym.symbols, ["DOGE/USD"]);
    await expectError(() => c.socket.send(new Uint8Array([1, 2, 3])), "binary_not_accepted");
    await expectError(
      () => c.subscribe("kraken", ["BTC/USD", "X".repeat(300)]),
      "message_too_large",
    );
    // The refused "ETH/USD + DOGE/USD" request subscribed nothing.
    assert(!c.texts.some((m) => m.type === "snapshot"), "a refused request subscribed");
    // Subscription limit (3): book x2 + trades x1 fits, one more does not.
    c.subscribe("kraken", ["BTC/USD", "ETH/USD"]);
    c.subscribe("kraken", ["BTC/USD"], "trades");
    await c.until(() => c.texts.filter((m) => m.type === "subscribed").length === 2);
    await expectError(() => c.subscribe("kraken", ["XRP/USD"]), "too_many_subscriptions");
    // Re-subscribing to a held book does not count twice.
    c.subscribe("kraken", ["ETH/USD"]);
    await c.until(() => c.texts.filter((m) => m.type === "subscribed").length === 3);
    // Still up and served.
    assert(c.socket.readyState === WebSocket.OPEN, "connection closed");
    await caughtUp(c, feed, 0);
    await caughtUp(c, feed, 1);
    assertEquals(c.violations, []);
    const metrics = await (await fetch(`${h.http}/metrics`)).text();
    assert(
      metrics.includes('alphapulse_client_messages_rejected_total{reason="bad_request"} 5'),
      "rejected counter",
    );
  } finally {
    await c.close();
    await h.server.close();
  }
});

Deno.test("too frequent messages are refused, then the abuser is disconnected (1008)", async () => {
  const { h } = await setup({ maxMessagesPerSecond: 5 });
  const polite = await BookClient.connect(h.ws, "json");
  const abuser = await BookClient.connect(h.ws, "json");
  try {
    for (let i = 0; i < 8; i++) polite.subscribe("kraken", ["BTC/USD"]);
    await polite.until(() => polite.texts.filter((m) => m.type === "error").length === 3);
    assertEquals(polite.texts.filter((m) => m.type === "subscribed").length, 5);
    assert(polite.texts.filter((m) => m.type === "error").every((m) => m.code === "rate_limited"));
    assertEquals(polite.socket.readyState, WebSocket.OPEN);

    for (let i = 0; i < 40; i++) abuser.send("{}");
    const closed = await abuser.closed;
    assertEquals(closed.code, 1008);
    assert(closed.reason.includes("rate"), `reason: ${closed.reason}`);
    assertEquals(polite.socket.readyState, WebSocket.OPEN);
    assertEquals(h.server.metrics.abuseDisconnects, 1);
  } finally {
    await polite.close();
    await abuser.close();
    await h.server.close();
  }
});
