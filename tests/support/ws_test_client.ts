/**
 * A small promise-based WebSocket client for tests: queues every received frame, lets a test await
 * the next frame or the first one matching a predicate (with timeouts), and closes cleanly.
 * Also {@linkcode waitUntil} for polling a condition (e.g. a mock counter).
 *
 * @example
 * ```ts ignore
 * import { WsTestClient } from "../support/ws_test_client.ts";
 * const client = await WsTestClient.connect("ws://127.0.0.1:8080/v2");
 * client.send({ method: "ping", req_id: 1 });
 * const pong = await client.waitForJson((m) => m.method === "pong");
 * await client.close();
 * ```
 *
 * @module
 */

/** Parsed JSON as tests see it. */
// deno-lint-ignore no-explicit-any
export type Json = any;

/**
 * `JSON.parse` that keeps every number as its exact source text (a string), so fixed-decimal
 * numbers such as `0.10000000` survive. Uses the reviver `context.source` (V8).
 */
export function parseJsonExact(text: string): Json {
  return JSON.parse(
    text,
    function (_key: string, value: unknown, context?: { source?: string }) {
      return typeof value === "number" && context?.source !== undefined ? context.source : value;
    } as (key: string, value: unknown) => unknown,
  );
}

/** Poll `predicate` every `intervalMs` until it is true; throws after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean,
  timeoutMs = 3000,
  message = "condition",
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

interface Waiter {
  resolve: (data: string) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Test WebSocket client. See the module documentation. */
export class WsTestClient {
  readonly #socket: WebSocket;
  readonly #queue: string[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #all: string[] = [];
  readonly closed: Promise<CloseEvent>;
  #closeEvent: CloseEvent | undefined;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      const data = typeof event.data === "string"
        ? event.data
        : new TextDecoder().decode(event.data as ArrayBuffer);
      this.#all.push(data);
      const waiter = this.#waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(data);
      } else this.#queue.push(data);
    };
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#closeEvent = event;
        for (const w of this.#waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`Socket closed (${event.code} ${event.reason}) while waiting`));
        }
        resolve(event);
      });
    });
  }

  /** Open a connection; rejects if it cannot be established. */
  static connect(url: string, timeoutMs = 3000): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new WsTestClient(socket);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`connect ${url} timed out`));
      }, timeoutMs);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(client);
      }, { once: true });
      socket.addEventListener("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`connect ${url} failed: ${(e as ErrorEvent).message ?? "error"}`));
      }, { once: true });
    });
  }

  /** Every frame received so far (including consumed ones). */
  get received(): readonly string[] {
    return this.#all;
  }

  /** Frames received and not yet consumed. */
  get pending(): number {
    return this.#queue.length;
  }

  /** The close event, once closed. */
  get closeEvent(): CloseEvent | undefined {
    return this.#closeEvent;
  }

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** Send a string as is, or any other value as JSON. */
  send(message: unknown): void {
    this.#socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The next frame (text). Rejects after `timeoutMs` or when the socket closes. */
  next(timeoutMs = 3000): Promise<string> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closeEvent) {
      return Promise.reject(new Error(`Socket closed (${this.#closeEvent.code})`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new Error(`No frame within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next frame parsed as JSON (numbers kept as exact text when `exact`). */
  async nextJson(timeoutMs = 3000, exact = false): Promise<Json> {
    const text = await this.next(timeoutMs);
    return exact ? parseJsonExact(text) : JSON.parse(text);
  }

  /**
   * Consume frames until one parsed frame satisfies `predicate`; returns it. Skipped frames are
   * passed to `onSkip` when given.
   */
  async waitForJson(
    predicate: (message: Json) => boolean,
    timeoutMs = 3000,
    options: { exact?: boolean; onSkip?: (message: Json) => void } = {},
  ): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No matching frame within ${timeoutMs} ms`);
      const message = await this.nextJson(left, options.exact);
      if (predicate(message)) return message;
      options.onSkip?.(message);
    }
  }

  /** Drain and return the frames already queued (does not wait). */
  drain(): string[] {
    return this.#queue.splice(0);
  }

  /** Close (if open) and wait for the close event. */
  async close(code = 1000, reason = ""): Promise<CloseEvent> {
    if (
      this.#socket.readyState === WebSocket.CONNECTING || this.#socket.readyState === WebSocket.OPEN
    ) {
      this.#socket.close(code, reason);
    }
    return await this.closed;
  }
}
