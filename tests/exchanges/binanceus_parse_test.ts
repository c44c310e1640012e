/** Parse tests for every Binance.US message kind from fixtures. */
import { deepStrictEqual } from "node:assert/strict";
import {
  parseBinanceDepthSnapshot,
  parseBinanceMessage,
} from "../../src/exchanges/binance/parse.ts";
import { fixture } from "./fixtures.ts";

const bn = (name: string) => parseBinanceMessage(fixture("binanceus", name));

Deno.test("binance depth_update (raw stream)", () => {
  deepStrictEqual(bn("depth_update"), [{
    kind: "book",
    symbol: "BTCUSDT",
    snapshot: false,
    bids: ["60000.00000000", "0.50000000", "59990.00000000", "0.00000000"],
    asks: ["60001.00000000", "1.20000000"],
    firstUpdateId: 1027021,
    lastUpdateId: 1027026,
    exchangeTimeMs: 1719835200123,
  }]);
});

Deno.test("binance depth_update (combined stream, extra level elements ignored)", () => {
  deepStrictEqual(bn("depth_update_combined"), [{
    kind: "book",
    symbol: "BTCUSDT",
    snapshot: false,
    bids: [],
    asks: ["60001.00000000", "0.00000000", "60002.50000000", "3.00000000"],
    firstUpdateId: 1027027,
    lastUpdateId: 1027027,
    exchangeTimeMs: 1719835200223,
  }]);
});

Deno.test("binance trade: m (buyer is maker) -> taker sold", () => {
  deepStrictEqual(bn("trade"), [{
    kind: "trade",
    symbol: "BTCUSDT",
    price: "60001.00000000",
    size: "0.01000000",
    side: "sell",
    timeMs: 1719835200455,
    tradeId: "12345",
  }]);
  deepStrictEqual(bn("trade_combined"), [{
    kind: "trade",
    symbol: "BTCUSDT",
    price: "60001.50000000",
    size: "0.25000000",
    side: "buy",
    timeMs: 1719835200555,
    tradeId: "12346",
  }]);
});

Deno.test("binance aggTrade: aggregate id as trade id", () => {
  deepStrictEqual(bn("agg_trade_combined"), [{
    kind: "trade",
    symbol: "BTCUSDT",
    price: "60330.82000000",
    size: "0.00200000",
    side: "sell",
    timeMs: 1618677409120,
    tradeId: "1932",
  }]);
});

Deno.test("binance bookTicker", () => {
  deepStrictEqual(bn("book_ticker_combined"), [{
    kind: "ticker",
    symbol: "BTCUSDT",
    bidPrice: "61837.63000000",
    bidSize: "3.78826000",
    askPrice: "61837.64000000",
    askSize: "1.54698000",
    updateId: 50093239212,
  }]);
});

Deno.test("binance partial depth (combined): symbol from the stream name", () => {
  deepStrictEqual(bn("partial_depth_combined"), [{
    kind: "book",
    symbol: "BTCUSDT",
    snapshot: true,
    bids: ["60000.00000000", "0.50000000"],
    asks: ["60001.00000000", "1.20000000"],
    lastUpdateId: 1027030,
  }]);
});

Deno.test("binance REST depth snapshot", () => {
  deepStrictEqual(
    parseBinanceDepthSnapshot(fixture("binanceus", "depth_snapshot_rest"), "BTCUSDT"),
    {
      kind: "book",
      symbol: "BTCUSDT",
      snapshot: true,
      bids: ["60000.00000000", "0.40000000", "59999.00000000", "2.00000000"],
      asks: ["60001.00000000", "1.00000000"],
      lastUpdateId: 1027024,
    },
  );
  deepStrictEqual(bn("depth_snapshot_rest")[0].kind, "invalid"); // no stream: no symbol
});

Deno.test("binance control: results, errors, unknown events", () => {
  deepStrictEqual(bn("subscribe_result"), [{
    kind: "subscribed",
    channel: "",
    symbols: [],
    reqId: 1,
  }]);
  deepStrictEqual(bn("list_subscriptions_result"), [{
    kind: "subscribed",
    channel: "",
    symbols: ["btcusdt@depth@100ms", "btcusdt@trade"],
    reqId: 3,
  }]);
  deepStrictEqual(bn("error"), [{
    kind: "error",
    message: "Invalid request: unknown variant",
    code: 2,
    reqId: 4,
  }]);
  deepStrictEqual(bn("error_flat"), [{
    kind: "error",
    message: "Invalid JSON: expected value at line 1 column 1",
    code: 1,
  }]);
  deepStrictEqual(bn("kline_combined"), [{ kind: "unknown", type: "kline" }]);
});
