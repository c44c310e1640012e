/**
 * The browser files the server serves from `build/`: the dashboard bundle, the client library
 * bundle and both builds of the WASM core, with their content types and cache headers. Read once
 * at start; a file that is missing (e.g. hosting without the build folder) is simply not served.
 *
 * @module
 */

/** A file ready to serve. */
export interface StaticAsset {
  body: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

const FILES: ReadonlyArray<{ path: string; file: string; type: string }> = [
  { path: "/dashboard.js", file: "dashboard.js", type: "text/javascript; charset=utf-8" },
  {
    path: "/alphapulse_client.js",
    file: "alphapulse_client.js",
    type: "text/javascript; charset=utf-8",
  },
  { path: "/wasm/alphapulse.wasm", file: "alphapulse.wasm", type: "application/wasm" },
  { path: "/wasm/alphapulse_plain.wasm", file: "alphapulse_plain.wasm", type: "application/wasm" },
];

/**
 * Loads the assets from `buildDir` (default: the repository's `build/`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { loadStaticAssets } from "./static_assets.ts";
 * const assets = await loadStaticAssets(); // after `deno task build`
 * assert.equal(assets.get("/wasm/alphapulse.wasm")?.headers["content-type"], "application/wasm");
 * ```
 */
export async function loadStaticAssets(
  buildDir: URL = new URL("../../build/", import.meta.url),
): Promise<Map<string, StaticAsset>> {
  const out = new Map<string, StaticAsset>();
  for (const f of FILES) {
    try {
      const body = await Deno.readFile(new URL(f.file, buildDir));
      out.set(f.path, {
        body,
        headers: {
          "content-type": f.type,
          // Same-origin resources of a cross-origin isolated page; revalidated cheaply.
          "cross-origin-resource-policy": "same-origin",
          "cache-control": "public, max-age=300",
          "x-content-type-options": "nosniff",
        },
      });
    } catch {
      // not built, or no file system: not served
    }
  }
  return out;
}
