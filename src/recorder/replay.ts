/**
 * Replays a recording through the real adapters: for each recorded session, a fresh WASM core and
 * the exchange's collector in replay mode (no network) are fed the recorded inputs in order —
 * `open` → `ingestOpen()` (after a first one, the books are first marked stale, as the lost
 * connection did live), `ws` → `ingest(text, t)`, `rest` → `ingestRestSnapshot(symbol, body)` — at
 * the original pace (`speed: 1`), faster (`speed: 10`) or as fast as possible (`"max"`). The ring
 * records the core writes are the same, in the same order, as in the live run (timestamps aside),
 * so an incident captured live becomes a deterministic regression test.
 *
 * Symbols (whose order fixes the records' symbol ids), the book depth and the exchange settings
 * come from `config` when given, else from the recording's `meta` records, else they are inferred
 * from the frames (sorted; ids may then differ from the live run).
 *
 * Not reproduced: a STALE marker the live collector wrote when its very first connection attempt
 * failed (failed attempts are not recorded), and SNAPSHOT records that clients requested live.
 *
 * @example
 * ```ts ignore
 * import { replayRecording } from "./replay.ts";
 * const result = await replayRecording({ dir: "recordings/", speed: "max" });
 * for (const s of result.sessions) for (const b of s.books) console.log(b.symbol, b.bestBid);
 * ```
 *
 * @module
 */
import type { Config } from "../config.ts";
import { exchangeSettings, parseConfig } from "../config.ts";
import { Core } from "../core/core.ts";
import type { CoreLayout } from "../core/layout.ts";
import { RecordView } from "../core/record_view.ts";
import { LAPPED, RingReader } from "../core/ring_reader.ts";
import type { SocketCollector } from "../exchanges/collector.ts";
import { isVenueId, venue } from "../exchanges/registry.ts";
import type { ExchangeId } from "../exchanges/types.ts";
import type { VenueDescriptor } from "../exchanges/venue.ts";
import type { ExchangeHealth } from "../exchanges/health.ts";
import { crc32 } from "../util/crc32.ts";
import { inferSymbols } from "./infer_symbols.ts";
import { listSessions, readRecords, type RecordingSession } from "./reader.ts";
import type { RecordLine } from "./recorder.ts";

/** Options of {@linkcode replayRecording}. */
export interface ReplayOptions {
  /** Directory of the recording. */
  dir: string;
  /** 1 = recorded pace, 10 = ten times faster, `"max"` = no waiting (default). */
  speed?: number | "max";
  /** Service configuration to take symbols, depth and exchange settings from. */
  config?: Config;
  /** Only these exchanges. */
  exchanges?: readonly ExchangeId[];
  /** Only the session(s) whose start (as in the file names) is this. */
  session?: string;
  /** Every ring record written, in order, per exchange (the view is valid during the call). */
  onRecord?: (exchange: ExchangeId, record: RecordView, bytes: Uint8Array) => void;
  /** Collector and reader log lines. */
  log?: (line: string) => void;
}

/** How one book ended a replayed session. */
export interface BookSummary {
  /** Normalised symbol. */
  symbol: string;
  /** Record symbol id. */
  symbolId: number;
  /** Final state (`stopped` once the replay ended). */
  state: string;
  /** Deltas and snapshots applied. */
  updates: number;
  /** Times the book went from live to stale. */
  resyncs: number;
  /** Sequence gaps detected. */
  gaps: number;
  /** Checksum mismatches detected. */
  checksumFailures: number;
  /** Per-book sequence number of the last record. */
  seq: number;
  /** Best bid `[price, size]`, if any. */
  bestBid?: [string, string];
  /** Best ask `[price, size]`, if any. */
  bestAsk?: [string, string];
  /** Checksum of the last complete delta or snapshot (`null` before any). */
  lastChecksum: number | null;
  /** Ring records written for this book. */
  records: number;
  /**
   * CRC-32 over every record of this book (ring sequence and timestamps zeroed): equal digests
   * mean equal delta sequences.
   */
  digest: number;
}

/** One replayed session. */
export interface SessionSummary {
  /** Exchange. */
  exchange: ExchangeId;
  /** Session start as in the file names. */
  start: string;
  /** Inputs fed, by kind. */
  inputs: { open: number; ws: number; rest: number };
  /** Span of the recording (first to last receive time), ms. */
  recordedMs: number;
  /** Wall time the replay took, ms. */
  replayMs: number;
  /** Ring records written. */
  records: number;
  /** The collector's health at the end (counters). */
  health: ExchangeHealth;
  /** Per book. */
  books: BookSummary[];
}

/** What {@linkcode replayRecording} returns. */
export interface ReplaySummary {
  /** Sessions in replay order (per exchange, oldest first). */
  sessions: SessionSummary[];
  /** Problems that did not stop the replay (truncated files, skipped lines). */
  warnings: string[];
}

interface RecordedMeta {
  exchange?: string;
  symbols?: string[];
  depth?: number;
  settings?: Record<string, unknown>;
}

const RING_CAPACITY = 1 << 16;

/**
 * Replays every session in `options.dir` (see the module documentation) and summarises each book.
 */
export async function replayRecording(options: ReplayOptions): Promise<ReplaySummary> {
  const speed = options.speed ?? "max";
  if (speed !== "max" && !(typeof speed === "number" && speed > 0 && Number.isFinite(speed))) {
    throw new RangeError(`speed must be a positive number or "max", got ${speed}`);
  }
  const warnings: string[] = [];
  const all = await listSessions(options.dir);
  const chosen = all.filter((s) =>
    isVenueId(s.exchange) &&
    (options.exchanges === undefined || options.exchanges.includes(s.exchange as ExchangeId)) &&
    (options.session === undefined || s.start === options.session)
  );
  if (chosen.length === 0) throw new Error(`No matching session in ${options.dir}`);
  // Exchanges run side by side (as they did live); an exchange's sessions one after another.
  const byExchange = new Map<string, RecordingSession[]>();
  for (const s of chosen) byExchange.set(s.exchange, [...(byExchange.get(s.exchange) ?? []), s]);
  const results = await Promise.all([...byExchange.values()].map(async (sessions) => {
    const out: SessionSummary[] = [];
    for (const s of sessions) out.push(await replaySession(s, speed, options, warnings));
    return out;
  }));
  const sessions = results.flat();
  return { sessions, warnings };
}

/** The recorded `meta` of a session (from its first record), if any. */
async function readMeta(session: RecordingSession): Promise<RecordedMeta | undefined> {
  for await (const r of readRecords(session.files.slice(0, 1))) {
    if (r.k !== "meta") return undefined;
    try {
      return JSON.parse(r.d) as RecordedMeta;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function settingsFor(
  session: RecordingSession,
  options: ReplayOptions,
  warnings: string[],
): Promise<{ config: Config; symbols: string[] }> {
  const exchange = session.exchange as ExchangeId;
  const given = options.config && exchangeSettings(options.config, exchange);
  if (options.config && given) return { config: options.config, symbols: [...given.symbols] };
  const meta = await readMeta(session);
  let symbols = meta?.symbols;
  if (!symbols || symbols.length === 0) {
    symbols = await inferSymbols(exchange, readRecords(session));
    warnings.push(
      `${exchange} ${session.start}: no recorded symbol list; inferred ${symbols.join(", ")} ` +
        "(symbol ids may differ from the live run)",
    );
    if (symbols.length === 0) throw new Error(`${exchange} ${session.start}: no symbols found`);
  }
  const settings = { ...(meta?.settings ?? {}), symbols };
  const config = parseConfig({
    book: { depth: meta?.depth ?? options.config?.book.depth ?? 50 },
    exchanges: { [exchange]: settings },
  }, `recorded settings of ${exchange}`);
  return { config, symbols };
}

async function replaySession(
  session: RecordingSession,
  speed: number | "max",
  options: ReplayOptions,
  warnings: string[],
): Promise<SessionSummary> {
  const exchange = session.exchange as ExchangeId;
  const { config, symbols } = await settingsFor(session, options, warnings);
  const core = await Core.create({ ringCapacity: RING_CAPACITY });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout, {
    from: "oldest",
  });
  const descriptor = venue(exchange);
  const collector = descriptor.createCollector(exchangeSettings(config, exchange)!, {
    core,
    exchangeCode: descriptor.code,
    depth: config.book.depth,
    replay: true,
    log: options.log,
  });
  const books = symbols.map((symbol, symbolId) => ({
    symbol,
    symbolId,
    records: 0,
    digest: 0,
    lastChecksum: null as number | null,
  }));
  const scratch = new Uint8Array(core.layout.recordSize);
  const layout = core.layout;
  let records = 0;
  const rec = new RecordView(layout);
  const drain = () => {
    for (let bytes = reader.read(); bytes !== null; bytes = reader.read()) {
      if (bytes === LAPPED) throw new Error(`${exchange}: replay ring lapped (a bug)`);
      records++;
      rec.wrap(bytes);
      const book = books[rec.symbol];
      if (book) {
        book.records++;
        book.digest = crc32(normalised(bytes, layout, scratch), book.digest);
        if (rec.last && !rec.stale) book.lastChecksum = rec.checksum;
      }
      options.onRecord?.(exchange, rec, bytes);
    }
  };
  const inputs = { open: 0, ws: 0, rest: 0 };
  let first: number | undefined;
  let last = 0;
  const began = performance.now();
  const warn = (m: string) => {
    warnings.push(m);
    options.log?.(m);
  };
  try {
    for await (const r of readRecords(session, { warn })) {
      if (r.k === "meta") continue;
      first ??= r.t;
      last = r.t;
      if (speed !== "max") {
        const wait = (r.t - first) / speed - (performance.now() - began);
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      feed(descriptor, collector, r, inputs);
      drain();
    }
  } finally {
    await collector.stop();
  }
  drain();
  const health = collector.health();
  return {
    exchange,
    start: session.start,
    inputs,
    recordedMs: first === undefined ? 0 : last - first,
    replayMs: performance.now() - began,
    records,
    health,
    books: books.map((b) => {
      const h = health.books.find((x) => x.symbol === b.symbol)!;
      const top = collector.books.top(b.symbol, 1);
      return {
        symbol: b.symbol,
        symbolId: b.symbolId,
        state: h.state,
        updates: h.updates,
        resyncs: h.resyncs,
        gaps: h.gaps,
        checksumFailures: h.checksumFailures,
        seq: h.seq,
        bestBid: top.bids[0],
        bestAsk: top.asks[0],
        lastChecksum: b.lastChecksum,
        records: b.records,
        digest: b.digest,
      };
    }),
  };
}

/** Feeds one recorded input to the collector, as the live socket / REST client did. */
function feed(
  descriptor: VenueDescriptor,
  collector: SocketCollector,
  r: RecordLine,
  inputs: { open: number; ws: number; rest: number },
): void {
  if (r.k === "open") {
    // A second open means the previous connection was lost: live, the collector marked every
    // book stale at that moment (FeedSocket's onDisconnect), before reconnecting.
    if (inputs.open > 0) collector.books.markAllStale("connection lost");
    inputs.open++;
    collector.ingestOpen();
  } else if (r.k === "ws") {
    inputs.ws++;
    collector.ingest(r.d, r.t);
  } else if (r.k === "rest") {
    inputs.rest++;
    if (r.s !== undefined) descriptor.ingestRest?.(collector, r.s, r.d);
  }
}

/** The record with ring sequence and timestamps zeroed (into `scratch`), for digests. */
export function normalised(
  bytes: Uint8Array,
  layout: CoreLayout,
  scratch = new Uint8Array(layout.recordSize),
): Uint8Array {
  const out = scratch.subarray(0, bytes.byteLength);
  out.set(bytes);
  out.fill(0, layout.recRingSeq, layout.recRingSeq + 4);
  out.fill(0, layout.recExchangeTs, layout.recExchangeTs + 8);
  out.fill(0, layout.recReceiveTs, layout.recReceiveTs + 8);
  return out;
}
