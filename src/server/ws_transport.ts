/**
 * The server's own HTTP/1.1 + WebSocket transport over `Deno.listen`, built for hostile peers
 * (issue 13; the decision and its measured cost are in `docs/architecture.md`, "Transport"):
 *
 * - **accept** never dies: a failed `accept()` (EMFILE, ENFILE, …) is counted and retried after
 *   a short backoff; connections beyond `maxConnections` (set below the descriptor limit read at
 *   start) are answered 503 and closed at once;
 * - **deadlines**: the request head must arrive within `headerTimeoutMs` (and fit 16 KiB); a
 *   WebSocket that sends nothing for `idleTimeoutMs` is pinged at half that and closed at the
 *   end; a closing handshake the peer does not finish is cut after `closeTimeoutMs`;
 * - **frame size**: a client frame's length is read from its header before its payload; a
 *   message over `maxMessageBytes` is never buffered — its payload is read and discarded as it
 *   streams in (memory stays about one read buffer) and the message arrives as a
 *   {@linkcode TOO_LARGE} marker;
 * - **closing**: `close()` queues the close frame, keeps reading (and discarding) until the peer
 *   answers or the deadline passes, so the close frame is not lost to a TCP reset; when the
 *   connection ends everything still queued for it is dropped, so its memory is returned.
 *
 * One HTTP request per connection (answered with `connection: close`): the service's HTTP routes
 * are a handful of small documents. Sockets implement the subset of `WebSocket` the server uses.
 *
 * @module
 */

import { ByteReader } from "../util/byte_reader.ts";
import { encodeShared, FrameBuffer } from "../util/frame_buffer.ts";
import { parseRequestHead } from "../util/http_head.ts";
import { closeQuietly, concatBytes, writeAll } from "../util/tcp.ts";
import {
  closeCode,
  closePayload,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  readFrameHeader,
  switchingProtocols,
  unmask,
} from "../util/websocket_frame.ts";

const MAX_HEAD_BYTES = 16 * 1024;
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** What a {@linkcode ServerSocket} delivers for a message over `maxMessageBytes`. */
export const TOO_LARGE: unique symbol = Symbol("too large");

/** Limits and deadlines of the transport. */
export interface TransportLimits {
  /** Connections served at once; more are answered 503 and closed. */
  maxConnections: number;
  /** The request head must arrive within this (ms). */
  headerTimeoutMs: number;
  /** A WebSocket silent this long is closed (pinged at half). */
  idleTimeoutMs: number;
  /** Largest client message (bytes); larger ones are discarded unread. */
  maxMessageBytes: number;
  /** A closing handshake not finished by the peer within this is cut (ms). */
  closeTimeoutMs: number;
}

/** Counters of the transport (served on `/metrics`). */
export interface TransportCounters {
  /** Connections accepted. */
  accepted: number;
  /** `accept()` failures (e.g. out of descriptors), each followed by a backoff. */
  acceptErrors: number;
  /** Connections refused because `maxConnections` were open. */
  overCapacity: number;
  /** Connections closed for not sending their request head in time. */
  headerTimeouts: number;
  /** Requests refused as malformed (400) or too large (431). */
  badRequests: number;
  /** WebSockets closed for being silent past `idleTimeoutMs`. */
  idleTimeouts: number;
  /** Client messages over `maxMessageBytes`, discarded. */
  oversizeMessages: number;
  /** Payload bytes of such messages read and discarded. */
  discardedBytes: number;
  /** Closing handshakes cut at `closeTimeoutMs`. */
  closeTimeouts: number;
}

/** Creates zeroed {@linkcode TransportCounters}. */
export function newTransportCounters(): TransportCounters {
  return {
    accepted: 0,
    acceptErrors: 0,
    overCapacity: 0,
    headerTimeouts: 0,
    badRequests: 0,
    idleTimeouts: 0,
    oversizeMessages: 0,
    discardedBytes: 0,
    closeTimeouts: 0,
  };
}

/**
 * The soft limit on open file descriptors of this process (Linux: `/proc/self/limits`), or
 * undefined where it cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { descriptorLimit } from "./ws_transport.ts";
 * const limit = descriptorLimit();
 * assert.ok(limit === undefined || limit > 0);
 * ```
 */
export function descriptorLimit(): number | undefined {
  try {
    const text = Deno.readTextFileSync("/proc/self/limits");
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    if (!m) return undefined;
    return m[1] === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * Connections the server may hold given a descriptor limit: a quarter of the limit (at least 128)
 * is kept for everything else (Workers, exchange sockets, files, the recorder).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { connectionCap } from "./ws_transport.ts";
 * assert.equal(connectionCap(1024), 768);
 * assert.equal(connectionCap(256), 128);
 * assert.equal(connectionCap(100), 16); // never below 16
 * ```
 */
export function connectionCap(limit: number): number {
  return Math.max(16, limit - Math.max(128, Math.floor(limit / 4)));
}

type Handler = (req: Request) => Response | Promise<Response>;

const upgrades = new WeakMap<Response, ServerSocket>();
const encoder = new TextEncoder();

/**
 * Accepts a WebSocket upgrade (the request must be a valid one: see
 * {@linkcode upgradeProblem}): returns the socket and the response for the handler to return.
 */
export function acceptUpgrade(req: Request): { socket: ServerSocket; response: Response } {
  const problem = upgradeProblem(req);
  if (problem) throw new TypeError(problem);
  const socket = new ServerSocket(req.headers.get("sec-websocket-key")!);
  const response = new Response(null, { status: 200 });
  upgrades.set(response, socket);
  return { socket, response };
}

/**
 * Why a request is not a valid WebSocket upgrade (RFC 6455 §4.2.1), or undefined when it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { upgradeProblem } from "./ws_transport.ts";
 * const headers = {
 *   upgrade: "websocket", connection: "keep-alive, Upgrade",
 *   "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13",
 * };
 * assert.equal(upgradeProblem(new Request("http://x/ws", { headers })), undefined);
 * const noKey = { ...headers, "sec-websocket-key": "" };
 * assert.match(upgradeProblem(new Request("http://x/ws", { headers: noKey }))!, /Key/);
 * ```
 */
export function upgradeProblem(req: Request): string | undefined {
  if (req.method !== "GET") return "A WebSocket upgrade must be a GET request";
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return "Missing Upgrade: websocket";
  }
  const connection = (req.headers.get("connection") ?? "").toLowerCase().split(",");
  if (!connection.some((t) => t.trim() === "upgrade")) return "Missing Connection: Upgrade";
  const key = req.headers.get("sec-websocket-key") ?? "";
  let raw = "";
  try {
    raw = atob(key);
  } catch {
    // not base64
  }
  if (raw.length !== 16) return "Sec-WebSocket-Key must be 16 bytes, base64";
  if (req.headers.get("sec-websocket-version") !== "13") return "Sec-WebSocket-Version must be 13";
  return undefined;
}

/** Options of {@linkcode HttpTransport.listen}. */
export interface ListenOptions {
  hostname: string;
  port: number;
  limits: TransportLimits;
  counters?: TransportCounters;
  /** Where unexpected handler errors go. */
  onError?: (message: string, error: unknown) => void;
}

/**
 * The listener: an accept loop that survives descriptor exhaustion, serving one request per
 * connection with `handler` (a `Deno.serve`-style handler; upgrades via {@linkcode acceptUpgrade}).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { HttpTransport, newTransportCounters } from "./ws_transport.ts";
 * const limits = {
 *   maxConnections: 64, headerTimeoutMs: 1000, idleTimeoutMs: 10_000,
 *   maxMessageBytes: 4096, closeTimeoutMs: 500,
 * };
 * const counters = newTransportCounters();
 * const server = HttpTransport.listen(
 *   { hostname: "127.0.0.1", port: 0, limits, counters },
 *   () => new Response("hello"),
 * );
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assert.equal(await response.text(), "hello");
 * assert.equal(counters.accepted, 1);
 * await server.shutdown();
 * ```
 */
export class HttpTransport {
  readonly #listener: Deno.TcpListener;
  readonly #handler: Handler;
  readonly #limits: TransportLimits;
  readonly counters: TransportCounters;
  readonly #onError: (message: string, error: unknown) => void;
  readonly #conns = new Set<Deno.TcpConn>();
  readonly #sockets = new Set<ServerSocket>();
  readonly #tasks = new Set<Promise<void>>();
  #closed = false;
  #loop: Promise<void>;

  private constructor(listener: Deno.TcpListener, handler: Handler, options: ListenOptions) {
    this.#listener = listener;
    this.#handler = handler;
    this.#limits = options.limits;
    this.counters = options.counters ?? newTransportCounters();
    this.#onError = options.onError ?? ((m, e) => console.error(m, e));
    this.#loop = this.#accept();
  }

  /** Listens and serves. */
  static listen(options: ListenOptions, handler: Handler): HttpTransport {
    const listener = Deno.listen({
      hostname: options.hostname,
      port: options.port,
      transport: "tcp",
    });
    return new HttpTransport(listener, handler, options);
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Connections open now (HTTP and WebSocket). */
  get connections(): number {
    return this.#conns.size;
  }

  /** Stops accepting, cuts every connection still open and waits for their handlers. */
  async shutdown(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      closeQuietly(this.#listener);
      for (const s of this.#sockets) s.terminate();
      for (const conn of this.#conns) closeQuietly(conn);
    }
    await this.#loop;
    await Promise.allSettled([...this.#tasks]);
  }

  async #accept(): Promise<void> {
    let backoff = 10;
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
        backoff = 10;
      } catch (e) {
        if (this.#closed || e instanceof Deno.errors.BadResource) break;
        // Out of descriptors (EMFILE/ENFILE) or a connection reset while queued: the listener
        // is fine. Count it and give connections time to close.
        this.counters.acceptErrors++;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 1000);
        continue;
      }
      if (this.#closed) {
        closeQuietly(conn);
        break;
      }
      if (this.#conns.size >= this.#limits.maxConnections) {
        this.counters.overCapacity++;
        void refuse(conn, 503, "Server at its connection limit");
        continue;
      }
      this.counters.accepted++;
      this.#conns.add(conn);
      const task = this.#serve(conn).finally(() => {
        this.#conns.delete(conn);
        this.#tasks.delete(task);
        closeQuietly(conn);
      });
      this.#tasks.add(task);
    }
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    try {
      conn.setNoDelay(true);
    } catch {
      // not fatal
    }
    const input = new ByteReader(conn, MAX_HEAD_BYTES);
    const timer = setTimeout(() => {
      this.counters.headerTimeouts++;
      closeQuietly(conn);
    }, this.#limits.headerTimeoutMs);
    let head: string | undefined | "too large";
    try {
      head = await input.readHead();
    } catch {
      head = undefined; // reset, or closed by the deadline
    } finally {
      clearTimeout(timer);
    }
    if (head === undefined) return;
    if (head === "too large") {
      this.counters.badRequests++;
      await refuse(conn, 431, "Request head too large");
      return;
    }
    const request = parseHead(head, this.addr);
    if (request === undefined) {
      this.counters.badRequests++;
      await refuse(conn, 400, "Malformed request");
      return;
    }
    let response: Response;
    try {
      response = await this.#handler(request);
    } catch (error) {
      this.#onError("HTTP handler failed", error);
      response = new Response("Internal error\n", { status: 500 });
    }
    const socket = upgrades.get(response);
    if (socket) {
      this.#sockets.add(socket);
      try {
        await socket.attach(conn, input, this.#limits, this.counters);
      } finally {
        this.#sockets.delete(socket);
      }
      return;
    }
    try {
      const body = new Uint8Array(await response.arrayBuffer());
      let text = `HTTP/1.1 ${response.status} ${
        response.statusText || reasonOf(response.status)
      }\r\n`;
      for (const [name, value] of response.headers) {
        if (name !== "content-length" && name !== "connection") text += `${name}: ${value}\r\n`;
      }
      text += `content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n`;
      const headBytes = encoder.encode(text);
      await writeAll(conn, request.method === "HEAD" ? headBytes : concatBytes(headBytes, body));
    } catch {
      // the peer went away
    }
  }
}

/**
 * A WebSocket over a raw connection (server side): frames sent during one task are written
 * together; see the module documentation for limits and closing.
 */
export class ServerSocket extends EventTarget {
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;
  binaryType: "arraybuffer" | "blob" = "arraybuffer";
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  #state = CONNECTING;
  #conn: Deno.TcpConn | undefined;
  readonly #key: string;
  readonly #out = new FrameBuffer();
  #writing = 0;
  #flushQueued = false;
  #closeSent = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setInterval> | undefined;
  #lastInput = 0;
  #pinged = false;
  #closeCode = 1005;
  #closeReason = "";
  #done = Promise.withResolvers<void>();
  #limits: TransportLimits | undefined;
  #counters: TransportCounters | undefined;

  constructor(key: string) {
    super();
    this.#key = key;
  }

  get readyState(): number {
    return this.#state;
  }

  /** Bytes queued or being written. */
  get bufferedAmount(): number {
    return this.#out.length + this.#writing;
  }

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#state !== OPEN) throw new DOMException("readyState not OPEN", "InvalidStateError");
    if (typeof data === "string") this.#frame(OPCODE_TEXT, encodeShared(data));
    else {
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data);
      this.#frame(OPCODE_BINARY, bytes);
    }
  }

  /** Starts the closing handshake (the close frame is sent; the peer has `closeTimeoutMs`). */
  close(code = 1000, reason = ""): void {
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    if (this.#state === CONNECTING) {
      this.#state = CLOSING;
      return;
    }
    this.#state = CLOSING;
    this.#closeCode = code;
    this.#closeReason = reason;
    this.#sendClose(code, reason);
    this.#closeTimer = setTimeout(() => {
      if (this.#counters) this.#counters.closeTimeouts++;
      this.#finish(code, reason, false);
    }, this.#limits?.closeTimeoutMs ?? 2000);
  }

  /** Ends the connection now: nothing more is written, whatever is queued is dropped. */
  terminate(): void {
    this.#finish(this.#closeCode === 1005 ? 1006 : this.#closeCode, this.#closeReason, false);
  }

  /** @internal Completes the handshake on `conn` and runs the socket until it closes. */
  async attach(
    conn: Deno.TcpConn,
    input: ByteReader,
    limits: TransportLimits,
    counters: TransportCounters,
  ): Promise<void> {
    this.#conn = conn;
    this.#limits = limits;
    this.#counters = counters;
    try {
      await writeAll(conn, await switchingProtocols(this.#key));
    } catch {
      this.#finish(1006, "", false);
      return;
    }
    if (this.#state !== CONNECTING) {
      this.#finish(1006, "", false);
      return;
    }
    this.#state = OPEN;
    this.#lastInput = performance.now();
    const idle = limits.idleTimeoutMs;
    this.#idleTimer = setInterval(() => this.#checkIdle(idle), Math.max(50, idle / 4));
    this.#emit("open", new Event("open"));
    void this.#readLoop(input, limits);
    await this.#done.promise;
  }

  #checkIdle(idle: number): void {
    const silent = performance.now() - this.#lastInput;
    if (silent >= idle) {
      if (this.#counters) this.#counters.idleTimeouts++;
      if (this.#state === OPEN) this.close(1001, "Idle timeout");
      else this.#finish(1006, "", false);
    } else if (silent >= idle / 2 && !this.#pinged && this.#state === OPEN) {
      this.#pinged = true;
      this.#frame(OPCODE_PING, new Uint8Array(0));
    }
  }

  #emit(type: "open" | "message" | "close", event: Event): void {
    try {
      const handler = this[`on${type}` as "onopen"] as ((e: Event) => void) | null;
      handler?.call(this, event);
    } catch (error) {
      reportError(error);
    }
    this.dispatchEvent(event);
  }

  #frame(opcode: number, payload: Uint8Array): void {
    if (this.#state === CLOSED) return;
    this.#out.append(opcode, payload);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    if (this.#writing > 0 || !this.#conn) return;
    while (this.#out.length > 0 && this.#state !== CLOSED) {
      const batch = this.#out.take();
      this.#writing = batch.byteLength;
      try {
        await writeAll(this.#conn, batch);
      } catch {
        this.#writing = 0;
        this.#finish(1006, "", false);
        return;
      }
      this.#writing = 0;
      this.#out.written();
    }
  }

  #sendClose(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#frame(OPCODE_CLOSE, code === 1005 ? new Uint8Array(0) : closePayload(code, reason));
  }

  async #readLoop(input: ByteReader, limits: TransportLimits): Promise<void> {
    const max = limits.maxMessageBytes;
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let fragments: Uint8Array[] = [];
    let fragmentBytes = 0;
    let fragmentOpcode = 0;
    let discarding = false;
    try {
      while (this.#state !== CLOSED) {
        const header = await readFrameHeader(input);
        if (header === undefined) break;
        this.#lastInput = performance.now();
        this.#pinged = false;
        const { fin, opcode, length, mask } = header;
        if (!mask) {
          this.#protocolError(1002, "Client frames must be masked");
          continue;
        }
        const control = opcode >= OPCODE_CLOSE;
        if (control && (length > 125 || !fin)) {
          this.#protocolError(1002, "Bad control frame");
          continue;
        }
        if (!control && this.#state !== OPEN) {
          // Closing: data frames are read and dropped until the peer's close frame.
          await this.#discard(input, length);
          continue;
        }
        if (!control) {
          if (opcode !== OPCODE_CONTINUATION) {
            fragments = [];
            fragmentBytes = 0;
            fragmentOpcode = opcode;
            discarding = false;
          }
          if (discarding || fragmentBytes + length > max) {
            // Over the limit: never buffered; the rest of this message streams to the void.
            if (!discarding) {
              discarding = true;
              fragments = [];
              this.#counters!.oversizeMessages++;
            }
            await this.#discard(input, length);
            if (fin) {
              discarding = false;
              if (this.#state === OPEN) {
                this.#emit("message", new MessageEvent("message", { data: TOO_LARGE }));
              }
            }
            continue;
          }
        }
        const payload = length > 0 ? await input.readExactly(length) : new Uint8Array(0);
        if (!payload) break;
        unmask(payload, mask);
        if (opcode === OPCODE_CLOSE) {
          const code = closeCode(payload);
          if (!this.#closeSent) this.#sendClose(code === 1005 ? 1000 : code, "");
          const initiated = this.#closeCode !== 1005;
          await this.#drainWrites();
          this.#finish(
            initiated ? this.#closeCode : code,
            initiated ? this.#closeReason : "",
            true,
          );
          break;
        } else if (opcode === OPCODE_PING) {
          if (this.#state === OPEN) this.#frame(OPCODE_PONG, payload);
        } else if (opcode === OPCODE_PONG) {
          // pong
        } else if (
          opcode === OPCODE_TEXT || opcode === OPCODE_BINARY || opcode === OPCODE_CONTINUATION
        ) {
          if (opcode === OPCODE_CONTINUATION && fragmentOpcode === 0) {
            this.#protocolError(1002, "Continuation without a message");
            continue;
          }
          fragments.push(payload);
          fragmentBytes += payload.byteLength;
          if (!fin) continue;
          const whole = fragments.length === 1 ? fragments[0] : concatBytes(...fragments);
          fragments = [];
          fragmentBytes = 0;
          const kind = fragmentOpcode;
          fragmentOpcode = 0;
          let data: string | ArrayBuffer;
          if (kind === OPCODE_TEXT) {
            try {
              data = decoder.decode(whole);
            } catch {
              this.#protocolError(1007, "Text frame is not UTF-8");
              continue;
            }
          } else data = whole.slice().buffer as ArrayBuffer;
          this.#emit("message", new MessageEvent("message", { data }));
        } else {
          this.#protocolError(1002, `Unknown opcode ${opcode}`);
        }
      }
    } catch {
      // connection reset or cut
    }
    this.#finish(this.#closeCode === 1005 ? 1006 : this.#closeCode, this.#closeReason, false);
  }

  async #discard(input: ByteReader, n: number): Promise<void> {
    const skipped = await input.skip(n);
    if (this.#counters) this.#counters.discardedBytes += skipped;
    if (skipped < n) throw new Deno.errors.UnexpectedEof("connection ended inside a frame");
  }

  /** Waits (bounded by the close deadline) until what is queued has been written. */
  async #drainWrites(): Promise<void> {
    const until = performance.now() + (this.#limits?.closeTimeoutMs ?? 2000);
    while ((this.#out.length > 0 || this.#writing > 0) && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  #protocolError(code: number, reason: string): void {
    this.close(code, reason);
  }

  /** The connection ends: timers stop, queued frames are dropped, the TCP connection closes. */
  #finish(code: number, reason: string, wasClean: boolean): void {
    if (this.#state === CLOSED) return;
    const wasOpen = this.#state === OPEN || this.#state === CLOSING;
    this.#state = CLOSED;
    clearTimeout(this.#closeTimer);
    clearInterval(this.#idleTimer);
    this.#out.clear();
    if (this.#conn) closeQuietly(this.#conn);
    this.#done.resolve();
    if (wasOpen) this.#emit("close", new CloseEvent("close", { code, reason, wasClean }));
  }
}

function parseHead(head: string, addr: Deno.NetAddr): Request | undefined {
  const parsed = parseRequestHead(head);
  if (!parsed || !parsed.target.startsWith("/")) return undefined;
  try {
    return new Request(new URL(parsed.target, `http://${addr.hostname}:${addr.port}`), {
      method: parsed.method,
      headers: parsed.headers,
    });
  } catch {
    return undefined;
  }
}

function reasonOf(status: number): string {
  const reasons: Record<number, string> = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    426: "Upgrade Required",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
  };
  return reasons[status] ?? "Status";
}

async function refuse(conn: Deno.TcpConn, status: number, text: string): Promise<void> {
  const body = `${text}\n`;
  const timer = setTimeout(() => closeQuietly(conn), 1000);
  try {
    await writeAll(
      conn,
      encoder.encode(
        `HTTP/1.1 ${status} ${reasonOf(status)}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
          `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      ),
    );
  } catch {
    // gone
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
}
