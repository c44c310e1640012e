// Benchmark entry: the production export surface (index.ts) plus the benchmark hooks. Built to
// build/alphapulse_bench.wasm (shared memory, like build/alphapulse.wasm); never served.

export * from "./index";
export { bench_ring_write, bench_view_checksum } from "./bench_hooks";
