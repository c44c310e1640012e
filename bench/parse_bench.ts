/**
 * Hot-path parse benchmark: the hand-written scanner against `JSON.parse` + the same conversion
 * and validation, for a Binance 20-level depthUpdate, Kraken v2 book updates and Coinbase
 * l2_data updates. The first entry of each group is the production parser. Run: `deno bench -A bench/parse_bench.ts`. Figures and the choice made
 * from them are in `docs/parsing.md`.
 *
 * Messages are synthetic but shaped and sized like the real feeds (Binance 8-decimal strings,
 * Kraken JSON numbers with fixed decimals, Coinbase RFC 3339 event times).
 *
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";
import { parseBinanceMessage } from "../src/exchanges/binance/parse.ts";
import { parseKrakenMessage } from "../src/exchanges/kraken/parse.ts";
import { parseCoinbaseMessage } from "../src/exchanges/coinbase/parse.ts";
import {
  binanceDepthViaJsonParse,
  krakenBookViaQuoting,
  krakenBookViaReviver,
} from "./json_parse_alternatives.ts";
import { coinbaseViaScanner } from "./coinbase_scanner_alternative.ts";

function levels(n: number, start: number, step: number, dp: number): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const qty = i % 4 === 3 ? 0 : ((i * 7919) % 100000) / 1e5 + 0.001;
    out.push([(start + i * step).toFixed(dp), qty.toFixed(8)]);
  }
  return out;
}

const BINANCE_20 = JSON.stringify({
  stream: "btcusdt@depth@100ms",
  data: {
    e: "depthUpdate",
    E: 1723161255408,
    s: "BTCUSDT",
    U: 50093239208,
    u: 50093239224,
    b: levels(10, 61837.63, -0.37, 8),
    a: levels(10, 61837.64, 0.41, 8),
  },
});

function krakenUpdate(bids: [string, string][], asks: [string, string][]): string {
  const l = (x: [string, string][]) => x.map(([p, q]) => `{"price":${p},"qty":${q}}`).join(",");
  return `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[${l(bids)}],` +
    `"asks":[${l(asks)}],"checksum":3310070434,"timestamp":"2026-07-01T12:00:00.500123Z"}]}`;
}
const KRAKEN_3 = krakenUpdate(levels(1, 45283.5, -0.1, 1), levels(2, 45285.2, 0.3, 1));
const KRAKEN_20 = krakenUpdate(levels(10, 45283.5, -0.1, 1), levels(10, 45285.2, 0.3, 1));

function coinbaseUpdate(n: number): string {
  const updates = [
    ...levels(n / 2, 60000, -0.01, 2).map(([p, q]) => ({ side: "bid", p, q })),
    ...levels(n / 2, 60000.01, 0.01, 2).map(([p, q]) => ({ side: "offer", p, q })),
  ].map(({ side, p, q }) => ({
    side,
    event_time: "2026-07-01T12:00:00.349100Z",
    price_level: p,
    new_quantity: q,
  }));
  return JSON.stringify({
    channel: "l2_data",
    client_id: "",
    timestamp: "2026-07-01T12:00:00.350000000Z",
    sequence_num: 2,
    events: [{ type: "update", product_id: "BTC-USD", updates }],
  });
}
const COINBASE_4 = coinbaseUpdate(4);
const COINBASE_20 = coinbaseUpdate(20);

// Same output from every contender, or the comparison is meaningless.
deepStrictEqual(binanceDepthViaJsonParse(BINANCE_20), parseBinanceMessage(BINANCE_20));
for (const k of [KRAKEN_3, KRAKEN_20]) {
  deepStrictEqual(krakenBookViaReviver(k), parseKrakenMessage(k));
  deepStrictEqual(krakenBookViaQuoting(k), parseKrakenMessage(k));
}
for (const c of [COINBASE_4, COINBASE_20]) {
  deepStrictEqual(coinbaseViaScanner(c), parseCoinbaseMessage(c));
}

const groups: [group: string, text: string, contenders: [string, (t: string) => unknown][]][] = [
  [`binance depthUpdate 20 levels (${BINANCE_20.length} B)`, BINANCE_20, [
    ["scanner (parseBinanceMessage)", parseBinanceMessage],
    ["JSON.parse + conversion", binanceDepthViaJsonParse],
    ["JSON.parse only (no conversion, floor)", JSON.parse],
  ]],
  [`kraken book update 3 levels (${KRAKEN_3.length} B)`, KRAKEN_3, [
    ["scanner (parseKrakenMessage)", parseKrakenMessage],
    ["JSON.parse + reviver context.source", krakenBookViaReviver],
    ["regex-quote numbers + JSON.parse", krakenBookViaQuoting],
    ["JSON.parse only (floats: wrong, floor)", JSON.parse],
  ]],
  [`kraken book update 20 levels (${KRAKEN_20.length} B)`, KRAKEN_20, [
    ["scanner (parseKrakenMessage)", parseKrakenMessage],
    ["JSON.parse + reviver context.source", krakenBookViaReviver],
    ["regex-quote numbers + JSON.parse", krakenBookViaQuoting],
    ["JSON.parse only (floats: wrong, floor)", JSON.parse],
  ]],
  [`coinbase l2_data update 4 levels (${COINBASE_4.length} B)`, COINBASE_4, [
    ["JSON.parse + conversion (parseCoinbaseMessage)", parseCoinbaseMessage],
    ["scanner", coinbaseViaScanner],
    ["JSON.parse only (no conversion, floor)", JSON.parse],
  ]],
  [`coinbase l2_data update 20 levels (${COINBASE_20.length} B)`, COINBASE_20, [
    ["JSON.parse + conversion (parseCoinbaseMessage)", parseCoinbaseMessage],
    ["scanner", coinbaseViaScanner],
    ["JSON.parse only (no conversion, floor)", JSON.parse],
  ]],
];

for (const [group, text, contenders] of groups) {
  contenders.forEach(([name, fn], i) => {
    Deno.bench({
      name,
      group,
      baseline: i === 0,
      fn() {
        fn(text);
      },
    });
  });
}
