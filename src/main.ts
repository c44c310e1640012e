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

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig({ args: Deno.args, env: (name) => Deno.env.get(name) });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const exchanges = Object.keys(config.exchanges);
  log(`starting collectors (${config.runtime.mode} mode): ${exchanges.join(", ") || "none"}`);
  const feeds = await startFeeds(config, log);
  const server = await createServer({ config, feeds });
  log(`listening on http://${server.hostname}:${server.port}/ (WebSocket: /ws, health: /health, metrics: /metrics)`);

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
