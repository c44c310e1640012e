/// <reference lib="deno.worker" />
/**
 * Test worker: holds only the SharedArrayBuffer (no WASM instance) and consumes the ring.
 * Modes: "ordered" checks every record arrives in order with the expected content; "torn" reads a
 * ring the writer laps continuously and checks no torn record ever surfaces.
 */
import { decodeRecord, LAPPED, RingReader } from "../../src/core/mod.ts";
import type { CoreLayout } from "../../src/core/mod.ts";
import { topChecksum } from "../support/reference_book.ts";

interface Job {
  mode: "ordered" | "torn";
  buffer: SharedArrayBuffer;
  ringAddress: number;
  layout: CoreLayout;
  count: number;
  progress: SharedArrayBuffer;
}

self.onmessage = async (event: MessageEvent<Job>) => {
  const job = event.data;
  const reader = new RingReader(job.buffer, job.ringAddress, job.layout, { from: "oldest" });
  const progress = new Int32Array(job.progress);
  let received = 0;
  let errors = 0;
  let firstError = "";
  let torn = 0;
  let lapped = 0;
  let expectedSeq = -1;
  let expectedRing = reader.cursor;
  const started = performance.now();
  while (Atomics.load(progress, 1) === 0 || reader.pending > 0) {
    const bytes = reader.read();
    if (bytes === null) {
      await reader.wait(50);
      continue;
    }
    if (bytes === LAPPED) {
      lapped++;
      expectedSeq = -1;
      expectedRing = reader.cursor;
      continue;
    }
    const rec = decodeRecord(bytes, job.layout);
    if (job.mode === "ordered") {
      if (rec.ringSeq !== expectedRing || (expectedSeq >= 0 && rec.seq !== expectedSeq)) {
        if (errors++ === 0) {
          firstError = `ring ${rec.ringSeq}/${expectedRing} seq ${rec.seq}/${expectedSeq}`;
        }
      }
      const want = BigInt(rec.seq * 3 + 1);
      if (rec.bids.length !== 1 || rec.bids[0][1] !== want) {
        if (errors++ === 0) firstError = `content at seq ${rec.seq}`;
      }
    } else {
      // A record is self-consistent: its checksum is the CRC of its own single bid level, and
      // that level's size encodes its seq.
      const ok = rec.bids.length === 1 && rec.bids[0][1] === BigInt(rec.seq * 3 + 1) &&
        topChecksum(rec.bids, []) === rec.checksum;
      if (!ok) torn++;
    }
    expectedRing = (rec.ringSeq + 1) >>> 0;
    expectedSeq = rec.seq + 1;
    received++;
    if ((received & 1023) === 0) Atomics.store(progress, 0, received);
  }
  Atomics.store(progress, 0, received);
  self.postMessage({ received, errors, firstError, torn, lapped, ms: performance.now() - started });
};
