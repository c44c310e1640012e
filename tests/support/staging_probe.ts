/**
 * A core for comparing staging paths: one book per scale pair (a book's scales only change while
 * it is empty) and the changes staged in its input area, read through the exported layout.
 *
 * @module
 */
import { Core } from "../../src/core/mod.ts";

/** A core with no ring, and what the staging tests read from it. */
export interface StagingProbe {
  core: Core;
  /** The book at these scales (made on first use). */
  bookAt(priceScale: number, sizeScale: number): number;
  /** The staged changes as `side:price:size`, in staging order. */
  staged(): string[];
}

/**
 * Makes a probe whose books carry record exchange code `exchange`.
 *
 * @example
 * ```ts
 * import { stagingProbe } from "./staging_probe.ts";
 * const { core, bookAt, staged } = await stagingProbe(1);
 * core.begin(bookAt(1, 0)).add(0, "1.5", "2");
 * if (staged().join() !== "0:15:2") throw new Error(staged().join());
 * ```
 */
export async function stagingProbe(exchange: number): Promise<StagingProbe> {
  const core = await Core.create({ ringCapacity: 0 });
  const books = new Map<string, number>();
  return {
    core,
    bookAt(priceScale, sizeScale) {
      const key = `${priceScale}/${sizeScale}`;
      let id = books.get(key);
      if (id === undefined) {
        id = core.createBook({ exchange, symbol: books.size, priceScale, sizeScale, depth: 5 });
        books.set(key, id);
      }
      return id;
    },
    staged() {
      const l = core.layout;
      const base = core.exports.input_reserve(0);
      const view = new DataView(core.memory.buffer);
      const out: string[] = [];
      for (let i = 0; i < core.staged; i++) {
        const p = base + l.inChanges + i * l.inputChangeSize;
        out.push(
          `${view.getUint32(p + l.inSide, true)}:${view.getBigInt64(p + l.inPrice, true)}:` +
            `${view.getBigInt64(p + l.inSize, true)}`,
        );
      }
      return out;
    },
  };
}
