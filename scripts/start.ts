/**
 * `deno task start`: runs the service (`src/main.ts`) in a child process with only the
 * permissions it needs ({@linkcode serviceArgs}: network, reading its code, `build/` and the
 * config, two environment variables, and writing only the `--record` directory when one is
 * given), passes every argument through, forwards SIGINT/SIGTERM and exits with the service's
 * code. The launcher itself holds `--allow-run` (to start the service, and `sh -c "ulimit -n"` for
 * the open-file limit it hands over in `ALPHAPULSE_FD_LIMIT`) and `--allow-env=ALPHAPULSE_CONFIG`
 * (to grant a config file named there), and reads no input.
 *
 * @module
 */
import { FD_LIMIT_ENV, fdLimitFrom, serviceArgs } from "../src/service_permissions.ts";

/** The open-file limit (`ulimit -n`, which the service inherits); undefined when unknown. */
async function fdLimit(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("sh", { args: ["-c", "ulimit -n"], stderr: "null" })
      .output();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && fdLimitFrom(text) !== undefined ? text : undefined;
  } catch {
    return undefined; // no sh (Windows): the service runs without a derived cap
  }
}

if (import.meta.main) {
  let args: string[];
  try {
    args = serviceArgs(Deno.args, { env: (name) => Deno.env.get(name) });
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    console.error(e.message);
    Deno.exit(2);
  }
  const limit = await fdLimit();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "inherit",
    env: limit === undefined ? {} : { [FD_LIMIT_ENV]: limit },
  }).spawn();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // A terminal's Ctrl-C reaches the service directly too; it shuts down once either way.
    Deno.addSignalListener(signal, () => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    });
  }
  const status = await child.status;
  Deno.exit(status.signal === null ? status.code : 128 + signalNumber(status.signal));
}

function signalNumber(signal: Deno.Signal): number {
  return ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Partial<Record<Deno.Signal, number>>)[signal] ??
    1;
}
