/**
 * Collectors with the snapshot text path (snapshots staged by the core from the frame's bytes)
 * and without it, fed the same recorded inputs, clean and with mutated snapshots: after every
 * input they must have written the same ring records, and at the end have equal health,
 * counters, logs and books. The path must have been taken by one and never by the other.
 * Recordings in `../shared/data`; each test skips when its recording is absent.
 */
import { hftbacktestInputs, type Input, recordsOf } from "./collector_pairs.ts";
import { deepEqual, equal, ok } from "node:assert/strict";
import { Core, RingReader } from "../../src/core/mod.ts";
import type { BinanceCollector } from "../../src/exchanges/binance/collector.ts";
import { binance } from "../../src/exchanges/binance/descriptor.ts";
import { binanceSymbol } from "../../src/exchanges/binance/symbols.ts";
import { binanceus } from "../../src/exchanges/binanceus/descriptor.ts";
import type { BybitCollector } from "../../src/exchanges/bybit/collector.ts";
import { bybit } from "../../src/exchanges/bybit/descriptor.ts";
import type { CoinbaseCollector } from "../../src/exchanges/coinbase/collector.ts";
import { coinbase } from "../../src/exchanges/coinbase/descriptor.ts";
import type { BitfinexCollector } from "../../src/exchanges/bitfinex/collector.ts";
import { bitfinex } from "../../src/exchanges/bitfinex/descriptor.ts";
import { parseBitfinexFrame } from "../../src/exchanges/bitfinex/parse.ts";
import { OB_CHECKSUM, SEQ_ALL } from "../../src/exchanges/bitfinex/wire.ts";
import type { SocketCollector } from "../../src/exchanges/collector.ts";
import type { KrakenCollector } from "../../src/exchanges/kraken/collector.ts";
import { kraken } from "../../src/exchanges/kraken/descriptor.ts";
import type { OkxCollector } from "../../src/exchanges/okx/collector.ts";
import { OKX_CAPTURE, okxFrames, okxReplayCollector } from "./okx_capture.ts";
import { coinbaseL2Frames } from "../support/coinbase_l2_frames.ts";
import { mutate } from "../support/mutations.ts";
import { readCryptofeedV3 } from "./cryptofeed_v3.ts";
import { fixture } from "./fixtures.ts";
import { rawArrayElements, rawValue, readCryptofeed, recording } from "./recordings.ts";
import { venueHarness } from "./venue_harness.ts";

/** One input: a WebSocket frame, or (`rest` = symbol) a REST snapshot body. */

/** A collector on its own core, with what it wrote. */
interface Harness {
  collector: SocketCollector;
  core: Core;
  reader: RingReader;
  logs: string[];
}

/**
 * Each snapshot preceded by `n` mutated copies of itself (then the clean one, so later frames
 * still meet a live book): refusals and declines of every kind on a recording with few
 * snapshots.
 */
export function withMutatedSnapshots(
  inputs: Input[],
  isSnapshot: (input: Input) => boolean,
  n: number,
  seed: number,
  fields: readonly string[],
): Input[] {
  const next = lcg(seed);
  const kinds = ["flip", "cut", "digit", "dup", "drop"];
  const bytes = [...'0123456789.-e,[]" '].map((c) => c.charCodeAt(0));
  return inputs.flatMap((input) => {
    if (!isSnapshot(input)) return [input];
    const copies = Array.from({ length: n }, () => ({
      ...input,
      text: mutate(input.text, {
        kind: kinds[next() % kinds.length],
        at: next(),
        byte: bytes[next() % bytes.length],
        field: fields[next() % fields.length],
      }),
    }));
    return [...copies, input];
  });
}

/** A deterministic generator (the inputs to mutate, and how). */
function lcg(seed: number): () => number {
  let r = seed;
  return () => (r = (r * 1103515245 + 12345) % 2147483648);
}

/**
 * Feeds both harnesses the same inputs (every `mutateEvery`-th snapshot mutated, 0: none) and
 * compares them; `feed` gives one input to one collector. Returns a summary.
 */
export function compareCollectors(
  a: Harness,
  b: Harness,
  inputs: Input[],
  feed: (c: SocketCollector, input: Input) => void,
  isSnapshot: (input: Input) => boolean,
  mutateEvery: number,
  seed: number,
): string {
  const next = lcg(seed);
  const kinds = ["flip", "cut", "digit", "dup", "drop"];
  let mutated = 0;
  let records = 0;
  for (const input of inputs) {
    let text = input.text;
    if (mutateEvery > 0 && isSnapshot(input) && next() % mutateEvery === 0) {
      text = mutate(text, {
        kind: kinds[next() % kinds.length],
        at: next(),
        byte: 48 + (next() % 10),
        field: '"bids"',
      });
      mutated++;
    }
    feed(a.collector, { ...input, text });
    feed(b.collector, { ...input, text });
    const ra = recordsOf(a.reader, a.core.layout);
    const rb = recordsOf(b.reader, b.core.layout);
    records += ra.length;
    if (ra.length !== rb.length || ra.some((r, i) => r !== rb[i])) {
      throw new Error(`records differ after ${text.slice(0, 200)}`);
    }
  }
  compareEnd(a, b);
  const h = a.collector.health();
  return `${inputs.length} inputs (${mutated} snapshots mutated), ${records} records, ` +
    h.books.map((x) => `${x.symbol} ${x.updates} updates ${x.resyncs} resyncs ${x.state}`)
      .join(", ") +
    `, ${h.parseErrors} parse errors`;
}

/** Equal health, logs, books and scales at the end. */
function compareEnd(a: Harness, b: Harness): void {
  const health = (h: Harness) => {
    const x = h.collector.health();
    return { ...x, books: x.books.map((y) => ({ ...y, lastUpdateAgeMs: null })) };
  };
  deepEqual(health(a), health(b));
  deepEqual(a.logs, b.logs);
  for (const { symbol } of a.collector.health().books) {
    deepEqual(a.collector.books.top(symbol, 100_000), b.collector.books.top(symbol, 100_000));
    deepEqual(a.collector.books.scales(symbol), b.collector.books.scales(symbol));
  }
}

// ── Binance and Binance.US: REST depth snapshots ──

async function binancePair(venue: typeof binance | typeof binanceus, symbols: string[]) {
  const a = await venueHarness(venue, { symbols }, { replay: true });
  const b = await venueHarness(venue, { symbols }, { replay: true });
  (b.collector as BinanceCollector).snapshotTextPath = false;
  return [a, b] as const;
}

const feedBinance = (c: SocketCollector, input: Input) => {
  if (input.rest !== undefined) (c as BinanceCollector).ingestRestSnapshot(input.rest, input.text);
  else c.ingest(input.text, 1_000);
};

async function binanceRuns(
  venue: typeof binance | typeof binanceus,
  symbols: string[],
  inputs: Input[],
  label: string,
): Promise<void> {
  const isRest = (i: Input) => i.rest !== undefined;
  const fields = ['"bids"', '"asks"', '"lastUpdateId"'];
  const runs: Array<[number, number, Input[]]> = [
    [0, 1, inputs],
    [2, 2, inputs],
    [0, 3, withMutatedSnapshots(inputs, isRest, 40, 3, fields)],
  ];
  for (const [every, seed, feedIn] of runs) {
    const [a, b] = await binancePair(venue, symbols);
    const summary = compareCollectors(
      a,
      b,
      feedIn,
      feedBinance,
      (i) => i.rest !== undefined,
      every,
      seed,
    );
    const ca = a.collector as BinanceCollector;
    const cb = b.collector as BinanceCollector;
    equal(cb.textSnapshots, 0);
    const snapshots = feedIn.filter((i) => i.rest !== undefined).length;
    if (feedIn === inputs && every === 0) equal(ca.textSnapshots, snapshots);
    else ok(ca.textSnapshots > 0);
    console.log(
      `    ${label}, mutate 1/${every}: ${summary}; ${ca.textSnapshots}/${snapshots} snapshots ` +
        `by the text path`,
    );
    await ca.stop();
    await cb.stop();
  }
}

const BTC = recording("hftbacktest/spot/btcusdt_20240808.gz");
const ETH = recording("hftbacktest/spot/ethusdt_20240808.gz");

Deno.test({
  name: "snapshot text collectors: Binance (hftbacktest BTCUSDT + ETHUSDT)",
  ignore: BTC === undefined || ETH === undefined,
  async fn() {
    const timed = await hftbacktestInputs([[BTC!, "BTC/USDT"], [ETH!, "ETH/USDT"]]);
    await binanceRuns(binance, ["BTC/USDT", "ETH/USDT"], timed, "hftbacktest");
  },
});

const US_WS = recording("cryptofeed/BINANCE_US.ws.3.0");
const US_HTTP = recording("cryptofeed/BINANCE_US.http.2.0");

Deno.test({
  name: "snapshot text collectors: Binance.US (cryptofeed)",
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
    await binanceRuns(binanceus, symbols, inputs, "BINANCE_US.ws.3.0");
  },
});

// ── Bybit v5: in-band snapshots ──

const BYBIT = recording("cryptofeed-v3/BYBIT.linear.jsonl.gz");

Deno.test({
  name: "snapshot text collectors: Bybit (cryptofeed-v3 linear)",
  ignore: BYBIT === undefined,
  async fn() {
    const lines = await readCryptofeedV3(BYBIT!);
    const inputs: Input[] = lines.flatMap((l) =>
      l.t === "recv"
        ? [{ text: l.data! }]
        : l.t === "http" && l.url?.includes("instruments-info")
        ? [{ text: l.data!, rest: "instruments" }]
        : []
    );
    const symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "DOGE/USDT"];
    // Snapshots of a book the collectors do not have, one of them invalid.
    const unknownSnapshots: Input[] = ['[["1","2"]]', '[["1.","2"]]'].map((b) => ({
      text: `{"topic":"orderbook.50.XRPUSDT","type":"snapshot","ts":1,"data":{"s":"XRPUSDT",` +
        `"b":${b},"a":[],"u":1,"seq":2},"cts":1}`,
    }));
    const isSnapshot = (i: Input) =>
      i.rest === undefined && i.text.includes('"type":"snapshot"') &&
      i.text.includes('"topic":"orderbook');
    const feed = (c: SocketCollector, i: Input) => {
      if (i.rest !== undefined) (c as BybitCollector).ingestInstruments(i.text);
      else c.ingest(i.text, 1_000);
    };
    const fields = ['"b"', '"a"', '"u"', '"s"', '"seq"'];
    for (
      const [label, feedIn, withScales] of [
        ["as recorded", inputs, true],
        ["scales from the snapshots", inputs.filter((i) => i.rest === undefined), false],
        ["mutated", [
          ...unknownSnapshots,
          ...withMutatedSnapshots(inputs, isSnapshot, 60, 4, fields),
        ], true],
        ["mutated, no scales", withMutatedSnapshots(inputs, isSnapshot, 60, 5, fields), false],
      ] as const
    ) {
      const pair = [];
      for (let k = 0; k < 2; k++) {
        const h = await venueHarness(bybit, { symbols, category: "linear", depth: 200 }, {
          replay: true,
        });
        (h.collector as BybitCollector).ingestOpen();
        pair.push(h);
      }
      const [a, b] = pair;
      (b.collector as BybitCollector).snapshotTextPath = false;
      const used = withScales ? [...feedIn] : feedIn.filter((i) => i.rest === undefined);
      const summary = compareCollectors(a, b, used, feed, isSnapshot, 0, 0);
      const ca = a.collector as BybitCollector;
      const cb = b.collector as BybitCollector;
      equal(cb.textSnapshots, 0);
      const snapshots = used.filter(isSnapshot).length;
      if (label === "as recorded") equal(ca.textSnapshots, snapshots);
      ok(ca.textSnapshots > 0);
      console.log(
        `    ${label}: ${summary}; ${ca.textSnapshots}/${snapshots} snapshots by the text path`,
      );
      await ca.stop();
      await cb.stop();
    }
  },
});

// ── OKX v5: in-band snapshots (the capture's older wire) ──

async function okxHarness(): Promise<Harness & { collector: OkxCollector }> {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const logs: string[] = [];
  const collector = await okxReplayCollector(logs, core);
  return { collector, core, reader, logs };
}

Deno.test({
  name: "snapshot text collectors: OKX (cryptofeed-v3, in-band snapshots)",
  ignore: OKX_CAPTURE === undefined,
  async fn() {
    const inputs: Input[] = (await okxFrames(OKX_CAPTURE!)).map((text) => ({ text }));
    const isSnapshot = (i: Input) => i.text.includes('"action":"snapshot"');
    const fields = ['"bids"', '"asks"', '"checksum"', '"ts"'];
    for (
      const [label, feedIn] of [
        ["as recorded", inputs],
        ["mutated", withMutatedSnapshots(inputs, isSnapshot, 80, 6, fields)],
      ] as const
    ) {
      const a = await okxHarness();
      const b = await okxHarness();
      b.collector.snapshotTextPath = false;
      const feed = (c: SocketCollector, i: Input) => c.ingest(i.text, 1_000);
      const summary = compareCollectors(a, b, feedIn, feed, isSnapshot, 0, 0);
      equal(b.collector.textSnapshots, 0);
      const snapshots = feedIn.filter(isSnapshot).length;
      if (label === "as recorded") equal(a.collector.textSnapshots, snapshots);
      ok(a.collector.textSnapshots > 0);
      console.log(
        `    ${label}: ${summary}; ${a.collector.textSnapshots}/${snapshots} snapshots by the ` +
          `text path, ${a.collector.checksumsVerified} checksums verified`,
      );
      await a.collector.stop();
      await b.collector.stop();
    }
  },
});

// ── Kraken v2: book snapshots ──

const KRAKEN_V2 = recording("python-kraken-sdk/orderbook-v2.json");

Deno.test({
  name: "snapshot text collectors: Kraken v2 (orderbook-v2.json, with and without instrument)",
  ignore: KRAKEN_V2 === undefined,
  async fn() {
    const file = Deno.readTextFileSync(KRAKEN_V2!);
    const book = [rawValue(file, "init"), ...rawArrayElements(file, "updates")].map((text) => ({
      text,
    }));
    const instrument = { text: fixture("kraken", "instrument_snapshot") };
    const isSnapshot = (i: Input) =>
      /"type"\s*:\s*"snapshot"/.test(i.text) && i.text.includes('"book"');
    const fields = ['"bids"', '"asks"', '"price"', '"qty"', '"checksum"'];
    for (
      const [label, feedIn] of [
        ["as recorded", book],
        ["instrument precisions", [instrument, ...book]],
        ["mutated", withMutatedSnapshots(book, isSnapshot, 80, 7, fields)],
        ["mutated, instrument", [
          instrument,
          ...withMutatedSnapshots(book, isSnapshot, 80, 8, fields),
        ]],
      ] as const
    ) {
      const pair: Harness[] = [];
      for (let k = 0; k < 2; k++) {
        pair.push(
          await venueHarness(kraken, { symbols: ["BTC/USD"], depth: 10 }, { replay: true }),
        );
      }
      const [a, b] = pair;
      const ca = a.collector as KrakenCollector;
      const cb = b.collector as KrakenCollector;
      cb.snapshotTextPath = false;
      const feed = (c: SocketCollector, i: Input) => c.ingest(i.text, 1_000);
      const summary = compareCollectors(a, b, [...feedIn], feed, isSnapshot, 0, 0);
      equal(cb.textSnapshots, 0);
      const snapshots = feedIn.filter(isSnapshot).length;
      if (!label.startsWith("mutated")) equal(ca.textSnapshots, snapshots);
      ok(ca.textSnapshots > 0);
      console.log(
        `    ${label}: ${summary}; ${ca.textSnapshots}/${snapshots} snapshots by the text path, ` +
          `scales ${ca.books.scales("BTC/USD")}`,
      );
      await ca.stop();
      await cb.stop();
    }
  },
});

// ── Coinbase Advanced Trade: `l2_data` snapshots ──

const COINBASE_WS28 = recording("cryptofeed/COINBASE.ws.28.0");

Deno.test({
  name: "snapshot text collectors: Coinbase (COINBASE.ws.28.0 as l2_data frames)",
  ignore: COINBASE_WS28 === undefined,
  async fn() {
    const frames = coinbaseL2Frames(
      readCryptofeed(COINBASE_WS28!).filter((l) => l.kind === "recv").map((l) => l.text),
    );
    const products = [...new Set(frames.map((f) => /"product_id":"([^"]+)"/.exec(f)![1]))];
    const symbols = products.map((p) => p.replace("-", "/")).sort();
    const isSnapshot = (i: Input) => i.text.includes('"type":"snapshot"');
    const renumber = (inputs: Input[]) =>
      inputs.map((i, k) => ({
        text: i.text.replace(/"sequence_num":\d+/, `"sequence_num":${k + 1}`),
      }));
    const inputs = frames.map((text) => ({ text }));
    const fields = ['"side"', '"price_level"', '"new_quantity"', '"updates"'];
    for (
      const [label, feedIn] of [
        ["as recorded", inputs],
        ["mutated", renumber(withMutatedSnapshots(inputs, isSnapshot, 30, 9, fields))],
      ] as const
    ) {
      const pair: Harness[] = [];
      for (let k = 0; k < 2; k++) {
        pair.push(await venueHarness(coinbase, { symbols }, { replay: true }));
      }
      const [a, b] = pair;
      const ca = a.collector as CoinbaseCollector;
      const cb = b.collector as CoinbaseCollector;
      cb.snapshotTextPath = false;
      const feed = (c: SocketCollector, i: Input) => c.ingest(i.text, 1_000);
      const summary = compareCollectors(a, b, feedIn, feed, isSnapshot, 0, 0);
      equal(cb.textSnapshots, 0);
      const snapshots = feedIn.filter(isSnapshot).length;
      if (label === "as recorded") equal(ca.textSnapshots, snapshots);
      ok(ca.textSnapshots > 0);
      console.log(
        `    ${label}: ${summary}; ${ca.textSnapshots}/${snapshots} snapshots by the text path`,
      );
      await ca.stop();
      await cb.stop();
    }
  },
});

// ── Bitfinex: book snapshots (`rows`), checksums off and on ──

const BITFINEX = recording("cryptofeed-v3/BITFINEX.jsonl.gz");
const BITFINEX_SYMBOLS = [
  "BFT/USD",
  "IOT/ETH",
  "DOG/USD",
  "MNA/BTC",
  "ODE/USD",
  "SNG/USD",
];

Deno.test({
  name: "snapshot text collectors: Bitfinex (cryptofeed-v3, checksums off and on, mutated)",
  ignore: BITFINEX === undefined,
  async fn() {
    const lines = (await readCryptofeedV3(BITFINEX!)).filter((l) => l.t === "recv");
    const isSnapshot = (i: Input) => /^\[\d+,\s*\[\s*\[/.test(i.text);
    const fields = ['"cs"'];
    for (const checksums of [false, true]) {
      for (const mutateCopies of [0, 30]) {
        const base: Input[] = lines.map((l) => ({
          text: checksums
            ? l.data!.replace(/"flags":\d+/, `"flags":${SEQ_ALL + OB_CHECKSUM}`)
            : l.data!,
        }));
        const feedIn = mutateCopies === 0
          ? base
          : withMutatedSnapshots(base, isSnapshot, mutateCopies, 20 + Number(checksums), fields);
        const pair: Harness[] = [];
        for (let k = 0; k < 2; k++) {
          const h = await venueHarness(bitfinex, { symbols: BITFINEX_SYMBOLS, len: 100 }, {
            replay: true,
          });
          (h.collector as BitfinexCollector).ingestOpen();
          pair.push(h);
        }
        const [a, b] = pair;
        const ca = a.collector as BitfinexCollector;
        const cb = b.collector as BitfinexCollector;
        cb.snapshotTextPath = false;
        const chans = new Map<number, string>();
        let seq = 0;
        let records = 0;
        const one = (text: string) => {
          ca.ingest(text, 1_000);
          cb.ingest(text, 1_000);
          const ra = recordsOf(a.reader, a.core.layout);
          const rb = recordsOf(b.reader, b.core.layout);
          records += ra.length;
          if (ra.length !== rb.length || ra.some((r, i) => r !== rb[i])) {
            throw new Error(`records differ after ${text.slice(0, 200)}`);
          }
        };
        for (const input of feedIn) {
          const f = parseBitfinexFrame(input.text);
          if (f.kind === "event" && f.event.event === "subscribed" && f.event.channel === "book") {
            chans.set(f.event.chanId, f.event.symbol!);
          }
          const chanId = /^\[(\d+),/.exec(input.text)?.[1];
          if (chanId === undefined) {
            one(input.text);
            continue;
          }
          // One sequence for the connection (SEQ_ALL), so mutated copies are no gaps.
          one(input.text.replace(/,\s*\d+\s*\]\s*$/, `,${++seq}]`));
          const native = chans.get(Number(chanId));
          if (checksums && native !== undefined) {
            const symbol = `${native.slice(1, 4)}/${native.slice(4)}`;
            if (ca.books.has(symbol)) one(`[${chanId},"cs",${ca.bookChecksum(symbol)},${++seq}]`);
          }
        }
        compareEnd(a, b);
        equal(cb.textSnapshots, 0);
        const snapshots = feedIn.filter(isSnapshot).length;
        ok(ca.textSnapshots > 0);
        const h = ca.health();
        console.log(
          `    checksums ${checksums ? "on" : "off"}, ${mutateCopies} mutated copies: ` +
            `${feedIn.length} inputs, ${records} records, ${ca.textSnapshots}/${snapshots} ` +
            `snapshots by the text path, ${h.parseErrors} parse errors, ${h.checksumFailures} ` +
            `checksum failures, ${ca.checksumsVerified} checksums, ` +
            `${h.books.map((x) => `${x.symbol} ${x.updates} ${x.state}`).join(", ")}`,
        );
        await ca.stop();
        await cb.stop();
      }
    }
  },
});
