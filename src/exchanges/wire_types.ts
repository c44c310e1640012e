/**
 * Helpers that tie a venue's parse functions to its `wire.ts` shapes without trusting the input:
 * {@linkcode Untrusted} views a decoded JSON object through a wire type (only the wire's field
 * names, every value `unknown` until checked), and {@linkcode WireKey} is the union of the field
 * names of wire shapes, for the key lists and `switch` labels of the scanners. Renaming or
 * dropping a field in `wire.ts` then breaks the parser at compile time.
 *
 * @example
 * ```ts
 * import type { Untrusted, WireKey } from "./wire_types.ts";
 * interface Level { price: string; qty: string }
 * const keys = ["price", "qty"] as const satisfies readonly WireKey<Level>[];
 * const level: Untrusted<Level> = JSON.parse('{"price":"1.5","qty":"2"}');
 * if (typeof level.price !== "string" || keys.length !== 2) throw new Error();
 * ```
 *
 * @module
 */

/** A decoded JSON object seen through wire shape `T`: its field names, values not yet checked. */
export type Untrusted<T> = { readonly [K in keyof T]?: unknown };

/** Field names of one or more wire shapes (distributes over a union). */
export type WireKey<T> = T extends unknown ? keyof T & string : never;

/** Whether `v` is a JSON object (not null, not an array), seen through wire shape `T`. */
export function isWireObject<T>(v: unknown): v is Untrusted<T> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
