/**
 * The Binance depth hot path (`Core.scanBinanceDepth` + `applyScannedDepth`, the collector's
 * `depthFastPath`) against the general path it shortcuts (`parseBinanceMessage` with level text,
 * `addTextLevels`, `apply`):
 *
 * - envelope: whenever the core scans a frame, the general parser reads the same symbol, `U`, `u`,
 *   `E` and level-array offsets from it;
 * - staging: the same frame applied both ways, at the frame's own scales and at smaller and
 *   larger ones, gives the same outcome (records written, or the same error) and the same ring
 *   records;
 * - collectors: one collector with the fast path and one without, fed the same inputs (recorded
 *   Binance and Binance.US streams with their REST snapshots, clean and mutated), end with equal
 *   health, counters, logs, books and ring records.
 *
 * Frames: hand-made edge cases and a synthetic 20-level stream always; the recordings in
 * `../shared/data` when present.
 */
import { hftbacktestInputs, type Input, recordsOf } from "./collector_pairs.ts";
import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { Core, RingReader } from "../../src/core/mod.ts";
import type { BinanceCollector } from "../../src/exchanges/binance/collector.ts";
import { binance } from "../../src/exchanges/binance/descriptor.ts";
import { parseBinanceMessage } from "../../src/exchanges/binance/parse.ts";
import { binanceSymbol } from "../../src/exchanges/binance/symbols.ts";
import { binanceus } from "../../src/exchanges/binanceus/descriptor.ts";
import type { LevelText } from "../../src/exchanges/types.ts";
import { mutate, mutations } from "../support/mutations.ts";
import { venueHarness } from "./venue_harness.ts";
import { readCryptofeed, readHftbacktest, recording } from "./recordings.ts";

const wrap = (data: string, stream = "btcusdt@depth@100ms") =>
  `{"stream":"${stream}","data":${data}}`;
const depth = (b: string, a: string, ids = '"U":5,"u":7', s = "BTCUSDT", E = "1719835200123") =>
  `{"e":"depthUpdate","E":${E},"s":"${s}",${ids},"b":${b},"a":${a}}`;

/** Edge cases around every rule of the compact form (each is also tried wrapped). */
const EDGE: string[] = [
  depth('[["60000.10","0.5"]]', "[]"),
  depth("[]", "[]"),
  depth('[["60000.10","0.5"],["59999","0"]]', '[["60001.00000000","1.23400000"]]'),
  depth('[["1","2"]]', '[["3","4"]]', '"U":7,"u":7'),
  depth('[["1","2"]]', "[]", '"U":8,"u":7'),
  depth('[["1","2"]]', "[]", '"U":123456789012345,"u":123456789012345'),
  depth('[["1","2"]]', "[]", '"U":1234567890123456,"u":1234567890123456'),
  depth('[["1","2"]]', "[]", '"U":007,"u":9'),
  depth('[["1","2"]]', "[]", '"U":5,"u":7', "BTCUSDT", "0"),
  depth('[["1","2"]]', "[]", '"U":5,"u":7', "BTCUSDT", "1234567890123456"),
  depth('[["1","2"]]', "[]", '"U":5,"u":7', "btcusdt"),
  depth('[["1","2"]]', "[]", '"U":5,"u":7', "ETHUSDT"),
  depth('[["1","2"]]', "[]", '"U":5,"u":7', ""),
  depth('[["1","2"]]', "[]", '"U":5,"u":7', "BTC\\u0055SDT"),
  depth('[["0","2"]]', "[]"),
  depth('[["0.000","2"]]', "[]"),
  depth('[["00.5","2"]]', "[]"),
  depth('[["1.","2"]]', "[]"),
  depth('[[".5","2"]]', "[]"),
  depth('[["-1","2"]]', "[]"),
  depth('[["1e5","2"]]', "[]"),
  depth('[["1","2",3]]', "[]"),
  depth('[["1","2",{"a":[1]}]]', '[["3","4"]]'),
  depth('[["1", "2"]]', "[]"),
  depth('[ ["1","2"]]', "[]"),
  depth('[["1","2"] ]', "[]"),
  depth('[["1",2]]', "[]"),
  depth('[["1"]]', "[]"),
  depth('[["1","2"],]', "[]"),
  depth('[["1234567890123456789","1"]]', "[]"),
  depth('[["12345678901234567890","1"]]', "[]"),
  depth('[["1.000000000000000000000000000000000000","1"]]', "[]"),
  depth('[["1.0000000000000000000000000000000000000000","1"]]', "[]"),
  depth('[["9223372036854775807","1"]]', "[]"),
  depth('[["9223372036854775808","1"]]', "[]"),
  depth('[["922337203685.4775807","1"]]', "[]"),
  depth('[["92233720368547758.07","1"]]', "[]"),
  depth('[["1.123456789","0.5"]]', "[]"),
  depth('[["1.5","0.123456789012345678"]]', "[]"),
  depth('[["1.5","0.1234567890123456789"]]', "[]"),
  depth('[["61737.63000000","0.00000000"]]', '[["61837.64000000","1.54698000"]]'),
  depth('[["1","2"]]', '[["0.5","2"]]'),
  '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":7,"a":[],"b":[["1","2"]]}',
  '{"e":"trade","E":1,"s":"BTCUSDT","t":5,"p":"1","q":"2","T":1,"m":true}',
];

/** Frames the core must leave to the general path (other whitespace, keys, order, escapes). */
const NOT_COMPACT: string[] = [
  depth('[["1","2"]]', "[]") + " ",
  depth('[["1","2"]]', "[]") + "x",
  depth('[["1","2"]]', "[]").slice(0, -1),
  depth('[["1","2"]]', "[]").replace('"b":', '"b" :'),
  depth('[["1","2"]]', "[]").replace('{"e"', '{ "e"'),
  depth('[["1","2"]]', "[]").replace('"a":[]', '"a":[],"x":1'),
  depth('[["1","2"]]', "[]").replace('"a":[]', '"a":null'),
  depth('[["1","2"]]', "[]").replace(',"a":[]', ""),
  depth('[["1","2"]]', "[]").replace('"E":1719835200123,', ""),
  depth('[["1","2€"]]', "[]"),
  depth('[["1","2\\u0030"]]', "[]"),
  '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":7,"a":[],"b":[["1","2"]]}',
];

/** Decimals of every integer length 1…9 and fraction length 0…10, with zeros in every place. */
function digitShapes(): string[] {
  const out: string[] = [];
  const digits = "9070000103";
  for (let i = 1; i <= 9; i++) {
    for (let f = 0; f <= 10; f++) {
      for (let r = 0; r < 4; r++) {
        const int = (r === 3 ? "0" : "") + digits.slice(r, r + i).padEnd(i, "5");
        const frac = f === 0 ? "" : "." + (r % 2 ? "0".repeat(f) : digits.slice(10 - f));
        const v = (int.length > i ? int.slice(1) : int) + frac;
        out.push(depth(`[["${v === "0" ? "1" : v}","${v}"]]`, `[["${v}1","${v}"]]`));
      }
    }
  }
  return out;
}

const FRAMES_EDGE = [
  ...digitShapes(),
  ...EDGE,
  ...NOT_COMPACT,
  ...NOT_COMPACT.map((t) => wrap(t)),
  ...EDGE.map((t) => wrap(t)),
  wrap(EDGE[0], "btc\\"),
  wrap(EDGE[0], ""),
  wrap(EDGE[0]) + "}",
  wrap(EDGE[0]).replace('","data"', '", "data"'),
];

/** 400 synthetic 20-level frames in Binance's serialization (as bench/ingest.ts makes them). */
function syntheticFrames(): string[] {
  const out: string[] = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let u = 100;
  for (let m = 0; m < 400; m++) {
    const side: string[][][] = [[], []];
    for (let k = 0; k < 20; k++) {
      const bid = rnd() < 0.5;
      const price = (bid ? 60000 - Math.floor(rnd() * 50) : 60001 + Math.floor(rnd() * 50)) +
        Math.floor(rnd() * 100) / 100;
      const size = rnd() < 0.2 ? "0.00000000" : (rnd() * 3).toFixed(8);
      side[bid ? 0 : 1].push([price.toFixed(8), size]);
    }
    const data = {
      e: "depthUpdate",
      E: 1719835200123 + m,
      s: "BTCUSDT",
      U: u + 1,
      u: u + 3,
      b: side[0],
      a: side[1],
    };
    out.push(
      m % 2 ? JSON.stringify(data) : JSON.stringify({ stream: "btcusdt@depth@100ms", data }),
    );
    u += 3;
  }
  return out;
}

/** Every `depthUpdate` frame of the recordings (every 3rd of the hftbacktest captures). */
async function recordedDepthFrames(): Promise<string[]> {
  const out: string[] = [];
  for (const name of ["BINANCE.ws.1.0", "BINANCE_US.ws.1.0", "BINANCE_US.ws.3.0"]) {
    const path = recording(`cryptofeed/${name}`);
    if (path === undefined) continue;
    for (const l of readCryptofeed(path)) {
      if (l.kind === "recv" && l.text.includes('"depthUpdate"')) out.push(l.text);
    }
  }
  for (const name of ["btcusdt_20240808.gz", "ethusdt_20240808.gz"]) {
    const path = recording(`hftbacktest/spot/${name}`);
    if (path === undefined) continue;
    const lines = (await readHftbacktest(path)).filter((l) => l.text.includes('"depthUpdate"'));
    for (let i = 0; i < lines.length; i += 3) out.push(lines[i].text);
  }
  return out;
}

const fast = await Core.create({ ringCapacity: 1 << 12 });
const slow = await Core.create({ ringCapacity: 1 << 12 });
const fastReader = new RingReader(fast.memory.buffer, fast.ringAddress, fast.layout);
const slowReader = new RingReader(slow.memory.buffer, slow.ringAddress, slow.layout);
const bookIds = new Map<string, [number, number]>();

function bookAt(priceScale: number, sizeScale: number): [number, number] {
  const key = `${priceScale}/${sizeScale}`;
  let ids = bookIds.get(key);
  if (ids === undefined) {
    const o = { exchange: 3, symbol: bookIds.size, priceScale, sizeScale, depth: 50 };
    ids = [fast.createBook(o), slow.createBook(o)];
    bookIds.set(key, ids);
  }
  return ids;
}

function drain(reader: RingReader): string[] {
  const out: string[] = [];
  for (let b = reader.read(); b instanceof Uint8Array; b = reader.read()) out.push(b.join(","));
  return out;
}

function outcome(run: () => number | string): string {
  try {
    return `ok ${run()}`;
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

/** Decimals of the longest fraction among a frame's prices and among its sizes. */
function frameScales(text: string): [number, number] {
  let ps = 0;
  let ss = 0;
  for (const m of text.matchAll(/\["(\d+)(?:\.(\d*))?","(\d+)(?:\.(\d*))?"/g)) {
    ps = Math.max(ps, (m[2] ?? "").length);
    ss = Math.max(ss, (m[4] ?? "").length);
  }
  return [Math.min(ps, 18), Math.min(ss, 18)];
}

let scanned = 0;
const kinds = new Map<string, number>();

/**
 * One frame both ways: envelope agreement, then at each of a few scales the same outcome and
 * records. Returns whether the core scanned it.
 */
function compareFrame(text: string, label: string): boolean {
  const isScanned = fast.scanBinanceDepth(text);
  if (!isScanned) return false;
  scanned++;
  const d = { ...fast.scannedDepth };
  const [m] = parseBinanceMessage(text, { levelText: true });
  ok(m.kind === "book" && m.bidsText !== undefined && m.asksText !== undefined, label);
  equal(text.slice(d.symbolAt, d.symbolEnd), m.symbol, label);
  equal(d.firstUpdateId, m.firstUpdateId, label);
  equal(d.lastUpdateId, m.lastUpdateId, label);
  equal(d.exchangeTimeMs, m.exchangeTimeMs, label);
  equal(d.bidsAt, (m.bidsText as LevelText).at, label);
  equal(d.asksAt, (m.asksText as LevelText).at, label);
  const [ps, ss] = frameScales(text);
  for (const [p, s] of [[ps, ss], [Math.max(0, ps - 1), ss], [ps, Math.max(0, ss - 1)], [18, 18]]) {
    const [fb, sb] = bookAt(p, s);
    fast.begin(fb).reset(1, 2);
    slow.begin(sb).reset(1, 2);
    const a = outcome(() => {
      if (!fast.scanBinanceDepth(text)) throw new Error("scan changed");
      const r = fast.applyScannedDepth(fb, d.exchangeTimeMs, 2);
      if (r >= 0) return r;
      // What BookStore.updateScannedDepth does then: stage from the text, for the precise error.
      fast.begin(fb).addTextLevels(0, d.bidsAt);
      fast.addTextLevels(1, d.asksAt);
      return fast.apply(d.exchangeTimeMs, 2);
    });
    const b = outcome(() => {
      slow.loadText(text);
      slow.begin(sb).addTextLevels(0, d.bidsAt);
      slow.addTextLevels(1, d.asksAt);
      return slow.apply(d.exchangeTimeMs, 2);
    });
    equal(a, b, `${label} at scales ${p}/${s}`);
    deepEqual(drain(fastReader), drain(slowReader), `${label}: records at ${p}/${s}`);
    deepEqual(fast.top(fb, 0, 50), slow.top(sb, 0, 50));
    deepEqual(fast.top(fb, 1, 50), slow.top(sb, 1, 50));
    const kind = a.split(" ")[0].replace(":", "");
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return true;
}

Deno.test("binance depth scan: edge cases agree with the general path", () => {
  let n = 0;
  for (const text of FRAMES_EDGE) if (compareFrame(text, `edge ${text}`)) n++;
  // The compact frames are scanned; every deviation from the form is left to the general path.
  ok(fast.scanBinanceDepth(EDGE[0]) && fast.scanBinanceDepth(wrap(EDGE[2])));
  for (const t of [...NOT_COMPACT, ...NOT_COMPACT.map((t) => wrap(t))]) {
    ok(!fast.scanBinanceDepth(t), t);
  }
  ok(n > 300, `${n} scanned`);
  ok(kinds.get("ok")! > 0 && kinds.get("ScaleError")! > 0 && kinds.get("RangeError")! > 0);
});

Deno.test("binance depth scan: a scan is applied once, and not after another text is loaded", async () => {
  // A core of its own: the shared ones must stay in step for the other tests.
  const core = await Core.create({ ringCapacity: 64 });
  const book = core.createBook({ exchange: 3, symbol: 0, priceScale: 2, sizeScale: 2, depth: 50 });
  const refused = () => {
    try {
      core.applyScannedDepth(book, 1, 2);
    } catch (e) {
      return e instanceof TypeError;
    }
    return false;
  };
  ok(core.scanBinanceDepth(EDGE[0]));
  core.loadText(EDGE[1]);
  ok(refused(), "text scan, then another text loaded");
  // The same for a frame scanned from its bytes.
  const bytes = new TextEncoder().encode(EDGE[0]);
  ok(core.scanBinanceDepthBytes(bytes, 0, bytes.length));
  core.loadText(EDGE[1]);
  ok(refused(), "bytes scan, then a text loaded");
  ok(core.scanBinanceDepthBytes(bytes, 0, bytes.length));
  ok(core.applyScannedDepth(book, 1, 2) >= 0);
  ok(refused(), "bytes scan applied twice");
});

Deno.test("binance depth scan: synthetic frames and mutations of them agree with the general path", () => {
  const frames = syntheticFrames();
  for (const text of frames) ok(compareFrame(text, "synthetic"), text.slice(0, 80));
  fc.assert(
    fc.property(
      fc.nat({ max: frames.length - 1 }),
      mutations(['"U"', '"u"', '"b"', '"a"', '"s"', '"e"', '"E"', '"data"']),
      (i, mu) => void compareFrame(mutate(frames[i], mu), `mutated ${JSON.stringify(mu)}`),
    ),
    { numRuns: 2000, seed: 20261208 },
  );
});

const recorded = await recordedDepthFrames();

Deno.test({
  name: "binance depth scan: recorded frames and mutations of them agree with the general path",
  ignore: recorded.length === 0,
  fn() {
    const before = scanned;
    for (const text of recorded) compareFrame(text, `recorded ${text.slice(0, 60)}`);
    const all = scanned - before;
    ok(all > recorded.length * 0.99, `${all} of ${recorded.length} recorded frames scanned`);
    const picks = recorded.filter((_, i) => i % 5 === 0);
    fc.assert(
      fc.property(
        fc.nat({ max: picks.length - 1 }),
        mutations(['"U"', '"u"', '"b"', '"a"', '"s"', '"e"', '"E"', '"data"']),
        (i, mu) => void compareFrame(mutate(picks[i], mu), `mutated ${JSON.stringify(mu)}`),
      ),
      { numRuns: 3000, seed: 20261208 },
    );
    console.log(
      `depth scan equivalence: ${recorded.length} recorded frames (${all} scanned) + 3000 ` +
        `mutated; outcomes ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
  },
});

// ── Collectors with and without the fast path, fed the same inputs ──

async function pair(venue: typeof binance | typeof binanceus, symbols: string[]) {
  const a = await venueHarness(venue, { symbols }, { replay: true });
  const b = await venueHarness(venue, { symbols }, { replay: true });
  (b.collector as BinanceCollector).depthFastPath = false;
  return [a, b] as const;
}

async function compareCollectors(
  venue: typeof binance | typeof binanceus,
  symbols: string[],
  inputs: Input[],
  mutateEvery: number,
  seed: number,
): Promise<string> {
  const [a, b] = await pair(venue, symbols);
  const ca = a.collector as BinanceCollector;
  const cb = b.collector as BinanceCollector;
  const ref = (await venueHarness(venue, { symbols }, { replay: true }))
    .collector as BinanceCollector;
  let rnd = seed;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
  const kindsOf = ["flip", "cut", "digit", "dup", "drop"];
  const fields = ['"U"', '"u"', '"b"', '"a"', '"s"', '"E"'];
  let mutated = 0;
  let records = 0;
  let resyncs = 0;
  for (const input of inputs) {
    let text = input.text;
    if (mutateEvery > 0 && input.rest === undefined && next() % mutateEvery === 0) {
      text = mutate(text, {
        kind: kindsOf[next() % kindsOf.length],
        at: next(),
        byte: 48 + (next() % 10),
        field: fields[next() % fields.length],
      });
      mutated++;
    }
    for (const c of [ca, cb]) {
      if (input.rest !== undefined) c.ingestRestSnapshot(input.rest, text);
      else c.ingest(text, 1_000);
    }
    // What a REST snapshot taken now would bring (a reference fed only the clean inputs): resync
    // a book that went stale in both collectors, so later frames still meet a live book.
    if (input.rest !== undefined) ref.ingestRestSnapshot(input.rest, input.text);
    else ref.ingest(input.text, 1_000);
    for (const s of symbols) {
      if (ca.books.state(s) !== "stale" || ref.books.state(s) !== "live") continue;
      const body = JSON.stringify({
        lastUpdateId: ref.lastUpdateId(s),
        ...ref.books.top(s, 100_000),
      });
      ca.ingestRestSnapshot(s, body);
      cb.ingestRestSnapshot(s, body);
      resyncs++;
    }
    const ra = recordsOf(a.reader, a.core.layout);
    const rb = recordsOf(b.reader, b.core.layout);
    records += ra.length;
    if (ra.length !== rb.length || ra.some((r, i) => r !== rb[i])) {
      throw new Error(`records differ after ${text.slice(0, 200)}`);
    }
  }
  const health = (c: BinanceCollector) => {
    const h = c.health();
    return { ...h, books: h.books.map((x) => ({ ...x, lastUpdateAgeMs: null })) };
  };
  deepEqual(health(ca), health(cb));
  deepEqual(a.logs, b.logs);
  equal(ca.oldEvents, cb.oldEvents);
  for (const s of symbols) {
    equal(ca.lastUpdateId(s), cb.lastUpdateId(s), s);
    deepEqual(ca.books.top(s, 100_000), cb.books.top(s, 100_000), s);
  }
  const h = ca.health();
  // The path under test was taken: by nearly every update of a clean stream, never with it off.
  const updates = h.books.reduce((n, x) => n + x.updates, 0);
  equal(cb.fastDepthUpdates, 0);
  if (mutateEvery === 0) {
    ok(ca.fastDepthUpdates > updates * 0.9, `${ca.fastDepthUpdates}/${updates}`);
  } else ok(ca.fastDepthUpdates > 0);
  await ca.stop();
  await cb.stop();
  await ref.stop();
  return `${inputs.length} inputs (${mutated} mutated, ${resyncs} resyncs), ${records} records, ` +
    `${ca.fastDepthUpdates} by the fast path, ` +
    `${h.books.map((x) => `${x.symbol} ${x.updates} updates ${x.state}`).join(", ")}, ` +
    `${h.parseErrors} parse errors, ${h.gaps} gaps`;
}

Deno.test("binance depth scan: collectors with and without the fast path agree (synthetic)", async () => {
  const frames = syntheticFrames();
  const inputs: Input[] = [
    {
      text: JSON.stringify({
        lastUpdateId: 100,
        bids: [["59000.00000000", "1.00000000"]],
        asks: [["61000.00000000", "1.00000000"]],
      }),
      rest: "BTC/USDT",
    },
    ...frames.map((text) => ({ text })),
  ];
  for (const [every, seed] of [[0, 1], [7, 2], [3, 3]]) {
    console.log(
      `    synthetic, mutate 1/${every}: ` +
        await compareCollectors(binanceus, ["BTC/USDT"], inputs, every, seed),
    );
  }
});

const BTC = recording("hftbacktest/spot/btcusdt_20240808.gz");
const ETH = recording("hftbacktest/spot/ethusdt_20240808.gz");

Deno.test({
  name: "binance depth scan: collectors with and without the fast path agree (Binance recordings)",
  ignore: BTC === undefined || ETH === undefined,
  async fn() {
    const timed = await hftbacktestInputs([[BTC!, "BTC/USDT"], [ETH!, "ETH/USDT"]]);
    for (const [every, seed] of [[0, 1], [40, 2]]) {
      console.log(
        `    hftbacktest BTCUSDT + ETHUSDT, mutate 1/${every}: ` +
          await compareCollectors(binance, ["BTC/USDT", "ETH/USDT"], timed, every, seed),
      );
    }
  },
});

const US_WS = recording("cryptofeed/BINANCE_US.ws.3.0");
const US_HTTP = recording("cryptofeed/BINANCE_US.http.2.0");

Deno.test({
  name:
    "binance depth scan: collectors with and without the fast path agree (Binance.US recording)",
  ignore: US_WS === undefined || US_HTTP === undefined,
  async fn() {
    const events = [
      ...readCryptofeed(US_WS!).filter((l) => l.kind === "recv"),
      ...readCryptofeed(US_HTTP!).filter((l) => l.kind === "http"),
    ].sort((x, y) => Number(x.time) - Number(y.time));
    const inputs: Input[] = events.map((l) =>
      l.kind === "http"
        ? { text: l.text, rest: binanceSymbol(/symbol=([A-Z0-9]+)/.exec(l.url)![1])! }
        : { text: l.text }
    );
    const symbols = [...new Set(inputs.flatMap((i) => (i.rest ? [i.rest] : [])))].sort();
    for (const [every, seed] of [[0, 1], [10, 2]]) {
      console.log(
        `    BINANCE_US.ws.3.0, mutate 1/${every}: ` +
          await compareCollectors(binanceus, symbols, inputs, every, seed),
      );
    }
  },
});

/** What one scan read and what applying it wrote, for a core scanned from text or from bytes. */
function scanOutcome(core: Core, reader: RingReader, text: string, asBytes: boolean): string {
  const bytes = new TextEncoder().encode(`@@${text}@`); // the frame inside a larger buffer
  const ok = asBytes
    ? core.scanBinanceDepthBytes(bytes, 2, bytes.length - 1)
    : core.scanBinanceDepth(text);
  if (!ok) return "refused";
  const d = { ...core.scannedDepth };
  const [priceScale, sizeScale] = frameScales(text);
  const id = core.createBook({ exchange: 3, symbol: 0, priceScale, sizeScale, depth: 50 });
  const written = outcome(() => core.applyScannedDepth(id, d.exchangeTimeMs, 1));
  return JSON.stringify({ d, written, records: drain(reader) });
}

Deno.test("binance depth scan: a frame scanned from its bytes reads and applies as its text does", async () => {
  const fromText = await Core.create({ ringCapacity: 1 << 12 });
  const fromBytes = await Core.create({ ringCapacity: 1 << 12 });
  const textReader = new RingReader(fromText.memory.buffer, fromText.ringAddress, fromText.layout);
  const bytesReader = new RingReader(
    fromBytes.memory.buffer,
    fromBytes.ringAddress,
    fromBytes.layout,
  );
  const frames = [
    ...FRAMES_EDGE,
    ...syntheticFrames().slice(0, 100),
    ...recorded.slice(0, 300),
    // Non-ASCII in the stream name or the symbol: the text is refused by loadText, the bytes by
    // the scan, so neither reads a frame the other would not.
    wrap(EDGE[0], "btcusdt@dépth"),
    depth('[["1","2"]]', "[]", '"U":5,"u":7', "BTCÜSDT"),
  ];
  let accepted = 0;
  const check = (text: string) => {
    const a = scanOutcome(fromText, textReader, text, false);
    const b = scanOutcome(fromBytes, bytesReader, text, true);
    equal(b, a, text.slice(0, 120));
    if (a !== "refused") accepted++;
  };
  for (const text of frames) check(text);
  fc.assert(
    fc.property(
      fc.nat({ max: frames.length - 1 }),
      mutations(['"U"', '"u"', '"b"', '"a"', '"s"', '"e"', '"E"', '"data"', '"stream"']),
      (i, mu) => void check(mutate(frames[i], mu)),
    ),
    { numRuns: 1500, seed: 20261208 },
  );
  ok(accepted > 100, `${accepted} frames accepted by both`);
});
