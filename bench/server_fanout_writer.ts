/// <reference lib="deno.worker" />
/**
 * Writer Worker of `server_fanout.ts`: plays a collector. Owns a core (shared memory), keeps
 * `books` order books, and on request publishes deltas at a fixed rate (random changes near the
 * top of random books), stamping each with a high-resolution receive time so clients can measure
 * ring-write → receipt latency. Answers snapshot requests like a collector.
 *
 * Messages in: `{ type: "init", books, depth }`, `{ type: "run", rate, seconds }`,
 * `{ type: "snapshot", symbols? }`. Out: `{ type: "ready", buffer, ringAddress, layout }`,
 * `{ type: "done", deltas, seqs }`.
 */
import { Core, formatMantissa } from "../src/core/mod.ts";

let core: Core;
let books: number[] = [];
let names: string[] = [];
let depth = 50;
let seed = 12345;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const now = () => performance.timeOrigin + performance.now();

function publishBatch(i: number): number {
  const mid = 6_000_000 + i * 100_000;
  core.begin(books[i]);
  const n = 1 + Math.floor(random() * 4);
  for (let k = 0; k < n; k++) {
    const side = random() < 0.5 ? 0 : 1;
    const offset = 1 + Math.floor(random() * depth * 2);
    const price = formatMantissa(side === 0 ? mid - offset : mid + offset, 2);
    const size = random() < 0.25 ? "0" : formatMantissa(1 + Math.floor(random() * 1e6), 4);
    core.add(side as 0 | 1, price, size);
  }
  return core.apply(0, now()) > 0 ? 1 : 0;
}

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data;
  if (msg.type === "init") {
    depth = msg.depth;
    names = msg.symbols;
    core = await Core.create({ ringCapacity: 1 << 16 });
    books = names.map((_, i) =>
      core.createBook({ exchange: 2, symbol: i, priceScale: 2, sizeScale: 4, depth })
    );
    for (let i = 0; i < books.length; i++) {
      const mid = 6_000_000 + i * 100_000;
      core.begin(books[i]);
      for (let k = 1; k <= depth * 2; k++) {
        core.add(0, formatMantissa(mid - k, 2), formatMantissa(1000 + k, 4));
        core.add(1, formatMantissa(mid + k, 2), formatMantissa(1000 + k, 4));
      }
      core.reset(0, now());
    }
    self.postMessage({
      type: "ready",
      buffer: core.memory.buffer,
      ringAddress: core.ringAddress,
      layout: core.layout,
    });
  } else if (msg.type === "snapshot") {
    const ids = msg.symbols === undefined
      ? books.map((_, i) => i)
      : (msg.symbols as string[]).map((s) => names.indexOf(s));
    for (const i of ids) if (i >= 0) core.snapshot(books[i], now());
  } else if (msg.type === "run") {
    const { rate, seconds } = msg as { rate: number; seconds: number };
    let deltas = 0;
    const t0 = performance.now();
    while (true) {
      const elapsed = performance.now() - t0;
      if (elapsed >= seconds * 1000) break;
      const due = Math.floor((rate * elapsed) / 1000);
      while (deltas < due) deltas += publishBatch(Math.floor(random() * books.length));
      await new Promise((r) => setTimeout(r, 2));
    }
    self.postMessage({ type: "done", deltas, seqs: books.map((b) => core.seq(b)) });
  }
};
