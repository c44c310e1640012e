/**
 * The names DESIGN §12 fixes: subjects, message ids, headers, streams, KV buckets and keys. Every
 * other module of `src/nats/` spells them through these functions only.
 *
 * @module
 */

/** Header carrying the publisher's epoch on every book and trade message. */
export const EPOCH_HEADER = "AlphaPulse-Epoch";
/** JetStream's de-duplication header. */
export const MSG_ID_HEADER = "Nats-Msg-Id";
/** JetStream's rollup header; `sub` keeps only the newest message of the subject. */
export const ROLLUP_HEADER = "Nats-Rollup";
/** The KV bucket of the book catalog. */
export const BOOKS_BUCKET = "ALPHAPULSE_BOOKS";
/** The KV bucket of the publisher leases. */
export const LEASES_BUCKET = "ALPHAPULSE_LEASES";
/** The stream's de-duplication window (ms). */
export const DUPLICATE_WINDOW_MS = 120_000;

/**
 * A normalised `BASE/QUOTE` symbol as one subject token: `BASE-QUOTE`.
 *
 * @example
 * ```ts
 * import { symbolToken } from "./names.ts";
 * if (symbolToken("BTC/USD") !== "BTC-USD") throw new Error();
 * ```
 */
export function symbolToken(symbol: string): string {
  return symbol.replace("/", "-");
}

/**
 * The symbol a subject token names (`BTC-USD` → `BTC/USD`), or undefined when it is not one.
 *
 * @example
 * ```ts
 * import { tokenSymbol } from "./names.ts";
 * if (tokenSymbol("BTC-USD") !== "BTC/USD" || tokenSymbol("BTCUSD") !== undefined) throw new Error();
 * ```
 */
export function tokenSymbol(token: string): string | undefined {
  const i = token.indexOf("-");
  if (i <= 0 || i === token.length - 1 || token.indexOf("-", i + 1) >= 0) return undefined;
  return `${token.slice(0, i)}/${token.slice(i + 1)}`;
}

/**
 * Subject of a book: `<prefix>.book.<exchange>.<BASE-QUOTE>`.
 *
 * @example
 * ```ts
 * import { bookSubject } from "./names.ts";
 * if (bookSubject("alphapulse", "kraken", "BTC/USD") !== "alphapulse.book.kraken.BTC-USD") {
 *   throw new Error();
 * }
 * ```
 */
export function bookSubject(prefix: string, exchange: string, symbol: string): string {
  return `${prefix}.book.${exchange}.${symbolToken(symbol)}`;
}

/** Subject of a book's trades: `<prefix>.trade.<exchange>.<BASE-QUOTE>`. */
export function tradeSubject(prefix: string, exchange: string, symbol: string): string {
  return `${prefix}.trade.${exchange}.${symbolToken(symbol)}`;
}

/** Subjects of the book stream (`<prefix>.book.>`). */
export function bookSubjects(prefix: string): string {
  return `${prefix}.book.>`;
}

/** Subjects of the trade stream (`<prefix>.trade.>`). */
export function tradeSubjects(prefix: string): string {
  return `${prefix}.trade.>`;
}

/** The trade stream of a book stream: `<stream>_TRADES`. */
export function tradeStream(stream: string): string {
  return `${stream}_TRADES`;
}

/**
 * `Nats-Msg-Id` of a book record: `<exchange>:<BASE-QUOTE>:<seq>:<part>:<d|s>:<epoch>` (`s`
 * exactly when the record has the SNAPSHOT flag).
 *
 * @example
 * ```ts
 * import { bookMsgId } from "./names.ts";
 * const id = bookMsgId("kraken", "BTC/USD", 1041, 0, true, 1719835200123);
 * if (id !== "kraken:BTC-USD:1041:0:s:1719835200123") throw new Error(id);
 * ```
 */
export function bookMsgId(
  exchange: string,
  symbol: string,
  seq: number,
  part: number,
  snapshot: boolean,
  epoch: number,
): string {
  return `${exchange}:${symbolToken(symbol)}:${seq}:${part}:${snapshot ? "s" : "d"}:${epoch}`;
}

/** `Nats-Msg-Id` of a trade: `<exchange>:<BASE-QUOTE>:t:<trade id>`. */
export function tradeMsgId(exchange: string, symbol: string, tradeId: string): string {
  return `${exchange}:${symbolToken(symbol)}:t:${tradeId}`;
}

/** Catalog key of a book in `ALPHAPULSE_BOOKS`: `<exchange>.<BASE-QUOTE>`. */
export function catalogKey(exchange: string, symbol: string): string {
  return `${exchange}.${symbolToken(symbol)}`;
}

/** One catalog value: `{"exchange", "symbol", "depth", "epoch"}`. */
export interface CatalogEntry {
  exchange: string;
  /** Normalised `BASE/QUOTE`. */
  symbol: string;
  /** Tracked depth (top-N) of the book's records. */
  depth: number;
  /** Epoch of the publishing term that wrote it. */
  epoch: number;
}

/**
 * Parses a catalog value; undefined (never a throw) for anything that is not one.
 *
 * @example
 * ```ts
 * import { parseCatalogEntry } from "./names.ts";
 * const e = parseCatalogEntry('{"exchange":"kraken","symbol":"BTC/USD","depth":50,"epoch":7}');
 * if (e?.depth !== 50 || parseCatalogEntry("{") !== undefined) throw new Error();
 * ```
 */
export function parseCatalogEntry(text: string): CatalogEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (
    typeof o.exchange !== "string" || typeof o.symbol !== "string" ||
    !/^[^/\s]+\/[^/\s]+$/.test(o.symbol) || !Number.isInteger(o.depth) ||
    (o.depth as number) < 1 || !Number.isSafeInteger(o.epoch) || (o.epoch as number) < 0
  ) return undefined;
  return {
    exchange: o.exchange,
    symbol: o.symbol,
    depth: o.depth as number,
    epoch: o.epoch as number,
  };
}

/** One lease value in `ALPHAPULSE_LEASES`: `{"node", "epoch"}`. */
export interface LeaseValue {
  node: string;
  epoch: number;
}

/** Parses a lease value; undefined for anything that is not one. */
export function parseLeaseValue(text: string): LeaseValue | undefined {
  try {
    const o = JSON.parse(text);
    if (typeof o?.node === "string" && Number.isSafeInteger(o?.epoch)) {
      return { node: o.node, epoch: o.epoch };
    }
  } catch { /* not JSON */ }
  return undefined;
}
