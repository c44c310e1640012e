/**
 * The scale-out hop (DESIGN §9, §12): collector ring → NATS JetStream → edge ring → edge client,
 * against the same collector's own client (ring → client, no hop), on loopback with a real
 * `nats-server -js` (file store).
 *
 * In this process: a collector core writing synthetic deltas (10 books, one changed level per
 * delta) into its ring at a paced rate, stamped with the time of the write; the collector node's
 * publisher and server; an edge node (consumer + server); one binary WebSocket client on each
 * server. Latency of a record = client receive time − its receive stamp (same clock). Every
 * delta's seq is checked at the edge client: "gaps" counts a seq skipped without a snapshot; a
 * delta the edge never saw because a later rollup snapshot purged it from the subject before the
 * edge's consumer read it is counted apart (the snapshot stands in for it: the book stays exact);
 * "books behind" counts books whose last delta did not reach the edge client.
 * Then the records/s one publisher sustains: deltas written as fast as the publisher's in-flight
 * bound lets through, acknowledged by JetStream per second.
 *
 * With `--edge process` the edge node runs as its own process (`src/main.ts` with an edge
 * config, the start task's V8 flags) and the probes reach it over loopback; the rest stays here.
 *
 * Run under the bench lock: `flock /tmp/bench.lock deno run -A bench/nats_hop.ts`
 * Flags: `--rates 1000,20000`, `--seconds 5`, `--sustain-seconds 4`, `--clients 100`,
 * `--clients-rate 1000`, `--edge in-process|process`, `--stages` (latency at a core NATS
 * subscriber and at the edge's ring too), `--floor` (no AlphaPulse code: a bare `nats.js`
 * publisher and ordered consumers over the same stream, the hop's floor on this machine).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseConfig } from "../src/config.ts";
import { Core, LAPPED, RecordView, RingReader, splitRecords } from "../src/core/mod.ts";
import { connect, createInbox, headers } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { ensureJetStream, startNats } from "../src/nats/mod.ts";
import { EXCHANGE_CODES, type ExchangeFeed, type ExchangeHealth } from "../src/runtime/feed.ts";
import { createServer } from "../src/server/mod.ts";
import { NatsServer } from "../tests/support/nats_server.ts";
import { quietHealth } from "../tests/support/quiet_health.ts";
import { SERVICE_V8_FLAGS } from "../src/service_permissions.ts";

const BOOKS = 10;
const now = () => performance.timeOrigin + performance.now();

/** A collector without an exchange: the bench writes its ring. */
class SyntheticFeed implements ExchangeFeed {
  readonly exchange = "kraken";
  readonly exchangeCode = EXCHANGE_CODES.kraken;
  readonly symbols = Array.from({ length: BOOKS }, (_, i) => `B${i}/USD`);
  readonly core: Core;
  readonly books: number[] = [];
  #rng = 1;

  constructor(core: Core) {
    this.core = core;
    for (let i = 0; i < BOOKS; i++) {
      const b = core.createBook({
        exchange: this.exchangeCode,
        symbol: i,
        priceScale: 0,
        sizeScale: 0,
        depth: 20,
      });
      core.begin(b);
      for (let l = 0; l < 20; l++) {
        core.add(0, String(1000 - l), "10").add(1, String(1001 + l), "10");
      }
      core.reset(0, now());
      this.books.push(b);
    }
  }

  get buffer() {
    return this.core.memory.buffer;
  }
  get ringAddress() {
    return this.core.ringAddress;
  }
  get layout() {
    return this.core.layout;
  }

  #random(n: number): number {
    this.#rng = (this.#rng * 1103515245 + 12345) & 0x7fffffff;
    return this.#rng % n;
  }

  /** One delta: a level of the top 10 of a random book gets a new size. Returns records. */
  step(): number {
    const b = this.books[this.#random(BOOKS)];
    const side = this.#random(2) as 0 | 1;
    const price = side === 0 ? 1000 - this.#random(10) : 1001 + this.#random(10);
    return this.core.begin(b).add(side, String(price), String(1 + this.#random(99))).apply(
      0,
      now(),
    );
  }

  onTrade() {
    return () => {};
  }
  onWrite(listener: () => void) {
    return this.core.onWrite(listener);
  }
  requestSnapshots(symbols?: readonly string[]) {
    for (let i = 0; i < BOOKS; i++) {
      if (!symbols || symbols.includes(this.symbols[i])) this.core.snapshot(this.books[i], now());
    }
  }
  health(): ExchangeHealth {
    return quietHealth(this.exchange);
  }
  stop() {
    return Promise.resolve();
  }
}

/** An edge node in this process (`--edge in-process`). */
class InProcessEdge {
  private constructor(
    readonly port: number,
    readonly feed: ExchangeFeed,
    readonly synced: () => Promise<void>,
    readonly stop: () => Promise<void>,
  ) {}
  static async start(section: Record<string, unknown>): Promise<InProcessEdge> {
    const config = parseConfig(section);
    const nats = (await startNats({ config, feeds: [] }))!;
    const feed = nats.edgeFeeds[0];
    const server = await createServer({ config, feeds: [feed] });
    return new InProcessEdge(server.port, feed, async () => {
      const deadline = Date.now() + 20_000;
      while (!(feed.symbols.length === BOOKS && feed.books().every((b) => b.synced))) {
        if (Date.now() > deadline) throw new Error("the edge did not sync");
        await new Promise((r) => setTimeout(r, 50));
      }
    }, async () => {
      await server.close();
      await nats.stop();
    });
  }
}

/** An edge node as its own process, the service as `src/main.ts` runs (`--edge process`). */
class EdgeProcess {
  private constructor(
    readonly port: number,
    readonly process: Deno.ChildProcess,
    readonly dir: string,
  ) {}
  static async start(section: Record<string, unknown>): Promise<EdgeProcess> {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/edge.json`, JSON.stringify(section));
    const process = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `--v8-flags=${SERVICE_V8_FLAGS}`,
        "src/main.ts",
        "--config",
        `${dir}/edge.json`,
      ],
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    let port = 0;
    while (!port) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the edge exited: ${out}`);
      out += value;
      port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1] ?? 0);
    }
    void (async () => {
      while (!(await reader.read()).done) { /* keep the pipe flowing */ }
    })();
    return new EdgeProcess(port, process, dir);
  }
  async synced(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const h = await (await fetch(`http://127.0.0.1:${this.port}/health`)).json();
      const books = h.exchanges?.find((e: { exchange: string }) => e.exchange === "kraken")?.books;
      if (books?.length === BOOKS && books.every((b: { synced: boolean }) => b.synced)) return;
      if (Date.now() > deadline) throw new Error("the edge did not sync");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async stop(): Promise<void> {
    this.process.kill("SIGTERM");
    await this.process.status;
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** A binary client: per record the latency, per book the seq chain. */
class Probe {
  latencies: number[] = [];
  deltas = 0;
  gaps = 0;
  /** Deltas a snapshot stood in for (a resync). */
  skipped = 0;
  stale = 0;
  /** Last delta seq per book name. */
  last = new Map<string, number>();
  #seq = new Map<number, number>();
  socket: WebSocket;
  /** Book names by the node's symbol id, from its `subscribed` ack. */
  #names: string[] = [];
  constructor(url: string, feed: SyntheticFeed, symbols: readonly string[]) {
    const view = new RecordView(feed.layout);
    const names = () => this.#names;
    this.socket = new WebSocket(`${url}?format=binary`);
    this.socket.binaryType = "arraybuffer";
    this.socket.onopen = () =>
      this.socket.send(JSON.stringify({
        op: "subscribe",
        channel: "book",
        exchange: "kraken",
        symbols,
      }));
    this.socket.onmessage = (e) => {
      if (typeof e.data === "string") {
        const m = JSON.parse(e.data);
        if (m.type === "subscribed" && Array.isArray(m.symbolIds)) {
          m.symbolIds.forEach((id: number, i: number) => this.#names[id] = m.symbols[i]);
        }
        return;
      }
      const t = now();
      for (const r of splitRecords(feed.layout, new Uint8Array(e.data))) {
        view.wrap(r);
        const prev = this.#seq.get(view.symbol);
        if (view.snapshot || view.stale) {
          if (view.stale) this.stale++;
          if (view.snapshot && view.part === 0) {
            if (prev !== undefined && view.seq > prev) this.skipped += view.seq - prev;
            this.#seq.set(view.symbol, view.seq);
            this.last.set(names()[view.symbol], view.seq);
          }
          continue;
        }
        if (prev !== undefined && view.seq !== prev + 1) this.gaps++;
        this.#seq.set(view.symbol, view.seq);
        this.last.set(names()[view.symbol], view.seq);
        this.deltas++;
        this.latencies.push(t - view.receiveTimeMs);
      }
    };
  }
  reset() {
    this.latencies = [];
    this.deltas = 0;
    this.gaps = 0;
    this.skipped = 0;
    this.stale = 0;
  }
}

/** CPU ticks (user + system, 1/100 s) of a process from `/proc`, 0 where unreadable. */
function processTicks(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

/** Busy and total ticks of the whole machine (`/proc/stat`), 0 where unreadable. */
function machineTicks(): { busy: number; total: number } {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - (v[4] ?? 0), total }; // minus idle and iowait
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** CPU of this process, nats-server and the machine over a window, in % of one core. */
function cpuWindow(natsPid: number | undefined): (records: number) => string {
  const cores = navigator.hardwareConcurrency;
  const t0 = performance.now();
  const self0 = processTicks("self");
  const nats0 = natsPid ? processTicks(natsPid) : 0;
  const m0 = machineTicks();
  return (records) => {
    const s = (performance.now() - t0) / 1000;
    const selfTicks = processTicks("self") - self0;
    const natsTicks = natsPid ? processTicks(natsPid) - nats0 : NaN;
    const self = selfTicks / s;
    const nats = natsTicks / s;
    const m = machineTicks();
    const machine = (m.busy - m0.busy) / Math.max(1, m.total - m0.total) * 100 * cores;
    return `${self.toFixed(0)}% / ${nats.toFixed(0)}% / ${machine.toFixed(0)}% | ${
      perRecord(selfTicks, records)
    } / ${perRecord(natsTicks, records)} |`;
  };
}

/**
 * Latency of the deltas seen at one stage of the hop (`--stages`): now − the record's receive
 * stamp, for deltas only.
 */
class StageProbe {
  latencies: number[] = [];
  #view: RecordView;
  constructor(layout: Core["layout"]) {
    this.#view = new RecordView(layout);
  }
  seen(bytes: Uint8Array): void {
    const t = now();
    const v = this.#view;
    if (!v.tryWrap(bytes) || v.snapshot || v.stale) return;
    this.latencies.push(t - v.receiveTimeMs);
  }
  text(): string {
    const f = (p: number) => pct(this.latencies, p).toFixed(2);
    return `${f(0.5)} / ${f(0.99)}`;
  }
}

/** Stage probes: a core NATS subscription to the book subjects, a reader of the edge's ring. */
async function stageProbes(url: string, layout: Core["layout"], edge: ExchangeFeed | undefined) {
  const nc = await connect({ servers: url });
  const core = new StageProbe(layout);
  nc.subscribe("alphapulse.book.kraken.>", { callback: (_e, m) => core.seen(m.data) });
  const ring = new StageProbe(layout);
  let off = () => {};
  if (edge) {
    const reader = new RingReader(edge.buffer, edge.ringAddress, layout, { from: "latest" });
    let scheduled = false;
    const drain = () => {
      scheduled = false;
      for (let r = reader.read(); r !== null; r = reader.read()) {
        if (r !== LAPPED) ring.seen(r);
      }
    };
    off = edge.onWrite!(() => {
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(drain);
      }
    });
  }
  return {
    core,
    ring,
    reset() {
      core.latencies = [];
      ring.latencies = [];
    },
    async stop() {
      off();
      await nc.close();
    },
  };
}

/** CPU ticks (1/100 s) per record, in µs. */
function perRecord(ticks: number, records: number): string {
  return (ticks * 10_000 / records).toFixed(1);
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/**
 * The floor of the hop on this machine (`--floor`): no AlphaPulse code, a bare `nats.js`
 * publisher (an 80-byte payload stamped with its send time, `Nats-Msg-Id` and epoch headers, a
 * reply subject per book for JetStream's acknowledgement, as the publisher sends) into the same
 * stream, paced as the hop bench paces its writes, and one ordered consumer per book subject
 * (callback) on a second connection, in this process. Latency = consumer receive − send stamp.
 */
async function floor(url: string, rates: number[], seconds: number): Promise<string[]> {
  const config = parseConfig({ nats: { servers: [url], publish: true } }).nats!;
  const pub = await connect({ servers: url });
  const sub = await connect({ servers: url });
  await ensureJetStream(pub, config, () => {});
  const subjects = Array.from({ length: BOOKS }, (_, i) => `alphapulse.book.kraken.F${i}-USD`);
  let acks = 0;
  const inbox = createInbox();
  pub.subscribe(`${inbox}.*`, { callback: () => void acks++ });
  let latencies: number[] = [];
  let measuring = false;
  for (const subject of subjects) {
    const consumer = await jetstream(sub).consumers.get(config.stream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.New,
    });
    await consumer.consume({
      max_messages: 512,
      expires: 5000,
      callback: (m) => {
        if (!measuring) return;
        latencies.push(now() - new DataView(m.data.buffer, m.data.byteOffset).getFloat64(0, true));
      },
    });
  }
  const data = new Uint8Array(80);
  const stamp = new DataView(data.buffer);
  let id = 0;
  const rows: string[] = [];
  for (const rate of rates) {
    const run = async (s: number) => {
      const start = performance.now();
      let done = 0;
      while (performance.now() - start < s * 1000) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate);
        for (; done < due; done++) {
          const book = id % BOOKS;
          stamp.setFloat64(0, now(), true);
          const h = headers();
          h.set("Nats-Msg-Id", `floor:${id++}`);
          h.set("AlphaPulse-Epoch", "1");
          pub.publish(subjects[book], data, { headers: h, reply: `${inbox}.${book}` });
        }
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    await run(1);
    latencies = [];
    const acked = acks;
    measuring = true;
    await run(seconds);
    await new Promise((r) => setTimeout(r, 500));
    measuring = false;
    rows.push(
      `| ${rate.toLocaleString("en")} | ${latencies.length} | ${acks - acked} | ${
        pct(latencies, 0.5).toFixed(2)
      } / ${pct(latencies, 0.99).toFixed(2)} |`,
    );
  }
  await pub.close();
  await sub.close();
  return rows;
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rates: { type: "string", default: "1000,20000" },
      seconds: { type: "string", default: "5" },
      "sustain-seconds": { type: "string", default: "4" },
      clients: { type: "string", default: "100" },
      "clients-rate": { type: "string", default: "1000" },
      edge: { type: "string", default: "in-process" },
      stages: { type: "boolean", default: false },
      floor: { type: "boolean", default: false },
    },
  });
  const nats = await NatsServer.start();
  if (values.floor) {
    const rows = await floor(nats.url, values.rates.split(",").map(Number), Number(values.seconds));
    console.log(
      "\n| records/s | consumed | acknowledged | bare publisher → ordered consumer p50 / p99 ms |",
    );
    console.log("|---|---|---|---|");
    for (const r of rows) console.log(r);
    await nats.stop();
    return;
  }
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const feed = new SyntheticFeed(core);
  const natsSection = { servers: [nats.url] };
  const collectorConfig = parseConfig({
    server: { port: 0 },
    book: { depth: 20 },
    nats: { ...natsSection, publish: true },
  });
  const collectorNats = (await startNats({ config: collectorConfig, feeds: [feed] }))!;
  const collector = await createServer({ config: collectorConfig, feeds: [feed] });
  const edgeSection = {
    server: { port: 0 },
    book: { depth: 20 },
    runtime: { ringCapacity: 1 << 16 },
    nats: { ...natsSection, consume: ["kraken"] },
  };
  const edge = values.edge === "process"
    ? await EdgeProcess.start(edgeSection)
    : await InProcessEdge.start(edgeSection);
  await edge.synced();
  const local = new Probe(`ws://127.0.0.1:${collector.port}/ws`, feed, feed.symbols);
  const remote = new Probe(`ws://127.0.0.1:${edge.port}/ws`, feed, feed.symbols);
  const stages = values.stages
    ? await stageProbes(nats.url, feed.layout, (edge as InProcessEdge).feed)
    : undefined;
  await new Promise((r) => setTimeout(r, 1000));

  const rows: string[] = [];
  const stageRows: string[] = [];
  for (const rate of values.rates.split(",").map(Number)) {
    const run = async (seconds: number) => {
      const start = performance.now();
      let done = 0;
      let records = 0;
      while (performance.now() - start < seconds * 1000) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate);
        for (; done < due; done++) records += feed.step();
        await new Promise((r) => setTimeout(r, 1));
      }
      return records;
    };
    await run(1); // warm-up
    await new Promise((r) => setTimeout(r, 300));
    local.reset();
    remote.reset();
    stages?.reset();
    const cpu = cpuWindow(nats.pid);
    const written = await run(Number(values.seconds));
    const cpuText = cpu(written);
    await new Promise((r) => setTimeout(r, 1500));
    // Every book's last delta reached the edge client too (with no seq gap: every record).
    const behind = feed.symbols.filter((s) => local.last.get(s) !== remote.last.get(s)).length;
    const f = (v: number) => v.toFixed(2);
    rows.push(
      `| ${rate.toLocaleString("en")} | ${written} | ${local.deltas} | ${remote.deltas} | ` +
        `${remote.gaps} | ${remote.skipped} | ${behind} | ${f(pct(local.latencies, 0.5))} / ${
          f(pct(local.latencies, 0.99))
        } | ` +
        `${f(pct(remote.latencies, 0.5))} / ${f(pct(remote.latencies, 0.99))} | ` +
        `${f(pct(remote.latencies, 0.5) - pct(local.latencies, 0.5))} / ${
          f(pct(remote.latencies, 0.99) - pct(local.latencies, 0.99))
        } | ${cpuText}`,
    );
    if (stages) {
      stageRows.push(
        `| ${rate.toLocaleString("en")} | ${stages.core.text()} | ${stages.ring.text()} | ` +
          `${f(pct(remote.latencies, 0.5))} / ${f(pct(remote.latencies, 0.99))} |`,
      );
    }
  }

  // Edge × clients: many binary clients on the edge at one rate.
  const clientCount = Number(values.clients);
  const fanRate = Number(values["clients-rate"]);
  const fan = Array.from(
    { length: clientCount },
    () => new Probe(`ws://127.0.0.1:${edge.port}/ws`, feed, feed.symbols),
  );
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of fan) p.reset();
  const fanStart = performance.now();
  let fanDone = 0;
  let fanRecords = 0;
  while (performance.now() - fanStart < 4000) {
    const due = Math.floor(((performance.now() - fanStart) / 1000) * fanRate);
    for (; fanDone < due; fanDone++) fanRecords += feed.step();
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 1500));
  const fanLat = fan.flatMap((p) => p.latencies);
  const fanGaps = fan.reduce((n, p) => n + p.gaps, 0);
  const fanBehind =
    fan.filter((p) => feed.symbols.some((sym) => p.last.get(sym) !== local.last.get(sym))).length;
  const fanLine = `edge × ${clientCount} binary clients at ${fanRate} records/s: ` +
    `${fanRecords} records written, ${fanLat.length.toLocaleString("en")} deltas delivered ` +
    `(${fan.reduce((n, p) => n + p.skipped, 0)} stood in for by rollup snapshots), ` +
    `${fanGaps} seq gaps, ${fanBehind} clients behind at the end; ring → edge client p50 ${
      pct(fanLat, 0.5).toFixed(2)
    } ms, p99 ${pct(fanLat, 0.99).toFixed(2)} ms`;
  for (const p of fan) p.socket.close();

  // Records/s one publisher sustains: write while its in-flight bound has room.
  const publisher = collectorNats.publishers[0];
  const sustainS = Number(values["sustain-seconds"]);
  const max = collectorConfig.nats!.maxInFlight;
  const ackedBefore = publisher.counters.published;
  const failuresBefore = publisher.counters.failures;
  const selfTicks0 = processTicks("self");
  const natsTicks0 = nats.pid ? processTicks(nats.pid) : 0;
  const t0 = performance.now();
  let offered = 0;
  while (performance.now() - t0 < sustainS * 1000) {
    publisher.pump.drain();
    while (publisher.counters.inFlight < max / 2 && offered % 4096 !== 4095) {
      feed.step();
      offered++;
      if (offered % 256 === 0) publisher.pump.drain();
    }
    offered++;
    await new Promise((r) => setTimeout(r, 0));
  }
  while (publisher.counters.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  const elapsed = (performance.now() - t0) / 1000;
  const acked = publisher.counters.published - ackedBefore;
  const failures = publisher.counters.failures - failuresBefore;

  console.log(
    "\n| records/s | records written | collector client got | edge client got | edge seq gaps | " +
      "deltas a rollup snapshot stood in for | books behind at the end | " +
      "ring → collector client p50 / p99 ms | ring → NATS → edge client p50 / p99 ms | " +
      "hop adds p50 / p99 ms | CPU: bench process / nats-server / whole machine (100% = 1 core) | " +
      "CPU µs per record: bench process / nats-server |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  if (stages) {
    console.log(
      "\n| records/s | ring → NATS core subscriber p50 / p99 ms | ring → edge ring p50 / p99 ms | " +
        "ring → edge client p50 / p99 ms |",
    );
    console.log("|---|---|---|---|");
    for (const r of stageRows) console.log(r);
    await stages.stop();
  }
  console.log(
    `\none publisher sustained ${Math.round(acked / elapsed).toLocaleString("en")} records/s ` +
      `acknowledged by JetStream (${acked} in ${elapsed.toFixed(1)} s, ${failures} failures; ` +
      `in-flight bound ${max}); CPU per acknowledged record: this process ${
        perRecord(processTicks("self") - selfTicks0, acked)
      } µs, nats-server ${
        perRecord(nats.pid ? processTicks(nats.pid) - natsTicks0 : NaN, acked)
      } µs`,
  );
  console.log(fanLine);
  console.log(
    `machine: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ` +
      `nats-server 2.9 (Debian), file store, loopback; ${
        values.edge === "process"
          ? "the edge node is its own process (src/main.ts), the rest in this one"
          : "every role in this one process"
      } + nats-server`,
  );
  local.socket.close();
  remote.socket.close();
  await edge.stop();
  await collector.close();
  await collectorNats.stop();
  await nats.stop();
}

if (import.meta.main) await main();
