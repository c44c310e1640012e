/**
 * `deno task bench:service`: the whole service's CPU per exchange message against its peers, in
 * one run (DESIGN §9). A Binance-style mock exchange on 127.0.0.1 (`bench/service_mock.ts`, in
 * this process) replays two streams, to one consumer process at a time:
 *
 * - **real**: the Binance spot BTCUSDT recording (`../shared/data/hftbacktest/spot/btcusdt_*.gz`,
 *   REST snapshot + 6,493 depth updates of ~46 levels) at 1,000 messages/s (skipped when absent);
 * - **synthetic**: 20-level depth updates (`makeBookStream`, the documented mix) at 20,000/s.
 *
 * Consumers: AlphaPulse exactly as `deno task start` runs it (`src/main.ts`, same V8 flags), in
 * `runtime.mode` `workers` and `single`, each with no client connected during the stream (the
 * bars' setup) and with one client watching the book throughout (reference rows); ccxt pro
 * `watchOrderBook` (`bench/service_ccxt.ts`); a bare Deno WebSocket receiver that only counts
 * frames (`bench/service_bare.ts`). For each, the process CPU of all its threads (each thread's
 * on-CPU time from `/proc/<pid>/task/<tid>/schedstat`, checked against utime + stime) from the
 * first frame until it has consumed the last, divided by the frames; every consumer's final
 * top-50 is checked equal to the source book (the bare receiver's frame count instead). Prints the
 * table and the ratios. Flags: `--seconds 5` (synthetic stream length), `--only real|synthetic`,
 * `--consumers single,bare` (only the consumers whose name has one of those words), `--threads`
 * (each consumer's CPU per thread over the sample, on stderr), `--cpu-prof <dir>` (the service
 * runs with `--cpu-prof` into that directory).
 *
 *   flock /tmp/bench.lock deno task bench:service
 *
 * @module
 */
import { SERVICE_V8_FLAGS } from "../src/service_permissions.ts";
import { parseArgs } from "node:util";
import { AlphaPulseClient } from "../src/client/mod.ts";
import { normalizeDecimal } from "../src/exchanges/decimal_text.ts";
import { binanceFiles, gzipLines, makeBookStream } from "./book_stream.ts";
import {
  cpuTimeMs as tickCpuMs,
  cpuTimePreciseMs as cpuTimeMs,
  machineInfo,
  memoryMiB,
} from "./e2e_proc.ts";
import { MockExchange, rawOf, type Replay } from "./service_mock.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DEPTH = 50;
const args = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "5" },
    only: { type: "string" },
    consumers: { type: "string" },
    threads: { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
  },
});

type Top = { bids: Array<[string, string]>; asks: Array<[string, string]> };

/** A stream to replay, with the source book's final top-50. */
interface Stream {
  name: string;
  replay: Replay;
  /** `u` of the last frame. */
  lastU: number;
  expected: Top;
}

/** Applies `[price, size]` texts to a reference side (normalised text keys, no float keys). */
function applyLevels(side: Map<string, string>, levels: string[][]): void {
  for (const [p, q] of levels) {
    const key = normalizeDecimal(p);
    const size = normalizeDecimal(q);
    if (size === "0") side.delete(key);
    else side.set(key, size);
  }
}

/** Best `DEPTH` levels of a reference side (sorting by value only to pick the top). */
function topOf(side: Map<string, string>, bid: boolean): Array<[string, string]> {
  const keys = [...side.keys()].sort((a, b) => bid ? Number(b) - Number(a) : Number(a) - Number(b));
  return keys.slice(0, DEPTH).map((k) => [k, side.get(k)!]);
}

function finish(name: string, rate: number, snapshot: string, combined: string[]): Stream {
  const snap = JSON.parse(snapshot);
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  applyLevels(bids, snap.bids);
  applyLevels(asks, snap.asks);
  let lastU = 0;
  for (const f of combined) {
    const d = JSON.parse(f).data;
    applyLevels(bids, d.b);
    applyLevels(asks, d.a);
    lastU = d.u;
  }
  return {
    name,
    replay: { combined, raw: combined.map(rawOf), snapshot, rate },
    lastU,
    expected: { bids: topOf(bids, true), asks: topOf(asks, false) },
  };
}

async function realStream(): Promise<Stream | undefined> {
  const files = binanceFiles();
  if (files.length === 0) return undefined;
  let snapshot: string | undefined;
  const frames: string[] = [];
  for (const f of files) {
    for (const line of await gzipLines(f)) {
      const json = line.slice(line.indexOf(" ") + 1);
      if (json.startsWith('{"lastUpdateId"')) snapshot ??= json;
      else if (json.includes('"depthUpdate"')) frames.push(json);
    }
  }
  if (snapshot === undefined) throw new Error("BTCUSDT recording has no REST snapshot");
  const last = JSON.parse(snapshot).lastUpdateId;
  const after = frames.filter((f) => JSON.parse(f).data.u > last);
  return finish("real BTCUSDT @1k/s", 1000, snapshot, after);
}

function syntheticStream(seconds: number): Stream {
  const rate = 20_000;
  const messages = rate * seconds;
  const s = makeBookStream({ updates: messages * 20, perMessage: 20 });
  const fmt = (m: number, scale: number) => {
    const t = String(m).padStart(scale + 1, "0");
    return `${t.slice(0, t.length - scale)}.${t.slice(t.length - scale)}`;
  };
  const price = (m: number) => fmt(m * 1e6, 8); // scale 2 → 8 decimals, like Binance
  const bids: string[][] = [];
  const asks: string[][] = [];
  for (let i = 0; i < s.initSide.length; i++) {
    (s.initSide[i] === 0 ? bids : asks).push([price(s.initPrice[i]), fmt(s.initSize[i], 8)]);
  }
  const lastUpdateId = 1000;
  const snapshot = JSON.stringify({ lastUpdateId, bids, asks });
  const frames: string[] = [];
  let u = lastUpdateId;
  for (let m = 0; m < messages; m++) {
    const b: string[][] = [];
    const a: string[][] = [];
    for (let k = m * 20; k < m * 20 + 20; k++) {
      (s.side[k] === 0 ? b : a).push([price(s.price[k]), fmt(s.size[k], 8)]);
    }
    frames.push(JSON.stringify({
      stream: "btcusdt@depth@100ms",
      data: { e: "depthUpdate", E: 1719835200000 + m, s: "BTCUSDT", U: u + 1, u: u + 3, b, a },
    }));
    u += 3;
  }
  return finish(`synthetic 20-level @20k/s`, rate, snapshot, frames);
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A consumer process: spawned, watched until done, its top-50 read, then killed. */
interface Consumer {
  name: string;
  /** Whether the mock waits for the REST snapshot before streaming. */
  waitSnapshot: boolean;
  start(mock: MockExchange, stream: Stream): Promise<Running>;
}

interface Running {
  pid: number;
  /** Resolves when the consumer has consumed every frame; gives what to check. */
  done(): Promise<Top | number>;
  stop(): Promise<void>;
  /** The final top-50, read after the CPU sample (for the service: a client costs it CPU). */
  top?: () => Promise<Top>;
}

/** Lines of a child's stdout, as a queue. */
function lineReader(child: Deno.ChildProcess): () => Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  return async () => {
    for (;;) {
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        return line;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error(`consumer exited; last output: ${buf.slice(-500)}`);
      buf += value;
    }
  };
}

function spawnDeno(args: string[], env?: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
}

async function kill(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* gone */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 3000);
  await child.status;
  clearTimeout(timer);
  await child.stdout.cancel().catch(() => {});
}

/**
 * The service as `deno task start` runs it. `watching`: one client (in this process) subscribes
 * to the book before the stream starts and rebuilds it from every delta (the service then
 * mirrors, encodes and sends each one); its own book, after the stream, is the one checked. The
 * bars are measured without it (nobody watches, as the issue measured); this is the reference of
 * what a watched book costs.
 */
function alphaPulse(mode: "workers" | "single", watching = false): Consumer {
  return {
    name: `AlphaPulse, deno task start (${mode})${watching ? ", 1 client watching" : ""}`,
    waitSnapshot: true,
    async start(mock, stream) {
      const port = freePort();
      const config = {
        server: { port },
        runtime: { mode },
        book: { depth: DEPTH },
        exchanges: {
          binanceus: { symbols: ["BTC/USDT"], wsUrl: mock.wsUrl, restUrl: mock.restUrl },
        },
      };
      // What `deno task start` runs (its V8 flags; -A instead of the launcher's permission list), with the
      // config in the environment.
      const profile = args.values["cpu-prof"];
      const child = spawnDeno(
        [
          "run",
          "-A",
          `--v8-flags=${SERVICE_V8_FLAGS}`,
          ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
          "src/main.ts",
        ],
        { ALPHAPULSE_CONFIG: JSON.stringify(config) },
      );
      const next = lineReader(child);
      while (!(await next()).includes("listening on")) { /* startup lines */ }
      void (async () => {
        try {
          for (;;) await next();
        } catch { /* exited */ }
      })();
      const base = `http://127.0.0.1:${port}`;
      // The first HTTP request makes the runtime load and compile its HTTP code (tens of ms of
      // CPU, once): make it before the sample, or done()'s first /metrics poll lands in it.
      for (const route of ["/metrics", "/health"]) await (await fetch(`${base}${route}`)).text();
      const watcher = watching
        ? await AlphaPulseClient.connect({ url: `ws://127.0.0.1:${port}/ws` })
        : undefined;
      watcher?.subscribeBooks("binanceus", ["BTC/USDT"]);
      return {
        pid: child.pid,
        async done() {
          const want = stream.replay.combined.length;
          for (;;) {
            const text = await (await fetch(`${base}/metrics`)).text();
            const m = /^alphapulse_exchange_messages_total\{[^}]*binanceus[^}]*\} (\d+)/m.exec(
              text,
            );
            if (m && Number(m[1]) >= want) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          return { bids: [], asks: [] }; // the book is read by top(), after the CPU sample
        },
        stop: () => {
          watcher?.close();
          return kill(child);
        },
        top: () => watcher ? watchedTop(watcher, base) : serviceTop(port),
      };
    },
  };
}

/** The service's top-50 as a subscribed client sees it (snapshot after the replay). */
async function serviceTop(port: number): Promise<Top> {
  const client = await AlphaPulseClient.connect({ url: `ws://127.0.0.1:${port}/ws` });
  try {
    client.subscribeBooks("binanceus", ["BTC/USDT"]);
    for (let i = 0; i < 500; i++) {
      const b = client.book("binanceus", "BTC/USDT");
      if (b && b.bids.length > 0) return { bids: b.bids, asks: b.asks };
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("the service sent no book");
  } finally {
    client.close();
  }
}

/**
 * The watching client's own book once its deltas stop arriving (200 ms without one), with its
 * verification counters in the check.
 */
async function watchedTop(client: AlphaPulseClient, base: string): Promise<Top> {
  let records = -1;
  while (client.stats.records !== records) {
    records = client.stats.records;
    await new Promise((r) => setTimeout(r, 200));
  }
  const b = client.book("binanceus", "BTC/USDT");
  const { deltas, checksumsVerified, checksumFailures, gaps } = client.stats;
  if (!b || deltas === 0 || checksumFailures > 0 || gaps > 0) {
    throw new Error(
      `the watching client: ${deltas} deltas, ${checksumFailures} checksum failures, ${gaps} gaps`,
    );
  }
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const frames = /^alphapulse_frames_sent_total (\d+)/m.exec(metrics)?.[1] ?? "?";
  console.error(
    `  watching client: ${deltas} deltas in ${frames} frames, ${checksumsVerified} checksums verified`,
  );
  return { bids: b.bids, asks: b.asks };
}

const ccxtPro: Consumer = {
  name: "ccxt pro watchOrderBook (Deno)",
  waitSnapshot: true,
  start(mock, stream) {
    const child = spawnDeno([
      "run",
      "-A",
      "bench/service_ccxt.ts",
      String(mock.port),
      String(stream.lastU),
    ]);
    const next = lineReader(child);
    return Promise.resolve({
      pid: child.pid,
      async done() {
        const got = JSON.parse(await next()) as { bids: number[][]; asks: number[][] };
        const text = (l: number[][]) =>
          l.map((
            [p, q],
          ) => [normalizeDecimal(p.toFixed(8)), normalizeDecimal(q.toFixed(8))]) as Array<
            [string, string]
          >;
        return { bids: text(got.bids), asks: text(got.asks) };
      },
      stop: () => kill(child),
    });
  },
};

function bareReceiver(own: boolean): Consumer {
  return {
    name: own ? "bare receiver, our WebSocket client" : "bare Deno WebSocket receiver",
    waitSnapshot: false,
    start(mock, stream) {
      const n = stream.replay.combined.length;
      const child = spawnDeno([
        "run",
        "-A",
        "bench/service_bare.ts",
        `${mock.wsUrl}/stream?streams=btcusdt@depth@100ms`,
        String(n),
        ...(own ? ["own"] : []),
      ]);
      const next = lineReader(child);
      return Promise.resolve({
        pid: child.pid,
        async done() {
          return (JSON.parse(await next()) as { done: number }).done;
        },
        stop: () => kill(child),
      });
    },
  };
}
const bare = bareReceiver(false);

/** Compares a consumer's top-50 with the source's (normalised decimal text). */
function sameTop(got: Top, want: Top): string | undefined {
  for (const side of ["bids", "asks"] as const) {
    const g = got[side].map(([p, q]) => `${normalizeDecimal(p)}:${normalizeDecimal(q)}`).join();
    const w = want[side].map(([p, q]) => `${p}:${q}`).join();
    if (g !== w) return `${side} differ`;
  }
  return undefined;
}

interface Row {
  stream: string;
  consumer: string;
  messages: number;
  cpuMs: number;
  usPerMsg: number;
  rssMiB: number;
  check: string;
}

/** CPU ms of each thread of `pid` by thread id, with its name (`/proc/<pid>/task`). */
function threadTimes(pid: number): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/task`)) {
      const tid = Number(e.name);
      const name = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/comm`).trim();
      out.set(tid, { name, ms: cpuTimeMs(pid, tid) });
    }
  } catch { /* exited */ }
  return out;
}

/** `--threads`: the CPU of each thread over the sample, busiest first, on one line. */
function threadLine(before: ReturnType<typeof threadTimes>, after: ReturnType<typeof threadTimes>) {
  const byName = new Map<string, number>();
  for (const [tid, a] of after) {
    const ms = a.ms - (before.get(tid)?.ms ?? 0);
    if (ms > 0) byName.set(a.name, (byName.get(a.name) ?? 0) + ms);
  }
  return [...byName].sort((x, y) => y[1] - x[1]).map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(
    ", ",
  );
}

async function measure(mock: MockExchange, stream: Stream, c: Consumer): Promise<Row> {
  const running = await c.start(mock, stream);
  let cpu0 = NaN;
  let ticks0 = NaN;
  let threads0 = new Map<number, { name: string; ms: number }>();
  await mock.run(stream.replay, {
    waitSnapshot: c.waitSnapshot,
    onStart: () => {
      cpu0 = cpuTimeMs(running.pid);
      ticks0 = tickCpuMs(running.pid);
      if (args.values.threads) threads0 = threadTimes(running.pid);
    },
  });
  const result = await running.done();
  const cpuMs = cpuTimeMs(running.pid) - cpu0;
  // utime + stime (10 ms ticks, exited threads included) must tell the same story.
  const tickMs = tickCpuMs(running.pid) - ticks0;
  if (Math.abs(tickMs - cpuMs) > 20 + cpuMs * 0.1) {
    console.error(`  ${c.name}: schedstat says ${cpuMs.toFixed(0)} ms, utime + stime ${tickMs} ms`);
  }
  if (args.values.threads) {
    console.error(`  threads of ${c.name}: ${threadLine(threads0, threadTimes(running.pid))}`);
  }
  const rssMiB = memoryMiB(running.pid).rss;
  let check: string;
  if (typeof result === "number") {
    check = result === stream.replay.combined.length
      ? `${result} frames counted`
      : `only ${result} frames`;
  } else {
    const top = running.top ? await running.top() : result;
    check = sameTop(top, stream.expected) ?? `top-${DEPTH} equal`;
  }
  mock.dropConsumer();
  await running.stop();
  const n = stream.replay.combined.length;
  return {
    stream: stream.name,
    consumer: c.name,
    messages: n,
    cpuMs,
    usPerMsg: cpuMs * 1000 / n,
    rssMiB,
    check,
  };
}

const t0 = performance.now();
const streams: Stream[] = [];
if (args.values.only !== "synthetic") {
  const real = await realStream();
  if (real) streams.push(real);
  else console.log("real BTCUSDT stream: skipped (../shared/data/hftbacktest absent)");
}
if (args.values.only !== "real") streams.push(syntheticStream(Number(args.values.seconds)));
const everyConsumer = [
  alphaPulse("workers"),
  alphaPulse("single"),
  alphaPulse("workers", true),
  alphaPulse("single", true),
  ccxtPro,
  bare,
  bareReceiver(true),
];
// `--consumers single,bare`: only those whose name contains one of the words.
const wanted = args.values.consumers?.split(",");
const consumers = wanted
  ? everyConsumer.filter((c) => wanted.some((w) => c.name.includes(w)))
  : everyConsumer;
const mock = new MockExchange();
const rows: Row[] = [];
for (const stream of streams) {
  for (const c of consumers) {
    const row = await measure(mock, stream, c);
    rows.push(row);
    console.error(
      `${row.stream} | ${row.consumer}: ${row.usPerMsg.toFixed(1)} µs/msg (${row.check})`,
    );
  }
}
await mock.close();

const m = machineInfo();
console.log(
  `\nbench:service — ${m.cpu}, ${m.cores} cores, ${m.os}, Deno ${m.deno}; load ${
    m.loadAverage.toFixed(2)
  } at start; ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
);
console.log(
  "| stream | consumer | messages | CPU ms | µs/msg | vs ccxt pro | vs bare | RSS MiB | check |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
for (const r of rows) {
  const peer = rows.find((x) => x.stream === r.stream && x.consumer === ccxtPro.name);
  const floor = rows.find((x) => x.stream === r.stream && x.consumer === bare.name);
  const ratio = (x?: Row) => x ? `${(r.usPerMsg / x.usPerMsg).toFixed(2)}x` : "—";
  console.log(
    `| ${r.stream} | ${r.consumer} | ${r.messages} | ${r.cpuMs.toFixed(0)} | ${
      r.usPerMsg.toFixed(1)
    } | ${ratio(peer)} | ${ratio(floor)} | ${r.rssMiB.toFixed(0)} | ${r.check} |`,
  );
}
console.log(
  "\nBars (DESIGN §9): AlphaPulse ≤ 0.33x ccxt pro and ≤ 2x the bare receiver, both modes, both streams," +
    ' with no client connected during the stream (the "1 client watching" rows are for reference).',
);
for (const r of rows.filter((x) => x.consumer.startsWith("AlphaPulse"))) {
  if (r.consumer.includes("watching")) continue; // reference rows, not the bars' setup
  const peer = rows.find((x) => x.stream === r.stream && x.consumer === ccxtPro.name);
  const floor = rows.find((x) => x.stream === r.stream && x.consumer === bare.name);
  if (!peer || !floor) continue;
  const a = r.usPerMsg / peer.usPerMsg;
  const b = r.usPerMsg / floor.usPerMsg;
  console.log(
    `${r.stream}, ${r.consumer}: ${(1 / a).toFixed(2)}x less CPU than ccxt pro (${
      a <= 1 / 3 ? "met" : "NOT met"
    }), ${b.toFixed(2)}x the bare receiver (${b <= 2 ? "met" : "NOT met"})`,
  );
}
