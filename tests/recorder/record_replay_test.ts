/**
 * Record a live session against the simulator (collectors in their Workers, recording with
 * `recordDir`, faults and a reconnect on the way), then replay the recording through fresh
 * collectors: the replay must write exactly the same ring records (seq, flags, checksums, levels;
 * timestamps aside) in the same order, and end with the same books.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { decodeRecord } from "../../src/core/mod.ts";
import type { ExchangeId } from "../../src/exchanges/types.ts";
import { listSessions } from "../../src/recorder/reader.ts";
import { normalised, replayRecording } from "../../src/recorder/replay.ts";
import { Simulator } from "../../src/simulator/simulator.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { Pipeline } from "../simulator/pipeline.ts";

const VENUES: readonly ExchangeId[] = ["coinbase", "kraken", "binanceus"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("a recorded live session replays to the same books and the same delta records", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alphapulse-rec-" });
  const sim = new Simulator({
    exchanges: {
      coinbase: ["BTC/USD", "ETH/USD"],
      kraken: ["BTC/USD", "ETH/USD"],
      binanceus: ["BTC/USDT", "ETH/USDT"],
    },
    seed: 21,
    bursts: { meanIntervalMs: 400, durationMs: 100, multiplier: 8 },
    faults: {
      gapEveryN: 53,
      badChecksumEveryN: 47,
      malformedEveryN: 61,
      venues: { kraken: { gapEveryN: 0 } },
    },
  });
  await sim.start();
  const live = new Map<ExchangeId, string[]>(VENUES.map((e) => [e, []]));
  let pipeline: Pipeline | undefined;
  try {
    pipeline = await Pipeline.start(sim, {
      book: { depth: 20 },
      runtime: { mode: "workers", ringCapacity: 1 << 16 },
      exchanges: { kraken: { depth: 25 } },
    }, { recordDir: dir });
    const p = pipeline;
    const layout = p.feeds[0].layout;
    const scratch = new Uint8Array(layout.recordSize);
    p.onRecord = (exchange, bytes) =>
      live.get(exchange)!.push(hex(normalised(bytes, layout, scratch)));
    const drain = setInterval(() => p.drain(), 20);
    try {
      sim.setRate(400);
      await sleep(1500);
      sim.disconnect("kraken"); // replay must reproduce the reconnect's STALE markers
      await sleep(1500);
      sim.setRate(0);
      await waitUntil(() => p.matches(), 8000, "live books to settle on the simulator's");
    } finally {
      clearInterval(drain);
    }
    // Worker health arrives every 250 ms; faults must have happened for this to test anything.
    const f = sim.stats.faults;
    ok(f.gaps.coinbase > 0 && f.gaps.binanceus > 0 && f.badChecksums.kraken > 0, JSON.stringify(f));
    await pipeline.stop(); // closes the recorders (flush)
    p.drain();
    const liveBooks = p.feeds.map((feed) => ({
      exchange: feed.exchange,
      books: feed.symbols.map((_, i) => p.mirror.book(feed.exchangeCode, i)!),
    }));
    pipeline = undefined;

    const sessions = await listSessions(dir);
    deepStrictEqual(sessions.map((s) => s.exchange).sort(), ["binanceus", "coinbase", "kraken"]);

    const replayed = new Map<ExchangeId, string[]>(VENUES.map((e) => [e, []]));
    const summary = await replayRecording({
      dir,
      onRecord: (exchange, _rec, bytes) =>
        replayed.get(exchange)!.push(hex(normalised(bytes, layout, scratch))),
    });
    deepStrictEqual(summary.warnings, []);
    for (const e of VENUES) {
      const a = live.get(e)!;
      const b = replayed.get(e)!;
      ok(a.length > 100, `${e}: ${a.length} live records`);
      equal(b.length, a.length, `${e}: replayed ${b.length} records, live ${a.length}`);
      const firstDiff = a.findIndex((x, i) => x !== b[i]);
      equal(firstDiff, -1, `${e}: first different record at ${firstDiff}`);
    }
    // Faults and the reconnect were replayed as resyncs, and the final books agree.
    for (const s of summary.sessions) {
      ok(
        s.inputs.ws > 100 && s.inputs.open >= 1,
        `${s.exchange} inputs ${JSON.stringify(s.inputs)}`,
      );
      ok(s.books.some((b) => b.resyncs > 0), `${s.exchange} resyncs replayed`);
      const liveFeed = liveBooks.find((l) => l.exchange === s.exchange)!;
      for (const b of s.books) {
        const mine = liveFeed.books[b.symbolId];
        equal(b.seq, mine.seq, `${s.exchange} ${b.symbol} seq`);
        equal(b.lastChecksum, mine.checksum, `${s.exchange} ${b.symbol} checksum`);
        deepStrictEqual(b.bestBid, mine.bids[0], `${s.exchange} ${b.symbol} best bid`);
        deepStrictEqual(b.bestAsk, mine.asks[0], `${s.exchange} ${b.symbol} best ask`);
      }
    }
    const kraken = summary.sessions.find((s) => s.exchange === "kraken")!;
    equal(kraken.inputs.open, 2, "kraken reconnected once");
    const binance = summary.sessions.find((s) => s.exchange === "binanceus")!;
    ok(binance.inputs.rest >= 3, `binance REST snapshots replayed: ${binance.inputs.rest}`);

    // Replaying twice gives identical digests (a recording is a deterministic regression test).
    const again = await replayRecording({ dir, exchanges: ["kraken"] });
    deepStrictEqual(
      again.sessions[0].books.map((b) => b.digest),
      kraken.books.map((b) => b.digest),
    );
    // The decoded records carry real content (not just equal empty strings).
    const sample = decodeRecord(
      Uint8Array.from(live.get("kraken")![0].match(/../g)!.map((h) => parseInt(h, 16))),
      layout,
    );
    equal(sample.exchange, 2);
  } finally {
    await pipeline?.stop();
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay paces by the recorded receive times (speed 1, 10, max) and the CLI prints it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alphapulse-rec-" });
  const sim = new Simulator({ exchanges: { kraken: ["BTC/USD"] }, seed: 3, rate: 50 });
  await sim.start();
  let pipeline: Pipeline | undefined;
  try {
    pipeline = await Pipeline.start(sim, {}, { recordDir: dir });
    await waitUntil(() => pipeline!.allLive(), 5000, "live");
    await sleep(700);
    await pipeline.stop();
    pipeline = undefined;
    const original = await replayRecording({ dir, speed: 1 });
    const recorded = original.sessions[0].recordedMs;
    ok(recorded > 500, `recorded span ${recorded} ms`);
    ok(
      original.sessions[0].replayMs >= recorded * 0.9,
      `speed 1: ${original.sessions[0].replayMs}`,
    );
    const fast = await replayRecording({ dir, speed: 10 });
    const fastMs = fast.sessions[0].replayMs;
    ok(
      fastMs >= recorded / 10 * 0.8 && fastMs < recorded * 0.6,
      `speed 10: ${fastMs} of ${recorded}`,
    );
    equal(fast.sessions[0].books[0].digest, original.sessions[0].books[0].digest);

    const cli = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/replay.ts", dir, "--speed", "max", "--json"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(cli.code, 0, new TextDecoder().decode(cli.stderr));
    const printed = JSON.parse(new TextDecoder().decode(cli.stdout));
    equal(printed.sessions[0].books[0].digest, original.sessions[0].books[0].digest);
    const bad = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/replay.ts", dir, "--speed", "fast"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(bad.code, 2);
  } finally {
    await pipeline?.stop();
    await sim.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
