/**
 * Tracker and ring: apply one exchange-like message (10 updates near the top) and diff the top-50
 * into delta records; ring write per record; mirror apply per record.
 *
 *   deno bench -A bench/core_bench.ts
 *
 * Each bench runs 1,000 operations per iteration: divide time/iter by 1,000 for one operation.
 */
import { type BenchExports, BookMirror, Core, RingReader } from "../src/core/mod.ts";
import { makeBookStream } from "./book_stream.ts";

const stream = makeBookStream({ updates: 200_000 });
const n = stream.side.length;
const per = stream.perMessage;
const core = await Core.create({ ringCapacity: 1 << 14, variant: "bench" });
const hooks = core.exports as BenchExports;
const book = core.createBook({ exchange: 1, symbol: 1, priceScale: 2, sizeScale: 8, depth: 50 });
core.begin(book);
for (let i = 0; i < stream.initSide.length; i++) {
  core.addMantissa(stream.initSide[i] as 0 | 1, stream.initPrice[i], stream.initSize[i]);
}
core.reset();
let cursor = 0;
let records = 0;

function message(): void {
  if (cursor + per > n) {
    // Restart the stream from the initial book.
    core.begin(book);
    for (let i = 0; i < stream.initSide.length; i++) {
      core.addMantissa(stream.initSide[i] as 0 | 1, stream.initPrice[i], stream.initSize[i]);
    }
    core.reset();
    cursor = 0;
  }
  core.begin(book);
  for (let k = cursor; k < cursor + per; k++) {
    core.addMantissa(stream.side[k] as 0 | 1, stream.price[k], stream.size[k]);
  }
  cursor += per;
  records += core.apply(1, 2);
}

Deno.bench({
  name: "tracker: stage + apply + top-50 diff + records, x1000 messages",
  group: "tracker",
  fn: () => {
    for (let i = 0; i < 1000; i++) message();
  },
});

const ringBook = core.createBook({
  exchange: 1,
  symbol: 2,
  priceScale: 2,
  sizeScale: 8,
  depth: 50,
});
Deno.bench({
  name: "ring write, header-only record, x1000",
  group: "ring",
  baseline: true,
  fn: () => void hooks.bench_ring_write(ringBook, 1000, 0),
});
Deno.bench({
  name: "ring write, record with 4 changes, x1000",
  group: "ring",
  fn: () => void hooks.bench_ring_write(ringBook, 1000, 4),
});

// Reader side: copy out 1,000 records (same thread; cross-Worker throughput: bench/ring_readers.ts).
const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
Deno.bench({
  name: "ring read (copy + seqlock check), x1000",
  group: "ring",
  fn: (b) => {
    hooks.bench_ring_write(ringBook, 1000, 4);
    b.start();
    for (let i = 0; i < 1000; i++) reader.read();
    b.end();
  },
});

// Mirror: rebuilding a book from records (what the server and each browser client do).
const mirror = await BookMirror.create();
const tape: Uint8Array[] = [];
{
  const r = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  core.begin(book);
  for (let i = 0; i < stream.initSide.length; i++) {
    core.addMantissa(stream.initSide[i] as 0 | 1, stream.initPrice[i], stream.initSize[i]);
  }
  core.reset();
  cursor = 0;
  while (tape.length < 2000) {
    message();
    for (let b = r.read(); b instanceof Uint8Array; b = r.read()) tape.push(b);
  }
}
let tapeAt = 0;
Deno.bench({
  name: "mirror apply + checksum verify, x1000 records",
  group: "mirror",
  fn: () => {
    for (let i = 0; i < 1000; i++) {
      if (tapeAt === tape.length) tapeAt = 0;
      mirror.apply(tape[tapeAt++]);
    }
  },
});
