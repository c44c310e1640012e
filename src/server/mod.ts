/**
 * The delta broadcast server: reads every exchange feed's ring and serves WebSocket clients
 * (DESIGN §7; `docs/protocol.md`), plus `/health`, `/metrics` and the dashboard page.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "./mod.ts";
 * const server = await createServer({ config, feeds });
 * await server.close("bye");
 * ```
 *
 * @module
 */
export { type BroadcastServer, createServer, type ServerOptions } from "./server.ts";
export type { BroadcasterTuning } from "./broadcaster.ts";
export { CLOSE_CODES } from "./close_codes.ts";
export type { BookStatus, ExchangeStatus, HealthReport } from "./health_report.ts";
export { ClientMessageSchema, parseClientMessage } from "./client_message.ts";
export type { ClientMessage } from "./client_message.ts";
export type { ErrorCode, StaleReason } from "./json_messages.ts";
export { ServerMetrics } from "./metrics.ts";
