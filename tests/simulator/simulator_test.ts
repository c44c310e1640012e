/**
 * The simulator against the real adapters: its streams verify (Kraken checksums, Coinbase
 * `sequence_num`, Binance `U`/`u` with the REST splice), its books are what the service rebuilds,
 * and each injected fault causes exactly the resyncs (or parse errors) it should.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { ExchangeId } from "../../src/exchanges/types.ts";
import type { KrakenStats } from "../../src/exchanges/kraken/mock.ts";
import { parseSimulatorArgs } from "../../src/simulator/main.ts";
import { Simulator } from "../../src/simulator/simulator.ts";
import { ThreadedSimulator } from "../../src/simulator/threaded_simulator.ts";
import { waitUntil, WsTestClient } from "../support/ws_test_client.ts";
import { Pipeline } from "./pipeline.ts";

const TWO_EACH = {
  coinbase: ["BTC/USD", "ETH/USD"],
  kraken: ["BTC/USD", "ETH/USD"],
  binanceus: ["BTC/USDT", "ETH/USDT"],
};
const VENUES: readonly ExchangeId[] = ["coinbase", "kraken", "binanceus"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("simulator streams verify in the adapters and rebuild the simulator's books", async () => {
  const sim = new Simulator({
    exchanges: TWO_EACH,
    rate: 3000,
    seed: 11,
    bursts: { meanIntervalMs: 300, durationMs: 100, multiplier: 5 },
  });
  await sim.start();
  let pipeline: Pipeline | undefined;
  try {
    // Kraken depth 25 < the book's ~40-80 levels: refills from beyond the window are exercised.
    pipeline = await Pipeline.start(sim, {
      book: { depth: 25 },
      exchanges: { kraken: { depth: 25 } },
    });
    const p = pipeline;
    await sleep(1500);
    sim.setRate(0);
    await waitUntil(() => p.matches(), 8000, "every rebuilt book to equal the simulator's");
    for (const e of VENUES) {
      const h = p.health(e);
      equal(h.gaps, 0, `${e} gaps`);
      equal(h.checksumFailures, 0, `${e} checksum failures`);
      equal(h.parseErrors, 0, `${e} parse errors`);
      equal(h.resyncs, 0, `${e} resyncs`);
      ok(h.books.every((b) => b.updates > 50), `${e} books moved: ${JSON.stringify(h.books)}`);
    }
    deepStrictEqual(p.mirrorProblems, []);
    const stats = sim.stats;
    ok(stats.steps > 2000, `steps ${stats.steps}`);
    ok(stats.bursts > 0, "bursts happened");
    equal((stats.venues.kraken as KrakenStats).badChecksumsSent, 0);
  } finally {
    await pipeline?.stop();
    await sim.stop();
  }
});

Deno.test("each injected fault causes exactly the expected resyncs", async () => {
  // Faults are spaced well apart (odd periods spread them over both books of a venue), and the
  // pacer is paused around the start and the disconnect, so no fault lands while a book is still
  // resyncing from the previous one: then every count is exact.
  const sim = new Simulator({
    exchanges: TWO_EACH,
    seed: 5,
    faults: {
      gapEveryN: 41,
      badChecksumEveryN: 37,
      malformedEveryN: 31,
      // A lost Kraken update shows only when it touched the top 10: not an exact count.
      venues: { kraken: { gapEveryN: 0 } },
    },
  });
  await sim.start();
  let pipeline: Pipeline | undefined;
  try {
    // Faults come every few dozen steps, each after the book was healthy again: with a streak
    // reset after one good update, every fault is the first of its streak and resyncs at once
    // (the resync backoff of consecutive failures has its own test, resync_storm_test.ts).
    const reset = { resyncResetUpdates: 1 };
    pipeline = await Pipeline.start(sim, {
      exchanges: Object.fromEntries(VENUES.map((e) => [e, reset])),
    });
    const p = pipeline;
    await waitUntil(() => p.allLive(), 5000, "every book live");
    sim.setRate(300);
    await sleep(2000);
    sim.setRate(0);
    await waitUntil(() => p.allLive(), 5000, "every book live again");
    sim.disconnect("coinbase");
    await waitUntil(() => p.resyncs("coinbase") > 0 && p.allLive(), 5000, "coinbase back");
    sim.setRate(300);
    await sleep(1000);
    sim.setRate(0);
    await waitUntil(() => p.allLive() && p.matches(), 8000, "every book live and equal again");
    const f = sim.stats.faults;
    ok(f.gaps.coinbase > 0 && f.gaps.binanceus > 0, `gaps injected ${JSON.stringify(f.gaps)}`);
    ok(f.badChecksums.kraken > 0, "bad checksums injected");
    ok(VENUES.every((e) => f.malformed[e] > 0), `malformed ${JSON.stringify(f.malformed)}`);
    equal(f.disconnects.coinbase, 1);
    equal(f.gaps.kraken, 0);
    // Coinbase: one sequence counter per connection, so a gap (or a lost connection) resyncs
    // every book of that connection.
    equal(p.health("coinbase").gaps, f.gaps.coinbase, "coinbase gaps seen");
    equal(
      p.resyncs("coinbase"),
      2 * (f.gaps.coinbase + f.disconnects.coinbase),
      "coinbase resyncs",
    );
    // Binance.US: a U/u gap re-snapshots that book only.
    equal(p.health("binanceus").gaps, f.gaps.binanceus, "binance gaps seen");
    equal(p.resyncs("binanceus"), f.gaps.binanceus, "binance resyncs");
    // Kraken: a bad checksum resubscribes that book only.
    equal(p.health("kraken").checksumFailures, f.badChecksums.kraken, "kraken checksum failures");
    equal(p.resyncs("kraken"), f.badChecksums.kraken, "kraken resyncs");
    // Malformed frames are counted, never a resync.
    for (const e of VENUES) equal(p.health(e).parseErrors, f.malformed[e], `${e} parse errors`);
    deepStrictEqual(p.mirrorProblems, []);
  } finally {
    await pipeline?.stop();
    await sim.stop();
  }
});

Deno.test("pacing holds the total rate with one timer (batches per tick)", async () => {
  const sim = new Simulator({ exchanges: TWO_EACH, rate: 20_000 });
  await sim.start();
  try {
    const t0 = performance.now();
    await sleep(1000);
    const steps = sim.stats.steps;
    const expected = (20_000 * (performance.now() - t0)) / 1000;
    ok(steps > 0.6 * expected && steps <= expected * 1.05, `steps ${steps}, expected ~${expected}`);
    // Round robin: every book got its share.
    const s = sim.stats.stepsByVenue;
    for (const e of VENUES) ok(Math.abs(s[e] - steps / 3) <= 3, `${e} ${s[e]} of ${steps}`);
  } finally {
    await sim.stop();
  }
});

Deno.test("bursts add steps on top of the steady rate", async () => {
  const sim = new Simulator({
    exchanges: TWO_EACH,
    rate: 120,
    bursts: { meanIntervalMs: 50, durationMs: 200, multiplier: 30 },
  });
  await sim.start();
  try {
    await sleep(1000);
    const s = sim.stats;
    ok(s.bursts >= 1, `bursts ${s.bursts}`);
    ok(s.steps > 200, `steps ${s.steps} (steady alone would be ~120)`);
  } finally {
    await sim.stop();
  }
});

Deno.test("manual steps apply the fault rules and count per venue", async () => {
  const sim = new Simulator({
    exchanges: { kraken: ["BTC/USD"] },
    faults: { badChecksumEveryN: 2 },
  });
  await sim.start();
  const client = await WsTestClient.connect(sim.wsUrl("kraken"));
  try {
    client.send({
      method: "subscribe",
      params: { channel: "book", symbol: ["BTC/USD"], depth: 10 },
    });
    await client.waitForJson((m) => m.type === "snapshot");
    sim.step(4);
    await waitUntil(
      () => (sim.stats.venues.kraken as KrakenStats).updatesSent["BTC/USD"] >= 2,
      2000,
      "updates",
    );
    equal(sim.stats.faults.badChecksums.kraken, 2);
    equal(sim.stats.stepsByVenue.kraken, 4);
  } finally {
    await client.close();
    await sim.stop();
  }
});

Deno.test("threaded simulator: one Worker per venue, rate split by books", async () => {
  const sim = await ThreadedSimulator.start({ exchanges: TWO_EACH, rate: 600 });
  const client = await WsTestClient.connect(sim.wsUrl("kraken"));
  try {
    deepStrictEqual(sim.exchanges, ["coinbase", "kraken", "binanceus"]);
    const config = sim.config({ book: { depth: 5 } });
    equal(config.exchanges?.binanceus?.restUrl, sim.restUrl("binanceus"));
    client.send({
      method: "subscribe",
      params: { channel: "book", symbol: ["ETH/USD"], depth: 10 },
    });
    await client.waitForJson((m) => m.channel === "book" && m.type === "update", 3000);
    await sleep(500);
    const s = await sim.stats();
    ok(s.steps > 100, `steps ${s.steps}`);
    for (const e of VENUES) ok(s.stepsByVenue[e] > 30, `${e} ${s.stepsByVenue[e]}`);
    ok(s.venues.kraken && s.venues.coinbase && s.venues.binanceus, "every venue's counters");
  } finally {
    await client.close();
    await sim.stop();
  }
});

Deno.test("simulator CLI flags", () => {
  const cli = parseSimulatorArgs([
    "--rate",
    "150000",
    "--threads",
    "--kraken",
    "BTC/USD,ETH/USD",
    "--binanceus",
    "none",
    "--gap-every",
    "100",
    "--disconnect-every",
    "30",
    "--ports",
    "9001,9002,9003",
  ]);
  equal(cli.options.rate, 150_000);
  equal(cli.threads, true);
  deepStrictEqual(cli.options.exchanges?.kraken, ["BTC/USD", "ETH/USD"]);
  equal(cli.options.exchanges?.binanceus, undefined);
  ok(cli.options.exchanges?.coinbase, "coinbase on by default");
  equal(cli.options.faults?.gapEveryN, 100);
  equal(cli.options.faults?.disconnectEverySec, 30);
  deepStrictEqual(cli.options.ports, { coinbase: 9001, kraken: 9002, binanceus: 9003 });
  let threw = false;
  try {
    parseSimulatorArgs(["--rate", "fast"]);
  } catch {
    threw = true;
  }
  ok(threw, "a bad rate is refused");
});
