/**
 * One connection to NATS, opened in the background so that nothing waits on it: a node whose
 * NATS is unreachable starts and serves anyway, and the connection keeps retrying (forever, with
 * a short wait). Its state (`connecting` → `connected` ⇄ `reconnecting` → `closed`) and the
 * transitions are observable; a dead TCP peer is noticed by pings within a few seconds.
 *
 * @module
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { NatsConfig } from "../config.ts";

/** State of a {@linkcode NatsLink}. */
export type LinkState = "connecting" | "connected" | "reconnecting" | "closed";

/** Client ping interval (ms): with `MAX_PINGS_OUT`, a silent server is noticed within ~4 s. */
const PING_INTERVAL_MS = 2000;
const MAX_PINGS_OUT = 2;

/**
 * A NATS connection that (re)connects in the background.
 *
 * @example
 * ```ts ignore
 * const link = new NatsLink(config.nats!, "alphapulse-edge", console.log);
 * link.onChange((state) => console.log(state));
 * const nc = await link.ready; // resolves on the first connection
 * await link.close();
 * ```
 */
export class NatsLink {
  /** Resolves with the connection once it is first established. */
  readonly ready: Promise<NatsConnection>;
  #state: LinkState = "connecting";
  #nc: NatsConnection | undefined;
  #listeners = new Set<(state: LinkState) => void>();
  #reconnects = 0;
  #closed = false;
  #log: (line: string) => void;

  constructor(config: NatsConfig, name: string, log: (line: string) => void = () => {}) {
    this.#log = log;
    this.ready = connect({
      servers: config.servers,
      name,
      token: config.token,
      user: config.user,
      pass: config.password,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      timeout: 2000,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
    }).then((nc) => {
      if (this.#closed) {
        nc.close().catch(() => {});
        throw new Error("NATS link closed");
      }
      this.#nc = nc;
      this.#set("connected");
      void this.#watch(nc);
      return nc;
    });
    this.ready.catch(() => {});
  }

  /** The connection, once established. */
  get connection(): NatsConnection | undefined {
    return this.#nc;
  }

  /** The state now. */
  get state(): LinkState {
    return this.#state;
  }

  /** Whether it is connected now. */
  get up(): boolean {
    return this.#state === "connected";
  }

  /** Reconnections so far. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Calls `listener` on every state change; returns an unsubscribe function. */
  onChange(listener: (state: LinkState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(state: LinkState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const l of this.#listeners) {
      try {
        l(state);
      } catch (e) {
        this.#log(`NATS state listener failed: ${(e as Error).message}`);
      }
    }
  }

  async #watch(nc: NatsConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (s.type === "disconnect" || s.type === "staleConnection") this.#set("reconnecting");
        else if (s.type === "reconnect") {
          this.#reconnects++;
          this.#set("connected");
        }
      }
    } catch { /* closed */ }
    void nc.closed().then(() => this.#set("closed"));
  }

  /** Closes the connection (pending publishes are flushed when it is up). */
  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    this.#set("closed");
    if (nc && !nc.isClosed()) await nc.close().catch(() => {});
  }
}
