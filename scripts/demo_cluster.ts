/**
 * `deno task demo:cluster`: the scale-out topology of DESIGN §12 on one machine, offline. Starts
 * `nats-server -js` (temporary store, port 4222 or a free one), the exchange simulator, one
 * collector node on the simulator that publishes to JetStream, and two edge nodes that consume
 * every exchange from JetStream and serve clients, each started exactly as `deno task start`
 * starts the service (`src/service_permissions.ts`). Prints every node's URL and runs until
 * Ctrl-C; then stops everything and removes the temporary files.
 *
 * Flags: `--rate <steps/s>` (default 200), `--duration <s>` (stop by itself after that long;
 * default: run until Ctrl-C), `--nats-server <path>` (default `/usr/sbin/nats-server`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Simulator } from "../src/simulator/simulator.ts";
import { serviceArgs } from "../src/service_permissions.ts";
import { demoSimulatorOptions, freePort, pump } from "./demo.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface Child {
  name: string;
  process: Deno.ChildProcess;
  output: Promise<unknown>;
  url: Promise<string>;
}

function spawnNode(name: string, configPath: string): Child {
  const process = new Deno.Command(Deno.execPath(), {
    args: serviceArgs(["--config", configPath]),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const url = Promise.withResolvers<string>();
  const onLine = (line: string) => {
    const m = /listening on (http:\/\/[^\s/]+\/)/.exec(line);
    if (m) url.resolve(m[1]);
  };
  const output = Promise.all([
    pump(process.stdout, name, onLine),
    pump(process.stderr, name, onLine),
  ]);
  process.status.then((s) => url.reject(new Error(`${name} exited (code ${s.code})`)));
  url.promise.catch(() => {});
  return { name, process, output, url: url.promise };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rate: { type: "string", default: "200" },
      duration: { type: "string" },
      "nats-server": { type: "string", default: "/usr/sbin/nats-server" },
    },
  });
  const rate = Number(values.rate);
  if (!(rate > 0)) throw new RangeError(`--rate must be a positive number, got ${values.rate}`);
  const dir = await Deno.makeTempDir({ prefix: "alphapulse-cluster-demo-" });
  const natsPort = freePort(4222);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const nats = new Deno.Command(values["nats-server"], {
    args: ["-js", "--store_dir", `${dir}/nats`, "-a", "127.0.0.1", "-p", String(natsPort)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const sim = new Simulator(demoSimulatorOptions({ rate, faults: false, bursts: true }));
  await sim.start();
  const exchanges = sim.endpoints().map((v) => v.exchange);
  const write = async (name: string, config: unknown) => {
    const path = `${dir}/${name}.json`;
    await Deno.writeTextFile(path, JSON.stringify(config, null, 2));
    return path;
  };
  const collector = await write(
    "collector",
    sim.config({
      server: { hostname: "127.0.0.1", port: freePort(8080) },
      nats: { servers: [natsUrl], publish: true },
    }),
  );
  const edge = (port: number) => ({
    server: { hostname: "127.0.0.1", port },
    nats: { servers: [natsUrl], consume: exchanges },
  });
  const children = [
    spawnNode("collector", collector),
    spawnNode("edge-1", await write("edge1", edge(freePort(8081)))),
    spawnNode("edge-2", await write("edge2", edge(freePort(8082)))),
  ];
  let code = 0;
  const done = Promise.withResolvers<void>();
  const onSignal = () => done.resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const urls = await Promise.all(children.map((c) => c.url));
    console.log(`\nNATS JetStream: ${natsUrl} (store ${dir}/nats)`);
    children.forEach((c, i) =>
      console.log(`${c.name.padEnd(9)} ${urls[i]}  (dashboard, /ws, /health, /metrics)`)
    );
    console.log(`(simulated market at ${rate} steps/s; Ctrl-C to stop)\n`);
    if (values.duration !== undefined) setTimeout(onSignal, Number(values.duration) * 1000);
    await Promise.race([done.promise, ...children.map((c) => c.process.status)]);
  } catch (e) {
    console.error(`demo:cluster: ${(e as Error).message}`);
    code = 1;
  }
  for (const c of children) {
    try {
      c.process.kill("SIGTERM");
    } catch { /* gone */ }
  }
  await Promise.all(children.map(async (c) => {
    const timer = setTimeout(() => c.process.kill("SIGKILL"), 10_000);
    await c.process.status;
    clearTimeout(timer);
    await c.output;
  }));
  nats.kill("SIGTERM");
  await nats.status;
  await sim.stop();
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  console.log("demo:cluster stopped");
  return code;
}

if (import.meta.main) Deno.exit(await main());
