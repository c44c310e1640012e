/**
 * Replays of real Binance (global) spot captures through the Binance global collector on the real
 * WASM core (replay mode: the recorded REST bodies are fed, nothing is fetched): `U`/`u` continuity
 * by the current documented splice (BN-1 included), and every `bookTicker` whose `u` equals the
 * last applied depth `u` against the rebuilt book (exchange-protocols.md §3.6: 1,072/1,072 for
 * BTCUSDT, 577/577 for ETHUSDT). Skipped when the data is absent.
 */
import { deepEqual, equal } from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import { Core } from "../../src/core/mod.ts";
import type { BinanceCollector } from "../../src/exchanges/binance/collector.ts";
import { binance } from "../../src/exchanges/binance/descriptor.ts";
import { parseBinanceMessage } from "../../src/exchanges/binance/parse.ts";
import { binanceSymbol } from "../../src/exchanges/binance/symbols.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import type { TickerMessage } from "../../src/exchanges/types.ts";
import { readCryptofeed, readHftbacktest, recording } from "./recordings.ts";

async function globalCollector(symbols: string[], logs: string[]): Promise<BinanceCollector> {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const cfg = parseConfig({ exchanges: { binance: { symbols } } });
  return binance.createCollector(cfg.exchanges.binance!, {
    core,
    exchangeCode: binance.code,
    depth: 50,
    log: (l) => logs.push(l),
    replay: true,
  });
}

function sameLevel(level: readonly [string, string] | undefined, p: string, s?: string): boolean {
  return level !== undefined && normalizeDecimal(level[0]) === normalizeDecimal(p) &&
    normalizeDecimal(level[1]) === normalizeDecimal(s ?? "");
}

const HFT: [files: string[], symbol: string, tickers: number][] = [
  [["btcusdt_20240808.gz", "btcusdt_20240809.gz"], "BTC/USDT", 1072],
  [["ethusdt_20240808.gz"], "ETH/USDT", 577],
];

for (const [files, symbol, expectTickers] of HFT) {
  const paths = files.map((f) => recording(`hftbacktest/spot/${f}`));
  Deno.test({
    name: `binance global replay: hftbacktest ${files.join(" + ")} through the adapter`,
    ignore: paths.some((p) => p === undefined),
    async fn() {
      const logs: string[] = [];
      const c = await globalCollector([symbol], logs);
      let depth = 0;
      let checked = 0;
      let matched = 0;
      let firstApplied: number | undefined;
      let afterSnapshot: number | undefined;
      const pending = new Map<number, TickerMessage[]>();
      const check = (t: TickerMessage) => {
        checked++;
        const top = c.books.top(symbol, 1);
        if (
          sameLevel(top.bids[0], t.bidPrice, t.bidSize) &&
          sameLevel(top.asks[0], t.askPrice, t.askSize)
        ) matched++;
      };
      for (const path of paths) {
        for (const line of await readHftbacktest(path!)) {
          if (!line.text.startsWith('{"stream"')) {
            c.ingestRestSnapshot(symbol, line.text);
            afterSnapshot ??= c.lastUpdateId(symbol);
            continue;
          }
          const kind = line.text.includes("@depth")
            ? "depth"
            : line.text.includes("@bookTicker")
            ? "ticker"
            : "other";
          if (kind === "ticker") {
            for (const m of parseBinanceMessage(line.text)) {
              if (m.kind !== "ticker") continue;
              const id = m.updateId!;
              const last = c.lastUpdateId(symbol);
              if (c.books.state(symbol) === "live" && id === last) check(m);
              else if (id > last) pending.set(id, [...(pending.get(id) ?? []), m]);
            }
            continue;
          }
          c.ingest(line.text);
          if (kind !== "depth") continue;
          depth++;
          const u = c.lastUpdateId(symbol);
          if (firstApplied === undefined && afterSnapshot !== undefined) {
            firstApplied = u;
          }
          for (const t of pending.get(u) ?? []) check(t);
          for (const id of pending.keys()) if (id <= u) pending.delete(id);
        }
      }
      const h = c.health();
      const book = h.books[0];
      console.log(
        `    ${symbol}: ${depth} depth events, ${book.updates} book updates (incl. snapshots), ` +
          `${h.gaps} gaps, ${h.parseErrors} parse errors; bookTicker == book ${matched}/${checked}`,
      );
      equal(h.gaps, 0);
      equal(h.parseErrors, 0);
      equal(book.state, "live");
      equal(checked, expectTickers);
      equal(matched, checked);
      if (symbol === "BTC/USDT") {
        // BN-1: snapshot 50093239218; the buffered (…189, …202) and (…203, …207) are dropped,
        // (50093239208, 50093239224) is applied first, and the next live event (U = …225) chains.
        equal(afterSnapshot, 50093239224);
        equal(firstApplied, 50093239237);
        equal(book.updates, 1 + 6493);
      }
      await c.stop();
    },
  });
}

const WS = recording("cryptofeed/BINANCE.ws.1.0");
const HTTP = recording("cryptofeed/BINANCE.http.0.0");

Deno.test({
  name: "binance global replay: cryptofeed BINANCE.ws.1.0 + http.0.0 through the adapter",
  ignore: WS === undefined || HTTP === undefined,
  async fn() {
    const events = [
      ...readCryptofeed(WS!).filter((l) => l.kind === "recv"),
      ...readCryptofeed(HTTP!).filter((l) => l.kind === "http"),
    ].sort((a, b) => Number(a.time) - Number(b.time));
    const symbols = [
      ...new Set(
        events.filter((l) => l.kind === "http").map((l) =>
          binanceSymbol(/symbol=([A-Z0-9]+)/.exec(l.url)![1])!
        ),
      ),
    ].sort();
    const logs: string[] = [];
    const c = await globalCollector(symbols, logs);
    for (const line of events) {
      if (line.kind === "http") {
        c.ingestRestSnapshot(binanceSymbol(/symbol=([A-Z0-9]+)/.exec(line.url)![1])!, line.text);
      } else c.ingest(line.text);
    }
    const h = c.health();
    console.log(
      `    BINANCE.ws.1.0: ${symbols.join(", ")}: ${
        h.books.map((b) => `${b.symbol} ${b.updates} updates`).join(", ")
      }; ${h.gaps} gaps, ${h.parseErrors} parse errors, ${h.unknownMessages} unknown (klines)`,
    );
    deepEqual(symbols, ["BLZ/ETH", "LRC/BTC", "NKN/USDT", "RUNE/EUR"]);
    equal(h.gaps, 0);
    equal(h.parseErrors, 0);
    for (const b of h.books) equal(b.state, "live", b.symbol);
    await c.stop();
  },
});
