/**
 * Issue 13 item 8: the reconnect backoff restarts only after a connection stayed open for
 * `backoffResetMs`, never because a message arrived: a server that accepts, answers the subscribe
 * and closes gets connections at growing intervals, not a reconnect storm. Item 11: a failing
 * connection says why (cause, URL, next retry delay) once per change of cause, and `/health` and
 * `/metrics` show it.
 *
 * @module
 */
import { equal, match, ok } from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import { BookMirror } from "../../src/core/mod.ts";
import { kraken } from "../../src/exchanges/kraken/descriptor.ts";
import { startFeeds } from "../../src/runtime/feeds.ts";
import type { BookChannel } from "../../src/server/book_channel.ts";
import { BookSync } from "../../src/server/book_sync.ts";
import type { ClientSession } from "../../src/server/client_session.ts";
import { FanOut } from "../../src/server/fan_out.ts";
import { FeedPump } from "../../src/server/feed_pump.ts";
import { HealthReporter } from "../../src/server/health_report.ts";
import { ServerMetrics } from "../../src/server/metrics.ts";
import { Subscriptions } from "../../src/server/subscriptions.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { venueHarness } from "./venue_harness.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("feed: a server that answers the subscribe and closes gets growing reconnect delays", async () => {
  const opened: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => opened.push(Date.now());
    socket.onmessage = (e) => {
      const req = JSON.parse(String(e.data));
      socket.send(
        JSON.stringify({ method: "subscribe", req_id: req.req_id, success: true, result: {} }),
      );
      socket.close(1000, "bye");
    };
    return response;
  });
  const h = await venueHarness(kraken, {
    symbols: ["BTC/USD"],
    wsUrl: `ws://127.0.0.1:${server.addr.port}`,
    depth: 10,
    minBackoffMs: 20,
    maxBackoffMs: 400,
    backoffResetMs: 5000,
  });
  try {
    await h.collector.start();
    await waitUntil(() => opened.length >= 3, 5000, "a few connections");
    await sleep(3000);
    const n = opened.length;
    // With the old reset-on-message rule every delay was 10–20 ms: hundreds in 3 s.
    ok(n <= 25, `connections in ~3 s bounded (${n})`);
    const gaps = opened.slice(1).map((t, i) => t - opened[i]);
    // Delays double from 20 ms to the 400 ms cap (jittered to 50–100 %): the later ones are long.
    const late = gaps.slice(6);
    ok(late.length > 0 && late.every((g) => g >= 150), `later gaps grew: ${gaps.join(",")}`);
    ok(h.collector.health().messages >= n - 1, "every connection did answer the subscribe");
  } finally {
    await h.collector.stop();
    await server.shutdown();
  }
});

/** A loopback port nothing listens on (connecting to it is refused). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("feed: a failing connection logs its real cause, URL and retry delay once per change of cause", async () => {
  const port = freePort();
  const url = `ws://127.0.0.1:${port}`;
  const h = await venueHarness(kraken, {
    symbols: ["BTC/USD"],
    wsUrl: url,
    depth: 10,
    minBackoffMs: 20,
    maxBackoffMs: 100,
  });
  const failureLines = () => h.logs.filter((l) => l.includes("failed ["));
  let server: Deno.HttpServer | undefined;
  try {
    await h.collector.start();
    await waitUntil(() => (h.collector.health().connectAttempts ?? 0) >= 6, 5000, "retries");
    let health = h.collector.health();
    equal(health.lastError?.cause, "refused");
    equal(health.lastError?.url, url);
    ok(health.lastError!.repeats >= 5, `same cause repeated (${health.lastError!.repeats})`);
    ok(health.lastError!.nextRetryMs > 0, "next retry delay reported");
    equal(failureLines().length, 1, `one line for many refused attempts:\n${h.logs.join("\n")}`);
    match(
      failureLines()[0],
      new RegExp(`connection to ${url} failed \\[refused\\]: .*retrying in \\d+ ms`),
    );
    // The cause changes: a server on that port refuses the upgrade with 404.
    server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen() {} },
      () => new Response("no such path", { status: 404 }),
    );
    await waitUntil(() => h.collector.health().lastError?.cause === "http-status", 5000, "404");
    const before = h.collector.health().connectAttempts!;
    await waitUntil(() => h.collector.health().connectAttempts! >= before + 4, 5000, "404 retries");
    health = h.collector.health();
    equal(health.lastError?.message, "HTTP 404 on the upgrade");
    equal(failureLines().length, 2, `one more line for the new cause:\n${h.logs.join("\n")}`);
    match(failureLines()[1], /\[http-status\]: HTTP 404 on the upgrade; retrying in \d+ ms/);
    ok((health.failuresByCause?.refused ?? 0) >= 5, "refusals counted by cause");
    ok((health.failuresByCause?.["http-status"] ?? 0) >= 4, "404s counted by cause");
  } finally {
    await h.collector.stop();
    await server?.shutdown();
  }
});

Deno.test("feed: /health shows each exchange's last connection error (collector in a Worker)", async () => {
  const port = freePort();
  const config = parseConfig({
    runtime: { mode: "workers", ringCapacity: 64 },
    exchanges: {
      kraken: {
        symbols: ["BTC/USD"],
        wsUrl: `ws://127.0.0.1:${port}`,
        minBackoffMs: 20,
        maxBackoffMs: 100,
      },
    },
  });
  const feeds = await startFeeds(config);
  try {
    const metrics = new ServerMetrics();
    const subscriptions = new Subscriptions<ClientSession, BookChannel>();
    const mirror = await BookMirror.create();
    const fanOut = new FanOut({
      subscriptions,
      mirror,
      metrics,
      clientBufferBytes: 1 << 16,
      onOverflow: () => {},
    });
    const sync = new BookSync({ mirror, fanOut, snapshotRetryMs: 2000, onError: () => {} });
    for (const f of feeds) sync.addPump(new FeedPump(f, sync));
    const reports = new HealthReporter({
      sync,
      subscriptions,
      metrics,
      slowClients: () => 0,
      onError: () => {},
    });
    const lastError = () => reports.health().exchanges[0].lastError;
    await waitUntil(() => (lastError()?.repeats ?? 0) >= 3, 5000, "refusals reported");
    const e = lastError()!;
    equal(e.cause, "refused");
    equal(e.url, `ws://127.0.0.1:${port}`);
    ok(e.nextRetryMs > 0 && e.nextRetryMs <= 100, `next retry delay ${e.nextRetryMs}`);
    match(
      reports.metricsText(),
      /^alphapulse_exchange_connection_failures_total\{exchange="kraken",cause="refused"\} \d+$/m,
    );
  } finally {
    await Promise.all(feeds.map((f) => f.stop()));
  }
});
