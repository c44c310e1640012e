/** Unit tests of the JSON scanner, the decimal grammar, timestamps and symbol helpers. */
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { JsonScanner } from "../../src/exchanges/json_scanner.ts";
import {
  classifyDecimal,
  compareDecimal,
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
  DECIMAL_ZERO,
  normalizeDecimal,
} from "../../src/exchanges/decimal_text.ts";
import { parseEpochSecondsMs, parseRfc3339Ms } from "../../src/exchanges/timestamps.ts";

/** Rebuild a JS value with the scanner (numbers via their text) to compare with JSON.parse. */
function scanValue(s: JsonScanner): unknown {
  switch (s.kind()) {
    case "object": {
      const o: Record<string, unknown> = {};
      s.beginObject();
      for (let k = s.nextKey(); k !== undefined; k = s.nextKey()) {
        // defineProperty, not assignment, so a "__proto__" key stays an own property as in JSON.parse.
        Object.defineProperty(o, k, {
          value: scanValue(s),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
    case "array": {
      const a: unknown[] = [];
      s.beginArray();
      while (s.nextItem()) a.push(scanValue(s));
      return a;
    }
    case "string":
      return s.readString();
    case "number":
      return Number(s.readNumberText());
    case "true":
    case "false":
      return s.readBoolean();
    case "null":
      return s.readNull();
  }
}

function scanAll(text: string): unknown {
  const s = new JsonScanner(text);
  const v = scanValue(s);
  s.end();
  return v;
}

Deno.test("json scanner agrees with JSON.parse on arbitrary JSON", () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      deepStrictEqual(scanAll(text), JSON.parse(text));
    }),
    { numRuns: 2000, seed: 1 },
  );
});

Deno.test("json scanner rejects what JSON.parse rejects", () => {
  const bad = ["", "{", "[1,]", "{,}", '{"a" 1}', "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
    '"\\x"', '"a', "[1 2]", '{"a":1,}', "NaN", "Infinity", "'a'", '{"a":1}}'];
  for (const text of bad) {
    throws(() => JSON.parse(text));
    throws(() => scanAll(text), SyntaxError, text);
  }
});

Deno.test("json scanner keeps number text and decodes escapes", () => {
  const s = new JsonScanner('[0.10000000, 45281.0, -0.5e-3, 1E+2, "a\\"b\\u00e9"]');
  s.beginArray();
  const out: string[] = [];
  while (s.nextItem()) out.push(s.kind() === "number" ? s.readNumberText() : s.readString());
  deepStrictEqual(out, ["0.10000000", "45281.0", "-0.5e-3", "1E+2", 'a"b\u00e9']);
});

Deno.test("json scanner readDecimalString classifies in one pass", () => {
  const cases: [string, number][] = [
    ['"60000.01"', DECIMAL_POSITIVE],
    ['"0.00000000"', DECIMAL_ZERO],
    ['"0"', DECIMAL_ZERO],
    ['"-1"', DECIMAL_INVALID],
    ['"1e5"', DECIMAL_INVALID],
    ['"abc"', DECIMAL_INVALID],
    ['""', DECIMAL_INVALID],
    ['"1."', DECIMAL_INVALID],
    ['".5"', DECIMAL_INVALID],
    ['"1\\u0030"', DECIMAL_INVALID],
    [`"${"9".repeat(41)}"`, DECIMAL_INVALID],
  ];
  for (const [text, cls] of cases) {
    const s = new JsonScanner(text);
    s.readDecimalString();
    s.end();
    strictEqual(s.decimalClass, cls, text);
  }
});

Deno.test("decimal grammar", () => {
  for (const t of ["0", "1", "0.1", "45281.0", "0.10000000", "007", "123456789.123456789"]) {
    strictEqual(classifyDecimal(t) !== DECIMAL_INVALID, true, t);
  }
  for (const t of ["", "-1", "+1", "1e5", "NaN", "Infinity", ".5", "5.", "1.2.3", " 1", "1 ", "1,5", "0x10"]) {
    strictEqual(classifyDecimal(t), DECIMAL_INVALID, t);
  }
  strictEqual(classifyDecimal("0.000"), DECIMAL_ZERO);
  strictEqual(normalizeDecimal("045281.00"), "45281");
  strictEqual(normalizeDecimal("0.0"), "0");
  strictEqual(normalizeDecimal("0.050"), "0.05");
  fc.assert(
    fc.property(
      fc.tuple(fc.nat({ max: 1e9 }), fc.nat({ max: 99999 }), fc.nat({ max: 1e9 }), fc.nat({ max: 99999 })),
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

Deno.test("timestamps keep sub-millisecond digits", () => {
  strictEqual(parseRfc3339Ms("2026-07-01T12:00:00Z"), Date.UTC(2026, 6, 1, 12));
  strictEqual(parseRfc3339Ms("2026-07-01T12:00:00.5Z"), Date.UTC(2026, 6, 1, 12) + 500);
  const ns = parseRfc3339Ms("2026-07-01T12:00:00.123456789Z") as number;
  strictEqual(Math.round(ns * 1000), Date.UTC(2026, 6, 1, 12) * 1000 + 123457);
  strictEqual(parseRfc3339Ms("2026-07-01T14:00:00+02:00"), Date.UTC(2026, 6, 1, 12));
  strictEqual(parseRfc3339Ms("2026-07-01"), undefined);
  strictEqual(parseRfc3339Ms("yesterday"), undefined);
  strictEqual(parseRfc3339Ms("2026-13-45T99:00:00Z"), undefined);
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
