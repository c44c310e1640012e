/**
 * Mutations of real frames for the adapters' fuzz tests: a byte flipped, the frame cut short, a
 * digit replaced, a field renamed away, a stretch of text duplicated.
 */
import fc from "fast-check";

/** One mutation (see {@linkcode mutate}). */
export interface Mutation {
  kind: string;
  at?: number;
  byte?: number;
  field?: string;
}

/** Mutations whose `drop` case renames one of `fields` (quoted JSON keys, e.g. `'"bids"'`). */
export function mutations(fields: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant("flip"), at: fc.nat(), byte: fc.integer({ min: 32, max: 126 }) }),
    fc.record({ kind: fc.constant("cut"), at: fc.nat() }),
    fc.record({ kind: fc.constant("digit"), at: fc.nat(), byte: fc.integer({ min: 48, max: 57 }) }),
    fc.record({ kind: fc.constant("drop"), field: fc.constantFrom(...fields) }),
    fc.record({ kind: fc.constant("dup"), at: fc.nat() }),
  );
}

/** Applies one mutation to a frame. */
export function mutate(text: string, m: Mutation): string {
  const at = (m.at ?? 0) % Math.max(1, text.length);
  switch (m.kind) {
    case "flip":
      return text.slice(0, at) + String.fromCharCode(m.byte!) + text.slice(at + 1);
    case "cut":
      return text.slice(0, at);
    case "digit": {
      // replace the first digit at or after `at`
      const i = text.slice(at).search(/\d/);
      if (i < 0) return text;
      return text.slice(0, at + i) + String.fromCharCode(m.byte!) + text.slice(at + i + 1);
    }
    case "drop":
      return text.replace(m.field!, '"x_removed"');
    default:
      return text.slice(0, at) + text.slice(at, at + 20) + text.slice(at);
  }
}
