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
