/**
 * AlphaPulse service entry point (`deno task start`): loads the configuration, starts one
 * collector per configured exchange, serves clients, and shuts down gracefully on SIGINT/SIGTERM.
 *
 * @module
 */
import { ConfigError, loadConfig } from "./config.ts";
import { startFeeds } from "./runtime/feeds.ts";
import { createServer } from "./server/server.ts";

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/** The value of `--name <value>` or `--name=<value>` (throws when the value is missing). */
function flagValue(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) {
      value = args[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new ConfigError(`${name} needs a value`);
      }
    } else if (args[i].startsWith(`${name}=`)) value = args[i].slice(name.length + 1);
  }
  return value;
}

async function main(): Promise<number> {
  let config;
  let recordDir: string | undefined;
  try {
    config = loadConfig({ args: Deno.args, env: (name) => Deno.env.get(name) });
    recordDir = flagValue(Deno.args, "--record");
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const exchanges = Object.keys(config.exchanges);
  log(`starting collectors (${config.runtime.mode} mode): ${exchanges.join(", ") || "none"}`);
  if (recordDir !== undefined) log(`recording every raw exchange input into ${recordDir}`);
  const feeds = await startFeeds(config, log, { recordDir });
  const server = await createServer({ config, feeds });
  log(
    `listening on http://${server.hostname}:${server.port}/ (WebSocket: /ws, health: /health, metrics: /metrics)`,
  );

  const stopped = Promise.withResolvers<void>();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await server.close("server shutting down");
    await Promise.all(feeds.map((f) => f.stop()));
    stopped.resolve();
  };
  const onInt = () => void shutdown("SIGINT");
  const onTerm = () => void shutdown("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  await stopped.promise;
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGTERM", onTerm);
  log("stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main());
