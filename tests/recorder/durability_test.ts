/**
 * Recorder durability (issue 13 item 9): `deno task start --record` at a quiet rate, the service
 * killed with SIGKILL about 2.5 s after it started recording. What reached the disk must read
 * back (a cut-off gzip stream and a partial last line are tolerated), hold at least ~1.5 s of the
 * session, and replay through the adapters to live books. Before, a quiet session left 0 bytes.
 */
import { equal, ok } from "node:assert/strict";
import { listSessions, readRecords } from "../../src/recorder/reader.ts";
import { replayRecording } from "../../src/recorder/replay.ts";
import { Simulator } from "../../src/simulator/simulator.ts";
import { StartTask } from "../support/start_task.ts";

Deno.test("SIGKILL during --record loses at most about a second; what was written replays", async () => {
  // A quiet market: 10 steps/s over two books (plus heartbeats), a few hundred bytes a second.
  const sim = new Simulator({ exchanges: { kraken: ["BTC/USD", "ETH/USD"] }, seed: 4, rate: 10 });
  await sim.start();
  const dir = await Deno.makeTempDir({ prefix: "alphapulse-kill-" });
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify(sim.config({ server: { hostname: "127.0.0.1", port: 0 } })),
  );
  const rec = `${dir}/rec`;
  const task = await StartTask.start(["--config", config, "--record", rec]);
  let killedAt = 0;
  let startedAt = 0;
  try {
    await task.line(/recording every raw exchange input/);
    await task.port();
    // The recording has begun once its first file exists (created at the first flush).
    const deadline = Date.now() + 20_000;
    while (startedAt === 0) {
      if (Date.now() > deadline) throw new Error("no recording file within 20 s");
      const files = await Array.fromAsync(Deno.readDir(rec)).catch(() => []);
      if (files.length > 0) startedAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    Deno.kill(await task.servicePid(), "SIGKILL");
    killedAt = Date.now();
    const status = await task.exit();
    equal(status.code, 128 + 9, "the launcher reports the service's SIGKILL");
  } finally {
    try {
      task.child.kill("SIGKILL");
    } catch { /* exited */ }
    await task.exit();
    await sim.stop();
  }
  try {
    const [session] = await listSessions(rec);
    const warnings: string[] = [];
    const records = [];
    for await (const r of readRecords(session, { warn: (w) => warnings.push(w) })) records.push(r);
    const ws = records.filter((r) => r.k === "ws");
    ok(ws.length > 10, `${ws.length} frames on disk (${warnings.join("; ")})`);
    const spanMs = records.at(-1)!.t - records[0].t;
    const lostMs = killedAt - records.at(-1)!.t;
    console.log(
      `recorded ${spanMs.toFixed(0)} ms before SIGKILL; last record ${lostMs.toFixed(0)} ms ` +
        `before the kill; ${ws.length} frames`,
    );
    ok(spanMs >= 1500, `only ${spanMs.toFixed(0)} ms of the session reached the disk`);
    ok(lostMs < 1500, `the last ${lostMs.toFixed(0)} ms before the kill were lost`);
    const summary = await replayRecording({ dir: rec });
    equal(summary.sessions.length, 1);
    const books = summary.sessions[0].books;
    ok(books.length === 2 && books.every((b) => b.updates > 0), JSON.stringify(books));
    ok(books.every((b) => b.checksumFailures === 0), "replayed frames verify");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
