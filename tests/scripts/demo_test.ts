/**
 * `deno task demo` (scripts/demo.ts) covers every venue of the registry: its simulator serves each
 * registered venue with the symbols the venue's mock descriptor names, the service configuration
 * built for it validates with a section per registered venue, every book of every venue goes
 * live against it and rebuilds the simulator's book exactly, and the dashboard (headless
 * Chromium, skipped without it) shows every one of those books live. The venue list is the registry's,
 * never a list written here.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { demoSimulatorOptions } from "../../scripts/demo.ts";
import { parseConfig } from "../../src/config.ts";
import { EXCHANGES, venue } from "../../src/exchanges/registry.ts";
import { startFeeds } from "../../src/runtime/feeds.ts";
import { createServer } from "../../src/server/server.ts";
import { Simulator } from "../../src/simulator/simulator.ts";
import { Pipeline } from "../simulator/pipeline.ts";
import { waitUntil } from "../support/ws_test_client.ts";

Deno.test("demo: the simulator serves every registered venue and its config validates", async () => {
  const sim = new Simulator(demoSimulatorOptions({ rate: 0, faults: true, bursts: true }));
  await sim.start();
  try {
    deepEqual(sim.exchanges, [...EXCHANGES]);
    const config = parseConfig(sim.config({ server: { hostname: "127.0.0.1", port: 0 } }));
    deepEqual(Object.keys(config.exchanges), [...EXCHANGES]);
    for (const id of EXCHANGES) {
      const v = venue(id);
      const section =
        (config.exchanges as Record<string, { symbols: string[]; wsUrl: string }>)[id];
      deepEqual(section.symbols, [...v.mock.defaultSymbols], `${id} symbols`);
      equal(section.wsUrl, sim.wsUrl(id), `${id} points at its mock`);
      // The normalised names reach the mock's own books in the venue's spelling.
      deepEqual(section.symbols.map((s) => v.toNative(s)), sim.venue(id).symbols, `${id} natives`);
    }
  } finally {
    await sim.stop();
  }
});

Deno.test("demo: every registered venue's books go live and equal the simulator's", async () => {
  const sim = new Simulator(demoSimulatorOptions({ rate: 600, faults: false, bursts: false }));
  await sim.start();
  let pipeline: Pipeline | undefined;
  try {
    pipeline = await Pipeline.start(sim);
    const p = pipeline;
    deepEqual(p.feeds.map((f) => f.exchange), [...EXCHANGES]);
    await waitUntil(
      () =>
        p.feeds.every((f) => f.health().books.every((b) => b.state === "live" && b.updates > 5)),
      20_000,
      "every book of every venue live and moving",
    );
    sim.setRate(0);
    await waitUntil(() => p.matches(), 10_000, "every rebuilt book to equal the simulator's");
    for (const id of EXCHANGES) {
      const h = p.health(id);
      equal(h.parseErrors, 0, `${id} parse errors`);
      equal(h.gaps, 0, `${id} gaps`);
      equal(h.checksumFailures, 0, `${id} checksum failures`);
      ok(h.books.length === venue(id).mock.defaultSymbols.length, `${id} books`);
    }
    deepEqual(p.mirrorProblems, []);
  } finally {
    await pipeline?.stop();
    await sim.stop();
  }
});

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "demo: the dashboard in headless Chromium lists every registered venue's books live",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    const sim = new Simulator(demoSimulatorOptions({ rate: 300, faults: false, bursts: false }));
    await sim.start();
    const config = parseConfig(sim.config({
      server: { hostname: "127.0.0.1", port: 0 },
      runtime: { mode: "single" },
    }));
    const feeds = await startFeeds(config);
    const server = await createServer({ config, feeds });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${server.port}/`);
      type PageBook = { exchange: string; symbol: string; stale: boolean; book?: unknown };
      const want = EXCHANGES.flatMap((id) => venue(id).mock.defaultSymbols.map((s) => `${id} ${s}`))
        .sort();
      let seen: string[] = [];
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        const books = await page.evaluate(() =>
          ((globalThis as unknown as { __alphapulse?: { books(): unknown } }).__alphapulse
            ?.books() ?? []) as unknown
        ) as PageBook[];
        seen = books.filter((b) => !b.stale && b.book).map((b) => `${b.exchange} ${b.symbol}`)
          .sort();
        if (seen.length === want.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      deepEqual(seen, want, "live books on the dashboard");
      const venuesShown = await page.locator(".venue").allTextContents();
      deepEqual([...new Set(venuesShown)].sort(), [...EXCHANGES].sort(), "venue labels");
      equal(errors.length, 0, errors.join("\n"));
    } finally {
      await browser.close();
      await server.close("test done");
      await Promise.all(feeds.map((f) => f.stop()));
      await sim.stop();
    }
  },
});
