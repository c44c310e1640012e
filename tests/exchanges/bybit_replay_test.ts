/**
 * Parse-level replay of the real Bybit linear capture `cryptofeed-v3/BYBIT.linear.jsonl.gz`
 * (skipped when absent): `u` continuity per topic, the window kept at exactly 200 × 200, the
 * end-of-file books (vector BY-1) and the tickers' `bid1Price`/`ask1Price` against the rebuilt
 * book (the data README's rule: the last book message with `seq <= cs`, or the next one).
 */
import { equal } from "node:assert/strict";
import { parseMantissa } from "../../src/core/decimal.ts";
import { parseBybitMessage } from "../../src/exchanges/bybit/parse.ts";
import { TopicSync } from "../../src/exchanges/bybit/sync.ts";
import { readCryptofeedV3 } from "./cryptofeed_v3.ts";
import { recording } from "./recordings.ts";

const PATH = recording("cryptofeed-v3/BYBIT.linear.jsonl.gz");
const SCALE = 10;

class Book {
  bids = new Map<bigint, string>();
  asks = new Map<bigint, string>();
  best(side: "bids" | "asks"): [bigint, string] {
    let best: bigint | undefined;
    for (const k of this[side].keys()) {
      if (best === undefined || (side === "bids" ? k > best : k < best)) best = k;
    }
    return [best!, this[side].get(best!)!];
  }
  bestText(side: "bids" | "asks"): string {
    const [p, s] = this.best(side);
    return `${this.#text.get(p)} × ${s}`;
  }
  #text = new Map<bigint, string>();
  set(side: "bids" | "asks", price: string, size: string): boolean {
    const k = BigInt(parseMantissa(price, SCALE));
    this.#text.set(k, price);
    const held = this[side].has(k);
    if (size === "0") this[side].delete(k);
    else this[side].set(k, size);
    return held;
  }
}

interface Top {
  seq: number;
  bid: bigint;
  ask: bigint;
}

Deno.test({
  name: "bybit replay (real linear capture): u continuity, 200 × 200 window, BY-1, tickers",
  ignore: PATH === undefined,
  async fn() {
    const lines = await readCryptofeedV3(PATH!);
    const sync = new Map<string, TopicSync>();
    const books = new Map<string, Book>();
    const history = new Map<string, Top[]>();
    const deltas = new Map<string, number>();
    const tickerState = new Map<string, { bid?: string; ask?: string }>();
    const tickers: Array<{ symbol: string; cs: number; bid: string; ask: string }> = [];
    let gaps = 0, windowViolations = 0, inserts = 0, deletes = 0, changes = 0, unknownDeletes = 0;
    for (const line of lines) {
      if (line.t !== "recv") continue;
      for (const m of parseBybitMessage(line.data!)) {
        if (m.kind === "invalid") throw new Error(m.reason);
        if (m.kind === "bybit-ticker") {
          const st = tickerState.get(m.symbol) ?? {};
          if (m.bidPrice) st.bid = m.bidPrice;
          if (m.askPrice) st.ask = m.askPrice;
          tickerState.set(m.symbol, st);
          // A ticker counts when it carries a best price (deltas hold only the changed fields).
          const carries = m.bidPrice !== undefined || m.askPrice !== undefined;
          if (carries && m.crossSeq !== undefined && st.bid && st.ask) {
            tickers.push({ symbol: m.symbol, cs: m.crossSeq, bid: st.bid, ask: st.ask });
          }
          continue;
        }
        if (m.kind !== "book") continue;
        const t = sync.get(m.topic) ?? new TopicSync();
        sync.set(m.topic, t);
        const action = t.next(m.snapshot, m.updateId);
        if (action === "gap") gaps++;
        if (action !== "snapshot" && action !== "apply") continue;
        let book = books.get(m.symbol)!;
        if (action === "snapshot") books.set(m.symbol, book = new Book());
        else deltas.set(m.symbol, (deltas.get(m.symbol) ?? 0) + 1);
        for (const [side, flat] of [["bids", m.bids], ["asks", m.asks]] as const) {
          for (let i = 0; i < flat.length; i += 2) {
            const held = book.set(side, flat[i], flat[i + 1]);
            if (action !== "apply") continue;
            if (flat[i + 1] === "0") held ? deletes++ : unknownDeletes++;
            else held ? changes++ : inserts++;
          }
        }
        if (book.bids.size !== m.depth || book.asks.size !== m.depth) windowViolations++;
        const h = history.get(m.symbol) ?? [];
        history.set(m.symbol, h);
        h.push({ seq: m.crossSeq, bid: book.best("bids")[0], ask: book.best("asks")[0] });
      }
    }
    let same = 0, sameWithNext = 0, compared = 0;
    for (const tk of tickers) {
      const h = history.get(tk.symbol);
      if (!h) continue;
      let i = -1;
      for (let j = 0; j < h.length && h[j].seq <= tk.cs; j++) i = j;
      if (i < 0) continue;
      compared++;
      const bid = BigInt(parseMantissa(tk.bid, SCALE));
      const ask = BigInt(parseMantissa(tk.ask, SCALE));
      const match = (k: number) => k < h.length && h[k].bid === bid && h[k].ask === ask;
      if (match(i)) same++;
      if (match(i) || match(i + 1)) sameWithNext++;
    }
    const total = [...deltas.values()].reduce((a, b) => a + b, 0);
    console.log(
      `bybit replay: ${total} deltas (${[...deltas].map(([s, n]) => `${s} ${n}`).join(", ")}), ` +
        `${gaps} gaps, ${windowViolations} window violations; ${inserts} inserts, ${deletes} deletes, ` +
        `${changes} changes, ${unknownDeletes} unknown deletes; tickers vs book: ${same}/${compared}, ` +
        `${sameWithNext}/${compared} allowing the next book message`,
    );
    equal(total, 1594);
    equal(gaps, 0);
    equal(windowViolations, 0);
    equal(deltas.get("BTCUSDT"), 413);
    equal(deltas.get("ETHUSDT"), 420);
    equal(deltas.get("SOLUSDT"), 382);
    equal(deltas.get("DOGEUSDT"), 379);
    equal(inserts, 1795);
    equal(deletes, 1795);
    equal(changes, 12544);
    equal(unknownDeletes, 0);
    equal(compared, 636);
    equal(same, 632);
    equal(sameWithNext, 636);
    const final: Record<string, [number, string, string]> = {
      BTCUSDT: [15077365, "65114.20 × 5.974", "65114.30 × 9.060"],
      ETHUSDT: [14768880, "1922.54 × 52.00", "1922.55 × 19.25"],
      SOLUSDT: [13783705, "77.260 × 1041.8", "77.270 × 356.1"],
      DOGEUSDT: [13178638, "0.07055 × 192121", "0.07056 × 4200"],
    };
    for (const [symbol, [u, bid, ask]] of Object.entries(final)) {
      equal(sync.get(`orderbook.200.${symbol}`)!.u, u, symbol);
      equal(books.get(symbol)!.bestText("bids"), bid, symbol);
      equal(books.get(symbol)!.bestText("asks"), ask, symbol);
    }
  },
});
