/**
 * Replays of real Binance / Binance.US recordings at the parse level: depth diffs and REST
 * snapshots are spliced by Binance's documented procedure (drop `u <= lastUpdateId`, first event
 * must straddle `lastUpdateId + 1`, then `U == previous u + 1`), counting gaps; the hftbacktest
 * captures also check every `bookTicker` whose `u` equals the last applied depth `u` against the
 * rebuilt book.
 */
import { strictEqual } from "node:assert/strict";
import {
  parseBinanceDepthSnapshot,
  parseBinanceMessage,
} from "../../src/exchanges/binance/parse.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import type { BookMessage, ParsedMessage, TickerMessage } from "../../src/exchanges/types.ts";
import { decimalBook } from "../support/reference_book.ts";
import { readCryptofeed, readHftbacktest, recording } from "./recordings.ts";

/** Binance's local-book sync for one symbol. */
class Splicer {
  readonly book = decimalBook();
  readonly buffer: BookMessage[] = [];
  lastUpdateId: number | undefined;
  prevU: number | undefined;
  /** Called after each applied diff with its final update id. */
  onApplied: (u: number) => void = () => {};
  applied = 0;
  dropped = 0;
  gaps = 0;

  snapshot(m: BookMessage): void {
    this.book.apply(m);
    this.lastUpdateId = m.lastUpdateId as number;
    const buffered = this.buffer.splice(0);
    for (const d of buffered) this.diff(d);
  }

  diff(m: BookMessage): void {
    if (this.lastUpdateId === undefined) {
      this.buffer.push(m);
      return;
    }
    const U = m.firstUpdateId as number;
    const u = m.lastUpdateId as number;
    if (this.prevU === undefined) {
      if (u <= this.lastUpdateId) {
        this.dropped++;
        return;
      }
      if (U > this.lastUpdateId + 1) this.gaps++; // snapshot older than the stream
    } else if (U !== this.prevU + 1) this.gaps++;
    this.book.apply(m);
    this.prevU = u;
    this.applied++;
    this.onApplied(u);
  }
}

function symbolOfUrl(url: string): string {
  const m = /symbol=([A-Z0-9]+)/.exec(url);
  if (m === null) throw new Error(`no symbol in ${url}`);
  return m[1];
}

function notInvalid(items: ParsedMessage[], text: string): ParsedMessage[] {
  for (const m of items) {
    if (m.kind === "invalid") throw new Error(`${m.reason}: ${text.slice(0, 160)}`);
  }
  return items;
}

const CRYPTOFEED_PAIRS: [ws: string, http: string, expected: Record<string, number>][] = [
  ["BINANCE_US.ws.3.0", "BINANCE_US.http.2.0", { BTCUSDT: 186, BCHUSDT: 157, XLMUSDT: 143 }],
  ["BINANCE_US.ws.1.0", "BINANCE_US.http.0.0", {}],
  ["BINANCE.ws.1.0", "BINANCE.http.0.0", {}],
];

for (const [wsName, httpName, expected] of CRYPTOFEED_PAIRS) {
  const ws = recording(`cryptofeed/${wsName}`);
  const http = recording(`cryptofeed/${httpName}`);
  Deno.test({
    name: `binance replay: cryptofeed ${wsName} + ${httpName}, U/u continuity`,
    ignore: ws === undefined || http === undefined,
    fn() {
      const splicers = new Map<string, Splicer>();
      const splicer = (s: string) => {
        let sp = splicers.get(s);
        if (sp === undefined) splicers.set(s, sp = new Splicer());
        return sp;
      };
      // Merge both files by capture time, as they arrived.
      const events = [
        ...readCryptofeed(ws as string).filter((l) => l.kind === "recv"),
        ...readCryptofeed(http as string).filter((l) => l.kind === "http"),
      ].sort((a, b) => Number(a.time) - Number(b.time));
      const kinds: Record<string, number> = {};
      const updates: Record<string, number> = {};
      for (const line of events) {
        if (line.kind === "http") {
          const symbol = symbolOfUrl(line.url);
          const m = parseBinanceDepthSnapshot(line.text, symbol);
          if (m.kind === "invalid") throw new Error(m.reason);
          splicer(symbol).snapshot(m);
          continue;
        }
        for (const m of notInvalid(parseBinanceMessage(line.text), line.text)) {
          const k = m.kind === "unknown" ? `unknown:${m.type}` : m.kind;
          kinds[k] = (kinds[k] ?? 0) + 1;
          if (m.kind === "book") {
            updates[m.symbol] = (updates[m.symbol] ?? 0) + 1;
            splicer(m.symbol).diff(m);
          }
        }
      }
      let applied = 0;
      let gaps = 0;
      let unsynced = 0;
      const per: string[] = [];
      for (const [symbol, sp] of splicers) {
        applied += sp.applied;
        gaps += sp.gaps;
        if (sp.lastUpdateId === undefined) unsynced++;
        per.push(`${symbol} ${sp.applied}/${updates[symbol] ?? 0}`);
      }
      console.log(
        `    ${wsName}: ${splicers.size} symbols, ${applied} depth updates applied, ` +
          `${gaps} gaps, kinds ${JSON.stringify(kinds)}\n    ${per.join(", ")}`,
      );
      strictEqual(gaps, 0);
      strictEqual(unsynced, 0);
      for (const [symbol, n] of Object.entries(expected)) {
        strictEqual(splicers.get(symbol)?.applied, n);
      }
    },
  });
}

const HFT: [files: string[], symbol: string, depth: number, tickers: number][] = [
  [["btcusdt_20240808.gz", "btcusdt_20240809.gz"], "BTCUSDT", 6493, 1072],
  [["ethusdt_20240808.gz"], "ETHUSDT", 3432, 577],
];

function sameLevel(
  level: readonly [string, string] | undefined,
  price: string,
  size: string | undefined,
): boolean {
  return level !== undefined && normalizeDecimal(level[0]) === normalizeDecimal(price) &&
    normalizeDecimal(level[1]) === normalizeDecimal(size ?? "");
}

for (const [files, symbol, expectDepth, expectTickers] of HFT) {
  const paths = files.map((f) => recording(`hftbacktest/spot/${f}`));
  Deno.test({
    name: `binance replay: hftbacktest ${files.join(" + ")}, continuity and bookTicker vs book`,
    ignore: paths.some((p) => p === undefined),
    async fn() {
      const sp = new Splicer();
      let trades = 0;
      let tickersChecked = 0;
      let tickersMatched = 0;
      // A bookTicker usually arrives before the 100 ms depth diff that covers its update id:
      // keep it until the diff whose final id equals its `u` is applied, then compare.
      const pending = new Map<number, TickerMessage[]>();
      const check = (t: TickerMessage) => {
        tickersChecked++;
        if (
          sameLevel(sp.book.best("bid"), t.bidPrice, t.bidSize) &&
          sameLevel(sp.book.best("ask"), t.askPrice, t.askSize)
        ) tickersMatched++;
      };
      sp.onApplied = (u) => {
        for (const t of pending.get(u) ?? []) check(t);
        for (const id of pending.keys()) if (id <= u) pending.delete(id);
      };
      for (const path of paths) {
        for (const line of await readHftbacktest(path as string)) {
          if (!line.text.startsWith('{"stream"')) {
            const m = parseBinanceDepthSnapshot(line.text, symbol);
            if (m.kind === "invalid") throw new Error(m.reason);
            sp.snapshot(m);
            continue;
          }
          for (const m of notInvalid(parseBinanceMessage(line.text), line.text)) {
            if (m.kind === "book") sp.diff(m);
            else if (m.kind === "trade") trades++;
            else if (m.kind === "ticker") {
              const id = m.updateId as number;
              if (id === sp.prevU) check(m);
              else if (sp.prevU === undefined || id > sp.prevU) {
                pending.set(id, [...(pending.get(id) ?? []), m]);
              }
            }
          }
        }
      }
      console.log(
        `    ${symbol}: ${sp.applied} depth updates applied (${sp.dropped} dropped before the ` +
          `snapshot), ${sp.gaps} gaps, ${trades} trades, bookTicker == book ` +
          `${tickersMatched}/${tickersChecked}`,
      );
      strictEqual(sp.gaps, 0);
      strictEqual(sp.applied, expectDepth);
      strictEqual(tickersChecked, expectTickers);
      strictEqual(tickersMatched, tickersChecked);
    },
  });
}
