/** OKX's splice and chain rule as a pure state machine (exchange-protocols.md §4.2, §7 faults). */
import { deepEqual, equal } from "node:assert/strict";
import { OkxSeqSync } from "../../src/exchanges/okx/seq_sync.ts";
import type { BookMessage } from "../../src/exchanges/types.ts";

const ev = (prevSeqId: number, seqId: number): BookMessage => ({
  kind: "book",
  symbol: "BTC-USDT",
  snapshot: false,
  bids: [],
  asks: [],
  prevSeqId,
  seqId,
});

Deno.test("okx sync: worked example (A dropped, B spliced, C chained, then a gap)", () => {
  const s = new OkxSeqSync();
  equal(s.onUpdate(ev(1000, 1007)), "buffered");
  equal(s.onUpdate(ev(1007, 1012)), "buffered");
  equal(s.onUpdate(ev(1012, 1020)), "buffered");
  const r = s.onSnapshot(1009);
  equal(r.status, "synced");
  deepEqual(r.status === "synced" && r.events.map((e) => e.seqId), [1012, 1020]);
  equal(s.seqId, 1020);
  equal(s.onUpdate(ev(1020, 1020)), "apply"); // empty update, seqId == prevSeqId
  equal(s.onUpdate(ev(1015, 1018)), "old"); // stale duplicate
  equal(s.onUpdate(ev(1023, 1031)), "gap");
  equal(s.live, false);
  equal(s.buffered, 1); // the breaking update is kept for the next splice
});

Deno.test("okx sync: a snapshot older than the stream is refused until a newer one", () => {
  const s = new OkxSeqSync();
  s.onUpdate(ev(500, 510));
  s.onUpdate(ev(510, 530));
  equal(s.onSnapshot(400).status, "too-old"); // 500 > 400
  equal(s.live, false);
  equal(s.onSnapshot(515).status, "synced"); // 510 <= 515 < 530
  equal(s.seqId, 530);
});

Deno.test("okx sync: a hole in the buffer needs a newer snapshot", () => {
  const s = new OkxSeqSync();
  s.onUpdate(ev(100, 110));
  s.onUpdate(ev(120, 130)); // 110 -> 120 lost
  equal(s.onSnapshot(105).status, "too-old");
  equal(s.onSnapshot(125).status, "synced");
  equal(s.seqId, 130);
});

Deno.test("okx sync: snapshot before any update; first update must straddle it", () => {
  const s = new OkxSeqSync();
  equal(s.onSnapshot(1000).status, "synced");
  equal(s.onUpdate(ev(990, 1000)), "old");
  equal(s.onUpdate(ev(995, 1004)), "apply"); // 995 <= 1000 < 1004
  equal(s.onUpdate(ev(1004, 1010)), "apply");
  const t = new OkxSeqSync();
  t.onSnapshot(1000);
  equal(t.onUpdate(ev(1002, 1008)), "gap"); // snapshot too old for the stream
});

Deno.test("okx sync: a downward seqId reset is accepted when prevSeqId chains", () => {
  const s = new OkxSeqSync();
  s.onSnapshot(5000);
  equal(s.onUpdate(ev(4990, 5010)), "apply");
  equal(s.onUpdate(ev(5010, 3)), "apply"); // maintenance reset
  equal(s.seqId, 3);
  equal(s.onUpdate(ev(3, 9)), "apply");
  // Buffering across a reset keeps only what follows it.
  const b = new OkxSeqSync();
  b.onUpdate(ev(7000, 7010));
  b.onUpdate(ev(7010, 2));
  b.onUpdate(ev(2, 8));
  equal(b.buffered, 2);
  equal(b.onSnapshot(5).status, "synced"); // 2 <= 5 < 8
  equal(b.seqId, 8);
});

Deno.test("okx sync: legacy in-band snapshot without sequence ids", () => {
  const s = new OkxSeqSync();
  const legacy: BookMessage = { kind: "book", symbol: "X", snapshot: false, bids: [], asks: [] };
  equal(s.onUpdate(legacy), "old"); // unusable before a snapshot
  s.onInBandSnapshot(undefined);
  equal(s.sequenced, false);
  equal(s.onUpdate(legacy), "apply");
  // Transition wire: the in-band snapshot has a seqId; the chain continues from it.
  const t = new OkxSeqSync();
  t.onInBandSnapshot(77);
  equal(t.onUpdate(ev(77, 80)), "apply");
  equal(t.onUpdate(ev(81, 85)), "gap");
});

Deno.test("okx sync: a reset right after the snapshot chains; a long stale run is a gap", () => {
  const s = new OkxSeqSync();
  s.onSnapshot(5000);
  equal(s.onUpdate(ev(5000, 4)), "apply"); // reset as the very first update
  equal(s.onUpdate(ev(4, 11)), "apply");
  const t = new OkxSeqSync();
  t.onSnapshot(5000);
  t.onUpdate(ev(4990, 5010));
  let outcome = "";
  for (let i = 0; i < 60 && outcome !== "gap"; i++) outcome = t.onUpdate(ev(10 + i, 11 + i));
  equal(outcome, "gap"); // a missed reset never leaves a silently frozen book
});
