/**
 * Scale-out on a real nats-server (DESIGN §12): mock exchanges → a collector node (publishes) →
 * NATS JetStream → two edge nodes → JSON and binary clients. Skipped when nats-server is not
 * installed.
 */
import { equal, ok } from "node:assert/strict";
import { BookMirror } from "../../src/core/mod.ts";
import { BookClient } from "../server/book_clients.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { NATS_SERVER_INSTALLED } from "../support/nats_server.ts";
import { clientBooks, DEPTH, Market, RecordTap, Scene, startNode } from "./nodes.ts";

const ignore = !NATS_SERVER_INSTALLED;
const { layout } = await BookMirror.create();

function subscribeAll(market: Market, c: { subscribe(ex: string, s: string[]): void }) {
  for (const ex of ["kraken", "binanceus"]) {
    c.subscribe(ex, market.books.filter((b) => b[0] === ex).map((b) => b[1]));
  }
}

Deno.test({
  name: "nats: collector → JetStream → two edges → JSON and binary clients get the exact books",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const scene = await Scene.start();
    const { nats, market, nodes, clients } = scene;
    const taps: RecordTap[] = [];
    try {
      market.run();
      const collector = await startNode({
        book: { depth: DEPTH },
        exchanges: market.exchanges(),
        nats: { servers: [nats.url], publish: true, snapshotEvery: 50 },
      });
      nodes.push(collector);
      const edgeConfig = {
        book: { depth: DEPTH },
        nats: { servers: [nats.url], consume: ["kraken", "binanceus"] },
      };
      const edges = [await startNode(edgeConfig), await startNode(edgeConfig)];
      nodes.push(...edges);
      // The edges learn the books from the catalog.
      await waitUntil(
        () => edges.every((e) => e.nats!.edgeFeeds.every((f) => f.symbols.length > 0)),
        15_000,
        "edges to read the catalog",
      );
      await waitUntil(
        () => edges.every((e) => e.nats!.edgeFeeds.every((f) => f.books().every((b) => b.synced))),
        15_000,
        "edges to sync every book",
      ).catch((e) => {
        throw new Error(
          `${e.message}\n${JSON.stringify(collector.nats!.section.health())}\n${
            JSON.stringify(edges[0].nats!.section.health())
          }\n${collector.lines.slice(-10).join("\n")}\n${edges[0].lines.slice(-10).join("\n")}`,
        );
      });
      for (const node of [collector, ...edges]) {
        const json = await BookClient.connect(node.ws, "json");
        const bin = await BookClient.connect(node.ws, "binary", layout, node.names);
        subscribeAll(market, json);
        subscribeAll(market, bin);
        clients.push(json, bin);
        const tap = await RecordTap.connect(node.ws, layout, node.names);
        subscribeAll(market, tap);
        taps.push(tap);
      }
      await new Promise((r) => setTimeout(r, 1500));
      market.pause();
      const settled = () => {
        const want = JSON.stringify(market.want());
        return clients.every((c) => JSON.stringify(clientBooks(market, c)) === want);
      };
      await waitUntil(settled, 15_000, "every client's books to equal the exchanges'").catch(
        (e) => {
          throw new Error(
            `${e.message}\nwant ${market.want()[0].slice(0, 120)}\n` +
              clients.map((c) => clientBooks(market, c)[0].slice(0, 120)).join("\n"),
          );
        },
      );
      for (let i = 0; i < 3; i++) {
        market.step();
        market.step();
        await waitUntil(settled, 10_000, "books to follow the market");
      }
      for (const c of clients) {
        equal(c.violations.length, 0, c.violations.slice(0, 3).join("; "));
      }
      // Binary records across the hop: identical but for the ring stamp and the symbol id.
      const [atCollector, ...atEdges] = taps;
      let compared = 0;
      for (const tap of atEdges) {
        for (const [key, edgeRecord] of tap.deltas) {
          const source = atCollector.deltas.get(key);
          if (!source) continue;
          equal(edgeRecord.byteLength, source.byteLength, key);
          const a = edgeRecord.slice();
          const b = source.slice();
          a.fill(0, 0, 4);
          b.fill(0, 0, 4);
          a.fill(0, 8, 12);
          b.fill(0, 8, 12);
          equal(a.join(), b.join(), `record ${key} changed across the hop`);
          compared++;
        }
      }
      ok(compared > 50, `compared ${compared} records`);
      const health = await (await fetch(`${edges[0].http}/health`)).json();
      equal(health.status, "ok");
      equal(health.nats.connections.edge, "connected");
      ok(health.nats.consumed[0].books.every((b: { lagMs: number }) => b.lagMs >= 0));
      const collectorHealth = await (await fetch(`${collector.http}/health`)).json();
      ok(collectorHealth.nats.published.every((p: { publishing: boolean }) => p.publishing));
      const metrics = await (await fetch(`${collector.http}/metrics`)).text();
      ok(/^alphapulse_nats_published_total\{exchange="kraken"\} [1-9]\d*$/m.test(metrics));
      ok(/^alphapulse_nats_lease_holder\{exchange="kraken"\} 1$/m.test(metrics));
      const edgeMetrics = await (await fetch(`${edges[1].http}/metrics`)).text();
      ok(/^alphapulse_nats_lag_seconds\{exchange="kraken",symbol="BTC\/USD"\} /m.test(edgeMetrics));
      // A book the catalog does not list.
      const probe = await BookClient.connect(edges[0].ws, "json");
      clients.push(probe);
      probe.subscribe("kraken", ["DOGE/USD"]);
      await probe.until(
        () => probe.texts.some((m) => m.type === "error" && m.code === "unknown_symbol"),
        5000,
        "unknown_symbol",
      );
    } finally {
      for (const t of taps) t.close();
      await scene.stop();
    }
  },
});
