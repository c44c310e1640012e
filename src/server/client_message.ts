/**
 * Client → server messages of the WebSocket protocol (DESIGN §7), validated with zod. A message
 * that does not parse is answered with an `error` message; the connection stays open.
 *
 * @module
 */
import { z } from "zod";

/**
 * Longest symbol list one message may carry.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MAX_SYMBOLS_PER_MESSAGE, parseClientMessage } from "./client_message.ts";
 * const symbols = Array.from({ length: MAX_SYMBOLS_PER_MESSAGE + 1 }, (_, i) => `S${i}/USD`);
 * const text = JSON.stringify({ op: "subscribe", channel: "book", exchange: "kraken", symbols });
 * assert.equal(parseClientMessage(text).ok, false);
 * ```
 */
export const MAX_SYMBOLS_PER_MESSAGE = 1000;

/**
 * Schema of one client message. Unknown keys are refused (they usually are typos).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ClientMessageSchema } from "./client_message.ts";
 * const m = { op: "subscribe", channel: "trades", exchange: "kraken", symbols: ["BTC/USD"], id: 7 };
 * assert.ok(ClientMessageSchema.safeParse(m).success);
 * assert.ok(!ClientMessageSchema.safeParse({ ...m, symbol: "BTC/USD" }).success); // a typo'd key
 * ```
 */
export const ClientMessageSchema = z.object({
  op: z.enum(["subscribe", "unsubscribe"]),
  channel: z.enum(["book", "trades"]),
  exchange: z.string().min(1).max(32),
  symbols: z.array(z.string().min(1).max(64)).min(1).max(MAX_SYMBOLS_PER_MESSAGE),
  /** Optional request id, echoed in the acknowledgement or error. */
  id: z.union([z.string().max(64), z.number().finite()]).optional(),
}).strict();

/** A validated client message. */
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** Result of {@linkcode parseClientMessage}. */
export type ParsedClientMessage =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: "bad_json" | "bad_request"; message: string; id?: string | number };

/**
 * Parses and validates one client text frame.
 *
 * @example
 * ```ts
 * import { parseClientMessage } from "./client_message.ts";
 * const good = parseClientMessage(
 *   '{"op":"subscribe","channel":"book","exchange":"kraken","symbols":["BTC/USD"]}',
 * );
 * if (!good.ok || good.message.symbols[0] !== "BTC/USD") throw new Error();
 * const bad = parseClientMessage('{"op":"subscribe"}');
 * if (bad.ok || bad.code !== "bad_request") throw new Error();
 * ```
 */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "bad_json", message: "Message is not valid JSON" };
  }
  const result = ClientMessageSchema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issues = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join(".") : "(message)";
    return `${path}: ${issue.message}`;
  });
  const rawId = (value as { id?: unknown } | null)?.id;
  const id = typeof rawId === "string" && rawId.length <= 64 ||
      typeof rawId === "number" && Number.isFinite(rawId)
    ? rawId as string | number
    : undefined;
  return { ok: false, code: "bad_request", message: issues.join("; "), id };
}
