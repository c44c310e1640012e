/** The real OKX capture (`cryptofeed-v3/OKX.jsonl.gz`) and a replay-mode OKX collector for it. */
import { parseConfig } from "../../src/config.ts";
import { Core } from "../../src/core/mod.ts";
import { OkxCollector } from "../../src/exchanges/okx/collector.ts";
import { recording } from "./recordings.ts";

/** Path of the capture, or undefined when the data is absent. */
export const OKX_CAPTURE: string | undefined = recording("cryptofeed-v3/OKX.jsonl.gz");

/** The capture's three books, normalised, and their instrument ids. */
export const OKX_CAPTURE_SYMBOLS = ["BTC/USDT", "BTC/USD", "UNI/USD"];
const INST_IDS = { "BTC/USD": "BTC-USD-220527", "UNI/USD": "UNI-USD-SWAP" };

/** The frames received, in order (`data` of every `recv` line). */
export async function okxFrames(path: string): Promise<string[]> {
  const file = await Deno.open(path);
  const stream = file.readable.pipeThrough(new DecompressionStream("gzip"))
    .pipeThrough(new TextDecoderStream());
  let text = "";
  for await (const chunk of stream) text += chunk;
  const frames: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const o = JSON.parse(line) as { t: string; data?: string };
    if (o.t === "recv" && typeof o.data === "string") frames.push(o.data);
  }
  return frames;
}

/**
 * An OKX collector in replay mode (no network) for the capture's books, on a fresh core (or on
 * `core`).
 */
export async function okxReplayCollector(
  logs: string[] = [],
  core?: Core,
): Promise<OkxCollector> {
  core ??= await Core.create({ ringCapacity: 1 << 16 });
  const cfg = parseConfig({
    exchanges: { okx: { symbols: OKX_CAPTURE_SYMBOLS, instIds: INST_IDS } },
  });
  return new OkxCollector(cfg.exchanges.okx!, {
    core,
    exchangeCode: 6,
    depth: 50,
    log: (l) => logs.push(l),
    replay: true,
  });
}
