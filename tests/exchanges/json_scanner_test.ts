/** Unit tests of the JSON scanner. */
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { JsonScanner, KEY_END, KEY_OTHER } from "../../src/exchanges/json_scanner.ts";
import {
  classifyDecimal,
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
  DECIMAL_ZERO,
} from "../../src/exchanges/decimal_text.ts";

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
  const bad = [
    "",
    "{",
    "[1,]",
    "{,}",
    '{"a" 1}',
    "01",
    "1.",
    ".5",
    "-",
    "1e",
    "+1",
    "tru",
    "nul",
    '"\\x"',
    '"a',
    "[1 2]",
    '{"a":1,}',
    "NaN",
    "Infinity",
    "'a'",
    '{"a":1}}',
  ];
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

Deno.test("json scanner readDecimalNumber keeps text and classifies like classifyDecimal", () => {
  for (const text of ["0", "0.0", "45281.0", "0.10000000", "-1", "1e5", "1.5E-3", "-0.0", "12"]) {
    const s = new JsonScanner(`[${text}]`);
    s.beginArray();
    s.nextItem();
    strictEqual(s.readDecimalNumber(), text);
    strictEqual(s.decimalClass, classifyDecimal(text), text);
    strictEqual(s.nextItem(), false);
    s.end();
  }
  for (const bad of ["[01]", "[1.]", "[.5]", "[1e]", "[-]"]) {
    throws(
      () => {
        const s = new JsonScanner(bad);
        s.beginArray();
        while (s.nextItem()) s.readDecimalNumber();
        s.end();
      },
      SyntaxError,
      bad,
    );
  }
});

Deno.test("json scanner nextKeyIn / readStringIn match in place, with and without escapes", () => {
  const keys = ["price", "qty"] as const;
  for (
    const text of [
      '{"qty":"bid","x":1,"price":"offer"}',
      '{"q\\u0074y":"bid","x":1,"price":"off\\u0065r"}',
    ]
  ) {
    const s = new JsonScanner(text);
    s.beginObject();
    const seen: [number, number][] = [];
    for (let k = s.nextKeyIn(keys); k !== KEY_END; k = s.nextKeyIn(keys)) {
      if (k === KEY_OTHER) s.skipValue();
      else seen.push([k, s.readStringIn(["bid", "offer"])]);
    }
    s.end();
    deepStrictEqual(seen, [[1, 0], [0, 1]], text);
  }
});

Deno.test("json scanner diagnoses control characters in strings it reads", () => {
  throws(() => new JsonScanner('"a\u0001b"').readString(), SyntaxError);
  throws(() => new JsonScanner('"a\\n\u0001"').readString(), SyntaxError);
});
