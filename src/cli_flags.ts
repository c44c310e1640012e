/**
 * Reading `--name <value>` / `--name=<value>` flags from a command line, the one way the service
 * (`src/main.ts`) and its launcher (`scripts/start.ts`) both read them.
 *
 * @module
 */

/**
 * The value of `--name <value>` or `--name=<value>` in `args` (the last one when repeated),
 * undefined when absent. Throws `TypeError` when the flag is given without a value.
 *
 * @example
 * ```ts
 * import { flagValue } from "./cli_flags.ts";
 * if (flagValue(["--record", "rec/"], "--record") !== "rec/") throw new Error();
 * if (flagValue(["--config=my.json"], "--config") !== "my.json") throw new Error();
 * if (flagValue([], "--record") !== undefined) throw new Error();
 * ```
 */
export function flagValue(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) {
      value = args[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new TypeError(`${name} needs a value`);
      }
    } else if (args[i].startsWith(`${name}=`)) value = args[i].slice(name.length + 1);
  }
  if (value === "") throw new TypeError(`${name} needs a value`);
  return value;
}
