/**
 * The one driver of the venues' fuzz tests over mutated real frames (`tests/exchanges/*_fuzz_test.ts`):
 * a real capture is fed, frame by frame, into a replay-mode collector on the compiled core, with
 * one book's frames (the target) mutated by {@linkcode mutations} (bytes flipped, cut short, digits
 * replaced, fields renamed away, text duplicated) from a random starting frame on. Per run it
 * asserts:
 *
 * - **no throw escapes**: the collector's `handlerFailures` stays 0;
 * - **every refusal counted**: each mutated frame that reaches the target while it is live is
 *   either counted (a parse error, unknown message, exchange error, gap, checksum failure, resync,
 *   or a venue counter such as stale duplicates) or applied as an update; none vanishes silently;
 * - **the books stay consistent**: while live, the target is never crossed, and after every
 *   mutated frame it accepted (and at the end) it equals a plain reference model
 *   (`reference_book.ts`) fed the same accepted frames, as the venue's parser reads them; with a
 *   checksum, after every accepted frame that carries one the target equals a clean collector's
 *   top (fed the same capture unmutated, in lockstep); every other book equals the clean one
 *   exactly — or, where the venue's gap scope is the connection, is stale with the gap counted;
 * - **memory bounded**: no side of any book holds more levels than the venue's cap, and the core's
 *   memory grows no more than {@linkcode MEMORY_SLACK_BYTES} over the clean run's.
 *
 * @module
 */
import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import type { SocketCollector } from "../../src/exchanges/collector.ts";
import { compareDecimal, normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { decimalBook, type ReferenceBook } from "./reference_book.ts";
import { mutate, mutations } from "./mutations.ts";

/** How far the core's memory may grow over the clean run's (a few book capacity doublings). */
export const MEMORY_SLACK_BYTES = 1 << 20;

/** Book changes one frame carries, as the venue's parser reads them (normalised symbol). */
export interface FrameBook {
  symbol: string;
  snapshot: boolean;
  /** Flat `[price, size, …]` decimal texts (size 0 deletes). */
  bids: readonly string[];
  asks: readonly string[];
}

/** One venue's fuzz case. */
export interface FuzzCase<F, C extends SocketCollector> {
  /** Name in messages (`Bybit`). */
  venue: string;
  /** The capture, in order. */
  frames: readonly F[];
  /** A fresh replay-mode collector (its connection opening already replayed). */
  collector(): Promise<{ collector: C; memory: () => number }>;
  /** Feeds one frame (`text` replaces its text when mutated). */
  feed(collector: C, frame: F, text?: string): void;
  /** The frame's text (what is mutated). */
  text(frame: F): string;
  /** Whether a frame belongs to the target book's stream (these are mutated). */
  isTarget(frame: F): boolean;
  /** The target book (normalised symbol). */
  target: string;
  /** Every book of the collector. */
  symbols: readonly string[];
  /** Quoted JSON keys the `drop` mutation renames away. */
  fields: readonly string[];
  /**
   * Characters at the start of a target frame that mutations leave alone (default none). Bitfinex:
   * the `chanId`, since consecutive ids make a one-digit change name another live channel, which
   * no client can tell from a real message without checksums.
   */
  keep?(text: string): number;
  /** What a sequence gap invalidates (the descriptor's `gapScope`). */
  gapScope: "book" | "connection";
  /** Levels per side a book may hold at most (the subscribed depth); undefined: no cap. */
  maxLevels?: number;
  /**
   * The book changes of a target frame the collector applied, for the reference model; omit for
   * venues that buffer and splice (Binance: what a frame carries is not what it applies when).
   */
  bookOf?(text: string): FrameBook | undefined;
  /**
   * Venues with checksums: after the collector accepts a target frame that `carries` a checksum,
   * the target equals the clean collector's top `levels` levels (the checksum's depth).
   */
  verified?: { levels: number; carries(text: string): boolean };
  /**
   * Answers a resync the way the exchange would, so mutations keep reaching a live book: called
   * after a target frame when the fuzzed collector's target is not live but the clean one's is;
   * feeds the fuzzed collector fresh snapshots equal to the books of `clean` (the clean collector,
   * right after `frame`) at `frame`'s place in the sequence.
   */
  resync?(collector: C, frame: F, clean: C): void;
  /** Venue counters of refused input beyond the shared health counters. */
  extraRefusals?(collector: C): number;
  /** Runs, fast-check seed and the largest mutation interval (every n-th target frame). */
  runs: number;
  seed: number;
  maxEvery: number;
}

/** A book's levels as text, best first. */
export type TextTop = { bids: Array<[string, string]>; asks: Array<[string, string]> };

/** What a whole fuzz case saw, over every run. */
export interface FuzzReport {
  runs: number;
  /** Mutated target frames fed. */
  mutated: number;
  /** …of which the mutation changed nothing. */
  unchanged: number;
  /** …that arrived while the target was live and were counted as refused. */
  refused: number;
  /** …that arrived while the target was live and were applied (checked against the model). */
  applied: number;
  /** …that arrived while the target was not live (resyncing: dropped by design). */
  whileResyncing: number;
  /** Accepted target frames with a checksum, checked equal to the clean book. */
  verified: number;
  /** Resyncs answered with a fresh snapshot (`FuzzCase.resync`). */
  resyncs: number;
  /** Runs in which the target ended live. */
  targetLive: number;
  /** Runs in which a connection-scope gap took the other books stale. */
  connectionResyncs: number;
  /** Largest core memory seen, and the clean run's. */
  maxMemory: number;
  cleanMemory: number;
}

interface Probe {
  state: string | undefined;
  updates: number;
  refusals: number;
}

function probe<C extends SocketCollector>(fz: FuzzCase<unknown, C>, c: C): Probe {
  const h = c.health();
  const book = h.books.find((b) => b.symbol === fz.target);
  return {
    state: book?.state,
    updates: book?.updates ?? 0,
    refusals: h.parseErrors + h.unknownMessages + h.exchangeErrors + h.gaps +
      h.checksumFailures + h.resyncs + c.handlerFailures + (fz.extraRefusals?.(c) ?? 0),
  };
}

const norm = (levels: Array<[string, string]>) =>
  levels.map(([p, s]) => `${normalizeDecimal(p)}@${normalizeDecimal(s)}`).join(" ");

function sameAsModel(c: SocketCollector, symbol: string, model: ReferenceBook<string, string>) {
  const top = c.books.top(symbol, 100_000);
  equal(norm(top.bids), norm(model.top("bid")), `${symbol} bids differ from the reference model`);
  equal(norm(top.asks), norm(model.top("ask")), `${symbol} asks differ from the reference model`);
}

function notCrossed(c: SocketCollector, symbol: string, where: string) {
  const t = c.books.top(symbol, 1);
  if (t.bids.length === 0 || t.asks.length === 0) return;
  ok(
    compareDecimal(t.bids[0][0], t.asks[0][0]) < 0,
    `${symbol} is live and crossed (${t.bids[0][0]} >= ${t.asks[0][0]}) ${where}`,
  );
}

/**
 * Runs one venue's fuzz case (see the module documentation) and returns what it saw; fails with
 * an assertion error naming the broken property.
 *
 * @example
 * ```ts ignore
 * const report = await fuzzVenue({ venue: "Bybit", frames, collector, feed, text, isTarget,
 *   target: "BTC/USDT", symbols, fields: ['"u"'], gapScope: "book", runs: 30, seed: 5,
 *   maxEvery: 40 });
 * console.log(describeReport({ venue: "Bybit", target: "BTC/USDT" }, report));
 * ```
 */
export async function fuzzVenue<F, C extends SocketCollector>(
  fz: FuzzCase<F, C>,
): Promise<FuzzReport> {
  const first = await fz.collector();
  for (const f of fz.frames) fz.feed(first.collector, f);
  for (const s of fz.symbols) equal(first.collector.books.state(s), "live", `clean ${s}`);
  const targets = fz.frames.filter((f) => fz.isTarget(f)).length;
  ok(targets > 0, `no frame of ${fz.target} in the capture`);
  const report: FuzzReport = {
    runs: 0,
    mutated: 0,
    unchanged: 0,
    refused: 0,
    applied: 0,
    whileResyncing: 0,
    verified: 0,
    resyncs: 0,
    targetLive: 0,
    connectionResyncs: 0,
    maxMemory: 0,
    cleanMemory: first.memory(),
  };
  await first.collector.stop();
  const probeOf = (c: C) => probe(fz as FuzzCase<unknown, C>, c);
  await fc.assert(
    fc.asyncProperty(
      fc.array(mutations(fz.fields), { minLength: 40, maxLength: 40 }),
      fc.integer({ min: 1, max: fz.maxEvery }),
      fc.integer({ min: 0, max: targets - 1 }),
      async (muts, every, start) => {
        report.runs++;
        // The fuzzed collector and a clean one, fed the same capture in lockstep.
        const { collector: c, memory } = await fz.collector();
        const { collector: clean } = await fz.collector();
        let model: ReferenceBook<string, string> | undefined;
        let k = 0;
        const classify = (before: Probe, after: Probe, text: string, original: string) => {
          report.mutated++;
          if (text === original) report.unchanged++;
          else if (before.state !== "live") report.whileResyncing++;
          else if (after.refusals > before.refusals) report.refused++;
          else if (after.updates > before.updates) {
            report.applied++;
            if (model !== undefined) sameAsModel(c, fz.target, model);
          } else {
            throw new Error(
              `a mutated ${fz.venue} frame vanished without a count: ${text.slice(0, 300)}`,
            );
          }
        };
        try {
          for (const f of fz.frames) {
            fz.feed(clean, f);
            if (!fz.isTarget(f)) {
              fz.feed(c, f);
              continue;
            }
            const index = k++;
            const mutateThis = index >= start && (index - start) % every === 0;
            const original = fz.text(f);
            const keep = mutateThis ? fz.keep?.(original) ?? 0 : 0;
            const text = mutateThis
              ? original.slice(0, keep) + mutate(original.slice(keep), muts[index % muts.length])
              : original;
            const before = probeOf(c);
            fz.feed(c, f, text);
            const after = probeOf(c);
            const accepted = after.state === "live" && after.updates > before.updates;
            if (fz.bookOf !== undefined) {
              if (accepted) {
                const b = fz.bookOf(text);
                ok(
                  b !== undefined && b.symbol === fz.target,
                  `accepted an unreadable frame ${text}`,
                );
                if (b.snapshot) model = decimalBook(fz.maxLevels ?? Infinity);
                ok(model !== undefined, `${fz.target} applied an update before any snapshot`);
                model.apply(b);
              } else if (after.state !== "live") model = undefined;
            }
            if (after.state === "live") notCrossed(c, fz.target, `after ${text.slice(0, 120)}`);
            if (accepted && fz.verified?.carries(text)) {
              report.verified++;
              const t = c.books.top(fz.target, fz.verified.levels);
              const want = clean.books.top(fz.target, fz.verified.levels);
              const what = `a verified ${fz.target} differs from the clean book after ${text}`;
              equal(norm(t.bids), norm(want.bids), what);
              equal(norm(t.asks), norm(want.asks), what);
            }
            if (mutateThis) classify(before, after, text, original);
            if (
              fz.resync !== undefined && c.books.state(fz.target) !== "live" &&
              clean.books.state(fz.target) === "live"
            ) {
              const top = clean.books.top(fz.target, 100_000);
              fz.resync(c, f, clean);
              report.resyncs++;
              if (fz.bookOf !== undefined && c.books.state(fz.target) === "live") {
                model = decimalBook(fz.maxLevels ?? Infinity);
                model.apply({ snapshot: true, bids: top.bids, asks: top.asks });
                sameAsModel(c, fz.target, model);
              }
            }
          }
          equal(c.handlerFailures, 0, "the adapter threw on mutated input");
          const h = c.health();
          const gapsAll = fz.gapScope === "connection" && h.gaps > 0;
          if (gapsAll) report.connectionResyncs++;
          for (const s of fz.symbols) {
            const state = c.books.state(s);
            ok(state === "live" || state === "stale" || state === "connecting", `${s} is ${state}`);
            if (fz.maxLevels !== undefined) {
              const t = c.books.top(s, 100_000);
              ok(t.bids.length <= fz.maxLevels && t.asks.length <= fz.maxLevels, `${s} over cap`);
            }
            if (s === fz.target) {
              if (state !== "live") continue;
              report.targetLive++;
              notCrossed(c, s, "at the end");
              if (model !== undefined) sameAsModel(c, s, model);
              continue;
            }
            if (state !== "live") {
              ok(gapsAll, `${s} was disturbed (${state}) by another book's frames`);
              continue;
            }
            const t = c.books.top(s, 100_000);
            const want = clean.books.top(s, 100_000);
            equal(norm(t.bids), norm(want.bids), `${s} bids were corrupted`);
            equal(norm(t.asks), norm(want.asks), `${s} asks were corrupted`);
          }
          const m = memory();
          report.maxMemory = Math.max(report.maxMemory, m);
          ok(
            m <= report.cleanMemory + MEMORY_SLACK_BYTES,
            `core memory ${m} over the clean run's ${report.cleanMemory}`,
          );
        } finally {
          await c.stop();
          await clean.stop();
        }
      },
    ),
    { numRuns: fz.runs, seed: fz.seed },
  );
  ok(report.refused > 0, "no mutation was refused: the fuzzing exercised nothing");
  return report;
}

/**
 * One line summing up a report (the fuzz tests print it).
 *
 * @example
 * ```ts
 * import { describeReport } from "./fuzz_driver.ts";
 * const line = describeReport({ venue: "X", target: "BTC/USD" }, {
 *   runs: 1, mutated: 2, unchanged: 0, refused: 1, applied: 1, whileResyncing: 0, verified: 0,
 *   resyncs: 1, targetLive: 1, connectionResyncs: 0, maxMemory: 1, cleanMemory: 1,
 * });
 * if (!line.includes("2 mutated BTC/USD frames over 1 runs")) throw new Error(line);
 * ```
 */
export function describeReport(
  fz: { venue: string; target: string; bookOf?: unknown; verified?: unknown },
  r: FuzzReport,
): string {
  return `    ${fz.venue}: ${r.mutated} mutated ${fz.target} frames over ${r.runs} runs ` +
    `(${r.unchanged} unchanged, ${r.whileResyncing} while resyncing); of those reaching the live ` +
    `book ${r.refused} refused and counted, ${r.applied} applied${
      fz.bookOf ? " and equal to the reference model" : ""
    }; ${r.resyncs} resyncs answered${
      fz.verified ? `; ${r.verified} accepted checksummed frames equal to the clean book` : ""
    }; target live at the end in ${r.targetLive} runs; ${r.connectionResyncs} connection-wide ` +
    `resyncs; core memory max ${r.maxMemory} B (clean ${r.cleanMemory} B)`;
}
