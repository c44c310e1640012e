/**
 * A Binance REST depth snapshot read by the core from the body's bytes: the envelope checked
 * here, the level arrays measured by the core (`Core.measureTextLevels`), so that
 * `BookStore.snapshotText` stages them with no level strings made.
 *
 * @module
 */
import type { Core } from "../../core/core.ts";
import type { BookMessage } from "../types.ts";
import { binanceDepthSnapshotText } from "./parse.ts";

/**
 * The REST depth snapshot `body` with its level arrays left in it (`bidsText` / `asksText`),
 * when it is exactly `{"lastUpdateId":N,"bids":[…],"asks":[…]}` in Binance's own serialization
 * and the core reads both arrays (ASCII, and every level what the string parse accepts); then
 * `parseBinanceDepthSnapshot(body)` reads the same id and levels. `undefined` otherwise: parse
 * the body. Leaves `body` loaded in `core` and its arrays measured.
 *
 * @example
 * ```ts
 * import { Core } from "../../core/mod.ts";
 * import { binanceSnapshotText } from "./snapshot_text.ts";
 * const core = await Core.create({ ringCapacity: 0 });
 * const body = '{"lastUpdateId":42,"bids":[["1.5","2"]],"asks":[]}';
 * if (binanceSnapshotText(core, body)?.lastUpdateId !== 42) throw new Error();
 * if (binanceSnapshotText(core, body.replace("1.5", "1.")) !== undefined) throw new Error();
 * ```
 */
export function binanceSnapshotText(core: Core, body: string): BookMessage | undefined {
  const m = binanceDepthSnapshotText(body);
  if (m === undefined || !core.loadText(body)) return undefined;
  const bids = m.bidsText!;
  const asks = m.asksText!;
  // The bid array must end right at `,"asks":[`, the ask array right before the final `}`.
  const b = core.measureTextLevels(bids.at);
  const a = b?.end === asks.at - 8 ? core.measureTextLevels(asks.at) : undefined;
  return a?.end === body.length - 1 ? m : undefined;
}
