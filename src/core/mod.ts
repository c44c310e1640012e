/**
 * Host binding of the AlphaPulse WASM core.
 *
 * @module
 */
export * from "./book_mirror.ts";
export * from "./core.ts";
export * from "./decimal.ts";
export * from "./layout.ts";
export * from "./module.ts";
export * from "./record.ts";
export * from "./record_view.ts";
export * from "./record_encode.ts";
export * from "./ring_reader.ts";
