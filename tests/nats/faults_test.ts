/**
 * Scale-out faults on a real nats-server (DESIGN §12): a retried Msg-Id stored once; a late edge
 * and a client joining mid-stream; nats-server restarted mid-stream (file store); the active
 * publisher killed (the standby takes over); a three-node cluster with replicas 3 losing a node.
 * Skipped when nats-server is not installed.
 */
import { equal, ok } from "node:assert/strict";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { parseConfig } from "../../src/config.ts";
import { BookMirror, RecordView } from "../../src/core/mod.ts";
import { ensureJetStream, MSG_ID_HEADER } from "../../src/nats/mod.ts";
import { BookClient } from "../server/book_clients.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { NATS_SERVER_INSTALLED, NatsCluster, NatsServer } from "../support/nats_server.ts";
import { clientBooks, DEPTH, Market, Scene, startNode, type TestNode } from "./nodes.ts";

const ignore = !NATS_SERVER_INSTALLED;
const { layout } = await BookMirror.create();
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };

function subscribeAll(market: Market, c: { subscribe(ex: string, s: string[]): void }) {
  for (const ex of ["kraken", "binanceus"]) {
    c.subscribe(ex, market.books.filter((b) => b[0] === ex).map((b) => b[1]));
  }
}

const edgeSynced = (e: TestNode) =>
  e.nats!.edgeFeeds.every((f) => f.symbols.length > 0 && f.books().every((b) => b.synced));

/** Waits until every client holds the market's books exactly. */
/**
 * A collector node publishing the scene's market (a snapshot every `snapshotEvery` deltas) and an
 * edge node consuming it, both on the scene's nats-server; resolves once the edge is synced.
 */
async function collectorAndEdge(
  scene: Scene,
  snapshotEvery: number,
): Promise<{ collector: TestNode; edge: TestNode }> {
  const { nats, market, nodes } = scene;
  const collector = await startNode({
    book: { depth: DEPTH },
    exchanges: market.exchanges(),
    nats: { servers: [nats.url], publish: true, snapshotEvery },
  });
  const edge = await startNode({
    book: { depth: DEPTH },
    nats: { servers: [nats.url], consume: ["kraken", "binanceus"] },
  });
  nodes.push(collector, edge);
  await waitUntil(() => edgeSynced(edge), 15_000, "the edge to sync");
  return { collector, edge };
}

async function settle(market: Market, clients: BookClient[], what: string): Promise<void> {
  market.pause();
  const settled = () => {
    const want = JSON.stringify(market.want());
    return clients.every((c) => JSON.stringify(clientBooks(market, c)) === want);
  };
  // On a timeout, say which books differ and what each client last heard of them.
  const explain = (e: Error): never => {
    const want = market.want();
    const differ = clients.flatMap((c, ci) =>
      clientBooks(market, c).flatMap((book, bi) =>
        book === want[bi]
          ? []
          : [`client ${ci} book ${bi}: want ${want[bi].slice(0, 80)} got ${book.slice(0, 80)}`]
      )
    );
    const stale = clients.map((c, ci) =>
      `client ${ci} stale: ${JSON.stringify(c.stale.slice(-4))}`
    );
    throw new Error([e.message, ...differ.slice(0, 6), ...stale].join("\n"));
  };
  await waitUntil(settled, 15_000, what).catch(explain);
  for (let i = 0; i < 2; i++) {
    market.step();
    await waitUntil(settled, 10_000, `${what} (after another step)`).catch(explain);
  }
}

Deno.test({
  ...opts,
  name: "nats: a publish retried with the same Nats-Msg-Id is stored once",
  async fn() {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    try {
      const config = parseConfig({ nats: { servers: [server.url] } }).nats!;
      await ensureJetStream(nc, config, () => {});
      const js = jetstream(nc);
      const send = async (id: string, byte: number) => {
        const h = headers();
        h.set(MSG_ID_HEADER, id);
        return await js.publish("alphapulse.book.kraken.BTC-USD", new Uint8Array([byte]), {
          headers: h,
        });
      };
      const first = await send("kraken:BTC-USD:5:0:d:1", 1);
      const retry = await send("kraken:BTC-USD:5:0:d:1", 1);
      const snapshot = await send("kraken:BTC-USD:5:0:s:1", 2); // same seq, a snapshot
      ok(!first.duplicate && retry.duplicate && !snapshot.duplicate);
      equal(retry.seq, first.seq);
      const info = await (await jetstreamManager(nc)).streams.info("ALPHAPULSE");
      equal(info.state.messages, 2);
      equal(info.config.allow_rollup_hdrs, true);
      equal(info.config.duplicate_window, 120_000_000_000);
      equal(info.config.storage, "file");
    } finally {
      await nc.close();
      await server.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "nats: a late edge and a client joining mid-stream get a consistent snapshot (rollup)",
  async fn() {
    const scene = await Scene.start();
    const { nats, market, nodes, clients } = scene;
    try {
      market.run(5);
      const collector = await startNode({
        book: { depth: DEPTH },
        exchanges: market.exchanges(),
        nats: { servers: [nats.url], publish: true, snapshotEvery: 40 },
      });
      nodes.push(collector);
      await new Promise((r) => setTimeout(r, 3000)); // the stream rolls up several times
      const edge = await startNode({
        book: { depth: DEPTH },
        nats: { servers: [nats.url], consume: ["kraken", "binanceus"] },
      });
      nodes.push(edge);
      await waitUntil(() => edgeSynced(edge), 15_000, "the late edge to sync");
      const early = await BookClient.connect(edge.ws, "json");
      subscribeAll(market, early);
      clients.push(early);
      await new Promise((r) => setTimeout(r, 700));
      const late = await BookClient.connect(edge.ws, "binary", layout, edge.names);
      subscribeAll(market, late);
      clients.push(late);
      await new Promise((r) => setTimeout(r, 700));
      await settle(market, clients, "the edge's clients to hold the books");
      for (const c of clients) equal(c.violations.length, 0, c.violations.slice(0, 3).join("; "));
      // Per subject the stream holds the last snapshot and the deltas since: bounded.
      const nc = await connect({ servers: nats.url });
      const info = await (await jetstreamManager(nc)).streams.info("ALPHAPULSE", {
        subjects_filter: ">",
      });
      await nc.close();
      const counts = Object.values(info.state.subjects ?? {}) as number[];
      equal(counts.length, 3);
      ok(counts.every((n) => n > 0 && n <= 40 + 10), `per-subject counts ${counts}`);
    } finally {
      await scene.stop();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "nats: nats-server restarted mid-stream: edges go stale and recover, the collector serves on",
  async fn() {
    const scene = await Scene.start();
    const { nats, market, clients } = scene;
    try {
      market.run();
      const { collector, edge } = await collectorAndEdge(scene, 100);
      const own = await BookClient.connect(collector.ws, "json");
      const remote = await BookClient.connect(edge.ws, "json");
      subscribeAll(market, own);
      subscribeAll(market, remote);
      clients.push(own, remote);
      await new Promise((r) => setTimeout(r, 800));
      const nc0 = await connect({ servers: nats.url });
      const before = (await (await jetstreamManager(nc0)).streams.info("ALPHAPULSE")).state;
      await nc0.close();
      const snapshotsBefore = collector.nats!.publishers.map((p) => p.counters.mirrorSnapshots);
      await nats.kill();
      await waitUntil(
        () => edge.nats!.edgeFeeds.every((f) => f.books().every((b) => !b.synced)),
        5000,
        "the edge's books to go stale",
      );
      await new Promise((r) => setTimeout(r, 1000)); // the market moves on meanwhile
      const ownFrames = own.texts.length;
      await nats.resume();
      await waitUntil(() => edgeSynced(edge), 20_000, "the edge to recover");
      ok(own.texts.length > ownFrames, "the collector served its own clients throughout");
      equal(own.stale.length, 0, "the collector's own clients never saw stale");
      ok(remote.stale.length >= 3, "the edge's clients were told stale");
      await settle(market, clients, "both nodes' clients to hold the books");
      for (const c of clients) equal(c.violations.length, 0, c.violations.slice(0, 3).join("; "));
      ok(
        collector.nats!.publishers.every((p, i) => p.counters.mirrorSnapshots > snapshotsBefore[i]),
        "snapshots were republished",
      );
      // The first record of each book stored after the restart is a snapshot.
      const nc = await connect({ servers: nats.url });
      const jsm = await jetstreamManager(nc);
      const firstAfter = new Map<string, boolean>();
      const view = new RecordView(layout);
      for (let seq = before.last_seq + 1; firstAfter.size < 3; seq++) {
        const m = await jsm.streams.getMessage("ALPHAPULSE", { seq }).catch(() => null);
        if (m === null) {
          ok(seq < before.last_seq + 100_000, "stream ended before every book's first record");
          continue;
        }
        if (!firstAfter.has(m.subject)) firstAfter.set(m.subject, view.wrap(m.data).snapshot);
      }
      await nc.close();
      ok([...firstAfter.values()].every((s) => s), JSON.stringify([...firstAfter]));
    } finally {
      await scene.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "nats: the active publisher dies; the standby takes over within leaseMs + 1 s",
  async fn() {
    const leaseMs = 1500;
    const scene = await Scene.start();
    const { nats, market, nodes, clients } = scene;
    try {
      market.run();
      const collector = () =>
        startNode({
          book: { depth: DEPTH },
          exchanges: market.exchanges(),
          nats: { servers: [nats.url], publish: true, leaseMs, snapshotEvery: 200 },
        });
      const a = await collector();
      nodes.push(a);
      await waitUntil(() => a.nats!.leases.get("kraken")!.fresh(), 10_000, "a to hold the lease");
      const b = await collector();
      const edge = await startNode({
        book: { depth: DEPTH },
        nats: { servers: [nats.url], consume: ["kraken", "binanceus"] },
      });
      nodes.push(b, edge);
      await waitUntil(() => edgeSynced(edge), 15_000, "the edge to sync");
      const json = await BookClient.connect(edge.ws, "json");
      const bin = await BookClient.connect(edge.ws, "binary", layout, edge.names);
      subscribeAll(market, json);
      subscribeAll(market, bin);
      clients.push(json, bin);
      await new Promise((r) => setTimeout(r, 1000));
      ok(!b.nats!.leases.get("kraken")!.holding, "b is a standby");
      const epochBefore = edge.nats!.edgeFeeds[0].epoch;
      // Kill a: its NATS connections drop, its lease is not released (as in a crash).
      const killedAt = performance.now();
      await a.stop(false);
      await waitUntil(
        () => [...b.nats!.leases.values()].every((l) => l.fresh()),
        leaseMs + 3000,
        "b to take over",
      );
      const tookMs = performance.now() - killedAt;
      ok(tookMs <= leaseMs + 1000, `takeover took ${tookMs.toFixed(0)} ms`);
      await waitUntil(
        () =>
          edge.nats!.edgeFeeds.every((f) =>
            f.epoch > epochBefore && f.books().every((x) => x.epoch > epochBefore)
          ) && edgeSynced(edge),
        10_000,
        "the edge to resync on b's new epoch",
      );
      await settle(market, clients, "the edge's clients to hold the books from b");
      ok(json.stale.length >= 3, "the edge's clients saw stale before b's snapshots");
      for (const c of clients) equal(c.violations.length, 0, c.violations.slice(0, 3).join("; "));
    } finally {
      await scene.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "nats: a three-node cluster with replicas 3 loses a node mid-stream; nothing is lost",
  async fn() {
    const cluster = await NatsCluster.start(3);
    const market = new Market();
    await market.start();
    const nodes: TestNode[] = [];
    const clients: BookClient[] = [];
    try {
      market.run();
      const collector = await startNode({
        book: { depth: DEPTH },
        exchanges: market.exchanges(),
        nats: { servers: cluster.urls, publish: true, replicas: 3, snapshotEvery: 100 },
      });
      const edge = await startNode({
        book: { depth: DEPTH },
        nats: { servers: cluster.urls.slice().reverse(), consume: ["kraken", "binanceus"] },
      });
      nodes.push(collector, edge);
      await waitUntil(() => edgeSynced(edge), 30_000, "the edge to sync").catch((e) => {
        throw new Error(
          `${e.message}\n${collector.lines.slice(-8).join("\n")}\n${
            edge.lines.slice(-8).join("\n")
          }\n${JSON.stringify(edge.nats!.section.health())}\n${
            JSON.stringify(collector.nats!.section.health())
          }`,
        );
      });
      const json = await BookClient.connect(edge.ws, "json");
      subscribeAll(market, json);
      clients.push(json);
      await new Promise((r) => setTimeout(r, 800));
      const nc = await connect({ servers: cluster.urls });
      const info = await (await jetstreamManager(nc)).streams.info("ALPHAPULSE");
      await nc.close();
      equal(info.config.num_replicas, 3);
      const publishedBefore = collector.nats!.publishers[0].counters.published;
      await cluster.nodes[1].kill();
      await new Promise((r) => setTimeout(r, 2500));
      ok(collector.nats!.publishers[0].counters.published > publishedBefore, "publishing went on");
      await settle(market, clients, "the edge's client to hold the books").catch((e) => {
        throw new Error(
          `${e.message}\n${JSON.stringify(clientBooks(market, json).map((b) => b.slice(0, 30)))}\n${
            JSON.stringify(edge.nats!.section.health())
          }\n${JSON.stringify(collector.nats!.section.health())}\n${
            edge.lines.slice(-6).join("\n")
          }`,
        );
      });
      equal(json.violations.length, 0, json.violations.slice(0, 3).join("; "));
      equal(
        edge.nats!.edgeFeeds.reduce((n, f) => n + f.counters.checksumFailures, 0),
        0,
        "no checksum failure at the edge",
      );
    } finally {
      market.pause();
      for (const c of clients) c.socket.close();
      for (const n of nodes.reverse()) await n.stop();
      await market.stop();
      await cluster.stop();
    }
  },
});

/** Stores a forged delta after the subject's last message: next seq, a checksum that cannot verify. */
async function forgeBadDelta(nc: NatsConnection, subject: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const last = await jsm.streams.getMessage("ALPHAPULSE", { last_by_subj: subject });
  const forged = last!.data.slice();
  const view = new RecordView(layout).wrap(forged);
  const seq = view.seq + 1;
  const dv = new DataView(forged.buffer);
  dv.setUint32(layout.recSeq, seq, true);
  dv.setUint32(layout.recPrevSeq, seq - 1, true);
  forged[layout.recFlags] = layout.flagLast; // a one-part delta
  dv.setUint16(layout.recPart, 0, true);
  dv.setUint32(layout.recChecksum, (view.checksum ^ 0x5a5a5a5a) >>> 0, true);
  const h = headers();
  h.set("AlphaPulse-Epoch", last!.header.get("AlphaPulse-Epoch"));
  h.set(MSG_ID_HEADER, `forged:${seq}`);
  await jetstream(nc).publish(subject, forged, { headers: h });
}

Deno.test({
  ...opts,
  name: "nats: a record whose checksum fails makes the edge's book stale until a good snapshot",
  async fn() {
    const scene = await Scene.start();
    const { market, clients } = scene;
    const nc = await scene.connect();
    try {
      market.run();
      const { edge } = await collectorAndEdge(scene, 20);
      const json = await BookClient.connect(edge.ws, "json");
      subscribeAll(market, json);
      clients.push(json);
      await new Promise((r) => setTimeout(r, 500));
      market.pause();
      await new Promise((r) => setTimeout(r, 300));
      await forgeBadDelta(nc, "alphapulse.book.kraken.BTC-USD");
      const feed = edge.nats!.edgeFeeds.find((f) => f.exchange === "kraken")!;
      await waitUntil(() => feed.counters.checksumFailures > 0, 5000, "the checksum failure");
      await waitUntil(
        () => json.stale.some((s) => s.key === "kraken|BTC/USD"),
        5000,
        "the edge's client to be told stale",
      );
      // The collector's next snapshot (within snapshotEvery deltas) rolls the forgery away.
      market.run();
      await waitUntil(() => edgeSynced(edge), 15_000, "the book to sync again");
      await settle(market, clients, "the edge's client to hold the books again");
      equal(json.violations.length, 0, json.violations.slice(0, 3).join("; "));
    } finally {
      await scene.stop();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "nats: a re-read that meets the bad record again keeps the book stale, unread, until the next snapshot",
  async fn() {
    const scene = await Scene.start();
    const { market, clients } = scene;
    const nc = await scene.connect();
    try {
      market.run();
      const { edge } = await collectorAndEdge(scene, 20);
      const json = await BookClient.connect(edge.ws, "json");
      subscribeAll(market, json);
      clients.push(json);
      const key = "kraken|BTC/USD";
      await waitUntil(() => json.held.has(key), 5000, "the client to hold the book");
      // No new snapshot comes while the market is paused: the forgery stays in the stream.
      market.pause();
      await new Promise((r) => setTimeout(r, 300));
      const feed = edge.nats!.edgeFeeds.find((f) => f.exchange === "kraken")!;
      const book = () => feed.health().books.find((b) => b.symbol === "BTC/USD")!;
      const before = { ...book() };
      const staleBefore = json.stale.filter((s) => s.key === key).length;
      const snapshotsBefore = json.books.get(key)!.snapshots;
      await forgeBadDelta(nc, "alphapulse.book.kraken.BTC-USD");
      // The failure re-reads the book; the re-read replays the last snapshot and the deltas
      // since (verified, not written), and meets the forgery again: then it waits.
      await waitUntil(() => feed.counters.checksumFailures >= 2, 5000, "the re-read's failure");
      equal(book().resyncs, before.resyncs + 1, "one re-read, not one per failure");
      equal(book().updates, before.updates, "the replay wrote nothing");
      equal(book().state, "stale");
      // Nothing arrives for the book now: the watchdog re-reads it, which meets it again.
      await waitUntil(() => feed.counters.checksumFailures >= 3, 8000, "the watchdog's re-read");
      equal(book().resyncs, before.resyncs + 2);
      equal(book().updates, before.updates, "the watchdog's replay wrote nothing");
      equal(book().state, "stale");
      equal(json.stale.filter((s) => s.key === key).length, staleBefore + 1, "told stale once");
      equal(json.books.get(key)!.snapshots, snapshotsBefore, "no snapshot since");
      ok(!json.held.has(key), "the client does not hold the book");
      // The collector's next snapshot rolls the forgery away: synced, exact, no failure since.
      const failures = feed.counters.checksumFailures;
      market.run();
      await waitUntil(() => edgeSynced(edge), 15_000, "the book to sync again");
      await settle(market, clients, "the edge's client to hold the books again");
      equal(feed.counters.checksumFailures, failures, "the forgery was not read again");
      equal(book().resyncs, before.resyncs + 2, "no re-read since");
      equal(json.violations.length, 0, json.violations.slice(0, 3).join("; "));
    } finally {
      await scene.stop();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "nats: publishes nobody stores (the stream deleted) are failures, not acknowledgements; the stream is created again and each book starts with a snapshot",
  async fn() {
    const scene = await Scene.start();
    const { nats, market, nodes } = scene;
    const nc = await scene.connect();
    try {
      market.run();
      const collector = await startNode({
        book: { depth: DEPTH },
        exchanges: market.exchanges(),
        nats: { servers: [nats.url], publish: true },
      });
      nodes.push(collector);
      const publisher = collector.nats!.publishers.find((p) => p.feed.exchange === "kraken")!;
      await waitUntil(() => publisher.counters.published > 20, 10_000, "the collector to publish");
      equal(publisher.counters.failures, 0);
      // No stream listens on the book subjects now: each publish gets a 503 status, no ack.
      await (await jetstreamManager(nc)).streams.delete("ALPHAPULSE");
      await waitUntil(() => publisher.counters.failures >= 1, 5000, "a refusal to count");
      ok(/refused a publish: status 503/.test(publisher.lastError), publisher.lastError);
      // The node creates the missing stream again and publishing resumes, each book with a
      // snapshot first (a delta without its book would be unreadable to a late edge).
      const jsm = await jetstreamManager(nc);
      const deadline = Date.now() + 10_000;
      while ((await jsm.streams.info("ALPHAPULSE").catch(() => null)) === null) {
        ok(Date.now() < deadline, "the stream was not created again");
        await new Promise((r) => setTimeout(r, 50));
      }
      const published = publisher.counters.published;
      await waitUntil(
        () => publisher.counters.published > published + 20,
        10_000,
        "publishing to resume",
      );
      const view = new RecordView(publisher.feed.layout);
      const first = new Map<string, boolean>();
      const want = publisher.feed.symbols.length;
      for (
        let seq = 1;
        [...first.keys()].filter((k) => k.includes(".kraken.")).length < want;
        seq++
      ) {
        ok(seq < 100_000, "the stream ended before every kraken book's first record");
        const m = await jsm.streams.getMessage("ALPHAPULSE", { seq }).catch(() => null);
        if (m === null) {
          await new Promise((r) => setTimeout(r, 20));
          seq--;
          continue;
        }
        if (!first.has(m.subject)) first.set(m.subject, view.wrap(m.data).snapshot);
      }
      ok([...first.values()].every((snapshot) => snapshot), JSON.stringify([...first]));
    } finally {
      await scene.stop();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "nats: a holder whose lease was taken is fenced at once and never writes; a new term follows",
  async fn() {
    const leaseMs = 1200;
    const scene = await Scene.start();
    const { nats, market, nodes } = scene;
    const nc = await scene.connect();
    try {
      market.run();
      const a = await startNode({
        book: { depth: DEPTH },
        exchanges: market.exchanges(),
        nats: { servers: [nats.url], publish: true, leaseMs },
      });
      nodes.push(a);
      const lease = a.nats!.leases.get("kraken")!;
      await waitUntil(() => lease.fresh(), 10_000, "a to hold the lease");
      const firstEpoch = lease.epoch;
      const publisher = a.nats!.publishers.find((p) => p.feed.exchange === "kraken")!;
      await waitUntil(() => publisher.counters.published > 20, 5000, "a to publish");
      // Another node takes the key (an update the holder did not make).
      const kv = await new Kvm(nc).open("ALPHAPULSE_LEASES");
      await kv.put("kraken", JSON.stringify({ node: "intruder", epoch: firstEpoch + 1 }));
      await waitUntil(() => !lease.holding, leaseMs, "a to notice and fence itself");
      // Its in-flight publishes settle; from then on nothing more is published.
      await new Promise((r) => setTimeout(r, 300));
      const published = publisher.counters.published;
      const withheld = publisher.counters.withheld;
      await new Promise((r) => setTimeout(r, leaseMs / 2));
      ok(!lease.holding, "still fenced (the intruder's revision stands for a whole lease first)");
      equal(publisher.counters.published, published, "a fenced node never writes");
      ok(publisher.counters.withheld > withheld, "records went on arriving, withheld");
      // The intruder never renews: a takes the lease back in a new, greater epoch.
      await waitUntil(() => lease.fresh(), leaseMs * 3, "a to take the lease back");
      ok(lease.epoch > firstEpoch + 1, `epoch ${lease.epoch} after ${firstEpoch + 1}`);
    } finally {
      await scene.stop();
    }
  },
});
