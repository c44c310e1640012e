/**
 * The Deno permissions the service needs, and nothing more (issue 13): how `deno task start`
 * (through `scripts/start.ts`) and `deno task demo` run `src/main.ts`.
 *
 * | flag | why |
 * | --- | --- |
 * | `--allow-net` | exchange WebSockets and REST (any configured host), and the server's listener |
 * | `--allow-read=<src/>,<build/>,/proc/self/limits[,<config file>]` | the collector Workers' modules, the WASM core and the web assets, the descriptor limit read at start, the configuration file |
 * | `--allow-env=PORT,ALPHAPULSE_CONFIG,ALPHAPULSE_FD_LIMIT` | the configuration's two variables, and the open-file limit the launcher hands over |
 * | `--allow-write=<dir>` | only with `--record <dir>`: the recording |
 *
 * No `--allow-run`, `--allow-sys` or `--allow-ffi`: the service starts no process. Deno lets only
 * `-A` read `/proc/self/limits`, so the launcher (which may run processes) reads `ulimit -n` and
 * hands the open-file limit over in `ALPHAPULSE_FD_LIMIT`. Workers inherit these permissions.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { flagValue } from "./cli_flags.ts";

/** The environment variables the service reads. */
export const SERVICE_ENV = ["PORT", "ALPHAPULSE_CONFIG", "ALPHAPULSE_FD_LIMIT"] as const;

/**
 * The open-file limit, handed from the launcher to the service: Deno lets only `-A` read
 * `/proc/self/limits`, and the service derives its connection cap from the limit.
 */
export const FD_LIMIT_ENV = "ALPHAPULSE_FD_LIMIT";

/**
 * The open-file limit the service reads (from {@linkcode FD_LIMIT_ENV}); undefined when unset or
 * not a positive integer (`unlimited` counts as the largest safe integer).
 *
 * @example
 * ```ts
 * import { fdLimitFrom } from "./service_permissions.ts";
 * if (fdLimitFrom("1024") !== 1024 || fdLimitFrom("x") !== undefined) throw new Error();
 * ```
 */
export function fdLimitFrom(text: string | undefined): number | undefined {
  if (text === "unlimited") return Number.MAX_SAFE_INTEGER;
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/** V8 flags of the service (a 1 MB young generation; see the README's memory figures). */
export const SERVICE_V8_FLAGS = "--max-semi-space-size=1,--optimize-for-size";

/** Options of {@linkcode serviceArgs}. */
export interface ServiceArgsOptions {
  /** Reads an environment variable (`ALPHAPULSE_CONFIG` may name the config file). */
  env?: (name: string) => string | undefined;
  /** The repository root (default: the one holding this file). */
  root?: URL;
}

/**
 * The `deno` arguments that run the service with `serviceArgs` (the service's own command
 * line: `--config`, `--record`, …) under exactly the permissions it needs. Throws `TypeError`
 * for a flag without a value or a path Deno's permission lists cannot hold (one with a comma).
 *
 * @example
 * ```ts
 * import { serviceArgs } from "./service_permissions.ts";
 * const plain = serviceArgs(["--config", "my.json"]);
 * if (plain.some((a) => a.startsWith("--allow-write") || a === "-A")) throw new Error();
 * const recording = serviceArgs(["--record", "rec/"]);
 * if (!recording.includes("--allow-write=rec/")) throw new Error();
 * ```
 */
export function serviceArgs(
  args: readonly string[],
  options: ServiceArgsOptions = {},
): string[] {
  const root = options.root ?? new URL("../", import.meta.url);
  const env = options.env ?? (() => undefined);
  const fromEnv = env("ALPHAPULSE_CONFIG");
  const config = flagValue(args, "--config") ??
    (fromEnv !== undefined && !fromEnv.trimStart().startsWith("{") && fromEnv !== ""
      ? fromEnv
      : undefined);
  const record = flagValue(args, "--record");
  const read = [
    fileURLToPath(new URL("src/", root)),
    fileURLToPath(new URL("build/", root)),
  ];
  if (config !== undefined) read.push(config);
  for (const path of [...read, ...(record === undefined ? [] : [record])]) {
    if (path.includes(",")) {
      throw new TypeError(`Paths with a comma cannot be granted to the service: ${path}`);
    }
  }
  return [
    "run",
    "--allow-net",
    `--allow-read=${read.join(",")}`,
    `--allow-env=${SERVICE_ENV.join(",")}`,
    ...(record === undefined ? [] : [`--allow-write=${record}`]),
    `--v8-flags=${SERVICE_V8_FLAGS}`,
    fileURLToPath(new URL("src/main.ts", root)),
    ...args,
  ];
}
