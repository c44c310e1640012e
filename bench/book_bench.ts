/**
 * Book engine: AlphaPulse's WASM book vs the npm L2 books of ccxt (`OrderBook`) and tardis-dev
 * (`OrderBook`), in the same run, on two streams (`bench/book_stream.ts`):
 *
 * - the real Binance spot BTCUSDT recording (snapshot + 6,493 depth updates; skipped when
 *   `../shared/data` is absent);
 * - the synthetic documented mix (1,000 levels per side, 1M updates near the top: ~20% inserts,
 *   ~20% deletes, ~60% changes).
 *
 * The measured mix of each stream is printed first, every engine's final top-50 is checked equal
 * before timing, and each group's summary gives AlphaPulse's ratio to both peers.
 *
 *   deno task bench          (all benches)
 *   deno bench -A bench/book_bench.ts
 */
import "ccxt"; // installs the package; the book class is not re-exported by its entry point
import { OrderBook as TardisOrderBook } from "tardis-dev";
import { Core } from "../src/core/mod.ts";
import {
  type BookStream,
  describeMix,
  loadBinanceStream,
  makeBookStream,
  measureMix,
} from "./book_stream.ts";

// ccxt's order book lives in its package at js/src/base/ws/OrderBook.js (not in "exports").
const ccxtPath = new URL("../node_modules/ccxt/js/src/base/ws/OrderBook.js", import.meta.url);
const { OrderBook: CcxtOrderBook } = await import(ccxtPath.href);

type Level = { price: number; amount: number };
const CHECK_DEPTH = 50;

/** Registers the four contenders of one stream as a bench group. */
async function benchStream(label: string, stream: BookStream): Promise<void> {
  console.log(describeMix(label, measureMix(stream)));
  const n = stream.side.length;
  const ends = stream.messageEnds;
  const init = stream.initSide.length;
  const pf = 10 ** stream.priceScale;
  const sf = 10 ** stream.sizeScale;
  const fPrice = Float64Array.from(stream.price, (v) => v / pf);
  const fSize = Float64Array.from(stream.size, (v) => v / sf);

  // tardis-dev takes one BookChange per message: prebuilt so no allocation is timed.
  const now = new Date();
  const tardisInit = {
    type: "book_change" as const,
    symbol: "BTCUSDT",
    exchange: "binance" as const,
    isSnapshot: true,
    bids: [] as Level[],
    asks: [] as Level[],
    timestamp: now,
    localTimestamp: now,
  };
  for (let i = 0; i < init; i++) {
    const l = { price: stream.initPrice[i] / pf, amount: stream.initSize[i] / sf };
    (stream.initSide[i] === 0 ? tardisInit.bids : tardisInit.asks).push(l);
  }
  const tardisMessages: typeof tardisInit[] = [];
  for (let m = 0, k = 0; m < ends.length; m++) {
    const msg = { ...tardisInit, isSnapshot: false, bids: [] as Level[], asks: [] as Level[] };
    for (; k < ends[m]; k++) {
      (stream.side[k] === 0 ? msg.bids : msg.asks).push({ price: fPrice[k], amount: fSize[k] });
    }
    tardisMessages.push(msg);
  }

  const core = await Core.create({ ringCapacity: 0 });
  let symbol = 0;
  const newBook = (c: Core) =>
    c.createBook({
      exchange: 0,
      symbol: symbol++,
      priceScale: stream.priceScale,
      sizeScale: stream.sizeScale,
      depth: 50,
    });
  // Stage the whole stream (initial levels, then updates) once, outside the timed part.
  core.begin(newBook(core));
  for (let i = 0; i < init; i++) {
    core.addMantissa(stream.initSide[i] as 0 | 1, stream.initPrice[i], stream.initSize[i]);
  }
  for (let k = 0; k < n; k++) {
    core.addMantissa(stream.side[k] as 0 | 1, stream.price[k], stream.size[k]);
  }

  /** The engine alone: input already in WASM memory, one call per exchange message. */
  const runCore = (): number => {
    const book = newBook(core);
    core.applyLevels({ book, first: 0, count: init });
    for (let m = 0, k = 0; m < ends.length; k = ends[m++]) {
      core.applyLevels({ book, first: init + k, count: ends[m] - k });
    }
    return book;
  };

  /** The engine plus staging each message from JS (mantissas, no text). */
  const staging = await Core.create({ ringCapacity: 0 });
  const runCoreStaged = (): number => {
    const book = newBook(staging);
    staging.begin(book);
    for (let i = 0; i < init; i++) {
      staging.addMantissa(stream.initSide[i] as 0 | 1, stream.initPrice[i], stream.initSize[i]);
    }
    staging.applyLevels();
    for (let m = 0, k = 0; m < ends.length; m++) {
      staging.begin(book);
      for (; k < ends[m]; k++) {
        staging.addMantissa(stream.side[k] as 0 | 1, stream.price[k], stream.size[k]);
      }
      staging.applyLevels();
    }
    return book;
  };

  // deno-lint-ignore no-explicit-any
  const runCcxt = (): any => {
    const ob = new CcxtOrderBook({});
    for (let i = 0; i < init; i++) {
      (stream.initSide[i] === 0 ? ob.bids : ob.asks).store(
        stream.initPrice[i] / pf,
        stream.initSize[i] / sf,
      );
    }
    for (let i = 0; i < n; i++) {
      (stream.side[i] === 0 ? ob.bids : ob.asks).store(fPrice[i], fSize[i]);
    }
    return ob;
  };

  const runTardis = (): TardisOrderBook => {
    const ob = new TardisOrderBook();
    ob.update(tardisInit);
    for (let i = 0; i < tardisMessages.length; i++) ob.update(tardisMessages[i]);
    return ob;
  };

  // Every engine must end with the same top-50 (they ran the same stream).
  const top = (c: Core, book: number, side: 0 | 1) =>
    c.top(book, side, CHECK_DEPTH).map(([p, s]) => `${Number(p) / pf}:${Number(s) / sf}`).join();
  const expected = [top(core, runCore(), 0), top(core, runCore(), 1)];
  const staged = runCoreStaged();
  const ccxt = runCcxt();
  const tardis = runTardis();
  const firstN = <T>(it: Iterable<T>, f: (x: T) => string) => {
    const out: string[] = [];
    for (const x of it) {
      if (out.length === CHECK_DEPTH) break;
      out.push(f(x));
    }
    return out.join();
  };
  const got = {
    staged: [top(staging, staged, 0), top(staging, staged, 1)],
    ccxt: [0, 1].map((s) =>
      firstN((s === 0 ? ccxt.bids : ccxt.asks) as number[][], ([p, q]) => `${p}:${q}`)
    ),
    tardis: [
      firstN(tardis.bids(), (l) => `${l.price}:${l.amount}`),
      firstN(tardis.asks(), (l) => `${l.price}:${l.amount}`),
    ],
  };
  for (const [name, sides] of Object.entries(got)) {
    if (sides[0] !== expected[0] || sides[1] !== expected[1]) {
      throw new Error(`${label}: ${name}'s final top-${CHECK_DEPTH} differs from the WASM book's`);
    }
  }
  console.log(`${label}: final top-${CHECK_DEPTH} equal in all four engines`);

  const updates = n.toLocaleString("en-US");
  const opts = { group: `book engine, ${label} (${updates} updates)`, n: 5, warmup: 1 };
  Deno.bench({
    name: "AlphaPulse WASM book (engine)",
    ...opts,
    baseline: true,
    fn: () => void runCore(),
  });
  Deno.bench({
    name: "AlphaPulse WASM book + JS staging",
    ...opts,
    fn: () => void runCoreStaged(),
  });
  Deno.bench({ name: "tardis-dev OrderBook", ...opts, fn: () => void runTardis() });
  Deno.bench({ name: "ccxt OrderBook", ...opts, fn: () => void runCcxt() });
}

const real = await loadBinanceStream();
if (real) await benchStream("real BTCUSDT", real);
else console.log("real BTCUSDT stream: skipped (../shared/data/hftbacktest absent)");
await benchStream("documented mix", makeBookStream());
