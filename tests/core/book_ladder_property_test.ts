/**
 * Property test of the book engine's ladder (assembly/side.ts: a price-indexed window over a sorted
 * tail) through the compiled WASM core, against the plain reference model: over random streams
 * whose prices jump by more than the window (recentring up and down), change grid (the tick, a gcd,
 * shrinks: 1000 → 100 → 7 → 1 …), reach far below the top (the tail) and to the ends of i64, delete
 * absent levels, empty whole sides and cross the book. After every batch the whole book (every
 * level, both sides), its length, absent-delete count and checksums equal the model's, and the
 * delta records rebuild the model's top-N (checksums verified by the WASM mirror).
 */
import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import {
  BookMirror,
  Core,
  CoreError,
  decodeRecord,
  LAPPED,
  RingReader,
} from "../../src/core/mod.ts";
import {
  DeltaMirror,
  type Lvl,
  mantissaBook,
  type ReferenceBook,
  topChecksum,
} from "../support/reference_book.ts";

const I64_MAX = (1n << 63n) - 1n;
/** Grid steps (mantissas): moving between them shrinks the gcd of the book's prices. */
const STEPS = [1000n, 100n, 10n, 7n, 5n, 3n, 1n] as const;

/** Where an operation puts its price. */
type Region = "near" | "deep" | "far" | "held" | "edge";
type Op = { side: 0 | 1; region: Region; k: number; del: boolean; size: number };
type Batch = {
  /** Move of the mid price, in grid steps (big moves leave the window). */
  move: number;
  step: number;
  /** Delete every level of one side first (an empty side). */
  wipe: -1 | 0 | 1;
  /** Let the move cross the book (otherwise levels the new mid passes are deleted first). */
  cross: boolean;
  ops: Op[];
};

const op: fc.Arbitrary<Op> = fc.record({
  side: fc.constantFrom<0 | 1>(0, 1),
  region: fc.oneof(
    { weight: 6, arbitrary: fc.constant<Region>("near") },
    { weight: 2, arbitrary: fc.constant<Region>("deep") },
    { weight: 1, arbitrary: fc.constant<Region>("far") },
    { weight: 4, arbitrary: fc.constant<Region>("held") },
    { weight: 1, arbitrary: fc.constant<Region>("edge") },
  ),
  k: fc.nat({ max: 1_000_000 }),
  del: fc.oneof(
    { weight: 2, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  size: fc.integer({ min: 1, max: 1_000_000 }),
});

const batch: fc.Arbitrary<Batch> = fc.record({
  move: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -40, max: 40 }) },
    { weight: 2, arbitrary: fc.integer({ min: -60_000, max: 60_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: -3_000_000, max: 3_000_000 }) },
  ),
  step: fc.nat({ max: STEPS.length - 1 }),
  wipe: fc.constantFrom<-1 | 0 | 1>(-1, -1, -1, -1, -1, -1, -1, -1, 0, 1),
  cross: fc.oneof(
    { weight: 9, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  ops: fc.array(op, { maxLength: 80, size: "max" }),
});

/** The price an operation means, given the mid and grid of its batch and the model's levels. */
function priceOf(o: Op, mid: bigint, step: bigint, ref: ReferenceBook): bigint | undefined {
  const away = (ticks: bigint) => (o.side === 0 ? mid - ticks * step : mid + ticks * step);
  switch (o.region) {
    case "near":
      return away(1n + BigInt(o.k % 60));
    case "deep":
      return away(100n + BigInt(o.k % 40_000));
    case "far":
      return away(50_000n + BigInt(o.k) * 97n);
    case "held": {
      const held = ref.top(o.side);
      if (held.length === 0) return undefined;
      // Mostly the top few levels (deleting them drops the best), sometimes any level.
      const i = o.k % 4 === 0 ? o.k % held.length : (o.k >> 2) % Math.min(held.length, 8);
      return held[i][0];
    }
    case "edge":
      // The ends of the price range: i64's largest prices (asks) and the smallest (bids).
      return o.side === 1 ? I64_MAX - BigInt(o.k % 60_000) * step : 1n + BigInt(o.k % 60_000);
  }
}

/** A crossed model made valid again: the bids at or above the best ask removed. */
function uncrossed(ref: ReferenceBook): ReferenceBook {
  const next = mantissaBook(ref.depth);
  const ask = ref.best(1)?.[0];
  for (const [p, s] of ref.top(0)) if (ask === undefined || p < ask) next.set(0, p, s);
  for (const [p, s] of ref.top(1)) next.set(1, p, s);
  next.unknownDeletes = ref.unknownDeletes;
  return next;
}

Deno.test("book ladder: random streams (recentring, tick changes, far levels, absent deletes, empty sides, crossing) match the reference model (fast-check)", async () => {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const mirror = await BookMirror.create();
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const seen = { batches: 0, crossed: 0, emptySides: 0, absent: 0, maxLen: 0, records: 0 };
  let symbol = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 })),
      fc.bigInt({ min: 1n << 40n, max: 1n << 50n }),
      // A deep initial book (up to 3,000 levels per side, 1–30 ticks apart): tail moves of any size.
      fc.record({ levels: fc.nat({ max: 3000 }), gap: fc.integer({ min: 1, max: 30 }) }),
      fc.array(batch, { minLength: 1, maxLength: 40, size: "max" }),
      (depth, maxLevels, startMid, initial, batches) => {
        symbol++;
        const book = core.createBook({
          exchange: 5,
          symbol,
          priceScale: 2,
          sizeScale: 0,
          depth,
          maxLevels,
        });
        const model = () => mantissaBook(maxLevels === 0 ? Infinity : maxLevels);
        let ref = model();
        let absentBefore = 0;
        let mid = startMid;
        const js = new DeltaMirror();
        let stale = false;
        const drain = () => {
          for (;;) {
            const bytes = reader.read();
            if (bytes === null) return;
            if (bytes === LAPPED) throw new Error("reader lapped in property test");
            seen.records++;
            const rec = decodeRecord(bytes, core.layout);
            const m = mirror.apply(bytes);
            if (rec.stale) {
              js.book.clear();
              continue;
            }
            if (rec.last) assertEquals(m.status, "ok", `mirror status at seq ${rec.seq}`);
            js.apply(rec.bids, rec.asks, rec.snapshot && rec.part === 0);
          }
        };
        const check = (what: string) => {
          for (const side of [0, 1] as const) {
            const n = ref.size(side);
            assertEquals(core.length(book, side), n, `${what}: length of side ${side}`);
            assertEquals(
              core.top(book, side, n + 3),
              ref.top(side),
              `${what}: levels of side ${side}`,
            );
            if (n === 0) seen.emptySides++;
            seen.maxLen = Math.max(seen.maxLen, n);
          }
          assertEquals(
            core.absentDeletes(book),
            absentBefore + ref.unknownDeletes,
            `${what}: absent`,
          );
          for (const d of [depth, 1, 200]) {
            const want = topChecksum(ref.top(0, d) as Lvl[], ref.top(1, d) as Lvl[]);
            assertEquals(core.checksum(book, d), want, `${what}: checksum top-${d}`);
          }
          assertEquals(core.isStale(book), stale, `${what}: stale`);
          if (!stale) {
            assertEquals(js.book.top(0, depth), ref.top(0, depth), `${what}: delta mirror bids`);
            assertEquals(js.book.top(1, depth), ref.top(1, depth), `${what}: delta mirror asks`);
          }
        };
        /** Loads the model as a fresh snapshot (book reset). */
        const reset = (what: string) => {
          absentBefore += ref.unknownDeletes;
          const fresh = model();
          core.begin(book);
          for (const side of [0, 1] as const) {
            for (const [p, s] of ref.top(side)) {
              core.addMantissa(side, p, s);
              fresh.set(side, p, s);
            }
          }
          fresh.truncate();
          core.reset();
          ref = fresh;
          stale = false;
          drain();
          check(what);
        };
        for (let i = 1; i <= initial.levels; i++) {
          const away = BigInt(i * initial.gap);
          ref.set(0, startMid - away, BigInt(i));
          ref.set(1, startMid + away, BigInt(i));
        }
        reset("initial snapshot");
        for (const [b, { move, step: stepIndex, wipe, cross, ops }] of batches.entries()) {
          seen.batches++;
          const step = STEPS[stepIndex];
          mid += BigInt(move) * step;
          if (mid < 1n << 30n) mid = 1n << 30n;
          core.begin(book);
          const changes: [0 | 1, bigint, bigint][] = [];
          if (wipe !== -1) { for (const [p] of ref.top(wipe)) changes.push([wipe, p, 0n]); }
          if (!cross) {
            // The move swept the levels it passed: bids at or above the mid, asks at or below.
            for (const [p] of ref.top(0)) if (p >= mid) changes.push([0, p, 0n]);
            for (const [p] of ref.top(1)) if (p <= mid) changes.push([1, p, 0n]);
          }
          for (const o of ops) {
            const p = priceOf(o, mid, step, ref);
            if (p === undefined || p <= 0n || p > I64_MAX) continue;
            // A level the move swept stays swept (unless this batch crosses on purpose).
            if (!cross && (o.side === 0 ? p >= mid : p <= mid)) continue;
            changes.push([o.side, p, o.del ? 0n : BigInt(o.size)]);
          }
          for (const [side, p, s] of changes) {
            core.addMantissa(side, p, s);
            ref.set(side, p, s);
          }
          ref.truncate();
          let crossed = false;
          try {
            core.apply();
          } catch (e) {
            if (!(e instanceof CoreError) || e.result !== "CROSSED") throw e;
            crossed = true;
          }
          assertEquals(crossed, ref.crossed(), `batch ${b}: crossed`);
          stale = crossed;
          drain();
          check(`batch ${b}`);
          if (stale) {
            seen.crossed++;
            ref = uncrossed(ref);
            reset(`batch ${b}: reset after crossing`);
          }
        }
        seen.absent += absentBefore + ref.unknownDeletes;
      },
    ),
    { numRuns: 120, seed: 1010 },
  );
  console.log(`  ${JSON.stringify(seen)}`);
  assert(seen.crossed > 0 && seen.emptySides > 0 && seen.absent > 0, "stream lacked a case");
});

Deno.test("book ladder: near i64's largest prices the window stops at the end of the range", async () => {
  const core = await Core.create({ ringCapacity: 0 });
  const book = core.createBook({ exchange: 5, symbol: 1, priceScale: 0, sizeScale: 0, depth: 5 });
  const ref = mantissaBook();
  const apply = (changes: [bigint, bigint][]) => {
    core.begin(book);
    for (const [p, s] of changes) {
      core.addMantissa(1, p, s);
      ref.set(1, p, s);
    }
    core.applyLevels();
    assertEquals(core.top(book, 1, 100), ref.top(1), "asks");
    assertEquals(core.checksum(book, 5), topChecksum([], ref.top(1, 5) as Lvl[]), "checksum");
  };
  // 72 asks at i64's largest prices (tick 1; enough levels for the window), then a best ask 20,000
  // below them and one just above the window's bottom: deleting the best moves the window down
  // until it meets the end of the range.
  const ends: [bigint, bigint][] = [];
  for (let x = 0n; x < 72n; x++) ends.push([I64_MAX - x, x + 1n]);
  apply(ends);
  apply([[I64_MAX - 20_000n, 3n], [I64_MAX - 7_843n, 4n]]);
  apply([[I64_MAX - 20_000n, 0n]]);
  apply([[I64_MAX - 2n, 5n], [I64_MAX - 7_843n, 0n]]);
  apply([[I64_MAX - 2n, 0n], [I64_MAX - 1n, 0n]]);
  assertEquals(core.length(book, 1), 70);
});
