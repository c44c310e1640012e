/**
 * `deno task demo`: the whole pipeline offline. Starts the exchange simulator (every registered
 * venue's mock on 127.0.0.1: Coinbase, Kraken, Binance.US, Binance, Bybit, OKX, Bitfinex), writes
 * a temporary config pointing every exchange at it, starts the service exactly as `deno task start`
 * does (`src/main.ts --config <tmp>`, collectors in Workers, the same permissions:
 * `src/service_permissions.ts`), prints the dashboard URL and runs until Ctrl-C; then stops both
 * and removes the temporary config.
 *
 * Flags: `--rate <steps/s>` (default 200), `--port <n>` (dashboard port; default `PORT` or 8080,
 * or a free port when that one is taken), `--faults` (a gentle fault mix: gaps, bad checksums,
 * malformed frames, a disconnect every 45 s, so resyncs show on the dashboard), `--no-bursts`,
 * `--record <dir>` (record the collectors' raw inputs, for `deno task replay <dir>`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Simulator, type SimulatorOptions } from "../src/simulator/simulator.ts";
import { serviceArgs } from "../src/service_permissions.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const START_TIMEOUT_MS = 60_000;

/**
 * The demo's simulator: every registered venue with its mock's default symbols (the simulator's
 * default), paced at `rate` steps/s, with bursts and, when asked, a gentle fault mix.
 *
 * @example
 * ```ts
 * import { demoSimulatorOptions } from "./demo.ts";
 * const o = demoSimulatorOptions({ rate: 200, faults: true, bursts: false });
 * if (o.exchanges !== undefined || o.faults?.gapEveryN !== 4001) throw new Error();
 * ```
 */
export function demoSimulatorOptions(
  flags: { rate: number; faults: boolean; bursts: boolean },
): SimulatorOptions {
  return {
    rate: flags.rate,
    bursts: flags.bursts ? { meanIntervalMs: 4000, durationMs: 400, multiplier: 8 } : false,
    faults: flags.faults
      ? {
        gapEveryN: 4001,
        badChecksumEveryN: 3001,
        malformedEveryN: 5003,
        disconnectEverySec: 45,
        venues: { kraken: { gapEveryN: 0 } },
      }
      : undefined,
  };
}

/**
 * `preferred` when it is free on 127.0.0.1, else any free port.
 *
 * @example
 * ```ts
 * import { freePort } from "./demo.ts";
 * const port = freePort(0);
 * if (!(port > 0)) throw new Error();
 * ```
 */
export function freePort(preferred = 0): number {
  for (const port of [preferred, 0]) {
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      const chosen = (listener.addr as Deno.NetAddr).port;
      listener.close();
      return chosen;
    } catch (e) {
      if (!(e instanceof Deno.errors.AddrInUse)) throw e;
    }
  }
  throw new Error("no free port");
}

/** Copies a child's output line by line to `out`, prefixed `[prefix]`, calling `onLine` for each. */
export async function pump(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  onLine: (line: string) => void,
  out: typeof Deno.stdout = Deno.stdout,
): Promise<void> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let rest = "";
  for await (const bytes of stream) {
    const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      onLine(line);
      await out.write(encoder.encode(`  [${prefix}] ${line}\n`));
    }
  }
  if (rest) await out.write(encoder.encode(`  [${prefix}] ${rest}\n`));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rate: { type: "string", default: "200" },
      port: { type: "string" },
      faults: { type: "boolean", default: false },
      "no-bursts": { type: "boolean", default: false },
      record: { type: "string" },
    },
  });
  const rate = Number(values.rate);
  if (!(rate > 0)) throw new RangeError(`--rate must be a positive number, got ${values.rate}`);
  const wanted = Number(values.port ?? Deno.env.get("PORT") ?? 8080);
  const port = freePort(wanted);

  const sim = new Simulator(demoSimulatorOptions({
    rate,
    faults: values.faults,
    bursts: !values["no-bursts"],
  }));
  await sim.start();
  for (const v of sim.endpoints()) {
    console.log(`simulated ${v.exchange.padEnd(9)} ${v.wsUrl}  ${v.symbols.join(", ")}`);
  }
  const configPath = await Deno.makeTempFile({ prefix: "alphapulse-demo-", suffix: ".json" });
  const config = sim.config({ server: { hostname: "127.0.0.1", port } });
  await Deno.writeTextFile(configPath, JSON.stringify(config, null, 2));

  const serviceFlags = ["--config", configPath];
  if (values.record !== undefined) serviceFlags.push("--record", values.record);
  // With exactly the permissions `deno task start` gives it.
  const args = serviceArgs(serviceFlags);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { PORT: String(port) },
  }).spawn();

  let announced = false;
  const listening = Promise.withResolvers<void>();
  const onLine = (line: string) => {
    const m = /listening on (http:\/\/[^\s/]+\/)/.exec(line);
    if (m && !announced) {
      announced = true;
      console.log(`\nDashboard: ${m[1]}`);
      console.log(
        `(simulated market at ${rate} steps/s${
          values.faults ? ", with faults" : ""
        }; Ctrl-C to stop)\n`,
      );
      listening.resolve();
    }
  };
  const output = Promise.all([
    pump(child.stdout, "service", onLine),
    pump(child.stderr, "service", onLine, Deno.stderr),
  ]);
  const startTimer = setTimeout(
    () => listening.reject(new Error(`service did not start within ${START_TIMEOUT_MS} ms`)),
    START_TIMEOUT_MS,
  );

  let stopping = false;
  let killer: ReturnType<typeof setTimeout> | undefined;
  const stop = (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    try {
      child.kill(signal); // the service shuts down gracefully on SIGINT / SIGTERM
    } catch {
      return; // already gone
    }
    // Still running long after being told to stop: force it.
    killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);

  let code = 0;
  try {
    const exited = child.status.then((s) => {
      throw new Error(`the service exited before listening (code ${s.code})`);
    });
    exited.catch(() => {});
    await Promise.race([listening.promise, exited]);
  } catch (e) {
    console.error(`demo: ${(e as Error).message}`);
    stop("SIGTERM");
    code = 1;
  } finally {
    clearTimeout(startTimer);
  }
  const status = await child.status;
  if (!stopping) {
    console.error(`demo: the service exited on its own (code ${status.code})`);
    code = status.code || 1;
  }
  clearTimeout(killer);
  await output;
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGTERM", onTerm);
  await sim.stop();
  await Deno.remove(configPath).catch(() => {});
  console.log("demo stopped");
  return code;
}

if (import.meta.main) Deno.exit(await main());
