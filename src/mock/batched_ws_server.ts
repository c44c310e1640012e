/**
 * A small HTTP/1.1 + WebSocket server over `Deno.listen` whose WebSockets **batch writes**: every
 * frame sent during one task is queued and the whole batch goes to the kernel in one write when
 * the task ends. Deno's own server WebSocket (`Deno.upgradeWebSocket`) writes each frame with its
 * own system call, which costs about 5 µs of CPU per frame on loopback and caps one simulator
 * thread near 70,000 frames per second; batched, the cost per frame is mostly building it.
 *
 * It serves what the simulator needs and no more: one request per HTTP connection (answered with
 * `connection: close`), request bodies by `content-length`, WebSocket upgrades (RFC 6455, no
 * extensions), text and binary messages (fragmented ones too), ping → pong, and the closing
 * handshake. The sockets it hands out implement the subset of the `WebSocket` interface the mock
 * servers use: `send`, `close`, `readyState`, `bufferedAmount`, `on*` handlers and `close`
 * listeners. Server-initiated pings (Deno's `idleTimeout`) are not implemented.
 *
 * @example
 * ```ts
 * import { BatchedServer, upgradeBatched } from "./batched_ws_server.ts";
 * const server = BatchedServer.serve({ hostname: "127.0.0.1", port: 0 }, (req) => {
 *   if (req.headers.get("upgrade") !== "websocket") return new Response("hello");
 *   const { socket, response } = upgradeBatched(req);
 *   socket.onmessage = (e) => socket.send(`echo ${e.data}`);
 *   return response;
 * });
 * const ws = new WebSocket(`ws://127.0.0.1:${server.addr.port}`);
 * await new Promise((resolve) => ws.onopen = resolve);
 * ws.send("hi");
 * const reply = await new Promise((resolve) => ws.onmessage = (e) => resolve(e.data));
 * if (reply !== "echo hi") throw new Error(String(reply));
 * ws.close();
 * await new Promise((resolve) => ws.onclose = resolve);
 * await server.shutdown();
 * ```
 *
 * @module
 */

import { ByteReader } from "../util/byte_reader.ts";
import { parseRequestHead } from "../util/http_head.ts";
import { closeQuietly, concatBytes, writeAll } from "../util/tcp.ts";
import {
  closeCode,
  closePayload,
  frameHeaderLength,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  readFrameHeader,
  switchingProtocols,
  unmask,
  writeFrameHeader,
} from "../util/websocket_frame.ts";

const MAX_HEAD_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_MESSAGE_BYTES = 1024 * 1024;
const CLOSE_TIMEOUT_MS = 1000;
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const upgrades = new WeakMap<Response, BatchedWebSocket>();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Accept a WebSocket upgrade request: returns the socket (usable once open) and the response to
 * return from the handler. Throws a `TypeError` for a request that is not a valid upgrade.
 */
export function upgradeBatched(req: Request): { socket: WebSocket; response: Response } {
  const key = req.headers.get("sec-websocket-key");
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket" || !key) {
    throw new TypeError("Not a WebSocket upgrade request");
  }
  const socket = new BatchedWebSocket(key);
  const response = new Response(null, { status: 200 });
  upgrades.set(response, socket);
  return { socket: socket as unknown as WebSocket, response };
}

/** Options of {@linkcode BatchedServer.serve}. */
export interface BatchedServeOptions {
  /** Listen address. Default `127.0.0.1`. */
  hostname?: string;
  /** Listen port; 0 = any free port. */
  port: number;
}

type Handler = (req: Request) => Response | Promise<Response>;

/** The listener. See the module documentation. */
export class BatchedServer {
  readonly #listener: Deno.TcpListener;
  readonly #handler: Handler;
  readonly #conns = new Set<Deno.TcpConn>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #finished = Promise.withResolvers<void>();
  #closed = false;

  private constructor(listener: Deno.TcpListener, handler: Handler) {
    this.#listener = listener;
    this.#handler = handler;
    void this.#accept();
  }

  /** Listen and serve `handler` (a `Deno.serve`-style handler). */
  static serve(options: BatchedServeOptions, handler: Handler): BatchedServer {
    const listener = Deno.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port,
      transport: "tcp",
    });
    return new BatchedServer(listener, handler);
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Resolves when the server has shut down. */
  get finished(): Promise<void> {
    return this.#finished.promise;
  }

  /**
   * Stop accepting, close every connection still open (WebSockets should be closed before, with
   * a close frame) and wait for the connection handlers to end.
   */
  async shutdown(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#listener.close();
      } catch {
        // already closed
      }
      for (const conn of this.#conns) closeQuietly(conn);
    }
    await Promise.allSettled([...this.#tasks]);
    this.#finished.resolve();
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        break; // listener closed
      }
      if (this.#closed) {
        closeQuietly(conn);
        break;
      }
      this.#conns.add(conn);
      const task = this.#serveConn(conn).finally(() => {
        this.#conns.delete(conn);
        this.#tasks.delete(task);
      });
      this.#tasks.add(task);
    }
  }

  async #serveConn(conn: Deno.TcpConn): Promise<void> {
    try {
      conn.setNoDelay(true);
    } catch {
      // not fatal
    }
    const input = new ByteReader(conn, MAX_HEAD_BYTES);
    let upgraded = false;
    try {
      const head = await input.readHead();
      if (head === undefined || head === "too large") return;
      const request = parseHead(head, this.addr);
      if (request === undefined) {
        await writeAll(conn, encoder.encode(plainResponse(400, "bad request")));
        return;
      }
      const length = Number(request.headers.get("content-length") ?? 0);
      if (!(length >= 0 && length <= MAX_BODY_BYTES)) {
        await writeAll(conn, encoder.encode(plainResponse(413, "body too large")));
        return;
      }
      const body = length > 0 ? await input.readExactly(length) : undefined;
      const req = new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: body && request.method !== "GET" && request.method !== "HEAD" ? body : undefined,
      });
      let response: Response;
      try {
        response = await this.#handler(req);
      } catch (error) {
        console.error("BatchedServer handler error:", error);
        response = new Response("internal error", { status: 500 });
      }
      const socket = upgrades.get(response);
      if (socket) {
        upgraded = true;
        this.#conns.delete(conn); // the socket owns it now
        await socket.attach(conn, input);
        return;
      }
      const payload = new Uint8Array(await response.arrayBuffer());
      let text = `HTTP/1.1 ${response.status} ${response.statusText || "OK"}\r\n`;
      for (const [name, value] of response.headers) {
        if (name !== "content-length" && name !== "connection") text += `${name}: ${value}\r\n`;
      }
      text += `content-length: ${payload.byteLength}\r\nconnection: close\r\n\r\n`;
      await writeAll(conn, concatBytes(encoder.encode(text), payload));
    } catch {
      // the peer went away; nothing to answer
    } finally {
      if (!upgraded) closeQuietly(conn);
    }
  }
}

/** A WebSocket over a raw TCP connection whose frames are written in batches. */
class BatchedWebSocket extends EventTarget {
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;
  readonly protocol = "";
  readonly extensions = "";
  binaryType: "arraybuffer" | "blob" = "arraybuffer";
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  #state = CONNECTING;
  #conn: Deno.TcpConn | undefined;
  readonly #key: string;
  /** Frames queued for the next write. */
  #out = new Uint8Array(64 * 1024);
  #outLength = 0;
  /** The buffer being written (swapped with `#out`). */
  #spare = new Uint8Array(64 * 1024);
  #writing = 0;
  #flushQueued = false;
  #scratch = new Uint8Array(64 * 1024);
  #closeSent = false;
  #connClosed = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #closeCode = 1005;
  #closeReason = "";

  constructor(key: string) {
    super();
    this.#key = key;
  }

  get readyState(): number {
    return this.#state;
  }

  /** Bytes queued or being written. */
  get bufferedAmount(): number {
    return this.#outLength + this.#writing;
  }

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#state !== OPEN) throw new DOMException("readyState not OPEN", "InvalidStateError");
    if (typeof data === "string") {
      if (this.#scratch.length < data.length * 3) this.#scratch = new Uint8Array(data.length * 3);
      const { written } = encoder.encodeInto(data, this.#scratch);
      this.#frame(OPCODE_TEXT, this.#scratch.subarray(0, written));
    } else {
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data);
      this.#frame(OPCODE_BINARY, bytes);
    }
  }

  close(code = 1000, reason = ""): void {
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    if (this.#state === CONNECTING) {
      this.#terminate(1006, "closed before open", false);
      return;
    }
    this.#state = CLOSING;
    this.#closeCode = code;
    this.#closeReason = reason;
    this.#sendClose(code, reason);
    this.#closeTimer = setTimeout(() => this.#terminate(code, reason, false), CLOSE_TIMEOUT_MS);
  }

  /** @internal Complete the handshake on `conn` and run the socket until it closes. */
  async attach(conn: Deno.TcpConn, input: ByteReader): Promise<void> {
    this.#conn = conn;
    await writeAll(conn, await switchingProtocols(this.#key));
    if (this.#state !== CONNECTING) {
      this.#closeConn();
      return;
    }
    this.#state = OPEN;
    this.#emit("open", new Event("open"));
    await this.#readLoop(input);
  }

  #emit(type: "open" | "message" | "close" | "error", event: Event): void {
    try {
      const handler = this[`on${type}` as "onopen"] as ((e: Event) => void) | null;
      handler?.call(this as unknown as WebSocket, event);
    } catch (error) {
      reportError(error);
    }
    this.dispatchEvent(event);
  }

  #reserve(n: number): void {
    if (this.#outLength + n <= this.#out.length) return;
    const bigger = new Uint8Array(Math.max(this.#out.length * 2, this.#outLength + n));
    bigger.set(this.#out.subarray(0, this.#outLength));
    this.#out = bigger;
  }

  #frame(opcode: number, payload: Uint8Array): void {
    const n = payload.byteLength;
    this.#reserve(frameHeaderLength(n) + n);
    const out = this.#out;
    const at = writeFrameHeader(out, this.#outLength, opcode, n);
    out.set(payload, at);
    this.#outLength = at + n;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    if (this.#writing > 0 || !this.#conn) return;
    while (this.#outLength > 0 && !this.#connClosed) {
      const batch = this.#out.subarray(0, this.#outLength);
      this.#writing = this.#outLength;
      // Swap buffers: frames sent while this batch is written go to the other one.
      [this.#out, this.#spare] = [this.#spare, this.#out];
      this.#outLength = 0;
      try {
        await writeAll(this.#conn, batch);
      } catch {
        this.#writing = 0;
        this.#closeConn();
        this.#terminate(1006, "write failed", false);
        return;
      }
      this.#writing = 0;
    }
    if (this.#state === CLOSED) this.#closeConn();
  }

  #closeConn(): void {
    if (this.#connClosed || !this.#conn) return;
    this.#connClosed = true;
    closeQuietly(this.#conn);
  }

  #sendClose(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#frame(OPCODE_CLOSE, code === 1005 ? new Uint8Array(0) : closePayload(code, reason));
  }

  async #readLoop(input: ByteReader): Promise<void> {
    let fragments: Uint8Array[] = [];
    let fragmentOpcode = 0;
    try {
      while (this.#state !== CLOSED) {
        const header = await readFrameHeader(input);
        if (header === undefined) break;
        const { fin, opcode, length, mask } = header;
        if (length > MAX_MESSAGE_BYTES) {
          this.#protocolError(1009, "message too big");
          break;
        }
        const payload = length > 0 ? await input.readExactly(length) : new Uint8Array(0);
        if (!payload) break;
        if (mask) unmask(payload, mask);
        if (opcode === OPCODE_CLOSE) {
          const code = closeCode(payload);
          const reason = payload.length > 2 ? decoder.decode(payload.subarray(2)) : "";
          if (!this.#closeSent) this.#sendClose(code === 1005 ? 1000 : code, "");
          const initiated = this.#closeCode !== 1005;
          this.#terminate(
            initiated ? this.#closeCode : code,
            initiated ? this.#closeReason : reason,
            true,
          );
          break;
        } else if (opcode === OPCODE_PING) {
          if (this.#state === OPEN) this.#frame(OPCODE_PONG, payload);
        } else if (opcode === OPCODE_PONG) {
          // pong: nothing to do
        } else if (
          opcode === OPCODE_TEXT || opcode === OPCODE_BINARY || opcode === OPCODE_CONTINUATION
        ) {
          if (opcode !== OPCODE_CONTINUATION) {
            fragments = [];
            fragmentOpcode = opcode;
          }
          fragments.push(payload);
          if (!fin) continue;
          const whole = fragments.length === 1 ? fragments[0] : concatBytes(...fragments);
          fragments = [];
          if (this.#state !== OPEN) continue;
          const data = fragmentOpcode === OPCODE_TEXT
            ? decoder.decode(whole)
            : whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength);
          this.#emit("message", new MessageEvent("message", { data }));
        } else {
          this.#protocolError(1002, `unknown opcode ${opcode}`);
          break;
        }
      }
    } catch {
      // connection reset
    }
    this.#terminate(1006, "", false);
  }

  #protocolError(code: number, reason: string): void {
    this.#sendClose(code, reason);
    this.#terminate(code, reason, false);
  }

  /** Closed: what is still queued (a close frame) is written, then the connection closed. */
  #terminate(code: number, reason: string, wasClean: boolean): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    clearTimeout(this.#closeTimer);
    if (this.#writing === 0) {
      if (this.#outLength > 0 && !this.#connClosed) void this.#flush();
      else this.#closeConn();
    }
    this.#emit("close", new CloseEvent("close", { code, reason, wasClean }));
  }
}

function parseHead(
  head: string,
  addr: Deno.NetAddr,
): { method: string; url: string; headers: Headers } | undefined {
  const parsed = parseRequestHead(head);
  if (!parsed) return undefined;
  const host = parsed.headers.get("host") ?? `${addr.hostname}:${addr.port}`;
  try {
    return { ...parsed, url: new URL(parsed.target, `http://${host}`).href };
  } catch {
    return undefined;
  }
}

function plainResponse(status: number, text: string): string {
  return `HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\ncontent-length: ${text.length}` +
    `\r\nconnection: close\r\n\r\n${text}`;
}
