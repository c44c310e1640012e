/**
 * Encoding delta records outside the ring, with exactly the ring's layout: SNAPSHOT records of a
 * mirrored book (the broadcast server answers a binary subscriber with these) and STALE markers.
 * Each record uses only its used bytes (`header + 16 × (nBids + nAsks)`), so several records can
 * be concatenated into one binary WebSocket frame. Browser-compatible.
 *
 * Offsets come from {@linkcode CoreLayout}; nothing here repeats a number from `assembly/`.
 *
 * @module
 */
import { parseMantissa } from "./decimal.ts";
import type { CoreLayout } from "./layout.ts";
import type { RecordLevel } from "./record.ts";
import { RecordView } from "./record_view.ts";

/** Header fields of records encoded by this module. */
export interface RecordHeader {
  exchange: number;
  symbol: number;
  /** Per-book sequence number (a snapshot's seq is that of the last delta it includes). */
  seq: number;
  /** Decimals of prices and sizes. */
  priceScale: number;
  sizeScale: number;
  /** N of the top-N. */
  depth: number;
  /** CRC-32 of the top-N (SNAPSHOT records); 0 for STALE markers. */
  checksum?: number;
  /** Exchange time, ns since the epoch (default 0 = unknown). */
  exchangeTs?: bigint;
  /** Receive time, ns since the epoch (default 0). */
  receiveTs?: bigint;
  /** Value of the `ringSeq` field (default 0: the record did not come from a ring). */
  ringSeq?: number;
}

/** A book to encode as SNAPSHOT records: levels best first, as exact text or as mantissas. */
export interface SnapshotBook extends RecordHeader {
  bids: ReadonlyArray<readonly [string, string]> | ReadonlyArray<RecordLevel>;
  asks: ReadonlyArray<readonly [string, string]> | ReadonlyArray<RecordLevel>;
}

function toMantissas(
  levels: ReadonlyArray<readonly [string, string]> | ReadonlyArray<RecordLevel>,
  priceScale: number,
  sizeScale: number,
): RecordLevel[] {
  return levels.map(([p, s]) => [
    typeof p === "bigint" ? p : BigInt(parseMantissa(p, priceScale)),
    typeof s === "bigint" ? s : BigInt(parseMantissa(s, sizeScale)),
  ]);
}

function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 4294967296, true);
  view.setUint32(at + 4, Math.floor(value / 4294967296), true);
}

/**
 * Encodes `bids` and `asks` as one or more records with `flags` (LAST is added on the final
 * part), split like the core splits them: bids first, then asks, at most
 * `layout.changesPerRecord` changes per record. Returns the records back to back.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, encodeRecords, RecordView } from "./mod.ts";
 * const { layout } = await BookMirror.create();
 * const header = { exchange: 2, symbol: 0, seq: 5, priceScale: 1, sizeScale: 0, depth: 50 };
 * const bids = Array.from({ length: 20 }, (_, i) => [1000n - BigInt(i), 1n] as [bigint, bigint]);
 * const bytes = encodeRecords(layout, header, layout.flagSnapshot, bids, []);
 * const first = new RecordView(layout).wrap(bytes);
 * assert.equal(first.bidCount, layout.changesPerRecord); // 12 changes fit one record
 * const second = new RecordView(layout).wrap(bytes, first.byteLength);
 * assert.ok(second.last && second.part === 1 && second.seq === 5);
 * ```
 */
export function encodeRecords(
  layout: CoreLayout,
  header: RecordHeader,
  flags: number,
  bids: readonly RecordLevel[],
  asks: readonly RecordLevel[],
): Uint8Array {
  const l = layout;
  const total = bids.length + asks.length;
  const perRecord = l.changesPerRecord;
  const parts = Math.max(1, Math.ceil(total / perRecord));
  const out = new Uint8Array(parts * l.recHeaderSize + total * l.changeSize);
  const view = new DataView(out.buffer);
  let at = 0;
  let bi = 0;
  let ai = 0;
  for (let part = 0; part < parts; part++) {
    let room = perRecord;
    const nb = Math.min(bids.length - bi, room);
    room -= nb;
    const na = Math.min(asks.length - ai, room);
    view.setUint32(at + l.recRingSeq, header.ringSeq ?? 0, true);
    view.setUint8(at + l.recVersion, l.recordVersion);
    view.setUint8(at + l.recFlags, part === parts - 1 ? flags | l.flagLast : flags);
    view.setUint16(at + l.recExchange, header.exchange, true);
    view.setUint32(at + l.recSymbol, header.symbol, true);
    view.setUint8(at + l.recBidCount, nb);
    view.setUint8(at + l.recAskCount, na);
    view.setUint8(at + l.recPriceScale, header.priceScale);
    view.setUint8(at + l.recSizeScale, header.sizeScale);
    writeU64(view, at + l.recSeq, header.seq);
    writeU64(view, at + l.recPrevSeq, header.seq);
    view.setBigInt64(at + l.recExchangeTs, header.exchangeTs ?? 0n, true);
    view.setBigInt64(at + l.recReceiveTs, header.receiveTs ?? 0n, true);
    view.setUint32(at + l.recChecksum, (header.checksum ?? 0) >>> 0, true);
    view.setUint16(at + l.recPart, part, true);
    view.setUint16(at + l.recDepth, header.depth, true);
    view.setUint32(at + l.recTotal, total, true);
    let c = at + l.recHeaderSize;
    for (let i = 0; i < nb; i++, c += l.changeSize) {
      view.setBigInt64(c + l.changePrice, bids[bi + i][0], true);
      view.setBigInt64(c + l.changeSizeField, bids[bi + i][1], true);
    }
    for (let i = 0; i < na; i++, c += l.changeSize) {
      view.setBigInt64(c + l.changePrice, asks[ai + i][0], true);
      view.setBigInt64(c + l.changeSizeField, asks[ai + i][1], true);
    }
    bi += nb;
    ai += na;
    at = c;
  }
  return out;
}

/**
 * Encodes a whole top-N as SNAPSHOT records (the mirrored book a new binary subscriber starts
 * from). Text levels are converted exactly at the book's scales.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, encodeSnapshotRecords, RecordView } from "./mod.ts";
 * const { layout } = await BookMirror.create();
 * const frame = encodeSnapshotRecords(layout, {
 *   exchange: 2, symbol: 0, seq: 9, priceScale: 2, sizeScale: 1, depth: 10,
 *   bids: [["99.5", "2"]], asks: [["99.75", "0.5"]],
 * });
 * const rec = new RecordView(layout).wrap(frame);
 * assert.ok(rec.snapshot && rec.last);
 * assert.equal(rec.price(0), 9950n); // "99.5" at scale 2
 * assert.equal(rec.size(1), 5n); // "0.5" at scale 1
 * ```
 */
export function encodeSnapshotRecords(layout: CoreLayout, book: SnapshotBook): Uint8Array {
  return encodeRecords(
    layout,
    book,
    layout.flagSnapshot,
    toMantissas(book.bids, book.priceScale, book.sizeScale),
    toMantissas(book.asks, book.priceScale, book.sizeScale),
  );
}

/**
 * Encodes a STALE marker for a book (drop it until its next snapshot).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, encodeStaleRecord, RecordView } from "./mod.ts";
 * const { layout } = await BookMirror.create();
 * const marker = encodeStaleRecord(layout, {
 *   exchange: 2, symbol: 0, seq: 41, priceScale: 1, sizeScale: 8, depth: 50,
 * });
 * const rec = new RecordView(layout).wrap(marker);
 * assert.ok(rec.stale && rec.changeCount === 0 && rec.seq === 41);
 * ```
 */
export function encodeStaleRecord(layout: CoreLayout, header: RecordHeader): Uint8Array {
  return encodeRecords(layout, { ...header, checksum: 0 }, layout.flagStale, [], []);
}

/**
 * Splits a buffer of records laid back to back (a binary frame) into the records, without
 * copying. Throws `RangeError` when the last record is cut short.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, encodeStaleRecord, splitRecords } from "./mod.ts";
 * const { layout } = await BookMirror.create();
 * const header = { exchange: 1, symbol: 0, seq: 1, priceScale: 0, sizeScale: 0, depth: 5 };
 * const one = encodeStaleRecord(layout, header);
 * const frame = new Uint8Array(2 * one.byteLength);
 * frame.set(one);
 * frame.set(one, one.byteLength);
 * assert.equal(splitRecords(layout, frame).length, 2);
 * assert.throws(() => splitRecords(layout, frame.subarray(0, one.byteLength + 3)), RangeError);
 * ```
 */
export function splitRecords(layout: CoreLayout, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const rec = new RecordView(layout);
  for (let at = 0; at < bytes.byteLength; at += rec.byteLength) {
    if (!rec.tryWrap(bytes, at)) {
      throw new RangeError(`Truncated record at byte ${at} of ${bytes.byteLength}`);
    }
    out.push(rec.subarray());
  }
  return out;
}
