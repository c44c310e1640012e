/**
 * The AlphaPulse browser client library.
 *
 * @module
 */
export * from "./client.ts";
