/**
 * Decoding delta records (ring slots, or binary WebSocket frames that carry them unchanged).
 * Browser-compatible.
 *
 * @module
 */
import type { CoreLayout } from "./layout.ts";

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

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
}

/**
 * Decodes one record from `bytes` (starting at `offset`).
 *
 * @example
 * ```ts ignore
 * import { decodeRecord } from "./record.ts";
 * const rec = decodeRecord(frameBytes, layout);
 * console.log(rec.seq, rec.bids.length, rec.asks.length);
 * ```
 */
export function decodeRecord(bytes: Uint8Array, layout: CoreLayout, offset = 0): DeltaRecord {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const o = offset;
  if (bytes.byteLength - o < layout.recHeaderSize) {
    throw new RangeError(`Record too short: ${bytes.byteLength - o} bytes`);
  }
  const nb = view.getUint8(o + layout.recBidCount);
  const na = view.getUint8(o + layout.recAskCount);
  const end = o + layout.recHeaderSize + (nb + na) * layout.changeSize;
  if (end > bytes.byteLength || nb + na > layout.changesPerRecord) {
    throw new RangeError(
      `Record declares ${nb + na} changes but holds ${bytes.byteLength - o} bytes`,
    );
  }
  const flags = view.getUint8(o + layout.recFlags);
  const levels = (from: number, n: number): RecordLevel[] => {
    const out: RecordLevel[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const at = from + i * layout.changeSize;
      out[i] = [
        view.getBigInt64(at + layout.changePrice, true),
        view.getBigInt64(at + layout.changeSizeField, true),
      ];
    }
    return out;
  };
  const body = o + layout.recHeaderSize;
  return {
    ringSeq: view.getUint32(o + layout.recRingSeq, true),
    version: view.getUint8(o + layout.recVersion),
    flags,
    snapshot: (flags & layout.flagSnapshot) !== 0,
    last: (flags & layout.flagLast) !== 0,
    stale: (flags & layout.flagStale) !== 0,
    exchange: view.getUint16(o + layout.recExchange, true),
    symbol: view.getUint32(o + layout.recSymbol, true),
    seq: u64(view, o + layout.recSeq),
    prevSeq: u64(view, o + layout.recPrevSeq),
    exchangeTs: view.getBigInt64(o + layout.recExchangeTs, true),
    receiveTs: view.getBigInt64(o + layout.recReceiveTs, true),
    priceScale: view.getUint8(o + layout.recPriceScale),
    sizeScale: view.getUint8(o + layout.recSizeScale),
    checksum: view.getUint32(o + layout.recChecksum, true),
    part: view.getUint16(o + layout.recPart, true),
    depth: view.getUint16(o + layout.recDepth, true),
    total: view.getUint32(o + layout.recTotal, true),
    bids: levels(body, nb),
    asks: levels(body + nb * layout.changeSize, na),
  };
}
