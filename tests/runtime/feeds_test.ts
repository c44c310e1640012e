/**
 * The collector runtime: each exchange's collector in its own Worker writing its own ring (the
 * main thread reads it from shared memory), and the same collectors in a single isolate. Fed by
 * the loopback mocks; the main thread rebuilds every book from the ring with a BookMirror and
 * compares it with the mock.
 */
import { equal, ok } from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import { BookMirror, LAPPED, RingReader } from "../../src/core/mod.ts";
import type { ExchangeFeed, NormalizedTrade } from "../../src/runtime/feed.ts";
import { startFeeds } from "../../src/runtime/feeds.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { BinanceUsMock } from "../../src/exchanges/binanceus/mock.ts";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { CoinbaseMock } from "../../src/exchanges/coinbase/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";

const n = (l: ReadonlyArray<readonly [string, string]>) =>
  l.map(([p, s]) => `${normalizeDecimal(p)}@${normalizeDecimal(s)}`);

/** Mocks of three venues on loopback (started) and a config of the service pointed at them. */
async function threeVenues(mode: "workers" | "single", krakenSymbols: string[], seed: number) {
  const kr = new KrakenMock({ symbols: krakenSymbols, seed, heartbeatIntervalMs: 200 });
  const cb = new CoinbaseMock({ symbols: ["BTC/USD"], seed: seed + 1, heartbeatIntervalMs: 200 });
  const bn = new BinanceUsMock({ symbols: ["BTC/USDT"], seed: seed + 2, flushOnStep: true });
  await Promise.all([kr.start(), cb.start(), bn.start()]);
  const fast = { silenceTimeoutMs: 3000, minBackoffMs: 20, maxBackoffMs: 200 };
  const config = parseConfig({
    book: { depth: 10 },
    runtime: { mode, ringCapacity: 4096 },
    exchanges: {
      kraken: { symbols: krakenSymbols, wsUrl: kr.wsUrl, depth: 10, ...fast },
      coinbase: { symbols: ["BTC/USD"], wsUrl: cb.wsUrl, ...fast },
      binanceus: { symbols: ["BTC/USDT"], wsUrl: bn.wsUrl, restUrl: bn.restUrl, ...fast },
    },
  });
  return { kr, cb, bn, config };
}

for (const mode of ["workers", "single"] as const) {
  Deno.test(`runtime (${mode}): three exchanges, rings read on the main thread rebuild exact books`, async () => {
    const { kr, cb, bn, config } = await threeVenues(mode, ["BTC/USD", "ETH/USD"], 2);
    const pump = setInterval(() => {
      kr.stepOnce(undefined, 1);
      cb.stepOnce(undefined, 1);
      bn.stepOnce(undefined, 1);
    }, 20);
    let feeds: ExchangeFeed[] = [];
    try {
      feeds = await startFeeds(config);
      equal(feeds.length, 3);
      const mirror = await BookMirror.create();
      const readers = feeds.map((f) =>
        new RingReader(f.buffer, f.ringAddress, f.layout, { from: "oldest" })
      );
      const trades: NormalizedTrade[] = [];
      for (const f of feeds) f.onTrade((t) => trades.push(t));
      const mocks: Record<string, KrakenMock | CoinbaseMock | BinanceUsMock> = {
        kraken: kr,
        coinbase: cb,
        binanceus: bn,
      };
      const drain = () => {
        readers.forEach((r) => {
          for (let b = r.read(); b !== null; b = r.read()) {
            if (b === LAPPED) throw new Error("main-thread reader lapped");
            mirror.apply(b);
          }
        });
      };
      const matches = () => {
        drain();
        return feeds.every((f) =>
          f.symbols.every((s, i) => {
            const mine = mirror.book(f.exchangeCode, i);
            if (!mine) return false;
            const ref = mocks[f.exchange].book(s, 10);
            return JSON.stringify([n(mine.bids), n(mine.asks)]) ===
              JSON.stringify([n(ref.bids.slice(0, 10)), n(ref.asks.slice(0, 10))]);
          })
        );
      };
      clearInterval(pump);
      await waitUntil(matches, 8000, "every mirrored book to equal its mock");
      // keep moving, then settle and compare again
      for (let i = 0; i < 5; i++) {
        kr.stepOnce(undefined, 5);
        cb.stepOnce(undefined, 5);
        bn.stepOnce(undefined, 5);
        await waitUntil(matches, 5000, "books to follow the market");
      }
      await waitUntil(() => feeds.every((f) => f.health().healthy), 3000, "health reported");
      ok(trades.length > 0, "trades crossed from the collectors");
      // A requested snapshot arrives as SNAPSHOT records in the ring.
      feeds[0].requestSnapshots();
      await waitUntil(() => {
        drain();
        return true;
      }, 100);
    } finally {
      clearInterval(pump);
      await Promise.all(feeds.map((f) => f.stop()));
      await Promise.all([kr.stop(), cb.stop(), bn.stop()]);
    }
  });
}

for (const mode of ["workers", "single"] as const) {
  Deno.test(`runtime (${mode}): paused books write no records, stay exact, and resume with a snapshot`, async () => {
    const { kr, cb, bn, config } = await threeVenues(mode, ["BTC/USD"], 5);
    const mocks = [kr, cb, bn];
    const step = (n: number) => mocks.forEach((m) => m.stepOnce(undefined, n));
    let feeds: ExchangeFeed[] = [];
    try {
      feeds = await startFeeds(config);
      const mirror = await BookMirror.create();
      const readers = feeds.map((f) =>
        new RingReader(f.buffer, f.ringAddress, f.layout, { from: "oldest" })
      );
      const mockOf = (f: ExchangeFeed) =>
        mocks[["kraken", "coinbase", "binanceus"].indexOf(f.exchange)];
      /** Records read from each ring into the mirror. */
      const drain = () =>
        readers.map((r) => {
          let n = 0;
          for (let b = r.read(); b !== null; b = r.read()) {
            if (b === LAPPED) throw new Error("main-thread reader lapped");
            mirror.apply(b);
            n++;
          }
          return n;
        });
      const matches = () => {
        drain();
        return feeds.every((f) => {
          const mine = mirror.book(f.exchangeCode, 0);
          const ref = mockOf(f).book(f.symbols[0], 10);
          return mine !== undefined &&
            JSON.stringify([n(mine.bids), n(mine.asks)]) ===
              JSON.stringify([n(ref.bids.slice(0, 10)), n(ref.asks.slice(0, 10))]);
        });
      };
      step(1);
      await waitUntil(matches, 8000, "every mirrored book to equal its mock");
      for (const f of feeds) f.pauseRecords!(f.symbols);
      await waitUntil(
        () => feeds.every((f) => f.health().books.every((b) => b.quiet)),
        3000,
        "every book quiet",
      );
      drain();
      const seqBefore = feeds.map((f) => f.health().books[0].seq);
      for (let i = 0; i < 10; i++) {
        step(5);
        await new Promise((r) => setTimeout(r, 20));
      }
      // The collectors applied the updates (their seq moved, their health says live) ...
      await waitUntil(
        () =>
          feeds.every((f, i) =>
            f.health().books[0].seq > seqBefore[i] && f.health().books[0].state === "live"
          ),
        3000,
        "seq to move while quiet",
      );
      // ... and wrote no record of them.
      equal(drain().reduce((a, b) => a + b, 0), 0, "no record written while paused");
      // A snapshot request ends the pause: the snapshot is the mock's book, deltas follow it.
      for (const f of feeds) f.requestSnapshots(f.symbols);
      await waitUntil(matches, 5000, "the resumed books to equal their mocks");
      for (let i = 0; i < 3; i++) {
        step(5);
        await waitUntil(matches, 5000, "resumed books to follow the market");
      }
      await waitUntil(
        () => feeds.every((f) => f.health().books.every((b) => !b.quiet)),
        3000,
        "no book quiet any more",
      );
      // keepRecords: a later pause is ignored.
      for (const f of feeds) {
        f.keepRecords!();
        f.pauseRecords!(f.symbols);
      }
      step(5);
      await waitUntil(matches, 5000, "books kept after keepRecords");
      ok(feeds.every((f) => f.health().books.every((b) => !b.quiet)), "pause ignored after keep");
    } finally {
      await Promise.all(feeds.map((f) => f.stop()));
      await Promise.all(mocks.map((m) => m.stop()));
    }
  });
}
