/**
 * The peer of `bench/service.ts`: ccxt pro's `watchOrderBook` (npm `ccxt`, on Deno) pointed at
 * the mock exchange. Awaits every update until the book's nonce reaches `lastU`, then prints the
 * top-50 as `{"bids":[[p,q],…],"asks":[…]}` (numbers as ccxt holds them) and idles until killed.
 *
 *   deno run -A bench/service_ccxt.ts <port> <lastU>
 *
 * @module
 */
import ccxt from "ccxt";

const [port, lastText] = Deno.args;
const lastU = Number(lastText);
// deno-lint-ignore no-explicit-any
const ex: any = new (ccxt as any).pro.binance({ enableRateLimit: false });
ex.urls.api.ws.spot = `ws://127.0.0.1:${port}/ws`;
ex.urls.api.public = `http://127.0.0.1:${port}/api/v3`;
// One hand-written market: no exchangeInfo request.
ex.setMarkets([{
  id: "BTCUSDT",
  lowercaseId: "btcusdt",
  symbol: "BTC/USDT",
  base: "BTC",
  quote: "USDT",
  baseId: "BTC",
  quoteId: "USDT",
  type: "spot",
  spot: true,
  margin: false,
  swap: false,
  future: false,
  option: false,
  contract: false,
  active: true,
  precision: { amount: 0.00001, price: 0.01 },
  limits: { amount: {}, price: {}, cost: {} },
  info: {},
}]);
for (;;) {
  const ob = await ex.watchOrderBook("BTC/USDT");
  if (ob.nonce >= lastU) {
    console.log(JSON.stringify({ bids: ob.bids.slice(0, 50), asks: ob.asks.slice(0, 50) }));
    break;
  }
}
setInterval(() => {}, 60_000);
