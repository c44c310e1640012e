/**
 * Browser test in headless Chromium (Debian's `chromium`, driven by playwright-core): the
 * dashboard served by the service (fed by mock exchanges) rebuilds every book with the WASM core
 * in the page; the books it exposes equal the server's top-N, checksums verified with zero
 * failures, and a forced stale/resync recovers in the page. Saves a screenshot to
 * `artifacts/dashboard.png`.
 */
import { equal, ok } from "node:assert/strict";
import { chromium } from "playwright-core";
import { parseConfig } from "../../src/config.ts";
import { startFeeds } from "../../src/runtime/feeds.ts";
import type { LocalFeed } from "../../src/runtime/local_feed.ts";
import { createServer } from "../../src/server/server.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { KrakenMock } from "../../src/exchanges/kraken/mock.ts";
import { BinanceUsMock } from "../../src/exchanges/binanceus/mock.ts";
import { waitUntil } from "../support/ws_test_client.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

type Lv = [string, string];
const n = (l: readonly Lv[]) =>
  l.map(([p, s]) => `${normalizeDecimal(p)}@${normalizeDecimal(s)}`).join(" ");

Deno.test({
  name:
    "browser: dashboard in headless Chromium rebuilds exact books, verifies checksums, recovers from stale",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const kr = new KrakenMock({
      symbols: ["BTC/USD", "ETH/USD"],
      seed: 31,
      heartbeatIntervalMs: 300,
    });
    const bn = new BinanceUsMock({ symbols: ["BTC/USDT"], seed: 32, flushOnStep: true });
    await Promise.all([kr.start(), bn.start()]);
    const fast = { silenceTimeoutMs: 5000, minBackoffMs: 50, maxBackoffMs: 500 };
    const config = parseConfig({
      server: { port: 0 },
      book: { depth: 10 },
      runtime: { mode: "single" },
      exchanges: {
        kraken: { symbols: ["BTC/USD", "ETH/USD"], wsUrl: kr.wsUrl, depth: 10, ...fast },
        binanceus: { symbols: ["BTC/USDT"], wsUrl: bn.wsUrl, restUrl: bn.restUrl, ...fast },
      },
    });
    const feeds = await startFeeds(config);
    const server = await createServer({ config, feeds });
    const pump = setInterval(() => {
      kr.stepOnce(undefined, 1);
      bn.stepOnce(undefined, 1);
    }, 50);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${server.port}/`);
      const isolated = await page.evaluate(() =>
        (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated
      );
      type PageBook = {
        exchange: string;
        symbol: string;
        stale: boolean;
        book?: { bids: Lv[]; asks: Lv[] };
      };
      const pageBooks = () =>
        page.evaluate(() =>
          ((globalThis as unknown as { __alphapulse?: { books(): unknown } }).__alphapulse
            ?.books() ?? []) as unknown
        ) as Promise<PageBook[]>;
      const serverTop = (exchange: string, symbol: string) => {
        const f = feeds.find((x) => x.exchange === exchange) as LocalFeed;
        return f.collector.books.top(symbol, 10);
      };
      const matches = async () => {
        const list = await pageBooks();
        if (list.length !== 3) return false;
        return list.every((b) => {
          if (b.stale || !b.book) return false;
          const s = serverTop(b.exchange, b.symbol);
          return n(b.book.bids) === n(s.bids) && n(b.book.asks) === n(s.asks);
        });
      };
      await waitForAsync(
        async () => (await pageBooks()).length === 3 && (await pageBooks()).every((b) => !b.stale),
        15_000,
        "page books live",
      );
      clearInterval(pump);
      await waitForAsync(matches, 10_000, "page books to equal the server's top-N");
      // Forced resync: a bad Kraken checksum makes BTC/USD stale upstream; the page must show it
      // stale, then recover with a fresh snapshot.
      const staleSeen = page.evaluate(() =>
        new Promise<boolean>((resolve) => {
          const c =
            (globalThis as unknown as { __alphapulse: { client: EventTarget } }).__alphapulse
              .client;
          c.addEventListener("stale", () => resolve(true), { once: true });
          setTimeout(() => resolve(false), 8000);
        })
      );
      kr.injectBadChecksum("BTC/USD");
      kr.stepOnce(undefined, 2);
      ok(await staleSeen, "the page saw the book go stale");
      kr.stepOnce(undefined, 2);
      bn.stepOnce(undefined, 2);
      await waitForAsync(
        matches,
        10_000,
        "page books to recover and equal the server's top-N again",
      );
      const stats = await page.evaluate(() =>
        (globalThis as unknown as { __alphapulse: { stats: Record<string, number> } }).__alphapulse
          .stats
      );
      equal(stats.checksumFailures, 0);
      ok(stats.checksumsVerified > 10, `verified ${stats.checksumsVerified}`);
      equal(errors.length, 0, errors.join("\n"));
      await page.waitForTimeout(300);
      await Deno.mkdir(new URL("../../artifacts/", import.meta.url), { recursive: true });
      await page.screenshot({
        path: new URL("../../artifacts/dashboard.png", import.meta.url).pathname,
        fullPage: true,
      });
      console.log(
        `    crossOriginIsolated=${isolated}; ${stats.checksumsVerified} records verified in the page, 0 failures`,
      );
    } finally {
      clearInterval(pump);
      await browser.close();
      await server.close("test done");
      await Promise.all(feeds.map((f) => f.stop()));
      await Promise.all([kr.stop(), bn.stop()]);
    }
  },
});

async function waitForAsync(
  pred: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
void waitUntil;
