/**
 * Tests of the mock exchange servers themselves, driven by plain `WebSocket` / `fetch` clients
 * that rebuild books independently of the mocks' code.
 */
import { deepStrictEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { crc32 } from "../../src/util/crc32.ts";
import { BinanceUsMock } from "../../src/exchanges/binanceus/mock.ts";
import { CoinbaseMock } from "../../src/exchanges/coinbase/mock.ts";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import type { TextLevel } from "../../src/mock/mock_book.ts";
import { DECIMALS, ReferenceBook } from "../support/reference_book.ts";
import type { MockExchangeServer } from "../../src/mock/mock_server.ts";
import { type Json, parseJsonExact, waitUntil, WsTestClient } from "../support/ws_test_client.ts";

// ---------------------------------------------------------------------------------------- helpers

/** The shared reference book (exact decimal texts), plus what these tests track. */
class RebuiltBook extends ReferenceBook<string, string> {
  maxSeen = 0;

  constructor() {
    super(DECIMALS);
  }

  put(side: "bids" | "asks", price: string, qty: string): void {
    const s = side === "bids" ? "bid" : "ask";
    this.set(s, price, qty);
    this.maxSeen = Math.max(this.maxSeen, this.size(s));
  }

  sorted(side: "bids" | "asks", limit = Infinity): TextLevel[] {
    return this.top(side === "bids" ? "bid" : "ask", limit);
  }

  /** Kraken rule, built independently: asks then bids, top 10, '.' and leading zeros removed. */
  krakenChecksum(): number {
    const digits = (t: string) => t.replace(".", "").replace(/^0+/, "") || "0";
    let s = "";
    for (const [p, q] of this.sorted("asks", 10)) s += digits(p) + digits(q);
    for (const [p, q] of this.sorted("bids", 10)) s += digits(p) + digits(q);
    return crc32(s);
  }

  view(limit = Infinity): { bids: TextLevel[]; asks: TextLevel[] } {
    return { bids: this.sorted("bids", limit), asks: this.sorted("asks", limit) };
  }
}

/** Wait until the client has received every frame the mock sent on connection `connId`. */
async function synced<S>(
  mock: MockExchangeServer<S>,
  client: WsTestClient,
  connId: number,
): Promise<void> {
  await waitUntil(
    () => {
      const conn = mock.connections.find((c) => c.id === connId);
      return conn !== undefined && client.received.length >= conn.sent;
    },
    3000,
    `client ${connId} to catch up`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// V2-DOC: Kraken's documented example (checksum 3310070434), shared/docs §6.
const V2_DOC = {
  asks: [
    ["45285.2", "0.00100000"],
    ["45286.4", "1.54571953"],
    ["45286.6", "1.54571109"],
    ["45289.6", "1.54560911"],
    ["45290.2", "0.15890660"],
    ["45291.8", "1.54553491"],
    ["45294.7", "0.04454749"],
    ["45296.1", "0.35380000"],
    ["45297.5", "0.09945542"],
    ["45299.5", "0.18772827"],
  ] as TextLevel[],
  bids: [
    ["45283.5", "0.10000000"],
    ["45283.4", "1.54582015"],
    ["45282.1", "0.10000000"],
    ["45281.0", "0.10000000"],
    ["45280.3", "1.54592586"],
    ["45279.0", "0.07990000"],
    ["45277.6", "0.03310103"],
    ["45277.5", "0.30000000"],
    ["45277.3", "1.54602737"],
    ["45276.6", "0.15445238"],
  ] as TextLevel[],
};

// ---------------------------------------------------------------------------------------- Kraken

/** Kraken client state: rebuilt books per symbol and checksum verdicts. */
class KrakenClient {
  readonly books = new Map<string, RebuiltBook>();
  readonly depth = new Map<string, number>();
  readonly mismatches: string[] = [];
  verified = 0;
  truncations = 0;

  constructor(readonly priceDecimals: Record<string, number>) {}

  /** Apply one exact-parsed message; returns the checksum verdict for book messages. */
  handle(msg: Json): boolean | undefined {
    if (msg.channel !== "book") return undefined;
    const data = msg.data[0];
    const symbol: string = data.symbol;
    const pd = this.priceDecimals[symbol];
    let book = this.books.get(symbol);
    if (msg.type === "snapshot" || !book) {
      book = new RebuiltBook();
      this.books.set(symbol, book);
    }
    for (const side of ["bids", "asks"] as const) {
      for (const level of data[side]) {
        match(
          level.price,
          new RegExp(`^\\d+\\.\\d{${pd}}$`),
          `price ${level.price} has ${pd} decimals`,
        );
        match(level.qty, /^(0|\d+\.\d{8})$/, `qty ${level.qty} has 8 decimals (or is a 0 delete)`);
        book.put(side, level.price, level.qty);
      }
    }
    const depth = this.depth.get(symbol)!;
    if (book.size("bid") > depth || book.size("ask") > depth) this.truncations++;
    book.truncate(depth);
    const ok = book.krakenChecksum() === Number(data.checksum);
    if (ok) this.verified++;
    else this.mismatches.push(`${symbol} ${msg.type}`);
    return ok;
  }
}

Deno.test("Kraken: status, instrument precisions, per-symbol acks and errors, ping", async () => {
  const mock = new KrakenMock({ symbols: ["BTC/USD", "ETH/USD"] });
  await mock.start();
  const client = await WsTestClient.connect(mock.wsUrl);
  try {
    ok(mock.wsUrl.endsWith("/v2"));
    const statusText = await client.next();
    match(statusText, /"connection_id":\d{19},/, "connection_id is a raw 19-digit integer");
    const status = JSON.parse(statusText);
    equal(status.channel, "status");
    equal(status.data[0].system, "online");
    equal(status.data[0].api_version, "v2");

    client.send({ method: "subscribe", params: { channel: "instrument" }, req_id: 1 });
    const iack = await client.nextJson();
    deepStrictEqual([iack.method, iack.success, iack.req_id, iack.result.channel], [
      "subscribe",
      true,
      1,
      "instrument",
    ]);
    const inst = await client.nextJson(3000, true);
    equal(inst.channel, "instrument");
    const pairs = Object.fromEntries(inst.data.pairs.map((p: Json) => [p.symbol, p]));
    equal(pairs["BTC/USD"].price_precision, "1");
    equal(pairs["BTC/USD"].qty_precision, "8");
    equal(pairs["ETH/USD"].price_precision, "2");
    equal(pairs["BTC/USD"].price_increment, "0.1");

    client.send({
      method: "subscribe",
      params: { channel: "book", symbol: ["BTC/USD", "XYZ/USD"], depth: 10 },
      req_id: 7,
    });
    const ack = await client.nextJson();
    deepStrictEqual(ack.result, { channel: "book", depth: 10, snapshot: true, symbol: "BTC/USD" });
    equal(ack.success, true);
    equal(ack.req_id, 7);
    ok(ack.time_in && ack.time_out);
    const snap = await client.nextJson(3000, true);
    deepStrictEqual([snap.channel, snap.type, snap.data[0].symbol], [
      "book",
      "snapshot",
      "BTC/USD",
    ]);
    equal(snap.data[0].bids.length, 10);
    equal(snap.data[0].asks.length, 10);
    equal(Number(snap.data[0].checksum), mock.checksum("BTC/USD"));
    ok(snap.data[0].timestamp);
    const nack = await client.nextJson();
    deepStrictEqual([nack.success, nack.symbol, nack.req_id], [false, "XYZ/USD", 7]);
    match(nack.error, /XYZ\/USD/);

    client.send({
      method: "subscribe",
      params: { channel: "book", symbol: ["ETH/USD"], depth: 11 },
      req_id: 8,
    });
    const bad = await client.nextJson();
    deepStrictEqual([bad.success, bad.symbol], [false, "ETH/USD"]);
    match(bad.error, /depth/);

    client.send({
      method: "subscribe",
      params: { channel: "book", symbol: ["BTC/USD"] },
      req_id: 9,
    });
    const again = await client.nextJson();
    deepStrictEqual([again.success, again.error], [false, "Already subscribed"]);

    client.send({ method: "ping", req_id: 101 });
    const pong = await client.nextJson();
    deepStrictEqual([pong.method, pong.req_id], ["pong", 101]);
    ok(pong.time_in && pong.time_out);

    client.send({ method: "frobnicate", req_id: 5 });
    const unknown = await client.nextJson();
    deepStrictEqual([unknown.success, unknown.method], [false, "frobnicate"]);
    client.send("{not json");
    equal((await client.nextJson()).success, false);

    client.send({
      method: "unsubscribe",
      params: { channel: "book", symbol: ["BTC/USD"], depth: 10 },
      req_id: 10,
    });
    const unsub = await client.nextJson();
    deepStrictEqual([unsub.method, unsub.success, unsub.result.symbol], [
      "unsubscribe",
      true,
      "BTC/USD",
    ]);
    mock.stepOnce(undefined, 20);
    client.send({ method: "ping", req_id: 102 });
    equal((await client.nextJson()).method, "pong", "no book messages after unsubscribe");

    const stats = mock.stats;
    deepStrictEqual(stats.bookSubscribes, { "BTC/USD": 1 });
    deepStrictEqual(stats.bookUnsubscribes, { "BTC/USD": 1 });
    equal(stats.subscribeErrors, 3);
    equal(stats.pings, 2);
    equal(stats.invalidRequests, 2);
    equal(stats.handlerErrors, 0);
  } finally {
    await client.close();
    await mock.stop();
  }
});

Deno.test("Kraken: every book message's checksum verifies against an independent rebuild", async () => {
  const mock = new KrakenMock({
    symbols: ["BTC/USD", { symbol: "ETH/USD", tradeProbability: 0.3 }],
    seed: 11,
  });
  await mock.start();
  const a = await WsTestClient.connect(mock.wsUrl);
  const b = await WsTestClient.connect(mock.wsUrl);
  const ka = new KrakenClient({ "BTC/USD": 1, "ETH/USD": 2 });
  const kb = new KrakenClient({ "BTC/USD": 1, "ETH/USD": 2 });
  try {
    ka.depth.set("BTC/USD", 10).set("ETH/USD", 25);
    kb.depth.set("BTC/USD", 100);
    a.send({ method: "subscribe", params: { channel: "book", symbol: ["BTC/USD"], depth: 10 } });
    a.send({ method: "subscribe", params: { channel: "book", symbol: ["ETH/USD"], depth: 25 } });
    a.send({
      method: "subscribe",
      params: { channel: "trade", symbol: ["ETH/USD"], snapshot: false },
    });
    b.send({ method: "subscribe", params: { channel: "book", symbol: ["BTC/USD"], depth: 100 } });
    await waitUntil(() =>
      (mock.stats.bookSubscribes["BTC/USD"] ?? 0) === 2 &&
      mock.stats.tradeSubscribes["ETH/USD"] === 1
    );
    const tradeIds: number[] = [];
    for (let round = 0; round < 10; round++) {
      mock.stepOnce(undefined, 60);
      await synced(mock, a, 1);
      await synced(mock, b, 2);
      for (const text of a.drain()) {
        const msg = parseJsonExact(text);
        ka.handle(msg);
        if (msg.channel === "trade") {
          for (const t of msg.data) tradeIds.push(Number(t.trade_id));
        }
      }
      for (const text of b.drain()) {
        kb.handle(
          parseJsonExact(text),
        );
      }
    }
    deepStrictEqual(ka.mismatches, []);
    deepStrictEqual(kb.mismatches, []);
    ok(ka.verified > 500, `verified ${ka.verified}`);
    ok(ka.truncations > 0, "the depth-10 client had to truncate");
    ok(kb.books.get("BTC/USD")!.maxSeen <= 101);
    deepStrictEqual(ka.books.get("BTC/USD")!.view(), mock.book("BTC/USD", 10));
    deepStrictEqual(ka.books.get("ETH/USD")!.view(), mock.book("ETH/USD", 25));
    deepStrictEqual(kb.books.get("BTC/USD")!.view(), mock.book("BTC/USD", 100));
    // A whole-book replacement is published as one diff.
    mock.setBook("ETH/USD", {
      bids: [["2999.50", "1"], ["2999.00", "2"], ["2990.00", "0.5"]],
      asks: [["3000.25", "0.1"], ["3001.00", "3"]],
    });
    await synced(mock, a, 1);
    for (const text of a.drain()) ka.handle(parseJsonExact(text));
    deepStrictEqual(ka.mismatches, []);
    deepStrictEqual(ka.books.get("ETH/USD")!.view(), {
      bids: [["2999.50", "1.00000000"], ["2999.00", "2.00000000"], ["2990.00", "0.50000000"]],
      asks: [["3000.25", "0.10000000"], ["3001.00", "3.00000000"]],
    });
    ok(tradeIds.length > 20);
    for (let i = 1; i < tradeIds.length; i++) {
      equal(tradeIds[i], tradeIds[i - 1] + 1, "trade_id sequential");
    }
    equal(mock.stats.handlerErrors, 0);
  } finally {
    await a.close();
    await b.close();
    await mock.stop();
  }
});

Deno.test("Kraken: reproduces the documented checksum vectors (C1/C2, V2-DOC, D, E, F)", async () => {
  const sub = (client: WsTestClient, symbol: string) =>
    client.send({ method: "subscribe", params: { channel: "book", symbol: [symbol], depth: 10 } });
  // C1 → C2 on a 3-level book.
  {
    const mock = new KrakenMock({
      symbols: [{
        symbol: "BTC/USD",
        priceDecimals: 1,
        book: {
          asks: [["50000.5", "0.25"], ["50001.0", "1"], ["50002.3", "0.005"]],
          bids: [["50000.0", "0.75"], ["49999.5", "2"], ["49990.1", "0.01"]],
        },
      }],
    });
    await mock.start();
    const c = await WsTestClient.connect(mock.wsUrl);
    try {
      await c.next(); // status
      sub(c, "BTC/USD");
      await c.next(); // ack
      const snapshot = await c.next();
      match(snapshot, /"checksum":4085213383,/);
      match(
        snapshot,
        /"bids":\[\{"price":50000\.0,"qty":0\.75000000\},\{"price":49999\.5,"qty":2\.00000000\}/,
      );
      mock.applyStep("BTC/USD", {
        changes: [{ side: "bid", price: "50000.0", qty: "0" }, {
          side: "ask",
          price: "50000.8",
          qty: "0.1",
        }],
      });
      const update = await c.next();
      match(
        update,
        /"bids":\[\{"price":50000\.0,"qty":0\}\],"asks":\[\{"price":50000\.8,"qty":0\.10000000\}\],"checksum":2336972120,/,
      );
    } finally {
      await c.close();
      await mock.stop();
    }
  }
  // V2-DOC with one deeper level per side → D → F.
  {
    const mock = new KrakenMock({
      symbols: [{
        symbol: "BTC/USD",
        book: {
          asks: [...V2_DOC.asks, ["45300.0", "0.01"]],
          bids: [...V2_DOC.bids, ["45276.2", "0.2"]],
        },
      }],
    });
    await mock.start();
    const c = await WsTestClient.connect(mock.wsUrl);
    try {
      await c.next();
      sub(c, "BTC/USD");
      await c.next();
      const snap = await c.nextJson(3000, true);
      equal(snap.data[0].checksum, "3310070434");
      equal(snap.data[0].bids[3].price, "45281.0");
      // D: insert at the top; 45276.6 leaves the window silently.
      mock.applyStep("BTC/USD", { changes: [{ side: "bid", price: "45283.6", qty: "0.5" }] });
      const d = await c.nextJson(3000, true);
      deepStrictEqual(d.data[0].bids, [{ price: "45283.6", qty: "0.50000000" }]);
      deepStrictEqual(d.data[0].asks, []);
      equal(d.data[0].checksum, "1267292553");
      // Cancelled outside the window: nothing is sent.
      mock.applyStep("BTC/USD", { changes: [{ side: "bid", price: "45276.6", qty: "0" }] });
      c.send({ method: "ping", req_id: 1 });
      equal((await c.nextJson()).method, "pong");
      // F: delete inside the window; the refill comes from deeper.
      mock.applyStep("BTC/USD", { changes: [{ side: "bid", price: "45283.6", qty: "0" }] });
      const f = await c.nextJson(3000, true);
      deepStrictEqual(f.data[0].bids, [{ price: "45283.6", qty: "0" }, {
        price: "45276.2",
        qty: "0.20000000",
      }]);
      equal(f.data[0].checksum, "1001244817");
    } finally {
      await c.close();
      await mock.stop();
    }
  }
  // E: change + removal + refill, numbers in "shortest" form (adapter must re-format).
  {
    const mock = new KrakenMock({
      symbols: [{
        symbol: "BTC/USD",
        book: { asks: [...V2_DOC.asks, ["45300.0", "0.01"]], bids: V2_DOC.bids },
      }],
      numberFormat: "shortest",
    });
    await mock.start();
    const c = await WsTestClient.connect(mock.wsUrl);
    try {
      await c.next();
      sub(c, "BTC/USD");
      await c.next();
      const snap = await c.next();
      match(snap, /\{"price":45281,"qty":0\.1\}/, "shortest form drops trailing zeros");
      match(snap, /"checksum":3310070434,/, "checksum still over fixed decimals");
      mock.applyStep("BTC/USD", {
        changes: [{ side: "ask", price: "45285.2", qty: "0" }, {
          side: "ask",
          price: "45286.4",
          qty: "2",
        }],
      });
      const e = await c.nextJson(3000, true);
      deepStrictEqual(e.data[0].asks, [
        { price: "45285.2", qty: "0" },
        { price: "45286.4", qty: "2" },
        { price: "45300", qty: "0.01" },
      ]);
      equal(e.data[0].checksum, "4123741106");
    } finally {
      await c.close();
      await mock.stop();
    }
  }
});

Deno.test("Kraken faults: bad checksum, lost update, unknown delete, repeats, beyond depth, rejects", async () => {
  const mock = new KrakenMock({ symbols: ["BTC/USD", "ETH/USD"], seed: 5 });
  await mock.start();
  const c = await WsTestClient.connect(mock.wsUrl);
  const k = new KrakenClient({ "BTC/USD": 1, "ETH/USD": 2 });
  k.depth.set("BTC/USD", 10).set("ETH/USD", 10);
  const pump = async () => {
    await synced(mock, c, 1);
    const verdicts: Array<{ msg: Json; ok: boolean | undefined }> = [];
    for (const text of c.drain()) {
      const msg = parseJsonExact(text);
      verdicts.push({ msg, ok: k.handle(msg) });
    }
    return verdicts;
  };
  const bookMsgs = (v: Array<{ msg: Json; ok: boolean | undefined }>, symbol: string) =>
    v.filter((x) => x.msg.channel === "book" && x.msg.data[0].symbol === symbol);
  const resubscribe = async (symbol: string) => {
    const before = mock.stats.snapshotsSent[symbol] ?? 0;
    c.send({ method: "unsubscribe", params: { channel: "book", symbol: [symbol], depth: 10 } });
    c.send({ method: "subscribe", params: { channel: "book", symbol: [symbol], depth: 10 } });
    await waitUntil(() => (mock.stats.snapshotsSent[symbol] ?? 0) > before);
    await pump();
  };
  try {
    c.send({
      method: "subscribe",
      params: { channel: "book", symbol: ["BTC/USD", "ETH/USD"], depth: 10 },
    });
    await waitUntil(() => Object.keys(mock.stats.snapshotsSent).length === 2);
    await pump();

    // Bad checksum on BTC/USD only.
    equal(mock.injectBadChecksum("BTC/USD"), 1);
    let v: Awaited<ReturnType<typeof pump>> = [];
    while (bookMsgs(v, "BTC/USD").length === 0) {
      mock.stepOnce(undefined, 5);
      v = v.concat(await pump());
    }
    deepStrictEqual(bookMsgs(v, "BTC/USD").map((x) => x.ok), [
      false,
      ...bookMsgs(v, "BTC/USD").slice(1).map(() => true),
    ]);
    ok(bookMsgs(v, "ETH/USD").every((x) => x.ok));
    equal(mock.stats.badChecksumsSent, 1);
    await resubscribe("BTC/USD");
    deepStrictEqual(
      mock.stats.bookSubscribes,
      { "BTC/USD": 2, "ETH/USD": 1 },
      "only BTC/USD resynced",
    );

    // A lost ETH/USD update: keep losing until a book message was really dropped, then the next
    // update disagrees with the client's rebuild.
    const dropped = mock.stats.messagesDropped;
    while (mock.stats.messagesDropped === dropped) mock.injectGap("ETH/USD");
    let eth: Array<{ msg: Json; ok: boolean | undefined }> = [];
    for (let i = 0; i < 200 && !eth.some((x) => x.ok === false); i++) {
      mock.stepOnce("ETH/USD");
      eth = eth.concat(bookMsgs(await pump(), "ETH/USD"));
    }
    ok(eth.some((x) => x.ok === false), "lost update detected by checksum");
    await resubscribe("ETH/USD");
    k.mismatches.length = 0;

    // Delete of an unknown level: harmless, checksum unchanged.
    mock.deleteUnknownLevel("BTC/USD", "ask");
    v = await pump();
    const del = bookMsgs(v, "BTC/USD")[0];
    equal(del.ok, true);
    equal(del.msg.data[0].asks.length, 1);
    equal(del.msg.data[0].asks[0].qty, "0");
    ok(!mock.book("BTC/USD").asks.some(([p]) => p === del.msg.data[0].asks[0].price));

    // The same level twice in one message, and a level beyond the depth.
    equal(mock.injectRepeatedLevel("ETH/USD"), 1);
    equal(mock.injectBeyondDepth("BTC/USD"), 1);
    v = [];
    while (bookMsgs(v, "ETH/USD").length === 0 || bookMsgs(v, "BTC/USD").length === 0) {
      mock.stepOnce();
      v = v.concat(await pump());
    }
    const rep = bookMsgs(v, "ETH/USD")[0].msg.data[0];
    const repSide = rep.bids.length > 0 ? rep.bids : rep.asks;
    equal(repSide[0].price, repSide[1].price, "first level repeated");
    notEqual(repSide[0].qty, repSide[1].qty);
    const beyond = bookMsgs(v, "BTC/USD")[0].msg.data[0].bids.at(-1);
    ok(Number(beyond.price) < Number(mock.book("BTC/USD", 10).bids[9][0]), "beyond the 10th bid");
    deepStrictEqual(k.mismatches, []);
    deepStrictEqual(k.books.get("BTC/USD")!.view(), mock.book("BTC/USD", 10));

    // Rejected subscribe, then accepted.
    mock.rejectSubscribe("ETH/USD");
    c.send({ method: "unsubscribe", params: { channel: "book", symbol: ["ETH/USD"] }, req_id: 50 });
    c.send({ method: "subscribe", params: { channel: "book", symbol: ["ETH/USD"] }, req_id: 51 });
    const rejected = await c.waitForJson((m) => m.req_id === 51);
    deepStrictEqual([rejected.success, rejected.symbol], [false, "ETH/USD"]);
    c.send({ method: "subscribe", params: { channel: "book", symbol: ["ETH/USD"] }, req_id: 52 });
    equal((await c.waitForJson((m) => m.req_id === 52)).success, true);
    equal(mock.stats.injectedRejects, 1);
    deepStrictEqual(k.mismatches, []);
    equal(mock.stats.handlerErrors, 0);
  } finally {
    await c.close();
    await mock.stop();
  }
});

Deno.test("Kraken: heartbeats only when idle and subscribed; silence, raw frames, disconnect", async () => {
  const mock = new KrakenMock({ symbols: ["BTC/USD"], heartbeatIntervalMs: 40 });
  await mock.start();
  const idle = await WsTestClient.connect(mock.wsUrl);
  const subbed = await WsTestClient.connect(mock.wsUrl);
  try {
    subbed.send({ method: "subscribe", params: { channel: "book", symbol: ["BTC/USD"] } });
    await waitUntil(() => mock.stats.heartbeatsSent >= 3, 2000, "heartbeats");
    equal(idle.received.length, 1, "no heartbeat without a subscription (status only)");
    ok(subbed.received.some((t) => t === '{"channel":"heartbeat"}'));

    // While paced at 100 steps/s most windows have traffic, so heartbeats become rare.
    // Silence: nothing at all (not even heartbeats) for the duration.
    equal(mock.silence(500), 2);
    await sleep(30); // frames already in flight may still land
    const before = subbed.received.length;
    mock.stepOnce(undefined, 30);
    await sleep(200);
    equal(subbed.received.length, before, "silenced: nothing sent");
    ok(mock.stats.messagesDropped > 0);
    await waitUntil(() => subbed.received.length > before, 3000, "traffic after silence");

    idle.drain();
    equal(mock.sendRaw("{malformed"), 2);
    equal(await idle.next(), "{malformed");
    equal(mock.disconnectAll(4001, "bye"), 2);
    const closed = await idle.closed;
    deepStrictEqual([closed.code, closed.reason], [4001, "bye"]);
    await subbed.closed;
    await waitUntil(() => mock.stats.openConnections === 0);
    equal(mock.stats.closedByServer, 2);
  } finally {
    await idle.close();
    await subbed.close();
    await mock.stop();
  }
});

// ---------------------------------------------------------------------------------------- Coinbase

/** Coinbase client: sequence check and book rebuild. */
class CoinbaseClient {
  readonly books = new Map<string, RebuiltBook>();
  readonly seqs: number[] = [];
  readonly channels: string[] = [];

  handle(msg: Json): void {
    if (msg.type === "error") return;
    this.seqs.push(msg.sequence_num);
    this.channels.push(msg.channel);
    if (msg.channel !== "l2_data") return;
    for (const event of msg.events) {
      let book = this.books.get(event.product_id);
      if (event.type === "snapshot" || !book) {
        book = new RebuiltBook();
        this.books.set(event.product_id, book);
      }
      for (const u of event.updates) {
        ok(u.side === "bid" || u.side === "offer", `side ${u.side}`);
        book.put(u.side === "bid" ? "bids" : "asks", u.price_level, u.new_quantity);
      }
    }
  }

  gaps(): number[] {
    const out: number[] = [];
    for (let i = 1; i < this.seqs.length; i++) {
      if (this.seqs[i] !== this.seqs[i - 1] + 1) out.push(i);
    }
    return out;
  }
}

Deno.test("Coinbase: one contiguous sequence_num across channels; snapshot + updates rebuild the book", async () => {
  const mock = new CoinbaseMock({
    symbols: ["BTC-USD", "ETH/USD"],
    heartbeatIntervalMs: 20,
    market: { tradeProbability: 0.4 },
  });
  await mock.start();
  const c = await WsTestClient.connect(mock.wsUrl);
  const cb = new CoinbaseClient();
  try {
    c.send({ type: "subscribe", product_ids: ["BTC-USD", "ETH-USD"], channel: "level2" });
    c.send({ type: "subscribe", product_ids: ["BTC-USD"], channel: "market_trades" });
    c.send({ type: "subscribe", channel: "heartbeats" });
    const ack = await c.nextJson();
    deepStrictEqual([ack.channel, ack.sequence_num, ack.client_id], ["subscriptions", 0, ""]);
    deepStrictEqual(ack.events[0].subscriptions, { level2: ["BTC-USD", "ETH-USD"] });
    const snap = await c.nextJson();
    deepStrictEqual([snap.channel, snap.sequence_num, snap.events[0].type], [
      "l2_data",
      1,
      "snapshot",
    ]);
    match(snap.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    cb.handle(ack);
    cb.handle(snap);
    mock.startPacing(300);
    await sleep(400);
    mock.stopPacing();
    await synced(mock, c, 1);
    for (const text of c.drain()) cb.handle(JSON.parse(text));
    deepStrictEqual(cb.gaps(), []);
    equal(cb.seqs[0], 0);
    for (const ch of ["subscriptions", "l2_data", "market_trades", "heartbeats"]) {
      ok(cb.channels.includes(ch), `saw ${ch}`);
    }
    deepStrictEqual(cb.books.get("BTC-USD")!.view(), mock.book("BTC-USD"));
    deepStrictEqual(cb.books.get("ETH-USD")!.view(), mock.book("ETH-USD"));
    const hb = c.received.map((t) => JSON.parse(t)).filter((m) => m.channel === "heartbeats");
    ok(hb.length >= 5);
    for (let i = 1; i < hb.length; i++) {
      equal(hb[i].events[0].heartbeat_counter, hb[i - 1].events[0].heartbeat_counter + 1);
    }
    match(
      hb[0].events[0].current_time,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 UTC m=\+\d+\.\d+$/,
    );
    const trades = c.received.map((t) => JSON.parse(t)).filter((m) =>
      m.channel === "market_trades"
    );
    equal(trades[0].events[0].type, "snapshot");
    ok(trades.length > 5);
    const t = trades.at(-1).events[0].trades[0];
    ok(["BUY", "SELL"].includes(t.side));
    equal(t.product_id, "BTC-USD");
    match(t.price, /^\d+\.\d\d$/);
    const stats = mock.stats;
    deepStrictEqual(stats.level2Subscribes, { "BTC-USD": 1, "ETH-USD": 1 });
    equal(stats.subscribes, 3);
    equal(stats.handlerErrors, 0);
  } finally {
    await c.close();
    await mock.stop();
  }
});

Deno.test("Coinbase: subscribe deadline, errors, USDC alias, rejections, unsubscribe", async () => {
  const mock = new CoinbaseMock({ symbols: ["BTC-USD", "ETH-USD"], subscribeTimeoutMs: 150 });
  await mock.start();
  const lazy = await WsTestClient.connect(mock.wsUrl);
  const c = await WsTestClient.connect(mock.wsUrl);
  try {
    c.send({ type: "subscribe", product_ids: ["DOGE-USD"], channel: "level2" });
    c.send({ type: "subscribe", product_ids: ["BTC-USDC"], channel: "level2" });
    const err = await c.nextJson();
    equal(err.type, "error");
    match(err.message, /DOGE-USD/);
    const ack = await c.nextJson();
    equal(ack.sequence_num, 0, "errors consume no sequence_num");
    deepStrictEqual(ack.events[0].subscriptions, { level2: ["BTC-USD"] });
    const snap = await c.nextJson();
    equal(snap.events[0].product_id, "BTC-USD", "BTC-USDC is served as BTC-USD");

    c.send({ type: "subscribe", product_ids: ["BTC-USD"], channels: ["level2"] });
    match((await c.nextJson()).message, /channel/);
    c.send("][");
    equal((await c.nextJson()).type, "error");
    mock.rejectSubscribe("ETH-USD");
    c.send({ type: "subscribe", product_ids: ["ETH-USD"], channel: "level2" });
    equal((await c.nextJson()).type, "error");

    const closed = await lazy.closed;
    equal(closed.code, 1008, "closed for not subscribing in time");
    ok(c.isOpen, "the subscribed connection stays open");

    c.send({ type: "subscribe", product_ids: ["ETH-USD"], channel: "level2" });
    await c.waitForJson((m) => m.channel === "l2_data" && m.events[0].product_id === "ETH-USD");
    c.send({ type: "unsubscribe", product_ids: ["BTC-USD"], channel: "level2" });
    const unack = await c.waitForJson((m) => m.channel === "subscriptions");
    deepStrictEqual(unack.events[0].subscriptions, { level2: ["ETH-USD"] });
    mock.stepOnce("BTC-USD", 10);
    mock.stepOnce("ETH-USD");
    const next = await c.nextJson();
    equal(next.events[0].product_id, "ETH-USD", "no BTC-USD after unsubscribe");

    const stats = mock.stats;
    equal(stats.subscribeTimeouts, 1);
    equal(stats.errorsSent, 4);
    equal(stats.injectedRejects, 1);
    deepStrictEqual(stats.level2Subscribes, { "BTC-USD": 1, "ETH-USD": 1 });
  } finally {
    await lazy.close();
    await c.close();
    await mock.stop();
  }
});

Deno.test("Coinbase faults: sequence gap (lost update), unknown-level delete, silence, raw, disconnect", async () => {
  const mock = new CoinbaseMock({ symbols: ["BTC-USD", "ETH-USD"], heartbeatIntervalMs: 30 });
  await mock.start();
  const c = await WsTestClient.connect(mock.wsUrl);
  const cb = new CoinbaseClient();
  const pump = async () => {
    await synced(mock, c, 1);
    for (const text of c.drain()) cb.handle(JSON.parse(text));
  };
  try {
    c.send({ type: "subscribe", product_ids: ["BTC-USD", "ETH-USD"], channel: "level2" });
    await waitUntil(() => Object.keys(mock.stats.snapshotsSent).length === 2);
    mock.stepOnce(undefined, 5);
    await pump();
    deepStrictEqual(cb.gaps(), []);

    mock.injectGap("BTC-USD");
    mock.stepOnce("ETH-USD");
    await pump();
    deepStrictEqual(
      cb.gaps(),
      [cb.seqs.length - 1],
      "the message after the lost one skips a number",
    );
    notEqual(
      JSON.stringify(cb.books.get("BTC-USD")!.view()),
      JSON.stringify(mock.book("BTC-USD")),
      "BTC-USD is stale",
    );
    // Resync by resubscribing level2 for BTC-USD: a fresh snapshot.
    c.send({ type: "unsubscribe", product_ids: ["BTC-USD"], channel: "level2" });
    c.send({ type: "subscribe", product_ids: ["BTC-USD"], channel: "level2" });
    await waitUntil(() => mock.stats.snapshotsSent["BTC-USD"] === 2);
    await pump();
    deepStrictEqual(cb.books.get("BTC-USD")!.view(), mock.book("BTC-USD"));
    deepStrictEqual(mock.stats.level2Subscribes, { "BTC-USD": 2, "ETH-USD": 1 });

    const seqBefore = cb.seqs.length;
    mock.injectGap();
    mock.stepOnce("ETH-USD");
    await pump();
    equal(cb.seqs[seqBefore], cb.seqs[seqBefore - 1] + 2, "counter skipped without losing data");
    equal(mock.stats.sequenceGaps, 2);

    mock.deleteUnknownLevel("ETH-USD", "ask");
    await pump();
    const last = JSON.parse(c.received.at(-1)!);
    const u = last.events[0].updates[0];
    deepStrictEqual([u.side, u.new_quantity], ["offer", "0"]);
    ok(!mock.book("ETH-USD").asks.some(([p]) => p === u.price_level));

    // Heartbeats keep flowing, except while silenced.
    c.send({ type: "subscribe", channel: "heartbeats" });
    await waitUntil(() => mock.stats.heartbeatsSent >= 2);
    mock.silence(500);
    await sleep(30);
    const n = c.received.length;
    await sleep(200);
    equal(c.received.length, n, "no heartbeats while silenced");
    await waitUntil(() => c.received.length > n, 2000, "heartbeats after silence");
    await pump();
    ok(cb.gaps().length > 2, "dropped heartbeats still consumed sequence numbers");

    mock.sendRaw('{"type":"mystery","sequence_num":"x"}');
    equal(await c.next(), '{"type":"mystery","sequence_num":"x"}');
    mock.disconnectAll();
    equal((await c.closed).code, 1001);
  } finally {
    await c.close();
    await mock.stop();
  }
});

// ---------------------------------------------------------------------------------------- Binance

interface DepthEvent {
  e: string;
  E: number;
  s: string;
  U: number;
  u: number;
  b: TextLevel[];
  a: TextLevel[];
}

/** Binance's documented local-book procedure (§3.4), for one symbol. */
class BinanceSync {
  readonly book = new RebuiltBook();
  buffer: DepthEvent[] = [];
  lastU = 0; // u of the last applied event, or the snapshot's lastUpdateId
  synced = false;
  first = false; // the next event is the first after a snapshot
  failures = 0;
  spliceInside = false;

  onEvent(ev: DepthEvent): void {
    if (!this.synced) this.buffer.push(ev);
    else this.#process(ev);
  }

  /** Splice a snapshot with the buffered events; false when it must be fetched again. */
  onSnapshot(snap: { lastUpdateId: number; bids: TextLevel[]; asks: TextLevel[] }): boolean {
    this.book.clear();
    for (const [p, q] of snap.bids) this.book.put("bids", p, q);
    for (const [p, q] of snap.asks) this.book.put("asks", p, q);
    this.lastU = snap.lastUpdateId;
    this.synced = true;
    this.first = true;
    const buffered = this.buffer;
    this.buffer = [];
    for (const ev of buffered) {
      if (!this.synced) this.buffer.push(ev);
      else this.#process(ev);
    }
    return this.synced;
  }

  #process(ev: DepthEvent): void {
    if (ev.u <= this.lastU) return; // step 4: older than the book
    const ok = this.first
      ? ev.U <= this.lastU + 1 && ev.u >= this.lastU + 1 // step 5
      : ev.U === this.lastU + 1; // step 6
    if (!ok) {
      this.failures++;
      this.synced = false;
      this.buffer = [ev];
      return;
    }
    if (this.first && ev.U < this.lastU + 1) this.spliceInside = true;
    this.first = false;
    for (const [p, q] of ev.b) this.book.put("bids", p, q);
    for (const [p, q] of ev.a) this.book.put("asks", p, q);
    this.lastU = ev.u;
  }
}

async function fetchDepth(mock: BinanceUsMock, symbol: string, limit = 1000) {
  const res = await fetch(`${mock.restUrl}/api/v3/depth?symbol=${symbol}&limit=${limit}`);
  const body = await res.json();
  return { status: res.status, headers: res.headers, body };
}

Deno.test("Binance: combined stream U/u continuity and REST splice per the documented algorithm", async () => {
  const mock = new BinanceUsMock({ symbols: ["BTC/USDT", "ETHUSDT"], updateIntervalMs: 20 });
  await mock.start();
  const c = await WsTestClient.connect(
    `${mock.wsUrl}/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms/btcusdt@trade`,
  );
  const syncs = { BTCUSDT: new BinanceSync(), ETHUSDT: new BinanceSync() };
  const events: DepthEvent[] = [];
  let trades = 0;
  const pump = () => {
    for (const text of c.drain()) {
      const msg = JSON.parse(text);
      ok(typeof msg.stream === "string" && msg.data, "combined wrapper");
      if (msg.stream.endsWith("@trade")) {
        const t = msg.data;
        deepStrictEqual([t.e, t.s, typeof t.t, typeof t.m, typeof t.p], [
          "trade",
          "BTCUSDT",
          "number",
          "boolean",
          "string",
        ]);
        trades++;
        continue;
      }
      const ev = msg.data as DepthEvent;
      equal(ev.e, "depthUpdate");
      equal(msg.stream, `${ev.s.toLowerCase()}@depth@100ms`);
      events.push(ev);
      syncs[ev.s as keyof typeof syncs].onEvent(ev);
    }
  };
  try {
    mock.startPacing(400);
    await sleep(120);
    pump();
    for (const symbol of ["BTCUSDT", "ETHUSDT"] as const) {
      const { status, headers, body } = await fetchDepth(mock, symbol);
      equal(status, 200);
      ok(Number(headers.get("x-mbx-used-weight-1m")) >= 10);
      pump();
      ok(syncs[symbol].onSnapshot(body), "splice succeeds first time");
    }
    await sleep(300);
    mock.stopPacing(); // flushes pending changes
    await synced(mock, c, 1);
    pump();
    for (const symbol of ["BTCUSDT", "ETHUSDT"] as const) {
      const byS = events.filter((e) => e.s === symbol);
      for (let i = 1; i < byS.length; i++) {
        equal(byS[i].U, byS[i - 1].u + 1, `${symbol} continuity at ${i}`);
      }
      ok(byS.some((e) => e.u > e.U), "events span several update ids");
      equal(syncs[symbol].failures, 0);
      equal(byS.at(-1)!.u, mock.lastUpdateId(symbol));
      deepStrictEqual(syncs[symbol].book.view(), mock.book(symbol));
    }
    match(events[0].b[0]?.[0] ?? events[0].a[0][0], /^\d+\.\d{8}$/);
    ok(trades > 0);
    deepStrictEqual(mock.stats.restDepthRequests, { BTCUSDT: 1, ETHUSDT: 1 });
    deepStrictEqual(mock.stats.depthSubscribes, { BTCUSDT: 1, ETHUSDT: 1 });
    equal(mock.stats.handlerErrors, 0);
  } finally {
    await c.close();
    await mock.stop();
  }
});

Deno.test("Binance: REST snapshot inside a pending event splices with U <= lastUpdateId+1 <= u", async () => {
  const mock = new BinanceUsMock({
    symbols: ["BTCUSDT"],
    flushOnStep: false,
    firstUpdateId: 1027017,
  });
  await mock.start();
  const c = await WsTestClient.connect(`${mock.wsUrl}/ws/btcusdt@depth@100ms`);
  const sync = new BinanceSync();
  try {
    mock.stepOnce("BTCUSDT", 2);
    mock.flush();
    const first = JSON.parse(await c.next()) as DepthEvent;
    equal(first.U, 1027017, "raw payload, first id as configured");
    sync.onEvent(first);
    mock.stepOnce("BTCUSDT", 2); // pending, not yet on the stream
    const { body } = await fetchDepth(mock, "BTCUSDT", 5000);
    equal(body.lastUpdateId, mock.lastUpdateId("BTCUSDT"));
    mock.stepOnce("BTCUSDT", 2);
    mock.flush();
    const ev = JSON.parse(await c.next()) as DepthEvent;
    ok(ev.U <= body.lastUpdateId && ev.u > body.lastUpdateId, "snapshot falls inside the event");
    sync.onEvent(ev);
    ok(sync.onSnapshot(body));
    ok(sync.spliceInside);
    deepStrictEqual(sync.book.view(), mock.book("BTCUSDT"));
  } finally {
    await c.close();
    await mock.stop();
  }
});

Deno.test("Binance: raw and live subscriptions, properties, control errors, incoming rate limit", async () => {
  const mock = new BinanceUsMock({ symbols: ["BTCUSDT", "ETHUSDT"], maxIncomingPerSecond: 20 });
  await mock.start();
  const c = await WsTestClient.connect(`${mock.wsUrl}/ws`);
  const flood = await WsTestClient.connect(`${mock.wsUrl}/ws`);
  try {
    c.send({
      method: "SUBSCRIBE",
      params: ["btcusdt@depth@100ms", "ethusdt@trade", "ethusdt@depth5"],
      id: 1,
    });
    deepStrictEqual(await c.nextJson(), { result: null, id: 1 });
    c.send({ method: "LIST_SUBSCRIPTIONS", id: 2 });
    deepStrictEqual(await c.nextJson(), {
      result: ["btcusdt@depth@100ms", "ethusdt@trade", "ethusdt@depth5"],
      id: 2,
    });
    mock.stepOnce("BTCUSDT");
    const raw = await c.nextJson();
    equal(raw.e, "depthUpdate", "raw payload on /ws");
    c.send({ method: "SET_PROPERTY", params: ["combined", true], id: 3 });
    deepStrictEqual(await c.nextJson(), { result: null, id: 3 });
    c.send({ method: "GET_PROPERTY", params: ["combined"], id: 4 });
    deepStrictEqual(await c.nextJson(), { result: true, id: 4 });
    mock.stepOnce("ETHUSDT");
    const partial = await c.nextJson();
    equal(partial.stream, "ethusdt@depth5");
    equal(partial.data.bids.length, 5);
    equal(partial.data.lastUpdateId, mock.lastUpdateId("ETHUSDT"));
    c.send("not json");
    equal((await c.nextJson()).error.code, 3);
    c.send({ method: "SUBSCRIBE", params: "btcusdt@trade", id: 5 });
    deepStrictEqual((await c.nextJson()).error.code, 1);
    c.send({ method: "SUBSCRIBE", params: ["BTCUSDT@trade"], id: 6 });
    equal((await c.nextJson()).id, 6);
    mock.rejectSubscribe("ETHUSDT");
    c.send({ method: "SUBSCRIBE", params: ["ethusdt@depth"], id: 7 });
    const rej = await c.nextJson();
    deepStrictEqual([rej.id, rej.error.code], [7, 2]);

    for (let i = 0; i < 21; i++) flood.send({ method: "LIST_SUBSCRIPTIONS", id: i });
    const closed = await flood.closed;
    equal(closed.code, 1008);
    equal(mock.stats.rateLimitDisconnects, 1);

    // A rejected symbol in the URL refuses the upgrade.
    mock.rejectSubscribe("BTCUSDT");
    let refused = false;
    await WsTestClient.connect(`${mock.wsUrl}/ws/btcusdt@depth`).then(
      (x) => x.close(),
      () => refused = true,
    );
    ok(refused);
    equal(mock.stats.refusedConnections, 1);
  } finally {
    await c.close();
    await flood.close();
    await mock.stop();
  }
});

Deno.test("Binance REST: weight header, 429 over budget, errors, exchangeInfo", async () => {
  const mock = new BinanceUsMock({ symbols: ["BTCUSDT"], weightLimit: 22 });
  await mock.start();
  try {
    const info = await (await fetch(`${mock.restUrl}/api/v3/exchangeInfo`)).json();
    equal(info.symbols[0].symbol, "BTCUSDT");
    equal(info.symbols[0].filters[0].tickSize, "0.01000000");
    equal(info.symbols[0].filters[1].stepSize, "0.00001000");
    const first = await fetchDepth(mock, "BTCUSDT", 1000);
    equal(first.status, 200);
    equal(first.headers.get("x-mbx-used-weight-1m"), "20");
    equal(first.body.bids.length, mock.book("BTCUSDT").bids.length);
    const limited = await fetchDepth(mock, "BTCUSDT", 500);
    equal(limited.status, 429);
    equal(limited.body.code, -1003);
    ok(Number(limited.headers.get("retry-after")) >= 1);
    const small = await fetchDepth(mock, "BTCUSDT", 5);
    equal(small.status, 200, "weight 1 still fits");
    equal(small.body.bids.length, 5);
    equal(small.headers.get("x-mbx-used-weight"), "21");
    const unknown = await fetchDepth(mock, "DOGEUSDT", 5);
    deepStrictEqual([unknown.status, unknown.body.code], [400, -1121]);
    mock.failRest(1, 503);
    equal((await fetchDepth(mock, "BTCUSDT", 1)).status, 503);
    const stats = mock.stats;
    deepStrictEqual(stats.restDepthRequests, { BTCUSDT: 2 });
    equal(stats.restRateLimited, 1);
    equal(stats.weightUsed, 22, "unknown symbol costs 1, the injected failure 0");
  } finally {
    await mock.stop();
  }
});

Deno.test("Binance faults: U/u gap, stale snapshot, unknown-level delete", async () => {
  const mock = new BinanceUsMock({ symbols: ["BTCUSDT", "ETHUSDT"] });
  await mock.start();
  const c = await WsTestClient.connect(`${mock.wsUrl}/stream?streams=btcusdt@depth/ethusdt@depth`);
  const syncs = { BTCUSDT: new BinanceSync(), ETHUSDT: new BinanceSync() };
  const pump = async () => {
    await synced(mock, c, 1);
    for (const text of c.drain()) {
      const ev = JSON.parse(text).data as DepthEvent;
      syncs[ev.s as keyof typeof syncs].onEvent(ev);
    }
  };
  try {
    mock.stepOnce(undefined, 3);
    await pump();
    for (const s of ["BTCUSDT", "ETHUSDT"] as const) {
      ok(syncs[s].onSnapshot((await fetchDepth(mock, s)).body));
    }
    mock.stepOnce(undefined, 3);
    await pump();

    mock.injectGap("BTCUSDT");
    mock.stepOnce(undefined, 2);
    await pump();
    equal(syncs.BTCUSDT.failures, 1, "U != previous u + 1 detected");
    equal(syncs.BTCUSDT.synced, false);
    equal(syncs.ETHUSDT.failures, 0);
    ok(
      syncs.BTCUSDT.onSnapshot((await fetchDepth(mock, "BTCUSDT")).body),
      "REST includes the lost ids",
    );
    deepStrictEqual(syncs.BTCUSDT.book.view(), mock.book("BTCUSDT"));
    deepStrictEqual(
      mock.stats.restDepthRequests,
      { BTCUSDT: 2, ETHUSDT: 1 },
      "only BTCUSDT re-snapshotted",
    );

    // A snapshot older than everything buffered cannot be spliced; the next one can.
    mock.stepOnce("ETHUSDT", 20); // history to go back into
    await pump();
    syncs.ETHUSDT.synced = false; // as after a reconnect: buffer from here
    syncs.ETHUSDT.buffer = [];
    mock.stepOnce("ETHUSDT", 3);
    await pump();
    const oldestBuffered = syncs.ETHUSDT.buffer[0].U;
    const behind = mock.lastUpdateId("ETHUSDT") - oldestBuffered + 5;
    mock.injectStaleSnapshot("ETHUSDT", behind);
    const stale = (await fetchDepth(mock, "ETHUSDT")).body;
    equal(stale.lastUpdateId, mock.lastUpdateId("ETHUSDT") - behind);
    equal(syncs.ETHUSDT.onSnapshot(stale), false, "older than every buffered event");
    ok(syncs.ETHUSDT.onSnapshot((await fetchDepth(mock, "ETHUSDT")).body));
    deepStrictEqual(syncs.ETHUSDT.book.view(), mock.book("ETHUSDT"));

    mock.deleteUnknownLevel("ETHUSDT", "bid");
    await pump();
    const del = JSON.parse(c.received.at(-1)!).data as DepthEvent;
    equal(del.U, del.u);
    equal(del.b[0][1], "0.00000000");
    ok(!mock.book("ETHUSDT").bids.some(([p]) => p === del.b[0][0]));
    deepStrictEqual(syncs.ETHUSDT.book.view(), mock.book("ETHUSDT"));
    equal(mock.stats.gapsInjected, 1);
    equal(mock.stats.handlerErrors, 0);
  } finally {
    await c.close();
    await mock.stop();
  }
});

Deno.test("Binance: forced disconnect at the (shortened) connection age limit", async () => {
  const mock = new BinanceUsMock({ symbols: ["BTCUSDT"], maxConnectionAgeMs: 150 });
  await mock.start();
  const c = await WsTestClient.connect(`${mock.wsUrl}/ws/btcusdt@depth@100ms`);
  try {
    const t0 = Date.now();
    const closed = await c.closed;
    ok(Date.now() - t0 >= 100);
    equal(closed.code, 1001);
    equal(mock.stats.forcedDisconnects, 1);
    const again = await WsTestClient.connect(`${mock.wsUrl}/ws/btcusdt@depth@100ms`);
    ok(again.isOpen, "reconnecting works");
    await again.close();
  } finally {
    await c.close();
    await mock.stop();
  }
});

Deno.test("idleTimeoutSeconds: Deno sends ping frames and closes a client that never pongs", async () => {
  const mock = new KrakenMock({ symbols: ["BTC/USD"], idleTimeoutSeconds: 1 });
  await mock.start();
  // A raw TCP WebSocket client that never answers pings.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: mock.port });
  try {
    await conn.write(new TextEncoder().encode(
      "GET /v2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ));
    const opcodes: number[] = [];
    const buf = new Uint8Array(65536);
    let pending = new Uint8Array(0);
    let headerDone = false;
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      const joined = new Uint8Array(pending.length + n);
      joined.set(pending);
      joined.set(buf.subarray(0, n), pending.length);
      pending = joined;
      if (!headerDone) {
        const text = new TextDecoder().decode(pending);
        const end = text.indexOf("\r\n\r\n");
        if (end < 0) continue;
        headerDone = true;
        pending = pending.subarray(end + 4);
      }
      // Parse complete server frames (unmasked, payloads < 64 KiB here).
      while (pending.length >= 2) {
        let len = pending[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (pending.length < 4) break;
          len = (pending[2] << 8) | pending[3];
          off = 4;
        }
        if (pending.length < off + len) break;
        opcodes.push(pending[0] & 0x0f);
        pending = pending.subarray(off + len);
      }
      if (opcodes.includes(8)) break;
    }
    equal(opcodes[0], 1, "status text frame first");
    ok(opcodes.includes(9), `a ping frame was sent (${opcodes})`);
    ok(opcodes.includes(8), "then a close frame");
    await waitUntil(() => mock.stats.openConnections === 0);
  } finally {
    conn.close();
    await mock.stop();
  }
});

Deno.test("stop() closes connected clients and leaves no timers behind", async () => {
  const mocks = [
    new KrakenMock({ symbols: ["BTC/USD"], rate: 200 }),
    new CoinbaseMock({ symbols: ["BTC-USD"], rate: 200 }),
    new BinanceUsMock({ symbols: ["BTCUSDT"], rate: 200, restDelayMs: 5000 }),
  ];
  for (const m of mocks) await m.start();
  const clients = [
    await WsTestClient.connect(mocks[0].wsUrl),
    await WsTestClient.connect(mocks[1].wsUrl),
    await WsTestClient.connect(`${mocks[2].wsUrl}/ws/btcusdt@depth@100ms`),
  ];
  clients[0].send({ method: "subscribe", params: { channel: "book", symbol: ["BTC/USD"] } });
  clients[1].send({ type: "subscribe", product_ids: ["BTC-USD"], channel: "level2" });
  const slow = fetch(`${(mocks[2] as BinanceUsMock).restUrl}/api/v3/depth?symbol=BTCUSDT`);
  await sleep(100);
  for (const m of mocks) await m.stop();
  for (const c of clients) equal((await c.closed).code, 1001);
  equal((await slow).status, 200, "a pending delayed REST answer is cut short by stop()");
  await (await slow).body?.cancel();
  for (const m of mocks) equal(m.stats.openConnections, 0);
});
