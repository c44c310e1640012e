/**
 * `deno task demo:cluster` (scripts/demo_cluster.ts) as a newcomer runs it: it starts nats-server,
 * the simulator, a collector and two edges as separate processes and prints their URLs; both edges
 * then serve every book of every registered venue from JetStream, synced; SIGTERM (Ctrl-C)
 * stops it all cleanly (exit 0). Skipped without nats-server.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { EXCHANGES, venue } from "../../src/exchanges/registry.ts";
import { NATS_SERVER_INSTALLED } from "../support/nats_server.ts";

interface Health {
  exchanges: Array<{ exchange: string; books: Array<{ symbol: string; synced: boolean }> }>;
}

async function health(url: string): Promise<Health | undefined> {
  try {
    const res = await fetch(`${url}health`);
    return await res.json() as Health;
  } catch {
    return undefined;
  }
}

Deno.test({
  name: "demo:cluster: the collector and both edges serve every venue's books from JetStream",
  ignore: !NATS_SERVER_INSTALLED,
  async fn() {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/demo_cluster.ts", "--rate", "50", "--duration", "90"],
      cwd: new URL("../../", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const urls = new Map<string, string>();
    let out = "";
    const read = (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        out += text;
        for (const m of text.matchAll(/^(collector|edge-1|edge-2)\s+(http:\/\/\S+\/)/gm)) {
          urls.set(m[1], m[2]);
        }
      }
    })();
    const errors = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (t) => void (out += t) }),
    );
    const expected = EXCHANGES.map((id) => ({
      exchange: id,
      symbols: [...venue(id).mock.defaultSymbols].sort(),
    }));
    try {
      const deadline = Date.now() + 40_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        if (urls.size < 3) continue;
        const all = await Promise.all(["edge-1", "edge-2"].map((n) => health(urls.get(n)!)));
        ready = all.every((h) =>
          h !== undefined &&
          EXCHANGES.every((id) => {
            const ex = h.exchanges.find((e) => e.exchange === id);
            return ex !== undefined &&
              ex.books.length === venue(id).mock.defaultSymbols.length &&
              ex.books.every((b) => b.synced);
          })
        );
      }
      ok(ready, `both edges synced on every book within 40 s\n${out.slice(-3000)}`);
      for (const name of ["edge-1", "edge-2"]) {
        const h = (await health(urls.get(name)!))!;
        deepEqual(
          h.exchanges.map((e) => ({
            exchange: e.exchange,
            symbols: e.books.map((b) => b.symbol).sort(),
          })).sort((a, b) => a.exchange.localeCompare(b.exchange)),
          [...expected].sort((a, b) => a.exchange.localeCompare(b.exchange)),
          `${name} serves exactly the registry's books`,
        );
      }
      const collector = (await health(urls.get("collector")!))!;
      equal(collector.exchanges.length, EXCHANGES.length, "the collector collects every venue");
    } finally {
      try {
        child.kill("SIGTERM"); // as Ctrl-C would; --duration is only the safety net
      } catch { /* exited */ }
      const status = await child.status;
      await read;
      await errors;
      equal(status.code, 0, `demo:cluster exits 0 after --duration\n${out.slice(-2000)}`);
      ok(out.includes("demo:cluster stopped"));
    }
  },
});
