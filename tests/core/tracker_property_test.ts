/**
 * Property tests of the book + tracker + records through the compiled WASM core: over random
 * streams of batches, a mirror that applies only the emitted deltas equals the top-N of a plain
 * reference model after every batch, and every record's checksum matches that mirror.
 */
import fc from "fast-check";
import { assertEquals } from "./assert.ts";
import { BookMirror, Core, decodeRecord, LAPPED, RingReader } from "../../src/core/mod.ts";
import { DeltaMirror, type Lvl, mantissaBook, topChecksum } from "../support/reference_book.ts";

type Change = { side: 0 | 1; price: number; size: number };

/** Prices on a small grid around a mid so that batches collide, cross the top-N and delete. */
const change = (bidMax: number): fc.Arbitrary<Change> =>
  fc.record({
    side: fc.constantFrom<0 | 1>(0, 1),
    price: fc.integer({ min: 1, max: 120 }),
    size: fc.oneof(
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
    ),
  }).map((c) => ({ ...c, price: c.side === 0 ? c.price : c.price + bidMax }));

const batches = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.array(change(120), { minLength: 0, maxLength: 12, size: "max" }) },
    // huge batches: need continuation records
    { weight: 1, arbitrary: fc.array(change(120), { minLength: 50, maxLength: 400 }) },
  ),
  { minLength: 1, maxLength: 40, size: "medium" },
);

Deno.test("tracker: deltas rebuild the reference top-N exactly, checksums verify (fast-check)", async () => {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const mirror = await BookMirror.create();
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  let symbol = 0;
  let records = 0;
  let multiPart = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.array(change(120), { maxLength: 200 }),
      batches,
      (depth, initial, stream) => {
        symbol++;
        const book = core.createBook({ exchange: 3, symbol, priceScale: 2, sizeScale: 3, depth });
        let ref = mantissaBook();
        const js = new DeltaMirror();
        core.begin(book);
        for (const c of initial) {
          core.addMantissa(c.side, c.price, c.size);
          ref.set(c.side, BigInt(c.price), BigInt(c.size));
        }
        core.reset(1, 2);
        const drain = () => {
          for (;;) {
            const bytes = reader.read();
            if (bytes === null) return;
            if (bytes === LAPPED) throw new Error("reader lapped in property test");
            records++;
            const rec = decodeRecord(bytes, core.layout);
            if (rec.part > 0) multiPart++;
            assertEquals(rec.symbol, symbol);
            const m = mirror.apply(bytes);
            if (rec.last) assertEquals(m.status, "ok", `mirror status at seq ${rec.seq}`);
            js.apply(rec.bids, rec.asks, rec.snapshot && rec.part === 0);
            if (rec.last) {
              const bids = js.book.top(0, depth);
              const asks = js.book.top(1, depth);
              assertEquals(topChecksum(bids, asks), rec.checksum, "record checksum vs TS CRC");
            }
          }
        };
        drain();
        for (const batch of stream) {
          core.begin(book);
          const next = ref.clone();
          for (const c of batch) {
            core.addMantissa(c.side, c.price, c.size);
            next.set(c.side, BigInt(c.price), BigInt(c.size));
          }
          // Bid prices stay below ask prices by construction, so the book never crosses.
          core.apply();
          ref = next;
          drain();
          const want: [Lvl[], Lvl[]] = [ref.top(0, depth), ref.top(1, depth)];
          assertEquals([js.book.top(0, depth), js.book.top(1, depth)], want, "JS delta mirror");
          const wasm = mirror.book(3, symbol)!;
          const toText = (l: Lvl[]) => l.map(([p, s]) => [fmt(p, 2), fmt(s, 3)]);
          assertEquals([wasm.bids, wasm.asks], [toText(want[0]), toText(want[1])], "WASM mirror");
          assertEquals(core.topText(book, 0, depth), toText(want[0]), "core book bids");
        }
      },
    ),
    { numRuns: 200, seed: 42 },
  );
  console.log(`  ${records} records checked, ${multiPart} continuation parts`);
  if (multiPart === 0) throw new Error("property test never produced a continuation record");
});

function fmt(m: bigint, scale: number): string {
  const s = m.toString().padStart(scale + 1, "0");
  const int = s.slice(0, s.length - scale);
  const frac = s.slice(s.length - scale).replace(/0+$/, "");
  return frac ? `${int}.${frac}` : int;
}

Deno.test("tracker: quiet spans write no record; the snapshot that ends one re-bases the deltas (fast-check)", async () => {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const mirror = await BookMirror.create();
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  let symbol = 0;
  let quietBatches = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.array(change(120), { maxLength: 100 }),
      fc.array(fc.tuple(fc.boolean(), fc.array(change(120), { maxLength: 12 })), {
        minLength: 1,
        maxLength: 40,
      }),
      (depth, initial, stream) => {
        symbol++;
        const book = core.createBook({ exchange: 3, symbol, priceScale: 2, sizeScale: 3, depth });
        const ref = mantissaBook();
        core.begin(book);
        for (const c of initial) {
          core.addMantissa(c.side, c.price, c.size);
          ref.set(c.side, BigInt(c.price), BigInt(c.size));
        }
        core.reset(1, 2);
        let lastSeq = -1;
        /** Records read; each seq is above the last one seen. */
        const drain = () => {
          let n = 0;
          for (let bytes = reader.read(); bytes !== null; bytes = reader.read()) {
            if (bytes === LAPPED) throw new Error("reader lapped in property test");
            const rec = decodeRecord(bytes, core.layout);
            mirror.apply(bytes);
            if (rec.last) {
              if (rec.snapshot) assertEquals(rec.seq >= lastSeq, true, "snapshot seq");
              else assertEquals(rec.prevSeq, lastSeq, "delta chains on the last record");
              lastSeq = rec.seq;
            }
            n++;
          }
          return n;
        };
        drain();
        let quiet = false;
        for (const [beQuiet, batch] of stream) {
          if (beQuiet !== quiet) {
            core.setQuiet(book, beQuiet);
            if (!beQuiet) core.snapshot(book);
            quiet = beQuiet;
          }
          core.begin(book);
          for (const c of batch) {
            core.addMantissa(c.side, c.price, c.size);
            ref.set(c.side, BigInt(c.price), BigInt(c.size));
          }
          const before = core.seq(book);
          core.apply();
          const toText = (l: Lvl[]) => l.map(([p, s]) => [fmt(p, 2), fmt(s, 3)]);
          const want = [toText(ref.top(0, depth)), toText(ref.top(1, depth))];
          assertEquals([core.topText(book, 0, depth), core.topText(book, 1, depth)], want);
          if (quiet) {
            quietBatches++;
            assertEquals(drain(), 0, "no record while quiet");
            assertEquals(core.seq(book) - before <= 1, true, "seq advances at most once a batch");
            continue;
          }
          drain();
          const wasm = mirror.book(3, symbol)!;
          assertEquals([wasm.bids, wasm.asks], want, "mirror after the quiet ended");
        }
      },
    ),
    { numRuns: 200, seed: 7 },
  );
  if (quietBatches === 0) throw new Error("property test never ran a quiet batch");
});
