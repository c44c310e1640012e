/**
 * Works out which symbols a recording covers when it carries no symbol list (recordings made
 * without the recorder's `meta` header): each venue's descriptor says which symbols one recorded
 * input names (book messages, REST snapshot tags, stream names in the connection URL).
 *
 * @module
 */
import { venue } from "../exchanges/registry.ts";
import type { ExchangeId } from "../exchanges/types.ts";
import type { RecordLine } from "./recorder.ts";

/**
 * The normalised symbols seen in the records, sorted.
 *
 * @example
 * ```ts
 * import { inferSymbols } from "./infer_symbols.ts";
 * async function* records() {
 *   yield { t: 1, k: "ws" as const, d: '{"channel":"book","type":"snapshot","data":[{"symbol":"ETH/USD"}]}' };
 * }
 * const symbols = await inferSymbols("kraken", records());
 * if (symbols.join() !== "ETH/USD") throw new Error(symbols.join());
 * ```
 */
export async function inferSymbols(
  exchange: ExchangeId,
  records: AsyncIterable<RecordLine>,
): Promise<string[]> {
  const descriptor = venue(exchange);
  const found = new Set<string>();
  const add = (symbol: string) => found.add(symbol);
  for await (const r of records) {
    if (r.k === "meta") continue;
    descriptor.inferSymbols({ k: r.k, d: r.d, s: r.s }, add);
  }
  return [...found].sort();
}
