/**
 * Replay of the real Coinbase Exchange (legacy feed) capture at the parse level: full-depth
 * snapshots and l2updates rebuild a plain reference book per product; every live `ticker`'s
 * best bid/ask must equal the rebuilt top of book (the first ticker per product is the stale one
 * Coinbase sends on subscribe), and the book must never be crossed.
 */
import { strictEqual } from "node:assert/strict";
import { parseCoinbaseLegacyMessage } from "../../src/exchanges/coinbase/legacy.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { type DecimalBook, decimalBook } from "../support/reference_book.ts";
import { readCryptofeed, recording } from "./recordings.ts";

const WS28 = recording("cryptofeed/COINBASE.ws.28.0");

Deno.test({
  name: "coinbase legacy replay: COINBASE.ws.28.0, live tickers equal the rebuilt top of book",
  ignore: WS28 === undefined,
  fn() {
    const books = new Map<string, DecimalBook>();
    const seenTicker = new Set<string>();
    const kinds: Record<string, number> = {};
    let snapshots = 0;
    let updates = 0;
    let trades = 0;
    let crossed = 0;
    let tickersChecked = 0;
    let tickersMatched = 0;
    let staleSkipped = 0;
    for (const line of readCryptofeed(WS28 as string)) {
      if (line.kind !== "recv") continue;
      for (const m of parseCoinbaseLegacyMessage(line.text)) {
        kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
        switch (m.kind) {
          case "invalid":
            throw new Error(`${m.reason}: ${line.text.slice(0, 160)}`);
          case "book": {
            let book = books.get(m.symbol);
            if (m.snapshot) {
              snapshots++;
              books.set(m.symbol, book = decimalBook());
            } else updates++;
            if (book === undefined) throw new Error(`update before snapshot: ${m.symbol}`);
            book.apply(m);
            if (book.crossed()) crossed++;
            break;
          }
          case "trade":
            trades++;
            break;
          case "ticker": {
            if (!seenTicker.has(m.symbol)) {
              seenTicker.add(m.symbol);
              staleSkipped++;
              break;
            }
            const book = books.get(m.symbol);
            tickersChecked++;
            const bid = book?.best("bid");
            const ask = book?.best("ask");
            if (
              bid !== undefined && ask !== undefined &&
              normalizeDecimal(bid[0]) === normalizeDecimal(m.bidPrice) &&
              normalizeDecimal(ask[0]) === normalizeDecimal(m.askPrice)
            ) tickersMatched++;
            break;
          }
        }
      }
    }
    console.log(
      `    COINBASE.ws.28.0: ${snapshots} snapshots, ${updates} l2updates, ${trades} trades ` +
        `(match + last_match), tickers ${tickersMatched}/${tickersChecked} equal the book ` +
        `(${staleSkipped} stale skipped), ${crossed} crossed states`,
    );
    strictEqual(snapshots, 10);
    strictEqual(updates, 9719);
    strictEqual(trades, 107);
    strictEqual(tickersChecked, 97);
    strictEqual(tickersMatched, tickersChecked);
    strictEqual(crossed, 0);
  },
});
