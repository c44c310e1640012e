/**
 * Bundles the browser code with `deno bundle` (esbuild from npm) into single modules:
 * - `build/dashboard.js` from `src/client/dashboard/app.ts` (the page at `/`)
 * - `build/alphapulse_client.js` from `src/client/mod.ts` (the client library for other pages)
 *
 * Skips a bundle that is newer than every source it could include.
 *
 * @module
 */
const root = new URL("../", import.meta.url);

const BUNDLES: ReadonlyArray<{ entry: string; out: string }> = [
  { entry: "src/client/dashboard/app.ts", out: "build/dashboard.js" },
  { entry: "src/client/mod.ts", out: "build/alphapulse_client.js" },
];

async function newest(dir: URL): Promise<number> {
  let t = 0;
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) t = Math.max(t, await newest(u));
    else if (e.name.endsWith(".ts")) t = Math.max(t, (await Deno.stat(u)).mtime?.getTime() ?? 0);
  }
  return t;
}

const since = Math.max(
  await newest(new URL("src/client/", root)),
  await newest(new URL("src/core/", root)),
  (await Deno.stat(new URL(import.meta.url))).mtime?.getTime() ?? 0,
);
await Deno.mkdir(new URL("build/", root), { recursive: true });
for (const b of BUNDLES) {
  try {
    if (((await Deno.stat(new URL(b.out, root))).mtime?.getTime() ?? 0) > since) continue;
  } catch { /* not built yet */ }
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--minify", "-o", b.out, b.entry],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) {
    console.error(`build: bundling ${b.entry} failed`);
    Deno.exit(1);
  }
  console.log(`build: wrote ${b.out}`);
}
