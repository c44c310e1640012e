/**
 * The slow-client policy. A session whose send buffer is over `clientBufferBytes` when the
 * fan-out is about to send to it:
 *
 * 1. loses what was queued for it, is told each of its live books is stale (`slow`), and gets
 *    nothing more (trades are dropped and counted) until its buffer drains below a quarter of
 *    the limit;
 * 2. then is re-snapshotted (every book it owes a snapshot of) and serves a new strike row once it
 *    kept up for `slowStrikeResetMs`;
 * 3. is disconnected (1013) on its `maxSlowStrikes + 1`-th episode in a row, or when it does not
 *    drain within `slowDrainTimeoutMs`.
 *
 * It never delays anyone else: it runs from the fan-out's send step and the housekeeping tick.
 *
 * @module
 */
import type { BookChannel } from "./book_channel.ts";
import type { ClientSession } from "./client_session.ts";
import { CLOSE_CODES } from "./close_codes.ts";
import type { FanOut } from "./fan_out.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { Subscriptions } from "./subscriptions.ts";

/** What {@linkcode SlowClientPolicy} needs. */
export interface SlowClientOptions {
  subscriptions: Subscriptions<ClientSession, BookChannel>;
  metrics: ServerMetrics;
  /** Send buffer limit, bytes (`server.clientBufferBytes`). */
  clientBufferBytes: number;
  /** Slow episodes in a row allowed before a disconnect (`server.maxSlowStrikes`). */
  maxSlowStrikes: number;
  /** A slow session that has not drained after this long is disconnected. */
  slowDrainTimeoutMs: number;
  /** A session that kept up this long since its last recovery starts a new row of strikes. */
  slowStrikeResetMs: number;
  /** Closes a session and forgets it. */
  disconnect(session: ClientSession, code: number, reason: string): void;
}

/**
 * Decides what happens to slow sessions.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror } from "../core/mod.ts";
 * import type { BookChannel } from "./book_channel.ts";
 * import { ClientSession } from "./client_session.ts";
 * import { FanOut } from "./fan_out.ts";
 * import { ServerMetrics } from "./metrics.ts";
 * import { SlowClientPolicy } from "./slow_clients.ts";
 * import { Subscriptions } from "./subscriptions.ts";
 * const sent: Array<string | Uint8Array> = [];
 * const socket = {
 *   readyState: WebSocket.OPEN, bufferedAmount: 0, addEventListener() {}, close() {},
 *   send(data: string | Uint8Array) { sent.push(data); },
 * } as unknown as WebSocket;
 * const metrics = new ServerMetrics();
 * const subscriptions = new Subscriptions<ClientSession, BookChannel>();
 * const mirror = await BookMirror.create();
 * const fanOut = new FanOut({
 *   subscriptions, mirror, metrics, clientBufferBytes: 1000, onOverflow: () => {},
 * });
 * const closed: number[] = [];
 * const policy = new SlowClientPolicy({
 *   subscriptions, metrics, clientBufferBytes: 1000, maxSlowStrikes: 1,
 *   slowDrainTimeoutMs: 10_000, slowStrikeResetMs: 30_000,
 *   disconnect: (_session, code) => closed.push(code),
 * });
 * policy.attach(fanOut);
 * const session = new ClientSession(socket, "json", 50, metrics);
 * policy.overflow(session); // the fan-out found its buffer over 1000 bytes
 * assert.ok(session.slow && policy.size === 1);
 * policy.tick(performance.now()); // drained (bufferedAmount 0): recovered
 * assert.ok(!session.slow && metrics.slowClientRecoveries === 1);
 * policy.overflow(session); // a second strike in a row: over maxSlowStrikes, 1013
 * assert.deepEqual(closed, [1013]);
 * ```
 */
export class SlowClientPolicy {
  #o: SlowClientOptions;
  #slow = new Set<ClientSession>();
  #fanOut: FanOut | undefined;

  constructor(options: SlowClientOptions) {
    this.#o = options;
  }

  /** The fan-out that sends stale notices and snapshots for the policy. */
  attach(fanOut: FanOut): void {
    this.#fanOut = fanOut;
  }

  /** Sessions currently slow. */
  get size(): number {
    return this.#slow.size;
  }

  /** Forgets a session that is gone. */
  forget(session: ClientSession): void {
    this.#slow.delete(session);
  }

  /** The session's send buffer is over the limit: a strike (see the module documentation). */
  overflow(session: ClientSession): void {
    const o = this.#o;
    session.discard();
    const now = performance.now();
    if (now - session.recoveredAt > o.slowStrikeResetMs) session.strikes = 0;
    session.strikes++;
    o.metrics.slowClientEvents++;
    if (session.strikes > o.maxSlowStrikes) {
      o.metrics.slowDisconnects++;
      o.disconnect(
        session,
        CLOSE_CODES.tryAgainLater,
        `Slow consumer: send buffer over ${o.clientBufferBytes} bytes ${session.strikes} times in a row`,
      );
      return;
    }
    session.slow = true;
    session.slowSince = now;
    this.#slow.add(session);
    for (const ch of o.subscriptions.booksOf(session)) {
      if (!o.subscriptions.isLive(session, ch)) continue;
      o.subscriptions.setLive(session, ch, false);
      this.#fanOut!.staleTo(session, ch, "slow");
    }
    session.flush();
  }

  /** Recovers the sessions that drained and disconnects those that did not in time. */
  tick(now: number): void {
    const o = this.#o;
    for (const session of this.#slow) {
      if (session.closing) {
        this.#slow.delete(session);
      } else if (session.bufferedAmount <= o.clientBufferBytes / 4) {
        this.#recover(session);
      } else if (now - session.slowSince > o.slowDrainTimeoutMs) {
        this.#slow.delete(session);
        o.metrics.slowDisconnects++;
        o.disconnect(
          session,
          CLOSE_CODES.tryAgainLater,
          `Slow consumer: send buffer did not drain within ${o.slowDrainTimeoutMs} ms`,
        );
      }
    }
  }

  #recover(session: ClientSession): void {
    session.slow = false;
    session.recoveredAt = performance.now();
    this.#slow.delete(session);
    this.#o.metrics.slowClientRecoveries++;
    this.#fanOut!.resnapshot(session);
  }
}
