/**
 * Pure translator for the legacy Coinbase **Exchange** feed (`ws-feed.exchange.coinbase.com`,
 * formerly Pro), which the public recordings use, into the normalised shapes:
 *
 * - `snapshot` -> {@linkcode BookMessage} with `snapshot: true` (`[price, size]` pairs);
 * - `l2update` -> {@linkcode BookMessage} update: `changes` `buy` rows go to `bids`, `sell` rows to
 *   `asks`, each side in wire order; `exchangeTimeMs` from `time`;
 * - `ticker` -> {@linkcode TickerMessage} (`best_bid`/`best_ask`, sizes when present, `sequence`);
 * - `match` / `last_match` -> {@linkcode TradeMessage}: the wire `side` is the **maker's**, so the
 *   taker side is the opposite;
 * - `heartbeat`, `subscriptions`, `error` -> control items; other types -> `unknown`.
 *
 * Not a hot path: `JSON.parse` with hand checks for book and trade fields, zod for control.
 *
 * @module
 */
import { z } from "zod";
import { priceProblem, sizeProblem } from "../../src/exchanges/decimal_text.ts";
import { parseRfc3339Ms } from "../../src/exchanges/timestamps.ts";
import type {
  BookMessage,
  HeartbeatMessage,
  ParsedMessage,
  TickerMessage,
} from "../../src/exchanges/types.ts";
import { invalid, unknown } from "../../src/exchanges/types.ts";
import { tryParseJson, zodReason } from "../../src/exchanges/control_validation.ts";

const uint = z.number().int().nonnegative();
const TickerSchema = z.object({
  product_id: z.string().min(1),
  best_bid: z.string(),
  best_ask: z.string(),
  best_bid_size: z.string().optional(),
  best_ask_size: z.string().optional(),
  sequence: uint.optional(),
  time: z.string().optional(),
});
const MatchSchema = z.object({
  trade_id: uint,
  product_id: z.string().min(1),
  price: z.string(),
  size: z.string(),
  side: z.enum(["buy", "sell"]),
  time: z.string(),
});
const HeartbeatSchema = z.object({ product_id: z.string().min(1) });
const SubscriptionsSchema = z.object({
  channels: z.array(z.object({ name: z.string(), product_ids: z.array(z.string()).optional() })),
});
const ErrorSchema = z.object({ message: z.string(), reason: z.string().optional() });

/** A legacy `ticker`: the normalised ticker plus the feed's per-product `sequence`. */
export interface LegacyTickerMessage extends TickerMessage {
  sequence?: number;
}

/** A legacy per-product heartbeat: names its product. */
export interface LegacyHeartbeatMessage extends HeartbeatMessage {
  symbol?: string;
}

/** What the legacy parser returns (the service's {@linkcode ParsedMessage}s, two of them richer). */
export type LegacyParsedMessage =
  | Exclude<ParsedMessage, TickerMessage | HeartbeatMessage>
  | LegacyTickerMessage
  | LegacyHeartbeatMessage;

/**
 * Translate one legacy Coinbase Exchange feed text message. Never throws.
 *
 * @example
 * ```ts
 * import { parseCoinbaseLegacyMessage } from "./coinbase_legacy.ts";
 * const [m] = parseCoinbaseLegacyMessage('{"type":"l2update","product_id":"BTC-USD",' +
 *   '"time":"2026-07-01T12:00:00.35Z","changes":[["buy","60000.00","0.9"],["sell","60000.01","0"]]}');
 * if (m.kind !== "book" || m.bids[0] !== "60000.00" || m.asks[1] !== "0") throw new Error();
 * ```
 */
export function parseCoinbaseLegacyMessage(text: string): LegacyParsedMessage[] {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return [invalid(parsed.reason)];
  const v = parsed.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return [invalid("Coinbase message must be a JSON object")];
  }
  const o = v as Record<string, unknown>;
  switch (o.type) {
    case "snapshot":
      return [snapshot(o)];
    case "l2update":
      return [l2update(o)];
    case "ticker":
      return [ticker(o)];
    case "match":
    case "last_match":
      return [match(o)];
    case "heartbeat": {
      const r = HeartbeatSchema.safeParse(o);
      if (!r.success) return [invalid(zodReason("heartbeat", r.error))];
      return [{ kind: "heartbeat", symbol: r.data.product_id }];
    }
    case "subscriptions": {
      const r = SubscriptionsSchema.safeParse(o);
      if (!r.success) return [invalid(zodReason("subscriptions", r.error))];
      const channels: Record<string, string[]> = {};
      const symbols = new Set<string>();
      for (const c of r.data.channels) {
        channels[c.name] = c.product_ids ?? [];
        for (const p of c.product_ids ?? []) symbols.add(p);
      }
      return [{ kind: "subscribed", channel: "", symbols: [...symbols], channels }];
    }
    case "error": {
      const r = ErrorSchema.safeParse(o);
      if (!r.success) return [invalid(zodReason("error", r.error))];
      const { message, reason } = r.data;
      return [{ kind: "error", message: reason === undefined ? message : `${message}: ${reason}` }];
    }
    default:
      if (typeof o.type === "string" && o.type !== "") return [unknown(o.type)];
      return [invalid("Coinbase message without a type")];
  }
}

function productOf(o: Record<string, unknown>): string | undefined {
  return typeof o.product_id === "string" && o.product_id !== "" ? o.product_id : undefined;
}

function pairs(levels: unknown, out: string[], key: string): string | undefined {
  if (!Array.isArray(levels)) return `${key} must be an array`;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (!Array.isArray(l) || typeof l[0] !== "string" || typeof l[1] !== "string") {
      return `${key}[${i}] must be [price, size] strings`;
    }
    const bad = priceProblem(l[0]) ?? sizeProblem(l[1]);
    if (bad !== undefined) return `${key}[${i}]: ${bad}`;
    out.push(l[0], l[1]);
  }
  return undefined;
}

function snapshot(o: Record<string, unknown>): LegacyParsedMessage {
  const symbol = productOf(o);
  if (symbol === undefined) return invalid("snapshot: product_id missing or empty");
  const bids: string[] = [];
  const asks: string[] = [];
  const bad = pairs(o.bids, bids, "bids") ?? pairs(o.asks, asks, "asks");
  if (bad !== undefined) return invalid(`snapshot: ${bad}`);
  return { kind: "book", symbol, snapshot: true, bids, asks };
}

function l2update(o: Record<string, unknown>): LegacyParsedMessage {
  const symbol = productOf(o);
  if (symbol === undefined) return invalid("l2update: product_id missing or empty");
  if (!Array.isArray(o.changes)) return invalid("l2update: changes must be an array");
  const bids: string[] = [];
  const asks: string[] = [];
  for (let i = 0; i < o.changes.length; i++) {
    const c = o.changes[i];
    if (!Array.isArray(c) || typeof c[1] !== "string" || typeof c[2] !== "string") {
      return invalid(`l2update: changes[${i}] must be [side, price, size] strings`);
    }
    const bad = priceProblem(c[1]) ?? sizeProblem(c[2]);
    if (bad !== undefined) return invalid(`l2update: changes[${i}]: ${bad}`);
    if (c[0] === "buy") bids.push(c[1], c[2]);
    else if (c[0] === "sell") asks.push(c[1], c[2]);
    else return invalid(`l2update: changes[${i}] side must be "buy" or "sell"`);
  }
  const m: BookMessage = { kind: "book", symbol, snapshot: false, bids, asks };
  if (o.time !== undefined) {
    const t = typeof o.time === "string" ? parseRfc3339Ms(o.time) : undefined;
    if (t === undefined) return invalid("l2update: time is not RFC 3339");
    m.exchangeTimeMs = t;
  }
  return m;
}

function ticker(o: Record<string, unknown>): LegacyParsedMessage {
  const r = TickerSchema.safeParse(o);
  if (!r.success) return invalid(zodReason("ticker", r.error));
  const d = r.data;
  const bad = priceProblem(d.best_bid) ?? priceProblem(d.best_ask) ??
    (d.best_bid_size === undefined ? undefined : sizeProblem(d.best_bid_size)) ??
    (d.best_ask_size === undefined ? undefined : sizeProblem(d.best_ask_size));
  if (bad !== undefined) return invalid(`ticker: ${bad}`);
  const t: LegacyTickerMessage = {
    kind: "ticker",
    symbol: d.product_id,
    bidPrice: d.best_bid,
    askPrice: d.best_ask,
  };
  if (d.best_bid_size !== undefined) t.bidSize = d.best_bid_size;
  if (d.best_ask_size !== undefined) t.askSize = d.best_ask_size;
  if (d.sequence !== undefined) t.sequence = d.sequence;
  if (d.time !== undefined) {
    const ms = parseRfc3339Ms(d.time);
    if (ms === undefined) return invalid("ticker: time is not RFC 3339");
    t.timeMs = ms;
  }
  return t;
}

function match(o: Record<string, unknown>): LegacyParsedMessage {
  const r = MatchSchema.safeParse(o);
  if (!r.success) return invalid(zodReason(String(o.type), r.error));
  const d = r.data;
  const bad = priceProblem(d.price) ?? sizeProblem(d.size);
  if (bad !== undefined) return invalid(`${o.type}: ${bad}`);
  const timeMs = parseRfc3339Ms(d.time);
  if (timeMs === undefined) return invalid(`${o.type}: time is not RFC 3339`);
  return {
    kind: "trade",
    symbol: d.product_id,
    price: d.price,
    size: d.size,
    side: d.side === "sell" ? "buy" : "sell",
    timeMs,
    tradeId: String(d.trade_id),
  };
}
