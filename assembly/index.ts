// AlphaPulse WASM core: the module's export surface, and nothing else. Pure computation, no I/O.
//
// The host stages a batch of level changes in the input area (staging.ts), then calls `apply`
// (or `reset` for a fresh full book; book_ops.ts). The tracker (tracker.ts) diffs the top-N and
// writes delta records into the ring (ring.ts), which readers on other threads consume from shared
// memory. The host may instead write a frame's text into the text area and have its level
// arrays staged from the bytes (text_levels.ts), or a Binance depth update read and applied in
// two calls (depth_scan.ts). Mirrors (mirror.ts) rebuild a top-N book from records. Every offset the host needs is
// exported by layout_exports.ts. Benchmark hooks are exported only by bench.ts.

export * from "./layout_exports";
export { MAX_DEPTH, book_create } from "./books";
export { input_capacity, input_reserve } from "./staging";
export { ring_address, ring_create } from "./ring";
export {
  measure_text_levels,
  stage_text_levels,
  text_capacity,
  text_end,
  text_error_end,
  text_error_start,
  text_field,
  text_loaded,
  text_needed,
  text_price_decimals,
  text_reserve,
  text_scales,
  text_size_decimals,
  text_value_end,
} from "./text_levels";
export {
  apply,
  apply_levels,
  book_clear,
  book_set_quiet,
  book_set_scale,
  mark_stale,
  publish,
  reset,
  resume,
  snapshot,
} from "./book_ops";
export {
  book_absent_deletes,
  book_checksum,
  book_is_stale,
  book_kraken_checksum,
  book_length,
  book_seq,
  book_top,
  crc32_bytes,
  output_address,
} from "./book_read";
export { depth_apply, depth_scan_address, depth_scan_binance } from "./depth_scan";
export { mirror_apply } from "./mirror";
export { ring_write_raw } from "./raw_record";
