/**
 * Reader of the cryptofeed-v3 recordings (`../shared/data/cryptofeed-v3/*.jsonl.gz`): one JSON
 * object per line, `{"t": "header" | "http" | "connect" | "send" | "recv", "conn", "ts", "data"}`.
 *
 * @module
 */

/** One line of a cryptofeed-v3 recording. */
export interface V3Line {
  t: "header" | "http" | "connect" | "send" | "recv";
  conn?: string;
  /** Local epoch seconds. */
  ts?: number;
  url?: string;
  addr?: string;
  /** The exact frame text (or HTTP body). */
  data?: string;
}

/** Reads and decompresses a whole recording. */
export async function readCryptofeedV3(path: string): Promise<V3Line[]> {
  const file = await Deno.open(path);
  const text = await new Response(
    file.readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as V3Line);
}
