/// <reference lib="deno.worker" />
/** Bench worker: reads the ring as fast as it can until told to stop; reports its count. */
import { RingReader } from "../src/core/mod.ts";
import type { CoreLayout } from "../src/core/mod.ts";

self.onmessage = async (
  e: MessageEvent<
    { buffer: SharedArrayBuffer; ring: number; layout: CoreLayout; stop: SharedArrayBuffer }
  >,
) => {
  const { buffer, ring, layout } = e.data;
  const stop = new Int32Array(e.data.stop);
  const reader = new RingReader(buffer, ring, layout);
  const scratch = new Uint8Array(layout.recordSize);
  let count = 0;
  let wakeups = 0;
  self.postMessage({ ready: true });
  const t0 = performance.now();
  while (Atomics.load(stop, 0) === 0 || reader.pending > 0) {
    const n = reader.readInto(scratch);
    if (n > 0) count++;
    else if (n === 0) {
      wakeups++;
      await reader.wait(20);
    }
  }
  self.postMessage({ count, lapped: reader.lappedCount, wakeups, ms: performance.now() - t0 });
};
