/**
 * Binance's local-book procedure (`src/exchanges/binance/depth_sync.ts`): the documented splice,
 * and the old-event rule once chained (a run of more than `MAX_OLD_RUN` events at or below the
 * book's `u` is a gap, so a corrupted far-future `u` cannot leave a live book that never moves).
 */
import { equal } from "node:assert/strict";
import { DepthSync, MAX_OLD_RUN } from "../../src/exchanges/binance/depth_sync.ts";

const ev = (U: number, u: number) => ({
  kind: "book" as const,
  symbol: "BTCUSDT",
  snapshot: false,
  bids: [],
  asks: [],
  firstUpdateId: U,
  lastUpdateId: u,
});

Deno.test("depth sync: events behind a newer snapshot are old, however many", () => {
  const s = new DepthSync();
  equal(s.onSnapshot(1000).status, "synced");
  for (let i = 0; i < 5 * MAX_OLD_RUN; i++) equal(s.onEvent(ev(900 + i, 900 + i)), "old");
  equal(s.onEvent(ev(995, 1003)), "apply");
  equal(s.lastUpdateId, 1003);
});

Deno.test("depth sync: once chained, a run of old events is a gap", () => {
  const s = new DepthSync();
  s.onEvent(ev(10, 20));
  equal(s.onSnapshot(15).status, "synced");
  // A corrupted event with a far-future u chains (U fits) and is applied...
  equal(s.onEvent(ev(21, 9_000_000)), "apply");
  // ...then every real event looks old: skipped at first, a gap after MAX_OLD_RUN of them.
  let u = 22;
  for (let i = 0; i < MAX_OLD_RUN; i++, u += 2) equal(s.onEvent(ev(u, u + 1)), "old");
  equal(s.onEvent(ev(u, u + 1)), "gap");
  equal(s.live, false);
  equal(s.buffered, 1);
  // A fresh snapshot resyncs from the buffered event.
  const r = s.onSnapshot(u);
  equal(r.status, "synced");
  equal(s.lastUpdateId, u + 1);
});

Deno.test("depth sync: an applied event ends an old run", () => {
  const s = new DepthSync();
  s.onSnapshot(100);
  equal(s.onEvent(ev(101, 110)), "apply");
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < MAX_OLD_RUN; i++) equal(s.onEvent(ev(105, 108)), "old");
    const last = s.lastUpdateId;
    equal(s.onEvent(ev(last + 1, last + 5)), "apply");
  }
});

Deno.test("depth sync: tryAdvance then onEvent decides every event exactly as onEvent alone (fast-check)", async () => {
  const fc = (await import("fast-check")).default;
  // Steps: an event (U, u) near the chain's head, or a snapshot, or a restart.
  const step = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(
        fc.constant("event"),
        fc.integer({ min: -4, max: 4 }),
        fc.nat({ max: 4 }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constant("snapshot"), fc.integer({ min: -6, max: 6 }), fc.constant(0)),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constant("restart"), fc.constant(0), fc.constant(0)) },
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const a = new DepthSync();
      const b = new DepthSync();
      let head = 100;
      for (const [kind, d, span] of steps) {
        if (kind === "restart") {
          a.restart(true);
          b.restart(true);
        } else if (kind === "snapshot") {
          equal(a.onSnapshot(head + d).status, b.onSnapshot(head + d).status);
        } else {
          const U = Math.max(0, head + 1 + d);
          const e = ev(U, U + span);
          const took = a.tryAdvance(e.firstUpdateId, e.lastUpdateId);
          const viaFast = took ? "apply" : a.onEvent(e);
          equal(viaFast, b.onEvent(e));
          // tryAdvance takes every event that is applied (nothing is left to the slow path).
          equal(took, viaFast === "apply");
          head = Math.max(head, e.lastUpdateId);
        }
        equal(a.lastUpdateId, b.lastUpdateId);
        equal(a.live, b.live);
        equal(a.buffered, b.buffered);
      }
    }),
    { numRuns: 2000, seed: 20261208 },
  );
});
