/**
 * AlphaPulse service entry point (`deno task start`): loads the configuration, starts one
 * collector per configured exchange, serves clients, and shuts down gracefully on SIGINT/SIGTERM.
 *
 * @module
 */
import { ConfigError, loadConfig } from "./config.ts";
import { startFeeds } from "./runtime/feeds.ts";
import { createServer } from "./server/server.ts";
import { flagValue } from "./cli_flags.ts";
import { FD_LIMIT_ENV, fdLimitFrom } from "./service_permissions.ts";
import { startNats } from "./nats/node.ts";

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/** What the runtime says the service may write (`deno task start` grants only `--record`). */
function writeAccess(recordDir: string | undefined): string {
  if (Deno.permissions.querySync({ name: "write" }).state === "granted") {
    return "write anywhere (started with --allow-write or -A; `deno task start` grants less)";
  }
  if (recordDir === undefined) return "no write access";
  const state = Deno.permissions.querySync({ name: "write", path: recordDir }).state;
  return `write ${state === "granted" ? "only" : "NOT granted to"} ${recordDir}`;
}

async function main(): Promise<number> {
  let config;
  let recordDir: string | undefined;
  try {
    config = loadConfig({ args: Deno.args, env: (name) => Deno.env.get(name) });
    recordDir = flagValue(Deno.args, "--record");
  } catch (e) {
    if (e instanceof ConfigError || e instanceof TypeError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const exchanges = Object.keys(config.exchanges);
  log(`starting collectors (${config.runtime.mode} mode): ${exchanges.join(", ") || "none"}`);
  log(`permissions: ${writeAccess(recordDir)}`);
  if (recordDir !== undefined) log(`recording every raw exchange input into ${recordDir}`);
  const feeds = await startFeeds(config, log, { recordDir });
  const nats = await startNats({ config, feeds, log });
  if (nats) {
    const roles = [
      nats.publishers.length > 0 ? `publishing ${exchanges.join(", ")}` : "",
      nats.edgeFeeds.length > 0 ? `consuming ${config.nats!.consume.join(", ")}` : "",
    ].filter((r) => r !== "");
    log(
      `NATS ${config.nats!.servers.join(", ")} as node ${nats.node}: ${
        roles.join("; ") || "no role"
      }`,
    );
  }
  const server = await createServer({
    config,
    feeds: [...feeds, ...(nats?.edgeFeeds ?? [])],
    descriptorLimit: fdLimitFrom(Deno.env.get(FD_LIMIT_ENV)),
    sections: nats ? [nats.section] : [],
  });
  log(
    `listening on http://${server.hostname}:${server.port}/ (WebSocket: /ws, health: /health, ` +
      `metrics: /metrics; at most ${server.maxConnections} connections)`,
  );

  const stopped = Promise.withResolvers<void>();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await server.close("server shutting down");
    await nats?.stop(true);
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
