/**
 * Replays of the real recordings in ../shared/data through the real adapters and the compiled
 * WASM core (skipped when the folder is absent): every Kraken checksum verified by the Kraken
 * collector itself; Binance diff streams spliced with their REST snapshots by the Binance
 * collector (U/u continuity) and checked against bookTicker; the Coinbase capture re-expressed as
 * Advanced Trade level2 and checked against its tickers.
 */
import { strictEqual } from "node:assert/strict";
import { parseKrakenV1Message } from "../support/kraken_v1.ts";
import { parseCoinbaseLegacyMessage } from "../support/coinbase_legacy.ts";
import { parseBinanceMessage } from "../../src/exchanges/binance/parse.ts";
import { binanceSymbol } from "../../src/exchanges/binance/symbols.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import type { BookMessage, TickerMessage } from "../../src/exchanges/types.ts";
import {
  rawArrayElements,
  rawValue,
  readCryptofeed,
  readHftbacktest,
  recording,
} from "../exchanges/recordings.ts";
import { binance, coinbase, kraken } from "./harness.ts";
import { coinbaseL2Frame, krakenV2Frame } from "./frames.ts";

const WS50 = recording("cryptofeed/KRAKEN.ws.50.0");
Deno.test({
  name:
    "adapter replay: Kraken KRAKEN.ws.50.0 (v1, depth 1000, 10 pairs) through the Kraken collector",
  ignore: WS50 === undefined,
  async fn() {
    const frames: BookMessage[] = [];
    for (const line of readCryptofeed(WS50!)) {
      if (line.kind !== "recv") continue;
      for (const m of parseKrakenV1Message(line.text)) if (m.kind === "book") frames.push(m);
    }
    const symbols = [...new Set(frames.map((m) => m.symbol))];
    const h = await kraken(symbols, { depth: 1000 });
    let verified = 0;
    for (const m of frames) {
      h.collector.ingest(krakenV2Frame(m));
      if (m.checksum !== undefined) verified++;
    }
    const health = h.collector.health();
    console.log(
      `    ${symbols.length} pairs, ${frames.length - verified} snapshots, ${verified} updates: ` +
        `${verified - health.checksumFailures}/${verified} checksums verified by the collector`,
    );
    strictEqual(health.checksumFailures, 0);
    strictEqual(health.parseErrors, 0);
    strictEqual(verified, 4269);
    for (const b of health.books) strictEqual(b.state, "live", b.symbol);
  },
});

const SDK_V1 = recording("python-kraken-sdk/orderbook-v1.json");
const SDK_V2 = recording("python-kraken-sdk/orderbook-v2.json");
Deno.test({
  name: "adapter replay: Kraken python-kraken-sdk v1 and v2 captures (depth 10), every checksum",
  ignore: SDK_V1 === undefined || SDK_V2 === undefined,
  async fn() {
    // v1: translated frames
    const v1 = JSON.parse(Deno.readTextFileSync(SDK_V1!));
    const h1 = await kraken(["BTC/USD"], { depth: 10 });
    let n1 = 0;
    for (const raw of [...v1.init, ...v1.updates]) {
      for (const m of parseKrakenV1Message(JSON.stringify(raw))) {
        if (m.kind !== "book") continue;
        h1.collector.ingest(krakenV2Frame(m));
        if (m.checksum !== undefined) n1++;
      }
    }
    // v2: the file's own frames; it was re-serialised (0.80000000 became 0.8), so the collector
    // needs the instrument precisions (price 1, qty 8), as it would get them live.
    const text = Deno.readTextFileSync(SDK_V2!);
    const h2 = await kraken(["BTC/USD"], { depth: 10 });
    h2.collector.ingest(
      `{"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD","base":"BTC",` +
        `"quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":1,` +
        `"price_increment":0.1,"qty_min":0.0001}]}}`,
    );
    const frames = [rawValue(text, "init"), ...rawArrayElements(text, "updates")];
    for (const f of frames) h2.collector.ingest(f);
    const a = h1.collector.health();
    const b = h2.collector.health();
    console.log(
      `    v1: ${n1 - a.checksumFailures}/${n1} update checksums; v2: ${
        frames.length - b.checksumFailures
      }/${frames.length} ` +
        `checksums (snapshot + updates)`,
    );
    strictEqual(n1, 979);
    strictEqual(a.checksumFailures, 0);
    strictEqual(b.checksumFailures, 0);
    strictEqual(frames.length, 510);
    strictEqual(b.books[0].state, "live");
    strictEqual(b.books[0].updates, 510);
  },
});

const BUS_WS = recording("cryptofeed/BINANCE_US.ws.3.0");
const BUS_HTTP = recording("cryptofeed/BINANCE_US.http.2.0");
Deno.test({
  name:
    "adapter replay: Binance.US BINANCE_US.ws.3.0 + REST snapshots through the Binance collector",
  ignore: BUS_WS === undefined || BUS_HTTP === undefined,
  async fn() {
    const lines = [
      ...readCryptofeed(BUS_WS!).filter((l) => l.kind === "recv"),
      ...readCryptofeed(BUS_HTTP!).filter((l) => l.kind === "http"),
    ].sort((a, b) => Number(a.time) - Number(b.time));
    const natives = new Set<string>();
    for (const l of lines) {
      if (l.kind === "http") natives.add(/symbol=([A-Z0-9]+)/.exec(l.url)![1]);
    }
    const symbols = [...natives].map((n) => binanceSymbol(n)!);
    const h = await binance(symbols);
    let depthEvents = 0;
    for (const l of lines) {
      if (l.kind === "http") {
        h.collector.ingestRestSnapshot(
          binanceSymbol(/symbol=([A-Z0-9]+)/.exec(l.url)![1])!,
          l.text,
        );
      } else {
        if (l.text.includes('"depthUpdate"')) depthEvents++;
        h.collector.ingest(l.text);
      }
    }
    const health = h.collector.health();
    const applied = health.books.reduce((a, b) => a + b.updates, 0);
    console.log(
      `    ${symbols.length} symbols, ${depthEvents} depth events, ${applied} snapshots+updates applied, ` +
        `${health.gaps} gaps, ${health.parseErrors} parse errors`,
    );
    strictEqual(health.gaps, 0);
    strictEqual(health.parseErrors, 0);
    for (const b of health.books) strictEqual(b.state, "live", b.symbol);
  },
});

const HFT = ["btcusdt_20240808.gz", "btcusdt_20240809.gz"].map((f) =>
  recording(`hftbacktest/spot/${f}`)
);
Deno.test({
  name:
    "adapter replay: Binance hftbacktest BTCUSDT (2 files): continuity and bookTicker == rebuilt book",
  ignore: HFT.some((p) => p === undefined),
  async fn() {
    const h = await binance(["BTC/USDT"]);
    const c = h.collector;
    const same = (lvl: [string, string] | undefined, p: string, s: string | undefined) =>
      lvl !== undefined && normalizeDecimal(lvl[0]) === normalizeDecimal(p) &&
      normalizeDecimal(lvl[1]) === normalizeDecimal(s ?? "");
    let checked = 0;
    let matched = 0;
    const pending = new Map<number, TickerMessage[]>();
    const check = (t: TickerMessage) => {
      checked++;
      const top = c.books.top("BTC/USDT", 1);
      if (same(top.bids[0], t.bidPrice, t.bidSize) && same(top.asks[0], t.askPrice, t.askSize)) {
        matched++;
      }
    };
    for (const path of HFT) {
      for (const line of await readHftbacktest(path!)) {
        if (!line.text.startsWith('{"stream"')) {
          c.ingestRestSnapshot("BTC/USDT", line.text);
        } else if (line.text.includes("@bookTicker")) {
          const [m] = parseBinanceMessage(line.text);
          if (m.kind !== "ticker") continue;
          const u = c.lastUpdateId("BTC/USDT");
          if (m.updateId === u) check(m);
          else if (m.updateId! > u) {
            pending.set(m.updateId!, [...(pending.get(m.updateId!) ?? []), m]);
          }
        } else {
          c.ingest(line.text);
          const u = c.lastUpdateId("BTC/USDT");
          for (const t of pending.get(u) ?? []) check(t);
          for (const id of pending.keys()) if (id <= u) pending.delete(id);
        }
      }
    }
    const health = c.health();
    console.log(
      `    BTCUSDT: ${health.books[0].updates} snapshots+updates applied, ${health.gaps} gaps, ` +
        `${h.trades.length} trades, bookTicker == book ${matched}/${checked}`,
    );
    strictEqual(health.gaps, 0);
    strictEqual(checked, 1072);
    strictEqual(matched, checked);
  },
});

const CB = recording("cryptofeed/COINBASE.ws.28.0");
Deno.test({
  name:
    "adapter replay: Coinbase COINBASE.ws.28.0 re-expressed as Advanced Trade level2, tickers == book",
  ignore: CB === undefined,
  async fn() {
    const lines = readCryptofeed(CB!).filter((l) => l.kind === "recv");
    const symbols = new Set<string>();
    const parsed = lines.map((l) => parseCoinbaseLegacyMessage(l.text));
    for (const items of parsed) for (const m of items) if (m.kind === "book") symbols.add(m.symbol);
    const list = [...symbols].map((p) => p.replace("-", "/"));
    const h = await coinbase(list);
    let seq = 1;
    const seen = new Set<string>();
    let checked = 0;
    let matched = 0;
    for (const items of parsed) {
      for (const m of items) {
        if (m.kind === "book") {
          // legacy product ids are already BTC-USD style
          h.collector.ingest(coinbaseL2Frame(m, seq++));
        } else if (m.kind === "ticker") {
          if (!seen.has(m.symbol)) {
            seen.add(m.symbol); // the first ticker per product is stale (sent on subscribe)
            continue;
          }
          checked++;
          const top = h.collector.books.top(m.symbol.replace("-", "/"), 1);
          if (
            top.bids[0] && top.asks[0] &&
            normalizeDecimal(top.bids[0][0]) === normalizeDecimal(m.bidPrice) &&
            normalizeDecimal(top.asks[0][0]) === normalizeDecimal(m.askPrice)
          ) matched++;
        }
      }
    }
    const health = h.collector.health();
    console.log(
      `    ${list.length} products, ${
        health.books.reduce((a, b) => a + b.updates, 0)
      } snapshots+updates, ` +
        `tickers == book ${matched}/${checked}, ${health.gaps} gaps, ${health.parseErrors} parse errors`,
    );
    strictEqual(checked, 97);
    strictEqual(matched, checked);
    strictEqual(health.parseErrors, 0);
  },
});
