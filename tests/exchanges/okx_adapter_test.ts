/**
 * The OKX collector against the OKX mock (WebSocket + REST) on loopback: REST-seeded books spliced
 * by `prevSeqId` / `seqId` (the protocol since August 2026), a broken chain (that book only), a
 * stale REST snapshot, an empty update, a `seqId` reset, the older wires (in-band snapshot,
 * checksum 0; legacy checksum verified and a bad one resynced), disconnects, notice 64008,
 * text ping/pong, malformed frames, rejected subscriptions.
 */
import { equal, ok } from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import { Core } from "../../src/core/mod.ts";
import type { NormalizedTrade } from "../../src/exchanges/health.ts";
import { OkxCollector } from "../../src/exchanges/okx/collector.ts";
import { okx } from "../../src/exchanges/okx/descriptor.ts";
import { OkxMock, type OkxMockMode, type OkxMockOptions } from "../../src/exchanges/okx/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";
import { waitForBooks } from "../support/books.ts";

const SYMBOLS = ["BTC/USDT", "ETH/USDT"];
const N = 50;

async function setup(
  options: {
    mode?: OkxMockMode;
    settings?: Record<string, unknown>;
    pump?: boolean;
    mock?: Partial<OkxMockOptions>;
  } = {},
) {
  const mock = new OkxMock({ symbols: SYMBOLS, seed: 5, mode: options.mode, ...options.mock });
  await mock.start();
  mock.stepOnce(undefined, 5);
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const cfg = parseConfig({
    exchanges: {
      okx: {
        symbols: SYMBOLS,
        wsUrl: mock.wsUrl,
        restUrl: mock.restUrl,
        silenceTimeoutMs: 3000,
        pingIntervalMs: 2000,
        minBackoffMs: 20,
        maxBackoffMs: 200,
        ...options.settings,
      },
    },
  });
  const trades: NormalizedTrade[] = [];
  const logs: string[] = [];
  const collector = new OkxCollector(cfg.exchanges.okx!, {
    core,
    exchangeCode: okx.code,
    depth: cfg.book.depth,
    onTrade: (t) => trades.push(t),
    log: (l) => logs.push(l),
  });
  await collector.start();
  const pump = options.pump === false
    ? undefined
    : setInterval(() => mock.stepOnce(undefined, 1), 40);
  const synced = (symbols = SYMBOLS) => waitForBooks(collector, mock, symbols, N);
  return {
    mock,
    collector,
    trades,
    logs,
    synced,
    close: async () => {
      clearInterval(pump);
      await collector.stop();
      await mock.stop();
    },
  };
}

Deno.test("okx adapter: REST snapshot + seqId splice give exact books; trades normalised", async () => {
  const { mock, collector, trades, synced, close } = await setup();
  try {
    await synced();
    for (let i = 0; i < 5; i++) {
      mock.stepOnce(undefined, 10);
      await synced();
    }
    const h = collector.health();
    equal(h.gaps, 0);
    equal(h.parseErrors, 0);
    equal(mock.stats.restBooks["BTC-USDT"], 1);
    equal(collector.seqId("BTC/USDT"), mock.seqId("BTC-USDT"));
    ok(trades.length > 0 && trades.every((t) => t.exchange === "okx"));
    ok(trades.every((t) => SYMBOLS.includes(t.symbol)));
  } finally {
    await close();
  }
});

Deno.test("okx adapter: a broken prevSeqId chain re-snapshots that book only", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.injectGap("BTC/USDT");
    mock.stepOnce(undefined, 2);
    await waitUntil(() => (mock.stats.restBooks["BTC-USDT"] ?? 0) >= 2, 5000, "re-snapshot");
    await synced();
    const h = collector.health();
    equal(h.gaps, 1);
    equal(h.books.find((b) => b.symbol === "BTC/USDT")!.gaps, 1);
    equal(h.books.find((b) => b.symbol === "ETH/USDT")!.resyncs, 0);
    equal(mock.stats.restBooks["ETH-USDT"], 1);
  } finally {
    await close();
  }
});

Deno.test("okx adapter: a stale REST snapshot is refetched; empty updates and a seqId reset pass", async () => {
  const { mock, collector, synced, close } = await setup({ pump: false });
  try {
    await synced();
    mock.injectEmptyUpdate("ETH/USDT");
    mock.injectSeqReset("ETH/USDT");
    mock.stepOnce("ETH/USDT", 3);
    await synced();
    equal(collector.health().gaps, 0);
    // Stale snapshot: force a resync of BTC (gap), its first REST answer is from the past.
    mock.injectStaleSnapshot("BTC/USDT", 3);
    mock.injectGap("BTC/USDT");
    mock.stepOnce("BTC/USDT", 1);
    await waitUntil(() => (mock.stats.restBooks["BTC-USDT"] ?? 0) >= 3, 5000, "refetch");
    mock.stepOnce(undefined, 2);
    await synced();
  } finally {
    await close();
  }
});

Deno.test("okx adapter: deletes of unknown levels are no-ops, books stay exact", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.deleteUnknownLevel("BTC/USDT", "bid");
    mock.deleteUnknownLevel("ETH/USDT", "ask");
    mock.stepOnce(undefined, 3);
    await synced();
    equal(collector.health().gaps, 0);
    ok(collector.health().books.some((b) => b.absentDeletes > 0));
  } finally {
    await close();
  }
});

Deno.test("okx adapter: transition wire (in-band snapshot, checksum 0) is used as documented", async () => {
  const { mock, collector, synced, close } = await setup({ mode: "transition" });
  try {
    await synced();
    mock.injectGap("ETH/USDT");
    mock.stepOnce(undefined, 2);
    await waitUntil(
      () =>
        (mock.stats.restBooks["ETH-USDT"] ?? 0) >= 1 &&
        collector.books.state("ETH/USDT") === "live" && collector.health().gaps >= 1,
      5000,
      "resync",
    );
    await synced();
    equal(collector.health().checksumFailures, 0);
  } finally {
    await close();
  }
});

Deno.test("okx adapter: legacy wire verifies every checksum; a bad one resubscribes that book", async () => {
  const { mock, collector, logs, synced, close } = await setup({ mode: "legacy" });
  try {
    await synced();
    const before = collector.checksumsVerified;
    mock.stepOnce(undefined, 5);
    await synced();
    ok(collector.checksumsVerified >= before + 10, `${collector.checksumsVerified}`);
    mock.injectBadChecksum("BTC/USDT");
    mock.stepOnce("BTC/USDT", 1);
    await waitUntil(() => (mock.stats.bookSubscribes["BTC-USDT"] ?? 0) >= 2, 5000, "resubscribe");
    await synced();
    const h = collector.health();
    equal(h.checksumFailures, 1);
    equal(mock.stats.bookSubscribes["ETH-USDT"], 1);
    ok(logs.some((l) => l.includes("checksum mismatch")));
  } finally {
    await close();
  }
});

Deno.test("okx adapter: disconnect, notice 64008 and silence reconnect and resync", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    mock.disconnectAll();
    await waitUntil(() => mock.stats.connections >= 2, 5000, "reconnect");
    await synced();
    mock.notice(50);
    await waitUntil(() => mock.stats.connections >= 3, 5000, "reconnect after notice");
    await synced();
    mock.silence(4000);
    await waitUntil(() => mock.stats.connections >= 4, 8000, "reconnect after silence");
    await synced();
    ok(collector.health().reconnects >= 3);
  } finally {
    await close();
  }
});

Deno.test("okx adapter: text ping when quiet keeps the connection alive", async () => {
  const { mock, collector, synced, close } = await setup({ pump: false });
  try {
    await synced();
    await waitUntil(() => mock.stats.pongs >= 2, 8000, "pings answered");
    equal(mock.stats.connections, 1);
    ok(collector.pingsSent >= 2);
    equal(collector.books.state("BTC/USDT"), "live");
  } finally {
    await close();
  }
});

Deno.test("okx adapter: malformed frames are counted; one naming a book resyncs it", async () => {
  const { mock, collector, synced, close } = await setup();
  try {
    await synced();
    for (const f of okx.mock.malformed) mock.sendRaw(f);
    mock.sendRaw(
      '{"arg":{"channel":"books","instId":"ETH-USDT"},"action":"update","data":[{"asks":[["x","1"]]',
    );
    mock.sendRaw('{"arg":{"channel":"candle1m","instId":"ETH-USDT"},"data":[]}');
    await waitUntil(() => collector.health().parseErrors >= 3, 5000, "counted");
    await waitUntil(() => (mock.stats.restBooks["ETH-USDT"] ?? 0) >= 2, 5000, "ETH re-snapshot");
    await synced();
    equal(mock.stats.restBooks["BTC-USDT"], 1);
    ok(collector.health().unknownMessages >= 1);
  } finally {
    await close();
  }
});

Deno.test("okx adapter: a rejected subscription is an exchange error; the other book flows", async () => {
  const mockSymbols = SYMBOLS;
  const { mock, collector, synced, close } = await setup({ pump: true });
  try {
    await synced(mockSymbols);
    mock.rejectSubscribe("ETH/USDT", 1);
    mock.disconnectAll();
    await waitUntil(() => collector.health().exchangeErrors >= 1, 5000, "error event");
    await synced(["BTC/USDT"]);
  } finally {
    await close();
  }
});

Deno.test("okx adapter: a subscription the exchange activates late: the REST snapshot is read after its ack (no gap, no resync)", async () => {
  // The books change all through the 150 ms between the subscribe request and its activation,
  // and none of those changes is pushed. A snapshot read when the request was sent would miss
  // them: the first push would break its chain (or, with nothing pushed after, the book would
  // look live while behind). Read after the ack, it holds them.
  const { mock, collector, synced, close } = await setup({
    pump: false,
    mock: { subscribeDelayMs: 150 },
  });
  try {
    const end = Date.now() + 400;
    while (Date.now() < end) {
      mock.stepOnce(undefined, 1);
      await new Promise((r) => setTimeout(r, 10));
    }
    await synced();
    mock.stepOnce(undefined, 10);
    await synced();
    const h = collector.health();
    equal(h.gaps, 0);
    for (const b of h.books) equal(b.resyncs, 0, `${b.symbol} resynced`);
  } finally {
    await close();
  }
});
