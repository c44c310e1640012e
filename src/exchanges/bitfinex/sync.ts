/**
 * Bitfinex book sync state, pure (no I/O): the per-connection sequence check and the map from
 * `chanId` to channel.
 *
 * **Sequence numbers** (`SEQ_ALL`): one counter per connection, +1 on every channel message of
 * every channel (books, trades, heartbeats, checksums). A gap cannot be attributed to one channel:
 * the lost message may have been an update of any book. Our policy (documented in the README):
 * every **book** of that connection goes STALE and is resubscribed (fresh in-band snapshots);
 * trades keep flowing (a lost trade cannot be fetched again; it is counted). The counter is not
 * reset by resubscribing, so checking continues across the resync.
 *
 * @module
 */

/** Result of {@linkcode ConnectionSequence.check}. */
export type SequenceResult = "ok" | "first" | "gap" | "repeat" | "missing";

/**
 * The per-connection sequence check.
 *
 * @example
 * ```ts
 * import { ConnectionSequence } from "./sync.ts";
 * const s = new ConnectionSequence();
 * if (s.check(1) !== "first" || s.check(2) !== "ok" || s.check(4) !== "gap") throw new Error();
 * if (s.check(5) !== "ok" || s.check(5) !== "repeat") throw new Error();
 * ```
 */
export class ConnectionSequence {
  #last: number | undefined;
  /** Gaps seen (each may span several lost messages). */
  gaps = 0;
  /** Messages lost in gaps (sum of the gap widths). */
  lost = 0;
  /** Messages whose number was not above the last one. */
  repeats = 0;

  /** The last sequence number seen. */
  get last(): number | undefined {
    return this.#last;
  }

  /** A new connection starts a new counter. */
  reset(): void {
    this.#last = undefined;
  }

  /**
   * Checks one channel message's number. `missing` (no number although `SEQ_ALL` is on) is
   * reported as such; the caller treats it like a gap because the message cannot be placed.
   */
  check(seq: number | undefined): SequenceResult {
    if (seq === undefined) return "missing";
    const last = this.#last;
    if (last === undefined) {
      this.#last = seq;
      return "first";
    }
    if (seq === last + 1) {
      this.#last = seq;
      return "ok";
    }
    if (seq <= last) {
      this.repeats++;
      return "repeat";
    }
    this.gaps++;
    this.lost += seq - last - 1;
    this.#last = seq;
    return "gap";
  }
}

/** What a `chanId` carries. */
export interface ChannelInfo {
  channel: "book" | "trades";
  /** Bitfinex symbol (`tBTCUSD`). */
  symbol: string;
}

/**
 * The channels of one connection by `chanId` (filled from `subscribed`, emptied by
 * `unsubscribed` and on reconnect).
 *
 * @example
 * ```ts
 * import { ChannelMap } from "./sync.ts";
 * const m = new ChannelMap();
 * m.add(7, { channel: "book", symbol: "tBTCUSD" });
 * if (m.get(7)?.symbol !== "tBTCUSD" || m.bookChannel("tBTCUSD") !== 7) throw new Error();
 * m.remove(7);
 * if (m.get(7) !== undefined || m.size !== 0) throw new Error();
 * ```
 */
export class ChannelMap {
  #byId = new Map<number, ChannelInfo>();

  add(chanId: number, info: ChannelInfo): void {
    this.#byId.set(chanId, info);
  }

  get(chanId: number): ChannelInfo | undefined {
    return this.#byId.get(chanId);
  }

  remove(chanId: number): ChannelInfo | undefined {
    const info = this.#byId.get(chanId);
    this.#byId.delete(chanId);
    return info;
  }

  /** The `chanId` of a symbol's book channel, if subscribed. */
  bookChannel(symbol: string): number | undefined {
    for (const [id, info] of this.#byId) {
      if (info.channel === "book" && info.symbol === symbol) return id;
    }
    return undefined;
  }

  clear(): void {
    this.#byId.clear();
  }

  get size(): number {
    return this.#byId.size;
  }
}
