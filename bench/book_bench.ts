/**
 * Book engine: AlphaPulse's WASM book vs the npm L2 books of ccxt (`OrderBook`) and tardis-dev
 * (`OrderBook`), on the same deterministic stream (1,000 levels per side, then 1M updates near
 * the top: 20% deletes, 20% new levels, 60% size changes), in the same run.
 *
 *   deno task bench          (all benches)
 *   deno bench -A bench/book_bench.ts
 */
import "ccxt"; // installs the package; the book class is not re-exported by its entry point
import { OrderBook as TardisOrderBook } from "tardis-dev";
import { Core } from "../src/core/mod.ts";
import { makeBookStream } from "./book_stream.ts";

// ccxt's order book lives in its package at js/src/base/ws/OrderBook.js (not in "exports").
const ccxtPath = new URL("../node_modules/ccxt/js/src/base/ws/OrderBook.js", import.meta.url);
const { OrderBook: CcxtOrderBook } = await import(ccxtPath.href);

const stream = makeBookStream();
const n = stream.side.length;
const per = stream.perMessage;
const pf = 10 ** stream.priceScale;
const sf = 10 ** stream.sizeScale;
const fPrice = Float64Array.from(stream.price, (v) => v / pf);
const fSize = Float64Array.from(stream.size, (v) => v / sf);

// tardis-dev takes one BookChange per message: prebuilt so no allocation is timed.
type Level = { price: number; amount: number };
const now = new Date();
const tardisInit = {
  type: "book_change" as const,
  symbol: "BTCUSD",
  exchange: "binance" as const,
  isSnapshot: true,
  bids: [] as Level[],
  asks: [] as Level[],
  timestamp: now,
  localTimestamp: now,
};
for (let i = 0; i < stream.initSide.length; i++) {
  const l = { price: stream.initPrice[i] / pf, amount: stream.initSize[i] / sf };
  (stream.initSide[i] === 0 ? tardisInit.bids : tardisInit.asks).push(l);
}
const tardisMessages: typeof tardisInit[] = [];
for (let i = 0; i < n; i += per) {
  const m = { ...tardisInit, isSnapshot: false, bids: [] as Level[], asks: [] as Level[] };
  for (let k = i; k < i + per && k < n; k++) {
    (stream.side[k] === 0 ? m.bids : m.asks).push({ price: fPrice[k], amount: fSize[k] });
  }
  tardisMessages.push(m);
}

const core = await Core.create({ ringCapacity: 0 });
let symbol = 0;

/** Stages the whole stream (initial levels, then updates) once, outside the timed part. */
function stageAll(book: number): void {
  core.begin(book);
  for (let i = 0; i < stream.initSide.length; i++) {
    core.addMantissa(stream.initSide[i] as 0 | 1, stream.initPrice[i], stream.initSize[i]);
  }
  for (let k = 0; k < n; k++) {
    core.addMantissa(stream.side[k] as 0 | 1, stream.price[k], stream.size[k]);
  }
}
const newBook = () =>
  core.createBook({ exchange: 0, symbol: symbol++, priceScale: 2, sizeScale: 8, depth: 50 });
stageAll(newBook());
const init = stream.initSide.length;

/** The engine alone: input already in WASM memory, one call per exchange message. */
function runCore(): number {
  const book = newBook();
  core.applyLevels({ book, first: 0, count: init });
  for (let i = 0; i < n; i += per) {
    core.applyLevels({ book, first: init + i, count: i + per < n ? per : n - i });
  }
  return core.length(book, 0);
}

/** The engine plus staging each message from JS (the adapter's path). */
const staging = await Core.create({ ringCapacity: 0 });
function runCoreStaged(): number {
  const book = staging.createBook({
    exchange: 0,
    symbol: symbol++,
    priceScale: 2,
    sizeScale: 8,
    depth: 50,
  });
  staging.begin(book);
  for (let i = 0; i < init; i++) {
    staging.addMantissa(stream.initSide[i] as 0 | 1, stream.initPrice[i], stream.initSize[i]);
  }
  staging.applyLevels();
  for (let i = 0; i < n; i += per) {
    staging.begin(book);
    const end = i + per < n ? i + per : n;
    for (let k = i; k < end; k++) {
      staging.addMantissa(stream.side[k] as 0 | 1, stream.price[k], stream.size[k]);
    }
    staging.applyLevels();
  }
  return staging.length(book, 0);
}

function runCcxt(): number {
  const ob = new CcxtOrderBook({});
  for (let i = 0; i < stream.initSide.length; i++) {
    (stream.initSide[i] === 0 ? ob.bids : ob.asks).store(
      stream.initPrice[i] / pf,
      stream.initSize[i] / sf,
    );
  }
  for (let i = 0; i < n; i++) (stream.side[i] === 0 ? ob.bids : ob.asks).store(fPrice[i], fSize[i]);
  return ob.bids.length;
}

function runTardis(): number {
  const ob = new TardisOrderBook();
  ob.update(tardisInit);
  for (let i = 0; i < tardisMessages.length; i++) ob.update(tardisMessages[i]);
  return ob.bestBid()!.price;
}

// All three must end with the same book (sanity: they ran the same stream).
const coreBids = runCore();
if (runCoreStaged() !== coreBids) throw new Error("staged and engine runs disagree");
const ccxtBids = runCcxt();
if (coreBids !== ccxtBids) {
  throw new Error(`engines disagree: core ${coreBids} vs ccxt ${ccxtBids} bids`);
}

const opts = { group: "book engine: 1M updates", n: 5, warmup: 1 };
Deno.bench({ name: "tardis-dev OrderBook", ...opts, baseline: true, fn: () => void runTardis() });
Deno.bench({ name: "ccxt OrderBook", ...opts, fn: () => void runCcxt() });
Deno.bench({ name: "AlphaPulse WASM book (engine)", ...opts, fn: () => void runCore() });
Deno.bench({ name: "AlphaPulse WASM book + JS staging", ...opts, fn: () => void runCoreStaged() });
