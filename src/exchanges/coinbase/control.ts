/**
 * Coinbase Advanced Trade control messages (`subscriptions` acks and `{"type": "error"}`),
 * validated with zod. Rare, so they go through `JSON.parse`; market data uses the fast scanner in
 * `parse.ts`.
 *
 * @module
 */
import { z } from "zod";
import type { ParsedMessage } from "../types.ts";
import { invalid, unknown } from "../types.ts";
import { tryParseJson, zodReason } from "../control_validation.ts";

const SubscriptionsSchema = z.object({
  channel: z.literal("subscriptions"),
  events: z.array(z.object({ subscriptions: z.record(z.string(), z.unknown()) })),
});

const ErrorSchema = z.object({
  type: z.literal("error"),
  message: z.string(),
  reason: z.string().optional(),
});

/**
 * Parse a Coinbase control message from its text. Never throws.
 *
 * - `subscriptions` -> one `subscribed` item per event with `channels` (channel -> products; the
 *   value shape for product-less channels is not documented, so non-arrays count as no products)
 *   and `symbols` = every product listed;
 * - `{"type": "error", "message"}` -> `error` (with `reason` appended when present);
 * - anything else -> `unknown` or `invalid`.
 *
 * @example
 * ```ts
 * import { parseCoinbaseControl } from "./control.ts";
 * const [m] = parseCoinbaseControl('{"type":"error","message":"Failed to subscribe"}');
 * if (m.kind !== "error" || m.message !== "Failed to subscribe") throw new Error();
 * ```
 */
export function parseCoinbaseControl(text: string): ParsedMessage[] {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return [invalid(parsed.reason)];
  return coinbaseControlFromValue(parsed.value);
}

/**
 * {@linkcode parseCoinbaseControl} for a value already decoded with `JSON.parse`.
 *
 * @example
 * ```ts
 * import { coinbaseControlFromValue } from "./control.ts";
 * const [m] = coinbaseControlFromValue({ channel: "candles", events: [] });
 * if (m.kind !== "unknown" || m.type !== "candles") throw new Error();
 * ```
 */
export function coinbaseControlFromValue(v: unknown): ParsedMessage[] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return [invalid("Coinbase message must be a JSON object")];
  }
  const o = v as Record<string, unknown>;
  if (o.type === "error") {
    const r = ErrorSchema.safeParse(o);
    if (!r.success) return [invalid(zodReason("error", r.error))];
    const message = r.data.reason === undefined
      ? r.data.message
      : `${r.data.message}: ${r.data.reason}`;
    return [{ kind: "error", message }];
  }
  if (o.channel === "subscriptions") {
    const r = SubscriptionsSchema.safeParse(o);
    if (!r.success) return [invalid(zodReason("subscriptions", r.error))];
    return r.data.events.map((e) => {
      const channels: Record<string, string[]> = {};
      const symbols = new Set<string>();
      for (const [name, products] of Object.entries(e.subscriptions)) {
        const list = Array.isArray(products)
          ? products.filter((p): p is string => typeof p === "string")
          : [];
        channels[name] = list;
        for (const p of list) symbols.add(p);
      }
      return { kind: "subscribed", channel: "", symbols: [...symbols], channels };
    });
  }
  if (typeof o.channel === "string" && o.channel !== "") return [unknown(o.channel)];
  if (typeof o.type === "string" && o.type !== "") return [unknown(o.type)];
  return [invalid("not a Coinbase Advanced Trade message: no channel or type")];
}
