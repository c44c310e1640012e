/**
 * Bitfinex WebSocket v2 collector: waits for `info` (version 2, platform up), sends `conf` with
 * `SEQ_ALL + OB_CHECKSUM`, subscribes `book` (P0, F0, `len`) and `trades` per symbol.
 *
 * - **Sequence numbers**: every channel message's number must be the previous + 1. A gap (or a
 *   channel message without a number, or an unreadable one, which shows as a gap at the next
 *   message) cannot be attributed to a channel, so every book of the connection goes STALE and is
 *   resubscribed; trades keep flowing.
 * - **Checksums**: with `OB_CHECKSUM` acknowledged, book changes are applied to the core book but
 *   published only when the following `[chanId, "cs", n]` matches the CRC-32 of the top 25 in
 *   JavaScript number text (`checksum.ts`): clients never see an unverified change. A mismatch
 *   resubscribes that book only. Without the flag (older recordings) changes publish at once.
 * - **Book updates** (`rowFastPath`): a row written plainly is staged by the core straight from
 *   the frame's bytes (`rows` level text); anything the core does not read takes the string path
 *   (`bookChanges`), with identical outcomes.
 * - **Info events**: 20051 reconnects; 20060 marks every book STALE and waits; 20061 resubscribes
 *   every book. `platform.status` 0 on connect waits for 20061 before subscribing.
 *
 * @module
 */
import { type CollectorContext, type ConnectionSettings, SocketCollector } from "../collector.ts";
import type { FeedSocket } from "../feed_socket.ts";
import { BITFINEX_CHECKSUM_LEVELS, bitfinexChecksum } from "./checksum.ts";
import {
  bookChanges,
  type ChannelFrame,
  parseBitfinexFrame,
  rowFromText,
  tradeFromRow,
} from "./parse.ts";
import type { LevelText } from "../types.ts";
import { ChannelMap, ConnectionSequence } from "./sync.ts";
import { inferScales } from "../book_store.ts";
import { bitfinexNativeSymbol, bitfinexSymbol } from "./symbols.ts";
import {
  type BitfinexEvent,
  INFO_MAINTENANCE_END,
  INFO_MAINTENANCE_START,
  INFO_RECONNECT,
  OB_CHECKSUM,
  SEQ_ALL,
} from "./wire.ts";

/** Bitfinex section of the config. */
export interface BitfinexSettings extends ConnectionSettings {
  /** Price points per side: 25, 100 or 250. */
  len: number;
}

/**
 * Smallest book scale (decimals) for prices and amounts. Bitfinex sends doubles' shortest text, so
 * a snapshot's decimals say little about the next update's (`0.0055809` after a snapshot with 6);
 * 8 held every value of the real capture, and a value with more still resyncs once at a wider
 * scale.
 */
export const MIN_SCALE = 8;

/** Held (applied, unpublished) book messages after which they publish without a checksum. */
export const MAX_UNVERIFIED = 100;

const LEVEL_TEXT = { levelText: true } as const;
const SNAPSHOT_TEXT = { snapshotText: true } as const;
const BOTH_TEXT = { levelText: true, snapshotText: true } as const;

interface Pending {
  snapshot: boolean;
  count: number;
}

/**
 * @example
 * ```ts ignore
 * const bitfinex = new BitfinexCollector({ symbols: ["BTC/USD"], len: 25,
 *   wsUrl: "wss://api-pub.bitfinex.com/ws/2", silenceTimeoutMs: 30_000, minBackoffMs: 250,
 *   maxBackoffMs: 30_000 }, { core, exchangeCode: 7, depth: 50 });
 * await bitfinex.start();
 * ```
 */
export class BitfinexCollector extends SocketCollector {
  readonly exchange = "bitfinex" as const;
  #len: number;
  #channels = new ChannelMap();
  #sequence = new ConnectionSequence();
  #seqOn = false;
  #checksumOn = false;
  #paused = false;
  #pending = new Map<string, Pending>();
  #resubscribing = new Set<string>();
  #lastTrade = new Map<string, string>();
  /** Checksums compared (matches and mismatches). */
  checksumsVerified = 0;
  /** Batches published without a checksum because none came within {@linkcode MAX_UNVERIFIED}. */
  unverifiedPublishes = 0;
  /** Channel messages whose sequence number was not above the last one (ignored). */
  repeatedMessages = 0;
  /** Info events 20051 / 20060 / 20061 seen. */
  infoEvents = 0;
  /**
   * Stage a book update's row straight from the frame's bytes in the core (`rows` level text)
   * instead of parsing it into strings; a row the core does not read, or a book not taking
   * updates, takes the string path. `false`: always the string path (tests compare the two).
   */
  rowFastPath = true;
  /** Book updates the fast path staged (applied or refused by the core). */
  fastRowUpdates = 0;

  constructor(settings: BitfinexSettings, context: CollectorContext) {
    super(settings, context, 0, settings.len);
    this.#len = settings.len;
  }

  protected url(): string {
    return this.settings.wsUrl;
  }

  toNative(symbol: string): string {
    return bitfinexNativeSymbol(symbol);
  }

  protected nativeToSymbol(native: string): string | undefined {
    return bitfinexSymbol(native);
  }

  /** A fresh connection: forget channels and the sequence; wait for `info` before anything. */
  protected subscribe(_socket: FeedSocket): void {
    this.#channels.clear();
    this.#sequence.reset();
    this.#pending.clear();
    this.#resubscribing.clear();
    this.#seqOn = false;
    this.#checksumOn = false;
    this.#paused = false;
  }

  #subscribeAll(): void {
    for (const symbol of this.symbols) {
      this.#subscribeBook(symbol);
      this.socket.send({ event: "subscribe", channel: "trades", symbol: this.toNative(symbol) });
    }
  }

  #subscribeBook(symbol: string): void {
    this.socket.send({
      event: "subscribe",
      channel: "book",
      symbol: this.toNative(symbol),
      prec: "P0",
      freq: "F0",
      len: String(this.#len),
    });
  }

  /** Unsubscribes (when subscribed) and subscribes one book again, with backoff on repeats. */
  #resubscribe(symbol: string): void {
    this.#pending.delete(symbol);
    if (this.#resubscribing.has(symbol)) return;
    const delay = this.resyncDelay(symbol);
    this.#resubscribing.add(symbol);
    this.afterDelay(delay, () => {
      if (this.stopped || this.#paused) {
        this.#resubscribing.delete(symbol);
        return;
      }
      const chanId = this.#channels.bookChannel(this.toNative(symbol));
      if (chanId !== undefined) this.socket.send({ event: "unsubscribe", chanId });
      else {
        this.#resubscribing.delete(symbol);
        this.#subscribeBook(symbol);
      }
    });
  }

  protected resync(symbol: string): void {
    this.#resubscribe(symbol);
  }

  /** No sync deadline during maintenance (books wait for info 20061). */
  protected override syncDeadlineApplies(): boolean {
    return !this.#paused;
  }

  /** Unreadable frames are caught by the sequence check of the next message. */
  protected unreadableBook(_text: string): undefined {
    return undefined;
  }

  /** Every book of the connection goes STALE and is resubscribed. */
  #resyncAllBooks(reason: string, receivedMs: number): void {
    for (const symbol of this.symbols) {
      this.books.markStale(symbol, reason, receivedMs);
      this.#resubscribe(symbol);
    }
  }

  protected handle(text: string, receivedMs: number): void {
    let f = parseBitfinexFrame(
      text,
      this.snapshotTextPath
        ? (this.rowFastPath ? BOTH_TEXT : SNAPSHOT_TEXT)
        : (this.rowFastPath ? LEVEL_TEXT : undefined),
    );
    if (
      f.kind === "channel" && f.body.type === "rowsText" &&
      !this.books.takesSnapshotText(f.body.levels)
    ) {
      // The string parse, for its result and reason.
      f = parseBitfinexFrame(text, this.rowFastPath ? LEVEL_TEXT : undefined);
    }
    switch (f.kind) {
      case "event":
        this.#event(f.event, receivedMs);
        return;
      case "unknown":
        this.unknownMessages++;
        return;
      case "invalid":
        this.invalid(f.reason);
        this.#lost(f.chanId, f.seq, "unreadable book message", receivedMs);
        return;
      case "channel":
        this.#channel(f, receivedMs);
    }
  }

  /**
   * A channel message that could not be used: a readable sequence number still takes its place
   * in the sequence, and the lost payload is repaired like a gap when it belonged to a book.
   */
  #lost(
    chanId: number | undefined,
    seq: number | undefined,
    reason: string,
    receivedMs: number,
  ): void {
    if (this.#seqOn && seq !== undefined && this.#sequence.check(seq) === "gap") {
      this.#gap(receivedMs);
    }
    if (chanId === undefined) return;
    const info = this.#channels.get(chanId);
    const symbol = info?.channel === "book" ? this.fromNative(info.symbol) : undefined;
    if (symbol !== undefined) {
      this.books.markStale(symbol, reason, receivedMs);
      this.#resubscribe(symbol);
    }
  }

  /** An oversize frame `[chanId, …, seq]`: its channel id and sequence number, read unparsed. */
  protected override refuseOversize(text: string, receivedMs: number): void {
    const chanId = /^\s*\[\s*(\d{1,15})\s*,/.exec(text.slice(0, 64))?.[1];
    const seq = /,\s*(\d{1,15})\s*\]\s*$/.exec(text.slice(-64))?.[1];
    this.#lost(
      chanId === undefined ? undefined : Number(chanId),
      seq === undefined ? undefined : Number(seq),
      "oversize book message",
      receivedMs,
    );
  }

  #gap(receivedMs: number): void {
    this.gaps++;
    for (const symbol of this.symbols) this.books.countGap(symbol);
    this.log(`sequence gap after ${this.#sequence.last}: resyncing every book`);
    this.#resyncAllBooks("sequence gap", receivedMs);
  }

  #channel(f: ChannelFrame, receivedMs: number): void {
    if (this.#seqOn) {
      const r = this.#sequence.check(f.seq);
      if (r === "repeat") {
        this.repeatedMessages++;
        return;
      }
      if (r === "gap") this.#gap(receivedMs);
      else if (r === "missing") {
        this.invalid("channel message without a sequence number");
        this.#gap(receivedMs);
        return;
      }
    }
    const info = this.#channels.get(f.chanId);
    if (info === undefined) {
      // Data before its `subscribed` event (seen in the capture), or of a closed channel.
      this.unknownMessages++;
      return;
    }
    let body = f.body;
    if (body.type === "hb") return;
    const symbol = this.fromNative(info.symbol);
    if (symbol === undefined) {
      this.unknownMessages++;
      return;
    }
    if (info.channel === "trades") {
      if (body.type === "te") {
        const t = tradeFromRow(body.row);
        if (typeof t === "string") return this.invalid(`trades ${info.symbol}: ${t}`);
        if (this.#lastTrade.get(symbol) === t.tradeId) return;
        this.#lastTrade.set(symbol, t.tradeId);
        this.trade({ ...t, symbol: info.symbol });
      } else if (body.type !== "rows" && body.type !== "rowsText" && body.type !== "tu") {
        // A book row or checksum on a trades channel: not a message this channel sends.
        this.unknownMessages++;
      }
      // Snapshots (recent history) and `tu` (the same trade again) are not new trades.
      return;
    }
    if (body.type === "cs") return this.#checksum(symbol, body.checksum, receivedMs);
    if (body.type === "rowText") {
      if (this.#rowText(symbol, body.levels, receivedMs)) return;
      body = { type: "row", row: rowFromText(body.levels) };
    }
    if (body.type === "rowsText") {
      if (this.#rowsText(symbol, body.levels, receivedMs)) return;
      // Not taken after all (it was measured): the string parse's body.
      const again = parseBitfinexFrame(body.levels.text);
      if (again.kind !== "channel") throw new Error("snapshot text: the frame reads differently");
      body = again.body;
    }
    if (body.type !== "rows" && body.type !== "row") {
      this.unknownMessages++;
      return;
    }
    const snapshot = body.type === "rows";
    const c = bookChanges(body.type === "rows" ? body.rows : [body.row]);
    if (typeof c === "string") {
      this.invalid(`book ${info.symbol}: ${c}`);
      this.books.markStale(symbol, "unreadable book message", receivedMs);
      this.#resubscribe(symbol);
      return;
    }
    if (!this.#checksumOn) {
      if (snapshot) {
        if (!this.books.snapshot(symbol, c.bids, c.asks, 0, receivedMs, scalesOf(c))) {
          this.#resubscribe(symbol);
        }
      } else if (this.books.update(symbol, c.bids, c.asks, 0, receivedMs) === "rejected") {
        this.#resubscribe(symbol);
      }
      return;
    }
    // Checksums on: apply now, publish when the next `cs` verifies.
    const pending = this.#pending.get(symbol);
    if (snapshot) {
      if (!this.books.stageSnapshot(symbol, c.bids, c.asks, receivedMs, scalesOf(c))) {
        this.#resubscribe(symbol);
        return;
      }
      this.#pending.set(symbol, { snapshot: true, count: 1 });
      return;
    }
    if (pending === undefined && this.books.state(symbol) !== "live") return; // awaiting a snapshot
    if (!this.books.stageUpdate(symbol, c.bids, c.asks)) {
      this.#resubscribe(symbol);
      return;
    }
    this.#hold(symbol, pending, receivedMs);
  }

  /**
   * A book snapshot left in the frame, staged by the core from its bytes exactly as the string
   * path would stage its rows (scales: the rows' decimals, at least MIN_SCALE). Returns false
   * when nothing happened and the string path must run.
   */
  #rowsText(symbol: string, levels: LevelText, receivedMs: number): boolean {
    const own = this.books.snapshotTextScales(levels);
    if (own === undefined) return false;
    const scales: [number, number] = [Math.max(own[0], MIN_SCALE), Math.max(own[1], MIN_SCALE)];
    this.textSnapshots++;
    if (!this.#checksumOn) {
      if (!this.books.snapshotText(symbol, levels, undefined, 0, receivedMs, scales)) {
        this.#resubscribe(symbol);
      }
      return true;
    }
    // Checksums on: apply now, publish when the next `cs` verifies.
    if (!this.books.stageSnapshotText(symbol, levels, undefined, receivedMs, scales)) {
      this.#resubscribe(symbol);
      return true;
    }
    this.#pending.set(symbol, { snapshot: true, count: 1 });
    return true;
  }

  /**
   * A book update's row left in the frame, staged by the core from its bytes, exactly as the
   * string path would stage it. Returns false when nothing happened and the string path must run:
   * a book that takes no update now (the string path still checks the row), or a row the core
   * does not read (it gives the precise reason).
   */
  #rowText(symbol: string, levels: LevelText, receivedMs: number): boolean {
    if (!this.#checksumOn) {
      if (this.books.state(symbol) !== "live") return false;
      const r = this.books.updateText(symbol, levels, 0, receivedMs);
      if (r === undefined) return false;
      this.fastRowUpdates++;
      if (r === "rejected") this.#resubscribe(symbol);
      return true;
    }
    const pending = this.#pending.get(symbol);
    if (pending === undefined && this.books.state(symbol) !== "live") return false;
    const staged = this.books.stageUpdateText(symbol, levels);
    if (staged === undefined) return false;
    this.fastRowUpdates++;
    if (!staged) this.#resubscribe(symbol);
    else this.#hold(symbol, pending, receivedMs);
    return true;
  }

  /** Counts a staged update as held until the next checksum (published after too many). */
  #hold(symbol: string, pending: Pending | undefined, receivedMs: number): void {
    if (pending === undefined) this.#pending.set(symbol, pending = { snapshot: false, count: 0 });
    if (++pending.count >= MAX_UNVERIFIED) {
      this.unverifiedPublishes++;
      this.log(`${symbol}: no checksum for ${pending.count} book messages; publishing unverified`);
      this.#commit(symbol, pending, receivedMs);
    }
  }

  #commit(symbol: string, pending: Pending, receivedMs: number): void {
    this.#pending.delete(symbol);
    if (pending.snapshot) {
      if (!this.books.commitSnapshot(symbol, 0, receivedMs)) this.#resubscribe(symbol);
    } else if (this.books.commitUpdate(symbol, 0, receivedMs, pending.count) === "rejected") {
      this.#resubscribe(symbol);
    }
  }

  /** The checksum of the core book's top 25, Bitfinex's way. */
  bookChecksum(symbol: string): number {
    const [ps, ss] = this.books.scales(symbol);
    const bids = this.books.topMantissas(symbol, 0, BITFINEX_CHECKSUM_LEVELS);
    const asks = this.books.topMantissas(symbol, 1, BITFINEX_CHECKSUM_LEVELS);
    return bitfinexChecksum(bids, asks, ps, ss);
  }

  #checksum(symbol: string, expected: number, receivedMs: number): void {
    const pending = this.#pending.get(symbol);
    if (pending === undefined && this.books.state(symbol) !== "live") return;
    this.checksumsVerified++;
    if (this.bookChecksum(symbol) === expected) {
      if (pending !== undefined) this.#commit(symbol, pending, receivedMs);
      return;
    }
    this.checksumFailures++;
    this.books.countChecksumFailure(symbol);
    this.log(`${symbol}: checksum mismatch (expected ${expected}); resubscribing`);
    this.books.markStale(symbol, "checksum mismatch", receivedMs);
    this.#resubscribe(symbol);
  }

  #event(e: BitfinexEvent, receivedMs: number): void {
    switch (e.event) {
      case "info":
        if (e.code !== undefined) return this.#info(e.code, e.msg, receivedMs);
        if (e.version !== undefined && e.version !== 2) {
          this.exchangeErrors++;
          this.log(`unsupported API version ${e.version}; reconnecting`);
          this.socket.reconnect(`API version ${e.version}`);
          return;
        }
        if (e.platform?.status === 0) {
          this.#paused = true;
          this.log("platform in maintenance: waiting for info 20061 before subscribing");
          return;
        }
        this.socket.send({ event: "conf", flags: SEQ_ALL + OB_CHECKSUM });
        return;
      case "conf": {
        if (e.status !== "OK") {
          this.exchangeErrors++;
          this.log(`conf refused (${e.status}); subscribing without sequence numbers/checksums`);
        }
        const flags = e.status === "OK" ? e.flags ?? 0 : 0;
        this.#seqOn = (flags & SEQ_ALL) !== 0;
        this.#checksumOn = (flags & OB_CHECKSUM) !== 0;
        this.#subscribeAll();
        return;
      }
      case "subscribed":
        if (e.channel === "book" || e.channel === "trades") {
          const native = e.symbol ?? (e.pair ? `t${e.pair}` : "");
          this.#channels.add(e.chanId, { channel: e.channel, symbol: native });
          if (e.channel === "book") {
            const symbol = this.fromNative(native);
            if (symbol) this.#resubscribing.delete(symbol);
          }
        }
        return;
      case "unsubscribed": {
        const info = this.#channels.remove(e.chanId);
        const symbol = info?.channel === "book" ? this.fromNative(info.symbol) : undefined;
        if (symbol !== undefined && this.#resubscribing.has(symbol)) {
          this.#resubscribing.delete(symbol);
          this.#pending.delete(symbol);
          if (!this.#paused) this.#subscribeBook(symbol);
        }
        return;
      }
      case "error": {
        this.exchangeErrors++;
        this.log(`exchange error ${e.code ?? ""}: ${e.msg}`);
        const symbol = e.symbol ? this.fromNative(e.symbol) : undefined;
        if (symbol !== undefined && e.channel !== "trades") {
          this.books.markStale(symbol, `subscribe failed: ${e.msg}`, receivedMs);
          this.#resubscribing.delete(symbol);
          this.#resubscribe(symbol);
        }
        return;
      }
      default:
        return;
    }
  }

  #info(code: number, msg: string | undefined, receivedMs: number): void {
    this.infoEvents++;
    this.log(`info ${code}${msg ? ` (${msg})` : ""}`);
    if (code === INFO_RECONNECT) {
      this.socket.reconnect("info 20051: server restarting");
    } else if (code === INFO_MAINTENANCE_START) {
      this.#paused = true;
      this.#pending.clear();
      this.books.markAllStale("exchange maintenance");
    } else if (code === INFO_MAINTENANCE_END) {
      const wasSubscribed = this.#channels.size > 0;
      this.#paused = false;
      if (!wasSubscribed && !this.#seqOn && !this.#checksumOn) {
        // Connected during maintenance: configure and subscribe now.
        this.socket.send({ event: "conf", flags: SEQ_ALL + OB_CHECKSUM });
        return;
      }
      this.#resyncAllBooks("maintenance ended", receivedMs);
    }
  }
}

function scalesOf(c: { bids: readonly string[]; asks: readonly string[] }): [number, number] {
  const [ps, ss] = inferScales(c.bids, c.asks);
  return [Math.max(ps, MIN_SCALE), Math.max(ss, MIN_SCALE)];
}
