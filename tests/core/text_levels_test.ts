/**
 * The two staging paths agree: level arrays staged from frame bytes in WASM
 * (`Core.loadText` + `addTextLevels`) against the JS path (`scanStringLevels` into strings, then
 * `addLevels`): identical staged changes and end offset, identical refusals (malformed or
 * unacceptable text; the first value too fine for the scale, with its field and needed decimals;
 * a mantissa beyond 64 bits). Over hand-written edge cases, every level array of the real
 * recordings (skipped when absent), and mutated real frames.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { Core } from "../../src/core/core.ts";
import { ScaleError } from "../../src/core/decimal.ts";
import { MAX_DECIMAL_TEXT_LENGTH } from "../../src/exchanges/decimal_text.ts";
import { JsonScanner } from "../../src/exchanges/json_scanner.ts";
import { scanStringLevels } from "../../src/exchanges/string_levels.ts";
import { readCryptofeedV3 } from "../exchanges/cryptofeed_v3.ts";
import { DATA_DIR, readCryptofeed, readHftbacktest, recording } from "../exchanges/recordings.ts";
import { mutate, mutations } from "../support/mutations.ts";

type Outcome =
  | { kind: "ok"; end: number; staged: string }
  | { kind: "invalid" }
  | { kind: "scale"; field: "price" | "size"; needed: number; text: string }
  | { kind: "range" };

const core = await Core.create({ ringCapacity: 0 });
/** One book per scale pair (scales only change on an empty book). */
const books = new Map<string, number>();
function bookAt(priceScale: number, sizeScale: number): number {
  const key = `${priceScale}/${sizeScale}`;
  let id = books.get(key);
  if (id === undefined) {
    id = core.createBook({ exchange: 1, symbol: books.size, priceScale, sizeScale, depth: 5 });
    books.set(key, id);
  }
  return id;
}

/** The staged changes, read from the input area through the exported layout. */
function staged(): string {
  const l = core.layout;
  const base = core.exports.input_reserve(0);
  const view = new DataView(core.memory.buffer);
  const out: string[] = [];
  for (let i = 0; i < core.staged; i++) {
    const p = base + l.inChanges + i * l.inputChangeSize;
    out.push(
      `${view.getUint32(p + l.inSide, true)}:${view.getBigInt64(p + l.inPrice, true)}:` +
        `${view.getBigInt64(p + l.inSize, true)}`,
    );
  }
  return out.join(" ");
}

function classify(e: unknown): Outcome {
  if (e instanceof ScaleError) {
    return { kind: "scale", field: core.lastScaleField, needed: e.needed, text: e.text };
  }
  if (e instanceof SyntaxError) return { kind: "invalid" };
  if (e instanceof RangeError) return { kind: "range" };
  throw e;
}

function viaJs(text: string, start: number, scales: [number, number], side: 0 | 1): Outcome {
  const out: string[] = [];
  const s = new JsonScanner(text, start);
  try {
    if (scanStringLevels(s, out, "b") !== undefined) return { kind: "invalid" };
  } catch (e) {
    return classify(e);
  }
  core.begin(bookAt(...scales));
  try {
    core.addLevels(side, out);
  } catch (e) {
    return classify(e);
  }
  return { kind: "ok", end: s.pos, staged: staged() };
}

function viaWasm(text: string, start: number, scales: [number, number], side: 0 | 1): Outcome {
  ok(core.loadText(text), "ASCII text loads");
  core.begin(bookAt(...scales));
  try {
    const end = core.addTextLevels(side, start);
    return { kind: "ok", end, staged: staged() };
  } catch (e) {
    return classify(e);
  }
}

/** Offsets just after `"b":`, `"a":`, `"bids":`, `"asks":` before a `[` (a frame's level arrays). */
function levelArrays(text: string): number[] {
  return [...text.matchAll(/"(?:b|a|bids|asks)"\s*:(?=\s*\[)/g)].map((m) => m.index! + m[0].length);
}

/** Most decimals of any price / size text in the frame's level arrays (the JS path's view). */
function scalesOf(text: string, start: number): [number, number] {
  const out: string[] = [];
  try {
    scanStringLevels(new JsonScanner(text, start), out, "b");
  } catch {
    return [2, 2];
  }
  let ps = 0;
  let ss = 0;
  for (let i = 0; i + 1 < out.length; i += 2) {
    ps = Math.max(ps, decimals(out[i]));
    ss = Math.max(ss, decimals(out[i + 1]));
  }
  return [Math.min(ps, 18), Math.min(ss, 18)];
}

function decimals(t: string): number {
  const d = t.indexOf(".");
  return d < 0 ? 0 : t.length - d - 1;
}

let compared = 0;
/** Compares both paths at the frame's own scales, one decimal short, and the widest scale. */
function compare(text: string, start: number, label: string): Outcome {
  const [ps, ss] = scalesOf(text, start);
  let first: Outcome | undefined;
  for (const scales of [[ps, ss], [Math.max(0, ps - 1), ss], [ps, Math.max(0, ss - 1)], [18, 18]]) {
    for (const side of [0, 1] as const) {
      const js = viaJs(text, start, scales as [number, number], side);
      const wasm = viaWasm(text, start, scales as [number, number], side);
      deepStrictEqual(wasm, js, `${label} at ${start}, scales ${scales}, side ${side}`);
      compared++;
      first ??= js;
    }
  }
  return first!;
}

Deno.test("the core's decimal length limit is the host's", () => {
  strictEqual(core.layout.maxDecimalText, MAX_DECIMAL_TEXT_LENGTH);
});

Deno.test("text staging: edge cases agree with the JS path", () => {
  const long = "1" + "0".repeat(MAX_DECIMAL_TEXT_LENGTH - 1);
  const cases = [
    `[["60000.10","0.5"],["60000.00","0"]]`,
    ` [ [ "1.5" , "2" , 7 , "x" , [1,{"k":[true,false,null]}] ] ,\n\t["1.4","0.000"] ] `,
    `[]`,
    `[[]]`,
    `[["1"]]`,
    `[["1",]]`,
    `[["0","1"]]`,
    `[["0.000","1"]]`,
    `[["-1","1"]]`,
    `[["1e5","1"]]`,
    `[["1.","1"]]`,
    `[[".5","1"]]`,
    `[["1.5",""]]`,
    `[[1.5,"2"]]`,
    `[["1.5",2]]`,
    `[["1.5","2"],]`,
    `[["1.5","2"]`,
    `[["1.5","2"`,
    `[["1.5","2",-0.5e-3,1E+2,01]]`,
    `[["1.5","2",tru]]`,
    `[["1.5","2","a\\"b","\\u00e9",1]]`,
    `[["1.5","2","\\x"]]`,
    `[["1.5","2","\\u00g1"]]`,
    `[["1\\u0030","2"]]`,
    `[["${long}","1"]]`,
    `[["${long}1","1"]]`,
    `[["9223372036854775807","1"]]`,
    `[["9223372036854775808","1"]]`,
    `[["922337203685477580.7","1"]]`,
    `[["99999999999999999999","1"]]`,
    `[["1.23456","1"],["x","1"]]`,
    `[["1.23456","1"],["1.1","1.123"]]`,
    `[["1.5","1.12345"],["1.123","1"]]`,
    `[["1.10000000000000000000000","1"]]`,
    `{"b":1}`,
    `[["1.5","2"]] trailing`,
    `[[["1.5"],"2"]]`,
  ];
  const outcomes = new Map<string, number>();
  for (const c of cases) {
    const text = `{"b":${c}}`;
    for (const scales of [[0, 0], [1, 1], [2, 3], [5, 5], [18, 18]] as [number, number][]) {
      const js = viaJs(text, 5, scales, 1);
      deepStrictEqual(viaWasm(text, 5, scales, 1), js, `${c} at ${scales}`);
      outcomes.set(js.kind, (outcomes.get(js.kind) ?? 0) + 1);
    }
  }
  // The cases really exercise every outcome.
  for (const kind of ["ok", "invalid", "scale", "range"]) ok(outcomes.get(kind)! > 0, kind);
});

Deno.test("text staging: a text that is not ASCII is left to the string path", () => {
  strictEqual(core.loadText('{"s":"BTC€","b":[["1","2"]]}'), false);
  ok(core.loadText('{"b":[["1","2"]]}'));
});

Deno.test("text staging: a long array grows the input area and keeps earlier staging", () => {
  const n = 20_000;
  const levels = Array.from({ length: n }, (_, i) => `["${1000 + i}.5","${i % 7}"]`);
  const text = `{"b":[${levels.join(",")}],"a":[["1","1"]]}`;
  core.loadText(text);
  core.begin(bookAt(1, 0)).add(1, "5.5", "1");
  const end = core.addTextLevels(0, 5);
  core.addTextLevels(1, text.indexOf('"a":') + 4);
  strictEqual(core.staged, n + 2);
  strictEqual(text.slice(end, end + 5), ',"a":');
  const all = staged().split(" ");
  strictEqual(all[0], "1:55:1");
  strictEqual(all[n], `0:${(1000 + n - 1) * 10 + 5}:${(n - 1) % 7}`);
  strictEqual(all[n + 1], "1:10:1");
});

/** Frames with string level arrays from every recording that has them. */
async function recordedFrames(): Promise<{ frames: string[]; sources: string[] }> {
  const frames: string[] = [];
  const sources: string[] = [];
  for (
    const name of ["BINANCE.ws.1.0", "BINANCE.http.0.0", "BINANCE_US.ws.1.0", "BINANCE_US.http.0.0"]
  ) {
    const path = recording(`cryptofeed/${name}`);
    if (!path) continue;
    const texts = readCryptofeed(path).map((l) => l.text).filter((t) => levelArrays(t).length > 0);
    frames.push(...texts);
    sources.push(`cryptofeed/${name}: ${texts.length}`);
  }
  let hftFiles: string[] = [];
  try {
    hftFiles = [...Deno.readDirSync(`${DATA_DIR}hftbacktest/spot/`)].map((e) => e.name)
      .filter((n) => n.endsWith(".gz")).sort();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  for (const name of hftFiles) {
    const texts = (await readHftbacktest(`${DATA_DIR}hftbacktest/spot/${name}`)).map((l) => l.text)
      .filter((t) => levelArrays(t).length > 0);
    // Every 4th frame keeps the run short; the frames are alike.
    const kept = texts.filter((_, i) => i % 4 === 0);
    frames.push(...kept);
    sources.push(`hftbacktest/spot/${name}: ${kept.length}`);
  }
  for (const name of ["BYBIT.linear.jsonl.gz", "OKX.jsonl.gz"]) {
    const path = recording(`cryptofeed-v3/${name}`);
    if (!path) continue;
    const texts = (await readCryptofeedV3(path)).map((l) => l.data ?? "").filter((t) =>
      levelArrays(t).length > 0
    );
    frames.push(...texts);
    sources.push(`cryptofeed-v3/${name}: ${texts.length}`);
  }
  return { frames, sources };
}

const corpus = await recordedFrames();

Deno.test({
  name: "text staging: every level array of the recordings agrees with the JS path",
  ignore: corpus.frames.length === 0,
  fn() {
    compared = 0;
    const kinds = new Map<string, number>();
    let arrays = 0;
    for (const text of corpus.frames) {
      if (!core.loadText(text)) continue;
      for (const start of levelArrays(text)) {
        const o = compare(text, start, "recorded frame");
        kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
        arrays++;
      }
    }
    console.log(
      `text staging equivalence: ${corpus.frames.length} frames (${corpus.sources.join(", ")}), ` +
        `${arrays} level arrays, ${compared} comparisons; at the frame's scales: ` +
        [...kinds].map(([k, n]) => `${k} ${n}`).join(", "),
    );
    ok(kinds.get("ok")! > 0);
  },
});

Deno.test({
  name: "text staging: mutated real frames agree with the JS path",
  ignore: corpus.frames.length === 0,
  fn() {
    const kinds = new Map<string, number>();
    const picks = corpus.frames.filter((_, i) => i % 7 === 0);
    fc.assert(
      fc.property(
        fc.nat({ max: picks.length - 1 }),
        mutations(['"b"', '"a"', '"bids"', '"asks"']),
        (i, m) => {
          const text = mutate(picks[i], m);
          if (!core.loadText(text)) return;
          for (const start of levelArrays(text)) {
            const o = compare(text, start, `mutated (${JSON.stringify(m)})`);
            kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
          }
        },
      ),
      { numRuns: 3000, seed: 20261207 },
    );
    console.log(
      `text staging fuzz: 3000 mutated frames; outcomes ${
        [...kinds].map(([k, n]) => `${k} ${n}`).join(", ")
      }`,
    );
    ok(kinds.get("invalid")! > 0 && kinds.get("ok")! > 0);
  },
});
