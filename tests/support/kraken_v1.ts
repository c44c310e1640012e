/**
 * Pure translator from Kraken WebSocket **v1** messages (used by the public recordings) to the
 * same normalised shapes the v2 parser produces, so v1 captures can be replayed through the v2
 * book logic. Kraken v1 and v2 share the checksum rule, so nothing is lost.
 *
 * - book: `[channelID, {"as","bs"}, "book-N", pair]` snapshots and
 *   `[channelID, {"a"}, ({"b", "c"},) "book-N", pair]` updates become one {@linkcode BookMessage};
 *   the quoted `"c"` becomes `checksum`; the `"r"` (republished) flag is dropped (a republished
 *   level is applied like any other); `exchangeTimeMs` is the latest level timestamp.
 * - trade: `[channelID, [[price, volume, time, side, type, misc], ...], "trade", pair]` becomes one
 *   {@linkcode TradeMessage} per trade (v1 has no trade id: `tradeId` is `""`).
 * - pairs (also in acks and errors) are mapped to their v2 spelling (`XBT/USD` -> `BTC/USD`), the
 *   `symbol` a v2 message would carry.
 * - events (`systemStatus`, `subscriptionStatus`, `heartbeat`, `ping`/`pong`) are validated with zod.
 *
 * Recordings are not a hot path, so this goes through `JSON.parse`; v1 numbers are strings, so
 * their text survives.
 *
 * @module
 */
import { z } from "zod";
import { priceProblem, sizeProblem } from "../../src/exchanges/decimal_text.ts";
import { parseEpochSecondsMs } from "../../src/exchanges/timestamps.ts";
import type { BookMessage, ParsedMessage, TradeMessage } from "../../src/exchanges/types.ts";
import { invalid, unknown } from "../../src/exchanges/types.ts";
import { tryParseJson, zodReason } from "../../src/exchanges/control_validation.ts";
import { krakenV1ToV2Symbol } from "../../src/exchanges/kraken/symbols.ts";

const reqid = z.number().int().optional();
const SystemStatusSchema = z.object({
  event: z.literal("systemStatus"),
  status: z.string().min(1),
  version: z.string().optional(),
});
const SubscriptionStatusSchema = z.object({
  event: z.literal("subscriptionStatus"),
  status: z.enum(["subscribed", "unsubscribed", "error"]),
  pair: z.string().optional(),
  channelName: z.string().optional(),
  subscription: z.object({ name: z.string(), depth: z.number().int().optional() }).optional(),
  errorMessage: z.string().optional(),
  reqid,
});
const PingPongSchema = z.object({ event: z.enum(["ping", "pong"]), reqid });

/**
 * Translate one Kraken v1 WebSocket text message. Never throws.
 *
 * @example
 * ```ts
 * import { parseKrakenV1Message } from "./kraken_v1.ts";
 * const [m] = parseKrakenV1Message('[336,{"b":[["27119.90000","13.54109952","1693415330.621700"]],' +
 *   '"c":"3572756970"},"book-10","XBT/USD"]');
 * if (m.kind !== "book" || m.symbol !== "BTC/USD" || m.checksum !== 3572756970) throw new Error();
 * ```
 */
export function parseKrakenV1Message(text: string): ParsedMessage[] {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return [invalid(parsed.reason)];
  const v = parsed.value;
  if (Array.isArray(v)) return translateArray(v);
  if (typeof v === "object" && v !== null) return translateEvent(v as Record<string, unknown>);
  return [invalid("Kraken v1 message must be a JSON array or object")];
}

function translateArray(v: unknown[]): ParsedMessage[] {
  if (v.length < 4) return [invalid("v1 data message needs [channelID, payload, name, pair]")];
  const name = v[v.length - 2];
  const pair = v[v.length - 1];
  if (typeof name !== "string" || typeof pair !== "string" || pair === "") {
    return [invalid("v1 data message must end with channel name and pair strings")];
  }
  const symbol = krakenV1ToV2Symbol(pair);
  const payloads = v.slice(1, v.length - 2);
  if (name.startsWith("book")) return [translateBook(symbol, payloads)];
  if (name === "trade") return translateTrades(symbol, payloads[0]);
  return [unknown(name)];
}

class LevelSink {
  latestMs: number | undefined = undefined;
  problem: string | undefined = undefined;

  add(levels: unknown, out: string[], key: string): void {
    if (!Array.isArray(levels)) {
      this.problem ??= `${key} must be an array`;
      return;
    }
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      if (!Array.isArray(l) || l.length < 3) {
        this.problem ??= `${key}[${i}] must be [price, volume, timestamp, ...]`;
        return;
      }
      const [price, volume, time] = l;
      if (typeof price !== "string" || typeof volume !== "string" || typeof time !== "string") {
        this.problem ??= `${key}[${i}] price, volume and timestamp must be strings`;
        return;
      }
      const bad = priceProblem(price) ?? sizeProblem(volume);
      if (bad !== undefined) {
        this.problem ??= `${key}[${i}]: ${bad}`;
        return;
      }
      const ms = parseEpochSecondsMs(time);
      if (ms === undefined) {
        this.problem ??= `${key}[${i}] timestamp is not epoch seconds`;
        return;
      }
      if (this.latestMs === undefined || ms > this.latestMs) this.latestMs = ms;
      out.push(price, volume);
    }
  }
}

function translateBook(symbol: string, payloads: unknown[]): ParsedMessage {
  const bids: string[] = [];
  const asks: string[] = [];
  const sink = new LevelSink();
  let snapshot = false;
  let checksum: number | undefined;
  for (const p of payloads) {
    if (typeof p !== "object" || p === null || Array.isArray(p)) {
      return invalid("v1 book payload must be an object");
    }
    const o = p as Record<string, unknown>;
    if ("as" in o || "bs" in o) {
      snapshot = true;
      sink.add(o.as ?? [], asks, "as");
      sink.add(o.bs ?? [], bids, "bs");
    }
    if ("a" in o) sink.add(o.a, asks, "a");
    if ("b" in o) sink.add(o.b, bids, "b");
    if ("c" in o) {
      if (typeof o.c !== "string" || !/^\d{1,10}$/.test(o.c) || Number(o.c) > 4294967295) {
        return invalid("v1 book c must be a quoted unsigned 32-bit integer");
      }
      checksum = Number(o.c);
    }
  }
  if (sink.problem !== undefined) return invalid(`v1 book: ${sink.problem}`);
  const m: BookMessage = { kind: "book", symbol, snapshot, bids, asks };
  if (checksum !== undefined) m.checksum = checksum;
  if (sink.latestMs !== undefined) m.exchangeTimeMs = sink.latestMs;
  return m;
}

function translateTrades(symbol: string, trades: unknown): ParsedMessage[] {
  if (!Array.isArray(trades)) return [invalid("v1 trade payload must be an array")];
  const out: ParsedMessage[] = [];
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (!Array.isArray(t) || t.length < 4) {
      return [invalid(`v1 trade[${i}] must be [price, volume, time, side, ...]`)];
    }
    const [price, volume, time, side] = t;
    if (typeof price !== "string" || typeof volume !== "string" || typeof time !== "string") {
      return [invalid(`v1 trade[${i}] price, volume and time must be strings`)];
    }
    const bad = priceProblem(price) ?? sizeProblem(volume);
    if (bad !== undefined) return [invalid(`v1 trade[${i}]: ${bad}`)];
    if (side !== "b" && side !== "s") return [invalid(`v1 trade[${i}] side must be "b" or "s"`)];
    const timeMs = parseEpochSecondsMs(time);
    if (timeMs === undefined) return [invalid(`v1 trade[${i}] time is not epoch seconds`)];
    const trade: TradeMessage = {
      kind: "trade",
      symbol,
      price,
      size: volume,
      side: side === "b" ? "buy" : "sell",
      timeMs,
      tradeId: "",
    };
    out.push(trade);
  }
  return out;
}

function translateEvent(o: Record<string, unknown>): ParsedMessage[] {
  switch (o.event) {
    case "heartbeat":
      return [{ kind: "heartbeat" }];
    case "systemStatus": {
      const r = SystemStatusSchema.safeParse(o);
      if (!r.success) return [invalid(zodReason("systemStatus", r.error))];
      return [{
        kind: "status",
        status: r.data.status,
        ...(r.data.version === undefined ? {} : { version: r.data.version }),
      }];
    }
    case "ping":
    case "pong": {
      const r = PingPongSchema.safeParse(o);
      if (!r.success) return [invalid(zodReason(String(o.event), r.error))];
      return [{
        kind: r.data.event,
        ...(r.data.reqid === undefined ? {} : { reqId: r.data.reqid }),
      }];
    }
    case "subscriptionStatus": {
      const r = SubscriptionStatusSchema.safeParse(o);
      if (!r.success) return [invalid(zodReason("subscriptionStatus", r.error))];
      const d = r.data;
      const reqId = d.reqid === undefined ? {} : { reqId: d.reqid };
      if (d.status === "error") {
        return [{
          kind: "error",
          message: d.errorMessage ?? "subscription error",
          ...reqId,
          ...(d.pair === undefined ? {} : { symbol: krakenV1ToV2Symbol(d.pair) }),
        }];
      }
      return [{
        kind: "subscribed",
        channel: d.subscription?.name ?? d.channelName ?? "",
        symbols: d.pair === undefined ? [] : [krakenV1ToV2Symbol(d.pair)],
        ...(d.status === "unsubscribed" ? { unsubscribe: true } : {}),
        ...reqId,
        ...(d.subscription?.depth === undefined ? {} : { depth: d.subscription.depth }),
      }];
    }
    default:
      if (typeof o.event === "string" && o.event !== "") return [unknown(o.event)];
      if (typeof o.errorMessage === "string") return [{ kind: "error", message: o.errorMessage }];
      return [invalid("Kraken v1 object message without an event")];
  }
}
