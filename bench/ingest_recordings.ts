/**
 * Ingest per message on the real recordings (`../shared/data`, or `$ALPHAPULSE_DATA`), one row per
 * registered venue, in the registry's order: every recorded input (WebSocket frame, REST body) fed
 * through the venue's real collector on the compiled core exactly as a replay feeds it (parse,
 * sequence/splice or checksum check, core apply, top-50 diff, ring write), each call timed. A
 * recording is short, so it is replayed on a fresh collector round after round (the first round
 * warms the JIT and is not counted) until at least {@linkcode MIN_FRAMES} inputs are timed. Prints
 * the mean µs per input (all inputs: book, trade, ticker, heartbeat, ack), the median and p99 of
 * the book messages, and inputs per second on one core; every round must end with every book
 * live and no gap. A registered venue without a recording source here is reported and fails the
 * run.
 *
 * Coinbase and Kraken recordings predate the protocols the adapters speak: their book messages
 * are re-expressed as Advanced Trade `level2` and Kraken v2 frames (the same translations the
 * replay tests use); the other five are fed byte for byte.
 *
 *   flock /tmp/bench.lock deno run -A bench/ingest_recordings.ts
 */
import type { SocketCollector } from "../src/exchanges/collector.ts";
import type { BinanceCollector } from "../src/exchanges/binance/collector.ts";
import { binanceSymbol } from "../src/exchanges/binance/symbols.ts";
import type { BitfinexCollector } from "../src/exchanges/bitfinex/collector.ts";
import type { BybitCollector } from "../src/exchanges/bybit/collector.ts";
import { venue, VENUES } from "../src/exchanges/registry.ts";
import type { BookMessage } from "../src/exchanges/types.ts";
import { binance, coinbase, kraken } from "../tests/exchanges/harness.ts";
import { coinbaseL2Frame, krakenV2Frame } from "../tests/exchanges/frames.ts";
import { venueHarness } from "../tests/exchanges/venue_harness.ts";
import { readCryptofeedV3 } from "../tests/exchanges/cryptofeed_v3.ts";
import { OKX_CAPTURE, okxFrames, okxReplayCollector } from "../tests/exchanges/okx_capture.ts";
import { readCryptofeed, readHftbacktest, recording } from "../tests/exchanges/recordings.ts";
import { parseCoinbaseLegacyMessage } from "../tests/support/coinbase_legacy.ts";
import { parseKrakenV1Message } from "../tests/support/kraken_v1.ts";

/** Inputs timed per venue, at least (whole rounds). */
const MIN_FRAMES = 50_000;
const MIN_ROUNDS = 3;

/** One recorded input: how to feed it, and whether it carries book data. */
interface Input {
  feed(c: SocketCollector): void;
  book: boolean;
}

/** A venue's recording, ready to replay on fresh collectors. */
interface Source {
  recording: string;
  make(): Promise<SocketCollector>;
  inputs: Input[];
}

const ws = (text: string, book: boolean): Input => ({ feed: (c) => c.ingest(text, 0), book });

function coinbaseSource(): Source | undefined {
  const path = recording("cryptofeed/COINBASE.ws.28.0");
  if (!path) return undefined;
  const books: BookMessage[] = [];
  for (const l of readCryptofeed(path)) {
    if (l.kind !== "recv") continue;
    for (const m of parseCoinbaseLegacyMessage(l.text)) if (m.kind === "book") books.push(m);
  }
  const symbols = [...new Set(books.map((m) => m.symbol.replace("-", "/")))];
  return {
    recording: "cryptofeed/COINBASE.ws.28.0 (as level2)",
    make: async () => (await coinbase(symbols)).collector,
    inputs: books.map((m, i) => ws(coinbaseL2Frame(m, i + 1), true)),
  };
}

function krakenSource(): Source | undefined {
  const path = recording("cryptofeed/KRAKEN.ws.50.0");
  if (!path) return undefined;
  const books: BookMessage[] = [];
  for (const l of readCryptofeed(path)) {
    if (l.kind !== "recv") continue;
    for (const m of parseKrakenV1Message(l.text)) if (m.kind === "book") books.push(m);
  }
  const symbols = [...new Set(books.map((m) => m.symbol))];
  return {
    recording: "cryptofeed/KRAKEN.ws.50.0 (as v2)",
    make: async () => (await kraken(symbols, { depth: 1000 })).collector,
    inputs: books.map((m) => ws(krakenV2Frame(m), true)),
  };
}

function binanceUsSource(): Source | undefined {
  const wsPath = recording("cryptofeed/BINANCE_US.ws.3.0");
  const httpPath = recording("cryptofeed/BINANCE_US.http.2.0");
  if (!wsPath || !httpPath) return undefined;
  const lines = [
    ...readCryptofeed(wsPath).filter((l) => l.kind === "recv"),
    ...readCryptofeed(httpPath).filter((l) => l.kind === "http"),
  ].sort((a, b) => Number(a.time) - Number(b.time));
  const symbolOf = (url: string) => binanceSymbol(/symbol=([A-Z0-9]+)/.exec(url)![1])!;
  const symbols = [
    ...new Set(lines.filter((l) => l.kind === "http").map((l) => symbolOf(l.url))),
  ];
  return {
    recording: "cryptofeed/BINANCE_US.ws.3.0 + http.2.0",
    make: async () => (await binance(symbols)).collector,
    inputs: lines.map((l) =>
      l.kind === "http"
        ? {
          feed: (c) => (c as BinanceCollector).ingestRestSnapshot(symbolOf(l.url), l.text),
          book: true,
        }
        : ws(l.text, l.text.includes('"depthUpdate"'))
    ),
  };
}

async function binanceSource(): Promise<Source | undefined> {
  const files = [["btcusdt_20240808.gz", "BTC/USDT"], ["ethusdt_20240808.gz", "ETH/USDT"]];
  const paths = files.map(([f]) => recording(`hftbacktest/spot/${f}`));
  if (paths.some((p) => p === undefined)) return undefined;
  const all: Array<{ ns: bigint; input: Input }> = [];
  for (let i = 0; i < files.length; i++) {
    const symbol = files[i][1];
    for (const line of await readHftbacktest(paths[i]!)) {
      const text = line.text;
      const input: Input = text.startsWith('{"stream"') ? ws(text, text.includes("@depth")) : {
        feed: (c) => (c as BinanceCollector).ingestRestSnapshot(symbol, text),
        book: true,
      };
      all.push({ ns: BigInt(line.localNs), input });
    }
  }
  all.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  const v = venue("binance");
  return {
    recording: "hftbacktest/spot btcusdt + ethusdt 20240808",
    make: async () =>
      (await venueHarness(v, { symbols: files.map(([, s]) => s) }, { replay: true })).collector,
    inputs: all.map((a) => a.input),
  };
}

async function bybitSource(): Promise<Source | undefined> {
  const path = recording("cryptofeed-v3/BYBIT.linear.jsonl.gz");
  if (!path) return undefined;
  const lines = await readCryptofeedV3(path);
  const symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "DOGE/USDT"];
  const inputs: Input[] = [];
  for (const l of lines) {
    if (l.t === "http" && l.url?.includes("instruments-info")) {
      const body = l.data!;
      inputs.push({ feed: (c) => (c as BybitCollector).ingestInstruments(body), book: false });
    } else if (l.t === "recv") inputs.push(ws(l.data!, l.data!.includes('"topic":"orderbook.')));
  }
  return {
    recording: "cryptofeed-v3/BYBIT.linear.jsonl.gz",
    make: async () => {
      const h = await venueHarness(venue("bybit"), {
        symbols,
        category: "linear",
        depth: 200,
      }, { replay: true });
      h.collector.ingestOpen();
      return h.collector;
    },
    inputs,
  };
}

async function okxSource(): Promise<Source | undefined> {
  if (!OKX_CAPTURE) return undefined;
  const frames = await okxFrames(OKX_CAPTURE);
  return {
    recording: "cryptofeed-v3/OKX.jsonl.gz (legacy checksums)",
    make: () => okxReplayCollector(),
    inputs: frames.map((f) => ws(f, f.includes('"channel":"books"') && f.includes('"data"'))),
  };
}

async function bitfinexSource(): Promise<Source | undefined> {
  const path = recording("cryptofeed-v3/BITFINEX.jsonl.gz");
  if (!path) return undefined;
  const lines = (await readCryptofeedV3(path)).filter((l) => l.t === "recv");
  const bookChannels = new Set<string>();
  const symbols: string[] = [];
  for (const l of lines) {
    const m = /"channel":"book","chanId":(\d+),"symbol":"([^"]+)"/.exec(l.data!);
    if (m) {
      bookChannels.add(m[1]);
      symbols.push(venue("bitfinex").fromNative(m[2])!);
    }
  }
  return {
    recording: "cryptofeed-v3/BITFINEX.jsonl.gz",
    make: async () => {
      const h = await venueHarness(venue("bitfinex"), { symbols, len: 100 }, { replay: true });
      (h.collector as BitfinexCollector).ingestOpen();
      return h.collector;
    },
    inputs: lines.map((l) => {
      const id = /^\[(\d+),/.exec(l.data!)?.[1];
      return ws(l.data!, id !== undefined && bookChannels.has(id) && !l.data!.includes('"hb"'));
    }),
  };
}

const SOURCES: Partial<Record<string, () => Source | undefined | Promise<Source | undefined>>> = {
  coinbase: coinbaseSource,
  kraken: krakenSource,
  binanceus: binanceUsSource,
  binance: binanceSource,
  bybit: bybitSource,
  okx: okxSource,
  bitfinex: bitfinexSource,
};

/** Replays one source round after round; returns the timing table row. */
async function run(id: string, source: Source): Promise<string> {
  const n = source.inputs.length;
  const rounds = Math.max(MIN_ROUNDS, Math.ceil(MIN_FRAMES / n));
  const all: number[] = [];
  const book: number[] = [];
  let problems = "";
  for (let r = 0; r <= rounds; r++) {
    const c = await source.make();
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const input = source.inputs[i];
      const t = performance.now();
      input.feed(c);
      times[i] = performance.now() - t;
    }
    const h = c.health();
    const bad = h.books.filter((b) => b.state !== "live").map((b) => `${b.symbol} ${b.state}`);
    if (h.gaps > 0 || bad.length > 0 || h.checksumFailures > 0) {
      problems = `${h.gaps} gaps, ${h.checksumFailures} checksum failures, ${bad.join(", ")}`;
    }
    await c.stop();
    if (r === 0) continue; // warm-up round
    for (let i = 0; i < n; i++) {
      all.push(times[i]);
      if (source.inputs[i].book) book.push(times[i]);
    }
  }
  book.sort((a, b) => a - b);
  const q = (p: number) => book[Math.min(book.length - 1, Math.floor(p * book.length))] * 1000;
  const total = all.reduce((a, b) => a + b, 0);
  const bookCount = source.inputs.filter((i) => i.book).length;
  return `| ${venue(id).name} (\`${id}\`) | ${source.recording} | ${n.toLocaleString("en-US")} | ${
    bookCount.toLocaleString("en-US")
  } | ${rounds} | ${(total * 1000 / all.length).toFixed(2)} | ${q(0.5).toFixed(2)} | ${
    q(0.99).toFixed(2)
  } | ${Math.round(all.length / (total / 1000)).toLocaleString("en-US")} | ${
    problems === "" ? "every book live, 0 gaps" : `**${problems}**`
  } |`;
}

console.log(
  "| venue | recording | inputs | book messages | rounds timed | mean µs/input | median µs (book) | p99 µs (book) | inputs/s | check |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
let failed = false;
for (const v of VENUES) {
  const load = SOURCES[v.id];
  const source = load ? await load() : undefined;
  if (!source) {
    console.log(`| ${v.name} (\`${v.id}\`) | ${load ? "(recording absent)" : "**no source**"} |`);
    if (!load) failed = true;
    continue;
  }
  console.log(await run(v.id, source));
}
if (failed) Deno.exit(1);
