/**
 * An {@linkcode ExchangeFeed} whose ring the test writes record by record, with records built by
 * `encodeRecords` (so a test can publish what a real collector never would: a seq gap, a wrong
 * checksum, a record for an unknown symbol). The ring is laid out from `CoreLayout` like the
 * core's.
 *
 * @module
 */
import {
  type CoreLayout,
  encodeRecords,
  type RecordLevel,
  RecordView,
} from "../../src/core/mod.ts";
import { EXCHANGE_CODES, type ExchangeFeed, type NormalizedTrade } from "../../src/runtime/feed.ts";
import type { ExchangeHealth } from "../../src/runtime/feed.ts";
import { topChecksum } from "./book_clients.ts";
import { quietHealth } from "../support/quiet_health.ts";

export class RawRingFeed implements ExchangeFeed {
  readonly exchange = "binanceus" as const;
  readonly exchangeCode = EXCHANGE_CODES.binanceus;
  readonly symbols: readonly string[];
  readonly buffer: SharedArrayBuffer;
  readonly ringAddress = 0;
  readonly layout: CoreLayout;
  readonly snapshotRequests: Array<readonly string[] | undefined> = [];
  #u32: Uint32Array;
  #u8: Uint8Array;
  #capacity: number;

  constructor(layout: CoreLayout, symbols: string[], capacity = 64) {
    this.layout = layout;
    this.symbols = symbols;
    this.#capacity = capacity;
    this.buffer = new SharedArrayBuffer(layout.ringHeaderSize + capacity * layout.recordSize);
    this.#u32 = new Uint32Array(this.buffer);
    this.#u8 = new Uint8Array(this.buffer);
    this.#u32[layout.ringMagic >> 2] = layout.ringMagicValue;
    this.#u32[layout.ringVersion >> 2] = 1;
    this.#u32[layout.ringCapacity >> 2] = capacity;
    this.#u32[layout.ringSlotSize >> 2] = layout.recordSize;
    this.#u32[layout.ringSlotsOffset >> 2] = layout.ringHeaderSize;
  }

  /** Writes records (back to back in `bytes`) into the ring and wakes readers. */
  write(bytes: Uint8Array): void {
    const l = this.layout;
    let at = 0;
    while (at < bytes.byteLength) {
      const length = RecordView.declaredLength(l, bytes, at);
      const seq = Atomics.load(this.#u32, l.ringWriteSeq >> 2);
      const slot = l.ringHeaderSize + (seq & (this.#capacity - 1)) * l.recordSize;
      Atomics.store(this.#u32, (slot + l.recRingSeq) >> 2, seq + 1);
      this.#u8.set(bytes.subarray(at, at + length), slot);
      Atomics.store(this.#u32, (slot + l.recRingSeq) >> 2, seq);
      Atomics.store(this.#u32, l.ringWriteSeq >> 2, seq + 1);
      at += length;
    }
    Atomics.notify(new Int32Array(this.buffer), l.ringWriteSeq >> 2);
  }

  /** Publishes a book as SNAPSHOT records (checksum computed over the levels). */
  snapshot(symbol: number, seq: number, bids: RecordLevel[], asks: RecordLevel[]): void {
    this.write(
      encodeRecords(
        this.layout,
        this.#header(symbol, seq, topChecksum(bids, asks)),
        this.layout.flagSnapshot,
        bids,
        asks,
      ),
    );
  }

  /** Publishes a delta with the given checksum. */
  delta(
    symbol: number,
    seq: number,
    bids: RecordLevel[],
    asks: RecordLevel[],
    checksum: number,
  ): void {
    this.write(encodeRecords(this.layout, this.#header(symbol, seq, checksum), 0, bids, asks));
  }

  #header(symbol: number, seq: number, checksum: number) {
    return {
      exchange: this.exchangeCode,
      symbol,
      seq,
      priceScale: 2,
      sizeScale: 0,
      depth: 5,
      checksum,
      receiveTs: BigInt(Date.now()) * 1_000_000n,
    };
  }

  onTrade(_listener: (trade: NormalizedTrade) => void): () => void {
    return () => {};
  }

  health(): ExchangeHealth {
    return quietHealth(this.exchange, {
      books: this.symbols.map((symbol) => ({
        symbol,
        state: "live" as const,
        lastUpdateAgeMs: 0,
        seq: 0,
        updates: 0,
        resyncs: 0,
        gaps: 0,
        checksumFailures: 0,
        parseErrors: 0,
        absentDeletes: 0,
        quiet: false,
      })),
    });
  }

  requestSnapshots(symbols?: readonly string[]): void {
    this.snapshotRequests.push(symbols);
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
