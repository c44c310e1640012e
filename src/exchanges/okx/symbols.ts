/**
 * OKX instrument ids ⇄ normalised symbols.
 *
 * - Spot: `BTC-USDT` ⇄ `BTC/USDT`.
 * - Perpetual swaps: `BTC-USDT-SWAP` (linear) and `UNI-USD-SWAP` (inverse) normalise to
 *   `BTC/USDT` and `UNI/USD`: the `-SWAP` suffix names the instrument type, not the pair. With
 *   `instType: "SWAP"` in the config the adapter subscribes `BTC/USDT` as `BTC-USDT-SWAP` (as
 *   Bybit's `category: "linear"` makes `BTC/USDT` the perpetual).
 * - Dated futures: `BTC-USD-220527` normalises to `BTC/USD` (the expiry is dropped); since one
 *   config section cannot tell two expiries apart, such instruments are named explicitly with the
 *   `instIds` override map (`{"BTC/USD": "BTC-USD-220527"}`).
 * - Options (`BTC-USD-220527-30000-C`) are not order-book venues of this service: `undefined`.
 *
 * @module
 */
import { splitSymbol } from "../normalized_symbol.ts";

/** Instrument types the adapter subscribes by default. */
export type OkxInstType = "SPOT" | "SWAP";

const INST_ID = /^([A-Z0-9]+)-([A-Z0-9]+)(?:-(SWAP|[0-9]{6}))?$/;

/**
 * Normalised symbol to OKX `instId`. Throws a `RangeError` for a malformed symbol.
 *
 * @example
 * ```ts
 * import { okxInstId } from "./symbols.ts";
 * if (okxInstId("BTC/USDT") !== "BTC-USDT") throw new Error();
 * if (okxInstId("BTC/USDT", "SWAP") !== "BTC-USDT-SWAP") throw new Error();
 * ```
 */
export function okxInstId(symbol: string, instType: OkxInstType = "SPOT"): string {
  const [base, quote] = splitSymbol(symbol);
  return instType === "SWAP" ? `${base}-${quote}-SWAP` : `${base}-${quote}`;
}

/**
 * OKX `instId` (spot, swap or dated future) to normalised symbol; `undefined` for anything else.
 *
 * @example
 * ```ts
 * import { okxSymbol } from "./symbols.ts";
 * if (okxSymbol("BTC-USDT") !== "BTC/USDT") throw new Error();
 * if (okxSymbol("UNI-USD-SWAP") !== "UNI/USD") throw new Error();
 * if (okxSymbol("BTC-USD-220527") !== "BTC/USD") throw new Error();
 * if (okxSymbol("BTC-USD-220527-30000-C") !== undefined) throw new Error();
 * ```
 */
export function okxSymbol(instId: string): string | undefined {
  const m = INST_ID.exec(instId);
  return m === null ? undefined : `${m[1]}/${m[2]}`;
}
