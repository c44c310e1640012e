/**
 * Server → client JSON messages (DESIGN §7, documented in `docs/protocol.md`). Each message is
 * encoded once and the same string is sent to every client that receives it.
 *
 * Book messages carry the contract's fields (`type`, `exchange`, `symbol`, `seq`, `bids`, `asks`,
 * `checksum`) plus `priceScale`, `sizeScale` and `depth` (so a JSON client can verify the checksum
 * over the mantissas) and `ts` / `recvTs` (exchange and service receive time, ms since the epoch).
 *
 * @module
 */
import { formatMantissa } from "../core/decimal.ts";
import type { CoreLayout } from "../core/layout.ts";
import { RecordView } from "../core/record_view.ts";
import type { MirrorBook } from "../core/book_mirror.ts";
import type { NormalizedTrade } from "../runtime/feed.ts";

/** Exchange and symbol names of a book, as clients see them. */
export interface BookNames {
  exchange: string;
  symbol: string;
}

/**
 * ns since the epoch (i64) → ms since the epoch, kept to the microsecond.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { nanosToMillis } from "./json_messages.ts";
 * assert.equal(nanosToMillis(1719835200123456789n), 1719835200123.456);
 * assert.equal(nanosToMillis(0n), 0);
 * ```
 */
export function nanosToMillis(ns: bigint): number {
  return ns <= 0n ? 0 : Number(ns / 1000n) / 1000;
}

/**
 * Encodes a whole delta or snapshot (all its record parts, in order) as one JSON message. Bids
 * and asks keep the records' best-first order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Core, RingReader } from "../core/mod.ts";
 * import { encodeBookRecords } from "./json_messages.ts";
 * const core = await Core.create({ ringCapacity: 16, variant: "plain" });
 * const book = core.createBook({ exchange: 2, symbol: 0, priceScale: 1, sizeScale: 0, depth: 5 });
 * const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
 * core.begin(book).add(0, "100.5", "3").add(1, "101", "1").reset();
 * const parts = [reader.read() as Uint8Array];
 * const text = encodeBookRecords("snapshot", { exchange: "kraken", symbol: "BTC/USD" }, parts, core.layout);
 * const m = JSON.parse(text);
 * assert.equal(m.seq, 1);
 * assert.deepEqual([m.bids, m.asks], [[["100.5", "3"]], [["101", "1"]]]);
 * ```
 */
export function encodeBookRecords(
  type: "delta" | "snapshot",
  names: BookNames,
  parts: readonly Uint8Array[],
  layout: CoreLayout,
): string {
  const bids: string[] = [];
  const asks: string[] = [];
  const rec = new RecordView(layout);
  let seq = 0;
  let checksum = 0;
  let ps = 0;
  let ss = 0;
  let depth = 0;
  let exchangeTs = 0n;
  let receiveTs = 0n;
  for (const part of parts) {
    rec.wrap(part);
    ps = rec.priceScale;
    ss = rec.sizeScale;
    seq = rec.seq;
    checksum = rec.checksum;
    depth = rec.depth;
    exchangeTs = rec.exchangeTs;
    receiveTs = rec.receiveTs;
    const n = rec.changeCount;
    for (let i = 0; i < n; i++) {
      const level = `["${formatMantissa(rec.price(i), ps)}","${formatMantissa(rec.size(i), ss)}"]`;
      (rec.isBid(i) ? bids : asks).push(level);
    }
  }
  return `{"type":"${type}","exchange":${JSON.stringify(names.exchange)},"symbol":${
    JSON.stringify(names.symbol)
  },"seq":${seq},"bids":[${bids.join(",")}],"asks":[${
    asks.join(",")
  }],"checksum":${checksum},"priceScale":${ps},"sizeScale":${ss},"depth":${depth},"ts":${
    nanosToMillis(exchangeTs)
  },"recvTs":${nanosToMillis(receiveTs)}}`;
}

/**
 * Encodes a mirrored book as a `snapshot` message.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeMirrorSnapshot } from "./json_messages.ts";
 * const book = {
 *   exchange: 2, symbol: 0, seq: 41, checksum: 123, depth: 10, priceScale: 1, sizeScale: 2,
 *   bids: [["100.5", "1.25"]] as Array<[string, string]>, asks: [] as Array<[string, string]>,
 * };
 * const names = { exchange: "kraken", symbol: "BTC/USD" };
 * const m = JSON.parse(encodeMirrorSnapshot(names, book, { exchangeTs: 0n, receiveTs: 2000000n }));
 * assert.deepEqual([m.type, m.seq, m.bids, m.recvTs], ["snapshot", 41, [["100.5", "1.25"]], 2]);
 * ```
 */
export function encodeMirrorSnapshot(
  names: BookNames,
  book: MirrorBook,
  times: { exchangeTs: bigint; receiveTs: bigint },
): string {
  const side = (levels: Array<[string, string]>) =>
    levels.map(([p, s]) => `["${p}","${s}"]`).join(",");
  return `{"type":"snapshot","exchange":${JSON.stringify(names.exchange)},"symbol":${
    JSON.stringify(names.symbol)
  },"seq":${book.seq},"bids":[${side(book.bids)}],"asks":[${
    side(book.asks)
  }],"checksum":${book.checksum},"priceScale":${book.priceScale},"sizeScale":${book.sizeScale},"depth":${book.depth},"ts":${
    nanosToMillis(times.exchangeTs)
  },"recvTs":${nanosToMillis(times.receiveTs)}}`;
}

/** Why a book went stale, as told to clients. */
export type StaleReason = "upstream" | "gap" | "checksum" | "lapped" | "slow" | "waiting";

/**
 * Encodes a `status` message (`state` is always `stale`: drop the book, wait for a snapshot).
 *
 * @example
 * ```ts
 * import { encodeStatus } from "./json_messages.ts";
 * const m = JSON.parse(encodeStatus({ exchange: "kraken", symbol: "BTC/USD" }, "upstream"));
 * if (m.type !== "status" || m.state !== "stale") throw new Error();
 * ```
 */
export function encodeStatus(names: BookNames, reason: StaleReason): string {
  return JSON.stringify({
    type: "status",
    exchange: names.exchange,
    symbol: names.symbol,
    state: "stale",
    reason,
  });
}

/**
 * Encodes a `trade` message.
 *
 * @example
 * ```ts
 * import { encodeTrade } from "./json_messages.ts";
 * const m = JSON.parse(encodeTrade({ exchange: "kraken", symbol: "BTC/USD", price: "60000.2",
 *   size: "0.01", side: "buy", ts: 1719835200123, tradeId: "7" }));
 * if (m.type !== "trade" || m.price !== "60000.2") throw new Error();
 * ```
 */
export function encodeTrade(trade: NormalizedTrade): string {
  return JSON.stringify({
    type: "trade",
    exchange: trade.exchange,
    symbol: trade.symbol,
    price: trade.price,
    size: trade.size,
    side: trade.side,
    ts: trade.ts,
    id: trade.tradeId,
  });
}

/** Error codes sent in `error` messages. */
export type ErrorCode =
  | "bad_json"
  | "bad_request"
  | "binary_not_accepted"
  | "message_too_large"
  | "rate_limited"
  | "unknown_exchange"
  | "unknown_symbol"
  | "too_many_subscriptions";

/**
 * Encodes an `error` message.
 *
 * @example
 * ```ts
 * import { encodeError } from "./json_messages.ts";
 * const m = JSON.parse(encodeError("unknown_exchange", "No exchange named ftx"));
 * if (m.type !== "error" || m.code !== "unknown_exchange") throw new Error();
 * ```
 */
export function encodeError(
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({ type: "error", code, message, ...extra });
}

/**
 * Encodes the acknowledgement of a subscribe / unsubscribe.
 *
 * @example
 * ```ts
 * import { encodeAck } from "./json_messages.ts";
 * const m = JSON.parse(encodeAck("subscribed", "book", "kraken", ["BTC/USD"]));
 * if (m.type !== "subscribed" || m.symbols[0] !== "BTC/USD") throw new Error();
 * ```
 */
export function encodeAck(
  type: "subscribed" | "unsubscribed",
  channel: "book" | "trades",
  exchange: string,
  symbols: readonly string[],
  id?: string | number,
  ids?: { exchangeCode: number; symbolIds: readonly number[] },
): string {
  // `exchangeCode` and `symbolIds` name the `exchange` and `symbol` fields of binary records.
  return JSON.stringify({
    type,
    channel,
    exchange,
    symbols,
    ...(id === undefined ? {} : { id }),
    ...(ids === undefined ? {} : { exchangeCode: ids.exchangeCode, symbolIds: ids.symbolIds }),
  });
}
