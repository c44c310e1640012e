/**
 * Decoding delta records (ring slots, or binary WebSocket frames that carry them unchanged).
 * Browser-compatible.
 *
 * @module
 */
import type { CoreLayout } from "./layout.ts";
import { RecordView } from "./record_view.ts";

/** A level as exact mantissas `[price, size]`; size 0 means the level left the top-N. */
export type RecordLevel = [price: bigint, size: bigint];

/** A decoded delta record. */
export interface DeltaRecord {
  ringSeq: number;
  version: number;
  flags: number;
  snapshot: boolean;
  last: boolean;
  stale: boolean;
  exchange: number;
  symbol: number;
  /** Per-book sequence number (a delta's parts share it). */
  seq: number;
  prevSeq: number;
  /** Exchange time, ns since the epoch (0 when unknown). */
  exchangeTs: bigint;
  /** Receive time, ns since the epoch. */
  receiveTs: bigint;
  priceScale: number;
  sizeScale: number;
  /** CRC-32 of the top-N after applying the whole delta. */
  checksum: number;
  part: number;
  depth: number;
  /** Changes in the whole delta (all parts). */
  total: number;
  bids: RecordLevel[];
  asks: RecordLevel[];
}

/**
 * Decodes one record from `bytes` (starting at `offset`) into a plain object (with its levels as
 * arrays): convenient for tests, tools and replay reports. Hot paths read fields in place with a
 * {@linkcode RecordView} instead, which this is built on.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Core, decodeRecord, RingReader } from "./mod.ts";
 * const core = await Core.create({ ringCapacity: 16, variant: "plain" });
 * const book = core.createBook({ exchange: 1, symbol: 0, priceScale: 2, sizeScale: 0, depth: 5 });
 * const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
 * core.begin(book).add(0, "99.50", "3").add(1, "99.75", "1");
 * core.reset();
 * const rec = decodeRecord(reader.read() as Uint8Array, core.layout);
 * assert(rec.snapshot && rec.seq === 1);
 * assert(rec.bids[0][0] === 9950n && rec.asks[0][1] === 1n);
 * ```
 */
export function decodeRecord(bytes: Uint8Array, layout: CoreLayout, offset = 0): DeltaRecord {
  const rec = new RecordView(layout).wrap(bytes, offset);
  const nb = rec.bidCount;
  const n = rec.changeCount;
  const bids: RecordLevel[] = new Array(nb);
  const asks: RecordLevel[] = new Array(n - nb);
  for (let i = 0; i < n; i++) {
    const level: RecordLevel = [rec.price(i), rec.size(i)];
    if (i < nb) bids[i] = level;
    else asks[i - nb] = level;
  }
  return {
    ringSeq: rec.ringSeq,
    version: rec.version,
    flags: rec.flags,
    snapshot: rec.snapshot,
    last: rec.last,
    stale: rec.stale,
    exchange: rec.exchange,
    symbol: rec.symbol,
    seq: rec.seq,
    prevSeq: rec.prevSeq,
    exchangeTs: rec.exchangeTs,
    receiveTs: rec.receiveTs,
    priceScale: rec.priceScale,
    sizeScale: rec.sizeScale,
    checksum: rec.checksum,
    part: rec.part,
    depth: rec.depth,
    total: rec.total,
    bids,
    asks,
  };
}
