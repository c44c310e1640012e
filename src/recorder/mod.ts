/**
 * Recording every raw exchange input with its receive time (`--record <dir>`) and replaying it
 * through the adapters (`deno task replay <dir>`). See `README.md` in this folder.
 *
 * @example
 * ```ts ignore
 * import { replayRecording } from "./mod.ts";
 * const summary = await replayRecording({ dir: "recordings/", speed: "max" });
 * ```
 *
 * @module
 */
export * from "./infer_symbols.ts";
export * from "./reader.ts";
export * from "./recorder.ts";
export * from "./replay.ts";
