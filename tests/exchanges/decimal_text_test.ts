/** Unit tests of the strict decimal grammar, normalisation and comparison. */
import { strictEqual } from "node:assert/strict";
import fc from "fast-check";
import {
  classifyDecimal,
  compareDecimal,
  DECIMAL_INVALID,
  DECIMAL_ZERO,
  normalizeDecimal,
} from "../../src/exchanges/decimal_text.ts";

Deno.test("decimal grammar", () => {
  for (const t of ["0", "1", "0.1", "45281.0", "0.10000000", "007", "123456789.123456789"]) {
    strictEqual(classifyDecimal(t) !== DECIMAL_INVALID, true, t);
  }
  for (
    const t of [
      "",
      "-1",
      "+1",
      "1e5",
      "NaN",
      "Infinity",
      ".5",
      "5.",
      "1.2.3",
      " 1",
      "1 ",
      "1,5",
      "0x10",
    ]
  ) {
    strictEqual(classifyDecimal(t), DECIMAL_INVALID, t);
  }
  strictEqual(classifyDecimal("0.000"), DECIMAL_ZERO);
  strictEqual(normalizeDecimal("045281.00"), "45281");
  strictEqual(normalizeDecimal("0.0"), "0");
  strictEqual(normalizeDecimal("0.050"), "0.05");
  fc.assert(
    fc.property(
      fc.tuple(
        fc.nat({ max: 1e9 }),
        fc.nat({ max: 99999 }),
        fc.nat({ max: 1e9 }),
        fc.nat({ max: 99999 }),
      ),
      ([ai, af, bi, bf]) => {
        const a = normalizeDecimal(`${ai}.${String(af).padStart(5, "0")}`);
        const b = normalizeDecimal(`${bi}.${String(bf).padStart(5, "0")}`);
        const expect = Math.sign((ai * 1e5 + af) - (bi * 1e5 + bf));
        strictEqual(Math.sign(compareDecimal(a, b)), expect);
      },
    ),
    { numRuns: 2000, seed: 3 },
  );
});
