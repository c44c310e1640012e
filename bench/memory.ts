/**
 * Memory: RSS of the whole service (started as `deno task start` starts it, in its own process)
 * with 3 exchanges x 10 symbols fed by the simulator and 100 WebSocket clients subscribed to every
 * book, in both runtime modes. Bar: under 100 MB.
 *
 *   deno run -A bench/memory.ts
 */
import { Simulator } from "../src/simulator/simulator.ts";
import { serviceArgs } from "../src/service_permissions.ts";

const SYMBOLS = {
  coinbase: [
    "BTC/USD",
    "ETH/USD",
    "SOL/USD",
    "ADA/USD",
    "XRP/USD",
    "DOGE/USD",
    "LTC/USD",
    "DOT/USD",
    "LINK/USD",
    "AVAX/USD",
  ],
  kraken: [
    "BTC/USD",
    "ETH/USD",
    "SOL/USD",
    "ADA/USD",
    "XRP/USD",
    "DOGE/USD",
    "LTC/USD",
    "DOT/USD",
    "LINK/USD",
    "AVAX/USD",
  ],
  binanceus: [
    "BTC/USDT",
    "ETH/USDT",
    "SOL/USDT",
    "ADA/USDT",
    "XRP/USDT",
    "DOGE/USDT",
    "LTC/USDT",
    "DOT/USDT",
    "LINK/USDT",
    "AVAX/USDT",
  ],
};
const CLIENTS = 100;
const SECONDS = 8;

function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

console.log(
  `| mode | RSS after start (MB) | RSS with ${CLIENTS} clients (MB) | peak (MB) | deltas received by clients |`,
);
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const mode of ["workers", "single"] as const) {
  const sim = new Simulator({ exchanges: SYMBOLS, rate: 600, seed: 5 });
  await sim.start();
  const dir = await Deno.makeTempDir();
  const config = { ...sim.config({ server: { port: 0 }, runtime: { mode } }) };
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  const child = new Deno.Command(Deno.execPath(), {
    // the service as `deno task start`'s launcher runs it (same permissions and V8 flags)
    args: serviceArgs(["--config", `${dir}/config.json`]),
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let out = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let port = 0;
  while (!port) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`service exited: ${out}`);
    out += value;
    port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1] ?? 0);
  }
  const drainOut = (async () => {
    while (!(await reader.read()).done) { /* keep the pipe flowing */ }
  })();
  await new Promise((r) => setTimeout(r, 2000));
  const base = rssMb(child.pid);
  let received = 0;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?format=${i % 2 ? "binary" : "json"}`);
    ws.onopen = () => {
      for (const [exchange, symbols] of Object.entries(SYMBOLS)) {
        ws.send(JSON.stringify({ op: "subscribe", channel: "book", exchange, symbols }));
      }
    };
    ws.onmessage = () => void received++;
    sockets.push(ws);
  }
  let peak = base;
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    peak = Math.max(peak, rssMb(child.pid));
  }
  const withClients = rssMb(child.pid);
  for (const ws of sockets) ws.close();
  child.kill("SIGTERM");
  await child.status;
  await drainOut;
  await sim.stop();
  await Deno.remove(dir, { recursive: true });
  console.log(
    `| ${mode} | ${base.toFixed(1)} | ${withClients.toFixed(1)} | ${peak.toFixed(1)} | ${
      received.toLocaleString("en-US")
    } |`,
  );
}
