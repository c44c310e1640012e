/**
 * Loading and instantiating the compiled WASM core. Browser-compatible (no Deno APIs): the module
 * bytes come through `fetch`, which Deno also serves for `file:` URLs.
 *
 * @module
 */
import { type CoreLayout, readLayout } from "./layout.ts";

/**
 * Which build of the core: `shared` (threads, shared imported memory), `plain` (ordinary memory,
 * for pages that are not cross-origin isolated) or `bench` (the shared build plus the benchmark
 * hooks of {@linkcode BenchExports}; only benchmarks load it).
 */
export type CoreVariant = "shared" | "plain" | "bench";

/** The raw exports of the core, typed. */
export interface CoreExports {
  _start(): void;
  input_reserve(changes: number): number;
  input_capacity(): number;
  text_reserve(bytes: number): number;
  text_capacity(): number;
  text_scales(priceScale: number, sizeScale: number): void;
  text_loaded(bytes: number, plain: number): void;
  stage_text_levels(start: number, side: number, first: number, format: number): number;
  text_value_end(start: number): number;
  measure_text_levels(start: number, format: number): number;
  text_price_decimals(): number;
  text_size_decimals(): number;
  depth_scan_address(): number;
  depth_scan_binance(): number;
  depth_apply(book: number): number;
  text_end(): number;
  text_error_start(): number;
  text_error_end(): number;
  text_needed(): number;
  text_field(): number;
  ring_create(capacity: number): number;
  ring_address(): number;
  book_create(
    exchange: number,
    symbol: number,
    priceScale: number,
    sizeScale: number,
    depth: number,
    maxLevels: number,
  ): number;
  apply(id: number, count: number): number;
  apply_levels(id: number, count: number, first: number): number;
  reset(id: number, count: number): number;
  publish(id: number): number;
  resume(id: number): number;
  snapshot(id: number): number;
  mark_stale(id: number): number;
  book_clear(id: number): number;
  book_set_quiet(id: number, quiet: number): number;
  book_set_scale(id: number, priceScale: number, sizeScale: number): number;
  book_top(id: number, side: number, n: number): number;
  output_address(): number;
  book_length(id: number, side: number): number;
  book_seq(id: number): number;
  book_is_stale(id: number): number;
  book_absent_deletes(id: number): number;
  book_checksum(id: number, depth: number): number;
  book_kraken_checksum(id: number): number;
  crc32_bytes(ptr: number, length: number): number;
  mirror_apply(id: number, rec: number): number;
  ring_write_raw(src: number, length: number, symbol: number): number;
  memory?: WebAssembly.Memory;
}

/** The exports of the `bench` build: the production exports plus the benchmark hooks. */
export interface BenchExports extends CoreExports {
  /** Writes `n` records of `changes` changes for book `id` straight to the ring. */
  bench_ring_write(id: number, n: number, changes: number): number;
}

/** An instantiated core: its exports, memory and layout. */
export interface CoreInstance {
  readonly exports: CoreExports;
  readonly memory: WebAssembly.Memory;
  readonly layout: CoreLayout;
  readonly variant: CoreVariant;
}

const FILES: Record<CoreVariant, string> = {
  shared: "alphapulse.wasm",
  plain: "alphapulse_plain.wasm",
  bench: "alphapulse_bench.wasm",
};

/** Initial and maximum pages of the shared memory; must match the shared builds' declaration. */
const SHARED_INITIAL_PAGES = 64;
const SHARED_MAXIMUM_PAGES = 16384;

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * URL of a core build next to this repository's `build/` folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defaultWasmUrl } from "./module.ts";
 * assert.match(defaultWasmUrl("plain").href, /\/build\/alphapulse_plain\.wasm$/);
 * ```
 */
export function defaultWasmUrl(variant: CoreVariant): URL {
  return new URL(`../../build/${FILES[variant]}`, import.meta.url);
}

/**
 * Compiles (once per URL) the core module.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { compileCore } from "./module.ts";
 * const mod = await compileCore("shared");
 * assert.ok(WebAssembly.Module.exports(mod).some((e) => e.name === "apply"));
 * assert.equal(await compileCore("shared"), mod); // compiled once per URL
 * ```
 */
export function compileCore(
  variant: CoreVariant,
  url: URL | string = defaultWasmUrl(variant),
): Promise<WebAssembly.Module> {
  const key = String(url);
  let pending = compiled.get(key);
  if (!pending) {
    pending = (async () => {
      const response = await fetch(url);
      if (!response.ok) {
        throw new Error(`Cannot load WASM core from ${key}: HTTP ${response.status}`);
      }
      return WebAssembly.compile(await response.arrayBuffer());
    })();
    compiled.set(key, pending);
  }
  return pending;
}

/**
 * Instantiates the core. The shared variant gets a new `shared: true` memory the host owns; its
 * `SharedArrayBuffer` can be posted to other Workers, which read the ring without the module. The
 * `bench` variant also exports the benchmark hooks; the production builds do not.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { type BenchExports, instantiateCore } from "./module.ts";
 * const shared = await instantiateCore("shared");
 * assert.ok(shared.memory.buffer instanceof SharedArrayBuffer);
 * assert.equal("bench_ring_write" in shared.exports, false);
 * const bench = await instantiateCore("bench");
 * assert.equal(typeof (bench.exports as BenchExports).bench_ring_write, "function");
 * ```
 */
export async function instantiateCore(
  variant: CoreVariant,
  options: { module?: WebAssembly.Module; url?: URL | string } = {},
): Promise<CoreInstance> {
  const module = options.module ?? await compileCore(variant, options.url);
  const env: Record<string, WebAssembly.ImportValue> = {
    abort(_msg: number, _file: number, line: number, column: number) {
      throw new Error(`WASM core aborted at ${line}:${column}`);
    },
  };
  let memory: WebAssembly.Memory | undefined;
  if (variant !== "plain") {
    memory = new WebAssembly.Memory({
      initial: SHARED_INITIAL_PAGES,
      maximum: SHARED_MAXIMUM_PAGES,
      shared: true,
    });
    env.memory = memory;
  }
  const instance = await WebAssembly.instantiate(module, { env });
  const exports = instance.exports as unknown as CoreExports;
  exports._start();
  memory ??= exports.memory!;
  return { exports, memory, layout: readLayout(instance.exports), variant };
}
