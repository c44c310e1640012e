/**
 * WebSocket close codes the server sends (RFC 6455 §7.4.1).
 *
 * @module
 */

/**
 * Close codes the server uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { CLOSE_CODES } from "./close_codes.ts";
 * assert(CLOSE_CODES.tryAgainLater === 1013);
 * ```
 */
export const CLOSE_CODES = Object.freeze({
  /** Server shutting down. */
  goingAway: 1001,
  /** Message rate abuse. */
  policyViolation: 1008,
  /** Slow consumer. */
  tryAgainLater: 1013,
});
