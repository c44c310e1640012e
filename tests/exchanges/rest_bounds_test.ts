/**
 * Issue 13 item 5: REST snapshots are bounded. A depth answer trickling one byte a second is
 * abandoned at `restBodyTimeoutMs` and fetched again; a fetch still hanging when the connection is
 * replaced is aborted so the new connection's fetch is not blocked; a body over `maxRestBytes` is
 * refused while it streams in (the server is never read much past the cap). The other book is
 * unaffected each time and the counters say what happened.
 *
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { binanceus } from "../../src/exchanges/binanceus/descriptor.ts";
import { BinanceUsMock } from "../../src/exchanges/binanceus/mock.ts";
import { boundedFetch, BoundedFetchError } from "../../src/exchanges/bounded_fetch.ts";
import { waitForBooks } from "../support/books.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { venueHarness } from "./venue_harness.ts";

const SYMBOLS = ["BTC/USDT", "ETH/USDT"];

async function rig(section: Record<string, unknown>) {
  const mock = new BinanceUsMock({ symbols: SYMBOLS, seed: 55 });
  await mock.start();
  const h = await venueHarness(binanceus, {
    symbols: SYMBOLS,
    wsUrl: mock.wsUrl,
    restUrl: mock.restUrl,
    snapshotLimit: 100,
    ...section,
  });
  const close = async () => {
    await h.collector.stop();
    await mock.stop();
  };
  return { mock, h, close };
}

Deno.test("rest: a depth body trickling 1 byte/s is abandoned at the body deadline and retried", async () => {
  const { mock, h, close } = await rig({ restTimeoutMs: 500, restBodyTimeoutMs: 800 });
  try {
    mock.misbehaveDepth("BTC/USDT", { kind: "trickle", intervalMs: 1000 });
    await h.collector.start();
    await waitForBooks(h.collector, mock, SYMBOLS, 10, "both books live");
    const rest = h.collector.health().rest!;
    equal(rest.bodyTimeouts, 1, "one body deadline missed");
    equal(rest.failures, 1);
    equal(rest.headerTimeouts, 0);
    ok(mock.stats.misbehavedBytes <= 2, `the trickle was cut (${mock.stats.misbehavedBytes} B)`);
    equal(mock.stats.restDepthRequests.BTCUSDT, 1, "BTC/USDT fetched again, answered properly");
    equal(mock.stats.restDepthRequests.ETHUSDT, 1, "ETH/USDT fetched once");
    ok(h.logs.some((l) => l.includes("body not complete within 800 ms")), "cause logged");
  } finally {
    await close();
  }
});

Deno.test("rest: a fetch hanging when the connection is replaced does not block the re-fetch", async () => {
  const { mock, h, close } = await rig({ restTimeoutMs: 20_000, restBodyTimeoutMs: 20_000 });
  try {
    mock.misbehaveDepth("BTC/USDT", { kind: "trickle", intervalMs: 1000 });
    await h.collector.start();
    await waitUntil(() => mock.stats.misbehavedDepth === 1, 3000, "the hanging answer began");
    mock.disconnectAll();
    // Well inside the 20 s deadlines: only the abort of the old fetch lets this happen.
    await waitForBooks(h.collector, mock, SYMBOLS, 10, "live again after the reconnect");
    const rest = h.collector.health().rest!;
    ok(rest.aborted >= 1, `the old connection's fetch was aborted (${rest.aborted})`);
    equal(rest.bodyTimeouts, 0);
    equal(rest.failures, 0, "an aborted fetch is not a failure");
  } finally {
    await close();
  }
});

Deno.test("rest: a body over maxRestBytes is refused while streaming, memory bounded", async () => {
  const { mock, h, close } = await rig({ maxRestBytes: 65_536 });
  try {
    const total = 64 * 1024 * 1024;
    mock.misbehaveDepth("BTC/USDT", { kind: "oversize", bytes: total });
    await h.collector.start();
    await waitForBooks(h.collector, mock, SYMBOLS, 10, "both books live");
    const rest = h.collector.health().rest!;
    equal(rest.oversizeBodies, 1, "one body refused for its size");
    equal(rest.failures, 1);
    // The reader stops at the cap; what the server got out is the cap plus socket buffers.
    const sent = mock.stats.misbehavedBytes;
    console.log(`oversize body: server handed out ${sent} of ${total} bytes`);
    ok(sent < 8 * 1024 * 1024, `server read well short of the 64 MiB body (${sent} B)`);
    ok(h.logs.some((l) => l.includes("over the cap of 65536 bytes")), "cause logged");
  } finally {
    await close();
  }
});

Deno.test("boundedFetch: headers that never come miss the header deadline", async () => {
  let release = () => {};
  const held = new Promise<void>((r) => release = r);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await held;
    return new Response("late");
  });
  try {
    const err = await boundedFetch(`http://127.0.0.1:${server.addr.port}/`, {
      headerTimeoutMs: 200,
      bodyTimeoutMs: 200,
      maxBytes: 1000,
    }).then(() => undefined, (e) => e);
    ok(err instanceof BoundedFetchError, String(err));
    equal(err.kind, "header-timeout");
  } finally {
    release();
    await server.shutdown();
  }
});
