/**
 * The page served at `GET /` (a placeholder until the live dashboard lands) and the headers every
 * page of the server carries: cross-origin isolation (COOP/COEP), so the page may use the shared
 * memory build of the core.
 *
 * @module
 */

/**
 * Headers of the server's own pages (cross-origin isolated, so the page may use shared memory).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { PAGE_HEADERS } from "./dashboard.ts";
 * assert.equal(PAGE_HEADERS["cross-origin-embedder-policy"], "require-corp");
 * ```
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/html; charset=utf-8",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
});

/**
 * The placeholder dashboard page.
 *
 * @example
 * ```ts
 * import { dashboardPage } from "./dashboard.ts";
 * if (!dashboardPage(["kraken"]).includes("/ws")) throw new Error();
 * ```
 */
export function dashboardPage(exchanges: readonly string[]): string {
  const list = exchanges.map((e) => `<li><code>${escapeHtml(e)}</code></li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AlphaPulse</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 44rem; padding: 0 1rem; }
code { background: #f2f2f2; padding: 0 .25rem; border-radius: 3px; }
</style>
</head>
<body>
<h1>AlphaPulse</h1>
<p>Live order-book deltas over WebSocket. The live dashboard is coming; meanwhile:</p>
<ul>
<li><code>/ws</code> — WebSocket (<code>?format=json</code> or <code>?format=binary</code>)</li>
<li><a href="/health"><code>/health</code></a> — feed and book state</li>
<li><a href="/metrics"><code>/metrics</code></a> — Prometheus metrics</li>
</ul>
<p>Exchanges served:</p>
<ul>${list || "<li>none</li>"}</ul>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
