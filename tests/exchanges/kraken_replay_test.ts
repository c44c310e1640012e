/**
 * Replays of real Kraken recordings at the parse level: every message goes through the parser
 * (v2) or the v1 translator, into the plain reference book truncated to the subscribed depth after
 * every message, and every exchange checksum must match the rebuilt book.
 */
import { strictEqual } from "node:assert/strict";
import { decimalsOf } from "../../src/core/decimal.ts";
import { parseKrakenMessage } from "../../src/exchanges/kraken/parse.ts";
import { parseKrakenV1Message } from "../../src/exchanges/kraken/v1.ts";
import type { BookMessage, ParsedMessage } from "../../src/exchanges/types.ts";
import { type DecimalBook, decimalBook, krakenBookChecksum } from "../support/reference_book.ts";
import { rawArrayElements, rawValue, readCryptofeed, recording } from "./recordings.ts";

const V2 = recording("python-kraken-sdk/orderbook-v2.json");
const V1 = recording("python-kraken-sdk/orderbook-v1.json");
const WS50 = recording("cryptofeed/KRAKEN.ws.50.0");

function only(items: ParsedMessage[]): ParsedMessage {
  strictEqual(items.length, 1, JSON.stringify(items));
  return items[0];
}

function asBook(m: ParsedMessage): BookMessage {
  if (m.kind !== "book") throw new TypeError(`expected a book message, got ${JSON.stringify(m)}`);
  return m;
}

Deno.test({
  name: "kraken v2 replay: orderbook-v2.json, every checksum (price 1 dp, qty 8 dp)",
  ignore: V2 === undefined,
  fn() {
    const text = Deno.readTextFileSync(V2 as string);
    const book = decimalBook(10);
    let checked = 0;
    let matched = 0;
    const messages = [rawValue(text, "init"), ...rawArrayElements(text, "updates")];
    for (const raw of messages) {
      const m = asBook(only(parseKrakenMessage(raw)));
      strictEqual(m.symbol, "BTC/USD");
      book.apply(m);
      if (m.checksum === undefined) continue;
      checked++;
      // The file was re-serialised (0.80000000 -> 0.8): the checksum rule formats with the
      // instrument precision (price 1, qty 8), which checksumDigits pads back.
      if (krakenBookChecksum(book, 1, 8) === m.checksum) matched++;
    }
    console.log(`    orderbook-v2.json: ${matched}/${checked} checksums (snapshot + updates)`);
    strictEqual(checked, 510);
    strictEqual(matched, checked);
  },
});

Deno.test({
  name: "kraken v1 replay: orderbook-v1.json through the v1 translator, every checksum",
  ignore: V1 === undefined,
  fn() {
    const text = Deno.readTextFileSync(V1 as string);
    const messages = [...rawArrayElements(text, "init"), ...rawArrayElements(text, "updates")];
    let book: DecimalBook | undefined;
    let depth = 0;
    let priceDp = 0;
    let qtyDp = 0;
    let checked = 0;
    let matched = 0;
    let republishedLevels = 0;
    let republishedMessages = 0;
    const kinds: Record<string, number> = {};
    for (const raw of messages) {
      const flagged = (raw.match(/"r"\s*\]/g) ?? []).length;
      republishedLevels += flagged;
      if (flagged > 0) republishedMessages++;
      for (const m of parseKrakenV1Message(raw)) {
        kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
        if (m.kind === "subscribed") depth = m.depth ?? 0;
        if (m.kind !== "book") continue;
        if (m.snapshot) {
          book = decimalBook(depth);
          priceDp = decimalsOf(m.asks[0]);
          qtyDp = decimalsOf(m.asks[1]);
        }
        if (book === undefined) throw new Error("update before snapshot");
        book.apply(m);
        if (m.checksum === undefined) continue;
        checked++;
        if (krakenBookChecksum(book, priceDp, qtyDp) === m.checksum) matched++;
      }
    }
    console.log(
      `    orderbook-v1.json: ${matched}/${checked} checksums, ${republishedMessages} messages ` +
        `with ${republishedLevels} "r" (republished) levels, ` +
        `kinds ${JSON.stringify(kinds)}`,
    );
    strictEqual(depth, 10);
    strictEqual(checked, 979);
    strictEqual(matched, checked);
    strictEqual(republishedMessages, 221);
    strictEqual(republishedLevels, 223);
    strictEqual(kinds.invalid, undefined);
  },
});

Deno.test({
  name: "kraken v1 replay: cryptofeed KRAKEN.ws.50.0 (10 pairs, depth 1000), every checksum",
  ignore: WS50 === undefined,
  fn() {
    const books = new Map<string, { book: DecimalBook; priceDp: number; qtyDp: number }>();
    const depths = new Map<string, number>();
    let snapshots = 0;
    let checked = 0;
    let matched = 0;
    for (const line of readCryptofeed(WS50 as string)) {
      if (line.kind !== "recv") continue;
      for (const m of parseKrakenV1Message(line.text)) {
        if (m.kind === "invalid") throw new Error(`${m.reason}: ${line.text.slice(0, 120)}`);
        if (m.kind === "subscribed") {
          for (const s of m.symbols) depths.set(s, m.depth ?? 0);
        }
        if (m.kind !== "book") continue;
        let entry = books.get(m.symbol);
        if (m.snapshot) {
          snapshots++;
          entry = {
            book: decimalBook(depths.get(m.symbol)),
            priceDp: decimalsOf(m.asks[0] ?? m.bids[0]),
            qtyDp: decimalsOf(m.asks[1] ?? m.bids[1]),
          };
          books.set(m.symbol, entry);
        }
        if (entry === undefined) throw new Error(`update before snapshot for ${m.symbol}`);
        entry.book.apply(m);
        if (m.checksum === undefined) continue;
        checked++;
        if (krakenBookChecksum(entry.book, entry.priceDp, entry.qtyDp) === m.checksum) matched++;
      }
    }
    console.log(
      `    KRAKEN.ws.50.0: ${snapshots} snapshots, ${matched}/${checked} checksums, ` +
        `pairs ${[...books.keys()].join(" ")}`,
    );
    strictEqual(snapshots, 10);
    strictEqual([...depths.values()].every((d) => d === 1000), true);
    strictEqual(checked, 4269);
    strictEqual(matched, checked);
  },
});
