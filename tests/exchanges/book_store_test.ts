/**
 * The book store's scale rules (issue 13 item 6): a value with more decimals than a book's scale
 * resyncs that book at a scale that holds it, except where the instrument fixes the scale (then it
 * is a bad message); and no single absurd value can raise a scale so far that the book's own
 * snapshots stop fitting (a wedged book).
 */
import { equal } from "node:assert/strict";
import { Core } from "../../src/core/mod.ts";
import { BookStore } from "../../src/exchanges/book_store.ts";

async function store() {
  const core = await Core.create({ ringCapacity: 1024 });
  const logs: string[] = [];
  const books = new BookStore(core, {
    exchangeCode: 3,
    symbols: ["BTC/USD", "ETH/USD"],
    depth: 10,
    log: (l) => logs.push(l),
  });
  return { books, logs };
}

const BIDS = ["60000.10", "1.5", "59999.90", "2"];
const ASKS = ["60000.20", "0.25"];

Deno.test("book store: a finer value resyncs at a larger scale; its next snapshot is live", async () => {
  const { books } = await store();
  equal(books.snapshot("BTC/USD", BIDS, ASKS, 0, 1), true);
  equal(books.scales("BTC/USD").join(), "2,2");
  equal(books.update("BTC/USD", ["59000.125", "1"], [], 0, 2), "rejected");
  equal(books.state("BTC/USD"), "stale");
  equal(books.snapshot("BTC/USD", BIDS, ASKS, 0, 3), true);
  equal(books.scales("BTC/USD").join(), "3,2", "rescaled through a fresh snapshot");
  equal(books.update("BTC/USD", ["59000.125", "1"], [], 0, 4), "applied");
});

Deno.test("book store: an 18-decimal value cannot wedge a book whose prices overflow at that scale", async () => {
  const { books, logs } = await store();
  equal(books.snapshot("BTC/USD", BIDS, ASKS, 0, 1), true);
  equal(books.snapshot("ETH/USD", ["3000.5", "1"], ["3001", "1"], 0, 1), true);
  equal(books.update("BTC/USD", ["1.000000000000000001", "1"], [], 0, 2), "rejected");
  // 60000.10 at 18 decimals does not fit an i64: the snapshot is taken at its own scales.
  equal(books.snapshot("BTC/USD", BIDS, ASKS, 0, 3), true, logs.join("\n"));
  equal(books.state("BTC/USD"), "live");
  equal(books.scales("BTC/USD").join(), "2,2");
  equal(books.update("BTC/USD", ["60000.10", "3"], [], 0, 4), "applied");
  equal(books.top("BTC/USD", 1).bids[0].join(), "60000.1,3");
  const health = books.health();
  equal(health[0].parseErrors, 1);
  equal(health[0].resyncs, 1);
  equal(health[1].resyncs, 0, "ETH/USD untouched");
  equal(health[1].state, "live");
});

Deno.test("book store: with instrument scales a finer value is refused and the scale stays", async () => {
  const { books, logs } = await store();
  books.setInstrumentScales("BTC/USD", [1, 8]);
  equal(books.snapshot("BTC/USD", ["60000.1", "1.5"], ["60000.2", "0.25"], 0, 1), true);
  equal(books.scales("BTC/USD").join(), "1,8");
  equal(books.update("BTC/USD", ["60000.15", "1"], [], 0, 2), "rejected");
  equal(books.update("BTC/USD", ["60000.1", "1"], [], 0, 2), "ignored", "stale until resynced");
  equal(books.snapshot("BTC/USD", ["60000.1", "1.5"], ["60000.2", "0.25"], 0, 3), true);
  equal(books.scales("BTC/USD").join(), "1,8", "still the instrument's precision");
  // A snapshot finer than the instrument is refused too (the book stays stale).
  equal(books.snapshot("BTC/USD", ["60000.15", "1.5"], ["60000.2", "0.25"], 0, 4), false);
  equal(books.state("BTC/USD"), "stale");
  equal(books.health()[0].parseErrors, 2);
  equal(logs.filter((l) => l.includes("finer than the instrument's precision")).length, 2);
});
