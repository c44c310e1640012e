/**
 * Kraken checksum test vectors from `shared/docs/exchange-protocols.md` §6, computed end to end:
 * wire text -> parser -> plain reference book (truncated to depth 10) -> `krakenChecksum`.
 */
import { notStrictEqual, strictEqual } from "node:assert/strict";
import { parseKrakenMessage } from "../../src/exchanges/kraken/parse.ts";
import { parseKrakenV1Message } from "../../src/exchanges/kraken/v1.ts";
import type { BookMessage, ParsedMessage } from "../../src/exchanges/types.ts";
import { crc32 } from "../../src/util/crc32.ts";
import { type DecimalBook, decimalBook, krakenBookChecksum } from "../support/reference_book.ts";

type Lv = [price: string, qty: string];

/** A v2 book message with JSON-number levels spelled exactly as given. */
function v2Text(type: "snapshot" | "update", asks: Lv[], bids: Lv[], checksum?: number): string {
  const levels = (l: Lv[]) => l.map(([p, q]) => `{"price":${p},"qty":${q}}`).join(",");
  const sum = checksum === undefined ? "" : `,"checksum":${checksum}`;
  const ts = type === "update" ? ',"timestamp":"2026-07-01T12:00:00.500000Z"' : "";
  return `{"channel":"book","type":"${type}","data":[{"symbol":"BTC/USD",` +
    `"bids":[${levels(bids)}],"asks":[${levels(asks)}]${sum}${ts}}]}`;
}

function book(items: ParsedMessage[]): BookMessage {
  strictEqual(items.length, 1);
  const m = items[0];
  if (m.kind !== "book") throw new TypeError(JSON.stringify(m));
  return m;
}

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`../fixtures/kraken/${name}`, import.meta.url));
}

const V2_DOC_ASKS: Lv[] = [
  ["45285.2", "0.00100000"],
  ["45286.4", "1.54571953"],
  ["45286.6", "1.54571109"],
  ["45289.6", "1.54560911"],
  ["45290.2", "0.15890660"],
  ["45291.8", "1.54553491"],
  ["45294.7", "0.04454749"],
  ["45296.1", "0.35380000"],
  ["45297.5", "0.09945542"],
  ["45299.5", "0.18772827"],
];
const V2_DOC_BIDS: Lv[] = [
  ["45283.5", "0.10000000"],
  ["45283.4", "1.54582015"],
  ["45282.1", "0.10000000"],
  ["45281.0", "0.10000000"],
  ["45280.3", "1.54592586"],
  ["45279.0", "0.07990000"],
  ["45277.6", "0.03310103"],
  ["45277.5", "0.30000000"],
  ["45277.3", "1.54602737"],
  ["45276.6", "0.15445238"],
];

function v2DocBook(): DecimalBook {
  const b = decimalBook(10);
  b.apply(book(parseKrakenMessage(v2Text("snapshot", V2_DOC_ASKS, V2_DOC_BIDS, 3310070434))));
  return b;
}

Deno.test("kraken vector V2-DOC: Kraken's documented v2 example gives 3310070434", () => {
  const m = book(parseKrakenMessage(v2Text("snapshot", V2_DOC_ASKS, V2_DOC_BIDS, 3310070434)));
  // The parser keeps the traps of this vector intact.
  strictEqual(m.bids[6], "45281.0");
  strictEqual(m.bids[1], "0.10000000");
  strictEqual(m.checksum, 3310070434);
  const b = decimalBook(10);
  b.apply(m);
  strictEqual(krakenBookChecksum(b, 1, 8), 3310070434);
});

Deno.test("kraken vector V2-DOC: a float round trip would break the checksum", () => {
  const text = v2Text("snapshot", V2_DOC_ASKS, V2_DOC_BIDS, 3310070434);
  const m = book(parseKrakenMessage(text));
  const floats = JSON.parse(text).data[0];
  // JSON.parse turns 45281.0 into 45281 and 0.10000000 into 0.1; the parser keeps the text.
  strictEqual(String(floats.bids[3].price), "45281");
  strictEqual(String(floats.bids[0].qty), "0.1");
  const digits = (t: string) => t.replace(".", "").replace(/^0+/, "");
  const naive = (levels: { price: number; qty: number }[]) =>
    levels.map((l) => digits(String(l.price)) + digits(String(l.qty))).join("");
  notStrictEqual(crc32(naive(floats.asks) + naive(floats.bids)), 3310070434);
  const exact = (flat: string[]) => flat.map(digits).join("");
  strictEqual(crc32(exact(m.asks) + exact(m.bids)), 3310070434);
});

Deno.test("kraken vector V1-DOC: Kraken's documented v1 example gives 974947235 (price dp 5)", () => {
  const asks = ["0.05005", "0.05010", "0.05015", "0.05020", "0.05025", "0.05030", "0.05035"]
    .concat(["0.05040", "0.05045", "0.05050"]);
  const bids = ["0.05000", "0.04995", "0.04990", "0.04980", "0.04975", "0.04970", "0.04965"]
    .concat(["0.04960", "0.04955", "0.04950"]);
  const lv = (p: string) => `["${p}","0.00000500","1534614248.123678"]`;
  const text = `[0,{"as":[${asks.map(lv).join(",")}],"bs":[${bids.map(lv).join(",")}]},` +
    `"book-10","XBT/USD"]`;
  const m = book(parseKrakenV1Message(text));
  strictEqual(m.symbol, "BTC/USD");
  strictEqual(m.snapshot, true);
  const b = decimalBook(10);
  b.apply(m);
  strictEqual(krakenBookChecksum(b, 5, 8), 974947235);
});

Deno.test("kraken vectors C1 and C2: fixture snapshot and update", () => {
  const b = decimalBook(10);
  const c1 = book(parseKrakenMessage(fixture("book_snapshot.json")));
  b.apply(c1);
  strictEqual(krakenBookChecksum(b, 1, 8), 4085213383);
  strictEqual(c1.checksum, 4085213383);
  const c2 = book(parseKrakenMessage(fixture("book_update.json")));
  b.apply(c2);
  strictEqual(krakenBookChecksum(b, 1, 8), 2336972120);
  strictEqual(c2.checksum, 2336972120);
  strictEqual(b.top("ask", 10).map((l) => l[0]).join(), "50000.5,50000.8,50001.0,50002.3");
  strictEqual(b.top("bid", 10).map((l) => l[0]).join(), "49999.5,49990.1");
});

Deno.test("kraken vector C1: the mis-formatted (float-stripped) input gives 588230893", () => {
  strictEqual(crc32("5000052550001010500023550000075499995204999011"), 588230893);
});

Deno.test("kraken vector D: insert at the top of a depth-10 book, worst bid dropped", () => {
  const b = v2DocBook();
  b.apply(book(parseKrakenMessage(v2Text("update", [], [["45283.6", "0.50000000"]]))));
  strictEqual(b.size("bid"), 10);
  strictEqual(b.top("bid", 10)[9][0], "45277.3");
  strictEqual(krakenBookChecksum(b, 1, 8), 1267292553);
});

Deno.test("kraken vector E: qty change + removal + refill", () => {
  const b = v2DocBook();
  const asks: Lv[] = [["45285.2", "0"], ["45286.4", "2.00000000"], ["45300.0", "0.01000000"]];
  b.apply(book(parseKrakenMessage(v2Text("update", asks, []))));
  strictEqual(krakenBookChecksum(b, 1, 8), 4123741106);
  const missingRefill = v2DocBook();
  missingRefill.apply(book(parseKrakenMessage(v2Text("update", asks.slice(0, 2), []))));
  strictEqual(krakenBookChecksum(missingRefill, 1, 8), 3139171504);
});

Deno.test("kraken vector F: a client that does not truncate gets it wrong", () => {
  const updateD = v2Text("update", [], [["45283.6", "0.50000000"]]);
  const updateF = v2Text("update", [], [["45283.6", "0"], ["45276.2", "0.20000000"]]);
  const b = v2DocBook();
  b.apply(book(parseKrakenMessage(updateD)));
  b.apply(book(parseKrakenMessage(updateF)));
  strictEqual(krakenBookChecksum(b, 1, 8), 1001244817);

  const untruncated = decimalBook(Infinity);
  untruncated.apply(book(parseKrakenMessage(v2Text("snapshot", V2_DOC_ASKS, V2_DOC_BIDS))));
  untruncated.apply(book(parseKrakenMessage(updateD)));
  untruncated.apply(book(parseKrakenMessage(updateF)));
  strictEqual(krakenBookChecksum(untruncated, 1, 8), 3310070434);
});
