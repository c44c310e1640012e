/**
 * Malformed-input tables: truncated JSON, wrong types, unknown types and absurd values must come
 * back as `invalid` / `unknown` items, never as an exception and never as a book or trade.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { parseKrakenMessage } from "../../src/exchanges/kraken/parse.ts";
import { parseKrakenV1Message } from "../../src/exchanges/kraken/v1.ts";
import {
  parseBinanceDepthSnapshot,
  parseBinanceMessage,
} from "../../src/exchanges/binance/parse.ts";
import { parseCoinbaseMessage } from "../../src/exchanges/coinbase/parse.ts";
import { parseCoinbaseLegacyMessage } from "../../src/exchanges/coinbase/legacy.ts";
import type { ParsedMessage } from "../../src/exchanges/types.ts";
import { fixture } from "./fixtures.ts";

type Case = [name: string, text: string, expected: "invalid" | "unknown", reasonPart?: string];

function check(parse: (text: string) => ParsedMessage[], cases: Case[]): void {
  for (const [name, text, expected, reasonPart] of cases) {
    let items: ParsedMessage[];
    try {
      items = parse(text);
    } catch (e) {
      throw new Error(`${name}: parser threw ${e}`);
    }
    deepStrictEqual(items.map((m) => m.kind), [expected], `${name}: ${JSON.stringify(items)}`);
    const m = items[0];
    if (reasonPart !== undefined && m.kind === "invalid") {
      ok(m.reason.includes(reasonPart), `${name}: reason ${JSON.stringify(m.reason)}`);
    }
  }
}

const COMMON: Case[] = [
  ["empty text", "", "invalid", "Malformed JSON"],
  ["whitespace only", "   \n", "invalid"],
  ["not JSON", "hello", "invalid"],
  ["null", "null", "invalid"],
  ["number", "42", "invalid"],
  ["string", '"book"', "invalid"],
  ["trailing garbage", '{"channel":"heartbeat"} x', "invalid"],
  ["deep nesting", "[".repeat(5000) + "]".repeat(5000), "invalid"],
  ["deep nesting in a field", `{"x":${"[".repeat(5000)}${"]".repeat(5000)}}`, "invalid"],
  ["unterminated string", '{"channel":"hea', "invalid"],
  ["control character in string", '{"channel":"a\u0001b"}', "invalid"],
];

const K_UPDATE = fixture("kraken", "book_update");
const K_TRADE = fixture("kraken", "trade_update");

Deno.test("kraken v2 malformed input table", () => {
  check(parseKrakenMessage, [
    ...COMMON,
    ["truncated book update", K_UPDATE.slice(0, K_UPDATE.length / 2), "invalid", "Malformed"],
    ["truncated by one byte", K_UPDATE.trimEnd().slice(0, -1), "invalid"],
    ["array top level (v1 feed)", fixture("kraken", "v1_book_update"), "invalid", "JSON object"],
    ["price as text", K_UPDATE.replace("50000.8", '"abc"'), "invalid", "JSON number"],
    ["price as numeric string", K_UPDATE.replace("50000.8", '"50000.8"'), "invalid", "number"],
    ["negative qty", K_UPDATE.replace("0.10000000", "-1"), "invalid", "size is not a decimal"],
    ["negative price", K_UPDATE.replace("50000.8", "-50000.8"), "invalid", "price"],
    ["zero price", K_UPDATE.replace("50000.8", "0.0"), "invalid", "price must be > 0"],
    ["exponent qty", K_UPDATE.replace("0.10000000", "1e5"), "invalid", "size is not a decimal"],
    ["NaN qty", K_UPDATE.replace("0.10000000", "NaN"), "invalid", "Malformed"],
    ["huge price text", K_UPDATE.replace("50000.8", "9".repeat(80)), "invalid", "price"],
    ["qty missing", K_UPDATE.replace(', "qty": 0.10000000', ""), "invalid", "price and qty"],
    [
      "level not an object",
      K_UPDATE.replace('{ "price": 50000.8, "qty": 0.10000000 }', "[1,2]"),
      "invalid",
    ],
    [
      "bids not an array",
      K_UPDATE.replace('"bids": [{ "price": 50000.0, "qty": 0 }]', '"bids": {}'),
      "invalid",
      "bids must be an array",
    ],
    ["empty symbol", K_UPDATE.replace('"BTC/USD"', '""'), "invalid", "symbol"],
    ["symbol a number", K_UPDATE.replace('"BTC/USD"', "7"), "invalid", "symbol must be a string"],
    ["checksum negative", K_UPDATE.replace("2336972120", "-1"), "invalid", "checksum"],
    ["checksum too big", K_UPDATE.replace("2336972120", "4294967296"), "invalid", "checksum"],
    ["checksum fraction", K_UPDATE.replace("2336972120", "1.5"), "invalid", "checksum"],
    ["checksum string", K_UPDATE.replace("2336972120", '"2336972120"'), "invalid", "checksum"],
    [
      "bad timestamp",
      K_UPDATE.replace("2026-07-01T12:00:00.500000Z", "yesterday"),
      "invalid",
      "timestamp",
    ],
    ["book type unknown", K_UPDATE.replace('"update"', '"delta"'), "invalid", "type"],
    ["data not an array", '{"channel":"book","type":"update","data":{}}', "invalid", "data"],
    ["data element not object", '{"channel":"book","type":"update","data":[1]}', "invalid"],
    ["channel a number", '{"channel":5,"type":"update","data":[]}', "invalid"],
    ["trade side wrong", K_TRADE.replace('"buy"', '"up"'), "invalid", "side"],
    ["trade id string", K_TRADE.replace("81234567", '"81234567"'), "invalid", "trade_id"],
    ["trade id negative", K_TRADE.replace("81234567", "-81234567"), "invalid", "trade_id"],
    [
      "trade without timestamp",
      K_TRADE.replace('"timestamp": "2026-07-01T12:00:01.123456Z"', '"x": 1'),
      "invalid",
      "timestamp",
    ],
    ["unknown channel", '{"channel":"ohlc","type":"update","data":[]}', "unknown"],
    ["unknown method", '{"method":"edit_order","success":true,"result":{}}', "unknown"],
    ["no channel or method", '{"foo":1}', "invalid", "no channel or method"],
    ["status without data", '{"channel":"status","type":"update"}', "invalid", "status"],
    [
      "instrument bad precision",
      fixture("kraken", "instrument_snapshot").replace(
        '"price_precision": 1',
        '"price_precision": -1',
      ),
      "invalid",
      "instrument",
    ],
    ["ack without result", '{"method":"subscribe","success":true}', "invalid", "ack"],
    ["pong bad req_id", '{"method":"pong","req_id":"x"}', "invalid", "pong"],
  ]);
});

Deno.test("kraken v1 malformed input table", () => {
  const upd = fixture("kraken", "v1_book_update");
  check(parseKrakenV1Message, [
    ...COMMON.filter(([n]) => n !== "deep nesting"),
    ["truncated", upd.slice(0, 40), "invalid"],
    ["too short", "[1,2]", "invalid"],
    ["checksum unquoted", upd.replace('"974942666"', "974942666"), "invalid", "c must be"],
    ["negative volume", upd.replace('"0.40000000"', '"-0.4"'), "invalid", "size"],
    ["price number", upd.replace('"5539.50000"', "5539.5"), "invalid", "strings"],
    ["bad level time", upd.replace('"1534614248.765580"', '"soon"'), "invalid", "timestamp"],
    ["unknown channel", '[1,{},"spread","XBT/USD"]', "unknown"],
    ["unknown event", '{"event":"addOrderStatus"}', "unknown"],
    ["bad trade side", fixture("kraken", "v1_trade").replace('"s"', '"x"'), "invalid", "side"],
  ]);
});

const B_DEPTH = fixture("binanceus", "depth_update");
const B_TRADE = fixture("binanceus", "trade");

Deno.test("binance malformed input table", () => {
  check(parseBinanceMessage, [
    ...COMMON,
    ["truncated depth", B_DEPTH.slice(0, 100), "invalid", "Malformed"],
    ["truncated combined", fixture("binanceus", "depth_update_combined").slice(0, 80), "invalid"],
    ["price abc", B_DEPTH.replace('"60000.00000000"', '"abc"'), "invalid", "not a decimal"],
    ["qty -1", B_DEPTH.replace('"0.50000000"', '"-1"'), "invalid", "size is not a decimal"],
    ["qty number", B_DEPTH.replace('"0.50000000"', "0.5"), "invalid", "must be a string"],
    ["qty NaN", B_DEPTH.replace('"0.50000000"', '"NaN"'), "invalid"],
    ["qty exponent", B_DEPTH.replace('"0.50000000"', '"5e-1"'), "invalid"],
    ["price zero", B_DEPTH.replace('"60000.00000000"', '"0.00"'), "invalid", "must be > 0"],
    ["price empty", B_DEPTH.replace('"60000.00000000"', '""'), "invalid"],
    ["price with spaces", B_DEPTH.replace('"60000.00000000"', '" 60000"'), "invalid"],
    ["U as text", B_DEPTH.replace("1027021", '"x"'), "invalid", "U must be a number"],
    ["U negative", B_DEPTH.replace("1027021", "-5"), "invalid", "U and u"],
    ["U fraction", B_DEPTH.replace("1027021", "1027021.5"), "invalid", "U and u"],
    ["U > u", B_DEPTH.replace("1027021", "1027099"), "invalid", "U 1027099 > u"],
    ["u too big", B_DEPTH.replace("1027026", "123456789012345678901"), "invalid"],
    ["E as text", B_DEPTH.replace("1719835200123", '"now"'), "invalid", "E must be a number"],
    [
      "levels not array",
      B_DEPTH.replace('"a": [["60001.00000000", "1.20000000"]]', '"a": {}'),
      "invalid",
    ],
    [
      "level too short",
      B_DEPTH.replace('["60001.00000000", "1.20000000"]', '["60001.00000000"]'),
      "invalid",
      "price and a size",
    ],
    ["level not array", B_DEPTH.replace('["60001.00000000", "1.20000000"]', '"60001"'), "invalid"],
    ["b missing", B_DEPTH.replace(/"b": \[.*\],/, ""), "invalid", "b and a"],
    ["empty symbol", B_DEPTH.replace('"BTCUSDT"', '""'), "invalid", "s missing or empty"],
    ["symbol number", B_DEPTH.replace('"BTCUSDT"', "1"), "invalid", "s must be a string"],
    ["e number", B_DEPTH.replace('"depthUpdate"', "1"), "invalid"],
    ["e empty", B_DEPTH.replace('"depthUpdate"', '""'), "invalid"],
    [
      "trade m string",
      B_TRADE.replace('"m": true', '"m": "yes"'),
      "invalid",
      "m must be a boolean",
    ],
    ["trade m missing", B_TRADE.replace('"m": true,', ""), "invalid", "m (buyer is maker)"],
    ["trade price negative", B_TRADE.replace('"60001.00000000"', '"-60001"'), "invalid", "price"],
    ["trade id text", B_TRADE.replace('"t": 12345', '"t": "12345"'), "invalid"],
    [
      "data not object",
      '{"stream":"btcusdt@trade","data":[1]}',
      "invalid",
      "data must be an object",
    ],
    ["stream number", '{"stream":1,"data":{"e":"trade"}}', "invalid"],
    [
      "ticker bad bid",
      fixture("binanceus", "book_ticker_combined").replace('"61837.63000000"', '"x"'),
      "invalid",
      "bookTicker",
    ],
    ["unknown event", '{"e":"24hrTicker","s":"BTCUSDT"}', "unknown"],
    [
      "unknown combined event",
      '{"stream":"btcusdt@kline_1m","data":{"e":"kline","k":{}}}',
      "unknown",
    ],
    ["empty object", "{}", "invalid", "unrecognised"],
    ["result wrong type", '{"result":5,"id":1}', "invalid", "result"],
    ["error wrong shape", '{"error":"bad","id":1}', "invalid", "error"],
  ]);
});

Deno.test("binance REST snapshot malformed bodies", () => {
  const snap = fixture("binanceus", "depth_snapshot_rest");
  for (
    const text of [
      snap.slice(0, 30),
      snap.replace("1027024", '"1027024"'),
      snap.replace("1027024", "-1"),
      snap.replace('"0.40000000"', '"-0.4"'),
      snap.replace('"bids"', '"bidz"'),
      "[]",
      "",
    ]
  ) {
    deepStrictEqual(parseBinanceDepthSnapshot(text, "BTCUSDT").kind, "invalid", text);
  }
});

const C_UPDATE = fixture("coinbase", "l2_data_update");
const C_TRADES = fixture("coinbase", "market_trades_update");

Deno.test("coinbase malformed input table", () => {
  check((t) => parseCoinbaseMessage(t).items, [
    ...COMMON,
    ["truncated update", C_UPDATE.slice(0, 200), "invalid", "Malformed"],
    ["price abc", C_UPDATE.replace('"60000.00"', '"abc"'), "invalid", "not a decimal"],
    ["qty -1", C_UPDATE.replace('"0.90000000"', '"-1"'), "invalid", "size is not a decimal"],
    ["qty number", C_UPDATE.replace('"0.90000000"', "0.9"), "invalid", "must be a string"],
    ["price zero", C_UPDATE.replace('"60000.00"', '"0"'), "invalid", "must be > 0"],
    ["side ask", C_UPDATE.replace('"offer"', '"ask"'), "invalid", 'side must be "bid" or "offer"'],
    ["side missing", C_UPDATE.replace('"side": "bid",', ""), "invalid", "side"],
    [
      "new_quantity missing",
      C_UPDATE.replace(', "new_quantity": "0.90000000"', "").replace(
        '"new_quantity": "0.90000000"',
        '"x": 1',
      ),
      "invalid",
    ],
    [
      "sequence_num string",
      C_UPDATE.replace('"sequence_num": 2', '"sequence_num": "2"'),
      "invalid",
      "sequence_num",
    ],
    [
      "sequence_num negative",
      C_UPDATE.replace('"sequence_num": 2', '"sequence_num": -2'),
      "invalid",
      "sequence_num",
    ],
    ["sequence_num missing", C_UPDATE.replace('"sequence_num": 2,', ""), "invalid", "sequence_num"],
    [
      "bad timestamp",
      C_UPDATE.replace("2026-07-01T12:00:00.350000000Z", "noon"),
      "invalid",
      "timestamp",
    ],
    [
      "event type wrong",
      C_UPDATE.replace('"type": "update"', '"type": "delta"'),
      "invalid",
      "type",
    ],
    ["empty product", C_UPDATE.replace('"BTC-USD"', '""'), "invalid", "product_id"],
    [
      "events not array",
      '{"channel":"l2_data","timestamp":"2026-07-01T12:00:00Z","sequence_num":1,"events":{}}',
      "invalid",
      "events",
    ],
    [
      "updates not array",
      C_UPDATE.replace(/"updates": \[[^\]]*\]/, '"updates": 5'),
      "invalid",
      "updates",
    ],
    ["trade side lower", C_TRADES.replace('"BUY"', '"buy"'), "invalid", "side"],
    ["trade size NaN", C_TRADES.replace('"0.00500000"', '"NaN"'), "invalid", "size"],
    ["trade id number", C_TRADES.replace('"812345678"', "812345678"), "invalid", "trade_id"],
    ["trade bad time", C_TRADES.replace("2026-07-01T12:00:00.987654Z", "later"), "invalid", "time"],
    [
      "heartbeat counter bad",
      fixture("coinbase", "heartbeats").replace('"1234"', '"x"'),
      "invalid",
      "heartbeat_counter",
    ],
    [
      "heartbeat counter object",
      fixture("coinbase", "heartbeats").replace('"1234"', "{}"),
      "invalid",
    ],
    ["unknown channel", '{"channel":"candles","sequence_num":5,"events":[]}', "unknown"],
    ["unknown type", '{"type":"ping"}', "unknown"],
    ["no channel or type", '{"x":1}', "invalid"],
    [
      "subscriptions bad",
      '{"channel":"subscriptions","sequence_num":0,"events":[{"subscriptions":5}]}',
      "invalid",
      "subscriptions",
    ],
    ["error without message", '{"type":"error"}', "invalid", "error"],
  ]);
});

Deno.test("coinbase legacy malformed input table", () => {
  const upd = fixture("coinbase", "legacy_l2update");
  check(parseCoinbaseLegacyMessage, [
    ...COMMON.filter(([n]) => n !== "deep nesting"),
    ["truncated", upd.slice(0, 50), "invalid"],
    ["size negative", upd.replace('"0.90000000"', '"-1"'), "invalid", "size"],
    ["side wrong", upd.replace('"buy"', '"bid"'), "invalid", "side"],
    ["changes not array", upd.replace(/"changes": .*\]\]/, '"changes": 1'), "invalid", "changes"],
    [
      "snapshot level number",
      fixture("coinbase", "legacy_snapshot").replace('"1.25000000"', "1.25"),
      "invalid",
    ],
    [
      "ticker bad bid",
      fixture("coinbase", "legacy_ticker").replace('"14.7550"', '"-"'),
      "invalid",
      "ticker",
    ],
    [
      "match bad side",
      fixture("coinbase", "legacy_match").replace('"side": "sell"', '"side": "up"'),
      "invalid",
    ],
    ["unknown type", '{"type":"done"}', "unknown"],
    ["no type", '{"product_id":"BTC-USD"}', "invalid"],
  ]);
});
