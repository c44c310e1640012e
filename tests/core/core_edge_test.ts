/** Edge cases of the compiled core: empty books, one-sided books, depth beyond the book, large
 * scales and magnitudes, rejected input, crossed books, Kraken's checksum vectors. */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import {
  BookMirror,
  Core,
  CoreError,
  decodeRecord,
  parseMantissa,
  RingReader,
} from "../../src/core/mod.ts";
import type { RecordLevel } from "../../src/core/mod.ts";

async function setup(depth = 5, priceScale = 2, sizeScale = 8) {
  const core = await Core.create({ ringCapacity: 256 });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const mirror = await BookMirror.create();
  const book = core.createBook({ exchange: 1, symbol: 1, priceScale, sizeScale, depth });
  const drain = () => {
    const out = [];
    for (let b = reader.read(); b instanceof Uint8Array; b = reader.read()) {
      out.push({ rec: decodeRecord(b, core.layout), mirror: mirror.apply(b).status });
    }
    return out;
  };
  return { core, book, drain, mirror };
}

Deno.test("edge: an empty book snapshots to zero levels and verifies", async () => {
  const { core, book, drain, mirror } = await setup();
  core.begin(book);
  assertEquals(core.reset(), 1);
  const [r] = drain();
  assertEquals([r.rec.snapshot, r.rec.last, r.rec.bids.length, r.rec.asks.length], [
    true,
    true,
    0,
    0,
  ]);
  assertEquals(r.mirror, "ok");
  assertEquals(mirror.book(1, 1)!.bids, []);
});

Deno.test("edge: one side empty, then the other side appears and the first empties", async () => {
  const { core, book, drain, mirror } = await setup();
  core.begin(book).add(0, "10", "1").add(0, "9", "2");
  core.reset();
  core.begin(book).add(1, "11", "3").add(0, "10", "0").add(0, "9", "0");
  core.apply();
  const recs = drain();
  assertEquals(recs.map((r) => r.mirror), ["ok", "ok"]);
  assertEquals(recs[1].rec.bids, [[1000n, 0n], [900n, 0n]] as RecordLevel[]);
  assertEquals(mirror.book(1, 1)!.asks, [["11", "3"]]);
  assertEquals(mirror.book(1, 1)!.bids, []);
});

Deno.test("edge: depth larger than the book publishes what exists; deeper levels refill the top", async () => {
  const { core, book, drain, mirror } = await setup(3);
  core.begin(book).add(0, "10", "1").add(0, "9", "1").add(0, "8", "1").add(0, "7", "1");
  core.reset();
  core.begin(book).add(0, "10", "0"); // 7 moves up into the top 3
  core.apply();
  const recs = drain();
  assertEquals(recs[1].rec.bids, [[1000n, 0n], [700n, 100000000n]] as RecordLevel[]);
  assertEquals(mirror.book(1, 1)!.bids, [["9", "1"], ["8", "1"], ["7", "1"]]);
  // A change below the top 3 publishes nothing.
  core.begin(book).add(0, "1", "5");
  assertEquals(core.apply(), 0);
});

Deno.test("edge: prices with 10 decimals and sizes up to 1e12 stay exact", async () => {
  const { core, drain, mirror } = await setup();
  const b = core.createBook({ exchange: 1, symbol: 2, priceScale: 10, sizeScale: 6, depth: 5 });
  core.begin(b).add(0, "0.0000012345", "1000000000000").add(
    1,
    "0.0000012346",
    "999999999999.999999",
  );
  core.reset();
  drain();
  assertEquals(mirror.book(1, 2)!.bids, [["0.0000012345", "1000000000000"]]);
  assertEquals(mirror.book(1, 2)!.asks, [["0.0000012346", "999999999999.999999"]]);
  assertEquals(core.top(b, 1, 1), [[12346n, 999999999999999999n]] as RecordLevel[]);
});

Deno.test("edge: values beyond i64 or the scale are rejected clearly; nothing is applied", async () => {
  const { core, book } = await setup(5, 2, 8);
  core.begin(book).add(0, "10", "1");
  core.reset();
  assertThrows(() => core.begin(book).add(0, "10", "1000000000000"), RangeError, "does not fit");
  assertThrows(() => core.begin(book).add(0, "10.001", "1"), RangeError, "more than 2 decimals");
  assertThrows(() => core.begin(book).add(0, "-1", "1"), RangeError, "Invalid decimal");
  assertThrows(() => core.begin(book).add(0, "1e5", "1"), RangeError, "Invalid decimal");
  // Trailing zeros beyond the scale are exact and accepted.
  assertEquals(parseMantissa("10.0000", 2), 1000);
  const err = assertThrows(
    () => core.begin(book).add(0, "11", "1").addMantissa(1, 0, 1).apply(),
    CoreError,
    "BAD_PRICE",
  ) as CoreError;
  assertEquals(err.result, "BAD_PRICE");
  assertEquals(
    core.topText(book, 0, 5),
    [["10", "1"]],
    "a refused batch leaves the book untouched",
  );
  assertThrows(() => core.begin(book).addMantissa(0, 5, -1).apply(), CoreError, "BAD_SIZE");
  assertThrows(() => core.begin(book).addMantissa(2 as 0, 5, 1).apply(), CoreError, "BAD_SIDE");
});

Deno.test("edge: scale changes are rejected while the book holds levels", async () => {
  const { core, book } = await setup();
  core.begin(book).add(0, "10", "1");
  core.reset();
  assertThrows(() => core.setScales(book, 3, 8), RangeError, "holds levels");
  core.clear(book);
  core.setScales(book, 3, 8);
  assertEquals(core.scales(book), [3, 8]);
  assertThrows(
    () => core.createBook({ exchange: 1, symbol: 1, priceScale: 19, sizeScale: 1 }),
    RangeError,
  );
  assertThrows(
    () => core.createBook({ exchange: 1, symbol: 1, priceScale: 1, sizeScale: 1, depth: 0 }),
    RangeError,
  );
});

Deno.test("edge: a crossed book is marked STALE, publishes STALE, and recovers by reset", async () => {
  const { core, book, drain, mirror } = await setup();
  core.begin(book).add(0, "10", "1").add(1, "11", "1");
  core.reset();
  const err = assertThrows(
    () => core.begin(book).add(0, "12", "1").apply(),
    CoreError,
  ) as CoreError;
  assertEquals(err.result, "CROSSED");
  assert(core.isStale(book));
  core.begin(book).add(0, "10", "2").add(1, "11", "1");
  core.reset();
  assert(!core.isStale(book));
  const recs = drain();
  assertEquals(recs.map((r) => r.mirror), ["ok", "stale", "ok"]);
  assertEquals(mirror.book(1, 1)!.bids, [["10", "2"]]);
});

Deno.test("edge: deletes of absent levels are counted, not errors", async () => {
  const { core, book } = await setup();
  core.begin(book).add(0, "10", "1");
  core.reset();
  core.begin(book).add(0, "9", "0").add(1, "20", "0");
  assertEquals(core.apply(), 0);
  assertEquals(core.absentDeletes(book), 2);
});

Deno.test("edge: a mirror detects a seq gap and a checksum mismatch", async () => {
  const { core, book } = await setup();
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const mirror = await BookMirror.create();
  core.begin(book).add(0, "10", "1");
  core.reset();
  core.begin(book).add(0, "10", "2");
  core.apply();
  core.begin(book).add(0, "10", "3");
  core.apply();
  const snap = reader.read() as Uint8Array;
  reader.read(); // lost
  const third = reader.read() as Uint8Array;
  assertEquals(mirror.apply(snap).status, "ok");
  assertEquals(mirror.apply(third).status, "gap");
  assertEquals(mirror.apply(third).status, "waiting");
  const corrupt = snap.slice();
  corrupt[core.layout.recHeaderSize + 8] ^= 1; // flip a bit of the first size
  assertEquals(mirror.apply(corrupt).status, "checksum");
});

Deno.test("edge: Kraken checksum from the book matches the documented vectors", async () => {
  const core = await Core.create({ ringCapacity: 0 });
  const book = core.createBook({
    exchange: 2,
    symbol: 1,
    priceScale: 1,
    sizeScale: 8,
    depth: 10,
    maxLevels: 10,
  });
  const asks =
    "45285.2/0.00100000 45286.4/1.54571953 45286.6/1.54571109 45289.6/1.54560911 45290.2/0.15890660 45291.8/1.54553491 45294.7/0.04454749 45296.1/0.35380000 45297.5/0.09945542 45299.5/0.18772827";
  const bids =
    "45283.5/0.10000000 45283.4/1.54582015 45282.1/0.10000000 45281.0/0.10000000 45280.3/1.54592586 45279.0/0.07990000 45277.6/0.03310103 45277.5/0.30000000 45277.3/1.54602737 45276.6/0.15445238";
  core.begin(book);
  for (const l of asks.split(" ")) core.add(1, ...(l.split("/") as [string, string]));
  for (const l of bids.split(" ")) core.add(0, ...(l.split("/") as [string, string]));
  core.reset();
  assertEquals(core.krakenChecksum(book), 3310070434, "V2-DOC");
  core.begin(book).add(0, "45283.6", "0.50000000");
  core.apply();
  assertEquals(core.krakenChecksum(book), 1267292553, "vector D (truncation to depth 10)");
  core.begin(book).add(0, "45283.6", "0").add(0, "45276.2", "0.20000000");
  core.apply();
  assertEquals(core.krakenChecksum(book), 1001244817, "vector F");
});

Deno.test("edge: record checksums (CRC chains joined) equal the one-chain CRC of the top-N, any side lengths", async () => {
  const { topChecksum } = await import("../support/reference_book.ts");
  // Side lengths around the chain split (0, 1, odd, even) and beyond the combine table (1024
  // levels per half) at the deepest depth.
  const cases: Array<[number, number, number]> = [
    [5, 0, 0],
    [5, 1, 0],
    [5, 0, 1],
    [5, 3, 2],
    [50, 50, 49],
    [50, 7, 50],
    [5000, 2100, 4999],
  ];
  // Sizes below 2^32, above it, and mixed (the checksum skips the zero upper bytes of small ones).
  for (const big of [0, 2 ** 40, -1]) {
    for (const [depth, nb, na] of cases) {
      const core = await Core.create({ ringCapacity: 1 << 11 });
      const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
      const book = core.createBook({ exchange: 1, symbol: 1, priceScale: 0, sizeScale: 0, depth });
      core.begin(book);
      const size = (i: number, n: number) =>
        (big === -1 ? (i % 3 === 0 ? 2 ** 33 : 0) : big) + 1 + ((i * n) % 1000);
      for (let i = 0; i < nb; i++) core.addMantissa(0, 100_000 - 3 * i, size(i, 7919));
      for (let i = 0; i < na; i++) core.addMantissa(1, 100_001 + 2 * i, size(i, 104729));
      core.reset();
      // A delta that changes both sides' best levels (when they exist), so the chains run again.
      core.begin(book).addMantissa(0, 100_000 - 1, 5).addMantissa(1, 100_001 + 1, 6).apply();
      let last = 0;
      for (let b = reader.read(); b instanceof Uint8Array; b = reader.read()) {
        const rec = decodeRecord(b, core.layout);
        if (rec.last) last = rec.checksum;
      }
      const bids = core.top(book, 0, depth);
      const asks = core.top(book, 1, depth);
      assertEquals(last >>> 0, topChecksum(bids, asks) >>> 0, `depth ${depth}, ${nb}/${na} levels`);
      assertEquals(core.checksum(book, depth) >>> 0, last >>> 0);
    }
  }
});
