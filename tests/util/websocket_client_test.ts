/**
 * Our exchange WebSocket client against a raw TCP server on 127.0.0.1 that writes exactly the
 * bytes each case needs: the upgrade checks, fragments split across reads, pings, the close
 * handshake, and every kind of hostile frame (each closes with its code and never throws).
 */
import { assert, assertEquals } from "../core/assert.ts";
import { closeQuietly, writeAll } from "../../src/util/tcp.ts";
import { websocketAccept } from "../../src/util/websocket_frame.ts";
import { WebSocketClient } from "../../src/util/websocket_client.ts";
import { FeedSocket } from "../../src/exchanges/feed_socket.ts";

const encoder = new TextEncoder();

/** A server frame (unmasked) with a given first byte and payload. */
function frame(
  b0: number,
  payload: Uint8Array | string,
  opts: { mask?: boolean } = {},
): Uint8Array {
  const p = typeof payload === "string" ? encoder.encode(payload) : payload;
  const n = p.byteLength;
  const head = n < 126 ? [b0, n] : n < 65536 ? [b0, 126, n >>> 8, n & 0xff] : [
    b0,
    127,
    0,
    0,
    0,
    0,
    (n >>> 24) & 0xff,
    (n >>> 16) & 0xff,
    (n >>> 8) & 0xff,
    n & 0xff,
  ];
  if (opts.mask) head[1] |= 0x80;
  const maskBytes = opts.mask ? [1, 2, 3, 4] : [];
  const out = new Uint8Array(head.length + maskBytes.length + n);
  out.set(head);
  out.set(maskBytes, head.length);
  out.set(p, head.length + maskBytes.length);
  if (opts.mask) { for (let i = 0; i < n; i++) out[head.length + 4 + i] ^= maskBytes[i & 3]; }
  return out;
}

/** Reads one masked client frame: opcode and unmasked payload. */
async function readClientFrame(conn: Deno.Conn): Promise<{ opcode: number; payload: Uint8Array }> {
  const readN = async (n: number) => {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const r = await conn.read(out.subarray(at));
      if (r === null) throw new Error("client closed");
      at += r;
    }
    return out;
  };
  const h = await readN(2);
  assert((h[1] & 0x80) !== 0, "client frames are masked");
  let n = h[1] & 0x7f;
  if (n === 126) {
    const e = await readN(2);
    n = (e[0] << 8) | e[1];
  }
  const mask = await readN(4);
  const payload = await readN(n);
  for (let i = 0; i < n; i++) payload[i] ^= mask[i & 3];
  return { opcode: h[0] & 0x0f, payload };
}

type Script = (conn: Deno.Conn, key: string) => Promise<void>;

/** A one-connection server running `script` after reading the upgrade request. */
function serve(script: Script, answer?: (key: string) => Promise<string>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    const conn = await listener.accept();
    try {
      const buf = new Uint8Array(4096);
      let head = "";
      while (!head.includes("\r\n\r\n")) {
        const n = await conn.read(buf);
        if (n === null) return;
        head += new TextDecoder().decode(buf.subarray(0, n));
      }
      const key = /sec-websocket-key: (\S+)/i.exec(head)![1];
      const response = answer ? await answer(key) : "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${await websocketAccept(key)}\r\n\r\n`;
      await writeAll(conn, encoder.encode(response));
      await script(conn, key);
    } catch {
      // the client went away: fine for these scripts
    } finally {
      closeQuietly(conn);
      listener.close();
    }
  })();
  return { url: `ws://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/path?q=1`, done };
}

interface Outcome {
  opened: boolean;
  messages: string[];
  code: number;
  reason: string;
  error: string;
  local: boolean;
}

function run(url: string, onOpen?: (ws: WebSocketClient) => void): Promise<Outcome> {
  const out: Outcome = {
    opened: false,
    messages: [],
    code: 0,
    reason: "",
    error: "",
    local: false,
  };
  const ws = new WebSocketClient(url, { maxMessageBytes: 100_000 });
  return new Promise((resolve) => {
    ws.onopen = () => {
      out.opened = true;
      onOpen?.(ws);
    };
    ws.onmessage = (text) => out.messages.push(text);
    ws.onclose = (code, reason, error, local) => {
      Object.assign(out, { code, reason, error, local });
      resolve(out);
    };
  });
}

Deno.test("messages split across reads, fragments and a ping in between; close handshake", async () => {
  let pong: Uint8Array | undefined;
  let closeEcho = -1;
  const big = "x".repeat(70_000); // over 65535: the 64-bit length form
  const server = serve(async (conn) => {
    const whole = new Uint8Array([
      ...frame(0x81, "one"),
      ...frame(0x01, "fr"), // text, not final
      ...frame(0x89, "hb"), // ping inside a fragmented message
      ...frame(0x80, "ag"), // continuation, final
      ...frame(0x82, new Uint8Array([1, 2])), // binary: ignored
      ...frame(0x81, big),
    ]);
    // Dribble the first 399 bytes out in 7-byte pieces (every boundary case of the parser),
    // then the rest at once.
    let at = 0;
    for (; at + 7 <= 399; at += 7) await writeAll(conn, whole.subarray(at, at + 7));
    await writeAll(conn, whole.subarray(at));
    const p = await readClientFrame(conn);
    assertEquals(p.opcode, 0xa);
    pong = p.payload;
    await writeAll(conn, frame(0x88, new Uint8Array([0x03, 0xe9, ...encoder.encode("bye")])));
    const c = await readClientFrame(conn);
    closeEcho = (c.payload[0] << 8) | c.payload[1];
  });
  const out = await run(server.url);
  await server.done;
  assertEquals(out.messages, ["one", "frag", big]);
  assertEquals(new TextDecoder().decode(pong), "hb");
  assertEquals([out.code, out.reason, out.error, closeEcho], [1001, "bye", "", 1001]);
});

Deno.test("client messages are masked text frames; close() sends a close frame", async () => {
  const got: string[] = [];
  let closeCode = 0;
  const server = serve(async (conn) => {
    for (let i = 0; i < 2; i++) {
      const f = await readClientFrame(conn);
      assertEquals(f.opcode, 1);
      got.push(new TextDecoder().decode(f.payload));
    }
    const c = await readClientFrame(conn);
    assertEquals(c.opcode, 8);
    closeCode = (c.payload[0] << 8) | c.payload[1];
    await writeAll(conn, frame(0x88, c.payload));
  });
  const out = await run(server.url, (ws) => {
    ws.send('{"op":"subscribe"}');
    ws.send("y".repeat(300)); // 16-bit length form
    ws.close(1000, "client stopping");
  });
  await server.done;
  assertEquals(got, ['{"op":"subscribe"}', "y".repeat(300)]);
  assertEquals([closeCode, out.code, out.error, out.local], [1000, 1000, "", false]);
});

for (
  const [name, bytes, code] of [
    ["a masked server frame", frame(0x81, "hi", { mask: true }), 1002],
    ["RSV bits without an extension", frame(0xc1, "hi"), 1002],
    ["an unknown opcode", frame(0x83, "hi"), 1002],
    ["a continuation of nothing", frame(0x80, "hi"), 1002],
    ["a fragmented ping", frame(0x09, "hi"), 1002],
    ["invalid UTF-8", frame(0x81, new Uint8Array([0xc3, 0x28])), 1007],
    ["a frame over maxMessageBytes", frame(0x81, "z".repeat(100_001)), 1009],
    [
      "a 64-bit length",
      new Uint8Array([0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0]),
      1009,
    ],
    [
      "fragments adding up over maxMessageBytes",
      new Uint8Array([...frame(0x01, "a".repeat(60_000)), ...frame(0x80, "b".repeat(60_000))]),
      1009,
    ],
  ] as const
) {
  Deno.test(`${name} closes the connection with ${code}`, async () => {
    let sent = -1;
    const server = serve(async (conn) => {
      await writeAll(conn, frame(0x81, "before"));
      await writeAll(conn, bytes);
      const c = await readClientFrame(conn);
      sent = (c.payload[0] << 8) | c.payload[1];
    });
    const out = await run(server.url);
    await server.done;
    assertEquals(out.messages, ["before"], "what came before is delivered, nothing after");
    assertEquals([out.code, sent, out.local], [code, code, true]);
    assert(out.error.length > 0, "says why");
  });
}

Deno.test("upgrade failures: status, accept key, extension, a cut-short head", async () => {
  const cases: Array<[string, (key: string) => Promise<string>, RegExp]> = [
    ["404", () => Promise.resolve("HTTP/1.1 404 Not Found\r\n\r\n"), /Invalid status code: 404/],
    [
      "wrong accept",
      () =>
        Promise.resolve(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x\r\n\r\n",
        ),
      /Sec-WebSocket-Accept/,
    ],
    [
      "an extension",
      async (key) =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" +
        `Sec-WebSocket-Accept: ${await websocketAccept(key)}\r\n` +
        "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
      /extension/,
    ],
    ["cut short", () => Promise.resolve("HTTP/1.1 101 Swi"), /closed before the upgrade/],
    ["not HTTP", () => Promise.resolve("SSH-2.0-OpenSSH\r\n\r\n"), /not an HTTP response/],
  ];
  for (const [what, answer, want] of cases) {
    const server = serve(() => Promise.resolve(), answer);
    const out = await run(server.url);
    await server.done;
    assert(!out.opened, `${what}: never open`);
    assert(want.test(out.error), `${what}: ${out.error}`);
  }
});

Deno.test("a refused connection reports the runtime's cause; close() while connecting is quiet", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const out = await run(`ws://127.0.0.1:${port}/`);
  assert(/refused|os error 111/i.test(out.error), out.error);
  const ws = new WebSocketClient(`ws://127.0.0.1:${port}/`);
  let opened = false;
  ws.onopen = () => opened = true;
  ws.close();
  await ws.closed;
  assertEquals([opened, ws.readyState], [false, 3]);
  let threw = false;
  try {
    new WebSocketClient("http://127.0.0.1/");
  } catch (e) {
    threw = e instanceof SyntaxError;
  }
  assert(threw, "a non-WebSocket URL is a SyntaxError");
});

Deno.test("onbytes sees each unfragmented text frame first; false hands it over as text", async () => {
  const server = serve(async (conn) => {
    await writeAll(
      conn,
      new Uint8Array([
        ...frame(0x81, "bytes:1"),
        ...frame(0x81, "text:2"),
        ...frame(0x01, "by"), // fragmented: always as text
        ...frame(0x80, "tes:3"),
        ...frame(0x88, new Uint8Array([0x03, 0xe8])),
      ]),
    );
    await readClientFrame(conn);
  });
  const viaBytes: string[] = [];
  const ws = new WebSocketClient(server.url);
  const texts: string[] = [];
  ws.onbytes = (b, start, end) => {
    const t = new TextDecoder().decode(b.subarray(start, end));
    if (!t.startsWith("bytes:")) return false;
    viaBytes.push(t);
    return true;
  };
  ws.onmessage = (t) => texts.push(t);
  await ws.closed;
  await server.done;
  assertEquals(viaBytes, ["bytes:1"]);
  assertEquals(texts, ["text:2", "bytes:3"]);
});

Deno.test("a feed socket says it closed the connection itself when the exchange broke the protocol", async () => {
  const server = serve(async (conn) => {
    await writeAll(conn, frame(0x81, "hello", { mask: true }));
    await readClientFrame(conn).catch(() => {});
  });
  const lost = Promise.withResolvers<string>();
  const socket = new FeedSocket({
    url: () => server.url,
    onOpen: () => {},
    onMessage: () => {},
    onDisconnect: (reason) => lost.resolve(reason),
    silenceTimeoutMs: 5000,
    minBackoffMs: 60_000,
    maxBackoffMs: 60_000,
  });
  socket.start();
  try {
    const reason = await lost.promise;
    assert(
      /closed by us, the exchange broke the WebSocket protocol \(1002 masked frame/.test(reason),
      reason,
    );
    assertEquals(socket.lastFailure?.cause, "closed");
    assert(!/by peer/.test(socket.lastFailure!.message), socket.lastFailure!.message);
  } finally {
    await socket.stop();
    await server.done;
  }
});
