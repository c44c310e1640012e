/**
 * Counters of the broadcast server and their Prometheus text exposition (format 0.0.4), served at
 * `GET /metrics` together with each exchange collector's counters from `ExchangeFeed.health()`.
 *
 * @module
 */
import { newTransportCounters, type TransportCounters } from "./ws_transport.ts";
import type { ExchangeHealth } from "../runtime/feed.ts";

/** Counters of one exchange's ring as the server reads it. */
export interface RingCounters {
  /** Records read from the ring. */
  records: number;
  /**
   * Of those, records of books no client watched, read by their header only (not mirrored: the
   * book is dormant until a subscriber wakes it with a fresh snapshot).
   */
  headerOnly: number;
  /**
   * Times the reader jumped to the newest record while every book of the ring was dormant
   * (records nobody needed; not a loss, unlike `lapped`).
   */
  idleSkips: number;
  /** Times the server's reader was lapped by the writer. */
  lapped: number;
  /** Records that did not continue a book's seq chain (mirror gap). */
  gaps: number;
  /** Deltas whose checksum did not verify in the server's mirror. */
  checksumFailures: number;
  /** STALE markers from the collector. */
  staleMarkers: number;
  /** Books asked of the collector as fresh snapshots. */
  snapshotRequests: number;
  /** Records refused (unknown exchange code or symbol id, malformed). */
  badRecords: number;
  /** Complete deltas (all parts) published to clients. */
  deltas: number;
  /** Wake-ups that found records. */
  wakeups: number;
  /** Time spent handling this ring's records and sending the results, ms. */
  busyMs: number;
}

/**
 * Creates zeroed {@linkcode RingCounters}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { newRingCounters } from "./metrics.ts";
 * assert.equal(newRingCounters().records, 0);
 * ```
 */
export function newRingCounters(): RingCounters {
  return {
    records: 0,
    headerOnly: 0,
    idleSkips: 0,
    lapped: 0,
    gaps: 0,
    checksumFailures: 0,
    staleMarkers: 0,
    snapshotRequests: 0,
    badRecords: 0,
    deltas: 0,
    wakeups: 0,
    busyMs: 0,
  };
}

/**
 * Server-wide counters.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ServerMetrics } from "./metrics.ts";
 * const metrics = new ServerMetrics();
 * ServerMetrics.bump(metrics.messagesRejected, "rate_limited");
 * ServerMetrics.bump(metrics.messagesRejected, "rate_limited");
 * assert.equal(metrics.messagesRejected.get("rate_limited"), 2);
 * ```
 */
export class ServerMetrics {
  /** Connections upgraded to WebSocket. */
  connectionsAccepted = 0;
  /** Upgrades refused, by reason (`max_clients`, `unauthorized`, `bad_request`, `closing`). */
  readonly connectionsRejected: Map<string, number> = new Map();
  /** Delta messages delivered (one per client per delta). */
  deltasSent = 0;
  /** Snapshots delivered (one per client per book). */
  snapshotsSent = 0;
  /** Stale notices delivered. */
  staleSent = 0;
  /** Trades delivered. */
  tradesSent = 0;
  /** Trades not delivered because the client was slow. */
  tradesDropped = 0;
  /** WebSocket frames sent. */
  framesSent = 0;
  /** Payload bytes sent. */
  bytesSent = 0;
  /** Times a client's send buffer went over the limit (it was told stale). */
  slowClientEvents = 0;
  /** Slow clients re-snapshotted after draining. */
  slowClientRecoveries = 0;
  /** Clients disconnected for being slow. */
  slowDisconnects = 0;
  /** Clients disconnected for abusing the message rate. */
  abuseDisconnects = 0;
  /** Client messages received. */
  messagesReceived = 0;
  /** Client messages refused, by reason (the error code sent). */
  readonly messagesRejected: Map<string, number> = new Map();
  /** Per exchange ring counters. */
  readonly rings: Map<string, RingCounters> = new Map();
  /** Counters of the HTTP/WebSocket transport (accept errors, deadlines, oversize frames). */
  readonly transport: TransportCounters = newTransportCounters();

  /** Adds one to a keyed counter. */
  static bump(map: Map<string, number>, key: string, by = 1): void {
    map.set(key, (map.get(key) ?? 0) + by);
  }
}

type Labels = Record<string, string>;

/**
 * Escapes a Prometheus label value.
 *
 * @example
 * ```ts
 * import { escapeLabel } from "./metrics.ts";
 * if (escapeLabel('a"b') !== 'a\\"b') throw new Error();
 * ```
 */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/**
 * Accumulates metric families in Prometheus text format.
 *
 * @example
 * ```ts
 * import { PromText } from "./metrics.ts";
 * const p = new PromText();
 * p.family("x_total", "counter", "Things.", [[{ exchange: "kraken" }, 3]]);
 * if (!p.toString().includes('x_total{exchange="kraken"} 3')) throw new Error();
 * ```
 */
export class PromText {
  #lines: string[] = [];

  /** Adds one metric family (skipped when it has no samples). */
  family(
    name: string,
    type: "counter" | "gauge",
    help: string,
    samples: Array<[Labels, number]>,
  ): this {
    if (samples.length === 0) return this;
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const keys = Object.keys(labels);
      const l = keys.length
        ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(",")}}`
        : "";
      this.#lines.push(`${name}${l} ${formatValue(value)}`);
    }
    return this;
  }

  toString(): string {
    return this.#lines.join("\n") + "\n";
  }
}

/** What {@linkcode renderMetrics} needs beyond the counters. */
export interface MetricsInput {
  metrics: ServerMetrics;
  clients: number;
  slowClients: number;
  subscriptions: number;
  /** Per exchange health from the collectors (absent when `health()` threw). */
  health: ExchangeHealth[];
  /** Per book, whether the server's mirror is synced. */
  books: Array<{ exchange: string; symbol: string; synced: boolean; subscribers: number }>;
}

/**
 * Renders every metric in Prometheus text format.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { renderMetrics, ServerMetrics } from "./metrics.ts";
 * const metrics = new ServerMetrics();
 * metrics.deltasSent = 12;
 * const text = renderMetrics({
 *   metrics, clients: 3, slowClients: 0, subscriptions: 4, health: [],
 *   books: [{ exchange: "kraken", symbol: "BTC/USD", synced: true, subscribers: 3 }],
 * });
 * assert.match(text, /^alphapulse_clients 3$/m);
 * assert.match(text, /^alphapulse_deltas_sent_total 12$/m);
 * ```
 */
export function renderMetrics(input: MetricsInput): string {
  const m = input.metrics;
  const p = new PromText();
  const one = (v: number): Array<[Labels, number]> => [[{}, v]];
  const keyed = (map: Map<string, number>, label: string): Array<[Labels, number]> =>
    [...map].map(([k, v]) => [{ [label]: k }, v]);
  const t = m.transport;
  p.family("alphapulse_clients", "gauge", "Connected WebSocket clients.", one(input.clients))
    .family(
      "alphapulse_connections_accepted_total",
      "counter",
      "TCP connections accepted.",
      one(t.accepted),
    )
    .family(
      "alphapulse_accept_errors_total",
      "counter",
      "accept() failures (e.g. out of file descriptors); the listener backs off and continues.",
      one(t.acceptErrors),
    )
    .family(
      "alphapulse_connections_over_capacity_total",
      "counter",
      "Connections refused (503) because server.maxConnections were open.",
      one(t.overCapacity),
    )
    .family(
      "alphapulse_connection_timeouts_total",
      "counter",
      "Connections closed by a deadline: request head, WebSocket idle, closing handshake.",
      [[{ phase: "header" }, t.headerTimeouts], [{ phase: "idle" }, t.idleTimeouts], [
        { phase: "close" },
        t.closeTimeouts,
      ]],
    )
    .family(
      "alphapulse_bad_http_requests_total",
      "counter",
      "Malformed HTTP requests (400/431).",
      one(t.badRequests),
    )
    .family(
      "alphapulse_oversize_messages_total",
      "counter",
      "Client messages over server.maxMessageBytes, discarded without buffering.",
      one(t.oversizeMessages),
    )
    .family(
      "alphapulse_discarded_bytes_total",
      "counter",
      "Payload bytes of oversize client messages read and dropped.",
      one(t.discardedBytes),
    )
    .family(
      "alphapulse_slow_clients",
      "gauge",
      "Clients currently over their send buffer (told stale, waiting to drain).",
      one(input.slowClients),
    )
    .family(
      "alphapulse_subscriptions",
      "gauge",
      "Subscriptions (book and trades) over all clients.",
      one(input.subscriptions),
    )
    .family(
      "alphapulse_connections_total",
      "counter",
      "WebSocket connections accepted.",
      one(m.connectionsAccepted),
    )
    .family(
      "alphapulse_connections_rejected_total",
      "counter",
      "WebSocket upgrades refused, by reason.",
      keyed(m.connectionsRejected, "reason"),
    )
    .family(
      "alphapulse_deltas_sent_total",
      "counter",
      "Delta messages delivered (one per client per delta).",
      one(m.deltasSent),
    )
    .family(
      "alphapulse_snapshots_sent_total",
      "counter",
      "Snapshots delivered (one per client per book).",
      one(m.snapshotsSent),
    )
    .family("alphapulse_stale_sent_total", "counter", "Stale notices delivered.", one(m.staleSent))
    .family("alphapulse_trades_sent_total", "counter", "Trades delivered.", one(m.tradesSent))
    .family(
      "alphapulse_trades_dropped_total",
      "counter",
      "Trades not delivered because the client was slow.",
      one(m.tradesDropped),
    )
    .family("alphapulse_frames_sent_total", "counter", "WebSocket frames sent.", one(m.framesSent))
    .family("alphapulse_bytes_sent_total", "counter", "Payload bytes sent.", one(m.bytesSent))
    .family(
      "alphapulse_slow_client_events_total",
      "counter",
      "Times a client's send buffer went over the limit.",
      one(m.slowClientEvents),
    )
    .family(
      "alphapulse_slow_client_recoveries_total",
      "counter",
      "Slow clients re-snapshotted after draining.",
      one(m.slowClientRecoveries),
    )
    .family(
      "alphapulse_slow_disconnects_total",
      "counter",
      "Clients disconnected for being slow.",
      one(m.slowDisconnects),
    )
    .family(
      "alphapulse_abuse_disconnects_total",
      "counter",
      "Clients disconnected for abusing the message rate.",
      one(m.abuseDisconnects),
    )
    .family(
      "alphapulse_client_messages_total",
      "counter",
      "Client messages received.",
      one(m.messagesReceived),
    )
    .family(
      "alphapulse_client_messages_rejected_total",
      "counter",
      "Client messages refused, by reason.",
      keyed(m.messagesRejected, "reason"),
    );

  const ring = (name: string, help: string, pick: (r: RingCounters) => number) =>
    p.family(
      name,
      "counter",
      help,
      [...m.rings].map(([exchange, r]) => [{ exchange }, pick(r)]),
    );
  ring("alphapulse_ring_records_total", "Records read from the exchange's ring.", (r) => r.records);
  ring(
    "alphapulse_ring_header_only_records_total",
    "Records of books no client watched, read by header only (not mirrored).",
    (r) => r.headerOnly,
  );
  ring(
    "alphapulse_ring_idle_skips_total",
    "Times the server's reader jumped ahead while every book of the ring was dormant.",
    (r) => r.idleSkips,
  );
  ring(
    "alphapulse_ring_lapped_total",
    "Times the server's ring reader was lapped.",
    (r) => r.lapped,
  );
  ring("alphapulse_ring_deltas_total", "Complete deltas published to clients.", (r) => r.deltas);
  ring("alphapulse_mirror_gaps_total", "Seq gaps seen by the server's mirror.", (r) => r.gaps);
  ring(
    "alphapulse_mirror_checksum_failures_total",
    "Checksum failures in the server's mirror.",
    (r) => r.checksumFailures,
  );
  ring(
    "alphapulse_ring_stale_markers_total",
    "STALE markers from collectors.",
    (r) => r.staleMarkers,
  );
  ring(
    "alphapulse_snapshot_requests_total",
    "Books asked of collectors as fresh snapshots.",
    (r) => r.snapshotRequests,
  );
  ring("alphapulse_ring_bad_records_total", "Ring records refused.", (r) => r.badRecords);
  ring("alphapulse_ring_wakeups_total", "Wake-ups that found records.", (r) => r.wakeups);
  ring(
    "alphapulse_fanout_busy_seconds_total",
    "Time the server spent handling the ring's records and sending them to clients.",
    (r) => r.busyMs / 1000,
  );

  const ex = input.health;
  const exFamily = (
    name: string,
    type: "counter" | "gauge",
    help: string,
    pick: (h: ExchangeHealth) => number | null,
  ) =>
    p.family(
      name,
      type,
      help,
      ex.flatMap((h): Array<[Labels, number]> => {
        const v = pick(h);
        return v === null ? [] : [[{ exchange: h.exchange }, v]];
      }),
    );
  exFamily(
    "alphapulse_exchange_connected",
    "gauge",
    "1 when the exchange connection is open and subscribed.",
    (h) => h.connection === "connected" ? 1 : 0,
  );
  exFamily(
    "alphapulse_exchange_healthy",
    "gauge",
    "1 when the collector is healthy.",
    (h) => h.healthy ? 1 : 0,
  );
  exFamily(
    "alphapulse_exchange_messages_total",
    "counter",
    "Messages from the exchange.",
    (h) => h.messages,
  );
  exFamily(
    "alphapulse_exchange_bytes_total",
    "counter",
    "Bytes from the exchange.",
    (h) => h.bytes,
  );
  exFamily(
    "alphapulse_exchange_parse_errors_total",
    "counter",
    "Exchange messages that failed to parse.",
    (h) => h.parseErrors,
  );
  exFamily(
    "alphapulse_exchange_unknown_messages_total",
    "counter",
    "Exchange messages of unknown type.",
    (h) => h.unknownMessages,
  );
  exFamily(
    "alphapulse_exchange_oversize_messages_total",
    "counter",
    "Exchange messages refused unparsed for holding more than maxLevelsPerMessage levels.",
    (h) => typeof h.oversizeMessages === "number" ? h.oversizeMessages : null,
  );
  exFamily(
    "alphapulse_exchange_errors_total",
    "counter",
    "Errors reported by the exchange (failed subscribes, rate limits).",
    (h) => typeof h.exchangeErrors === "number" ? h.exchangeErrors : null,
  );
  exFamily(
    "alphapulse_exchange_gaps_total",
    "counter",
    "Sequence gaps on the feed.",
    (h) => h.gaps,
  );
  exFamily(
    "alphapulse_exchange_checksum_failures_total",
    "counter",
    "Exchange checksum mismatches.",
    (h) => h.checksumFailures,
  );
  exFamily("alphapulse_exchange_resyncs_total", "counter", "Book resyncs.", (h) => h.resyncs);
  exFamily("alphapulse_exchange_reconnects_total", "counter", "Reconnects.", (h) => h.reconnects);
  p.family(
    "alphapulse_exchange_connection_failures_total",
    "counter",
    "Failed connection attempts and lost connections by cause (dns, refused, tls, http-status, " +
      "handshake-timeout, handshake-closed, closed, silent, requested, other).",
    ex.flatMap((h): Array<[Labels, number]> =>
      Object.entries(h.failuresByCause ?? {}).map(([cause, n]) => [
        { exchange: h.exchange, cause },
        n,
      ])
    ),
  );
  exFamily(
    "alphapulse_exchange_connect_attempts_total",
    "counter",
    "WebSocket connection attempts (first connect and every reconnect).",
    (h) => h.connectAttempts ?? null,
  );
  exFamily(
    "alphapulse_exchange_handshake_timeouts_total",
    "counter",
    "Connection attempts dropped for missing the handshake deadline (handshakeTimeoutMs).",
    (h) => h.handshakeTimeouts ?? null,
  );
  exFamily(
    "alphapulse_exchange_sync_timeouts_total",
    "counter",
    "Books resynced for not going live within bookSyncTimeoutMs of subscribing.",
    (h) => h.syncTimeouts ?? null,
  );
  exFamily(
    "alphapulse_exchange_last_message_age_seconds",
    "gauge",
    "Seconds since the last message from the exchange.",
    (h) => h.lastMessageAgeMs === null ? null : h.lastMessageAgeMs / 1000,
  );

  const bookFamily = (
    name: string,
    type: "counter" | "gauge",
    help: string,
    pick: (b: ExchangeHealth["books"][number]) => number | null,
  ) =>
    p.family(
      name,
      type,
      help,
      ex.flatMap((h) =>
        h.books.flatMap((b): Array<[Labels, number]> => {
          const v = pick(b);
          return v === null ? [] : [[{ exchange: h.exchange, symbol: b.symbol }, v]];
        })
      ),
    );
  bookFamily(
    "alphapulse_book_live",
    "gauge",
    "1 when the collector's book is live.",
    (b) => b.state === "live" ? 1 : 0,
  );
  bookFamily("alphapulse_book_seq", "gauge", "The book's sequence number.", (b) => b.seq);
  bookFamily(
    "alphapulse_book_updates_total",
    "counter",
    "Updates applied to the book.",
    (b) => b.updates,
  );
  bookFamily("alphapulse_book_resyncs_total", "counter", "Resyncs of the book.", (b) => b.resyncs);
  bookFamily("alphapulse_book_gaps_total", "counter", "Sequence gaps of the book.", (b) => b.gaps);
  bookFamily(
    "alphapulse_book_checksum_failures_total",
    "counter",
    "Checksum mismatches of the book.",
    (b) => b.checksumFailures,
  );
  bookFamily(
    "alphapulse_book_parse_errors_total",
    "counter",
    "Parse errors for the book.",
    (b) => b.parseErrors,
  );
  bookFamily(
    "alphapulse_book_absent_deletes_total",
    "counter",
    "Deletes of levels the book did not hold.",
    (b) => b.absentDeletes,
  );
  bookFamily(
    "alphapulse_book_last_update_age_seconds",
    "gauge",
    "Seconds since the book last changed.",
    (b) => b.lastUpdateAgeMs === null ? null : b.lastUpdateAgeMs / 1000,
  );
  p.family(
    "alphapulse_server_book_synced",
    "gauge",
    "1 when the server's mirror of the book is synced (it can serve snapshots).",
    input.books.map((b) => [{ exchange: b.exchange, symbol: b.symbol }, b.synced ? 1 : 0]),
  ).family(
    "alphapulse_server_book_subscribers",
    "gauge",
    "Clients subscribed to the book.",
    input.books.map((b) => [{ exchange: b.exchange, symbol: b.symbol }, b.subscribers]),
  );
  return p.toString();
}
