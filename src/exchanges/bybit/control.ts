/**
 * Bybit v5 control messages (request acks and pongs), validated with zod. Rare, so they go
 * through `JSON.parse`; topic pushes use the scanner in `parse.ts`.
 *
 * @module
 */
import { z } from "zod";
import { tryParseJson, zodReason } from "../control_validation.ts";
import type { BookMessage, ParsedMessage } from "../types.ts";
import { invalid, unknown } from "../types.ts";

const AckSchema = z.object({
  success: z.boolean(),
  ret_msg: z.string(),
  conn_id: z.string().optional(),
  req_id: z.string().optional(),
  op: z.string(),
  args: z.array(z.string()).optional(),
});

/**
 * Parse an ack (`subscribe`/`unsubscribe`), a pong (`op: "ping"` with `ret_msg: "pong"`, or
 * `op: "pong"`), or a failure (`success: false`, reported as an error naming the request).
 *
 * @example
 * ```ts
 * import { parseBybitControl } from "./control.ts";
 * const [a] = parseBybitControl('{"success":true,"ret_msg":"","conn_id":"x","req_id":"3","op":"subscribe"}');
 * if (a.kind !== "subscribed" || a.reqId !== 3) throw new Error();
 * const [p] = parseBybitControl('{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}');
 * if (p.kind !== "pong") throw new Error();
 * const [e] = parseBybitControl('{"success":false,"ret_msg":"error:handler not found,topic:orderbook.7.X","req_id":"4","op":"subscribe"}');
 * if (e.kind !== "error" || e.reqId !== 4) throw new Error();
 * ```
 */
export function parseBybitControl(text: string): Exclude<ParsedMessage, BookMessage>[] {
  const json = tryParseJson(text);
  if (!json.ok) return [invalid(json.reason)];
  const v = json.value as Record<string, unknown>;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return [invalid("Bybit message must be a JSON object")];
  }
  if (v.op === "pong") return [{ kind: "pong" }];
  if (!("op" in v)) return [unknown(typeof v.type === "string" ? v.type : "object")];
  const r = AckSchema.safeParse(v);
  if (!r.success) return [invalid(zodReason("ack", r.error))];
  const a = r.data;
  const reqId = a.req_id !== undefined && /^\d{1,15}$/.test(a.req_id)
    ? Number(a.req_id)
    : undefined;
  if (a.op === "ping") return [{ kind: "pong", reqId }];
  if (!a.success) {
    return [{ kind: "error", message: `${a.op} failed: ${a.ret_msg}`, reqId }];
  }
  if (a.op === "subscribe" || a.op === "unsubscribe") {
    return [{
      kind: "subscribed",
      channel: "",
      symbols: [],
      unsubscribe: a.op === "unsubscribe" ? true : undefined,
      reqId,
    }];
  }
  return [unknown(a.op)];
}
