/**
 * Binance family control messages (request results and errors), validated with zod. Rare, so they go
 * through `JSON.parse`; market data uses the fast scanner in `parse.ts`.
 *
 * @module
 */
import { z } from "zod";
import type { ParsedMessage } from "../types.ts";
import { invalid } from "../types.ts";
import { tryParseJson, zodReason } from "../control_validation.ts";

const id = z.union([z.number().int(), z.string(), z.null()]).optional();

const ResultSchema = z.object({
  result: z.union([z.null(), z.array(z.string()), z.boolean()]),
  id,
});

const ErrorBody = z.object({ code: z.number().int(), msg: z.string() });
const NestedErrorSchema = z.object({ error: ErrorBody, id });
const FlatErrorSchema = ErrorBody.extend({ id });

function reqIdOf(value: number | string | null | undefined): { reqId?: number } {
  return typeof value === "number" ? { reqId: value } : {};
}

/**
 * Parse a Binance control message (`{"result": ..., "id": ...}` or an error) from its text.
 * Never throws.
 *
 * @example
 * ```ts
 * import { parseBinanceControl } from "./control.ts";
 * const [m] = parseBinanceControl('{"result":null,"id":1}');
 * if (m.kind !== "subscribed" || m.reqId !== 1) throw new Error();
 * ```
 */
export function parseBinanceControl(text: string): ParsedMessage[] {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return [invalid(parsed.reason)];
  const v = parsed.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return [invalid("Binance message must be a JSON object")];
  }
  if ("error" in v) {
    const r = NestedErrorSchema.safeParse(v);
    if (!r.success) return [invalid(zodReason("error", r.error))];
    return [{
      kind: "error",
      message: r.data.error.msg,
      code: r.data.error.code,
      ...reqIdOf(r.data.id),
    }];
  }
  if ("code" in v && "msg" in v) {
    const r = FlatErrorSchema.safeParse(v);
    if (!r.success) return [invalid(zodReason("error", r.error))];
    return [{ kind: "error", message: r.data.msg, code: r.data.code, ...reqIdOf(r.data.id) }];
  }
  if ("result" in v) {
    const r = ResultSchema.safeParse(v);
    if (!r.success) return [invalid(zodReason("result", r.error))];
    return [{
      kind: "subscribed",
      channel: "",
      symbols: Array.isArray(r.data.result) ? r.data.result : [],
      ...reqIdOf(r.data.id),
    }];
  }
  return [invalid("unrecognised Binance message: no e, result or error field")];
}
