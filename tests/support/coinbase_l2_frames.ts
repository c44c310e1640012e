/**
 * The real Coinbase legacy capture (`cryptofeed/COINBASE.ws.28.0`) rewritten as Advanced Trade
 * `l2_data` frames in Coinbase's own serialization (one event per frame: the snapshot's levels
 * bids first, then offers; each `l2update` as an update), for tests of the paths that read
 * that serialization from the frame's bytes. Levels are the capture's exact texts.
 *
 * @module
 */
import type { BookMessage } from "../../src/exchanges/types.ts";
import { parseCoinbaseLegacyMessage } from "./coinbase_legacy.ts";

const TIME = "2021-04-17T16:43:37.077736Z";

/** One `l2_data` frame of one event (`updates` as bid, then offer levels). */
export function l2Frame(
  type: "snapshot" | "update",
  product: string,
  bids: readonly string[],
  asks: readonly string[],
  sequence: number,
): string {
  const updates: string[] = [];
  for (const [side, flat] of [["bid", bids], ["offer", asks]] as const) {
    for (let i = 0; i + 1 < flat.length; i += 2) {
      updates.push(
        `{"side":"${side}","event_time":"${TIME}","price_level":"${flat[i]}",` +
          `"new_quantity":"${flat[i + 1]}"}`,
      );
    }
  }
  return `{"channel":"l2_data","client_id":"","timestamp":"${TIME}","sequence_num":${sequence},` +
    `"events":[{"type":"${type}","product_id":"${product}","updates":[${updates.join(",")}]}]}`;
}

/** The capture's book messages as `l2_data` frames, in order (sequence numbers from 1). */
export function coinbaseL2Frames(captureLines: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of captureLines) {
    for (const m of parseCoinbaseLegacyMessage(text)) {
      if (m.kind !== "book") continue;
      const b = m as BookMessage;
      out.push(
        l2Frame(b.snapshot ? "snapshot" : "update", b.symbol, b.bids, b.asks, out.length + 1),
      );
    }
  }
  return out;
}
