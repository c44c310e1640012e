/**
 * What one event-loop wake-up costs the thread that is woken: a Worker increments a shared
 * counter and `Atomics.notify`s at a fixed rate; the main thread is woken by `Atomics.waitAsync`
 * (the server's ring pump) or polls with `setTimeout(n)`, and does nothing else. Prints the main
 * thread's CPU (utime + stime of its own task in `/proc`) per wake-up and per write. This is the
 * floor under any per-record hand-off between threads, and why the pump avoids wake-ups.
 *
 *   flock /tmp/bench.lock deno run -A bench/wakeup_cost.ts [--rate 1000] [--writes 5000]
 *
 * @module
 */
import { parseArgs } from "node:util";

const args = parseArgs({
  args: Deno.args,
  options: {
    rate: { type: "string", default: "1000" },
    writes: { type: "string", default: "5000" },
  },
});
const rate = Number(args.values.rate);
const total = Number(args.values.writes);

const workerSource = `self.onmessage = (e) => {
  const i32 = new Int32Array(e.data.sab);
  let n = 0;
  const t0 = performance.now();
  const tick = () => {
    const due = Math.min(e.data.total, Math.floor((performance.now() - t0) * e.data.rate / 1000));
    for (; n < due; n++) { Atomics.add(i32, 0, 1); Atomics.notify(i32, 0); }
    if (n < e.data.total) setTimeout(tick, 1); else self.postMessage("done");
  };
  tick();
};`;

/** CPU ms of this (main) thread. */
function threadCpuMs(): number {
  const st = Deno.readTextFileSync(`/proc/self/task/${Deno.pid}/stat`);
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  const hz = 100;
  return (Number(f[11]) + Number(f[12])) * 1000 / hz;
}

async function run(mode: "waitAsync" | number): Promise<string> {
  const sab = new SharedArrayBuffer(8);
  const i32 = new Int32Array(sab);
  const url = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  let done = false;
  worker.onmessage = () => done = true;
  let seen = 0;
  let wakes = 0;
  const keepAlive = setInterval(() => {}, 1 << 30);
  const c0 = threadCpuMs();
  worker.postMessage({ sab, rate, total });
  while (!done) {
    const cur = Atomics.load(i32, 0);
    if (cur !== seen) {
      seen = cur;
      wakes++;
    }
    if (mode === "waitAsync") {
      const r = Atomics.waitAsync(i32, 0, cur, 100);
      if (r.async) await r.value;
    } else await new Promise((r) => setTimeout(r, mode));
  }
  const cpu = threadCpuMs() - c0;
  clearInterval(keepAlive);
  worker.terminate();
  const name = mode === "waitAsync" ? "Atomics.waitAsync per write" : `setTimeout(${mode}) poll`;
  return `| ${name} | ${total} | ${wakes} | ${cpu.toFixed(0)} | ${
    (cpu * 1000 / wakes).toFixed(1)
  } | ${(cpu * 1000 / total).toFixed(1)} |`;
}

console.log(`writes at ${rate}/s from a Worker; main thread CPU (10 ms tick resolution)\n`);
console.log(
  "| main thread | writes | wake-ups that found writes | CPU ms | µs per such wake-up | µs per write |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const mode of ["waitAsync", 1, 25] as const) console.log(await run(mode));
