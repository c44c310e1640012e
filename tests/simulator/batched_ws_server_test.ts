/**
 * The simulator's batched WebSocket server, driven by a raw TCP client that checks the bytes on
 * the wire (handshake, frame encodings, masking, fragmentation, ping/pong, closing handshake) and
 * by Deno's own WebSocket client.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { BatchedServer, upgradeBatched } from "../../src/mock/batched_ws_server.ts";
import type { CoinbaseStats } from "../../src/exchanges/coinbase/mock.ts";
import { Simulator } from "../../src/simulator/simulator.ts";
import { waitUntil } from "../support/ws_test_client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A WebSocket client speaking raw frames over TCP. */
class RawClient {
  readonly conn: Deno.TcpConn;
  #buf = new Uint8Array(0);

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  static async open(port: number, path = "/"): Promise<{ client: RawClient; head: string }> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const client = new RawClient(conn);
    await conn.write(enc.encode(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Version: 13\r\n\r\n",
    ));
    let head = "";
    while (!head.includes("\r\n\r\n")) {
      await client.#more();
      head = dec.decode(client.#buf);
    }
    const end = head.indexOf("\r\n\r\n") + 4;
    client.#buf = client.#buf.slice(enc.encode(head.slice(0, end)).length);
    return { client, head: head.slice(0, end) };
  }

  async #more(): Promise<void> {
    const chunk = new Uint8Array(65536);
    const n = await this.conn.read(chunk);
    if (n === null) throw new Error("connection closed");
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
  }

  /** Send one masked frame. */
  async send(opcode: number, payload: Uint8Array, fin = true): Promise<void> {
    const mask = [1, 2, 3, 4];
    const n = payload.length;
    const head = n < 126 ? [n | 0x80] : [126 | 0x80, n >> 8, n & 0xff];
    const frame = new Uint8Array(1 + head.length + 4 + n);
    frame[0] = (fin ? 0x80 : 0) | opcode;
    frame.set(head, 1);
    frame.set(mask, 1 + head.length);
    for (let i = 0; i < n; i++) frame[1 + head.length + 4 + i] = payload[i] ^ mask[i & 3];
    await this.conn.write(frame);
  }

  /** Read one frame (servers never mask). */
  async frame(): Promise<
    { fin: boolean; opcode: number; payload: Uint8Array; lengthBytes: number }
  > {
    while (this.#buf.length < 2) await this.#more();
    let len = this.#buf[1] & 0x7f;
    let at = 2;
    if (len === 126) {
      while (this.#buf.length < 4) await this.#more();
      len = (this.#buf[2] << 8) | this.#buf[3];
      at = 4;
    } else if (len === 127) {
      while (this.#buf.length < 10) await this.#more();
      len = new DataView(this.#buf.buffer, this.#buf.byteOffset + 2, 8).getUint32(4);
      at = 10;
    }
    ok((this.#buf[1] & 0x80) === 0, "server frames are not masked");
    while (this.#buf.length < at + len) await this.#more();
    const out = {
      fin: (this.#buf[0] & 0x80) !== 0,
      opcode: this.#buf[0] & 0x0f,
      payload: this.#buf.slice(at, at + len),
      lengthBytes: at - 2,
    };
    this.#buf = this.#buf.slice(at + len);
    return out;
  }
}

function echoServer(onClose?: (e: CloseEvent) => void): BatchedServer {
  return BatchedServer.serve({ port: 0 }, (req) => {
    const url = new URL(req.url);
    if (req.headers.get("upgrade") !== "websocket") {
      return new Response(`plain ${req.method} ${url.pathname}${url.search}`, {
        headers: { "x-test": "1" },
      });
    }
    const { socket, response } = upgradeBatched(req);
    socket.onmessage = (e) => {
      if (e.data === "burst") { for (let i = 0; i < 1000; i++) socket.send(`m${i}`); }
      else if (e.data === "big") socket.send("x".repeat(70_000));
      else if (e.data === "bye") socket.close(4000, "server says bye");
      else if (typeof e.data === "string") socket.send(`echo:${e.data}`);
      else socket.send(new Uint8Array(e.data as ArrayBuffer).reverse());
    };
    if (onClose) socket.addEventListener("close", (e) => onClose(e as CloseEvent));
    return response;
  });
}

Deno.test("batched server: handshake, frames, fragmentation, ping, closing handshake", async () => {
  const closes: CloseEvent[] = [];
  const server = echoServer((e) => closes.push(e));
  const { client, head } = await RawClient.open(server.addr.port);
  try {
    ok(head.startsWith("HTTP/1.1 101"), head);
    // RFC 6455 §1.3 sample key → accept value.
    ok(head.includes("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), head);
    await client.send(0x1, enc.encode("hello"));
    let f = await client.frame();
    deepStrictEqual([f.fin, f.opcode, dec.decode(f.payload)], [true, 1, "echo:hello"]);
    // A message in two fragments arrives whole.
    await client.send(0x1, enc.encode("frag"), false);
    await client.send(0x0, enc.encode("mented"), true);
    f = await client.frame();
    equal(dec.decode(f.payload), "echo:fragmented");
    await client.send(0x2, Uint8Array.of(1, 2, 3));
    f = await client.frame();
    deepStrictEqual([f.opcode, [...f.payload]], [2, [3, 2, 1]]);
    // Ping → pong with the same payload.
    await client.send(0x9, enc.encode("p1"));
    f = await client.frame();
    deepStrictEqual([f.opcode, dec.decode(f.payload)], [0xa, "p1"]);
    // Length encodings: 7-bit, 16-bit, 64-bit.
    await client.send(0x1, enc.encode("big"));
    f = await client.frame();
    deepStrictEqual([f.payload.length, f.lengthBytes], [70_000, 8]);
    await client.send(0x1, enc.encode("x".repeat(300)));
    f = await client.frame();
    deepStrictEqual([f.payload.length, f.lengthBytes], [305, 2]);
    // A burst sent in one task: every frame, in order.
    await client.send(0x1, enc.encode("burst"));
    for (let i = 0; i < 1000; i++) equal(dec.decode((await client.frame()).payload), `m${i}`);
    // Client-initiated close: the server answers with the same code.
    await client.send(0x8, Uint8Array.of(0x03, 0xe8, ...enc.encode("done")));
    f = await client.frame();
    deepStrictEqual([f.opcode, (f.payload[0] << 8) | f.payload[1]], [8, 1000]);
    await waitUntil(() => closes.length === 1, 2000, "close event");
    deepStrictEqual([closes[0].code, closes[0].reason, closes[0].wasClean], [1000, "done", true]);
  } finally {
    client.conn.close();
    await server.shutdown();
  }
});

Deno.test("batched server: plain HTTP, server-initiated close, Deno's WebSocket client", async () => {
  const server = echoServer();
  try {
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/api/v3/depth?symbol=BTCUSDT`);
    equal(res.status, 200);
    equal(res.headers.get("x-test"), "1");
    equal(await res.text(), "plain GET /api/v3/depth?symbol=BTCUSDT");

    const ws = new WebSocket(`ws://127.0.0.1:${server.addr.port}/`);
    const got: string[] = [];
    const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
    ws.onmessage = (e) => got.push(e.data);
    await new Promise((resolve) => ws.onopen = resolve);
    ws.send("a");
    ws.send("burst");
    await waitUntil(() => got.length === 1001, 3000, "1001 messages");
    equal(got[0], "echo:a");
    equal(got[1000], "m999");
    ws.send("bye");
    const e = await closed;
    deepStrictEqual([e.code, e.reason], [4000, "server says bye"]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("simulator closes a connection that does not read (slow consumer)", async () => {
  const sim = new Simulator({ exchanges: { coinbase: ["BTC/USD"] }, maxBufferedBytes: 200_000 });
  await sim.start();
  const { client } = await RawClient.open(Number(new URL(sim.wsUrl("coinbase")).port));
  try {
    await client.send(
      0x1,
      enc.encode(
        JSON.stringify({ type: "subscribe", channel: "level2", product_ids: ["BTC-USD"] }),
      ),
    );
    await waitUntil(
      () => (sim.stats.venues.coinbase as CoinbaseStats).snapshotsSent["BTC-USD"] === 1,
      2000,
      "sub",
    );
    // The client never reads: the kernel buffers fill, then the simulator's queue.
    const deadline = Date.now() + 10_000;
    while (
      (sim.stats.venues.coinbase as CoinbaseStats).slowConsumerCloses === 0 && Date.now() < deadline
    ) {
      sim.step(2000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    equal((sim.stats.venues.coinbase as CoinbaseStats).slowConsumerCloses, 1);
  } finally {
    client.conn.close();
    await sim.stop();
  }
});
