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
  readonly results: Readonly<Record<string, number>>;
}

function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads the layout from a core instance's exports (`LAYOUT_*`, `RESULT_*`, `MAX_DEPTH` globals).
 *
 * @example
 * ```ts ignore
 * import { readLayout } from "./layout.ts";
 * const layout = readLayout(instance.exports);
 * console.log(layout.recordSize);
 * ```
 */
export function readLayout(exports: WebAssembly.Exports): CoreLayout {
  const layout: Record<string, unknown> = {};
  const results: Record<string, number> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (!(value instanceof WebAssembly.Global)) continue;
    if (name.startsWith("LAYOUT_")) {
      const key = camel(name.slice("LAYOUT_".length));
      layout[key] = value.value;
    } else if (name.startsWith("RESULT_")) {
      results[name.slice("RESULT_".length)] = value.value;
    } else if (name === "MAX_DEPTH") {
      layout.maxDepth = value.value;
    }
  }
  layout.results = results;
  const missing = ["recSeq", "recordSize", "ringWriteSeq", "inChanges", "maxDepth"].filter((k) =>
    typeof layout[k] !== "number"
  );
  if (missing.length > 0) {
    throw new TypeError(`WASM core does not export layout constants: ${missing.join(", ")}`);
  }
  return Object.freeze(layout) as unknown as CoreLayout;
}

/** Name of a negative result code, for error messages. */
export function resultName(layout: CoreLayout, code: number): string {
  for (const [name, value] of Object.entries(layout.results)) if (value === code) return name;
  return `UNKNOWN(${code})`;
}
