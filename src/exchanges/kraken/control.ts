/**
 * Kraken v2 control messages (status, instrument, subscribe acks, errors, ping/pong), validated
 * with zod. These are rare, so they go through `JSON.parse`; book and trade messages use the fast
 * scanner in `parse.ts`.
 *
 * @module
 */
import { z } from "zod";
import type { ParsedMessage } from "../types.ts";
import { invalid, unknown } from "../types.ts";
import { tryParseJson, zodReason } from "../control_validation.ts";

const reqId = z.number().int().optional();

const StatusSchema = z.object({
  channel: z.literal("status"),
  type: z.string(),
  data: z.array(z.object({
    system: z.string().min(1),
    api_version: z.string().optional(),
    version: z.string().optional(),
  })).min(1),
});

const precision = z.number().int().min(0).max(18);
const InstrumentSchema = z.object({
  channel: z.literal("instrument"),
  type: z.enum(["snapshot", "update"]),
  data: z.object({
    pairs: z.array(z.object({
      symbol: z.string().min(1),
      status: z.string().optional(),
      price_precision: precision,
      qty_precision: precision,
    })),
  }),
});

const AckSuccessSchema = z.object({
  method: z.enum(["subscribe", "unsubscribe"]),
  success: z.literal(true),
  result: z.object({
    channel: z.string().min(1),
    symbol: z.string().min(1).optional(),
    depth: z.number().int().positive().optional(),
  }),
  req_id: reqId,
});

const FailureSchema = z.object({
  method: z.string().optional(),
  success: z.literal(false).optional(),
  error: z.string().min(1),
  symbol: z.string().optional(),
  req_id: reqId,
});

const PingPongSchema = z.object({ method: z.enum(["ping", "pong"]), req_id: reqId });

/**
 * Parse a Kraken v2 control message from its text. Never throws.
 *
 * @example
 * ```ts
 * import { parseKrakenControl } from "./control.ts";
 * const [m] = parseKrakenControl('{"method":"pong","req_id":101}');
 * if (m.kind !== "pong" || m.reqId !== 101) throw new Error();
 * ```
 */
export function parseKrakenControl(text: string): ParsedMessage[] {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return [invalid(parsed.reason)];
  const v = parsed.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return [invalid("Kraken v2 message must be a JSON object")];
  }
  const o = v as Record<string, unknown>;
  if ("channel" in o) {
    switch (o.channel) {
      case "status": {
        const r = StatusSchema.safeParse(o);
        if (!r.success) return [invalid(zodReason("status", r.error))];
        return r.data.data.map((d) => ({
          kind: "status",
          status: d.system,
          ...(d.version === undefined ? {} : { version: d.version }),
        }));
      }
      case "instrument": {
        const r = InstrumentSchema.safeParse(o);
        if (!r.success) return [invalid(zodReason("instrument", r.error))];
        return [{
          kind: "instrument",
          snapshot: r.data.type === "snapshot",
          pairs: r.data.data.pairs.map((p) => ({
            symbol: p.symbol,
            priceDecimals: p.price_precision,
            qtyDecimals: p.qty_precision,
            ...(p.status === undefined ? {} : { status: p.status }),
          })),
        }];
      }
      case "heartbeat":
        return [{ kind: "heartbeat" }];
      default:
        if (typeof o.channel !== "string" || o.channel === "") {
          return [invalid("channel must be a non-empty string")];
        }
        return [unknown(o.channel)];
    }
  }
  if (typeof o.error === "string" || o.success === false) {
    const r = FailureSchema.safeParse(o);
    if (!r.success) return [invalid(zodReason("error", r.error))];
    return [{
      kind: "error",
      message: r.data.error,
      ...(r.data.req_id === undefined ? {} : { reqId: r.data.req_id }),
      ...(r.data.symbol === undefined ? {} : { symbol: r.data.symbol }),
    }];
  }
  if ("method" in o) {
    switch (o.method) {
      case "subscribe":
      case "unsubscribe": {
        const r = AckSuccessSchema.safeParse(o);
        if (!r.success) return [invalid(zodReason(`${o.method} ack`, r.error))];
        const { result } = r.data;
        return [{
          kind: "subscribed",
          channel: result.channel,
          symbols: result.symbol === undefined ? [] : [result.symbol],
          ...(r.data.method === "unsubscribe" ? { unsubscribe: true } : {}),
          ...(r.data.req_id === undefined ? {} : { reqId: r.data.req_id }),
          ...(result.depth === undefined ? {} : { depth: result.depth }),
        }];
      }
      case "ping":
      case "pong": {
        const r = PingPongSchema.safeParse(o);
        if (!r.success) return [invalid(zodReason(String(o.method), r.error))];
        return [{
          kind: r.data.method,
          ...(r.data.req_id === undefined ? {} : { reqId: r.data.req_id }),
        }];
      }
      default:
        if (typeof o.method !== "string" || o.method === "") {
          return [invalid("method must be a non-empty string")];
        }
        return [unknown(o.method)];
    }
  }
  return [invalid("not a Kraken v2 message: no channel or method")];
}
