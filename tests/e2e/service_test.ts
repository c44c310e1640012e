/**
 * End to end: mock exchanges on loopback → the service started exactly as the README starts it
 * (`deno task start --config <file>`) → several WebSocket clients, JSON (rebuilding and checking
 * every message) and binary (the client library, rebuilding with the WASM core). At the end each
 * rebuilt book equals the exchange's top-N exactly, seq never skipped, every checksum verified;
 * then SIGTERM shuts the service down cleanly with clients connected.
 */
import { equal, ok } from "node:assert/strict";
import { AlphaPulseClient } from "../../src/client/mod.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { BinanceUsMock } from "../../src/exchanges/binanceus/mock.ts";
import { CoinbaseMock } from "../../src/exchanges/coinbase/mock.ts";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { BookClient } from "../server/book_clients.ts";

const DEPTH = 20;
type Lv = readonly [string, string];
const n = (l: readonly Lv[]) =>
  l.map(([p, s]) => `${normalizeDecimal(p)}@${normalizeDecimal(s)}`).join(" ");

async function startService(configPath: string) {
  const root = new URL("../../", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "start", "--config", configPath],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines: string[] = [];
  const decoder = new TextDecoderStream();
  child.stdout.pipeTo(decoder.writable).catch(() => {});
  child.stderr.pipeTo(
    new WritableStream({ write: (c) => void lines.push(new TextDecoder().decode(c)) }),
  ).catch(
    () => {},
  );
  const reader = decoder.readable.getReader();
  let buffered = "";
  let port = 0;
  const pumpOut = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(buffered);
      if (m) port = Number(m[1]);
    }
  })();
  await waitUntil(
    () => port !== 0,
    60_000,
    `the service to listen (stderr: ${lines.join("").slice(-500)})`,
  );
  return { child, port, output: () => buffered, pumpOut };
}

Deno.test("e2e: mocks → service (deno task start --config) → JSON and binary clients get exact books", async () => {
  const kr = new KrakenMock({
    symbols: ["BTC/USD", "ETH/USD"],
    seed: 21,
    heartbeatIntervalMs: 300,
  });
  const cb = new CoinbaseMock({
    symbols: ["BTC/USD", "ETH/USD"],
    seed: 22,
    heartbeatIntervalMs: 300,
  });
  const bn = new BinanceUsMock({ symbols: ["BTC/USDT"], seed: 23, flushOnStep: true });
  await Promise.all([kr.start(), cb.start(), bn.start()]);
  const dir = await Deno.makeTempDir();
  const configPath = `${dir}/config.json`;
  const fast = { silenceTimeoutMs: 5000, minBackoffMs: 50, maxBackoffMs: 500 };
  await Deno.writeTextFile(
    configPath,
    JSON.stringify({
      server: { hostname: "127.0.0.1", port: 0 },
      book: { depth: DEPTH },
      exchanges: {
        coinbase: { symbols: ["BTC/USD", "ETH/USD"], wsUrl: cb.wsUrl, ...fast },
        kraken: { symbols: ["BTC/USD", "ETH/USD"], wsUrl: kr.wsUrl, depth: 25, ...fast },
        binanceus: { symbols: ["BTC/USDT"], wsUrl: bn.wsUrl, restUrl: bn.restUrl, ...fast },
      },
    }),
  );
  const step = () => {
    kr.stepOnce(undefined, 1);
    cb.stepOnce(undefined, 1);
    bn.stepOnce(undefined, 1);
  };
  const pump = setInterval(step, 10);
  const svc = await startService(configPath);
  const ws = `ws://127.0.0.1:${svc.port}/ws`;
  const books: Array<[string, string, () => { bids: readonly Lv[]; asks: readonly Lv[] }]> = [
    ["kraken", "BTC/USD", () => kr.book("BTC/USD", DEPTH)],
    ["kraken", "ETH/USD", () => kr.book("ETH/USD", DEPTH)],
    ["coinbase", "BTC/USD", () => cb.book("BTC/USD", DEPTH)],
    ["coinbase", "ETH/USD", () => cb.book("ETH/USD", DEPTH)],
    ["binanceus", "BTC/USDT", () => bn.book("BTC/USDT", DEPTH)],
  ];
  const subscribeAll = (
    c: { subscribe?: BookClient["subscribe"]; subscribeBooks?: AlphaPulseClient["subscribeBooks"] },
  ) => {
    for (const ex of ["kraken", "coinbase", "binanceus"]) {
      const syms = books.filter((b) => b[0] === ex).map((b) => b[1]);
      if (c.subscribe) c.subscribe(ex, syms);
      else c.subscribeBooks!(ex, syms);
    }
  };
  const jsonA = await BookClient.connect(ws, "json");
  subscribeAll(jsonA);
  const binA = await AlphaPulseClient.connect({ url: ws });
  subscribeAll(binA);
  const closes: Array<Promise<unknown>> = [];
  let jsonB: BookClient | undefined;
  let binB: AlphaPulseClient | undefined;
  try {
    await new Promise((r) => setTimeout(r, 800));
    // late joiners, mid-stream
    jsonB = await BookClient.connect(ws, "json");
    subscribeAll(jsonB);
    binB = await AlphaPulseClient.connect({ url: ws });
    subscribeAll(binB);
    await new Promise((r) => setTimeout(r, 800));
    clearInterval(pump);
    const want = () => books.map(([, , ref]) => n(ref().bids) + " | " + n(ref().asks));
    const jsonBooks = (c: BookClient) =>
      books.map(([ex, sym]) => {
        const b = c.books.get(`${ex}|${sym}`);
        if (!b || !c.held.has(`${ex}|${sym}`)) return "missing";
        const t = b.text();
        return n(t.bids) + " | " + n(t.asks);
      });
    const binBooks = (c: AlphaPulseClient) =>
      books.map(([ex, sym]) => {
        const b = c.book(ex, sym);
        return b ? n(b.bids) + " | " + n(b.asks) : "missing";
      });
    const settled = () => {
      const w = JSON.stringify(want());
      return [jsonA, jsonB!].every((c) => JSON.stringify(jsonBooks(c)) === w) &&
        [binA, binB!].every((c) => JSON.stringify(binBooks(c)) === w);
    };
    await waitUntil(settled, 15_000, "every client's books to equal the exchanges'").catch((e) => {
      throw new Error(
        `${e.message}\nwant ${want()[0].slice(0, 200)}\njson ${
          jsonBooks(jsonA)[0].slice(0, 200)
        }\nbin ${binBooks(binA)[0].slice(0, 200)}`,
      );
    });
    // once more after further moves
    for (let i = 0; i < 3; i++) {
      step();
      step();
      await waitUntil(settled, 10_000, "books to follow the market");
    }
    for (const c of [jsonA, jsonB]) {
      equal(c.violations.length, 0, c.violations.slice(0, 3).join("; "));
    }
    for (const c of [binA, binB]) {
      equal(c.stats.checksumFailures, 0);
      equal(c.stats.gaps, 0);
      ok(c.stats.checksumsVerified > 10);
    }
    const health = await (await fetch(`http://127.0.0.1:${svc.port}/health`)).json();
    equal(health.status, "ok");
    const metrics = await (await fetch(`http://127.0.0.1:${svc.port}/metrics`)).text();
    ok(metrics.includes("# TYPE"), "Prometheus text format");
    // Graceful shutdown with clients connected.
    for (const c of [jsonA, jsonB]) closes.push(c.closed);
    const binClosed = new Promise<{ code: number; reason: string }>((resolve) =>
      binA.addEventListener("close", (e) => resolve((e as CustomEvent).detail), { once: true })
    );
    svc.child.kill("SIGTERM");
    const status = await svc.child.status;
    equal(status.code, 0, `exit status; output:\n${svc.output().slice(-800)}`);
    const closed = (await closes[0]) as CloseEvent;
    equal(closed.code, 1001);
    ok(closed.reason.length > 0, "close carries a reason");
    equal((await binClosed).code, 1001);
  } finally {
    clearInterval(pump);

    for (const c of [jsonA, jsonB]) c?.socket.readyState === WebSocket.OPEN && c.socket.close();
    for (const c of [binA, binB]) c?.close();
    try {
      svc.child.kill("SIGKILL");
    } catch { /* already exited */ }
    await svc.child.status;
    await svc.pumpOut;
    await Promise.all([kr.stop(), cb.stop(), bn.stop()]);
    await Deno.remove(dir, { recursive: true });
  }
});
