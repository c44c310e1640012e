/**
 * One WebSocket client: its socket and encoding, the frames queued for it during one ring
 * wake-up, its message rate limiter and its slow-consumer state. What it is subscribed to lives
 * in the subscriptions index; what to send is the fan-out's job and when it is slow the slow-client
 * policy's; this is the client's bookkeeping.
 *
 * @module
 */
import { RateLimiter } from "./rate_limiter.ts";
import type { ServerMetrics } from "./metrics.ts";

/** The part of a WebSocket a session uses (the server's `ServerSocket`, or a `WebSocket`). */
export interface SessionSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "close", listener: () => void, options?: AddEventListenerOptions): void;
}

/** How a connection wants book data encoded. */
export type WireFormat = "json" | "binary";

let nextId = 1;

/**
 * A connected client.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ClientSession } from "./client_session.ts";
 * import { ServerMetrics } from "./metrics.ts";
 * const sent: Array<string | Uint8Array> = [];
 * const socket = {
 *   readyState: WebSocket.OPEN, bufferedAmount: 0, addEventListener() {}, close() {},
 *   send(data: string | Uint8Array) { sent.push(data); },
 * } as unknown as WebSocket;
 * const metrics = new ServerMetrics();
 * const session = new ClientSession(socket, "binary", 50, metrics);
 * session.queueBinary(new Uint8Array([1, 2]), true);
 * session.queueBinary(new Uint8Array([3]), false);
 * session.flush();
 * assert.deepEqual(sent, [new Uint8Array([1, 2, 3])]); // one frame, records back to back
 * assert.equal(metrics.framesSent, 1);
 * ```
 */
export class ClientSession {
  /** Connection number (for logs). */
  readonly id: number = nextId++;
  readonly socket: SessionSocket;
  readonly format: WireFormat;
  readonly limiter: RateLimiter;
  /** Over its send buffer: told stale, waiting to drain. */
  slow = false;
  /** When it went slow (ms, performance clock). */
  slowSince = 0;
  /** Slow episodes in a row. */
  strikes = 0;
  /** When it last recovered from being slow (ms, performance clock). */
  recoveredAt = -Infinity;
  /** Closed or closing: nothing more is sent. */
  closing = false;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  #metrics: ServerMetrics;
  #texts: string[] = [];
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;
  #broadcastChunks = 0;
  #custom = false;

  constructor(
    socket: SessionSocket,
    format: WireFormat,
    maxMessagesPerSecond: number,
    metrics: ServerMetrics,
  ) {
    this.socket = socket;
    this.format = format;
    this.limiter = new RateLimiter(maxMessagesPerSecond);
    this.#metrics = metrics;
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", () => resolve(), { once: true });
    });
  }

  /** Bytes the socket has not sent yet. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Whether anything is queued. */
  get hasQueued(): boolean {
    return this.#texts.length > 0 || this.#chunks.length > 0;
  }

  /** Queues a text frame (JSON message). */
  queueText(text: string): void {
    if (this.#chunks.length > 0) this.#sendChunks(undefined, 0);
    this.#texts.push(text);
  }

  /**
   * Queues binary records. `broadcast` marks a chunk that is the same for every client receiving
   * this wake-up's events (lets clients that got all of them share one frame).
   */
  queueBinary(bytes: Uint8Array, broadcast: boolean): void {
    if (this.#texts.length > 0) this.#sendTexts();
    this.#chunks.push(bytes);
    this.#chunkBytes += bytes.byteLength;
    if (broadcast) this.#broadcastChunks++;
    else this.#custom = true;
  }

  /** Drops everything queued. */
  discard(): void {
    this.#texts.length = 0;
    this.#chunks.length = 0;
    this.#chunkBytes = 0;
    this.#broadcastChunks = 0;
    this.#custom = false;
  }

  /**
   * Sends what is queued: each text as its own frame, binary chunks concatenated into one frame.
   * When the chunks are exactly the `broadcastTotal` broadcast chunks of this wake-up, the
   * shared concatenation from `whole()` is sent instead of building a copy.
   */
  flush(broadcastTotal = 0, whole?: () => Uint8Array): void {
    if (this.#texts.length > 0) this.#sendTexts();
    if (this.#chunks.length > 0) this.#sendChunks(whole, broadcastTotal);
  }

  #sendTexts(): void {
    for (const text of this.#texts) this.#send(text, text.length);
    this.#texts.length = 0;
  }

  #sendChunks(whole: (() => Uint8Array) | undefined, broadcastTotal: number): void {
    let frame: Uint8Array;
    if (this.#chunks.length === 1) frame = this.#chunks[0];
    else if (whole && !this.#custom && this.#broadcastChunks === broadcastTotal) frame = whole();
    else frame = concat(this.#chunks, this.#chunkBytes);
    this.#send(frame, frame.byteLength);
    this.#chunks.length = 0;
    this.#chunkBytes = 0;
    this.#broadcastChunks = 0;
    this.#custom = false;
  }

  #send(data: string | Uint8Array, bytes: number): void {
    if (this.closing || this.socket.readyState !== WebSocket.OPEN) return;
    try {
      this.socket.send(data as string);
      this.#metrics.framesSent++;
      this.#metrics.bytesSent += bytes;
    } catch {
      // The socket closed under us; its close event cleans up.
    }
  }

  /** Closes the socket with a code and reason (truncated to the protocol's 123 bytes). */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.discard();
    // Closing from inside a message handler while more client frames are in flight makes Deno
    // drop the connection without a close frame; closing on a later task sends it reliably.
    setTimeout(() => {
      try {
        this.socket.close(code, truncateReason(reason));
      } catch {
        // Already closed.
      }
    }, 0);
  }
}

/** Whether each chunk starts where the one before it ends, in the same buffer. */
function contiguous(chunks: readonly Uint8Array[]): boolean {
  const buffer = chunks[0].buffer;
  let end = chunks[0].byteOffset + chunks[0].byteLength;
  for (let i = 1; i < chunks.length; i++) {
    const c = chunks[i];
    if (c.buffer !== buffer || c.byteOffset !== end) return false;
    end += c.byteLength;
  }
  return true;
}

/**
 * Concatenates byte arrays (a view, not a copy, when they already lie back to back in one
 * buffer: callers must not write into the result).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { concat } from "./client_session.ts";
 * assert.deepEqual(concat([new Uint8Array([1, 2]), new Uint8Array([3])]), new Uint8Array([1, 2, 3]));
 * const arena = new Uint8Array([9, 1, 2, 3]);
 * const whole = concat([arena.subarray(1, 3), arena.subarray(3, 4)]);
 * assert.deepEqual([whole, whole.buffer === arena.buffer], [new Uint8Array([1, 2, 3]), true]);
 * ```
 */
export function concat(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  const n = total ?? chunks.reduce((n, c) => n + c.byteLength, 0);
  if (chunks.length > 1 && contiguous(chunks)) {
    // Back to back in one buffer (a pump's arena): a view of them, no copy.
    return new Uint8Array(chunks[0].buffer, chunks[0].byteOffset, n);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * A close reason cut to at most 123 UTF-8 bytes (never inside a character).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { truncateReason } from "./client_session.ts";
 * const cut = truncateReason("é".repeat(100)); // 200 bytes
 * assert.equal(new TextEncoder().encode(cut).byteLength, 122);
 * ```
 */
export function truncateReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.byteLength <= 123) return reason;
  let cut = 123;
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return new TextDecoder().decode(bytes.subarray(0, cut));
}
