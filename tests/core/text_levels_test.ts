/**
 * The two staging paths agree: level arrays staged from frame bytes in WASM
 * (`Core.loadText` + `addTextLevels`) against the JS path (`scanStringLevels` into strings, then
 * `addLevels`): identical staged changes and end offset, identical refusals (malformed or
 * unacceptable text; the first value too fine for the scale, with its field and needed decimals;
 * a mantissa beyond 64 bits). Over hand-written edge cases, every level array of the real
 * recordings (skipped when absent), and mutated real frames. The same for Kraken's price/qty
 * objects and Coinbase's `l2_data` side updates, message by message.
 */
import { stagingProbe } from "../support/staging_probe.ts";
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { ScaleError } from "../../src/core/decimal.ts";
import { MAX_DECIMAL_TEXT_LENGTH } from "../../src/exchanges/decimal_text.ts";
import { JsonScanner } from "../../src/exchanges/json_scanner.ts";
import { parseKrakenMessage } from "../../src/exchanges/kraken/parse.ts";
import {
  coinbaseLevelStrings,
  coinbaseLevelTextHolds,
  parseCoinbaseMessage,
} from "../../src/exchanges/coinbase/parse.ts";
import { scanStringLevels } from "../../src/exchanges/string_levels.ts";
import { readCryptofeedV3 } from "../exchanges/cryptofeed_v3.ts";
import {
  DATA_DIR,
  rawArrayElements,
  readCryptofeed,
  readHftbacktest,
  recording,
} from "../exchanges/recordings.ts";
import { mutate, mutations } from "../support/mutations.ts";

type Outcome =
  | { kind: "ok"; end: number; staged: string }
  | { kind: "invalid" }
  | { kind: "scale"; field: "price" | "size"; needed: number; text: string }
  | { kind: "range" };

const probe = await stagingProbe(1);
const { core, bookAt } = probe;
/** The staged changes, read from the input area through the exported layout. */
const staged = () => probe.staged().join(" ");

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

// ── Kraken v2 `[{"price": n, "qty": n}, …]` levels: the message parsed with strings vs with
// its update levels left in the frame (format price_qty) and staged by the core. ──

const krakenFile = recording("python-kraken-sdk/orderbook-v2.json");
const krakenFrames: string[] = [];
if (krakenFile) {
  const text = Deno.readTextFileSync(krakenFile);
  // The updates as Kraken sends them (compact JSON, number texts kept by the raw slices).
  for (const raw of rawArrayElements(text, "updates")) {
    krakenFrames.push(raw.replace(/\s+/g, ""));
  }
}
for (const name of ["book_update.json", "book_snapshot.json"]) {
  const path = new URL(`../fixtures/kraken/${name}`, import.meta.url);
  krakenFrames.push(Deno.readTextFileSync(path).replace(/\s+/g, ""));
}

function krakenOutcome(text: string, scales: [number, number], spans: boolean): Outcome {
  const out = parseKrakenMessage(text, { levelText: spans });
  const m = out[0];
  if (out.length !== 1 || m.kind !== "book") return { kind: "invalid" };
  core.begin(bookAt(...scales));
  try {
    for (const [side, strings, lt] of [[0, m.bids, m.bidsText], [1, m.asks, m.asksText]] as const) {
      if (lt) {
        ok(core.loadText(lt.text));
        core.addTextLevels(side, lt.at, lt.format);
      } else core.addLevels(side, strings);
    }
  } catch (e) {
    return classify(e);
  }
  return { kind: "ok", end: 0, staged: staged() };
}

function compareKraken(text: string, label: string): string {
  let first: string | undefined;
  for (const scales of [[1, 8], [0, 8], [1, 7], [18, 18]] as [number, number][]) {
    const js = krakenOutcome(text, scales, false);
    deepStrictEqual(krakenOutcome(text, scales, true), js, `${label}, scales ${scales}`);
    first ??= js.kind;
  }
  return first!;
}

Deno.test("text staging, Kraken price/qty objects: edge cases agree with the string path", () => {
  const wrap = (levels: string) =>
    `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":${levels},"asks":[],` +
    `"checksum":1,"timestamp":"2026-07-01T12:00:00.5Z"}]}`;
  const kinds = new Set<string>();
  for (
    const levels of [
      `[{"price":45281.0,"qty":0.10000000}]`,
      `[ { "qty" : 1 , "price" : 2.5 , "x" : [ {"y":null} ] } ]`,
      `[{"price":1.5,"qty":2,"price":1.6}]`,
      `[{"price":"1.5","qty":2}]`,
      `[{"price":1.5}]`,
      `[{"price":0,"qty":2}]`,
      `[{"price":-1.5,"qty":2}]`,
      `[{"price":1e5,"qty":2}]`,
      `[{"price":01.5,"qty":2}]`,
      `[{"price":1.5,"qty":0.0}]`,
      `[{"price":1.55,"qty":2}]`,
      `[{"price":99999999999999999999,"qty":2}]`,
      `[{"price":1.5,"qty":2},]`,
      `[{}]`,
      `[[1.5,2]]`,
      `{"price":1.5}`,
      `[]`,
    ]
  ) kinds.add(compareKraken(wrap(levels), levels));
  for (const kind of ["ok", "invalid", "scale", "range"]) ok(kinds.has(kind), kind);
});

Deno.test({
  name: "text staging, Kraken price/qty objects: recorded and mutated frames agree",
  fn() {
    const kinds = new Map<string, number>();
    for (const f of krakenFrames) {
      const k = compareKraken(f, "recorded");
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    ok(kinds.get("ok")! > 0);
    const fuzz = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.nat({ max: krakenFrames.length - 1 }),
        mutations(['"bids"', '"asks"', '"price"', '"qty"']),
        (i, m) => {
          const text = mutate(krakenFrames[i], m);
          if (/[\\\u0080-\uffff]/.test(text)) return;
          const k = compareKraken(text, `mutated (${JSON.stringify(m)})`);
          fuzz.set(k, (fuzz.get(k) ?? 0) + 1);
        },
      ),
      { numRuns: 3000, seed: 20261207 },
    );
    console.log(
      `Kraken text staging: ${krakenFrames.length} recorded frames (${
        [...kinds].map(([k, n]) => `${k} ${n}`).join(", ")
      }); 3000 mutated (${[...fuzz].map(([k, n]) => `${k} ${n}`).join(", ")})`,
    );
    ok(fuzz.get("invalid")! > 0 && fuzz.get("ok")! > 0);
  },
});

// ── Coinbase `l2_data` updates `[{"side": …, "price_level": "p", "new_quantity": "s"}, …]`: the
// message parsed with `JSON.parse` and strings vs with its updates left in the frame (format
// side_updates, each element naming its side) and staged by the core. The string path stages
// every bid, then every ask; the text path stages in wire order, so the staged changes are
// compared side by side (each side's order kept), which is what applying them depends on. ──

/** A Coinbase Advanced Trade `l2_data` frame of `updates` (already serialized). */
function coinbaseFrame(type: string, product: string, updates: string, seq = 7): string {
  return `{"channel":"l2_data","client_id":"","timestamp":"2021-04-17T00:00:00.123456Z",` +
    `"sequence_num":${seq},"events":[{"type":"${type}","product_id":"${product}",` +
    `"updates":${updates}}]}`;
}

function coinbaseUpdate(side: string, price: string, size: string): string {
  return `{"side":"${side}","event_time":"2021-04-17T00:00:00Z","price_level":"${price}",` +
    `"new_quantity":"${size}"}`;
}

/** The legacy Exchange feed's snapshots and l2updates of the recording, as `l2_data` updates. */
function coinbaseRecordedFrames(): string[] {
  const path = recording("cryptofeed/COINBASE.ws.28.0");
  if (!path) return [];
  const out: string[] = [];
  for (const line of readCryptofeed(path)) {
    if (line.kind !== "recv") continue;
    const v = JSON.parse(line.text);
    const u: string[] = [];
    if (v.type === "l2update") {
      for (const [side, p, s] of v.changes) {
        u.push(coinbaseUpdate(side === "buy" ? "bid" : "offer", p, s));
      }
    } else if (v.type === "snapshot") {
      // Interleaved, as an update of the whole book (wire order across sides matters below).
      for (let i = 0; i < Math.max(v.bids.length, v.asks.length); i++) {
        if (i < v.bids.length) u.push(coinbaseUpdate("bid", v.bids[i][0], v.bids[i][1]));
        if (i < v.asks.length) u.push(coinbaseUpdate("offer", v.asks[i][0], v.asks[i][1]));
      }
    } else continue;
    out.push(coinbaseFrame("update", v.product_id, `[${u.join(",")}]`));
  }
  return out;
}

/** Staged changes, bids first then asks, each side in staging order. */
function stagedBySide(): string {
  const all = staged().split(" ").filter((x) => x !== "");
  return [...all.filter((x) => x.startsWith("0:")), ...all.filter((x) => x.startsWith("1:"))]
    .join(" ");
}

let coinbaseViaText = 0;
/** The collector's parse: level text only when the core confirms the frame is what it looks like. */
function coinbaseParse(text: string, spans: boolean) {
  const r = parseCoinbaseMessage(text, { levelText: spans });
  const m = r.items[0];
  if (m?.kind !== "book" || !m.bidsText || coinbaseLevelTextHolds(core, m.bidsText)) return r;
  return parseCoinbaseMessage(text);
}

function coinbaseOutcome(text: string, scales: [number, number], spans: boolean): Outcome {
  const r = coinbaseParse(text, spans);
  const m = r.items[0];
  if (r.items.length !== 1 || m.kind !== "book") return { kind: "invalid" };
  core.begin(bookAt(...scales));
  try {
    if (m.bidsText) {
      ok(spans && m.bids.length === 0 && m.asks.length === 0 && m.asksText === undefined);
      ok(core.loadText(m.bidsText.text));
      coinbaseViaText++;
      core.addTextLevels(0, m.bidsText.at, m.bidsText.format);
    } else core.addLevels(0, m.bids);
    core.addLevels(1, m.asks);
  } catch (e) {
    return classify(e);
  }
  return { kind: "ok", end: 0, staged: stagedBySide() };
}

/** Both parses agree on the envelope, and the level text read back as strings is the string path's. */
function sameMessage(text: string, label: string): void {
  const js = parseCoinbaseMessage(text);
  const t = coinbaseParse(text, true);
  deepStrictEqual(
    [t.sequenceNum, t.channel, t.timestampMs],
    [js.sequenceNum, js.channel, js.timestampMs],
    label,
  );
  const m = t.items[0];
  if (t.items.length !== 1 || m.kind !== "book" || !m.bidsText) {
    deepStrictEqual(t.items, js.items, label);
    return;
  }
  const problem = coinbaseLevelStrings(m);
  const j = js.items[0];
  if (problem !== undefined) deepStrictEqual({ kind: "invalid", reason: problem }, j, label);
  else deepStrictEqual(js.items, [m], label);
}

/** Most decimals of any `price_level` / `new_quantity` in the frame. */
function coinbaseScalesOf(text: string): [number, number] {
  const most = (key: string) =>
    Math.min(
      18,
      Math.max(
        0,
        ...[...text.matchAll(new RegExp(`"${key}":"\\d*\\.?(\\d*)"`, "g"))].map((m) => m[1].length),
      ),
    );
  return [most("price_level"), most("new_quantity")];
}

function compareCoinbase(text: string, label: string): string {
  let first: string | undefined;
  const [ps, ss] = coinbaseScalesOf(text);
  for (
    const scales of [[ps, ss], [Math.max(0, ps - 1), ss], [ps, Math.max(0, ss - 1)], [0, 0], [
      18,
      18,
    ]] as [number, number][]
  ) {
    const js = coinbaseOutcome(text, scales, false);
    deepStrictEqual(coinbaseOutcome(text, scales, true), js, `${label}, scales ${scales}`);
    first ??= js.kind;
  }
  sameMessage(text, label);
  return first!;
}

Deno.test("text staging, Coinbase side updates: edge cases agree with the string path", () => {
  const u = coinbaseUpdate;
  const kinds = new Set<string>();
  const before = coinbaseViaText;
  for (
    const updates of [
      `[${u("bid", "60000.01", "0.5")},${u("offer", "60000.02", "0")}]`,
      `[ { "new_quantity" : "1" , "x" : [ {"y":null} ] , "price_level" : "2.5" , "side" : "offer" } ]`,
      `[{"side":"bid","price_level":"1.5","new_quantity":"2","price_level":"1.6"}]`,
      `[{"side":"bid","price_level":"x","new_quantity":"2","price_level":"1.6"}]`,
      `[{"side":"ask","price_level":"1.5","new_quantity":"2"}]`,
      `[{"side":"bid","side":"offer","price_level":"1.5","new_quantity":"2"}]`,
      `[{"side":1,"price_level":"1.5","new_quantity":"2"}]`,
      `[{"price_level":"1.5","new_quantity":"2"}]`,
      `[{"side":"bid","new_quantity":"2"}]`,
      `[{"side":"bid","price_level":"1.5"}]`,
      `[{"side":"bid","price_level":1.5,"new_quantity":"2"}]`,
      `[{"side":"bid","price_level":"1.5","new_quantity":2}]`,
      `[{"side":"bid","price_level":"0","new_quantity":"2"}]`,
      `[{"side":"bid","price_level":"0.00","new_quantity":"2"}]`,
      `[{"side":"bid","price_level":"-1","new_quantity":"2"}]`,
      `[{"side":"bid","price_level":"1e5","new_quantity":"2"}]`,
      `[{"side":"bid","price_level":"1.5","new_quantity":""}]`,
      `[{"side":"bid","price_level":"1.5","new_quantity":"0.00000000"}]`,
      `[{"side":"bid","price_level":"1.5 ","new_quantity":"2"}]`,
      `[{"side":"bid","price_level":"1.555","new_quantity":"2"}]`,
      `[${u("offer", "1.555", "2")},${u("bid", "1.5", "2.123456789")}]`,
      `[${u("offer", "1.5", "2.123456789")},${u("bid", "1.555", "2")},${u("bid", "1.5555", "2")}]`,
      `[${u("offer", "1.555", "2")},${u("offer", "1.5", "x")}]`,
      `[${u("bid", "99999999999999999999", "2")}]`,
      `[${u("offer", "99999999999999999999", "2")},${u("bid", "1.555", "2")}]`,
      `[${u("bid", "1.5", "2")},]`,
      `[${u("bid", "1.5", "2")}`,
      `[{}]`,
      `[[]]`,
      `[${u("bid", "1.5", "2")},"x"]`,
      `{"side":"bid"}`,
      `[]`,
      `[{"side":"bid","price_level":"1.5","new_quantity":"2","k":tru}]`,
      `[{"side":"bid","price_level":"1.5","new_quantity":"2",}]`,
      `[{"side":"bid" "price_level":"1.5","new_quantity":"2"}]`,
    ]
  ) kinds.add(compareCoinbase(coinbaseFrame("update", "BTC-USD", updates), updates));
  for (const kind of ["ok", "invalid", "scale", "range"]) ok(kinds.has(kind), kind);
  ok(coinbaseViaText > before, "the text path was taken");
  // Not on the text path (and still equal): a snapshot, two events, an escape, non-ASCII.
  const up = `[${u("bid", "1.5", "2")}]`;
  const ev = `{"type":"update","product_id":"BTC-USD","updates":${up}}`;
  const taken = coinbaseViaText;
  for (
    const text of [
      coinbaseFrame("snapshot", "BTC-USD", up),
      coinbaseFrame("update", "BTC-USD", up).replace(`${ev}]`, `${ev},${ev}]`),
      coinbaseFrame("update", "BTC-\\u0055SD", up),
      coinbaseFrame("update", "BTC-USD€", up),
      coinbaseFrame("update", "BTC-USD", up).replace('"sequence_num":7', '"sequence_num":"7"'),
      coinbaseFrame("update", "BTC-USD", up).replace('"sequence_num":7', '"sequence_num":07'),
      coinbaseFrame("update", "BTC-USD", `${up},"type":"snapshot"`),
      coinbaseFrame("update", "BTC-USD", `${up},"updates":[]`),
      coinbaseFrame("update", "BTC-USD", `${up}]],[[`),
      coinbaseFrame(
        "update",
        "BTC-USD",
        `[{"side":"bid","x":"\t","price_level":"1","new_quantity":"1"}]`,
      ),
      coinbaseFrame(
        "update",
        "BTC-USD",
        `[{"side":"bid","x":"	","price_level":"1","new_quantity":"1"}]`,
      ),
      coinbaseFrame(
        "update",
        "BTC-USD",
        `[{"side":"bid","x":"é","price_level":"1","new_quantity":"1"}]`,
      ),
      coinbaseFrame("update", "BTC-USD", up) + " ",
      coinbaseFrame("update", "BTC-USD", up).replace("}]}", '}],"x":[{}]}'),
    ]
  ) compareCoinbase(text, text);
  strictEqual(coinbaseViaText, taken);
});

const coinbaseFrames = coinbaseRecordedFrames();

Deno.test({
  name: "text staging, Coinbase side updates: recorded and mutated frames agree",
  ignore: coinbaseFrames.length === 0,
  fn() {
    const kinds = new Map<string, number>();
    const viaTextBefore = coinbaseViaText;
    let levels = 0;
    for (const f of coinbaseFrames) {
      const k = compareCoinbase(f, "recorded");
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      levels += f.split('"price_level"').length - 1;
    }
    ok(kinds.get("ok")! > 0);
    ok(coinbaseViaText > viaTextBefore, "the text path was taken");
    // Mutations of the shorter frames (the snapshots are thousands of levels).
    const picks = coinbaseFrames.filter((f) => f.length < 4096);
    const fuzz = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.nat({ max: picks.length - 1 }),
        mutations(['"side"', '"price_level"', '"new_quantity"', '"updates"', '"offer"', '"bid"']),
        (i, m) => {
          const k = compareCoinbase(mutate(picks[i], m), `mutated (${JSON.stringify(m)})`);
          fuzz.set(k, (fuzz.get(k) ?? 0) + 1);
        },
      ),
      { numRuns: 3000, seed: 20261207 },
    );
    console.log(
      `Coinbase text staging: ${coinbaseFrames.length} recorded frames, ${levels} updates (${
        [...kinds].map(([k, n]) => `${k} ${n}`).join(", ")
      }); 3000 mutated (${[...fuzz].map(([k, n]) => `${k} ${n}`).join(", ")}); ` +
        `${coinbaseViaText} stagings via frame text`,
    );
    ok(fuzz.get("invalid")! > 0 && fuzz.get("ok")! > 0);
  },
});
