/**
 * Fan-out benchmark of the broadcast server: 1, 100 and 1000 WebSocket clients on loopback,
 * JSON and binary, each subscribed to every book. A collector Worker publishes deltas at a fixed
 * rate into its ring; the server (this thread) reads the ring and fans out; clients run in two
 * other Workers so they do not share the server's thread. Prints deltas delivered per second,
 * whether every delta arrived (no seq gap), and ring-write → client-receipt latency percentiles.
 *
 *   deno run -A bench/server_fanout.ts [--rate 500] [--seconds 3] [--clients 1,100,1000]
 *                                      [--formats json,binary] [--books 10] [--batch-ms auto|<ms>]
 */
import { parseConfig } from "../src/config.ts";
import type { CoreLayout } from "../src/core/mod.ts";
import type { ExchangeFeed, ExchangeHealth } from "../src/runtime/feed.ts";
import { createServer } from "../src/server/mod.ts";
import { quietHealth } from "../tests/support/quiet_health.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1] : fallback;
}
const RATE = Number(arg("rate", "500"));
const SECONDS = Number(arg("seconds", "3"));
const CLIENTS = arg("clients", "1,100,1000").split(",").map(Number);
const FORMATS = arg("formats", "json,binary").split(",") as Array<"json" | "binary">;
const BOOKS = Number(arg("books", "10"));
const DEPTH = 50;
const SYMBOLS = [
  "BTC",
  "ETH",
  "SOL",
  "XRP",
  "ADA",
  "DOGE",
  "DOT",
  "LTC",
  "LINK",
  "AVAX",
  "ATOM",
  "XLM",
]
  .slice(0, BOOKS).map((b) => `${b}/USD`);

const writer = new Worker(new URL("./server_fanout_writer.ts", import.meta.url), {
  type: "module",
});
const next = (w: Worker, type: string) =>
  new Promise<MessageEvent["data"]>((resolve) => {
    const on = (e: MessageEvent) => {
      if (e.data.type === type) {
        w.removeEventListener("message", on);
        resolve(e.data);
      }
    };
    w.addEventListener("message", on);
  });
const readyMsg = next(writer, "ready");
writer.postMessage({ type: "init", symbols: SYMBOLS, depth: DEPTH });
const ring = await readyMsg as {
  buffer: SharedArrayBuffer;
  ringAddress: number;
  layout: CoreLayout;
};

const feed: ExchangeFeed = {
  exchange: "kraken",
  exchangeCode: 2,
  symbols: SYMBOLS,
  buffer: ring.buffer,
  ringAddress: ring.ringAddress,
  layout: ring.layout,
  onTrade: () => () => {},
  health: (): ExchangeHealth => quietHealth("kraken"),
  requestSnapshots: (symbols) => writer.postMessage({ type: "snapshot", symbols }),
  stop: () => Promise.resolve(),
};

const config = parseConfig({ server: { port: 0, maxClients: 5000 } });
const BATCH = arg("batch-ms", "auto");
const BATCH_MS = BATCH === "auto" ? "auto" : Number(BATCH);
const server = await createServer({ config, feeds: [feed], tuning: { batchIntervalMs: BATCH_MS } });
const url = `ws://127.0.0.1:${server.port}/ws`;

function percentile(hist: Uint32Array, total: number, q: number): number {
  const want = Math.ceil(total * q);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i];
    if (seen >= want) return (i + 0.5) * 0.01;
  }
  return NaN;
}

console.log(
  `Fan-out: ${BOOKS} books (depth ${DEPTH}), collector Worker publishing ${RATE} deltas/s for ` +
    `${SECONDS} s; clients subscribe to every book; server batch interval ${BATCH_MS}${
      BATCH_MS === "auto" ? "" : " ms"
    }; ` +
    `${navigator.hardwareConcurrency} CPUs\n`,
);
console.log(
  "| clients | format | deltas written/s | deltas delivered/s | every delta delivered | p50 ms | p99 ms | max ms | frames/s | MB/s | server busy |",
);
console.log("| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const count of CLIENTS) {
  for (const format of FORMATS) {
    const nWorkers = count === 1 ? 1 : 2;
    const workers = Array.from(
      { length: nWorkers },
      () => new Worker(new URL("./server_fanout_clients.ts", import.meta.url), { type: "module" }),
    );
    const readies = workers.map((w) => next(w, "ready"));
    workers.forEach((w, k) =>
      w.postMessage({
        type: "start",
        url,
        count: Math.floor(count / nWorkers) + (k < count % nWorkers ? 1 : 0),
        format,
        exchange: "kraken",
        symbols: SYMBOLS,
        layout: ring.layout,
      })
    );
    await Promise.all(readies);
    const slowBefore = server.metrics.slowClientEvents;
    const ringCounters = server.metrics.rings.get("kraken")!;
    const busyBefore = ringCounters.busyMs;
    const done = next(writer, "done");
    const t0 = performance.now();
    writer.postMessage({ type: "run", rate: RATE, seconds: SECONDS });
    const { deltas, seqs } = await done;
    const elapsed = (performance.now() - t0) / 1000;
    const busy = (ringCounters.busyMs - busyBefore) / 10 / elapsed;
    const reports = await Promise.all(workers.map((w) => {
      const r = next(w, "report");
      w.postMessage({ type: "report", seqs });
      return r;
    }));
    const delivered = reports.reduce((a, r) => a + r.deltas, 0);
    const gaps = reports.reduce((a, r) => a + r.gaps, 0);
    const stale = reports.reduce((a, r) => a + r.stale, 0);
    const behind = reports.reduce((a, r) => a + r.behind, 0);
    const frames = reports.reduce((a, r) => a + r.frames, 0);
    const bytes = reports.reduce((a, r) => a + r.bytes, 0);
    const samples = reports.reduce((a, r) => a + r.samples, 0);
    const hist = new Uint32Array(reports[0].hist.length);
    for (const r of reports) for (let i = 0; i < hist.length; i++) hist[i] += r.hist[i];
    const maxLatency = Math.max(...reports.map((r) => r.maxLatency));
    const every = delivered === deltas * count && gaps === 0 && stale === 0 && behind === 0;
    const note = every
      ? "yes"
      : `no (${delivered}/${deltas * count}, gaps ${gaps}, stale ${stale}, behind ${behind}, slow ${
        server.metrics.slowClientEvents - slowBefore
      })`;
    console.log(
      `| ${count} | ${format} | ${Math.round(deltas / elapsed)} | ${
        Math.round(delivered / elapsed).toLocaleString("en-US")
      } | ${note} | ${percentile(hist, samples, 0.5).toFixed(2)} | ${
        percentile(hist, samples, 0.99).toFixed(2)
      } | ${maxLatency.toFixed(1)} | ${Math.round(frames / elapsed).toLocaleString("en-US")} | ${
        (bytes / elapsed / 1e6).toFixed(1)
      } | ${busy.toFixed(0)}% |`,
    );
    for (const w of workers) w.terminate();
    // Let the server see every close before the next scenario.
    const settle = performance.now();
    while (server.clients > 0 && performance.now() - settle < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
await server.close("benchmark done");
writer.terminate();
