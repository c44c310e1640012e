/**
 * Scale-out on NATS JetStream (DESIGN §12): collectors publish their rings, edges fill theirs
 * from JetStream and serve clients, a lease elects one publisher per exchange. See
 * `docs/nats.md`.
 *
 * @module
 */
export * from "./connection.ts";
export * from "./counters.ts";
export * from "./edge_feed.ts";
export * from "./lease.ts";
export * from "./names.ts";
export * from "./node.ts";
export * from "./publisher.ts";
export * from "./report.ts";
export * from "./setup.ts";
