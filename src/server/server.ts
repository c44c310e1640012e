/**
 * The broadcast server: its own HTTP/1.1 + WebSocket transport (`ws_transport.ts`: accept that
 * survives descriptor exhaustion, header and idle deadlines, a connection cap, client frames
 * bounded by `maxMessageBytes` before they are buffered) on the configured host and port
 * (127.0.0.1 unless configured) with
 *
 * - `GET /ws` — WebSocket, `?format=json` (default) or `?format=binary`; optional bearer token;
 *   the client protocol is DESIGN §7, detailed in `docs/protocol.md`;
 * - `GET /health` — JSON state of every exchange connection and book; HTTP 503 when no book is
 *   live;
 * - `GET /metrics` — Prometheus text format;
 * - `GET /` — the dashboard page (cross-origin isolated).
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { ExchangeFeed } from "../runtime/feed.ts";
import { isAuthorized } from "./auth.ts";
import { Broadcaster, type BroadcasterTuning } from "./broadcaster.ts";
import { CLOSE_CODES } from "./close_codes.ts";
import { ClientSession, type WireFormat } from "./client_session.ts";
import { dashboardPage, PAGE_HEADERS } from "./dashboard.ts";
import { DASHBOARD_HTML } from "../client/dashboard/page.ts";
import { loadStaticAssets } from "./static_assets.ts";
import { ServerMetrics } from "./metrics.ts";
import type { ReportSection } from "./health_report.ts";
import {
  acceptUpgrade,
  connectionCap,
  descriptorLimit,
  HttpTransport,
  upgradeProblem,
} from "./ws_transport.ts";

/** Options of {@linkcode createServer}. */
export interface ServerOptions {
  /** The service configuration (`server` settings are used here). */
  config: Pick<Config, "server">;
  /** The running exchange collectors whose rings the server reads. */
  feeds: readonly ExchangeFeed[];
  /** Tuning for tests and benchmarks. */
  tuning?: BroadcasterTuning;
  /** Further `/health` and `/metrics` sections (the NATS scale-out's `nats`). */
  sections?: readonly ReportSection[];
  /**
   * The process's open-file limit, when the caller knows it (`deno task start`'s launcher reads
   * it: Deno lets only `-A` read `/proc/self/limits`); otherwise it is read from there.
   */
  descriptorLimit?: number;
}

/** A running broadcast server. */
export interface BroadcastServer {
  /** The port it listens on (the actual one when configured as 0). */
  readonly port: number;
  /** The address it listens on. */
  readonly hostname: string;
  /** Connected WebSocket clients. */
  readonly clients: number;
  /** Connections (HTTP and WebSocket) it holds at most (`server.maxConnections` or derived). */
  readonly maxConnections: number;
  /** Connections open now. */
  readonly connections: number;
  /** Server counters (also served at `/metrics`). */
  readonly metrics: ServerMetrics;
  /**
   * Graceful shutdown: refuses new connections, stops reading the rings, closes every client
   * socket with code 1001 and `reason`, and resolves when the listener has shut down. Does not
   * stop the collectors. Idempotent.
   */
  close(reason?: string): Promise<void>;
}

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};
const TEXT_HEADERS = { "content-type": "text/plain; charset=utf-8" };

/**
 * Starts the broadcast server.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseConfig } from "../config.ts";
 * import { createServer } from "./server.ts";
 * const config = parseConfig({ server: { port: 0 } }); // any free port
 * const server = await createServer({ config, feeds: [] });
 * const response = await fetch(`http://${server.hostname}:${server.port}/health`);
 * assert.equal(response.status, 503); // no book is live
 * assert.equal((await response.json()).status, "down");
 * await server.close("example done");
 * ```
 */
export async function createServer(options: ServerOptions): Promise<BroadcastServer> {
  const config = options.config.server;
  const hub = await Broadcaster.create(config, options.feeds, {
    ...options.tuning,
    sections: [...(options.tuning?.sections ?? []), ...(options.sections ?? [])],
  });
  const exchanges = options.feeds.map((f) => f.exchange);
  let upgrading = 0;
  let closing: Promise<void> | undefined;
  const metrics = hub.metrics;
  const refuse = (reason: string, status: number, text: string, headers: HeadersInit = {}) => {
    ServerMetrics.bump(metrics.connectionsRejected, reason);
    return new Response(text + "\n", { status, headers: { ...TEXT_HEADERS, ...headers } });
  };

  const openSocket = (request: Request, url: URL): Response => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return refuse("bad_request", 426, "Expected a WebSocket upgrade", { upgrade: "websocket" });
    }
    const problem = upgradeProblem(request);
    if (problem) return refuse("bad_request", 400, `Bad WebSocket upgrade: ${problem}`);
    const formatParam = url.searchParams.get("format") ?? "json";
    if (formatParam !== "json" && formatParam !== "binary") {
      return refuse(
        "bad_request",
        400,
        `Unknown format ${JSON.stringify(formatParam)}; use json or binary`,
      );
    }
    if (!isAuthorized(request, url, config.token)) {
      return refuse("unauthorized", 401, "A valid bearer token is required", {
        "www-authenticate": 'Bearer realm="alphapulse"',
      });
    }
    if (closing) return refuse("closing", 503, "Server shutting down");
    if (hub.clients + upgrading >= config.maxClients) {
      return refuse("max_clients", 503, `Server full (${config.maxClients} clients)`, {
        "retry-after": "5",
      });
    }
    const { socket, response } = acceptUpgrade(request);
    const session = new ClientSession(
      socket,
      formatParam as WireFormat,
      config.maxMessagesPerSecond,
      metrics,
    );
    socket.binaryType = "arraybuffer";
    upgrading++;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      upgrading--;
      if (closing) session.close(CLOSE_CODES.goingAway, "Server shutting down");
      else hub.addSession(session);
    };
    socket.onmessage = (event) => hub.handleMessage(session, event.data);
    socket.onerror = () => {
      // Followed by a close event, which cleans up.
    };
    socket.onclose = () => {
      if (!opened) upgrading--;
      opened = true;
      hub.removeSession(session);
    };
    return response;
  };

  const handler = (request: Request): Response => {
    const url = new URL(request.url);
    const get = request.method === "GET" || request.method === "HEAD";
    switch (url.pathname) {
      case "/ws":
        return openSocket(request, url);
      case "/health": {
        if (!get) break;
        const report = hub.health();
        return new Response(JSON.stringify(report, null, 2) + "\n", {
          status: report.status === "down" ? 503 : 200,
          headers: JSON_HEADERS,
        });
      }
      case "/metrics":
        if (!get) break;
        return new Response(hub.metricsText(), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        });
      case "/":
      case "/index.html":
        if (!get) break;
        return new Response(
          assets.has("/dashboard.js") ? DASHBOARD_HTML : dashboardPage(exchanges),
          {
            headers: PAGE_HEADERS,
          },
        );
      default: {
        const asset = get ? assets.get(url.pathname) : undefined;
        if (asset) return new Response(asset.body, { headers: asset.headers });
        if (!get && assets.has(url.pathname)) break;
        return new Response("Not found\n", { status: 404, headers: TEXT_HEADERS });
      }
    }
    return new Response("Method not allowed\n", {
      status: 405,
      headers: { ...TEXT_HEADERS, allow: "GET, HEAD" },
    });
  };

  const assets = await loadStaticAssets();
  const fds = options.descriptorLimit ?? descriptorLimit();
  const maxConnections = config.maxConnections > 0
    ? config.maxConnections
    : fds === undefined
    ? 4096
    : connectionCap(fds);
  const listener = HttpTransport.listen({
    hostname: config.hostname,
    port: config.port,
    limits: {
      maxConnections,
      headerTimeoutMs: config.headerTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxMessageBytes: config.maxMessageBytes,
      closeTimeoutMs: config.closeTimeoutMs,
    },
    counters: metrics.transport,
    onError: options.tuning?.onError,
  }, handler);
  hub.start();

  const close = (reason = "Server shutting down"): Promise<void> => {
    closing ??= (async () => {
      await hub.stop();
      const sessions = hub.sessions();
      for (const s of sessions) s.close(CLOSE_CODES.goingAway, reason);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(sessions.map((s) => s.closed)),
        new Promise((resolve) => timer = setTimeout(resolve, 2000)),
      ]);
      clearTimeout(timer);
      await listener.shutdown();
    })();
    return closing;
  };

  return {
    port: listener.addr.port,
    hostname: listener.addr.hostname,
    get clients() {
      return hub.clients;
    },
    maxConnections,
    get connections() {
      return listener.connections;
    },
    metrics,
    close,
  };
}
