/** Symbol conversions, both directions, per exchange. */
import { strictEqual, throws } from "node:assert/strict";
import { coinbaseProductId, coinbaseSymbol } from "../../src/exchanges/coinbase/symbols.ts";
import {
  krakenNativeSymbol,
  krakenSymbol,
  krakenV1ToV2Symbol,
  krakenV2ToV1Symbol,
} from "../../src/exchanges/kraken/symbols.ts";
import {
  binanceNativeSymbol,
  binanceStreamSymbol,
  binanceSymbol,
  binanceSymbolFromList,
} from "../../src/exchanges/binance/symbols.ts";

Deno.test("coinbase symbols", () => {
  strictEqual(coinbaseProductId("BTC/USD"), "BTC-USD");
  strictEqual(coinbaseSymbol("BTC-USD"), "BTC/USD");
  strictEqual(coinbaseSymbol("USDT-USDC"), "USDT/USDC");
  strictEqual(coinbaseSymbol("BTCUSD"), undefined);
  strictEqual(coinbaseSymbol("A-B-C"), undefined);
  strictEqual(coinbaseSymbol("btc-usd"), undefined);
  throws(() => coinbaseProductId("BTC-USD"), RangeError);
  throws(() => coinbaseProductId("btc/usd"), RangeError);
});

Deno.test("kraken symbols, with v1 legacy asset codes", () => {
  strictEqual(krakenNativeSymbol("BTC/USD"), "BTC/USD");
  strictEqual(krakenSymbol("BTC/USD"), "BTC/USD");
  strictEqual(krakenSymbol("XBT/USD"), "BTC/USD");
  strictEqual(krakenSymbol("XDG/EUR"), "DOGE/EUR");
  strictEqual(krakenSymbol("XBTUSD"), undefined);
  strictEqual(krakenV1ToV2Symbol("KSM/XBT"), "KSM/BTC");
  strictEqual(krakenV1ToV2Symbol("WAVES/EUR"), "WAVES/EUR");
  strictEqual(krakenV2ToV1Symbol("BTC/USD"), "XBT/USD");
  strictEqual(krakenV2ToV1Symbol("DOGE/USD"), "XDG/USD");
  throws(() => krakenNativeSymbol("BTCUSD"), RangeError);
});

Deno.test("binance.us symbols, from a configured list and from known quotes", () => {
  strictEqual(binanceNativeSymbol("BTC/USDT"), "BTCUSDT");
  strictEqual(binanceStreamSymbol("BTC/USDT"), "btcusdt");
  strictEqual(binanceSymbolFromList("BTCUSDT", ["ETH/USDT", "BTC/USDT"]), "BTC/USDT");
  strictEqual(binanceSymbolFromList("btcusdt", ["BTC/USDT"]), "BTC/USDT");
  strictEqual(binanceSymbolFromList("BTCUSD", ["BTC/USDT"]), undefined);
  const known: [string, string][] = [
    ["BTCUSDT", "BTC/USDT"],
    ["BTCUSD", "BTC/USD"],
    ["ETHBUSD", "ETH/BUSD"],
    ["USDTUSD", "USDT/USD"],
    ["BUSDUSD", "BUSD/USD"],
    ["ETHBTC", "ETH/BTC"],
    ["BTCUSDC", "BTC/USDC"],
    ["xlmusdt", "XLM/USDT"],
  ];
  for (const [native, symbol] of known) strictEqual(binanceSymbol(native), symbol, native);
  strictEqual(binanceSymbol("USDT"), undefined);
  strictEqual(binanceSymbol("ABCXYZ"), undefined);
  strictEqual(binanceSymbol("BTC-USD"), undefined);
  throws(() => binanceNativeSymbol("BTCUSDT"), RangeError);
});
