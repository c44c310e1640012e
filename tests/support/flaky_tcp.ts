/**
 * A misbehaving TCP front for feed tests: in `forward` mode it pipes each accepted connection to
 * a target port (a mock exchange), in `silent` mode it accepts and holds connections without ever
 * answering (a WebSocket upgrade that never completes), in `close` mode it accepts and closes at
 * once. It counts what it accepted, so a test can bound reconnect attempts.
 *
 * @module
 */

/** What {@linkcode FlakyTcp} does with a new connection. */
export type FlakyMode = "forward" | "silent" | "close";

export class FlakyTcp {
  #listener: Deno.Listener;
  #open = new Set<Deno.Conn>();
  #done: Promise<void>;
  /** What new connections get. */
  mode: FlakyMode;
  /** Connections accepted. */
  accepted = 0;
  /** Accept times (ms since the epoch). */
  acceptedAt: number[] = [];

  constructor(readonly targetPort: number, mode: FlakyMode = "forward") {
    this.mode = mode;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#done = this.#accept();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        this.accepted++;
        this.acceptedAt.push(Date.now());
        if (this.mode === "close") {
          conn.close();
          continue;
        }
        this.#open.add(conn);
        if (this.mode === "forward") void this.#forward(conn);
        else void this.#hold(conn);
      }
    } catch { /* listener closed */ }
  }

  /** Reads and discards whatever the client sends until it goes away. */
  async #hold(conn: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(4096);
    try {
      while ((await conn.read(buf)) !== null) { /* never answer */ }
    } catch { /* closed */ }
    this.#close(conn);
  }

  async #forward(conn: Deno.Conn): Promise<void> {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.targetPort });
    } catch {
      this.#close(conn);
      return;
    }
    this.#open.add(upstream);
    const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
      const buf = new Uint8Array(65536);
      try {
        for (;;) {
          const n = await from.read(buf);
          if (n === null) break;
          let off = 0;
          while (off < n) off += await to.write(buf.subarray(off, n));
        }
      } catch { /* closed */ }
      this.#close(from);
      this.#close(to);
    };
    await Promise.all([pipe(conn, upstream), pipe(upstream, conn)]);
  }

  #close(conn: Deno.Conn): void {
    if (!this.#open.delete(conn)) return;
    try {
      conn.close();
    } catch { /* already closed */ }
  }

  /** Closes every connection held or forwarded (the listener stays). */
  dropAll(): void {
    for (const conn of [...this.#open]) this.#close(conn);
  }

  /** Connections accepted since `ms` (ms since the epoch). */
  acceptedSince(ms: number): number {
    return this.acceptedAt.filter((t) => t >= ms).length;
  }

  async close(): Promise<void> {
    this.#listener.close();
    this.dropAll();
    await this.#done;
    // Let the pipes notice their closed ends.
    await new Promise((r) => setTimeout(r, 20));
  }
}
