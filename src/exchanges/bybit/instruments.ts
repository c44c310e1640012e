/**
 * Bybit `GET /v5/market/instruments-info` (tick and lot sizes, base and quote coins), pure part:
 * reading a response body into book scales and symbol splits. The collector fetches it per
 * configured symbol at start (`collector.ts`); without it, scales come from the snapshot's text.
 *
 * @module
 */
import { z } from "zod";
import { tryParseJson, zodReason } from "../control_validation.ts";
import { classifyDecimal, DECIMAL_POSITIVE } from "../decimal_text.ts";

/** What the adapter needs of one instrument. */
export interface InstrumentScales {
  symbol: string;
  base: string;
  quote: string;
  /** Price decimals (`priceScale`, else the decimals of `tickSize`). */
  priceScale: number;
  /** Size decimals (the decimals of `qtyStep`, spot `basePrecision`). */
  sizeScale: number;
}

const Decimal = z.string().refine(
  (s) => classifyDecimal(s) === DECIMAL_POSITIVE,
  "must be a decimal > 0",
);
const ResponseSchema = z.object({
  retCode: z.literal(0),
  result: z.object({
    list: z.array(z.object({
      symbol: z.string().min(1),
      baseCoin: z.string().min(1),
      quoteCoin: z.string().min(1),
      priceScale: z.string().regex(/^\d{1,2}$/).optional(),
      priceFilter: z.object({ tickSize: Decimal }),
      lotSizeFilter: z.object({ qtyStep: Decimal.optional(), basePrecision: Decimal.optional() }),
    })),
  }),
});

function decimals(text: string): number {
  const t = text.includes(".") ? text.replace(/0+$/, "") : text;
  const dot = t.indexOf(".");
  return dot < 0 ? 0 : t.length - dot - 1;
}

/**
 * Reads an `instruments-info` body; throws `TypeError` naming the problem when it is not one.
 *
 * @example
 * ```ts
 * import { parseInstruments } from "./instruments.ts";
 * const [i] = parseInstruments('{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[' +
 *   '{"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","priceScale":"2",' +
 *   '"priceFilter":{"tickSize":"0.10"},"lotSizeFilter":{"qtyStep":"0.001"}}]}}');
 * if (i.priceScale !== 2 || i.sizeScale !== 3 || i.base !== "BTC") throw new Error();
 * ```
 */
export function parseInstruments(body: string): InstrumentScales[] {
  const json = tryParseJson(body);
  if (!json.ok) throw new TypeError(`instruments-info: ${json.reason}`);
  const r = ResponseSchema.safeParse(json.value);
  if (!r.success) throw new TypeError(zodReason("instruments-info", r.error));
  return r.data.result.list.map((i) => ({
    symbol: i.symbol,
    base: i.baseCoin,
    quote: i.quoteCoin,
    priceScale: i.priceScale !== undefined
      ? Number(i.priceScale)
      : decimals(i.priceFilter.tickSize),
    sizeScale: decimals(i.lotSizeFilter.qtyStep ?? i.lotSizeFilter.basePrecision ?? "1"),
  }));
}
