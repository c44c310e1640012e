/**
 * Works out which symbols a recording covers when it carries no symbol list (recordings made
 * without the recorder's `meta` header): product ids in Coinbase `l2_data`, symbols in Kraken
 * `book` messages, REST snapshot tags and stream names for Binance.US.
 *
 * @module
 */
import { binanceSymbol } from "../exchanges/binanceus/symbols.ts";
import { coinbaseSymbol } from "../exchanges/coinbase/symbols.ts";
import { krakenSymbol } from "../exchanges/kraken/symbols.ts";
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
  const found = new Set<string>();
  const add = (symbol: string | undefined) => {
    if (symbol) found.add(symbol);
  };
  for await (const r of records) {
    if (exchange === "binanceus") {
      if (r.k === "rest" && r.s) add(r.s);
      if (r.k === "open") {
        const streams = new URL(r.d).searchParams.get("streams") ?? "";
        for (const name of streams.split("/")) add(binanceSymbol(name.split("@")[0]));
      }
      continue;
    }
    if (r.k !== "ws") continue;
    let message: unknown;
    try {
      message = JSON.parse(r.d);
    } catch {
      continue;
    }
    if (typeof message !== "object" || message === null) continue;
    const m = message as { channel?: unknown; events?: unknown; data?: unknown };
    if (exchange === "coinbase" && m.channel === "l2_data" && Array.isArray(m.events)) {
      for (const e of m.events) {
        if (typeof e?.product_id === "string") add(coinbaseSymbol(e.product_id));
      }
    } else if (exchange === "kraken" && m.channel === "book" && Array.isArray(m.data)) {
      for (const d of m.data) if (typeof d?.symbol === "string") add(krakenSymbol(d.symbol));
    }
  }
  return [...found].sort();
}
