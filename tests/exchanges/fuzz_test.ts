/**
 * Fuzz the parsers with mutated real and fixture messages (byte flips, truncation, insertions,
 * token swaps, value swaps) and with arbitrary text: they must never throw, and whatever they
 * accept as a book or trade must satisfy the documented invariants (strict decimals, non-empty
 * symbol, even pair arrays).
 */
import fc from "fast-check";
import { ok } from "node:assert/strict";
import { parseKrakenMessage } from "../../src/exchanges/kraken/parse.ts";
import { parseKrakenV1Message } from "../../src/exchanges/kraken/v1.ts";
import {
  parseBinanceDepthSnapshot,
  parseBinanceMessage,
} from "../../src/exchanges/binance/parse.ts";
import { parseCoinbaseMessage } from "../../src/exchanges/coinbase/parse.ts";
import { parseCoinbaseLegacyMessage } from "../../src/exchanges/coinbase/legacy.ts";
import {
  classifyDecimal,
  DECIMAL_INVALID,
  DECIMAL_POSITIVE,
} from "../../src/exchanges/decimal_text.ts";
import type { ParsedMessage } from "../../src/exchanges/types.ts";
import { fixture, fixtureNames } from "./fixtures.ts";
import { readCryptofeed, recording } from "./recordings.ts";

const KINDS = new Set([
  "book",
  "trade",
  "ticker",
  "instrument",
  "heartbeat",
  "subscribed",
  "error",
  "status",
  "pong",
  "ping",
  "unknown",
  "invalid",
]);

function checkItems(items: ParsedMessage[], text: string): void {
  ok(Array.isArray(items), "result must be an array");
  for (const m of items) {
    ok(KINDS.has(m.kind), `unexpected kind ${m.kind}`);
    if (m.kind === "book") {
      ok(m.symbol !== "" || text.includes('"lastUpdateId"'), `empty symbol accepted: ${text}`);
      for (const side of [m.bids, m.asks]) {
        ok(side.length % 2 === 0, "pairs");
        for (let i = 0; i < side.length; i += 2) {
          ok(classifyDecimal(side[i]) === DECIMAL_POSITIVE, `bad price ${side[i]} accepted`);
          ok(classifyDecimal(side[i + 1]) !== DECIMAL_INVALID, `bad size ${side[i + 1]} accepted`);
        }
      }
    } else if (m.kind === "trade") {
      ok(m.symbol !== "", "empty trade symbol");
      ok(classifyDecimal(m.price) === DECIMAL_POSITIVE, `bad trade price ${m.price}`);
      ok(classifyDecimal(m.size) !== DECIMAL_INVALID, `bad trade size ${m.size}`);
      ok(Number.isFinite(m.timeMs), "trade time");
    } else if (m.kind === "invalid") {
      ok(typeof m.reason === "string" && m.reason !== "", "invalid needs a reason");
    }
  }
}

type Parser = (text: string) => ParsedMessage[];

const PARSERS: [name: string, parse: Parser, seeds: () => string[]][] = [
  ["kraken v2", parseKrakenMessage, () => seedsOf("kraken").filter((t) => !t.startsWith("["))],
  ["kraken v1", parseKrakenV1Message, () => [
    ...seedsOf("kraken"),
    ...recordedLines("cryptofeed/KRAKEN.ws.50.0", 40),
  ]],
  ["binance", parseBinanceMessage, () => [
    ...seedsOf("binanceus"),
    ...recordedLines("cryptofeed/BINANCE_US.ws.3.0", 40),
  ]],
  ["binance REST snapshot", (t) => [parseBinanceDepthSnapshot(t, "BTCUSDT")], () => [
    fixture("binanceus", "depth_snapshot_rest"),
  ]],
  ["coinbase", (t) => parseCoinbaseMessage(t).items, () => seedsOf("coinbase")],
  ["coinbase legacy", parseCoinbaseLegacyMessage, () => [
    ...seedsOf("coinbase"),
    ...recordedLines("cryptofeed/COINBASE.ws.28.0", 40).filter((t) => t.length < 20_000),
  ]],
];

function seedsOf(exchange: string): string[] {
  return fixtureNames(exchange).map((n) => fixture(exchange, n));
}

/** Every n-th received message of a recording (none when recordings are absent). */
function recordedLines(rel: string, count: number): string[] {
  const path = recording(rel);
  if (path === undefined) return [];
  const recv = readCryptofeed(path).filter((l) => l.kind === "recv").map((l) => l.text);
  const step = Math.max(1, Math.floor(recv.length / count));
  return recv.filter((_, i) => i % step === 0);
}

const ALPHABET = '{}[]":,.-+0123456789eE \\nulltruefalse"abcXYZ\u0000\u00e9';

/** A mutation of `text`, chosen and parameterised by fast-check. */
const mutation = (text: string): fc.Arbitrary<string> => {
  const n = text.length;
  const at = fc.nat({ max: Math.max(0, n - 1) });
  const ch = fc.constantFrom(...ALPHABET.split(""));
  const tokens =
    text.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null/g) ??
      [];
  const flip = fc.tuple(at, ch).map(([i, c]) => text.slice(0, i) + c + text.slice(i + 1));
  const cut = at.map((i) => text.slice(0, i));
  const insert = fc.tuple(at, fc.string({ maxLength: 4 })).map(([i, s]) =>
    text.slice(0, i) + s + text.slice(i)
  );
  const remove = fc.tuple(at, fc.nat({ max: 8 })).map(([i, k]) =>
    text.slice(0, i) + text.slice(i + k)
  );
  const swap = tokens.length < 2 ? flip : fc.tuple(
    fc.nat({ max: tokens.length - 1 }),
    fc.nat({ max: tokens.length - 1 }),
  ).map(([a, b]) => {
    // Swap the first occurrences of two tokens (keys and values alike: "field swaps").
    const ta = tokens[a];
    const tb = tokens[b];
    const ia = text.indexOf(ta);
    const ib = text.indexOf(tb);
    if (ia < 0 || ib < 0 || ia === ib) return text;
    const [i1, t1, i2, t2] = ia < ib ? [ia, ta, ib, tb] : [ib, tb, ia, ta];
    if (i1 + t1.length > i2) return text;
    return text.slice(0, i1) + t2 + text.slice(i1 + t1.length, i2) + t1 +
      text.slice(i2 + t2.length);
  });
  const replaceValue = tokens.length === 0 ? flip : fc.tuple(
    fc.nat({ max: tokens.length - 1 }),
    fc.constantFrom('"abc"', "-1", '"-1"', "1e5", '"1e5"', "NaN", '""', "null", "[]", "{}", "0"),
  ).map(([k, v]) => text.replace(tokens[k], v));
  return fc.oneof(flip, cut, insert, remove, swap, replaceValue);
};

for (const [name, parse, seeds] of PARSERS) {
  Deno.test(`fuzz ${name}: mutated messages never throw, accepted data is sane`, () => {
    const texts = seeds();
    ok(texts.length > 0);
    const arb = fc.constantFrom(...texts).chain((t) =>
      fc.array(fc.constant(null), { maxLength: 3 }).chain((extra) => {
        // Apply one to four stacked mutations.
        let a: fc.Arbitrary<string> = mutation(t);
        for (const _ of extra) a = a.chain(mutation);
        return a;
      })
    );
    const tally: Record<string, number> = {};
    fc.assert(
      fc.property(arb, (text) => {
        const items = parse(text);
        checkItems(items, text);
        const k = items[0]?.kind ?? "none";
        tally[k] = (tally[k] ?? 0) + 1;
      }),
      { numRuns: 5000, seed: 20260701 },
    );
    console.log(`    ${texts.length} seeds, first-item kinds: ${JSON.stringify(tally)}`);
    // The mutations must reach both outcomes, or the fuzzing is not exercising anything.
    ok((tally.invalid ?? 0) > 0 && Object.keys(tally).length > 1);
  });

  Deno.test(`fuzz ${name}: arbitrary JSON values and strings never throw`, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))),
        (text) => {
          checkItems(parse(text), text);
        },
      ),
      { numRuns: 1000, seed: 7 },
    );
  });
}
