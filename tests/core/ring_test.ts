/**
 * The shared-memory ring through the compiled core: a Worker that only holds the
 * SharedArrayBuffer consumes 1M records written concurrently; a slow reader is lapped and learns
 * it; torn records never surface.
 */
import { assert, assertEquals } from "./assert.ts";
import { Core, decodeRecord, LAPPED, RingReader } from "../../src/core/mod.ts";

interface Report {
  received: number;
  errors: number;
  firstError: string;
  torn: number;
  lapped: number;
  ms: number;
}

async function withWorker(
  core: Core,
  mode: "ordered" | "torn",
  write: (progress: Int32Array) => Promise<void>,
): Promise<Report> {
  const worker = new Worker(new URL("./ring_worker.ts", import.meta.url), { type: "module" });
  const progressBuffer = new SharedArrayBuffer(8);
  const progress = new Int32Array(progressBuffer);
  const done = new Promise<Report>((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
  worker.postMessage({
    mode,
    buffer: core.memory.buffer,
    ringAddress: core.ringAddress,
    layout: core.layout,
    progress: progressBuffer,
  });
  await new Promise((r) => setTimeout(r, 50));
  try {
    await write(progress);
    Atomics.store(progress, 1, 1);
    return await done;
  } finally {
    worker.terminate();
  }
}

/** One book of depth 1 whose every apply changes the top bid: one record per apply. */
function writerBook(core: Core): { book: number; step: () => void } {
  const book = core.createBook({ exchange: 2, symbol: 9, priceScale: 0, sizeScale: 0, depth: 1 });
  core.begin(book).addMantissa(0, 100, 4); // seq 1 carries size 1 × 3 + 1
  core.reset();
  return {
    book,
    step: () => {
      const next = core.seq(book) + 1;
      core.begin(book).addMantissa(0, 100, next * 3 + 1);
      core.apply();
    },
  };
}

Deno.test("ring: a Worker reads 1M records written concurrently, in order, none missing", async () => {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const { step } = writerBook(core);
  const total = 1_000_000;
  const capacity = 1 << 16;
  const report = await withWorker(core, "ordered", async (progress) => {
    let written = 0;
    while (written < total) {
      // The ring never waits for readers; this test paces its writer so nothing is lapped.
      while (written - Atomics.load(progress, 0) > capacity / 2) {
        await new Promise((r) => setTimeout(r, 0));
      }
      const chunk = Math.min(4096, total - written);
      for (let i = 0; i < chunk; i++) step();
      written += chunk;
    }
  });
  console.log(
    `  read ${report.received} records in ${report.ms.toFixed(0)} ms, lapped ${report.lapped}`,
  );
  assertEquals(report.errors, 0, report.firstError);
  assertEquals(report.lapped, 0);
  assertEquals(report.received, total + 1); // + the first snapshot
});

Deno.test("ring: a slow reader is lapped, learns it, and continues with whole records", async () => {
  const core = await Core.create({ ringCapacity: 16 });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const { step } = writerBook(core);
  assert(reader.read() instanceof Uint8Array);
  for (let i = 0; i < 100; i++) step();
  assertEquals(reader.read(), LAPPED);
  assertEquals(reader.lappedCount, 1);
  assertEquals(reader.read(), null); // cursor jumped to the newest
  step();
  const bytes = reader.read();
  assert(bytes instanceof Uint8Array);
  const rec = decodeRecord(bytes, core.layout);
  assertEquals(rec.seq, core.seq(0));
});

Deno.test("ring: a Worker racing a writer that laps it never sees a torn record", async () => {
  const core = await Core.create({ ringCapacity: 8 });
  const { step } = writerBook(core);
  const report = await withWorker(core, "torn", async () => {
    const until = performance.now() + 1500;
    while (performance.now() < until) {
      for (let i = 0; i < 20_000; i++) step();
      await new Promise((r) => setTimeout(r, 0));
    }
  });
  console.log(
    `  read ${report.received} records, lapped ${report.lapped} times, torn ${report.torn}`,
  );
  assertEquals(report.torn, 0);
  assert(report.received > 1000, "reader read too little to be meaningful");
  assert(report.lapped > 0, "a small ring raced by a fast writer must lap the reader");
});

Deno.test("ring: wait() resolves when the writer publishes", async () => {
  const core = await Core.create({ ringCapacity: 16 });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const { step } = writerBook(core);
  reader.read();
  const t0 = performance.now();
  const waiting = reader.wait(5000);
  setTimeout(step, 20);
  await waiting;
  assert(performance.now() - t0 < 4000, "wait() did not wake on notify");
  assert(reader.read() instanceof Uint8Array);
});
