/**
 * A REST GET with every wait and every byte bounded: connect plus response headers within one
 * deadline, the whole body within another, and the body capped in bytes — a `Content-Length` over
 * the cap is refused before reading, and a body without one is read with a streaming reader that
 * stops (and cancels the response) as soon as the cap is passed, so memory stays about the cap.
 * Failures are {@linkcode BoundedFetchError}s saying which bound was hit.
 *
 * @module
 */

/** Bounds of one {@linkcode boundedFetch}. */
export interface BoundedFetchOptions {
  /** Connect and response headers must arrive within this (ms). */
  headerTimeoutMs: number;
  /** The whole body must arrive within this after the headers (ms). */
  bodyTimeoutMs: number;
  /** Most body bytes accepted. */
  maxBytes: number;
  /** Cancels the request (e.g. the connection it was for went away). */
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** Which bound a request hit, or how it failed. */
export type BoundedFetchFailure =
  | "header-timeout"
  | "body-timeout"
  | "too-large"
  | "aborted"
  | "network";

/** A failed {@linkcode boundedFetch}. */
export class BoundedFetchError extends Error {
  constructor(readonly kind: BoundedFetchFailure, message: string) {
    super(message);
    this.name = "BoundedFetchError";
  }
}

/** The answer of a {@linkcode boundedFetch}: status, headers and the body as text. */
export interface BoundedResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  body: string;
}

/**
 * Fetches `url` within `options`' deadlines and size cap.
 *
 * @example
 * ```ts
 * import { boundedFetch, BoundedFetchError } from "./bounded_fetch.ts";
 * const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("x".repeat(5000)));
 * try {
 *   await boundedFetch(`http://127.0.0.1:${server.addr.port}/`, {
 *     headerTimeoutMs: 2000, bodyTimeoutMs: 2000, maxBytes: 1000,
 *   });
 *   throw new Error("not refused");
 * } catch (e) {
 *   if (!(e instanceof BoundedFetchError) || e.kind !== "too-large") throw e;
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 */
export async function boundedFetch(
  url: string,
  options: BoundedFetchOptions,
): Promise<BoundedResponse> {
  const ac = new AbortController();
  let hit: BoundedFetchFailure | undefined;
  const outer = options.signal;
  const onAbort = () => {
    hit ??= "aborted";
    ac.abort();
  };
  if (outer?.aborted) throw new BoundedFetchError("aborted", "request cancelled");
  outer?.addEventListener("abort", onAbort, { once: true });
  const arm = (kind: BoundedFetchFailure, ms: number) =>
    setTimeout(() => {
      hit ??= kind;
      ac.abort();
    }, ms);
  let timer = arm("header-timeout", options.headerTimeoutMs);
  const fail = (e: unknown): BoundedFetchError => {
    if (e instanceof BoundedFetchError) return e;
    if (hit === "header-timeout") {
      return new BoundedFetchError(hit, `no response headers within ${options.headerTimeoutMs} ms`);
    }
    if (hit === "body-timeout") {
      return new BoundedFetchError(hit, `body not complete within ${options.bodyTimeoutMs} ms`);
    }
    if (hit === "aborted") return new BoundedFetchError(hit, "request cancelled");
    return new BoundedFetchError("network", (e as Error)?.message ?? String(e));
  };
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: ac.signal, headers: options.headers });
    } catch (e) {
      throw fail(e);
    }
    clearTimeout(timer);
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw new BoundedFetchError(
        "too-large",
        `body of ${declared} bytes (Content-Length) over the cap of ${options.maxBytes}`,
      );
    }
    timer = arm("body-timeout", options.bodyTimeoutMs);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body?.getReader();
    try {
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > options.maxBytes) {
          await reader.cancel().catch(() => {});
          throw new BoundedFetchError(
            "too-large",
            `body over the cap of ${options.maxBytes} bytes (read ${total}, stopped)`,
          );
        }
        chunks.push(value);
      }
    } catch (e) {
      throw fail(e);
    }
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.byteLength;
    }
    return {
      status: response.status,
      ok: response.ok,
      headers: response.headers,
      body: new TextDecoder().decode(bytes),
    };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}
