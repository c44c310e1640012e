/**
 * OKX v5 control events (`subscribe` / `unsubscribe` acks, `error`, `notice`), validated with zod.
 * Rare, so they go through `JSON.parse`; market data uses the scanner in `parse.ts`.
 *
 * @module
 */
import { z } from "zod";
import { tryParseJson, zodReason } from "../control_validation.ts";
import type { ParsedMessage } from "../types.ts";
import { invalid, unknown } from "../types.ts";
import { OKX_NOTICE_UPGRADE } from "./wire.ts";

const Arg = z.object({ channel: z.string().min(1), instId: z.string().optional() }).loose();
const Ack = z.object({
  event: z.enum(["subscribe", "unsubscribe"]),
  arg: Arg,
  connId: z.string().optional(),
});
const ErrorEvent = z.object({
  event: z.literal("error"),
  code: z.string(),
  msg: z.string(),
  connId: z.string().optional(),
});
const Notice = z.object({
  event: z.literal("notice"),
  code: z.string(),
  msg: z.string(),
  connId: z.string().optional(),
});

/**
 * Parse an OKX event message. Never throws.
 *
 * - `subscribe` / `unsubscribe` acks → `[subscribed]` (`channel`, `symbols: [instId]`);
 * - `error` → `[error]` (`code` as a number when numeric; the instrument when the text names one);
 * - `notice` 64008 (service upgrade) → `[status]` with `status: "reconnect"`; other notices →
 *   `[status]` with the code;
 * - other `event` values → `[unknown]`; malformed → `[invalid]`.
 *
 * @example
 * ```ts
 * import { parseOkxEvent } from "./control.ts";
 * const [m] = parseOkxEvent('{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"}}');
 * if (m.kind !== "subscribed" || m.symbols[0] !== "BTC-USDT") throw new Error();
 * ```
 */
export function parseOkxEvent(text: string): ParsedMessage[] {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return [invalid(parsed.reason)];
  const v = parsed.value as { event?: unknown };
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return [invalid("OKX message must be a JSON object")];
  }
  switch (v.event) {
    case "subscribe":
    case "unsubscribe": {
      const r = Ack.safeParse(v);
      if (!r.success) return [invalid(zodReason(String(v.event), r.error))];
      return [{
        kind: "subscribed",
        channel: r.data.arg.channel,
        symbols: r.data.arg.instId === undefined ? [] : [r.data.arg.instId],
        ...(r.data.event === "unsubscribe" ? { unsubscribe: true } : {}),
      }];
    }
    case "error": {
      const r = ErrorEvent.safeParse(v);
      if (!r.success) return [invalid(zodReason("error", r.error))];
      const code = Number(r.data.code);
      const inst = /instId\s*[:=]?\s*([A-Z0-9]+-[A-Z0-9-]+)/.exec(r.data.msg)?.[1] ??
        /([A-Z0-9]+-[A-Z0-9]+(?:-[A-Z0-9]+)?)/.exec(r.data.msg)?.[1];
      return [{
        kind: "error",
        message: `${r.data.code} ${r.data.msg}`,
        ...(Number.isInteger(code) ? { code } : {}),
        ...(inst !== undefined ? { symbol: inst } : {}),
      }];
    }
    case "notice": {
      const r = Notice.safeParse(v);
      if (!r.success) return [invalid(zodReason("notice", r.error))];
      return [{
        kind: "status",
        status: r.data.code === OKX_NOTICE_UPGRADE ? "reconnect" : `notice ${r.data.code}`,
        version: r.data.msg,
      }];
    }
    default:
      return typeof v.event === "string" && v.event !== ""
        ? [unknown(v.event)]
        : [invalid("OKX event must be a non-empty string")];
  }
}
