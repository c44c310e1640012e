/**
 * The cap on levels in one exchange message (issue 13: one 100k-level message stalled its
 * exchange's Worker for seconds). Every venue's levels are JSON arrays or objects (`["1.5","2"]`,
 * `{"price":1.5,"qty":2}`, `[1.5,3,2]`), so a message holds at most as many levels as it holds
 * `[` and `{` characters, and never more than its length. The check runs before the message is
 * parsed, only on messages longer than the cap, and stops counting at the cap: a refused message
 * costs one scan of at most its first few hundred kilobytes, never a parse.
 *
 * @module
 */

const LBRACKET = 91;
const LBRACE = 123;

/**
 * Whether `text` holds more than `max` JSON arrays and objects (an upper bound on its levels).
 * Stops scanning as soon as it has counted `max + 1`.
 *
 * @example
 * ```ts
 * import { exceedsLevels } from "./level_cap.ts";
 * const levels = (n: number) => `{"b":[${Array.from({ length: n }, () => '["1","2"]')}]}`;
 * if (exceedsLevels(levels(10), 20)) throw new Error("10 levels fit under 20");
 * if (!exceedsLevels(levels(30), 20)) throw new Error("30 levels exceed 20");
 * ```
 */
export function exceedsLevels(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === LBRACKET || c === LBRACE) && ++count > max) return true;
  }
  return false;
}
