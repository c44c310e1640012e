/** Re-expressing parsed book messages as wire frames for replays (number text kept exactly). */
import type { BookMessage } from "../../src/exchanges/types.ts";

/** A normalised book message as a Kraken v2 `book` frame; prices and quantities keep their text. */
export function krakenV2Frame(m: BookMessage): string {
  const side = (flat: string[]) => {
    const out: string[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(`{"price":${flat[i]},"qty":${flat[i + 1]}}`);
    return `[${out.join(",")}]`;
  };
  const checksum = m.checksum === undefined ? "" : `,"checksum":${m.checksum}`;
  return `{"channel":"book","type":"${
    m.snapshot ? "snapshot" : "update"
  }","data":[{"symbol":"${m.symbol}",` +
    `"bids":${side(m.bids)},"asks":${side(m.asks)}${checksum}}]}`;
}

/**
 * A normalised book message (product id in `symbol`) as a Coinbase Advanced Trade `l2_data`
 * frame carrying `sequenceNum`; `offer` is the ask side.
 */
export function coinbaseL2Frame(m: BookMessage, sequenceNum: number): string {
  const updates: string[] = [];
  const add = (side: string, flat: string[]) => {
    for (let i = 0; i < flat.length; i += 2) {
      updates.push(
        `{"side":"${side}","event_time":"2021-04-17T00:00:00Z","price_level":"${flat[i]}",` +
          `"new_quantity":"${flat[i + 1]}"}`,
      );
    }
  };
  add("bid", m.bids);
  add("offer", m.asks);
  return `{"channel":"l2_data","client_id":"","timestamp":"2021-04-17T00:00:00.000000000Z",` +
    `"sequence_num":${sequenceNum},"events":[{"type":"${m.snapshot ? "snapshot" : "update"}",` +
    `"product_id":"${m.symbol}","updates":[${updates.join(",")}]}]}`;
}
