/**
 * Parse-level replay of the real Bitfinex capture `cryptofeed-v3/BITFINEX.jsonl.gz` (skipped when
 * absent): sequence continuity over every channel message, the book rules' counts, the end-of-file
 * books (vector BF-3), every numeric book token equal to its JavaScript rendering, and the checksum
 * of the real tMNABTC snapshot (vector BF-1) computed from the rebuilt book.
 */
import { equal } from "node:assert/strict";
import { parseMantissa } from "../../src/core/decimal.ts";
import { bitfinexChecksum, type MantissaPair } from "../../src/exchanges/bitfinex/checksum.ts";
import { decimalFromJsonNumber, jsNumberText } from "../../src/exchanges/bitfinex/numbers.ts";
import { bookChanges, parseBitfinexFrame } from "../../src/exchanges/bitfinex/parse.ts";
import { ChannelMap, ConnectionSequence } from "../../src/exchanges/bitfinex/sync.ts";
import { readCryptofeedV3 } from "./cryptofeed_v3.ts";
import { recording } from "./recordings.ts";

const PATH = recording("cryptofeed-v3/BITFINEX.jsonl.gz");
const SCALE = 8;

/** A plain reference book: price mantissa → amount text, per side. */
class Book {
  bids = new Map<bigint, string>();
  asks = new Map<bigint, string>();
  top(side: "bids" | "asks", n: number): MantissaPair[] {
    const keys = [...this[side].keys()].sort((a, b) =>
      side === "bids" ? (a > b ? -1 : 1) : (a < b ? -1 : 1)
    );
    return keys.slice(0, n).map((k) => [k, BigInt(parseMantissa(this[side].get(k)!, SCALE))]);
  }
}

Deno.test({
  name: "bitfinex replay (real capture): sequence 1…1670, book rules, BF-1 and BF-3",
  ignore: PATH === undefined,
  async fn() {
    const lines = await readCryptofeedV3(PATH!);
    const channels = new ChannelMap();
    const seq = new ConnectionSequence();
    const books = new Map<string, Book>();
    let messages = 0, inserts = 0, deletes = 0, changes = 0, unknownDeletes = 0, updates = 0;
    let tokens = 0, tokenMismatches = 0, bf1: number | undefined;
    for (const line of lines) {
      if (line.t !== "recv") continue;
      const f = parseBitfinexFrame(line.data!);
      if (f.kind === "event") {
        if (f.event.event === "subscribed") {
          const e = f.event;
          if (e.channel === "book" || e.channel === "trades") {
            channels.add(e.chanId, { channel: e.channel, symbol: e.symbol! });
          }
        }
        continue;
      }
      if (f.kind !== "channel") throw new Error(`unexpected frame ${line.data}`);
      messages++;
      const r = seq.check(f.seq);
      if (r !== "ok" && r !== "first") throw new Error(`sequence ${r} at ${f.seq}`);
      const info = channels.get(f.chanId);
      if (info?.channel !== "book") continue;
      if (f.body.type !== "rows" && f.body.type !== "row") continue;
      const rows = f.body.type === "rows" ? f.body.rows : [f.body.row];
      for (const row of rows) {
        for (const t of row) {
          tokens++;
          const d = decimalFromJsonNumber(t)!;
          const m = parseMantissa(d.text, SCALE);
          if (jsNumberText(d.negative ? -BigInt(m) : BigInt(m), SCALE) !== t) tokenMismatches++;
        }
      }
      const c = bookChanges(rows);
      if (typeof c === "string") throw new Error(c);
      let book = books.get(info.symbol);
      if (f.body.type === "rows") books.set(info.symbol, book = new Book());
      else updates++;
      for (const [side, flat] of [["bids", c.bids], ["asks", c.asks]] as const) {
        for (let i = 0; i < flat.length; i += 2) {
          const price = BigInt(parseMantissa(flat[i], SCALE));
          const held = book![side].has(price);
          if (flat[i + 1] === "0") {
            if (!held) unknownDeletes++;
            else deletes++;
            book![side].delete(price);
          } else {
            if (f.body.type === "row") held ? changes++ : inserts++;
            book![side].set(price, flat[i + 1]);
          }
        }
      }
      if (f.body.type === "rows" && info.symbol === "tMNABTC") {
        bf1 = bitfinexChecksum(book!.top("bids", 25), book!.top("asks", 25), SCALE, SCALE);
      }
    }
    console.log(
      `bitfinex replay: ${messages} channel messages, sequence 1…${seq.last}, ${seq.gaps} gaps; ` +
        `${updates} updates: ${inserts} inserts, ${deletes} deletes, ${changes} changes, ` +
        `${unknownDeletes} unknown deletes; ${tokens} book tokens, ${tokenMismatches} differ from JS text; ` +
        `BF-1 checksum ${bf1}`,
    );
    equal(seq.last, 1670);
    equal(messages, 1670);
    equal(seq.gaps, 0);
    equal(seq.repeats, 0);
    equal(updates, 1593);
    equal(inserts, 723);
    equal(deletes, 722);
    equal(changes, 148);
    equal(unknownDeletes, 0);
    equal(tokenMismatches, 0);
    equal(bf1, -1742076780);
    // BF-3: best bid / best ask (amount as sent) at the end of the file.
    const expected: Record<string, string> = {
      "tTESTBTC:TESTUSD": "60417 0.68807848 / 60423 -0.68805459",
      tDOGUSD: "277730 0.09383141 / 282030 -0.027",
      tODEUSD: "0.02056 4510.99 / 0.02088 -2335.56",
      tIOTETH: "0.001026 9.80717706 / 0.0010272 -8",
      tMNABTC: "0.00002505 504.35063355 / 0.0000253 -66.58783643",
      tBFTUSD: "0.068965 6098.17017201 / 0.0774 -6662.31867263",
      tSNGUSD: "0.037108 6830.77512 / 0.038798 -1461.09590662",
    };
    for (const [symbol, want] of Object.entries(expected)) {
      const b = books.get(symbol)!;
      const [bid] = b.top("bids", 1);
      const [ask] = b.top("asks", 1);
      const got = `${jsNumberText(bid[0], SCALE)} ${jsNumberText(bid[1], SCALE)} / ${
        jsNumberText(ask[0], SCALE)
      } ${jsNumberText(-BigInt(ask[1]), SCALE)}`;
      equal(got, want, symbol);
    }
  },
});
