/** Unit tests of wire timestamp parsing. */
import { strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { parseEpochSecondsMs, parseRfc3339Ms } from "../../src/exchanges/timestamps.ts";

Deno.test("timestamps keep sub-millisecond digits", () => {
  strictEqual(parseRfc3339Ms("2026-07-01T12:00:00Z"), Date.UTC(2026, 6, 1, 12));
  strictEqual(parseRfc3339Ms("2026-07-01T12:00:00.5Z"), Date.UTC(2026, 6, 1, 12) + 500);
  const ns = parseRfc3339Ms("2026-07-01T12:00:00.123456789Z") as number;
  strictEqual(Math.round(ns * 1000), Date.UTC(2026, 6, 1, 12) * 1000 + 123457);
  strictEqual(parseRfc3339Ms("2026-07-01T14:00:00+02:00"), Date.UTC(2026, 6, 1, 12));
  strictEqual(parseRfc3339Ms("2026-07-01"), undefined);
  strictEqual(parseRfc3339Ms("yesterday"), undefined);
  strictEqual(parseRfc3339Ms("2026-13-45T99:00:00Z"), undefined);
  strictEqual(parseRfc3339Ms("2026-02-30T00:00:00Z"), undefined);
  strictEqual(parseRfc3339Ms("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29));
  strictEqual(parseRfc3339Ms("2026-07-01T12:00:00.1234567890Z"), undefined);
  strictEqual(parseRfc3339Ms("2026-07-01T12:00:00.Z"), undefined);
  strictEqual(parseRfc3339Ms("0099-07-01T12:00:00Z"), undefined);
  strictEqual(parseEpochSecondsMs("1693415330.621700"), 1693415330621.7);
  strictEqual(parseEpochSecondsMs("1693415330"), 1693415330000);
  strictEqual(parseEpochSecondsMs("-1"), undefined);
  // µs survive the ms-with-fraction representation at today's epoch.
  fc.assert(
    fc.property(fc.integer({ min: 1_500_000_000_000_000, max: 2_000_000_000_000_000 }), (us) => {
      const text = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
      strictEqual(Math.round((parseEpochSecondsMs(text) as number) * 1000), us);
    }),
    { numRuns: 2000, seed: 5 },
  );
});
