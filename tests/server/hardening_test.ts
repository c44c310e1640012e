/**
 * Issue 13, server side: malformed upgrades, oversize client frames, rate abusers' close frame,
 * descriptor exhaustion and deadlines (in a subprocess under `ulimit -n`).
 *
 * @module
 */
import { assert, assertEquals } from "../core/assert.ts";
import { caughtUp, startServer } from "./harness.ts";
import { LocalFeed, RandomMarket } from "./local_feed.ts";
import { RawWs } from "./raw_ws.ts";
import type { BroadcasterTuning } from "../../src/server/mod.ts";
import { BookClient } from "./book_clients.ts";

async function setup(server = {}, tuning: BroadcasterTuning = {}) {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD", "ETH/USD", "XRP/USD"], depth: 8 });
  const market = new RandomMarket(feed, 3);
  for (let i = 0; i < 3; i++) market.reset(i, 20);
  const h = await startServer([feed], server, tuning);
  return { feed, market, h };
}

async function rawRequest(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  let out = "";
  const buf = new Uint8Array(4096);
  while (true) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) break;
    out += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  return out;
}

Deno.test("malformed WebSocket upgrades get 400 and the server stays up", async () => {
  const { h } = await setup();
  try {
    const base = `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`;
    const noKey = await rawRequest(
      h.server.port,
      base + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    assert(noKey.startsWith("HTTP/1.1 400"), noKey.split("\r\n")[0]);
    const noConnection = await rawRequest(
      h.server.port,
      base + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    assert(noConnection.startsWith("HTTP/1.1 400"), noConnection.split("\r\n")[0]);
    const garbage = await rawRequest(h.server.port, "NOT HTTP\r\n\r\n");
    assert(garbage.startsWith("HTTP/1.1 400"), garbage.split("\r\n")[0]);
    assertEquals((await fetch(`${h.http}/health`)).status, 200);
    assertEquals(h.server.metrics.connectionsRejected.get("bad_request"), 2);
    assertEquals(h.server.metrics.transport.badRequests, 1);
  } finally {
    await h.server.close();
  }
});

Deno.test("a rate abuser receives the 1008 close frame before the connection ends", async () => {
  const { h } = await setup({ maxMessagesPerSecond: 5 });
  const raw = await RawWs.connect(h.server.port, "/ws");
  try {
    for (let i = 0; i < 40; i++) await raw.sendText("{}");
    let close: Uint8Array | undefined;
    for (let f = await raw.next(); f; f = await raw.next()) {
      if (f.opcode === 8) {
        close = f.payload;
        break;
      }
    }
    assert(close !== undefined, "no close frame (the connection was reset)");
    assertEquals((close[0] << 8) | close[1], 1008);
    assertEquals(h.server.metrics.abuseDisconnects, 1);
  } finally {
    raw.close();
    await h.server.close();
  }
});

/** Streams one masked text frame declaring `length` bytes, from a small reused chunk. */
async function sendHugeFrame(conn: Deno.Conn, length: number): Promise<void> {
  const head = new Uint8Array(14);
  head[0] = 0x81;
  head[1] = 0x80 | 127;
  const view = new DataView(head.buffer);
  view.setUint32(6, length);
  head.set([1, 2, 3, 4], 10);
  await conn.write(head);
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  for (let sent = 0; sent < length; sent += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, length - sent));
    let at = 0;
    while (at < part.length) at += await conn.write(part.subarray(at));
  }
}

Deno.test("frames over maxMessageBytes cost about the limit in memory; others keep their data", async () => {
  const { feed, market, h } = await setup({ maxMessageBytes: 4096 });
  const good = await BookClient.connect(h.ws, "binary", feed.layout, h.names);
  const clients = await Promise.all(
    Array.from({ length: 8 }, () => RawWs.connect(h.server.port, "/ws")),
  );
  try {
    good.subscribe("kraken", ["BTC/USD"]);
    market.run(20);
    await caughtUp(good, feed, 0);
    const before = Deno.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 10);
    const ticker = setInterval(() => market.run(5), 10);
    const FRAME = 16 * 1024 * 1024;
    await Promise.all(clients.map((c) => sendHugeFrame(c.conn, FRAME)));
    // Each gets a message_too_large error and stays connected.
    for (const c of clients) {
      const f = await c.next();
      assert(f !== null && f.opcode === 1, "error reply");
      assertEquals(JSON.parse(new TextDecoder().decode(f.payload)).code, "message_too_large");
    }
    clearInterval(ticker);
    clearInterval(sampler);
    const grew = (peak - before) / 2 ** 20;
    console.log(`8 × 16 MiB frames: server RSS grew ${grew.toFixed(1)} MiB at peak`);
    assert(grew < 48, `RSS grew ${grew.toFixed(1)} MiB for 128 MiB of oversize frames`);
    const t = h.server.metrics.transport;
    assertEquals(t.oversizeMessages, 8);
    assertEquals(t.discardedBytes, 8 * FRAME);
    assertEquals(h.server.clients, 9);
    await good.until(
      () => good.books.get("kraken|BTC/USD")!.seq === feed.seq(0),
      3000,
      "caught up",
    );
    assertEquals(good.violations, []);
  } finally {
    for (const c of clients) c.close();
    await good.close();
    await h.server.close();
  }
});

async function startFixture(server: Record<string, unknown>, nofile: number) {
  const script = new URL("./serve_fixture.ts", import.meta.url).pathname;
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n ${nofile} && exec "$0" run -A "$1" "$2"`,
      Deno.execPath(),
      script,
      JSON.stringify(server),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/PORT \d+ MAX \d+/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`fixture exited: ${text}`);
    text += value;
  }
  const [, port, max] = /PORT (\d+) MAX (\d+)/.exec(text)!.map(Number);
  return { child, port, max, reader };
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

Deno.test("descriptor flood under ulimit -n 128: idle sockets hit the header deadline, service stays up", async () => {
  // 200 idle sockets against a cap derived from 128 descriptors (16): the rest get 503, the
  // idle ones are closed at the header deadline, and the service answers again.
  const { child, port } = await startFixture({ headerTimeoutMs: 1500 }, 128);
  const idle: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    }
    await new Promise((r) => setTimeout(r, 300));
    // The deadline closes the idle sockets; the listener keeps going and serves again.
    const deadline = Date.now() + 8000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assertEquals(status, 200, "server answers after exhaustion");
    assert(await metric(port, "alphapulse_connections_over_capacity_total") > 0, "cap counted");
    const timeouts = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert(/alphapulse_connection_timeouts_total\{phase="header"\} [1-9]/.test(timeouts));
  } finally {
    for (const c of idle) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await child.stdin.close();
    const out = await child.output().catch(() => undefined);
    void out;
  }
});

Deno.test("connection cap below the descriptor limit: extra connections get 503, not EMFILE", async () => {
  const { child, port, max } = await startFixture({ headerTimeoutMs: 5000 }, 256);
  const idle: Deno.Conn[] = [];
  try {
    assertEquals(max, 128, "cap derived from ulimit -n 256");
    for (let i = 0; i < max + 20; i++) {
      idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const c of idle.splice(0, 10)) c.close();
    await new Promise((r) => setTimeout(r, 200));
    assertEquals((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
    assertEquals(await metric(port, "alphapulse_accept_errors_total"), 0);
    assert(await metric(port, "alphapulse_connections_over_capacity_total") >= 10);
  } finally {
    for (const c of idle) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await child.stdin.close();
    await child.output().catch(() => undefined);
  }
});

Deno.test("a slow client cut for being slow loses its socket and buffers", async () => {
  // A client that never reads never drains: cut after slowDrainTimeoutMs (1 s here, not the
  // default 10 s, which left a loaded CI machine little margin).
  const { market, h } = await setup({
    clientBufferBytes: 4096,
    maxSlowStrikes: 1,
    closeTimeoutMs: 300,
  }, { slowDrainTimeoutMs: 1000 });
  const slow = await RawWs.connect(h.server.port, "/ws?format=binary");
  try {
    await slow.sendText(
      JSON.stringify({
        op: "subscribe",
        channel: "book",
        exchange: "kraken",
        symbols: ["BTC/USD", "ETH/USD", "XRP/USD"],
      }),
    );
    // Never reads; the market floods it until the policy drops it.
    const deadline = Date.now() + 15000;
    while (h.server.metrics.slowDisconnects === 0 && Date.now() < deadline) {
      market.run(200, 6);
      await new Promise((r) => setTimeout(r, 5));
    }
    assertEquals(h.server.metrics.slowDisconnects, 1);
    // Within the close deadline the server ends the TCP connection and drops what it queued.
    await new Promise((r) => setTimeout(r, 600));
    assertEquals(h.server.connections, 0, "socket still held");
    let end = false;
    const readDeadline = Date.now() + 3000;
    while (!end && Date.now() < readDeadline) end = (await slow.next()) === null;
    assert(end, "the connection did not end");
  } finally {
    slow.close();
    await h.server.close();
  }
});
