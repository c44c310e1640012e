/**
 * `src/core/record_encode.ts`: records encoded from a mirror are byte-identical to the core's own
 * SNAPSHOT / STALE records (apart from the ring stamp), and split back apart exactly.
 */
import {
  BookMirror,
  Core,
  decodeRecord,
  encodeSnapshotRecords,
  encodeStaleRecord,
  RingReader,
  splitRecords,
} from "../../src/core/mod.ts";
import { concat } from "../../src/server/client_session.ts";
import { assert, assertEquals, assertThrows } from "../core/assert.ts";
import { RandomMarket } from "./local_feed.ts";
import { LocalFeed } from "./local_feed.ts";

function drain(reader: RingReader): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let r = reader.read(); r !== null; r = reader.read()) {
    if (!(r instanceof Uint8Array)) throw new Error("lapped");
    out.push(r);
  }
  return out;
}

function withoutStamp(bytes: Uint8Array, layout: Core["layout"], extra: number[] = []): Uint8Array {
  const copy = bytes.slice();
  for (const rec of splitRecords(layout, copy)) {
    new DataView(rec.buffer, rec.byteOffset).setUint32(layout.recRingSeq, 0, true);
    for (const at of extra) new DataView(rec.buffer, rec.byteOffset).setUint32(at, 0, true);
  }
  return copy;
}

Deno.test("snapshot records encoded from a mirror equal the core's SNAPSHOT records", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"], depth: 20, sizeScale: 8 });
  const layout = feed.layout;
  const reader = new RingReader(feed.buffer, feed.ringAddress, layout);
  const market = new RandomMarket(feed, 21);
  market.reset(0, 30); // 40 levels in the top-20 view: 4 records
  market.run(50, 8);
  const mirror = await BookMirror.create();
  for (const rec of drain(reader)) mirror.apply(rec);
  assert(mirror.isSynced(feed.exchangeCode, 0), "mirror synced");
  const coreRecords = (feed.core.snapshot(feed.books[0], 1719835200123.456), drain(reader));
  assertEquals(coreRecords.length, 4);
  const book = mirror.book(feed.exchangeCode, 0)!;
  const ours = encodeSnapshotRecords(layout, {
    ...book,
    receiveTs: decodeRecord(coreRecords[0], layout).receiveTs,
  });
  assertEquals(
    [...withoutStamp(ours, layout)],
    [...withoutStamp(concat(coreRecords), layout)],
  );
  // And another mirror rebuilds the same book from them.
  const other = await BookMirror.create();
  const statuses = splitRecords(layout, ours).map((r) => other.apply(r).status);
  assertEquals(statuses, ["partial", "partial", "partial", "ok"]);
  assertEquals(other.book(feed.exchangeCode, 0), book);
});

Deno.test("an empty book encodes as one SNAPSHOT record; STALE markers match the core's", async () => {
  const feed = await LocalFeed.create({ symbols: ["BTC/USD"], depth: 5 });
  const layout = feed.layout;
  const empty = encodeSnapshotRecords(layout, {
    exchange: 2,
    symbol: 0,
    seq: 0,
    priceScale: 2,
    sizeScale: 4,
    depth: 5,
    bids: [],
    asks: [],
  });
  assertEquals(empty.byteLength, layout.recHeaderSize);
  const rec = decodeRecord(empty, layout);
  assert(rec.snapshot && rec.last && !rec.stale, "flags");
  const reader = new RingReader(feed.buffer, feed.ringAddress, layout);
  new RandomMarket(feed, 3).reset(0, 3);
  drain(reader);
  feed.markStale(0);
  const [coreStale] = drain(reader);
  const r = decodeRecord(coreStale, layout);
  const ours = encodeStaleRecord(layout, {
    exchange: r.exchange,
    symbol: r.symbol,
    seq: r.seq,
    priceScale: r.priceScale,
    sizeScale: r.sizeScale,
    depth: r.depth,
    receiveTs: r.receiveTs,
  });
  assertEquals(
    [...withoutStamp(ours, layout, [layout.recChecksum])],
    [...withoutStamp(coreStale, layout, [layout.recChecksum])],
  );
});

Deno.test("splitRecords refuses a cut-short frame", async () => {
  const layout = (await Core.create({ ringCapacity: 0, variant: "plain" })).layout;
  const bytes = encodeSnapshotRecords(layout, {
    exchange: 1,
    symbol: 0,
    seq: 9,
    priceScale: 0,
    sizeScale: 0,
    depth: 50,
    bids: Array.from({ length: 20 }, (_, i) => [BigInt(1000 - i), 1n] as [bigint, bigint]),
    asks: [[2000n, 3n]],
  });
  assertEquals(splitRecords(layout, bytes).length, 2);
  assertThrows(() => splitRecords(layout, bytes.subarray(0, bytes.byteLength - 1)), RangeError);
  assertThrows(() => splitRecords(layout, bytes.subarray(0, 10)), RangeError);
});
