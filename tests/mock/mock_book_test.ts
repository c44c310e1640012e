import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { formatFixed, MockBook, parseFixed } from "../../src/mock/mock_book.ts";
import { MarketGenerator } from "../../src/mock/market.ts";

Deno.test("parseFixed / formatFixed round-trip fixed decimals", () => {
  equal(parseFixed("60000.1", 2), 6000010n);
  equal(parseFixed("45281", 1), 452810n);
  equal(parseFixed("0.10000000", 8), 10000000n);
  equal(parseFixed("0.100000000000", 8), 10000000n);
  equal(parseFixed("7.", 2), 700n);
  equal(formatFixed(452810n, 1), "45281.0");
  equal(formatFixed(10000000n, 8), "0.10000000");
  equal(formatFixed(0n, 8), "0.00000000");
  equal(formatFixed(5n, 0), "5");
  equal(formatFixed(-5n, 2), "-0.05");
  throws(() => parseFixed("0.123", 2), RangeError);
  for (const bad of ["", ".5", "-1", "1e5", "1.2.3", " 1", "0x10"]) {
    throws(() => parseFixed(bad, 2), SyntaxError, bad);
  }
});

Deno.test("MockBook: set-size semantics, best-first views, truncation", () => {
  const book = new MockBook({ priceDecimals: 1, qtyDecimals: 8 });
  equal(book.set("bid", "45281", "0.1"), 0n);
  book.set("bid", "45283.5", "1");
  book.set("bid", "45282.1", "0.5");
  book.set("ask", "45285.2", "0.001");
  book.set("ask", "45286.4", "2");
  deepStrictEqual(book.bids(), [
    ["45283.5", "1.00000000"],
    ["45282.1", "0.50000000"],
    ["45281.0", "0.10000000"],
  ]);
  deepStrictEqual(book.asks(1), [["45285.2", "0.00100000"]]);
  equal(book.set("bid", "45282.1", "0.25"), 50000000n, "returns the previous size");
  equal(book.get("bid", "45282.1"), 25000000n);
  equal(book.set("bid", "45282.1", "0"), 25000000n);
  equal(book.has("bid", "45282.1"), false);
  equal(book.set("bid", "1", "0"), 0n, "deleting an unknown level is a no-op");
  equal(book.indexOf("bid", "45281.0"), 1);
  equal(book.depth("bid"), 2);
  equal(book.best("ask"), 452852n);
  equal(book.worst("ask"), 452864n);
  ok(!book.isCrossed());
  const copy = book.clone();
  ok(copy.equals(book));
  const dropped = book.truncate(1);
  deepStrictEqual(dropped.bids, [[452810n, 10000000n]]);
  deepStrictEqual(book.snapshot(), {
    bids: [["45283.5", "1.00000000"]],
    asks: [["45285.2", "0.00100000"]],
  });
  ok(!copy.equals(book));
  equal(book.clone(0).depth("bid"), 0);
  throws(() => book.set("bid", "0", "1"), RangeError);
  throws(() => book.set("bid", "1.23", "1"), RangeError);
});

Deno.test("MockBook matches a reference model (property)", () => {
  const op = fc.record({
    side: fc.constantFrom("bid" as const, "ask" as const),
    price: fc.integer({ min: 1, max: 60 }),
    qty: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 0, max: 30 }), (ops, depth) => {
      const book = new MockBook({ priceDecimals: 2, qtyDecimals: 3 });
      const ref = { bid: new Map<bigint, bigint>(), ask: new Map<bigint, bigint>() };
      for (const o of ops) {
        const p = BigInt(o.price);
        const q = BigInt(o.qty);
        const prev = ref[o.side].get(p) ?? 0n;
        equal(book.set(o.side, p, q), prev);
        if (q === 0n) ref[o.side].delete(p);
        else ref[o.side].set(p, q);
      }
      const view = (side: "bid" | "ask", limit = Infinity) =>
        [...ref[side].entries()]
          .sort((a, b) => (side === "bid" ? Number(b[0] - a[0]) : Number(a[0] - b[0])))
          .slice(0, limit)
          .map(([p, q]) => [formatFixed(p, 2), formatFixed(q, 3)]);
      deepStrictEqual(book.bids(), view("bid"));
      deepStrictEqual(book.asks(), view("ask"));
      book.truncate(depth);
      deepStrictEqual(book.bids(), view("bid", depth));
      deepStrictEqual(book.asks(), view("ask", depth));
    }),
    { numRuns: 300 },
  );
});

Deno.test("MarketGenerator is deterministic, never crossed, on the tick/lot grid", () => {
  const make = (seed: number) =>
    new MarketGenerator({
      seed,
      priceDecimals: 8,
      qtyDecimals: 8,
      midPrice: "60000",
      tickSize: "0.01",
      lotSize: "0.00001",
      now: () => 1_700_000_000_000,
    });
  const a = make(42);
  const b = make(42);
  const c = make(43);
  let trades = 0;
  let deletes = 0;
  let inserts = 0;
  let modifies = 0;
  let differs = false;
  for (let i = 0; i < 3000; i++) {
    const sa = a.step();
    const sb = b.step();
    const sc = c.step();
    deepStrictEqual(sa, sb);
    if (
      JSON.stringify(sa.changes.map((x) => String(x.price))) !==
        JSON.stringify(sc.changes.map((x) => String(x.price)))
    ) {
      differs = true;
    }
    ok(sa.changes.length > 0, "every step changes the book");
    ok(!a.book.isCrossed(), `crossed at step ${i}`);
    for (const ch of sa.changes) {
      equal(ch.price % a.tick, 0n);
      equal(ch.qty % a.lot, 0n);
      ok(ch.qty >= 0n);
      if (ch.qty === 0n) deletes++;
      else if (ch.prev === 0n) inserts++;
      else modifies++;
    }
    for (const t of sa.trades) {
      ok(t.qty > 0n);
      equal(t.id, ++trades);
    }
  }
  ok(differs, "different seeds give different streams");
  ok(
    trades > 200 && deletes > 500 && inserts > 500 && modifies > 500,
    `${trades} ${deletes} ${inserts} ${modifies}`,
  );
  ok(a.book.depth("bid") >= 25 && a.book.depth("ask") >= 25);
  ok(a.book.equals(b.book));
  equal(a.recentTrades.length, 50);
  // Prices stay in a plausible band around the start.
  const mid = Number(a.book.best("bid")!) / 1e8;
  ok(mid > 50000 && mid < 70000, `mid ${mid}`);
});

Deno.test("MarketGenerator: scripted apply, replace and unknownPrice", () => {
  const m = new MarketGenerator({
    priceDecimals: 1,
    qtyDecimals: 8,
    initialBook: { bids: [["100.0", "1"], ["99.5", "2"]], asks: [["100.5", "1"]] },
  });
  const step = m.apply([
    { side: "bid", price: "100.0", qty: "0" },
    { side: "ask", price: "100.8", qty: "0.1" },
    { side: "ask", price: "100.8", qty: "0.1" }, // no-op, dropped
  ], [{ side: "buy", price: "100.5", qty: "0.5" }]);
  deepStrictEqual(step.changes, [
    { side: "bid", price: 1000n, qty: 0n, prev: 100000000n },
    { side: "ask", price: 1008n, qty: 10000000n, prev: 0n },
  ]);
  equal(step.trades[0].id, 1);
  deepStrictEqual(m.snapshot(), {
    bids: [["99.5", "2.00000000"]],
    asks: [["100.5", "1.00000000"], ["100.8", "0.10000000"]],
  });
  equal(m.unknownPrice("ask"), 1006n, "first gap after the best ask");
  equal(m.unknownPrice("bid"), 994n, "beyond the worst bid");
  const r = m.replace({ bids: [["99.0", "1"]], asks: [["100.5", "3"]] });
  equal(r.changes.length, 4);
  deepStrictEqual(m.snapshot(), {
    bids: [["99.0", "1.00000000"]],
    asks: [["100.5", "3.00000000"]],
  });
});
