/**
 * A Binance-style mock exchange on 127.0.0.1 for `bench/service.ts`: it serves one REST depth
 * snapshot (`GET /api/v3/depth`) and replays prepared `depthUpdate` frames at a fixed rate on
 * WebSocket, to one consumer at a time:
 *
 * - `/stream?streams=…` (combined stream, as AlphaPulse connects): `{"stream","data"}` frames;
 * - any other path (raw stream, as ccxt pro connects, `SUBSCRIBE` answered with `{"result":null}`):
 *   the bare payloads.
 *
 * The replay starts once the consumer is connected and (unless `waitSnapshot` is false) has
 * fetched the snapshot, so every frame after it applies (Binance's sync rule holds from the first
 * one). Pacing: every ~1 ms timer tick sends the frames due by then.
 *
 * @module
 */

/** One replay: frames in both wrappings, the snapshot body and the rate. */
export interface Replay {
  /** Combined-stream frames (`{"stream":…,"data":…}`). */
  combined: string[];
  /** Raw payloads (the `data` of each combined frame). */
  raw: string[];
  /** REST depth snapshot body. */
  snapshot: string;
  /** Frames per second. */
  rate: number;
}

/** The `data` part of a combined-stream frame, as text. */
export function rawOf(combined: string): string {
  const at = combined.indexOf('"data":');
  if (at < 0) throw new Error("not a combined-stream frame");
  return combined.slice(at + 7, combined.lastIndexOf("}"));
}

/** The mock server; `run()` resolves when every frame went out. */
export class MockExchange {
  readonly port: number;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #replay: Replay | undefined;
  #waitSnapshot = true;
  #snapshotServed = false;
  #socket: WebSocket | undefined;
  #combined = false;
  #ready: (() => void) | undefined;

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
    this.port = this.#server.addr.port;
  }

  /** Base URLs for a consumer's configuration. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  #handle(req: Request): Response {
    const url = new URL(req.url);
    if (url.pathname === "/api/v3/depth") {
      this.#snapshotServed = true;
      queueMicrotask(() => this.#maybeReady());
      return new Response(this.#replay?.snapshot ?? "{}", {
        headers: { "content-type": "application/json" },
      });
    }
    if (req.headers.get("upgrade") !== "websocket") {
      return new Response("not found", { status: 404 });
    }
    const { socket, response } = Deno.upgradeWebSocket(req);
    const combined = url.pathname === "/stream";
    socket.onopen = () => {
      this.#socket = socket;
      this.#combined = combined;
      this.#maybeReady();
    };
    socket.onmessage = (e) => {
      // ccxt subscribes on a raw connection: acknowledge like Binance.
      try {
        const m = JSON.parse(String(e.data));
        if (m.method === "SUBSCRIBE") socket.send(JSON.stringify({ result: null, id: m.id }));
      } catch { /* ignore */ }
    };
    socket.onerror = () => {};
    return response;
  }

  #maybeReady(): void {
    if (this.#socket && (this.#snapshotServed || !this.#waitSnapshot)) {
      const r = this.#ready;
      this.#ready = undefined;
      r?.();
    }
  }

  /**
   * Arms the replay for the next consumer and resolves when its last frame was sent. `onStart` is
   * called right before the first frame (the consumer is connected and synced).
   */
  async run(replay: Replay, opts: { waitSnapshot: boolean; onStart: () => void }): Promise<void> {
    this.#replay = replay;
    this.#waitSnapshot = opts.waitSnapshot;
    this.#snapshotServed = false;
    this.#socket = undefined;
    await new Promise<void>((resolve) => this.#ready = resolve);
    // Let the consumer finish loading its snapshot before the stream starts.
    await new Promise((r) => setTimeout(r, 300));
    const socket = this.#socket!;
    const frames = this.#combined ? replay.combined : replay.raw;
    opts.onStart();
    const t0 = performance.now();
    let sent = 0;
    while (sent < frames.length) {
      const due = Math.min(
        frames.length,
        Math.floor((performance.now() - t0) * replay.rate / 1000),
      );
      for (; sent < due; sent++) socket.send(frames[sent]);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Closes the current consumer's socket. */
  dropConsumer(): void {
    try {
      this.#socket?.close();
    } catch { /* already closed */ }
    this.#socket = undefined;
  }

  async close(): Promise<void> {
    this.dropConsumer();
    await this.#server.shutdown();
  }
}
