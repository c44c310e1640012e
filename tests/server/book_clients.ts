/**
 * Test WebSocket clients that rebuild books from the server's snapshots and deltas, JSON or
 * binary, independently of the core's mirror: plain TS maps of mantissas and a TS CRC-32 over
 * the documented checksum form. Every protocol violation (a seq that skips or repeats, a delta
 * before a snapshot, a checksum that does not verify, a mis-ordered side) is recorded in
 * `violations`.
 *
 * @module
 */
import {
  type CoreLayout,
  decodeRecord,
  formatMantissa,
  parseMantissa,
  splitRecords,
  type TextLevel,
} from "../../src/core/mod.ts";

// deno-lint-ignore no-explicit-any
export type Json = any;

/** CRC-32 of a top-N in the record checksum form (one implementation for all tests). */
export { topChecksum } from "../support/reference_book.ts";
import { MANTISSAS, ReferenceBook, topChecksum } from "../support/reference_book.ts";

/** One rebuilt book: the shared reference model plus what a client tracks about it. */
export class RebuiltBook extends ReferenceBook<bigint, bigint> {
  seq = 0;
  priceScale = 0;
  sizeScale = 0;
  snapshots = 0;
  deltas = 0;

  constructor() {
    super(MANTISSAS);
  }

  sorted(): { bids: Array<[bigint, bigint]>; asks: Array<[bigint, bigint]> } {
    return { bids: this.top("bid"), asks: this.top("ask") };
  }

  checksum(): number {
    const { bids, asks } = this.sorted();
    return topChecksum(bids, asks);
  }

  text(): { bids: TextLevel[]; asks: TextLevel[] } {
    const { bids, asks } = this.sorted();
    const t = (l: Array<[bigint, bigint]>): TextLevel[] =>
      l.map(([p, s]) => [formatMantissa(p, this.priceScale), formatMantissa(s, this.sizeScale)]);
    return { bids: t(bids), asks: t(asks) };
  }
}

/** Names of record codes, for binary clients. */
export interface FeedNames {
  /** exchange code → name */
  exchanges: Map<number, string>;
  /** exchange code → symbol list */
  symbols: Map<number, readonly string[]>;
}

/** A rebuilding client. */
export class BookClient {
  readonly format: "json" | "binary";
  readonly socket: WebSocket;
  /** Rebuilt books by `exchange|symbol`; absent or `held: false` while waiting for a snapshot. */
  readonly books = new Map<string, RebuiltBook>();
  readonly held = new Set<string>();
  /** Every JSON text frame, parsed (control messages, trades, and JSON book messages). */
  readonly texts: Json[] = [];
  readonly violations: string[] = [];
  readonly stale: Array<{ key: string; reason?: string }> = [];
  frames = 0;
  binaryFrames = 0;
  recordsReceived = 0;
  /** Latencies ring-write → receipt in ms (from `recvTs` / record receiveTs). */
  readonly latencies: number[] = [];
  readonly closed: Promise<CloseEvent>;
  #layout: CoreLayout | undefined;
  #names: FeedNames | undefined;
  #partial = new Map<string, { seq: number; next: number; snapshot: boolean }>();
  #listeners = new Set<() => void>();

  private constructor(
    socket: WebSocket,
    format: "json" | "binary",
    layout?: CoreLayout,
    names?: FeedNames,
  ) {
    this.socket = socket;
    this.format = format;
    this.#layout = layout;
    this.#names = names;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e) => {
      this.frames++;
      try {
        if (typeof e.data === "string") this.#onText(e.data);
        else this.#onBinary(new Uint8Array(e.data as ArrayBuffer));
      } catch (err) {
        this.violations.push(`handler threw: ${(err as Error).message}`);
      }
      for (const l of this.#listeners) l();
    };
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (e) => {
        resolve(e);
        for (const l of this.#listeners) l();
      });
    });
  }

  /** Connects; `layout` and `names` are needed for binary. */
  static connect(
    url: string,
    format: "json" | "binary",
    layout?: CoreLayout,
    names?: FeedNames,
  ): Promise<BookClient> {
    const socket = new WebSocket(`${url}${url.includes("?") ? "&" : "?"}format=${format}`);
    const client = new BookClient(socket, format, layout, names);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(client), { once: true });
      socket.addEventListener("error", (e) => reject(new Error((e as ErrorEvent).message)), {
        once: true,
      });
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  subscribe(exchange: string, symbols: string[], channel: "book" | "trades" = "book"): void {
    this.send({ op: "subscribe", channel, exchange, symbols });
  }

  unsubscribe(exchange: string, symbols: string[], channel: "book" | "trades" = "book"): void {
    this.send({ op: "unsubscribe", channel, exchange, symbols });
  }

  /** Resolves when `predicate` holds (checked after every frame); rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate()) {
          cleanup();
          resolve();
        } else if (this.socket.readyState === WebSocket.CLOSED) {
          cleanup();
          reject(new Error(`socket closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; last texts: ${
              JSON.stringify(this.texts.slice(-3)).slice(0, 600)
            }`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
    });
  }

  /** Waits for a JSON text frame matching `predicate` (already received ones count). */
  async text(predicate: (m: Json) => boolean, timeoutMs = 5000): Promise<Json> {
    await this.until(() => this.texts.some(predicate), timeoutMs, "a matching text message");
    return this.texts.find(predicate);
  }

  async close(): Promise<CloseEvent> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000, "done");
    return await this.closed;
  }

  // ── JSON ──

  #onText(text: string): void {
    const m = JSON.parse(text);
    this.texts.push(m);
    if (this.format === "binary" && (m.type === "snapshot" || m.type === "delta")) {
      this.violations.push(`binary client got a JSON ${m.type}`);
    }
    const key = `${m.exchange}|${m.symbol}`;
    if (m.type === "snapshot") this.#jsonSnapshot(key, m);
    else if (m.type === "delta") this.#jsonDelta(key, m);
    else if (m.type === "status") {
      if (m.state !== "stale") this.violations.push(`unknown status ${m.state}`);
      this.held.delete(key);
      this.stale.push({ key, reason: m.reason });
    }
  }

  #levels(m: Json, side: "bids" | "asks", ps: number, ss: number): Array<[bigint, bigint]> {
    return (m[side] as [string, string][]).map(([p, s]) => {
      if (typeof p !== "string" || typeof s !== "string") {
        this.violations.push(`non-string level in ${m.type}`);
      }
      return [BigInt(parseMantissa(p, ps)), BigInt(parseMantissa(s, ss))];
    });
  }

  #jsonSnapshot(key: string, m: Json): void {
    const book = new RebuiltBook();
    book.priceScale = m.priceScale;
    book.sizeScale = m.sizeScale;
    book.seq = m.seq;
    const bids = this.#levels(m, "bids", m.priceScale, m.sizeScale);
    const asks = this.#levels(m, "asks", m.priceScale, m.sizeScale);
    for (let i = 1; i < bids.length; i++) {
      if (!(bids[i - 1][0] > bids[i][0])) {
        this.violations.push(`${key}: snapshot bids not descending`);
      }
    }
    for (let i = 1; i < asks.length; i++) {
      if (!(asks[i - 1][0] < asks[i][0])) {
        this.violations.push(`${key}: snapshot asks not ascending`);
      }
    }
    for (const [p, s] of bids) book.set("bid", p, s);
    for (const [p, s] of asks) book.set("ask", p, s);
    const prev = this.books.get(key);
    book.snapshots = (prev?.snapshots ?? 0) + 1;
    book.deltas = prev?.deltas ?? 0;
    this.books.set(key, book);
    this.held.add(key);
    if (book.checksum() !== m.checksum) {
      this.violations.push(
        `${key}: snapshot seq ${m.seq} checksum ${m.checksum} != ${book.checksum()}`,
      );
    }
    if (m.recvTs > 0) this.latencies.push(performance.timeOrigin + performance.now() - m.recvTs);
  }

  #jsonDelta(key: string, m: Json): void {
    const book = this.books.get(key);
    if (!book || !this.held.has(key)) {
      this.violations.push(`${key}: delta seq ${m.seq} before a snapshot`);
      return;
    }
    if (m.seq !== book.seq + 1) {
      this.violations.push(`${key}: delta seq ${m.seq} after ${book.seq}`);
    }
    book.seq = m.seq;
    book.deltas++;
    for (const [p, s] of this.#levels(m, "bids", book.priceScale, book.sizeScale)) {
      book.set("bid", p, s);
    }
    for (const [p, s] of this.#levels(m, "asks", book.priceScale, book.sizeScale)) {
      book.set("ask", p, s);
    }
    if (book.checksum() !== m.checksum) {
      this.violations.push(
        `${key}: delta seq ${m.seq} checksum ${m.checksum} != ${book.checksum()}`,
      );
    }
    if (m.recvTs > 0) this.latencies.push(performance.timeOrigin + performance.now() - m.recvTs);
  }

  // ── binary ──

  #onBinary(bytes: Uint8Array): void {
    this.binaryFrames++;
    if (this.format !== "binary") this.violations.push("json client got a binary frame");
    const layout = this.#layout!;
    for (const rec of splitRecords(layout, bytes)) {
      this.recordsReceived++;
      this.#record(decodeRecord(rec, layout));
    }
  }

  #record(r: ReturnType<typeof decodeRecord>): void {
    const names = this.#names!;
    const key = `${names.exchanges.get(r.exchange)}|${names.symbols.get(r.exchange)?.[r.symbol]}`;
    if (r.stale) {
      this.held.delete(key);
      this.#partial.delete(key);
      this.stale.push({ key });
      return;
    }
    let book = this.books.get(key);
    if (r.snapshot && r.part === 0) {
      const fresh = new RebuiltBook();
      fresh.snapshots = (book?.snapshots ?? 0) + 1;
      fresh.deltas = book?.deltas ?? 0;
      book = fresh;
      this.books.set(key, book);
      this.held.add(key);
      book.priceScale = r.priceScale;
      book.sizeScale = r.sizeScale;
      book.seq = r.seq;
      this.#partial.set(key, { seq: r.seq, next: 0, snapshot: true });
    }
    if (!book || !this.held.has(key)) {
      this.violations.push(`${key}: record seq ${r.seq} part ${r.part} before a snapshot`);
      return;
    }
    let progress = this.#partial.get(key);
    if (r.part === 0 && !r.snapshot) {
      if (progress) this.violations.push(`${key}: delta ${r.seq} starts inside another record`);
      if (r.seq !== book.seq + 1) {
        this.violations.push(`${key}: delta seq ${r.seq} after ${book.seq}`);
      }
      progress = { seq: r.seq, next: 0, snapshot: false };
      this.#partial.set(key, progress);
    }
    if (!progress || progress.seq !== r.seq || progress.next !== r.part) {
      this.violations.push(`${key}: unexpected part ${r.part} of seq ${r.seq}`);
      return;
    }
    progress.next++;
    book.seq = r.seq;
    for (const [p, s] of r.bids) {
      book.set("bid", p, s);
    }
    for (const [p, s] of r.asks) {
      book.set("ask", p, s);
    }
    if (r.last) {
      this.#partial.delete(key);
      if (!progress.snapshot) book.deltas++;
      if (book.checksum() !== r.checksum) {
        this.violations.push(`${key}: seq ${r.seq} checksum ${r.checksum} != ${book.checksum()}`);
      }
      if (r.receiveTs > 0n) {
        this.latencies.push(performance.timeOrigin + performance.now() - Number(r.receiveTs) / 1e6);
      }
    }
  }
}
