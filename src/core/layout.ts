/**
 * The memory layout of delta records, the ring and the input area, as read from the WASM module's
 * exports. The offsets are defined once, in `assembly/layout.ts`; the host never repeats them.
 *
 * @module
 */

/** Offsets, sizes, flags and result codes of the core, read from the module's exports. */
export interface CoreLayout {
  readonly recRingSeq: number;
  readonly recVersion: number;
  readonly recFlags: number;
  readonly recExchange: number;
  readonly recSymbol: number;
  readonly recBidCount: number;
  readonly recAskCount: number;
  readonly recPriceScale: number;
  readonly recSizeScale: number;
  readonly recSeq: number;
  readonly recPrevSeq: number;
  readonly recExchangeTs: number;
  readonly recReceiveTs: number;
  readonly recChecksum: number;
  readonly recPart: number;
  readonly recDepth: number;
  readonly recTotal: number;
  readonly recHeaderSize: number;
  readonly changePrice: number;
  readonly changeSizeField: number;
  readonly changeSize: number;
  readonly recordSize: number;
  readonly changesPerRecord: number;
  readonly recordVersion: number;
  readonly flagSnapshot: number;
  readonly flagLast: number;
  readonly flagStale: number;
  readonly ringMagic: number;
  readonly ringMagicValue: number;
  readonly ringVersion: number;
  readonly ringWriteSeq: number;
  readonly ringCapacity: number;
  readonly ringSlotSize: number;
  readonly ringSlotsOffset: number;
  readonly ringHeaderSize: number;
  readonly inExchangeTs: number;
  readonly inReceiveTs: number;
  readonly inChanges: number;
  readonly inPrice: number;
  readonly inSize: number;
  readonly inSide: number;
  readonly inputChangeSize: number;
  readonly sideBid: number;
  readonly sideAsk: number;
  readonly maxDepth: number;
  /** Longest decimal text (bytes) the core's text staging accepts. */
  readonly maxDecimalText: number;
  /** Frame-text level format `[["price", "size", …], …]`. */
  readonly textPairs: number;
  /** Frame-text level format `[{"price": n, "qty": n, …}, …]`. */
  readonly textPriceQty: number;
  /** Frame-text level format `[{"side": "bid"|"offer", "price_level": "p", "new_quantity": "s", …}, …]`. */
  readonly textSideUpdates: number;
  /** Frame-text level format: Bitfinex rows `[price, count, amount]`, one or an array of them. */
  readonly textRows: number;
  /** Depth scan result (`scanBinanceDepth`): offsets of U, u, E (f64 each), the symbol's span,
   * the level arrays' offsets and counts (u32 each), and its size. */
  readonly dsFirst: number;
  readonly dsLast: number;
  readonly dsTime: number;
  readonly dsSymbolAt: number;
  readonly dsSymbolEnd: number;
  readonly dsBidsAt: number;
  readonly dsAsksAt: number;
  readonly dsBidCount: number;
  readonly dsAskCount: number;
  readonly dsSize: number;
  readonly results: Readonly<Record<string, number>>;
}

/** Every numeric key of {@linkcode CoreLayout}: each must come from the module's exports. */
const LAYOUT_KEYS = [
  "recRingSeq",
  "recVersion",
  "recFlags",
  "recExchange",
  "recSymbol",
  "recBidCount",
  "recAskCount",
  "recPriceScale",
  "recSizeScale",
  "recSeq",
  "recPrevSeq",
  "recExchangeTs",
  "recReceiveTs",
  "recChecksum",
  "recPart",
  "recDepth",
  "recTotal",
  "recHeaderSize",
  "changePrice",
  "changeSizeField",
  "changeSize",
  "recordSize",
  "changesPerRecord",
  "recordVersion",
  "flagSnapshot",
  "flagLast",
  "flagStale",
  "ringMagic",
  "ringMagicValue",
  "ringVersion",
  "ringWriteSeq",
  "ringCapacity",
  "ringSlotSize",
  "ringSlotsOffset",
  "ringHeaderSize",
  "inExchangeTs",
  "inReceiveTs",
  "inChanges",
  "inPrice",
  "inSize",
  "inSide",
  "inputChangeSize",
  "sideBid",
  "sideAsk",
  "maxDepth",
  "maxDecimalText",
  "dsFirst",
  "dsLast",
  "dsTime",
  "dsSymbolAt",
  "dsSymbolEnd",
  "dsBidsAt",
  "dsAsksAt",
  "dsBidCount",
  "dsAskCount",
  "dsSize",
  "textPairs",
  "textPriceQty",
  "textSideUpdates",
  "textRows",
] as const satisfies ReadonlyArray<Exclude<keyof CoreLayout, "results">>;

// Compile-time check that LAYOUT_KEYS names every numeric key of CoreLayout.
type MissingKey = Exclude<Exclude<keyof CoreLayout, "results">, (typeof LAYOUT_KEYS)[number]>;
const _everyKeyListed: [MissingKey] extends [never] ? true : MissingKey = true;

/** Result codes the host relies on (each must be exported as `RESULT_<name>`, negative). */
const RESULT_KEYS = [
  "BAD_BOOK",
  "BAD_SIDE",
  "BAD_PRICE",
  "BAD_SIZE",
  "TOO_MANY",
  "CROSSED",
  "SCALE",
  "DEPTH",
  "CHECKSUM",
  "TOO_MANY_BOOKS",
  "TEXT_INVALID",
  "TEXT_RANGE",
] as const;

function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads the layout from a core instance's exports (`LAYOUT_*`, `RESULT_*`, `MAX_DEPTH` globals).
 * Every key of {@linkcode CoreLayout} must be exported as a non-negative integer and every result
 * code the host relies on as a negative one; a module that lacks one (a mismatched build) is
 * refused with a `TypeError` naming them all.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { readLayout } from "./layout.ts";
 * import { compileCore } from "./module.ts";
 * const module = await compileCore("plain");
 * const instance = await WebAssembly.instantiate(module, { env: { abort() {} } });
 * const layout = readLayout(instance.exports);
 * assert(layout.recordSize === 256 && layout.results.CHECKSUM < 0);
 * let refused = false;
 * try {
 *   readLayout({});
 * } catch (e) {
 *   refused = e instanceof TypeError;
 * }
 * assert(refused);
 * ```
 */
export function readLayout(exports: WebAssembly.Exports): CoreLayout {
  const layout: Record<string, unknown> = {};
  const results: Record<string, number> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (!(value instanceof WebAssembly.Global)) continue;
    if (name.startsWith("LAYOUT_")) {
      layout[camel(name.slice("LAYOUT_".length))] = value.value;
    } else if (name.startsWith("RESULT_")) {
      results[name.slice("RESULT_".length)] = value.value;
    } else if (name === "MAX_DEPTH") {
      layout.maxDepth = value.value;
    }
  }
  layout.results = Object.freeze(results);
  const bad = LAYOUT_KEYS.filter((k) => {
    const v = layout[k];
    return typeof v !== "number" || !Number.isInteger(v) || v < 0;
  });
  const badResults = RESULT_KEYS.filter((k) => !(Number.isInteger(results[k]) && results[k] < 0));
  if (bad.length > 0 || badResults.length > 0) {
    const names = [...bad, ...badResults.map((k) => `RESULT_${k}`)];
    throw new TypeError(
      `WASM core does not export valid layout constants (a mismatched build?): ${names.join(", ")}`,
    );
  }
  return Object.freeze(layout) as unknown as CoreLayout;
}

/**
 * Name of a negative result code, for error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror, resultName } from "./mod.ts";
 * const { layout } = await BookMirror.create();
 * assert.equal(resultName(layout, layout.results.CROSSED), "CROSSED");
 * assert.equal(resultName(layout, -999), "UNKNOWN(-999)");
 * ```
 */
export function resultName(layout: CoreLayout, code: number): string {
  for (const [name, value] of Object.entries(layout.results)) if (value === code) return name;
  return `UNKNOWN(${code})`;
}
