/**
 * Helpers for the control-message path (zod-validated `JSON.parse`): turn failures into the
 * one-line `reason` of an `invalid` message.
 *
 * @module
 */
import type { z } from "zod";

/**
 * Describe the first issue of a zod error as `path: message` (`data.0.system: Invalid input...`).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { zodReason } from "./control_validation.ts";
 * const r = z.object({ a: z.string() }).safeParse({ a: 1 });
 * if (r.success || !zodReason("status", r.error).startsWith("status: a:")) throw new Error();
 * ```
 */
export function zodReason(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${what}: invalid`;
  const path = issue.path.map(String).join(".");
  return `${what}: ${path === "" ? "" : `${path}: `}${issue.message}`;
}

/**
 * `JSON.parse` that reports failure as `undefined` plus a reason instead of throwing.
 *
 * @example
 * ```ts
 * import { tryParseJson } from "./control_validation.ts";
 * if (tryParseJson('{"a":1}').ok !== true || tryParseJson("{").ok !== false) throw new Error();
 * ```
 */
export function tryParseJson(text: string): { ok: true; value: unknown } | {
  ok: false;
  reason: string;
} {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: `Malformed JSON: ${(e as Error).message}` };
  }
}
