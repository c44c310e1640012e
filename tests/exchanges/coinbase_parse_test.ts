/** Parse tests for every Coinbase message kind (Advanced Trade and legacy feed) from fixtures. */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { parseCoinbaseMessage } from "../../src/exchanges/coinbase/parse.ts";
import { parseCoinbaseLegacyMessage } from "../support/coinbase_legacy.ts";
import { fixture } from "./fixtures.ts";

const cb = (name: string) => parseCoinbaseMessage(fixture("coinbase", name));
const legacy = (name: string) => parseCoinbaseLegacyMessage(fixture("coinbase", name));

Deno.test("coinbase l2_data_snapshot: offer -> asks, envelope kept", () => {
  const ts = Date.UTC(2026, 6, 1, 12, 0, 0, 120);
  deepStrictEqual(cb("l2_data_snapshot"), {
    sequenceNum: 1,
    channel: "l2_data",
    timestampMs: ts,
    items: [{
      kind: "book",
      symbol: "BTC-USD",
      snapshot: true,
      bids: ["60000.00", "1.25000000", "59999.99", "0.40000000"],
      asks: ["60000.01", "0.75000000", "60000.50", "2.00000000"],
      exchangeTimeMs: ts,
      sequence: 1,
    }],
  });
});

Deno.test("coinbase l2_data_update: one book item per event and product", () => {
  const ts = Date.UTC(2026, 6, 1, 12, 0, 0, 350);
  deepStrictEqual(cb("l2_data_update"), {
    sequenceNum: 2,
    channel: "l2_data",
    timestampMs: ts,
    items: [
      {
        kind: "book",
        symbol: "BTC-USD",
        snapshot: false,
        bids: ["60000.00", "0.90000000"],
        asks: ["60000.01", "0"],
        exchangeTimeMs: ts,
        sequence: 2,
      },
      {
        kind: "book",
        symbol: "ETH-USD",
        snapshot: false,
        bids: [],
        asks: ["3000.10", "5.5"],
        exchangeTimeMs: ts,
        sequence: 2,
      },
    ],
  });
});

Deno.test("coinbase market_trades: one trade per trade, side configurable", () => {
  const r = cb("market_trades_update");
  strictEqual(r.sequenceNum, 7);
  deepStrictEqual(r.items, [
    {
      kind: "trade",
      symbol: "BTC-USD",
      price: "60000.01",
      size: "0.00500000",
      side: "buy",
      timeMs: Date.UTC(2026, 6, 1, 12, 0, 0, 987) + 0.654,
      tradeId: "812345678",
    },
    {
      kind: "trade",
      symbol: "BTC-USD",
      price: "60000.00",
      size: "0.01000000",
      side: "sell",
      timeMs: Date.UTC(2026, 6, 1, 12, 0, 0, 990),
      tradeId: "812345679",
    },
  ]);
  const maker = parseCoinbaseMessage(fixture("coinbase", "market_trades_update"), {
    tradeSide: "maker",
  });
  deepStrictEqual(maker.items.map((t) => t.kind === "trade" && t.side), ["sell", "buy"]);
  deepStrictEqual(cb("market_trades_snapshot").items.map((t) => t.kind), ["trade"]);
});

Deno.test("coinbase heartbeats: counter as string or number", () => {
  deepStrictEqual(cb("heartbeats").items, [{ kind: "heartbeat", counter: 1234 }]);
  strictEqual(cb("heartbeats").sequenceNum, 9);
  deepStrictEqual(cb("heartbeats_numeric_counter").items, [{ kind: "heartbeat", counter: 1235 }]);
});

Deno.test("coinbase subscriptions: ack consumes a sequence_num", () => {
  deepStrictEqual(cb("subscriptions"), {
    sequenceNum: 0,
    channel: "subscriptions",
    timestampMs: Date.UTC(2026, 6, 1, 12) + 0.000001,
    items: [{
      kind: "subscribed",
      channel: "",
      symbols: ["BTC-USD", "ETH-USD", "heartbeats"],
      channels: { level2: ["BTC-USD", "ETH-USD"], heartbeats: ["heartbeats"] },
    }],
  });
});

Deno.test("coinbase error and unknown channels", () => {
  deepStrictEqual(cb("error"), {
    sequenceNum: undefined,
    channel: "",
    timestampMs: undefined,
    items: [{ kind: "error", message: "Failed to subscribe: channel is required" }],
  });
  const ticker = cb("ticker");
  strictEqual(ticker.sequenceNum, 11);
  deepStrictEqual(ticker.items, [{ kind: "unknown", type: "ticker" }]);
});

Deno.test("coinbase: an invalid event keeps the envelope sequence_num", () => {
  const text = fixture("coinbase", "l2_data_update").replace('"0.90000000"', '"-1"');
  const r = parseCoinbaseMessage(text);
  strictEqual(r.sequenceNum, 2);
  strictEqual(r.items.length, 1);
  strictEqual(r.items[0].kind, "invalid");
});

Deno.test("coinbase legacy snapshot and l2update", () => {
  deepStrictEqual(legacy("legacy_snapshot"), [{
    kind: "book",
    symbol: "BTC-USD",
    snapshot: true,
    bids: ["60000.00", "1.25000000", "59999.99", "0.40000000"],
    asks: ["60000.01", "0.75000000", "60000.50", "2.00000000"],
  }]);
  deepStrictEqual(legacy("legacy_l2update"), [{
    kind: "book",
    symbol: "BTC-USD",
    snapshot: false,
    bids: ["60000.00", "0.90000000"],
    asks: ["60000.01", "0.00000000"],
    exchangeTimeMs: Date.UTC(2026, 6, 1, 12, 0, 0, 350),
  }]);
});

Deno.test("coinbase legacy ticker, matches (maker side flipped), control", () => {
  deepStrictEqual(legacy("legacy_ticker"), [{
    kind: "ticker",
    symbol: "BAND-GBP",
    bidPrice: "14.7550",
    askPrice: "14.8060",
    sequence: 333938798,
    timeMs: Date.UTC(2021, 3, 17, 16, 43, 30, 244) + 0.075,
  }]);
  deepStrictEqual(legacy("legacy_match"), [{
    kind: "trade",
    symbol: "BTC-USD",
    price: "60000.01",
    size: "0.00500000",
    side: "buy",
    timeMs: Date.UTC(2026, 6, 1, 12, 0, 0, 987) + 0.654,
    tradeId: "812345678",
  }]);
  deepStrictEqual(legacy("legacy_last_match").map((t) => t.kind === "trade" && t.side), ["sell"]);
  deepStrictEqual(legacy("legacy_heartbeat"), [{ kind: "heartbeat", symbol: "BTC-USD" }]);
  deepStrictEqual(legacy("legacy_subscriptions"), [{
    kind: "subscribed",
    channel: "",
    symbols: ["BTC-USD", "ETH-USD"],
    channels: { level2_batch: ["BTC-USD", "ETH-USD"], matches: ["BTC-USD"] },
  }]);
  deepStrictEqual(legacy("legacy_error"), [{
    kind: "error",
    message: "Failed to subscribe: level2, level3, and full channels now require authentication",
  }]);
  deepStrictEqual(parseCoinbaseLegacyMessage('{"type":"received","order_id":"x"}'), [
    { kind: "unknown", type: "received" },
  ]);
});
