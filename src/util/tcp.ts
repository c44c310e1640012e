/**
 * Small helpers for raw TCP connections: write everything, close without caring whether it is
 * already closed, and join byte chunks.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./tcp.ts";
 * const joined = concatBytes(new Uint8Array([1, 2]), new Uint8Array([3]));
 * if (joined.join() !== "1,2,3") throw new Error();
 * ```
 *
 * @module
 */

/** Writes all of `bytes` to `conn`; throws `Deno.errors.WriteZero` if the peer accepts none. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) {
    const n = await conn.write(bytes.subarray(at));
    if (!(n > 0)) throw new Deno.errors.WriteZero("connection accepted no bytes");
    at += n;
  }
}

/** Closes a connection or listener, ignoring that it may be closed already. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // already closed
  }
}

/** The chunks one after the other in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
