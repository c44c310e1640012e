/**
 * Kraken symbols. WebSocket v2 uses normalised-looking `BTC/USD` with modern asset names, so the
 * v2 mapping is the identity. WebSocket v1 (and the recordings made with it) uses legacy asset
 * codes (`XBT/USD`, `XDG/USD`); {@linkcode krakenV1ToV2Symbol} maps those.
 *
 * @module
 */
import { isNormalizedSymbol, splitSymbol } from "../normalized_symbol.ts";

/** Legacy v1 asset codes and their modern (v2) names. */
export const KRAKEN_V1_ASSET_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  XBT: "BTC",
  XDG: "DOGE",
});

const V2_TO_V1: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(KRAKEN_V1_ASSET_ALIASES).map(([k, v]) => [v, k])),
);

/**
 * Normalised symbol to Kraken v2 symbol (identity after validation). Throws a `RangeError` for a
 * malformed symbol.
 *
 * @example
 * ```ts
 * import { krakenNativeSymbol } from "./symbols.ts";
 * if (krakenNativeSymbol("BTC/USD") !== "BTC/USD") throw new Error();
 * ```
 */
export function krakenNativeSymbol(symbol: string): string {
  splitSymbol(symbol);
  return symbol;
}

/**
 * Kraken symbol (v2, or v1 with legacy asset codes) to normalised symbol, or `undefined` when it
 * is not `BASE/QUOTE`.
 *
 * @example
 * ```ts
 * import { krakenSymbol } from "./symbols.ts";
 * if (krakenSymbol("BTC/USD") !== "BTC/USD") throw new Error();
 * if (krakenSymbol("XBT/USD") !== "BTC/USD") throw new Error();
 * ```
 */
export function krakenSymbol(native: string): string | undefined {
  if (!isNormalizedSymbol(native)) return undefined;
  return krakenV1ToV2Symbol(native);
}

/**
 * Map legacy v1 asset codes to v2 names (`XBT/EUR` -> `BTC/EUR`, `XDG/USD` -> `DOGE/USD`); other
 * symbols are returned unchanged.
 *
 * @example
 * ```ts
 * import { krakenV1ToV2Symbol } from "./symbols.ts";
 * if (krakenV1ToV2Symbol("KSM/XBT") !== "KSM/BTC") throw new Error();
 * ```
 */
export function krakenV1ToV2Symbol(v1: string): string {
  const slash = v1.indexOf("/");
  if (slash < 0) return KRAKEN_V1_ASSET_ALIASES[v1] ?? v1;
  const base = v1.slice(0, slash);
  const quote = v1.slice(slash + 1);
  return `${KRAKEN_V1_ASSET_ALIASES[base] ?? base}/${KRAKEN_V1_ASSET_ALIASES[quote] ?? quote}`;
}

/**
 * Map v2 asset names back to legacy v1 codes (`BTC/USD` -> `XBT/USD`), for v1 subscriptions.
 *
 * @example
 * ```ts
 * import { krakenV2ToV1Symbol } from "./symbols.ts";
 * if (krakenV2ToV1Symbol("DOGE/USD") !== "XDG/USD") throw new Error();
 * ```
 */
export function krakenV2ToV1Symbol(v2: string): string {
  const [base, quote] = splitSymbol(v2);
  return `${V2_TO_V1[base] ?? base}/${V2_TO_V1[quote] ?? quote}`;
}
