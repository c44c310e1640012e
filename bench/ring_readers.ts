/**
 * Reader throughput across Workers: one writer (this thread) publishes records as fast as it can
 * for a fixed time while 1, 2 and 4 reader Workers (holding only the SharedArrayBuffer) consume
 * the ring. Prints records/s written and read per reader, and how often readers were lapped.
 *
 *   deno run -A bench/ring_readers.ts
 */
import { type BenchExports, Core } from "../src/core/mod.ts";

const SECONDS = 1.5;
console.log("| readers | written/s | read/s per reader (min) | lapped (total) |");
console.log("| ---: | ---: | ---: | ---: |");
for (const readers of [1, 2, 4]) {
  const core = await Core.create({ ringCapacity: 1 << 16, variant: "bench" });
  const hooks = core.exports as BenchExports;
  const book = core.createBook({ exchange: 1, symbol: 1, priceScale: 0, sizeScale: 0, depth: 1 });
  const stop = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: readers },
    () => new Worker(new URL("./ring_reader_worker.ts", import.meta.url), { type: "module" }),
  );
  const reports = workers.map((w) =>
    new Promise<{ count: number; lapped: number; ms: number }>((resolve) => {
      w.onmessage = (e) => {
        if (!e.data.ready) resolve(e.data);
      };
    })
  );
  const ready = workers.map((w) =>
    new Promise((r) => w.addEventListener("message", r, { once: true }))
  );
  for (const w of workers) {
    w.postMessage({
      buffer: core.memory.buffer,
      ring: core.ringAddress,
      layout: core.layout,
      stop,
    });
  }
  await Promise.all(ready);
  let written = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    // 64 records per call, 4 changes each; yield so timers and workers' notifications run.
    written += hooks.bench_ring_write(book, 64, 4);
    Atomics.notify(
      new Int32Array(core.memory.buffer),
      (core.ringAddress + core.layout.ringWriteSeq) >> 2,
    );
    if ((written & 8191) === 0) await new Promise((r) => setTimeout(r, 0));
  }
  const elapsed = (performance.now() - t0) / 1000;
  Atomics.store(new Int32Array(stop), 0, 1);
  const done = await Promise.all(reports);
  for (const w of workers) w.terminate();
  const minRate = Math.min(...done.map((d) => d.count / (d.ms / 1000)));
  const lapped = done.reduce((a, d) => a + d.lapped, 0);
  console.log(
    `| ${readers} | ${(written / elapsed / 1e6).toFixed(2)}M | ${
      (minRate / 1e6).toFixed(2)
    }M | ${lapped} |`,
  );
}
