/**
 * Loading a Binance REST depth snapshot into its book: the string path (`parseBinanceDepthSnapshot`
 * makes every price and size a string, `BookStore.snapshot` infers the scales from them and
 * `addLevels` converts them in JS) against the text path (`binanceSnapshotText` writes the body
 * once into WASM memory and the core measures both arrays, then `BookStore.snapshotText` stages
 * them from the bytes), same bodies, same run. "book" groups load the whole snapshot (clear,
 * stage, apply, SNAPSHOT records); "staging" groups stop after staging (no book engine). Bodies:
 * a synthetic 5,000-level-per-side snapshot (8 decimals, Binance's largest `limit`), and the real
 * BTCUSDT snapshot of `../shared/data/hftbacktest` when present. Two bodies that differ in their
 * id alternate, so the text is written and measured again at every iteration. Then, when the
 * recordings are present, the largest recorded snapshot of the other venues, whole frame to book
 * (the collector's parse as before, `BookStore.snapshot`, against the parse with `snapshotText`,
 * `BookStore.takesSnapshotText` or `coinbaseSnapshotTextHolds`, `snapshotText`): Bybit, OKX, Coinbase (the legacy capture's
 * snapshot rewritten as one `l2_data` frame) and Bitfinex.
 *
 *   flock /tmp/bench.lock deno bench -A bench/snapshot_text_bench.ts
 *
 * @module
 */
import { Core } from "../src/core/mod.ts";
import { parseBinanceDepthSnapshot } from "../src/exchanges/binance/parse.ts";
import { binanceSnapshotText } from "../src/exchanges/binance/snapshot_text.ts";
import { BookStore } from "../src/exchanges/book_store.ts";
import { MIN_SCALE } from "../src/exchanges/bitfinex/collector.ts";
import { bookChanges, parseBitfinexFrame } from "../src/exchanges/bitfinex/parse.ts";
import { inferScales } from "../src/exchanges/book_store.ts";
import { parseBybitMessage } from "../src/exchanges/bybit/parse.ts";
import {
  coinbaseSnapshotTextHolds,
  parseCoinbaseMessage,
} from "../src/exchanges/coinbase/parse.ts";
import { parseOkxMessage } from "../src/exchanges/okx/parse.ts";
import type { LevelText } from "../src/exchanges/types.ts";
import { coinbaseL2Frames as coinbaseFrames } from "../tests/support/coinbase_l2_frames.ts";
import { binanceFiles, dataDir, gzipLines } from "./book_stream.ts";

function synthetic(levels: number): string {
  const bids: string[] = [];
  const asks: string[] = [];
  for (let i = 0; i < levels; i++) {
    const size = `${(i * 7919) % 1000}.${String((i * 104729) % 100000000).padStart(8, "0")}`;
    bids.push(`["${(60000 - i * 0.01).toFixed(8)}","${size}"]`);
    asks.push(`["${(60000.01 + i * 0.01).toFixed(8)}","${size}"]`);
  }
  return `{"lastUpdateId":50093239218,"bids":[${bids.join(",")}],"asks":[${asks.join(",")}]}`;
}

async function realSnapshot(): Promise<string | undefined> {
  for (const file of binanceFiles()) {
    for (const line of await gzipLines(file)) {
      const text = line.slice(line.indexOf(" ") + 1);
      if (text.startsWith('{"lastUpdateId"')) return text;
    }
  }
  return undefined;
}

const core = await Core.create({ ringCapacity: 1 << 16 });
const store = new BookStore(core, { exchangeCode: 3, symbols: ["BTC/USDT"], depth: 50 });

/** Two bodies of the same levels, different ids (so nothing is remembered between iterations). */
function pair(body: string): [string, string] {
  return [body, body.replace('{"lastUpdateId":', '{"lastUpdateId":1')];
}

function viaStrings(body: string, apply: boolean): void {
  const m = parseBinanceDepthSnapshot(body);
  if (m.kind !== "book") throw new Error(m.reason);
  if (apply) {
    if (!store.snapshot("BTC/USDT", m.bids, m.asks, 0, 1)) throw new Error("refused");
    return;
  }
  core.begin(store.bookId("BTC/USDT")).addLevels(0, m.bids).addLevels(1, m.asks);
}

function viaText(body: string, apply: boolean): void {
  const m = binanceSnapshotText(core, body);
  if (m === undefined) throw new Error("not taken");
  if (apply) {
    if (!store.snapshotText("BTC/USDT", m.bidsText!, m.asksText, 0, 1)) throw new Error("refused");
    return;
  }
  core.begin(store.bookId("BTC/USDT")).addTextLevels(0, m.bidsText!.at);
  core.addTextLevels(1, m.asksText!.at);
}

const bodies: Array<[string, [string, string]]> = [["5000 levels a side", pair(synthetic(5000))]];
const real = await realSnapshot();
if (real !== undefined) {
  const n = parseBinanceDepthSnapshot(real);
  const levels = n.kind === "book" ? `${n.bids.length / 2}+${n.asks.length / 2}` : "?";
  bodies.push([`real BTCUSDT (${levels} levels, ${real.length} B)`, pair(real)]);
}

for (const [name, two] of bodies) {
  // Same outcome both ways before timing.
  viaStrings(two[0], true);
  const a = store.top("BTC/USDT", 10_000);
  viaText(two[1], true);
  if (JSON.stringify(store.top("BTC/USDT", 10_000)) !== JSON.stringify(a)) throw new Error(name);
  for (const apply of [true, false]) {
    const group = `${name}, ${apply ? "book" : "staging"}`;
    let i = 0;
    Deno.bench(`strings (${group})`, { group, baseline: true }, () => {
      viaStrings(two[i++ & 1], apply);
    });
    Deno.bench(`bytes (${group})`, { group }, () => {
      viaText(two[i++ & 1], apply);
    });
  }
}

// ── Other venues: whole frame to book ──

const dir = dataDir();

async function v3Frames(name: string): Promise<string[]> {
  try {
    return (await gzipLines(`${dir}/cryptofeed-v3/${name}`))
      .map((l) => JSON.parse(l) as { t: string; data?: string })
      .filter((l) => l.t === "recv" && l.data !== undefined).map((l) => l.data!);
  } catch {
    return [];
  }
}

const largest = (frames: string[]) => frames.reduce((a, b) => (b.length > a.length ? b : a), "");

/** Same frame with one byte of padding changed, so each iteration loads its text again. */
function twoFrames(text: string): [string, string] {
  const other = text.replace(/,"ts":(\d)/, ',"ts":1$1').replace(/"ts":"(\d)/, '"ts":"1$1')
    .replace(/"sequence_num":(\d)/, '"sequence_num":1$1').replace(/^\[(\d)/, "[1$1");
  return [text, other];
}

interface Venue {
  name: string;
  frame: string;
  strings: (text: string) => { bids: string[]; asks: string[]; scales?: [number, number] };
  text: (text: string) => { bids: LevelText; asks?: LevelText; scales?: [number, number] };
}

const venues: Venue[] = [];
const bybitFrame = largest(
  (await v3Frames("BYBIT.linear.jsonl.gz")).filter((t) =>
    t.includes('"type":"snapshot"') && t.includes("orderbook")
  ),
);
if (bybitFrame) {
  venues.push({
    name: "Bybit",
    frame: bybitFrame,
    strings: (t) => {
      const [m] = parseBybitMessage(t, { levelText: true });
      if (m.kind !== "book") throw new Error();
      return m;
    },
    text: (t) => {
      const [m] = parseBybitMessage(t, { levelText: true, snapshotText: true });
      if (m.kind !== "book" || !store.takesSnapshotText(m.bidsText!, m.asksText)) throw new Error();
      return { bids: m.bidsText!, asks: m.asksText };
    },
  });
}
const okxFrame = largest(
  (await v3Frames("OKX.jsonl.gz")).filter((t) => t.includes('"action":"snapshot"')),
);
if (okxFrame) {
  venues.push({
    name: "OKX",
    frame: okxFrame,
    strings: (t) => {
      const [m] = parseOkxMessage(t, { levelText: true });
      if (m.kind !== "book") throw new Error();
      return m;
    },
    text: (t) => {
      const [m] = parseOkxMessage(t, { levelText: true, snapshotText: true });
      if (m.kind !== "book" || !store.takesSnapshotText(m.bidsText!, m.asksText)) throw new Error();
      return { bids: m.bidsText!, asks: m.asksText };
    },
  });
}
try {
  const lines = Deno.readTextFileSync(`${dir}/cryptofeed/COINBASE.ws.28.0`).split("\n")
    .filter((l) => l.includes('"type":"snapshot"'));
  const frames = coinbaseFrames(lines.map((l) => l.slice(l.indexOf(": ") + 2)));
  const cb = largest(frames);
  if (cb) {
    venues.push({
      name: "Coinbase",
      frame: cb,
      strings: (t) => {
        const [m] = parseCoinbaseMessage(t).items;
        if (m.kind !== "book") throw new Error();
        return m;
      },
      text: (t) => {
        const [m] = parseCoinbaseMessage(t, { levelText: true, snapshotText: true }).items;
        if (
          m.kind !== "book" || !coinbaseSnapshotTextHolds(core, m.bidsText!)
        ) throw new Error();
        return { bids: m.bidsText! };
      },
    });
  }
} catch {
  // absent
}
const bitfinexFrame = largest((await v3Frames("BITFINEX.jsonl.gz")).filter((t) => {
  const f = parseBitfinexFrame(t, { snapshotText: true });
  return f.kind === "channel" && f.body.type === "rowsText" &&
    store.takesSnapshotText(f.body.levels);
}));
if (bitfinexFrame) {
  const floor = (s: readonly [number, number]): [number, number] => [
    Math.max(s[0], MIN_SCALE),
    Math.max(s[1], MIN_SCALE),
  ];
  venues.push({
    name: "Bitfinex",
    frame: bitfinexFrame,
    strings: (t) => {
      const f = parseBitfinexFrame(t);
      if (f.kind !== "channel" || f.body.type !== "rows") throw new Error();
      const c = bookChanges(f.body.rows);
      if (typeof c === "string") throw new Error(c);
      return { ...c, scales: floor(inferScales(c.bids, c.asks)) };
    },
    text: (t) => {
      const f = parseBitfinexFrame(t, { snapshotText: true });
      if (f.kind !== "channel" || f.body.type !== "rowsText") throw new Error();
      const own = store.snapshotTextScales(f.body.levels);
      if (own === undefined) throw new Error();
      return { bids: f.body.levels, scales: floor(own) };
    },
  });
}

for (const v of venues) {
  const two = twoFrames(v.frame);
  if (two[0] === two[1]) throw new Error(`${v.name}: no byte to vary`);
  const levels = (() => {
    const s = v.strings(two[0]);
    return (s.bids.length + s.asks.length) / 2;
  })();
  const group = `${v.name} snapshot (${levels} levels, ${v.frame.length} B), book`;
  let i = 0;
  const check: string[] = [];
  for (const t of two) {
    const s = v.strings(t);
    store.snapshot("BTC/USDT", s.bids, s.asks, 0, 1, s.scales);
    check.push(JSON.stringify(store.top("BTC/USDT", 100_000)));
    const x = v.text(t);
    store.snapshotText("BTC/USDT", x.bids, x.asks, 0, 1, x.scales);
    check.push(JSON.stringify(store.top("BTC/USDT", 100_000)));
  }
  if (check[0] !== check[1] || check[2] !== check[3]) throw new Error(`${v.name}: books differ`);
  Deno.bench(`strings (${group})`, { group, baseline: true }, () => {
    const s = v.strings(two[i++ & 1]);
    if (!store.snapshot("BTC/USDT", s.bids, s.asks, 0, 1, s.scales)) throw new Error("refused");
  });
  Deno.bench(`bytes (${group})`, { group }, () => {
    const x = v.text(two[i++ & 1]);
    if (!store.snapshotText("BTC/USDT", x.bids, x.asks, 0, 1, x.scales)) throw new Error("refused");
  });
}
