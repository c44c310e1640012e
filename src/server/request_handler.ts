/**
 * Client requests: one client frame → rate limit, size limit, validation, then subscribe or
 * unsubscribe (DESIGN §7; `docs/protocol.md`). Every refusal is an `error` message with a code,
 * counted in `messagesRejected`; a client over the abuse threshold is closed with 1008.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { BookChannel } from "./book_channel.ts";
import type { BookSync } from "./book_sync.ts";
import { parseClientMessage } from "./client_message.ts";
import type { ClientSession } from "./client_session.ts";
import { CLOSE_CODES } from "./close_codes.ts";
import type { FanOut } from "./fan_out.ts";
import { encodeAck, encodeError, type ErrorCode } from "./json_messages.ts";
import { ServerMetrics } from "./metrics.ts";
import type { Subscriptions } from "./subscriptions.ts";
import { TOO_LARGE } from "./ws_transport.ts";

/** What {@linkcode RequestHandler} needs. */
export interface RequestHandlerOptions {
  config: Pick<
    Config["server"],
    "maxMessageBytes" | "maxMessagesPerSecond" | "maxSubscriptionsPerClient"
  >;
  metrics: ServerMetrics;
  subscriptions: Subscriptions<ClientSession, BookChannel>;
  sync: BookSync;
  fanOut: FanOut;
  /** Closes a session and forgets it. */
  disconnect(session: ClientSession, code: number, reason: string): void;
}

const encoder = new TextEncoder();

/**
 * Handles client frames.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BookMirror } from "../core/mod.ts";
 * import { parseConfig } from "../config.ts";
 * import type { BookChannel } from "./book_channel.ts";
 * import { BookSync } from "./book_sync.ts";
 * import { ClientSession } from "./client_session.ts";
 * import { FanOut } from "./fan_out.ts";
 * import { ServerMetrics } from "./metrics.ts";
 * import { RequestHandler } from "./request_handler.ts";
 * import { Subscriptions } from "./subscriptions.ts";
 * const sent: Array<string | Uint8Array> = [];
 * const socket = {
 *   readyState: WebSocket.OPEN, bufferedAmount: 0, addEventListener() {}, close() {},
 *   send(data: string | Uint8Array) { sent.push(data); },
 * } as unknown as WebSocket;
 * const metrics = new ServerMetrics();
 * const subscriptions = new Subscriptions<ClientSession, BookChannel>();
 * const mirror = await BookMirror.create();
 * const fanOut = new FanOut({
 *   subscriptions, mirror, metrics, clientBufferBytes: 1000, onOverflow: () => {},
 * });
 * const sync = new BookSync({ mirror, fanOut, snapshotRetryMs: 2000, onError: console.error });
 * const config = parseConfig({}).server;
 * const requests = new RequestHandler({
 *   config, metrics, subscriptions, sync, fanOut, disconnect: () => {},
 * });
 * const session = new ClientSession(socket, "json", 50, metrics);
 * subscriptions.add(session);
 * requests.handle(session, '{"op":"subscribe","channel":"book","exchange":"nowhere","symbols":["X"]}');
 * assert.equal(JSON.parse(sent[0] as string).code, "unknown_exchange");
 * requests.handle(session, new Uint8Array(4));
 * assert.equal(JSON.parse(sent[1] as string).code, "binary_not_accepted");
 * assert.equal(metrics.messagesReceived, 2);
 * ```
 */
export class RequestHandler {
  #o: RequestHandlerOptions;

  constructor(options: RequestHandlerOptions) {
    this.#o = options;
  }

  /** Handles one client message (text, binary, or {@linkcode TOO_LARGE} for an oversize one). */
  handle(session: ClientSession, data: unknown): void {
    const { config, metrics } = this.#o;
    metrics.messagesReceived++;
    const verdict = session.limiter.take();
    if (verdict === "abuse") {
      ServerMetrics.bump(metrics.messagesRejected, "rate_limited");
      metrics.abuseDisconnects++;
      this.#o.disconnect(
        session,
        CLOSE_CODES.policyViolation,
        `Message rate limit exceeded (${config.maxMessagesPerSecond}/s)`,
      );
      return;
    }
    if (verdict === "limited") {
      return this.#reject(
        session,
        "rate_limited",
        `Too many messages: at most ${config.maxMessagesPerSecond} per second`,
      );
    }
    if (data === TOO_LARGE) {
      const max = config.maxMessageBytes;
      return this.#reject(session, "message_too_large", `Messages are limited to ${max} bytes`);
    }
    if (typeof data !== "string") {
      return this.#reject(session, "binary_not_accepted", "Client messages must be JSON text");
    }
    const max = config.maxMessageBytes;
    if (data.length > max || (data.length * 3 > max && encoder.encode(data).byteLength > max)) {
      return this.#reject(session, "message_too_large", `Messages are limited to ${max} bytes`);
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      return this.#reject(
        session,
        parsed.code,
        parsed.message,
        parsed.id === undefined ? {} : { id: parsed.id },
      );
    }
    const m = parsed.message;
    const idField = m.id === undefined ? {} : { id: m.id };
    const book = this.#o.sync.books(m.exchange);
    if (!book) {
      return this.#reject(
        session,
        "unknown_exchange",
        `Unknown exchange ${JSON.stringify(m.exchange)}; serving: ${
          this.#o.sync.exchanges().join(", ") || "none"
        }`,
        idField,
      );
    }
    const unknown = m.symbols.filter((s) => !book.has(s));
    if (unknown.length > 0) {
      return this.#reject(
        session,
        "unknown_symbol",
        `Unknown symbol${unknown.length > 1 ? "s" : ""} on ${m.exchange}: ${unknown.join(", ")}`,
        { ...idField, exchange: m.exchange, symbols: unknown },
      );
    }
    const subs = this.#o.subscriptions;
    const channels = [...new Set(m.symbols)].map((s) => book.get(s)!);
    const channel = m.channel === "book" ? "book" : "trades";
    if (m.op === "subscribe") {
      const added = channels.filter((c) => !subs.has(session, c, channel)).length;
      const limit = config.maxSubscriptionsPerClient;
      const held = subs.countOf(session);
      if (held + added > limit) {
        return this.#reject(
          session,
          "too_many_subscriptions",
          `At most ${limit} subscriptions per connection (holding ${held})`,
          idField,
        );
      }
      session.queueText(
        encodeAck(
          "subscribed",
          m.channel,
          m.exchange,
          channels.map((c) => c.names.symbol),
          m.id,
          m.channel === "book"
            ? { exchangeCode: channels[0].code, symbolIds: channels.map((c) => c.symbolId) }
            : undefined,
        ),
      );
      for (const ch of channels) {
        if (m.channel === "book") this.#subscribeBook(session, ch);
        else subs.addTrades(session, ch);
      }
    } else {
      for (const ch of channels) {
        if (m.channel === "book") subs.removeBook(session, ch);
        else subs.removeTrades(session, ch);
      }
      session.queueText(
        encodeAck("unsubscribed", m.channel, m.exchange, channels.map((c) => c.names.symbol), m.id),
      );
    }
    this.#o.fanOut.touch(session);
    this.#o.fanOut.flushIfIdle();
  }

  #reject(
    session: ClientSession,
    code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ): void {
    ServerMetrics.bump(this.#o.metrics.messagesRejected, code);
    session.queueText(encodeError(code, message, extra));
    this.#o.fanOut.touch(session);
    this.#o.fanOut.flushIfIdle();
  }

  /** A new book subscription: the mirror's snapshot now, or a stale notice and a snapshot later. */
  #subscribeBook(session: ClientSession, ch: BookChannel): void {
    // The pump may be polling slowly (nobody watched this feed): bring the mirror up to date
    // now, before this session is a subscriber (what the drain publishes is not for it).
    this.#o.sync.wake(ch);
    this.#o.subscriptions.addBook(session, ch);
    if (session.slow) return; // re-snapshotted when it drains
    const fanOut = this.#o.fanOut;
    if (fanOut.sendSnapshot(session, ch)) return;
    // Woken from dormant: the fresh snapshot follows within moments, nothing to warn about.
    if (ch.waking) return;
    if (ch.cause !== null) {
      // Not synced: say so now (as JSON text); the snapshot follows when the book is synced.
      fanOut.staleTo(session, ch, ch.cause === "startup" ? "waiting" : ch.cause, true);
      if (ch.cause !== "upstream") this.#o.sync.requestOne(ch);
    }
  }
}
