/**
 * The optional bearer token of `/ws`: `Authorization: Bearer <token>` or `?token=<token>`,
 * compared in constant time.
 *
 * @module
 */

/**
 * Whether two strings are equal, in time that depends only on their lengths.
 *
 * @example
 * ```ts
 * import { safeEqual } from "./auth.ts";
 * if (!safeEqual("secret-1", "secret-1") || safeEqual("secret-1", "secret-2")) throw new Error();
 * ```
 */
export function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/**
 * The token a request presents (header first, then query), or undefined.
 *
 * @example
 * ```ts
 * import { presentedToken } from "./auth.ts";
 * const req = new Request("http://x/ws", { headers: { authorization: "Bearer abc12345" } });
 * if (presentedToken(req, new URL(req.url)) !== "abc12345") throw new Error();
 * ```
 */
export function presentedToken(request: Request, url: URL): string | undefined {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  return url.searchParams.get("token") ?? undefined;
}

/**
 * Whether a request may open `/ws` (always, when no token is configured).
 *
 * @example
 * ```ts
 * import { isAuthorized } from "./auth.ts";
 * const url = new URL("http://x/ws?token=abc12345");
 * if (!isAuthorized(new Request(url), url, "abc12345")) throw new Error();
 * if (isAuthorized(new Request("http://x/ws"), new URL("http://x/ws"), "abc12345")) throw new Error();
 * ```
 */
export function isAuthorized(request: Request, url: URL, token: string | undefined): boolean {
  if (token === undefined) return true;
  const presented = presentedToken(request, url);
  return presented !== undefined && safeEqual(presented, token);
}
