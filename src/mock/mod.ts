/**
 * The mock kit every venue's mock server is built on (`src/exchanges/<venue>/mock.ts`): a
 * loopback listener with WebSocket bookkeeping and the common faults ({@linkcode MockExchangeServer}),
 * the batched-write WebSocket server, seeded market generators and an exact book model.
 *
 * @example
 * ```ts
 * import { MarketGenerator } from "./mod.ts";
 * const market = new MarketGenerator({ seed: 1, midPrice: "100.00", priceDecimals: 2, qtyDecimals: 4 });
 * if (market.book.best("bid") === undefined) throw new Error();
 * ```
 *
 * @module
 */
export * from "./batched_ws_server.ts";
export * from "./market.ts";
export * from "./mock_book.ts";
export * from "./mock_server.ts";
export * from "./symbols.ts";
