/**
 * `deno task start` runs the service with only the permissions it needs (issue 13): the flags
 * (`src/service_permissions.ts`), and the real task from `deno.json` in a subprocess: it serves
 * `/health` with live books from a simulated venue, the dashboard and the WASM core, reads its
 * descriptor limit, and holds no write permission unless `--record` is given.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { serviceArgs } from "../src/service_permissions.ts";
import { connectionCap } from "../src/server/ws_transport.ts";
import { Simulator } from "../src/simulator/simulator.ts";
import { listSessions, readRecords } from "../src/recorder/reader.ts";
import { StartTask } from "./support/start_task.ts";

const FORBIDDEN = /^(-A|--allow-all|--allow-run|--allow-sys|--allow-ffi|--allow-write)(=|$)/;

Deno.test("service flags: network, its own code, build/, the config and two variables; write only for --record", () => {
  const root = new URL("file:///repo/");
  const plain = serviceArgs(["--config", "my.json"], { root });
  deepStrictEqual(plain, [
    "run",
    "--allow-net",
    "--allow-read=/repo/src/,/repo/build/,my.json",
    "--allow-env=PORT,ALPHAPULSE_CONFIG,ALPHAPULSE_FD_LIMIT",
    "--v8-flags=--max-semi-space-size=1,--optimize-for-size",
    "/repo/src/main.ts",
    "--config",
    "my.json",
  ]);
  ok(!plain.some((a) => FORBIDDEN.test(a)));
  const recording = serviceArgs(["--record=rec/"], { root });
  deepStrictEqual(recording.filter((a) => a.startsWith("--allow-write")), ["--allow-write=rec/"]);
  // ALPHAPULSE_CONFIG naming a file is granted; inline JSON needs no file.
  const env = (v: string) => (name: string) => name === "ALPHAPULSE_CONFIG" ? v : undefined;
  ok(serviceArgs([], { root, env: env("/etc/ap.json") })[2].endsWith(",/etc/ap.json"));
  ok(serviceArgs([], { root, env: env('{"exchanges":{}}') })[2].endsWith("/repo/build/"));
  let threw = false;
  try {
    serviceArgs(["--record", "a,b"], { root });
  } catch (e) {
    threw = e instanceof TypeError;
  }
  ok(threw, "a path Deno's permission list cannot hold is refused");
});

async function simulated() {
  const sim = new Simulator({ exchanges: { kraken: ["BTC/USD", "ETH/USD"] }, seed: 9, rate: 20 });
  await sim.start();
  const dir = await Deno.makeTempDir({ prefix: "alphapulse-perm-" });
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify(sim.config({ server: { hostname: "127.0.0.1", port: 0 } })),
  );
  return { sim, dir, config };
}

async function liveHealth(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (status !== 200) {
    if (Date.now() > deadline) throw new Error(`/health still ${status} after 30 s`);
    const r = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    await r?.body?.cancel();
    status = r?.status ?? 0;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test("deno task start: its exact flags serve live books, the dashboard and the core, with no write access", async () => {
  const { sim, dir, config } = await simulated();
  const task = await StartTask.start(["--config", config]);
  try {
    const port = await task.port();
    await liveHealth(port);
    for (const path of ["/", "/alphapulse_client.js", "/wasm/alphapulse.wasm"]) {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      await r.body?.cancel();
      equal(r.status, 200, path);
    }
    const pid = await task.servicePid();
    const argv = await StartTask.commandLine(pid);
    ok(argv.includes("--allow-net"), argv.join(" "));
    ok(!argv.some((a) => FORBIDDEN.test(a)), `service flags: ${argv.join(" ")}`);
    await task.line(/permissions: no write access/);
    // The descriptor limit reached the service (handed over by the launcher): the cap derives
    // from it.
    const limits = await Deno.readTextFile(`/proc/${pid}/limits`);
    const nofile = Number(/^Max open files\s+(\d+)/m.exec(limits)![1]);
    await task.line(new RegExp(`at most ${connectionCap(nofile)} connections`));
  } finally {
    const status = await task.stop();
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
    equal(status.code, 0, task.lines.join("\n"));
  }
  ok(task.lines.some((l) => l.includes("SIGTERM: shutting down")), "SIGTERM forwarded");
  ok(!task.lines.some((l) => /NotCapable|Requires \w+ access/.test(l)), task.lines.join("\n"));
});

Deno.test("deno task start --record <dir>: write access to that directory only, and the recording replays", async () => {
  const { sim, dir, config } = await simulated();
  const rec = `${dir}/rec`;
  const task = await StartTask.start(["--config", config, "--record", rec]);
  try {
    await liveHealth(await task.port());
    const argv = await StartTask.commandLine(await task.servicePid());
    deepStrictEqual(argv.filter((a) => a.startsWith("--allow-write")), [`--allow-write=${rec}`]);
    await task.line(new RegExp(`permissions: write only ${rec}`));
  } finally {
    equal((await task.stop()).code, 0, task.lines.join("\n"));
    await sim.stop();
  }
  try {
    const [session] = await listSessions(rec);
    let ws = 0;
    for await (const r of readRecords(session)) if (r.k === "ws") ws++;
    ok(ws > 0, "recorded frames");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
