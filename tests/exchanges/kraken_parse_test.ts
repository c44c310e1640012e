/** Parse tests for every Kraken v2 message kind (and the v1 translator) from fixtures. */
import { deepStrictEqual } from "node:assert/strict";
import { parseKrakenMessage } from "../../src/exchanges/kraken/parse.ts";
import { parseKrakenV1Message } from "../support/kraken_v1.ts";
import type { ParsedMessage } from "../../src/exchanges/types.ts";
import { fixture } from "./fixtures.ts";

const v2 = (name: string): ParsedMessage[] => parseKrakenMessage(fixture("kraken", name));
const v1 = (name: string): ParsedMessage[] => parseKrakenV1Message(fixture("kraken", name));

Deno.test("kraken v2 book_snapshot: exact number texts, checksum, no timestamp", () => {
  deepStrictEqual(v2("book_snapshot"), [{
    kind: "book",
    symbol: "BTC/USD",
    snapshot: true,
    bids: ["50000.0", "0.75000000", "49999.5", "2.00000000", "49990.1", "0.01000000"],
    asks: ["50000.5", "0.25000000", "50001.0", "1.00000000", "50002.3", "0.00500000"],
    checksum: 4085213383,
  }]);
});

Deno.test("kraken v2 book_update: qty 0 kept as text, timestamp in ms", () => {
  deepStrictEqual(v2("book_update"), [{
    kind: "book",
    symbol: "BTC/USD",
    snapshot: false,
    bids: ["50000.0", "0"],
    asks: ["50000.8", "0.10000000"],
    checksum: 2336972120,
    exchangeTimeMs: Date.UTC(2026, 6, 1, 12, 0, 0, 500),
  }]);
});

Deno.test("kraken v2 book: keys in any order, whitespace, repeated levels kept in order", () => {
  const text = ` { "data" : [ { "checksum" : 1 , "asks" : [ { "qty" : 1.0 , "price" : 2.50 } ,
    { "price" : 2.50 , "qty" : 0 } ] , "symbol" : "ETH/USD" , "bids" : [ ] } ] ,
    "type" : "update" , "channel" : "book" } `;
  deepStrictEqual(parseKrakenMessage(text), [{
    kind: "book",
    symbol: "ETH/USD",
    snapshot: false,
    bids: [],
    asks: ["2.50", "1.0", "2.50", "0"],
    checksum: 1,
  }]);
});

Deno.test("kraken v2 trade_update: one trade item per trade, taker side, id as text", () => {
  const base = Date.UTC(2026, 6, 1, 12, 0, 1);
  deepStrictEqual(v2("trade_update"), [
    {
      kind: "trade",
      symbol: "BTC/USD",
      price: "50000.5",
      size: "0.01000000",
      side: "buy",
      timeMs: base + 123.456,
      tradeId: "81234567",
    },
    {
      kind: "trade",
      symbol: "BTC/USD",
      price: "50000.0",
      size: "0.25000000",
      side: "sell",
      timeMs: base + 200,
      tradeId: "81234568",
    },
  ]);
});

Deno.test("kraken v2 trade_snapshot", () => {
  deepStrictEqual(v2("trade_snapshot"), [{
    kind: "trade",
    symbol: "ETH/USD",
    price: "3000.10",
    size: "1.50000000",
    side: "sell",
    timeMs: Date.UTC(2026, 6, 1, 11, 59, 59) + 999.999,
    tradeId: "4000001",
  }]);
});

Deno.test("kraken v2 instrument_snapshot: precisions per pair", () => {
  deepStrictEqual(v2("instrument_snapshot"), [{
    kind: "instrument",
    snapshot: true,
    pairs: [
      { symbol: "BTC/USD", priceDecimals: 1, qtyDecimals: 8, status: "online" },
      { symbol: "ETH/USD", priceDecimals: 2, qtyDecimals: 8, status: "online" },
    ],
  }]);
});

Deno.test("kraken v2 control messages", () => {
  deepStrictEqual(v2("status_update"), [{ kind: "status", status: "online", version: "2.0.10" }]);
  deepStrictEqual(v2("heartbeat"), [{ kind: "heartbeat" }]);
  deepStrictEqual(v2("subscribe_ack"), [{
    kind: "subscribed",
    channel: "book",
    symbols: ["BTC/USD"],
    reqId: 1,
    depth: 10,
  }]);
  deepStrictEqual(v2("unsubscribe_ack"), [{
    kind: "subscribed",
    channel: "book",
    symbols: ["BTC/USD"],
    unsubscribe: true,
    reqId: 9,
    depth: 10,
  }]);
  deepStrictEqual(v2("subscribe_error"), [{
    kind: "error",
    message: "Currency pair not supported BTC/XYZ",
    reqId: 2,
    symbol: "BTC/XYZ",
  }]);
  deepStrictEqual(v2("rate_limit_error"), [{
    kind: "error",
    message: "Exceeded msg rate",
    reqId: 3,
  }]);
  deepStrictEqual(v2("pong"), [{ kind: "pong", reqId: 101 }]);
  deepStrictEqual(v2("ping_request"), [{ kind: "ping", reqId: 101 }]);
});

Deno.test("kraken v2 channels not handled are unknown", () => {
  deepStrictEqual(v2("ticker_update"), [{ kind: "unknown", type: "ticker" }]);
  deepStrictEqual(parseKrakenMessage('{"method":"add_order","success":true,"result":{}}'), [
    { kind: "unknown", type: "add_order" },
  ]);
});

Deno.test("kraken v2 empty data yields no items", () => {
  deepStrictEqual(parseKrakenMessage('{"channel":"trade","type":"update","data":[]}'), []);
});

Deno.test("kraken v1 book snapshot: as/bs, pair mapped to v2, latest level time", () => {
  deepStrictEqual(v1("v1_book_snapshot"), [{
    kind: "book",
    symbol: "BTC/USD",
    snapshot: true,
    bids: ["5541.20000", "1.52900000", "5539.90000", "0.30000000"],
    asks: ["5541.30000", "2.50700000", "5541.80000", "0.33000000"],
    exchangeTimeMs: 1534614248765.567,
  }]);
});

Deno.test("kraken v1 book update: two payloads, republished level, quoted checksum", () => {
  deepStrictEqual(v1("v1_book_update"), [{
    kind: "book",
    symbol: "BTC/USD",
    snapshot: false,
    bids: ["5541.20000", "0.00000000", "5539.50000", "0.40000000"],
    asks: ["5541.30000", "2.50700000"],
    checksum: 974942666,
    exchangeTimeMs: 1534614248765.58,
  }]);
});

Deno.test("kraken v1 trades and events", () => {
  deepStrictEqual(v1("v1_trade"), [
    {
      kind: "trade",
      symbol: "BTC/USD",
      price: "5541.20000",
      size: "0.15850568",
      side: "sell",
      timeMs: 1534614057321.597,
      tradeId: "",
    },
    {
      kind: "trade",
      symbol: "BTC/USD",
      price: "6060.00000",
      size: "0.02455000",
      side: "buy",
      timeMs: 1534614057324.998,
      tradeId: "",
    },
  ]);
  deepStrictEqual(v1("v1_system_status"), [{ kind: "status", status: "online", version: "1.9.1" }]);
  deepStrictEqual(v1("v1_subscription_status"), [{
    kind: "subscribed",
    channel: "book",
    symbols: ["BTC/USD"],
    depth: 10,
  }]);
  deepStrictEqual(v1("v1_subscription_error"), [{
    kind: "error",
    message: "Currency pair not in ISO 4217-A3 format XBTUSD",
    symbol: "XBTUSD",
  }]);
  deepStrictEqual(v1("v1_heartbeat"), [{ kind: "heartbeat" }]);
  deepStrictEqual(v1("v1_pong"), [{ kind: "pong", reqId: 42 }]);
});
