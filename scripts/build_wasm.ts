/**
 * Builds the WASM core from `assembly/` with the AssemblyScript compiler from npm:
 * - `build/alphapulse.wasm`: shared, imported memory with threads (server and collectors)
 * - `build/alphapulse_plain.wasm`: the same source with ordinary memory, for pages that are not
 *   cross-origin isolated (no SharedArrayBuffer)
 * - `build/alphapulse_bench.wasm`: the shared build plus the benchmark hooks (`assembly/bench.ts`);
 *   only benchmarks load it, so the hooks stay out of the production exports
 *
 * Skips the build when the outputs are newer than every source file.
 *
 * @module
 */
const root = new URL("../", import.meta.url);
const out = new URL("build/", root);

/** Compiler flags shared by both variants. */
const COMMON = [
  "--runtime",
  "stub",
  "-O3",
  "--noAssert",
  "--exportStart",
  "_start",
];

/** Shared, imported memory with threads; the pages must match `src/core/module.ts`. */
const SHARED = [
  "--importMemory",
  "--sharedMemory",
  "--enable",
  "threads",
  "--initialMemory",
  "64",
  "--maximumMemory",
  "16384",
];

const VARIANTS: ReadonlyArray<{ file: string; entry: string; flags: string[] }> = [
  { file: "alphapulse.wasm", entry: "assembly/index.ts", flags: SHARED },
  {
    file: "alphapulse_plain.wasm",
    entry: "assembly/index.ts",
    flags: ["--enable", "threads", "--initialMemory", "16"],
  },
  { file: "alphapulse_bench.wasm", entry: "assembly/bench.ts", flags: SHARED },
];

async function newestSource(): Promise<number> {
  let newest = 0;
  for await (const entry of Deno.readDir(new URL("assembly/", root))) {
    const stat = await Deno.stat(new URL(`assembly/${entry.name}`, root));
    newest = Math.max(newest, stat.mtime?.getTime() ?? 0);
  }
  const self = await Deno.stat(new URL(import.meta.url));
  return Math.max(newest, self.mtime?.getTime() ?? 0);
}

async function isFresh(file: string, since: number): Promise<boolean> {
  try {
    const stat = await Deno.stat(new URL(file, out));
    return (stat.mtime?.getTime() ?? 0) > since;
  } catch {
    return false;
  }
}

await Deno.mkdir(out, { recursive: true });
const since = await newestSource();
for (const variant of VARIANTS) {
  if (await isFresh(variant.file, since)) continue;
  const args = [
    "run",
    "-A",
    "npm:assemblyscript@0.28.20/asc",
    variant.entry,
    ...COMMON,
    ...variant.flags,
    "-o",
    `build/${variant.file}`,
    "-t",
    `build/${variant.file.replace(".wasm", ".wat")}`,
  ];
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) {
    console.error(`build: asc failed for ${variant.file}`);
    Deno.exit(1);
  }
  console.log(`build: wrote build/${variant.file}`);
}
