/**
 * A plain reference model of an L2 book (Maps of bigint mantissas) and an independent TypeScript
 * rendering of the documented top-N checksum, used to check the WASM core.
 */
import { crc32 } from "../../src/util/crc32.ts";

export type Lvl = [bigint, bigint];

export class ReferenceBook {
  bids = new Map<bigint, bigint>();
  asks = new Map<bigint, bigint>();

  set(side: 0 | 1, price: bigint, size: bigint): void {
    const m = side === 0 ? this.bids : this.asks;
    if (size === 0n) m.delete(price);
    else m.set(price, size);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Keeps the best `n` levels per side. */
  truncate(n: number): void {
    this.bids = new Map(this.top(0, n));
    this.asks = new Map(this.top(1, n));
  }

  top(side: 0 | 1, n: number): Lvl[] {
    const m = side === 0 ? this.bids : this.asks;
    const all = [...m.entries()];
    all.sort((a, b) => (side === 0 ? (b[0] > a[0] ? 1 : -1) : (a[0] > b[0] ? 1 : -1)));
    return all.slice(0, n);
  }
}

/** The documented record checksum: CRC-32 over bids then asks (best first), i64 LE price, size. */
export function topChecksum(bids: Lvl[], asks: Lvl[]): number {
  const bytes = new Uint8Array((bids.length + asks.length) * 16);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const [p, s] of [...bids, ...asks]) {
    view.setBigInt64(at, p, true);
    view.setBigInt64(at + 8, s, true);
    at += 16;
  }
  return crc32(bytes);
}

/** A plain JS mirror that applies decoded deltas (set-size semantics, 0 removes). */
export class DeltaMirror {
  book = new ReferenceBook();
  apply(bids: Lvl[], asks: Lvl[], snapshot: boolean): void {
    if (snapshot) this.book.clear();
    for (const [p, s] of bids) this.book.set(0, p, s);
    for (const [p, s] of asks) this.book.set(1, p, s);
  }
}
