/**
 * A WebSocket client (RFC 6455) over `Deno.connect` / `Deno.connectTls`, for the exchange feeds.
 *
 * Why not the runtime's `WebSocket`: it turns every frame into a `MessageEvent` dispatched in its
 * own event-loop turn, with one native call per frame. This client reads the socket in large
 * chunks and hands every complete text frame of a chunk to {@linkcode WebSocketClient.onmessage}
 * synchronously, in one turn: at a high message rate a few reads carry hundreds of frames, and
 * nothing is allocated per frame but the text itself (`docs/performance.md`, "The exchange
 * WebSocket client").
 *
 * What it does: the HTTP/1.1 upgrade (checks `101` and `Sec-WebSocket-Accept`), masked client
 * frames, answering pings with pongs, reassembling fragmented messages, the close handshake. No
 * extensions are offered (no permessage-deflate), so a frame with RSV bits is a protocol error.
 * Hostile input is bounded: a message over `maxMessageBytes` or a response head over 16 KiB
 * closes the connection (1009 / a handshake error), invalid UTF-8 closes it with 1007, and any
 * other protocol violation with 1002; {@linkcode WebSocketClient.onclose} says why.
 *
 * @example
 * ```ts
 * import { WebSocketClient } from "./websocket_client.ts";
 * const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
 *   const { socket, response } = Deno.upgradeWebSocket(req);
 *   socket.onmessage = (e) => socket.send(`echo ${e.data}`);
 *   return response;
 * });
 * const ws = new WebSocketClient(`ws://127.0.0.1:${server.addr.port}/`);
 * const reply = await new Promise<string>((resolve) => {
 *   ws.onopen = () => ws.send("hi");
 *   ws.onmessage = (text) => resolve(text);
 * });
 * if (reply !== "echo hi") throw new Error(reply);
 * ws.close(1000, "done");
 * await ws.closed;
 * await server.shutdown();
 * ```
 *
 * @module
 */
import { closeQuietly, writeAll } from "./tcp.ts";
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
  websocketAccept,
  writeFrameHeader,
} from "./websocket_frame.ts";

/** Options of {@linkcode WebSocketClient}. */
export interface WebSocketClientOptions {
  /** Largest message accepted (after reassembly), bytes. Default 64 MiB. */
  maxMessageBytes?: number;
}

/** Largest HTTP response head accepted during the upgrade. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Initial receive buffer (grows up to one whole message when a frame needs it). */
const READ_BUFFER = 64 * 1024;
/** Free space wanted before each read. */
const MIN_READ_SPACE = 16 * 1024;
/** How long a close waits for the server's close frame before dropping the TCP connection. */
const CLOSE_WAIT_MS = 1000;

const encoder = new TextEncoder();

/** Connection states, numbered as the runtime's `WebSocket.readyState`. */
export const CONNECTING = 0;
/** Open: messages flow. */
export const OPEN = 1;
/** A close was sent, waiting for the server's. */
export const CLOSING = 2;
/** Closed (or never connected). */
export const CLOSED = 3;

/**
 * One client connection; connects on construction. Handlers are properties, set them before
 * the first `await`.
 */
export class WebSocketClient {
  /** {@linkcode CONNECTING}, {@linkcode OPEN}, {@linkcode CLOSING} or {@linkcode CLOSED}. */
  readyState: number = CONNECTING;
  /** The upgrade completed. */
  onopen: (() => void) | null = null;
  /** A complete text message (binary messages are ignored). */
  onmessage: ((text: string) => void) | null = null;
  /**
   * Optional, tried first for every unfragmented text frame: its payload is `bytes[start, end)`
   * (the receive buffer itself, valid only during the call; not checked as UTF-8). Return true
   * when the frame was handled from its bytes; false hands it to `onmessage` as text.
   */
  onbytes: ((bytes: Uint8Array, start: number, end: number) => boolean) | null = null;
  /**
   * The connection ended: the close code (1006 when it dropped without a close frame), the
   * reason, and `error` when it failed (during the upgrade: the cause in the runtime's words,
   * e.g. `Invalid status code: 404`, `Connection refused (os error 111)`), and `local` true when
   * this client closed it because the server broke the protocol (1002, 1007, 1009: `reason` says
   * how).
   */
  onclose: ((code: number, reason: string, error: string, local: boolean) => void) | null = null;
  /** Resolves once the connection is closed (whichever side closed it). */
  readonly closed: Promise<void>;
  /**
   * When the latest read returned (ms since the epoch, fractional): the receive time of every
   * frame that read completed, taken once per read rather than once per frame.
   */
  receivedAt = 0;

  #url: URL;
  #max: number;
  #conn: Deno.Conn | undefined;
  #buf = new Uint8Array(READ_BUFFER);
  #start = 0;
  #end = 0;
  #fragments: Uint8Array[] | undefined;
  #fragmentBytes = 0;
  #fragmentOpcode = 0;
  #decoder = new TextDecoder("utf-8", { fatal: true });
  #writing: Promise<void> = Promise.resolve();
  #ended = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #resolveClosed!: () => void;

  /** Throws a `SyntaxError` for a URL that is not `ws:` or `wss:`. */
  constructor(url: string | URL, options: WebSocketClientOptions = {}) {
    this.#url = new URL(url);
    if (this.#url.protocol !== "ws:" && this.#url.protocol !== "wss:") {
      throw new SyntaxError(`Not a WebSocket URL (ws: or wss:): ${this.#url.href}`);
    }
    this.#max = options.maxMessageBytes ?? 64 * 1024 * 1024;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    void this.#run();
  }

  /** Sends a text message (ignored unless open). */
  send(text: string): void {
    if (this.readyState !== OPEN) return;
    this.#sendFrame(OPCODE_TEXT, encoder.encode(text));
  }

  /**
   * Starts the close handshake (or abandons the upgrade): no handler runs after this call for
   * this connection except `onclose`, once, when it is closed.
   */
  close(code = 1000, reason = ""): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING || this.#conn === undefined) {
      this.#finish(code, reason, "");
      return;
    }
    this.readyState = CLOSING;
    this.#sendFrame(OPCODE_CLOSE, closePayload(code, reason));
    this.#closeTimer = setTimeout(() => this.#finish(code, reason, ""), CLOSE_WAIT_MS);
  }

  async #run(): Promise<void> {
    const url = this.#url;
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const tls = url.protocol === "wss:";
    const port = url.port ? Number(url.port) : tls ? 443 : 80;
    let conn: Deno.Conn;
    try {
      conn = tls
        ? await Deno.connectTls({ hostname, port })
        : await Deno.connect({ hostname, port, transport: "tcp" });
    } catch (e) {
      this.#finish(1006, "", (e as Error).message);
      return;
    }
    if (this.#ended) {
      closeQuietly(conn);
      return;
    }
    this.#conn = conn;
    try {
      if (!tls) (conn as Deno.TcpConn).setNoDelay(true);
      await this.#upgrade(conn, url);
      if (this.#ended) return;
      this.readyState = OPEN;
      this.onopen?.();
      if (!this.#frames()) return;
      while (!this.#ended) {
        this.#makeRoom();
        const n = await conn.read(this.#buf.subarray(this.#end));
        if (n === null) {
          this.#finish(1006, "", this.readyState === CLOSING ? "" : "connection closed by peer");
          return;
        }
        this.receivedAt = performance.timeOrigin + performance.now();
        this.#end += n;
        if (!this.#frames()) return;
      }
    } catch (e) {
      if (!this.#ended) this.#finish(1006, "", (e as Error).message);
    }
  }

  /** Sends the upgrade request and reads the response head; throws with the cause. */
  async #upgrade(conn: Deno.Conn, url: URL): Promise<void> {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    await writeAll(
      conn,
      encoder.encode(
        `GET ${url.pathname || "/"}${url.search} HTTP/1.1\r\nHost: ${host}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    let headEnd = -1;
    while (headEnd < 0) {
      if (this.#end >= MAX_HEAD_BYTES) throw new Error("upgrade response head over 16 KiB");
      const n = await conn.read(this.#buf.subarray(this.#end, MAX_HEAD_BYTES));
      if (this.#ended) return;
      if (n === null) throw new Error("connection closed before the upgrade completed");
      this.#end += n;
      this.receivedAt = performance.timeOrigin + performance.now();
      headEnd = findHeadEnd(this.#buf, this.#end);
    }
    const head = new TextDecoder().decode(this.#buf.subarray(0, headEnd));
    this.#start = headEnd + 4;
    const lines = head.split("\r\n");
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1];
    if (status === undefined) throw new Error(`not an HTTP response: ${lines[0].slice(0, 80)}`);
    if (status !== "101") throw new Error(`Invalid status code: ${status}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    if (headers.get("upgrade")?.toLowerCase() !== "websocket") {
      throw new Error("upgrade response without `Upgrade: websocket`");
    }
    if (headers.get("sec-websocket-accept") !== await websocketAccept(key)) {
      throw new Error("upgrade response with a wrong Sec-WebSocket-Accept");
    }
    if (headers.has("sec-websocket-extensions")) {
      throw new Error("upgrade response names an extension that was not offered");
    }
  }

  /** Handles every complete frame in the buffer; false once the connection has ended. */
  #frames(): boolean {
    const b = this.#buf;
    let at = this.#start;
    while (this.#end - at >= 2 && !this.#ended) {
      const b0 = b[at];
      const b1 = b[at + 1];
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (this.#end - at < 4) break;
        length = (b[at + 2] << 8) | b[at + 3];
        header = 4;
      } else if (length === 127) {
        if (this.#end - at < 10) break;
        const hi = ((b[at + 2] << 24) | (b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5]) >>> 0;
        const lo = ((b[at + 6] << 24) | (b[at + 7] << 16) | (b[at + 8] << 8) | b[at + 9]) >>> 0;
        length = hi > 0 ? Infinity : lo;
        header = 10;
      }
      if ((b1 & 0x80) !== 0) return this.#fail(1002, "masked frame from the server");
      if ((b0 & 0x70) !== 0) return this.#fail(1002, "frame with RSV bits (no extension)");
      if (length > this.#max) return this.#fail(1009, `frame over ${this.#max} bytes`);
      if (this.#end - at < header + length) {
        this.#need(at, header + length);
        return true;
      }
      const p0 = at + header;
      const p1 = p0 + length;
      at = p1;
      this.#start = at;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if (opcode >= 0x8) {
        if (!fin || length > 125) return this.#fail(1002, "fragmented or long control frame");
        if (opcode === OPCODE_PING) this.#sendFrame(OPCODE_PONG, b.slice(p0, p1));
        else if (opcode === OPCODE_CLOSE) return this.#onCloseFrame(b.subarray(p0, p1));
        else if (opcode !== OPCODE_PONG) return this.#fail(1002, `unknown opcode ${opcode}`);
        continue;
      }
      if (opcode === OPCODE_CONTINUATION) {
        if (this.#fragments === undefined) return this.#fail(1002, "continuation of nothing");
        this.#fragmentBytes += length;
        if (this.#fragmentBytes > this.#max) {
          return this.#fail(1009, `message over ${this.#max} bytes`);
        }
        this.#fragments.push(b.slice(p0, p1));
        if (fin) {
          const parts = this.#fragments;
          this.#fragments = undefined;
          if (this.#fragmentOpcode === OPCODE_TEXT && !this.#deliver(joinParts(parts))) {
            return false;
          }
        }
        continue;
      }
      if (opcode !== OPCODE_TEXT && opcode !== OPCODE_BINARY) {
        return this.#fail(1002, `unknown opcode ${opcode}`);
      }
      if (this.#fragments !== undefined) {
        return this.#fail(1002, "new message inside a fragmented one");
      }
      if (!fin) {
        this.#fragments = [b.slice(p0, p1)];
        this.#fragmentBytes = length;
        this.#fragmentOpcode = opcode;
        continue;
      }
      if (opcode !== OPCODE_TEXT) continue;
      const onbytes = this.onbytes;
      if (onbytes !== null && this.readyState === OPEN && onbytes(b, p0, p1)) {
        if (this.#ended) return false;
        continue;
      }
      if (!this.#deliver(b.subarray(p0, p1))) return false;
    }
    this.#start = at;
    return !this.#ended;
  }

  /** Decodes and hands one text message over; false when the connection ended. */
  #deliver(bytes: Uint8Array): boolean {
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      return this.#fail(1007, "text message that is not UTF-8");
    }
    if (this.readyState === OPEN) this.onmessage?.(text);
    return !this.#ended;
  }

  #onCloseFrame(payload: Uint8Array): boolean {
    const code = closeCode(payload);
    let reason = "";
    try {
      reason = this.#decoder.decode(payload.subarray(2));
    } catch { /* reason is informative only */ }
    if (this.readyState === OPEN) {
      // Echo it, then drop the connection once the echo is written.
      this.readyState = CLOSING;
      this.#sendFrame(OPCODE_CLOSE, payload.slice(0, 2));
    }
    void this.#writing.finally(() => this.#finish(code, reason, ""));
    return false;
  }

  /** Closes for a protocol violation (sends the close frame, then drops the connection). */
  #fail(code: number, why: string): false {
    if (this.readyState === OPEN) {
      this.readyState = CLOSING;
      this.#sendFrame(OPCODE_CLOSE, closePayload(code, why));
    }
    void this.#writing.finally(() => this.#finish(code, why, why, true));
    this.#ended = true;
    return false;
  }

  /** Queues one masked frame (writes stay in order). */
  #sendFrame(opcode: number, payload: Uint8Array): void {
    const conn = this.#conn;
    if (conn === undefined) return;
    const n = payload.byteLength;
    const header = frameHeaderLength(n);
    const frame = new Uint8Array(header + 4 + n);
    writeFrameHeader(frame, 0, opcode, n);
    frame[1] |= 0x80; // masked: a client's frames always are
    const mask = crypto.getRandomValues(new Uint8Array(4));
    frame.set(mask, header);
    for (let i = 0; i < n; i++) frame[header + 4 + i] = payload[i] ^ mask[i & 3];
    this.#writing = this.#writing.then(() => writeAll(conn, frame)).catch((e) => {
      if (!this.#ended) this.#finish(1006, "", `write failed: ${(e as Error).message}`);
    });
  }

  /** Keeps the unread bytes at the buffer's start and leaves room for the next read. */
  #makeRoom(): void {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#buf.length - this.#end >= MIN_READ_SPACE) return;
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#buf.length - this.#end < MIN_READ_SPACE) this.#grow(this.#buf.length * 2);
  }

  /** The frame starting at `at` needs `bytes`: make the buffer hold it whole. */
  #need(at: number, bytes: number): void {
    this.#start = at;
    if (this.#buf.length - at >= bytes) return;
    if (at > 0) {
      this.#buf.copyWithin(0, at, this.#end);
      this.#end -= at;
      this.#start = 0;
    }
    if (this.#buf.length < bytes) this.#grow(bytes + MIN_READ_SPACE);
  }

  #grow(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#end));
    this.#buf = next;
  }

  /** The end: state, TCP connection, `onclose` once. */
  #finish(code: number, reason: string, error: string, local = false): void {
    const first = this.readyState !== CLOSED;
    this.#ended = true;
    this.readyState = CLOSED;
    clearTimeout(this.#closeTimer);
    if (this.#conn) closeQuietly(this.#conn);
    if (!first) return;
    this.#resolveClosed();
    const onclose = this.onclose;
    this.onopen = this.onmessage = this.onclose = null;
    this.onbytes = null;
    onclose?.(code, reason, error, local);
  }
}

/** Index of the `\r\n\r\n` ending an HTTP head in `b[0, end)`, or -1. */
function findHeadEnd(b: Uint8Array, end: number): number {
  for (let i = 3; i < end; i++) {
    if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) return i - 3;
  }
  return -1;
}

function joinParts(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
