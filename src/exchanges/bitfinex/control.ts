/**
 * Bitfinex v2 events (`info`, `conf`, `subscribed`, `unsubscribed`, `error`, `pong`), validated
 * with zod. Events are rare, so they go through `JSON.parse`; channel arrays use `parse.ts`.
 *
 * @module
 */
import { z } from "zod";
import { tryParseJson, zodReason } from "../control_validation.ts";
import type { BitfinexEvent } from "./wire.ts";

const InfoSchema = z.object({
  event: z.literal("info"),
  version: z.number().int().optional(),
  serverId: z.string().optional(),
  platform: z.object({ status: z.number().int() }).optional(),
  code: z.number().int().optional(),
  msg: z.string().optional(),
});
const ConfSchema = z.object({
  event: z.literal("conf"),
  status: z.string().optional(),
  flags: z.number().int().optional(),
});
const SubscribedSchema = z.object({
  event: z.literal("subscribed"),
  channel: z.string().min(1),
  chanId: z.number().int(),
  symbol: z.string().optional(),
  pair: z.string().optional(),
  prec: z.string().optional(),
  freq: z.string().optional(),
  len: z.union([z.string(), z.number()]).transform(String).optional(),
});
const UnsubscribedSchema = z.object({
  event: z.literal("unsubscribed"),
  status: z.string().optional(),
  chanId: z.number().int(),
});
const ErrorSchema = z.object({
  event: z.literal("error"),
  msg: z.string(),
  code: z.number().int().optional(),
  symbol: z.string().optional(),
  channel: z.string().optional(),
});
const PongSchema = z.object({
  event: z.literal("pong"),
  cid: z.number().int().optional(),
  ts: z.number().optional(),
});

const SCHEMAS: Record<string, z.ZodType<BitfinexEvent>> = {
  info: InfoSchema,
  conf: ConfSchema,
  subscribed: SubscribedSchema as z.ZodType<BitfinexEvent>,
  unsubscribed: UnsubscribedSchema,
  error: ErrorSchema,
  pong: PongSchema,
};

/** A validated event, an unknown event type, or an invalid frame. */
export type ParsedBitfinexEvent =
  | { kind: "event"; event: BitfinexEvent }
  | { kind: "unknown"; type: string }
  | { kind: "invalid"; reason: string; chanId?: number; seq?: number };

/**
 * Parse one event frame (a JSON object).
 *
 * @example
 * ```ts
 * import { parseBitfinexEvent } from "./control.ts";
 * const e = parseBitfinexEvent('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD","len":"25"}');
 * if (e.kind !== "event" || e.event.event !== "subscribed" || e.event.chanId !== 7) throw new Error();
 * if (parseBitfinexEvent('{"event":"auth"}').kind !== "unknown") throw new Error();
 * ```
 */
export function parseBitfinexEvent(text: string): ParsedBitfinexEvent {
  const json = tryParseJson(text);
  if (!json.ok) return { kind: "invalid", reason: json.reason };
  const v = json.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return { kind: "invalid", reason: "event must be a JSON object" };
  }
  const type = (v as { event?: unknown }).event;
  if (typeof type !== "string") return { kind: "invalid", reason: "event without an event name" };
  const schema = SCHEMAS[type];
  if (schema === undefined) return { kind: "unknown", type };
  const r = schema.safeParse(v);
  if (!r.success) return { kind: "invalid", reason: zodReason(type, r.error) };
  return { kind: "event", event: r.data };
}
