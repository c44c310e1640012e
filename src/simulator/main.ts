/**
 * Simulator command line: serves every registered venue's mock (WebSocket, and REST where the venue
 * has it) on 127.0.0.1 at a total message rate, prints where, and runs until Ctrl-C.
 *
 * ```sh
 * deno run -A src/simulator/main.ts --rate 1000
 * deno run -A src/simulator/main.ts --rate 150000 --threads
 * deno run -A src/simulator/main.ts --rate 500 --bursts --gap-every 2000 --bad-checksum-every 3000 \
 *   --malformed-every 5000 --disconnect-every 60 --config-out /tmp/sim.json
 * deno task start --config /tmp/sim.json    # the service, pointed at it
 * ```
 *
 * Flags: `--rate <steps/s>` (default 1000; see `simulator.ts` for what a step is), `--seed <n>`,
 * `--<venue id> <syms>` per registered venue (comma lists of `BASE/QUOTE`; `none` leaves a venue
 * out), `--ports <p1,p2,...>` (one per venue in registry order; default: free ports), `--threads` (one Worker
 * per venue), `--bursts`, `--gap-every <n>`, `--bad-checksum-every <n>`, `--malformed-every <n>`,
 * `--disconnect-every <s>`, `--batch-interval <ms>` (0 = one diff event per step),
 * `--config-out <path>` (write a service config pointing at the simulator), `--stats-every <s>`
 * (default 5; 0 = quiet).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { EXCHANGES, venue as venueOf } from "../exchanges/registry.ts";
import { DEFAULT_SYMBOLS, Simulator, type SimulatorOptions } from "./simulator.ts";
import { ThreadedSimulator } from "./threaded_simulator.ts";

/** Parsed command line. */
export interface SimulatorCli {
  /** Options for the simulator. */
  options: SimulatorOptions;
  /** Run one Worker per venue. */
  threads: boolean;
  /** Write the service config here. */
  configOut?: string;
  /** Print a stats line this often (0 = never). */
  statsEverySec: number;
}

const VENUES = EXCHANGES;

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`--${name} needs a number >= 0, got ${text}`);
  }
  return n;
}

/**
 * Parse the simulator's flags.
 *
 * @example
 * ```ts
 * import { parseSimulatorArgs } from "./main.ts";
 * const cli = parseSimulatorArgs(["--rate", "5000", "--kraken", "BTC/USD", "--coinbase", "none"]);
 * if (cli.options.rate !== 5000 || cli.options.exchanges?.coinbase !== undefined) throw new Error();
 * ```
 */
export function parseSimulatorArgs(args: readonly string[]): SimulatorCli {
  const venueFlags = Object.fromEntries(VENUES.map((id) => [id, { type: "string" as const }]));
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      rate: { type: "string", default: "1000" },
      seed: { type: "string" },
      ...venueFlags,
      ports: { type: "string" },
      threads: { type: "boolean", default: false },
      bursts: { type: "boolean", default: false },
      "gap-every": { type: "string" },
      "bad-checksum-every": { type: "string" },
      "malformed-every": { type: "string" },
      "disconnect-every": { type: "string" },
      "batch-interval": { type: "string" },
      "config-out": { type: "string" },
      "stats-every": { type: "string", default: "5" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) throw new HelpRequested();
  const exchanges: SimulatorOptions["exchanges"] = {};
  for (const venue of VENUES) {
    const list = (values as Record<string, string | boolean | undefined>)[venue] as
      | string
      | undefined;
    if (list === undefined) exchanges[venue] = DEFAULT_SYMBOLS[venue];
    else if (list !== "none" && list !== "") {
      exchanges[venue] = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
    }
  }
  let ports: SimulatorOptions["ports"];
  if (values.ports !== undefined) {
    const p = values.ports.split(",").map((s) => count("ports", s)!);
    ports = Object.fromEntries(VENUES.flatMap((id, i) => p[i] === undefined ? [] : [[id, p[i]]]));
  }
  return {
    options: {
      rate: count("rate", values.rate),
      seed: count("seed", values.seed),
      exchanges,
      ports,
      bursts: values.bursts,
      faults: {
        gapEveryN: count("gap-every", values["gap-every"]),
        badChecksumEveryN: count("bad-checksum-every", values["bad-checksum-every"]),
        malformedEveryN: count("malformed-every", values["malformed-every"]),
        disconnectEverySec: count("disconnect-every", values["disconnect-every"]),
      },
      batchIntervalMs: count("batch-interval", values["batch-interval"]),
    },
    threads: values.threads,
    configOut: values["config-out"],
    statsEverySec: count("stats-every", values["stats-every"]) ?? 5,
  };
}

/** `--help` was given. */
export class HelpRequested extends Error {
  constructor() {
    super("help requested");
    this.name = "HelpRequested";
  }
}

const HELP = `Exchange simulator: ${VENUES.map((id) => venueOf(id).name).join(", ")} on 127.0.0.1.

  deno run -A src/simulator/main.ts [--rate 1000] [--threads] [--seed 1]
    ${
  VENUES.map((id) => `[--${id} ${venueOf(id).mock.defaultSymbols.join(",")}]`).join(" ")
} ('none' = off)
    [--ports ${
  VENUES.map((_, i) => 9001 + i).join(",")
}] [--bursts] [--gap-every N] [--bad-checksum-every N]
    [--malformed-every N] [--disconnect-every S] [--batch-interval MS]
    [--config-out sim.json] [--stats-every 5]

--rate is market steps per second over every book (one book update message per step and
subscribed connection). --config-out writes a service config pointing at the simulator:
  deno task start --config sim.json`;

async function main(): Promise<number> {
  let cli: SimulatorCli;
  try {
    cli = parseSimulatorArgs(Deno.args);
  } catch (e) {
    if (e instanceof HelpRequested) {
      console.log(HELP);
      return 0;
    }
    console.error(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const single = cli.threads ? undefined : new Simulator(cli.options);
  const sim = single ?? await ThreadedSimulator.start(cli.options);
  if (single) await single.start();
  for (const v of sim.endpoints()) {
    const rest = v.restUrl ? `  REST ${v.restUrl}` : "";
    console.log(`${v.exchange.padEnd(9)} ${v.wsUrl}${rest}  ${v.symbols.join(", ")}`);
  }
  const config = sim.config();
  if (cli.configOut) {
    await Deno.writeTextFile(cli.configOut, JSON.stringify(config, null, 2) + "\n");
    console.log(
      `service config written to ${cli.configOut}: deno task start --config ${cli.configOut}`,
    );
  } else {
    console.log(`service config:\n${JSON.stringify(config)}`);
  }
  console.log(
    `rate ${sim.rate} steps/s${cli.threads ? ` on ${sim.exchanges.length} threads` : ""}`,
  );
  let last = { at: performance.now(), sent: 0, steps: 0 };
  const timer = cli.statsEverySec > 0
    ? setInterval(async () => {
      const s = single ? single.stats : await (sim as ThreadedSimulator).stats();
      const now = performance.now();
      const dt = (now - last.at) / 1000;
      const f = s.faults;
      const sumOf = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
      console.log(
        `${new Date().toISOString()} steps/s ${Math.round((s.steps - last.steps) / dt)} ` +
          `msgs/s ${Math.round((s.messagesSent - last.sent) / dt)} missed ${s.missedSteps} ` +
          `bursts ${s.bursts} gaps ${sumOf(f.gaps)} badChecksums ${sumOf(f.badChecksums)} ` +
          `malformed ${sumOf(f.malformed)} disconnects ${sumOf(f.disconnects)}`,
      );
      last = { at: now, sent: s.messagesSent, steps: s.steps };
    }, cli.statsEverySec * 1000)
    : undefined;
  const stop = Promise.withResolvers<void>();
  const onSignal = () => stop.resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  await stop.promise;
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  clearInterval(timer);
  await sim.stop();
  console.log("simulator stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main());
