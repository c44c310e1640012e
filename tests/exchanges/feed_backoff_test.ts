/**
 * Issue 13 item 8: the reconnect backoff restarts only after a connection stayed open for
 * `backoffResetMs`, never because a message arrived: a server that accepts, answers the subscribe
 * and closes gets connections at growing intervals, not a reconnect storm.
 *
 * @module
 */
import { ok } from "node:assert/strict";
import { kraken } from "../../src/exchanges/kraken/descriptor.ts";
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
