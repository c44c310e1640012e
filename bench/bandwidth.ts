/**
 * Bandwidth on the real recordings (../shared/data): bytes the service sends as deltas vs the
 * bytes re-sending the top-N on every update would take, binary and JSON, N = 50 (the default
 * `book.depth`). Each recording goes through the real adapter and core; every delta record in
 * the ring is measured. "Update" is counted two ways: per exchange message that changed the
 * top-N (one delta each), and per level change the exchange sent.
 *
 *   deno run -A bench/bandwidth.ts
 */
import { decodeRecord, formatMantissa, LAPPED, RingReader } from "../src/core/mod.ts";
import type { SocketCollector } from "../src/exchanges/collector.ts";
import { parseKrakenV1Message } from "../tests/support/kraken_v1.ts";
import { parseCoinbaseLegacyMessage } from "../tests/support/coinbase_legacy.ts";
import type { BookMessage } from "../src/exchanges/types.ts";
import { readCryptofeed, readHftbacktest, recording } from "../tests/exchanges/recordings.ts";
import { binance, coinbase, kraken } from "../tests/exchanges/harness.ts";
import { coinbaseL2Frame, krakenV2Frame } from "../tests/exchanges/frames.ts";

interface Tally {
  deltas: number;
  levelChanges: number;
  binDelta: number;
  binFull: number;
  jsonDelta: number;
  jsonFull: number;
}

const DEPTH = 50;

function newTally(): Tally {
  return { deltas: 0, levelChanges: 0, binDelta: 0, binFull: 0, jsonDelta: 0, jsonFull: 0 };
}

/** Drains the ring: per delta, its bytes vs a full top-N at that point. */
function drain(
  reader: RingReader,
  layout: Parameters<typeof decodeRecord>[1],
  t: Tally,
  books: Map<string, Map<string, string>[]>,
) {
  for (let b = reader.read(); b !== null; b = reader.read()) {
    if (b === LAPPED) throw new Error("lapped: enlarge the ring");
    const r = decodeRecord(b, layout);
    const key = `${r.exchange}:${r.symbol}`;
    let book = books.get(key);
    if (!book || (r.snapshot && r.part === 0) || r.stale) {
      books.set(key, book = [new Map(), new Map()]);
    }
    const fmtL = (l: [bigint, bigint]) =>
      [formatMantissa(l[0], r.priceScale), formatMantissa(l[1], r.sizeScale)] as const;
    const bids = r.bids.map(fmtL);
    const asks = r.asks.map(fmtL);
    for (const [side, list] of [[0, bids], [1, asks]] as const) {
      for (const [p, s] of list) {
        if (s === "0") book[side].delete(p);
        else book[side].set(p, s);
      }
    }
    if (r.snapshot || r.stale) continue;
    t.binDelta += b.byteLength;
    const jsonDelta = JSON.stringify({
      type: "delta",
      exchange: "x",
      symbol: "BTC/USD",
      seq: r.seq,
      bids,
      asks,
      checksum: r.checksum,
    });
    t.jsonDelta += jsonDelta.length;
    if (r.last) {
      t.deltas++;
      const levels = book[0].size + book[1].size;
      t.binFull += 64 + 16 * levels;
      t.jsonFull += JSON.stringify({
        type: "snapshot",
        exchange: "x",
        symbol: "BTC/USD",
        seq: r.seq,
        bids: [...book[0]],
        asks: [...book[1]],
        checksum: r.checksum,
      }).length;
    }
  }
}

async function krakenRun(): Promise<Tally | undefined> {
  const path = recording("cryptofeed/KRAKEN.ws.50.0");
  if (!path) return undefined;
  const frames: BookMessage[] = [];
  for (const line of readCryptofeed(path)) {
    if (line.kind !== "recv") continue;
    for (const m of parseKrakenV1Message(line.text)) if (m.kind === "book") frames.push(m);
  }
  const h = await kraken([...new Set(frames.map((m) => m.symbol))], { depth: 1000 });
  return replay(
    h,
    frames.map((m) => ({ text: krakenV2Frame(m), levels: (m.bids.length + m.asks.length) / 2 })),
  );
}

async function binanceRun(): Promise<Tally | undefined> {
  const paths = ["btcusdt_20240808.gz", "btcusdt_20240809.gz"].map((f) =>
    recording(`hftbacktest/spot/${f}`)
  );
  if (paths.some((p) => !p)) return undefined;
  const h = await binance(["BTC/USDT"]);
  const t = newTally();
  const reader = new RingReader(h.core.memory.buffer, h.core.ringAddress, h.core.layout);
  const books = new Map();
  for (const p of paths) {
    for (const line of await readHftbacktest(p!)) {
      if (!line.text.startsWith('{"stream"')) h.collector.ingestRestSnapshot("BTC/USDT", line.text);
      else if (line.text.includes("depthUpdate")) {
        const data = JSON.parse(line.text).data;
        t.levelChanges += data.b.length + data.a.length;
        h.collector.ingest(line.text);
      }
      drain(reader, h.core.layout, t, books);
    }
  }
  return t;
}

async function coinbaseRun(): Promise<Tally | undefined> {
  const path = recording("cryptofeed/COINBASE.ws.28.0");
  if (!path) return undefined;
  const parsed = readCryptofeed(path).filter((l) => l.kind === "recv").map((l) =>
    parseCoinbaseLegacyMessage(l.text)
  );
  const symbols = new Set<string>();
  for (const items of parsed) for (const m of items) if (m.kind === "book") symbols.add(m.symbol);
  const h = await coinbase([...symbols].map((s) => s.replace("-", "/")));
  let seq = 1;
  const frames: Array<{ text: string; levels: number }> = [];
  for (const items of parsed) {
    for (const m of items) {
      if (m.kind !== "book") continue;
      frames.push({
        text: coinbaseL2Frame(m, seq++),
        levels: m.snapshot ? 0 : (m.bids.length + m.asks.length) / 2,
      });
    }
  }
  return replay(h, frames);
}

function replay(
  h: {
    collector: SocketCollector;
    core: {
      memory: WebAssembly.Memory;
      ringAddress: number;
      layout: Parameters<typeof decodeRecord>[1];
    };
  },
  frames: Array<{ text: string; levels: number }>,
): Tally {
  const t = newTally();
  const reader = new RingReader(h.core.memory.buffer, h.core.ringAddress, h.core.layout);
  const books = new Map();
  for (const f of frames) {
    t.levelChanges += f.levels;
    h.collector.ingest(f.text);
    drain(reader, h.core.layout, t, books);
  }
  return t;
}

const pct = (a: number, b: number) => `${(100 * (1 - a / b)).toFixed(2)}%`;
console.log(`Top-N = ${DEPTH}. "Saved" = 1 - delta bytes / full top-N bytes.\n`);
console.log(
  "| recording | deltas | level changes | binary: deltas | binary: top-N per delta | saved | JSON: deltas | JSON: top-N per delta | saved | saved vs top-N per level change (JSON) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (
  const [name, run] of [["Kraken KRAKEN.ws.50.0 (10 pairs)", krakenRun], [
    "Binance hftbacktest BTCUSDT",
    binanceRun,
  ], ["Coinbase COINBASE.ws.28.0 (10 products)", coinbaseRun]] as const
) {
  const t = await run();
  if (!t) {
    console.log(`| ${name} | (recording absent) |`);
    continue;
  }
  const perChange = t.deltas > 0 ? t.jsonFull / t.deltas * t.levelChanges : 0;
  console.log(
    `| ${name} | ${t.deltas} | ${t.levelChanges} | ${t.binDelta} | ${t.binFull} | ${
      pct(t.binDelta, t.binFull)
    } | ` +
      `${t.jsonDelta} | ${t.jsonFull} | ${pct(t.jsonDelta, t.jsonFull)} | ${
        pct(t.jsonDelta, perChange)
      } |`,
  );
}
