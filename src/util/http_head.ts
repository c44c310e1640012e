/**
 * Parses an HTTP/1.x request head (request line and headers, without the blank line) for
 * hand-written servers. Anything malformed gives undefined, never an exception.
 *
 * @example
 * ```ts
 * import { parseRequestHead } from "./http_head.ts";
 * const head = parseRequestHead("GET /ws?x=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket");
 * if (head?.method !== "GET" || head.target !== "/ws?x=1") throw new Error();
 * if (head.headers.get("upgrade") !== "websocket") throw new Error();
 * if (parseRequestHead("GET / HTTP/2\r\n") !== undefined) throw new Error();
 * ```
 *
 * @module
 */

/** A parsed request head. */
export interface RequestHead {
  method: string;
  /** The request target as sent (`/path?query`, or an absolute URL). */
  target: string;
  headers: Headers;
}

/** The request line and headers, or undefined when malformed. */
export function parseRequestHead(head: string): RequestHead | undefined {
  const lines = head.split("\r\n");
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0]);
  if (!m) return undefined;
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      return undefined;
    }
  }
  return { method: m[1], target: m[2], headers };
}
