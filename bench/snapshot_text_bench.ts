/**
 * Loading a Binance REST depth snapshot into its book: the string path (`parseBinanceDepthSnapshot`
 * makes every price and size a string, `BookStore.snapshot` infers the scales from them and
 * `addLevels` converts them in JS) against the text path (`binanceSnapshotText` writes the body
 * once into WASM memory and the core measures both arrays, then `BookStore.snapshotText` stages
 * them from the bytes), same bodies, same run. "book" groups load the whole snapshot (clear,
 * stage, apply, SNAPSHOT records); "staging" groups stop after staging (no book engine). Bodies:
 * a synthetic 5,000-level-per-side snapshot (8 decimals, Binance's largest `limit`), and the real
 * BTCUSDT snapshot of `../shared/data/hftbacktest` when present. Two bodies that differ in their
 * id alternate, so the text is written and measured again at every iteration.
 *
 *   flock /tmp/bench.lock deno bench -A bench/snapshot_text_bench.ts
 *
 * @module
 */
import { Core } from "../src/core/mod.ts";
import { parseBinanceDepthSnapshot } from "../src/exchanges/binance/parse.ts";
import { binanceSnapshotText } from "../src/exchanges/binance/snapshot_text.ts";
import { BookStore } from "../src/exchanges/book_store.ts";
import { binanceFiles, gzipLines } from "./book_stream.ts";

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
