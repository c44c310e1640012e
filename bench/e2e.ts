/**
 * `deno task bench:e2e`: the whole pipeline under rising load. The exchange simulator (one Worker
 * per venue, in this process) feeds the service (a separate process, started exactly as `deno task
 * start` does), and N WebSocket clients in this process subscribe to every book. For each target
 * rate the run warms up for a second, then measures for a few seconds:
 *
 * - messages/s the simulator sent and the service ingested (`alphapulse_exchange_messages_total`),
 * - deltas/s each client received,
 * - p50 / p99 exchange-frame-to-client latency: client receive time minus the exchange timestamp
 *   the simulator wrote into the frame (same machine, same clock; Binance.US event times have
 *   whole milliseconds, which adds up to 1 ms to its samples), and the service's own part
 *   (collector receive to client),
 * - clients that were told they are stale (slow-consumer handling) or were dropped,
 * - the service's CPU (percent of one core) and resident memory.
 *
 * It prints a table and the JSON, and writes the table with the machine it ran on to
 * `docs/bench_e2e.md` (and the JSON to `--json <path>` when given).
 *
 * Flags: `--rates 1000,10000,30000,60000,100000` (simulator steps/s), `--clients 10`,
 * `--format mixed|binary|json` (mixed: half and half), `--seconds 4` (measured per stage),
 * `--out docs/bench_e2e.md` (`--no-write` to skip), `--json <path>`, `--render <json>` (write the
 * Markdown of a saved `--json` run again, without running).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BookMirror } from "../src/core/book_mirror.ts";
import type { SimulatorStats } from "../src/simulator/simulator.ts";
import { ThreadedSimulator } from "../src/simulator/threaded_simulator.ts";
import { E2eClient } from "./e2e_client.ts";
import { LatencyHistogram } from "./e2e_histogram.ts";
import { cpuTimeMs, type MachineInfo, machineInfo, memoryMiB } from "./e2e_proc.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const WARMUP_MS = 1000;

/** One measured stage. */
export interface StageResult {
  /** Simulator rate asked for, steps/s over every book. */
  targetRate: number;
  /** Frames the simulator sent, per second. */
  offeredPerSec: number;
  /** Exchange messages the service ingested, per second. */
  ingestedPerSec: number;
  /** Deltas per second per client (mean over clients). */
  deltasPerClientPerSec: number;
  /** Exchange frame → client latency, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Collector receive → client latency, ms. */
  serviceP50Ms: number;
  serviceP99Ms: number;
  /** p50 / p99 per exchange, ms. */
  byExchange: Record<string, { p50Ms: number; p99Ms: number; samples: number }>;
  /** p50 / p99 per client encoding, ms. */
  byFormat: Record<string, { p50Ms: number; p99Ms: number; samples: number }>;
  /** Clients that got a stale notice during the stage. */
  staleClients: number;
  /** Clients the server disconnected during the stage (replaced before the next one). */
  droppedClients: number;
  /** Service CPU, percent of one core. */
  serviceCpuPct: number;
  /** The service's main thread (HTTP, ring reading, fan-out), percent of one core. */
  serviceMainThreadCpuPct: number;
  /** Service resident memory at the end of the stage, MiB. */
  serviceRssMiB: number;
  /** This process (simulator + clients) CPU, percent of one core. */
  benchCpuPct: number;
  /** This process's main thread (the clients), percent of one core: near 100, the clients lag. */
  clientThreadCpuPct: number;
  /** Steps the simulator could not take in time. */
  simulatorMissedSteps: number;
}

/** The whole run. */
export interface E2eResult {
  machine: MachineInfo;
  date: string;
  command: string;
  clients: number;
  format: string;
  books: number;
  stageSeconds: number;
  stages: StageResult[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 1) => Number.isFinite(n) ? Number(n.toFixed(digits)) : n;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Write the Markdown and run `deno fmt` on it, so `deno task check` stays clean. */
async function writeMarkdown(path: string, result: E2eResult): Promise<void> {
  await Deno.writeTextFile(path, markdown(result));
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "-q", path],
    stdout: "null",
    stderr: "null",
  })
    .output().catch(() => {});
}

/** p50 / p99 and sample count of each histogram. */
function summarise(
  histograms: Map<string, LatencyHistogram>,
): Record<string, { p50Ms: number; p99Ms: number; samples: number }> {
  return Object.fromEntries(
    [...histograms].map(([key, h]) => [key, {
      p50Ms: round(h.percentile(50), 3),
      p99Ms: round(h.percentile(99), 3),
      samples: h.count,
    }]),
  );
}

/** Frames per second the simulator sent between two readings, summed over its threads. */
function sentPerSec(a: SimulatorStats, b: SimulatorStats): number {
  const pairs = a.threads && b.threads ? a.threads.map((t, i) => [t, b.threads![i]]) : [[a, b]];
  return pairs.reduce(
    (n, [x, y]) => n + (y.messagesSent - x.messagesSent) / ((y.at - x.at) / 1000),
    0,
  );
}

const INGESTED = "alphapulse_exchange_messages_total";

/** Sum of a Prometheus counter family over its labels, and when it was read (ms). */
async function metricSum(url: string, name: string): Promise<{ value: number; at: number }> {
  const text = await (await fetch(url)).text();
  let value = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      value += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return { value, at: performance.now() };
}

/**
 * The results as a Markdown table.
 *
 * @example
 * ```ts
 * import { formatTable } from "./e2e.ts";
 * if (!formatTable([]).startsWith("| target")) throw new Error();
 * ```
 */
export function formatTable(stages: readonly StageResult[]): string {
  const head =
    "| target steps/s | sent msg/s | ingested msg/s | deltas/s per client | p50 ms | p99 ms | " +
    "binary p50 / p99 ms | JSON p50 / p99 ms | stale clients | dropped clients | service CPU | " +
    "service RSS | simulator + clients CPU |";
  const rule = "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const ms = (x: number | null | undefined) =>
    typeof x !== "number" || Number.isNaN(x) ? "-" : x.toFixed(2);
  const pair = (s: StageResult, format: string) => {
    const f = s.byFormat?.[format];
    return f ? `${ms(f.p50Ms)} / ${ms(f.p99Ms)}` : "-";
  };
  const rows = stages.map((s) =>
    `| ${n(s.targetRate)} | ${n(s.offeredPerSec)} | ${n(s.ingestedPerSec)} | ` +
    `${n(s.deltasPerClientPerSec)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${pair(s, "binary")} | ` +
    `${pair(s, "json")} | ${s.staleClients} | ${s.droppedClients} | ` +
    `${Math.round(s.serviceCpuPct)}% | ${Math.round(s.serviceRssMiB)} MiB | ` +
    `${Math.round(s.benchCpuPct)}% |`
  );
  return [head, rule, ...rows].join("\n");
}

function markdown(result: E2eResult): string {
  const m = result.machine;
  return `# End-to-end benchmark

\`${result.command}\` — ${result.date}

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Deno ${m.deno} (V8 ${m.v8}).
The simulator, the service and the clients all run on this machine (1-minute load average at the
start: ${m.loadAverage.toFixed(2)}).

Setup: the exchange simulator (Coinbase, Kraken, Binance.US; ${result.books} books; one Worker per
venue) → the service (\`src/main.ts\`, collectors in Workers, default configuration: top-50
books, Kraken depth 100) → ${result.clients} WebSocket clients (${result.format}), each subscribed
to every book. Each stage: ${WARMUP_MS / 1000} s warm-up, then ${result.stageSeconds} s measured.

${formatTable(result.stages)}

- *target steps/s*: the simulator's rate (one step = one book update message; ~15% of steps also
  send a trade message). *sent msg/s*: frames the simulator actually sent; *ingested msg/s*:
  exchange messages the service's collectors received (\`alphapulse_exchange_messages_total\`).
- *p50 / p99 ms*: exchange frame → client, from the exchange timestamp in the frame to the
  client's receive time (Binance.US event times are whole milliseconds, which adds up to 1 ms to
  its samples), over all clients and per encoding.
- *stale clients*: clients told they fell behind (slow-consumer handling) or that a book went
  stale; *dropped clients*: clients the server disconnected during the stage (they are replaced
  by fresh ones before the next stage). JSON clients get one text frame per delta, binary clients
  one frame per wake-up, so JSON clients fall behind first.
- *service CPU*: percent of one core used by the service process (all its threads); *service
  RSS*: its resident memory at the end of the stage; *simulator + clients CPU*: the benchmark
  process. The three share the machine's ${m.cores} cores: once their sum nears ${m.cores * 100}%,
  every part waits for CPU, latency grows and runs differ from one another.

Per-exchange latency and the raw figures are in the JSON the run prints (\`--json <path>\`).
`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rates: { type: "string", default: "1000,10000,30000,60000,100000" },
      clients: { type: "string", default: "10" },
      format: { type: "string", default: "mixed" },
      seconds: { type: "string", default: "4" },
      out: { type: "string", default: "docs/bench_e2e.md" },
      "no-write": { type: "boolean", default: false },
      json: { type: "string" },
      render: { type: "string" },
    },
  });
  if (values.render !== undefined) {
    // Re-render the Markdown of a saved run (--json output) without running anything.
    const saved = JSON.parse(await Deno.readTextFile(values.render)) as E2eResult;
    await writeMarkdown(`${ROOT}${values.out}`, saved);
    console.log(`${formatTable(saved.stages)}\n\ntable written to ${values.out}`);
    return 0;
  }
  const rates = values.rates.split(",").map(Number);
  const clientCount = Number(values.clients);
  const stageMs = Number(values.seconds) * 1000;
  const format = values.format;
  if (rates.some((r) => !(r > 0)) || !(clientCount >= 1) || !(stageMs > 0)) {
    console.error("usage: deno task bench:e2e [--rates 1000,10000] [--clients 20] [--seconds 4]");
    return 2;
  }
  if (!["mixed", "binary", "json"].includes(format)) {
    console.error(`--format must be mixed, binary or json, got ${format}`);
    return 2;
  }
  const machine = machineInfo();
  const layout = (await BookMirror.create()).layout;

  const sim = await ThreadedSimulator.start({ rate: 0, seed: 7 });
  const port = freePort();
  const configPath = await Deno.makeTempFile({ prefix: "alphapulse-e2e-", suffix: ".json" });
  await Deno.writeTextFile(
    configPath,
    JSON.stringify(sim.config({ server: { hostname: "127.0.0.1", port, maxClients: 10_000 } })),
  );
  const service = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-worker-options", "src/main.ts", "--config", configPath],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const serviceLog: string[] = [];
  const listening = Promise.withResolvers<void>();
  const readLog = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const bytes of stream) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        if (line === "") continue;
        serviceLog.push(line);
        if (serviceLog.length > 200) serviceLog.shift();
        if (line.includes("listening on")) listening.resolve();
      }
    }
  };
  const logs = Promise.all([readLog(service.stdout), readLog(service.stderr)]);
  const clients: E2eClient[] = [];
  const result: E2eResult = {
    machine,
    date: new Date().toISOString().slice(0, 10),
    command: `deno task bench:e2e ${Deno.args.join(" ")}`.trim(),
    clients: clientCount,
    format,
    books: sim.exchanges.reduce((n, e) => n + sim.symbols(e).length, 0),
    stageSeconds: stageMs / 1000,
    stages: [],
  };
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  try {
    const timeout = setTimeout(() => listening.reject(new Error("service did not start")), 60_000);
    await Promise.race([
      listening.promise,
      service.status.then((s) => {
        throw new Error(`service exited (code ${s.code}):\n${serviceLog.join("\n")}`);
      }),
    ]).finally(() => clearTimeout(timeout));
    sim.setRate(100);
    const books = sim.exchanges.map((exchange) => ({ exchange, symbols: sim.symbols(exchange) }));
    const connect = (i: number) =>
      E2eClient.connect({
        url: `ws://127.0.0.1:${port}/ws`,
        format: format === "mixed" ? (i % 2 === 0 ? "binary" : "json") : format as "json",
        layout,
        books,
      });
    const waitForSnapshots = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (clients.some((c) => c.totalSnapshots < result.books)) {
        if (Date.now() > deadline) return false;
        await sleep(50);
      }
      return true;
    };
    for (let i = 0; i < clientCount; i++) clients.push(await connect(i));
    if (!await waitForSnapshots(20_000)) {
      throw new Error("clients did not get every snapshot in 20 s");
    }
    console.log(
      `service on :${port}, ${clientCount} ${format} clients on ${result.books} books; ` +
        `stages of ${WARMUP_MS / 1000}+${stageMs / 1000} s`,
    );

    for (const rate of rates) {
      // Each stage starts with every client connected: replace the ones the server dropped.
      for (let i = 0; i < clients.length; i++) {
        if (clients[i].closedBy === undefined) continue;
        await clients[i].close();
        clients[i] = await connect(i);
      }
      await waitForSnapshots(10_000);
      sim.setRate(rate);
      await sleep(WARMUP_MS);
      const [s0, m0] = await Promise.all([sim.stats(), metricSum(metricsUrl, INGESTED)]);
      for (const c of clients) c.resetStage();
      const c0 = cpuTimeMs(service.pid);
      const cm0 = cpuTimeMs(service.pid, service.pid);
      const b0 = cpuTimeMs(Deno.pid);
      const bm0 = cpuTimeMs(Deno.pid, Deno.pid);
      const t0 = performance.now();
      await sleep(stageMs);
      // Everything measured over [t0, now] is read now, before any await.
      const dt = (performance.now() - t0) / 1000;
      const c1 = cpuTimeMs(service.pid);
      const cm1 = cpuTimeMs(service.pid, service.pid);
      const b1 = cpuTimeMs(Deno.pid);
      const bm1 = cpuTimeMs(Deno.pid, Deno.pid);
      const all = new LatencyHistogram();
      const service_ = new LatencyHistogram();
      const byExchange = new Map<string, LatencyHistogram>();
      const byFormat = new Map<string, LatencyHistogram>();
      for (const c of clients) {
        all.merge(c.latency);
        if (!byFormat.has(c.format)) byFormat.set(c.format, new LatencyHistogram());
        byFormat.get(c.format)!.merge(c.latency);
        service_.merge(c.serviceLatency);
        for (const [e, h] of c.byExchange) {
          if (!byExchange.has(e)) byExchange.set(e, new LatencyHistogram());
          byExchange.get(e)!.merge(h);
        }
      }
      const deltas = clients.reduce((n, c) => n + c.deltas, 0);
      const staleClients = clients.filter((c) => c.staleNotices > 0).length;
      const droppedClients = clients.filter((c) => c.closedBy !== undefined).length;
      // These answer a little later; each carries its own time (the metric lags by up to
      // 250 ms at both ends alike: collector health is refreshed that often).
      const [s1, m1] = await Promise.all([sim.stats(), metricSum(metricsUrl, INGESTED)]);
      const stage: StageResult = {
        targetRate: rate,
        offeredPerSec: sentPerSec(s0, s1),
        ingestedPerSec: (m1.value - m0.value) / ((m1.at - m0.at) / 1000),
        deltasPerClientPerSec: deltas / clients.length / dt,
        p50Ms: round(all.percentile(50), 3),
        p99Ms: round(all.percentile(99), 3),
        maxMs: round(all.max, 3),
        serviceP50Ms: round(service_.percentile(50), 3),
        serviceP99Ms: round(service_.percentile(99), 3),
        byExchange: summarise(byExchange),
        byFormat: summarise(byFormat),
        staleClients,
        droppedClients,
        serviceCpuPct: round((c1 - c0) / dt / 10),
        serviceMainThreadCpuPct: round((cm1 - cm0) / dt / 10),
        serviceRssMiB: round(memoryMiB(service.pid).rss),
        benchCpuPct: round((b1 - b0) / dt / 10),
        clientThreadCpuPct: round((bm1 - bm0) / dt / 10),
        simulatorMissedSteps: s1.missedSteps - s0.missedSteps,
      };
      result.stages.push(stage);
      console.log(
        `rate ${rate}: sent ${Math.round(stage.offeredPerSec)}/s, ingested ` +
          `${Math.round(stage.ingestedPerSec)}/s, p50 ${stage.p50Ms} ms, p99 ${stage.p99Ms} ms, ` +
          `stale ${stage.staleClients}, dropped ${stage.droppedClients}, service CPU ` +
          `${stage.serviceCpuPct}% (main thread ${stage.serviceMainThreadCpuPct}%), RSS ` +
          `${stage.serviceRssMiB} MiB; bench CPU ${stage.benchCpuPct}% (clients thread ` +
          `${stage.clientThreadCpuPct}%)`,
      );
    }
  } finally {
    sim.setRate(0);
    await Promise.all(clients.map((c) => c.close()));
    try {
      service.kill("SIGINT");
    } catch {
      // already gone
    }
    const killer = setTimeout(() => service.kill("SIGKILL"), 10_000);
    await service.status;
    clearTimeout(killer);
    await logs;
    await sim.stop();
    await Deno.remove(configPath).catch(() => {});
  }

  console.log(`\n${formatTable(result.stages)}\n`);
  console.log(JSON.stringify(result, null, 2));
  if (!values["no-write"]) {
    await writeMarkdown(`${ROOT}${values.out}`, result);
    console.log(`\ntable written to ${values.out}`);
  }
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(result, null, 2) + "\n");
  return 0;
}

if (import.meta.main) Deno.exit(await main());
