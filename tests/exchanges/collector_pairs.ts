/**
 * What the tests that run two collectors side by side (a fast path on and off) share: the ring
 * records to compare, and the Binance hftbacktest recordings as one time-ordered input stream.
 *
 * @module
 */
import type { Core, RingReader } from "../../src/core/mod.ts";
import { readHftbacktest } from "./recordings.ts";

/** One input of a collector: a WebSocket frame, or (with `rest`, the book's symbol) a REST body. */
export type Input = { text: string; rest?: string };

/** Every record the reader has, as bytes without the receive time (STALE markers stamp it). */
export function recordsOf(reader: RingReader, layout: Core["layout"]): string[] {
  const out: string[] = [];
  for (let b = reader.read(); b instanceof Uint8Array; b = reader.read()) {
    const copy = b.slice();
    copy.fill(0, layout.recReceiveTs, layout.recReceiveTs + 8);
    out.push(copy.join(","));
  }
  return out;
}

/**
 * The depth frames and REST snapshots of hftbacktest recordings (`[path, symbol]` pairs), merged
 * in the order they were received.
 */
export async function hftbacktestInputs(
  files: ReadonlyArray<readonly [string, string]>,
): Promise<Input[]> {
  const timed: Array<Input & { ns: bigint }> = [];
  for (const [path, symbol] of files) {
    for (const line of await readHftbacktest(path)) {
      const rest = line.text.startsWith('{"stream"') ? undefined : symbol;
      if (rest === undefined && !line.text.includes("@depth")) continue;
      timed.push({ ns: BigInt(line.localNs), text: line.text, rest });
    }
  }
  timed.sort((x, y) => (x.ns < y.ns ? -1 : x.ns > y.ns ? 1 : 0));
  return timed;
}
