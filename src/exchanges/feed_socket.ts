/**
 * A reconnecting WebSocket to an exchange: capped exponential backoff with jitter, a handshake
 * deadline on every attempt (first connect and every reconnect: a server that accepts TCP but never
 * completes the upgrade is dropped and retried), a silence watchdog (no message for longer than the
 * exchange's heartbeat interval = dead connection), an optional maximum connection age (Binance.US
 * cuts connections at 24 h), and counters.
 *
 * The connection is our own {@linkcode WebSocketClient} (it reads the socket in large chunks and
 * hands over every frame of a chunk in one event-loop turn), or the runtime's `WebSocket` with
 * `client: "runtime"`; both answer protocol pings themselves.
 *
 * @module
 */

import { CLOSED, CONNECTING, OPEN, WebSocketClient } from "../util/websocket_client.ts";

/** Options of {@linkcode FeedSocket}. */
export interface FeedSocketOptions {
  /** The URL to connect to (called on every attempt, so it may change). */
  url: () => string;
  /** Called when a connection opens: subscribe here. */
  onOpen: (socket: FeedSocket) => void;
  /** Called for every text message with its receive time (ms since the epoch, fractional). */
  onMessage: (text: string, receivedMs: number) => void;
  /**
   * Optional, tried first (with our own client) for every unfragmented text frame, as its bytes:
   * `bytes[start, end)` is valid only during the call and not checked as UTF-8. Return true when
   * it was handled; false passes it to `onMessage` as text.
   */
  onBytes?: (bytes: Uint8Array, start: number, end: number, receivedMs: number) => boolean;
  /** Called when a connection is lost (before the reconnect is scheduled). */
  onDisconnect?: (reason: string) => void;
  silenceTimeoutMs: number;
  /**
   * The WebSocket handshake (TCP, TLS and the HTTP upgrade) must complete within this, on every
   * attempt; a missed deadline is counted ({@linkcode FeedSocket.handshakeTimeouts}) and retried
   * with backoff. Default 10 000 ms.
   */
  handshakeTimeoutMs?: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /**
   * A connection must stay open this long before the backoff starts again from `minBackoffMs`;
   * messages alone never reset it (a server that answers and closes counts as a failure).
   * Default 30 000 ms.
   */
  backoffResetMs?: number;
  /** Reconnect proactively after this long (0 = never). */
  maxAgeMs?: number;
  /** Logs one line. */
  log?: (line: string) => void;
  /**
   * Which WebSocket client connects: `"own"` (default, {@linkcode WebSocketClient}) or
   * `"runtime"` (the runtime's `WebSocket`, kept for comparison and as a fallback).
   */
  client?: "own" | "runtime";
}

/** What a FeedSocket needs of a connection (our client, or the runtime's behind an adapter). */
interface Connection {
  readonly readyState: number;
  /** When the bytes of the frame being handed over were read (own client), else undefined. */
  readonly receivedAt?: number;
  onopen: (() => void) | null;
  onmessage: ((text: string) => void) | null;
  onbytes?: ((bytes: Uint8Array, start: number, end: number) => boolean) | null;
  /** `local`: this side closed it because the exchange broke the WebSocket protocol. */
  onclose: ((code: number, reason: string, error: string, local: boolean) => void) | null;
  readonly closed: Promise<void>;
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** The runtime's `WebSocket` as a {@linkcode Connection}. */
function runtimeConnection(url: string): Connection {
  const ws = new WebSocket(url);
  let errorText = "";
  let resolveClosed!: () => void;
  const c: Connection = {
    get readyState() {
      return ws.readyState;
    },
    onopen: null,
    onmessage: null,
    onclose: null,
    closed: new Promise((resolve) => resolveClosed = resolve),
    send: (text) => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
  };
  ws.onopen = () => c.onopen?.();
  ws.onmessage = (event) => {
    if (typeof event.data === "string") c.onmessage?.(event.data);
  };
  ws.onerror = (event) => {
    errorText = (event as ErrorEvent).message ?? "";
  };
  ws.onclose = (event) => {
    resolveClosed();
    c.onclose?.(event.code, event.reason, errorText, false);
  };
  return c;
}

/** Why a connection attempt failed or an open connection was lost. */
export type FailureCause =
  /** The host name did not resolve. */
  | "dns"
  /** TCP connect failed (refused, unreachable). */
  | "refused"
  /** TLS failed (certificate, protocol). */
  | "tls"
  /** The server answered the upgrade with an HTTP status other than 101. */
  | "http-status"
  /** The handshake missed `handshakeTimeoutMs`. */
  | "handshake-timeout"
  /** The connection closed during the handshake. */
  | "handshake-closed"
  /** An open connection was closed by the peer (see the close code). */
  | "closed"
  /** An open connection was silent longer than `silenceTimeoutMs`. */
  | "silent"
  /** Reconnect asked for by the adapter (exchange notice, maximum age, protocol error). */
  | "requested"
  | "other";

/** The last connection failure of a {@linkcode FeedSocket}. */
export interface FeedFailure {
  cause: FailureCause;
  /**
   * The cause in words, e.g. `HTTP 404 on the upgrade`, `closed by peer (1001 going away)`, or
   * `closed by us, the exchange broke the WebSocket protocol (1009 message over … bytes)`.
   */
  message: string;
  /** The URL of the attempt. */
  url: string;
  /** When (ms since the epoch). */
  atMs: number;
  /** Delay before the next attempt, ms. */
  nextRetryMs: number;
  /** Failures in a row with this same cause. */
  repeats: number;
}

/**
 * Classifies the runtime's WebSocket error text (Deno: `NetworkError: failed to connect to
 * WebSocket: …`) into a {@linkcode FailureCause} and a short message.
 *
 * @example
 * ```ts
 * import { classifyConnectError } from "./feed_socket.ts";
 * const c = classifyConnectError("NetworkError: failed to connect to WebSocket: Invalid status code: 404");
 * if (c.cause !== "http-status" || c.message !== "HTTP 404 on the upgrade") throw new Error();
 * ```
 */
export function classifyConnectError(text: string): { cause: FailureCause; message: string } {
  const detail = text.replace(/^.*failed to connect to WebSocket:\s*/i, "").slice(0, 200);
  const status = /status code:?\s*(\d{3})/i.exec(text)?.[1];
  if (status) return { cause: "http-status", message: `HTTP ${status} on the upgrade` };
  if (/dns error|lookup|name or service|resolve/i.test(text)) {
    return { cause: "dns", message: `name resolution failed (${detail})` };
  }
  if (/tcp connect|refused|unreachable|os error 111|os error 113/i.test(text)) {
    return { cause: "refused", message: `TCP connect failed: refused or unreachable (${detail})` };
  }
  if (/tls|certificate|corrupt message|handshake failure|InvalidContentType|alert/i.test(text)) {
    return { cause: "tls", message: `TLS failed (${detail})` };
  }
  if (/closed before|reset|eof|broken pipe/i.test(text)) {
    return { cause: "handshake-closed", message: `closed during the handshake (${detail})` };
  }
  return { cause: "other", message: detail || "connection failed" };
}

/** Connection state. */
export type FeedSocketState = "idle" | "connecting" | "open" | "reconnecting" | "stopped";

/** High-resolution wall clock in ms since the epoch. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * @example
 * ```ts ignore
 * const socket = new FeedSocket({
 *   url: () => "wss://ws.kraken.com/v2",
 *   onOpen: (s) => s.send({ method: "subscribe", params: { channel: "book", symbol: ["BTC/USD"] } }),
 *   onMessage: (text) => console.log(text),
 *   silenceTimeoutMs: 10_000, minBackoffMs: 250, maxBackoffMs: 30_000,
 * });
 * socket.start();
 * ```
 */
export class FeedSocket {
  #opts: FeedSocketOptions;
  #ws: Connection | undefined;
  #state: FeedSocketState = "idle";
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #handshake: ReturnType<typeof setTimeout> | undefined;
  #openedAt = 0;
  #lastMessageAt = 0;
  /** Messages received (all connections). */
  messages = 0;
  /** Characters received (UTF-16 code units of text messages; bytes of those handled as bytes). */
  bytes = 0;
  /** Reconnects after a lost or killed connection. */
  reconnects = 0;
  /** Messages sent. */
  sent = 0;
  /** Connection attempts (first connect and every reconnect). */
  attempts = 0;
  /** Attempts whose WebSocket handshake missed its deadline. */
  handshakeTimeouts = 0;
  /** Failures (failed attempts and lost connections) by cause. */
  readonly failuresByCause: Partial<Record<FailureCause, number>> = {};
  /** The last failure (undefined before the first). */
  lastFailure: FeedFailure | undefined;
  /** Cause key of the last failure logged: a failure with the same key is not logged again. */
  #loggedKey = "";
  #url = "";

  constructor(options: FeedSocketOptions) {
    this.#opts = options;
  }

  get state(): FeedSocketState {
    return this.#state;
  }

  /** ms since the last message (null before the first). */
  get lastMessageAgeMs(): number | null {
    return this.#lastMessageAt === 0 ? null : Math.max(0, nowMs() - this.#lastMessageAt);
  }

  /** Connects (and keeps reconnecting until {@linkcode stop}). */
  start(): void {
    if (this.#state !== "idle" && this.#state !== "stopped") return;
    this.#state = "connecting";
    this.#connect();
    const tick = Math.max(50, Math.min(1000, this.#opts.silenceTimeoutMs / 4));
    this.#watchdog = setInterval(() => this.#check(), tick);
  }

  /** Closes the connection and stops reconnecting. */
  stop(): Promise<void> {
    this.#state = "stopped";
    clearTimeout(this.#timer);
    clearTimeout(this.#handshake);
    clearInterval(this.#watchdog);
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws || ws.readyState === CLOSED) return Promise.resolve();
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onbytes = null;
    try {
      ws.close(1000, "client stopping");
    } catch {
      return Promise.resolve();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      ws.closed,
      new Promise<void>((resolve) => timer = setTimeout(resolve, 1000)),
    ]).finally(() => clearTimeout(timer));
  }

  /** Sends a JSON message (dropped with a log line when not connected). */
  send(message: unknown): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== OPEN) {
      if (this.#state !== "idle") {
        this.#opts.log?.(`not connected; dropped ${JSON.stringify(message).slice(0, 200)}`);
      }
      return false;
    }
    ws.send(typeof message === "string" ? message : JSON.stringify(message));
    this.sent++;
    return true;
  }

  /** Drops the connection and reconnects after the backoff delay. */
  reconnect(reason: string): void {
    if (this.#state === "stopped") return;
    this.#drop(reason, "requested");
  }

  #connect(): void {
    if (this.#state === "stopped") return;
    this.attempts++;
    let ws: Connection;
    try {
      this.#url = this.#opts.url();
      ws = this.#opts.client === "runtime"
        ? runtimeConnection(this.#url)
        : new WebSocketClient(this.#url);
    } catch (e) {
      this.#drop(`cannot connect: ${(e as Error).message}`, "other");
      return;
    }
    this.#ws = ws;
    this.#openedAt = nowMs();
    this.#lastMessageAt = 0;
    const deadline = this.#opts.handshakeTimeoutMs ?? 10_000;
    clearTimeout(this.#handshake);
    this.#handshake = setTimeout(() => {
      if (this.#ws !== ws || ws.readyState !== CONNECTING) return;
      this.handshakeTimeouts++;
      this.#drop(
        `handshake deadline: no WebSocket upgrade within ${deadline} ms`,
        "handshake-timeout",
      );
    }, deadline);
    ws.onopen = () => {
      if (this.#ws !== ws) return;
      clearTimeout(this.#handshake);
      this.#state = "open";
      this.#openedAt = nowMs();
      this.#opts.onOpen(this);
    };
    ws.onmessage = (data) => {
      if (this.#ws !== ws) return;
      const received = ws.receivedAt ?? nowMs();
      this.#lastMessageAt = received;
      this.messages++;
      this.bytes += data.length;
      this.#opts.onMessage(data, received);
    };
    const onBytes = this.#opts.onBytes;
    if (onBytes) {
      ws.onbytes = (bytes, start, end) => {
        if (this.#ws !== ws) return true;
        const received = ws.receivedAt ?? nowMs();
        if (!onBytes(bytes, start, end, received)) return false;
        this.#lastMessageAt = received;
        this.messages++;
        this.bytes += end - start;
        return true;
      };
    }
    ws.onclose = (code, reason, errorText, local) => {
      if (this.#ws !== ws) return;
      if (this.#state !== "open") {
        const c = classifyConnectError(errorText || `closed (${code})`);
        this.#drop(c.message, c.cause);
        return;
      }
      this.#drop(
        local
          ? `closed by us, the exchange broke the WebSocket protocol (${code} ${reason})`
          : `closed by peer (${code}${reason ? ` ${reason}` : ""})`,
        "closed",
        String(code),
      );
    };
  }

  #drop(
    reason: string,
    cause: FailureCause,
    key: string = cause === "requested" ? reason : "",
  ): void {
    clearTimeout(this.#handshake);
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.onbytes = null;
      try {
        ws.close(1000, "reconnecting");
      } catch { /* already closed */ }
    }
    if (this.#state === "stopped") return;
    // Only a connection that stayed open for a while has recovered: then the backoff restarts.
    if (
      this.#state === "open" && nowMs() - this.#openedAt >= (this.#opts.backoffResetMs ?? 30_000)
    ) {
      this.#attempt = 0;
      this.#loggedKey = ""; // recovered: the next failure is news even with the same cause
    }
    this.#state = "reconnecting";
    this.reconnects++;
    const base = Math.min(this.#opts.maxBackoffMs, this.#opts.minBackoffMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    const delay = base / 2 + Math.random() * base / 2; // jitter: 50–100% of the step
    this.failuresByCause[cause] = (this.failuresByCause[cause] ?? 0) + 1;
    const fullKey = `${cause}:${key}`;
    const repeats = this.#loggedKey === fullKey ? (this.lastFailure?.repeats ?? 0) + 1 : 1;
    this.lastFailure = {
      cause,
      message: reason,
      url: this.#url,
      atMs: Date.now(),
      nextRetryMs: Math.round(delay),
      repeats,
    };
    if (this.#loggedKey !== fullKey) {
      // Once per change of cause, not on every retry.
      this.#loggedKey = fullKey;
      const url = this.#url.length > 160 ? `${this.#url.slice(0, 160)}…` : this.#url;
      this.#opts.log?.(
        `connection to ${url} failed [${cause}]: ${reason}; retrying in ${Math.round(delay)} ms ` +
          `(backoff grows; logged again when the cause changes)`,
      );
    }
    this.#opts.onDisconnect?.(reason);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  #check(): void {
    // A connection still in its handshake is covered by the handshake deadline.
    if (this.#state !== "open") return;
    const now = nowMs();
    const since = Math.max(this.#lastMessageAt, this.#openedAt);
    if (this.#ws && now - since > this.#opts.silenceTimeoutMs) {
      this.#drop(`silent for ${Math.round(now - since)} ms`, "silent");
      return;
    }
    const maxAge = this.#opts.maxAgeMs ?? 0;
    if (maxAge > 0 && this.#state === "open" && now - this.#openedAt > maxAge) {
      this.#attempt = 0;
      this.#drop(
        `connection older than ${maxAge} ms: reconnecting before the exchange cuts it`,
        "requested",
      );
    }
  }
}
