/**
 * Access to the real recordings in `../shared/data` (relative to the repository root) or in the
 * folder named by `ALPHAPULSE_DATA`. Tests that need them skip cleanly when they are absent; the
 * files are never copied into the repository.
 *
 * @module
 */
import { JsonScanner } from "../../src/exchanges/json_scanner.ts";

function envDataDir(): string | undefined {
  try {
    return Deno.env.get("ALPHAPULSE_DATA") || undefined;
  } catch {
    return undefined; // no env permission
  }
}

/** Folder holding the recordings (may not exist). */
export const DATA_DIR: string = (() => {
  const env = envDataDir();
  if (env !== undefined) return env.endsWith("/") ? env : `${env}/`;
  return new URL("../../../shared/data/", import.meta.url).pathname;
})();

/**
 * Absolute path of a recording, or `undefined` when it is not there.
 *
 * @example
 * ```ts
 * import { recording } from "./recordings.ts";
 * const path = recording("cryptofeed/KRAKEN.ws.50.0");
 * console.log(path ?? "recordings absent: replay tests skip");
 * ```
 */
export function recording(relative: string): string | undefined {
  const path = DATA_DIR + relative;
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

/** One line of a cryptofeed capture. */
export interface CryptofeedLine {
  /** `recv`: a message received; `send`: sent by the client; `open`: connection; `http`: REST body. */
  kind: "recv" | "send" | "open" | "http";
  /** Epoch seconds as written. */
  time: string;
  /** Connection or request URL (not for `recv`). */
  url: string;
  /** Raw wire text (empty for `open`). */
  text: string;
}

/**
 * Parse a cryptofeed capture: `wss://host <-> t`, `wss://host <- t: json`, `t: json`,
 * `https://url -> t: json`.
 */
export function readCryptofeed(path: string): CryptofeedLine[] {
  const out: CryptofeedLine[] = [];
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    if (line === "") continue;
    let m = /^(\S+) <-> (\S+)$/.exec(line);
    if (m) {
      out.push({ kind: "open", url: m[1], time: m[2], text: "" });
      continue;
    }
    m = /^(\S+) (<-|->) ([0-9.]+): /.exec(line);
    if (m) {
      out.push({
        kind: m[2] === "<-" ? "send" : "http",
        url: m[1],
        time: m[3],
        text: line.slice(m[0].length),
      });
      continue;
    }
    const sep = line.indexOf(": ");
    if (sep < 0) throw new SyntaxError(`Unrecognised capture line: ${line.slice(0, 80)}`);
    out.push({ kind: "recv", url: "", time: line.slice(0, sep), text: line.slice(sep + 2) });
  }
  return out;
}

/** One line of an hftbacktest capture: `<local_receive_ns> <raw json>`. */
export interface HftLine {
  localNs: string;
  text: string;
}

/** Read a gzip hftbacktest capture with the built-in `DecompressionStream`. */
export async function readHftbacktest(path: string): Promise<HftLine[]> {
  const file = await Deno.open(path);
  const text = await new Response(
    file.readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  const out: HftLine[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const sp = line.indexOf(" ");
    out.push({ localNs: line.slice(0, sp), text: line.slice(sp + 1) });
  }
  return out;
}

/**
 * The raw texts of the elements of a top-level JSON array found under `key` in `text`, sliced
 * from the file so number spellings are kept exactly (used for `orderbook-v2.json`).
 */
export function rawArrayElements(text: string, key: string): string[] {
  const s = new JsonScanner(text);
  s.beginObject();
  for (let k = s.nextKey(); k !== undefined; k = s.nextKey()) {
    if (k !== key) {
      s.skipValue();
      continue;
    }
    const out: string[] = [];
    s.beginArray();
    while (s.nextItem()) {
      const start = s.pos;
      s.skipValue();
      out.push(text.slice(start, s.pos));
    }
    return out;
  }
  throw new RangeError(`No key ${key}`);
}

/** The raw text of the value under `key` of a top-level JSON object. */
export function rawValue(text: string, key: string): string {
  const s = new JsonScanner(text);
  s.beginObject();
  for (let k = s.nextKey(); k !== undefined; k = s.nextKey()) {
    s.peek();
    const start = s.pos;
    s.skipValue();
    if (k === key) return text.slice(start, s.pos);
  }
  throw new RangeError(`No key ${key}`);
}
