/**
 * The venue conformance kit: the same cases for every venue, each run against the venue's own
 * mock server (from its descriptor) with the real collector on the real compiled core.
 *
 * Cases: snapshot + updates; a gap; a checksum failure (venues with `mock.checksumOptions`); a disconnect; silence; malformed, unknown and absurd input; a subscribe
 * error; symbol conversion both ways; record → replay giving the same ring records.
 *
 * What the kit needs from a venue is the descriptor contract (`src/exchanges/venue.ts`): the mock
 * (`create`, `endpoint`, `defaultSymbols`, `malformed`, `samples`, the fault hooks of `VenueMock`),
 * `createCollector`, `code`, `gapScope`, `toNative` / `fromNative`, and for replay the recorder
 * inputs the collector reports.
 *
 * @example
 * ```ts ignore
 * import { conformanceSuite } from "./kit.ts";
 * import { venue } from "../../../src/exchanges/registry.ts";
 * conformanceSuite(venue("kraken"));
 * ```
 *
 * @module
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { exchangeSettings, parseConfig } from "../../../src/config.ts";
import { Core, decodeRecord, LAPPED, RingReader } from "../../../src/core/mod.ts";
import type { SocketCollector } from "../../../src/exchanges/collector.ts";
import type { VenueDescriptor, VenueMock } from "../../../src/exchanges/venue.ts";
import { Recorder } from "../../../src/recorder/recorder.ts";
import { normalised, replayRecording } from "../../../src/recorder/replay.ts";
import { waitForBooks } from "../../support/books.ts";
import { waitUntil } from "../../support/ws_test_client.ts";

/** Liveness settings of the kit's collectors. */
const FAST = { silenceTimeoutMs: 2000, minBackoffMs: 20, maxBackoffMs: 200 };
/** Levels compared with the mock's book. */
const TOP = 10;

/** A running case: mock, collector, ring. */
interface Rig {
  venue: VenueDescriptor;
  mock: VenueMock;
  collector: SocketCollector;
  core: Core;
  reader: RingReader;
  /** Normalised symbols, in record symbol-id order. */
  symbols: readonly string[];
  logs: string[];
  /** Ring records read so far (hex of the normalised bytes). */
  records: string[];
  /** Reads every new ring record into `records`. */
  drain(): void;
  /** Steps the mock's market every few ms (as a live feed would flow) until stopped. */
  flow(): () => void;
  /** The collector's books equal the mock's (top 10) for these symbols (default: all). */
  synced(symbols?: readonly string[], label?: string): Promise<void>;
  resyncs(symbol: string): number;
  close(): Promise<void>;
}

interface RigOptions {
  /** Reject the subscription of this normalised symbol once. */
  reject?: string;
  /** Record the collector's inputs here. */
  recorder?: Recorder;
  seed?: number;
  /** Extra mock options. */
  mockOptions?: Record<string, unknown>;
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function rig(venue: VenueDescriptor, options: RigOptions = {}): Promise<Rig> {
  const symbols = venue.mock.defaultSymbols.slice(0, 2);
  const mock = venue.mock.create({
    symbols: [...symbols],
    seed: options.seed ?? 7,
    heartbeatIntervalMs: 200,
    ...options.mockOptions,
  });
  if (options.reject) mock.rejectSubscribe(venue.toNative(options.reject));
  await mock.start();
  const endpoint = venue.mock.endpoint(mock);
  const section = {
    symbols: [...symbols],
    wsUrl: endpoint.wsUrl,
    ...(endpoint.restUrl === undefined ? {} : { restUrl: endpoint.restUrl }),
    ...endpoint.settings,
    ...FAST,
  };
  const config = parseConfig({ book: { depth: TOP }, exchanges: { [venue.id]: section } });
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout, {
    from: "oldest",
  });
  const logs: string[] = [];
  const recorder = options.recorder;
  const collector = venue.createCollector(exchangeSettings(config, venue.id)!, {
    core,
    exchangeCode: venue.code,
    depth: TOP,
    log: (line) => logs.push(line),
    record: recorder &&
      ((kind, text, receivedMs, meta) => recorder.record(kind, text, receivedMs, meta?.symbol)),
  });
  const records: string[] = [];
  const scratch = new Uint8Array(core.layout.recordSize);
  const drain = () => {
    for (let bytes = reader.read(); bytes !== null; bytes = reader.read()) {
      if (bytes === LAPPED) throw new Error("ring lapped");
      records.push(hex(normalised(bytes, core.layout, scratch)));
    }
  };
  const flows = new Set<ReturnType<typeof setInterval>>();
  await collector.start();
  const r: Rig = {
    venue,
    mock,
    collector,
    core,
    reader,
    symbols,
    logs,
    records,
    drain,
    flow() {
      const timer = setInterval(() => mock.stepOnce(), 25);
      flows.add(timer);
      return () => {
        clearInterval(timer);
        flows.delete(timer);
      };
    },
    async synced(only = symbols, label = "books to match the mock") {
      const stop = r.flow();
      try {
        // Books match once the mock is quiet again: stop stepping, then compare.
        await waitUntil(
          () => only.every((s) => collector.books.state(s) === "live"),
          6000,
          `${venue.id}: ${label} (live)`,
        ).catch((e) => {
          throw new Error(`${e.message}\n${logs.slice(-10).join("\n")}`);
        });
      } finally {
        stop();
      }
      await waitForBooks(collector, mock, only, TOP, `${venue.id}: ${label}`);
    },
    resyncs: (s) => collector.health().books.find((b) => b.symbol === s)!.resyncs,
    async close() {
      for (const t of flows) clearInterval(t);
      await collector.stop();
      await mock.stop();
    },
  };
  return r;
}

/** Steps book `native` one step at a time until `done`, at most `max` steps. */
async function stepUntil(
  r: Rig,
  native: string,
  done: () => boolean,
  label: string,
  max = 400,
): Promise<void> {
  for (let i = 0; i < max && !done(); i++) {
    r.mock.stepOnce(native);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await waitUntil(done, 3000, `${r.venue.id}: ${label}`);
}

/**
 * Registers the conformance cases of one venue (`Deno.test`, named `<id> conformance: ...`).
 */
export function conformanceSuite(venue: VenueDescriptor): void {
  const test = (name: string, fn: () => Promise<void> | void) =>
    Deno.test(`${venue.id} conformance: ${name}`, fn);

  test("symbol conversion both ways", () => {
    const symbols = venue.mock.defaultSymbols;
    ok(symbols.length >= 2, "the mock serves at least two symbols by default");
    for (const s of symbols) {
      const native = venue.toNative(s);
      equal(venue.fromNative(native, symbols), s, `${s} → ${native} → back`);
      equal(venue.fromNative(native), s, `${native} without the symbol list`);
    }
    equal(venue.fromNative("", symbols), undefined, "empty spelling");
    equal(venue.fromNative("NOT A SYMBOL", symbols), undefined, "garbage spelling");
    const mock = venue.mock.create({ symbols: [...symbols] });
    deepStrictEqual(mock.symbols, symbols.map((s) => venue.toNative(s)), "mock spells as toNative");
  });

  test("snapshot, then updates, rebuild the mock's books", async () => {
    const r = await rig(venue);
    try {
      await r.synced();
      r.drain();
      // Each book's first record is a SNAPSHOT.
      const first = new Map<number, boolean>();
      for (const h of r.records) {
        const rec = decodeRecord(
          Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16)),
          r.core.layout,
        );
        equal(rec.exchange, venue.code, "record exchange code");
        if (!first.has(rec.symbol)) first.set(rec.symbol, rec.snapshot);
      }
      deepStrictEqual(
        [...first.keys()].sort(),
        r.symbols.map((_, i) => i),
        "records of every book",
      );
      ok([...first.values()].every(Boolean), "every book starts with a SNAPSHOT record");
      const before = r.records.length;
      r.mock.stepOnce(undefined, 40);
      await r.synced(r.symbols, "books after 40 updates");
      r.drain();
      ok(r.records.length > before, "updates wrote delta records");
      const h = r.collector.health();
      equal(h.gaps + h.checksumFailures + h.parseErrors, 0, JSON.stringify(h));
      ok(h.books.every((b) => b.updates > 1 && b.state === "live"), "books live and updated");
    } finally {
      await r.close();
    }
  });

  test("a gap is detected and resynced", async () => {
    const r = await rig(venue);
    try {
      await r.synced();
      const [a, b] = r.symbols;
      const native = venue.toNative(a);
      const h0 = r.collector.health();
      const resyncB = r.resyncs(b);
      r.mock.injectGap(native);
      // Without sequence numbers, the gap shows when the lost change reaches the checksum.
      await stepUntil(r, native, () => {
        const h = r.collector.health();
        return h.gaps + h.checksumFailures > h0.gaps + h0.checksumFailures;
      }, "gap detected");
      await r.synced(r.symbols, "books after the gap");
      ok(r.resyncs(a) > 0, `${a} resynced`);
      if (venue.gapScope === "book") equal(r.resyncs(b), resyncB, `${b} untouched by ${a}'s gap`);
      else ok(r.resyncs(b) > resyncB, `${b}: the connection's books all resync`);
    } finally {
      await r.close();
    }
  });

  const checksumOptions = venue.mock.checksumOptions;
  if (checksumOptions !== undefined) {
    test("a checksum failure resyncs that book only", async () => {
      const r = await rig(venue, { mockOptions: checksumOptions });
      try {
        await r.synced();
        const [a, b] = r.symbols;
        const resyncB = r.resyncs(b);
        const before = r.collector.health().checksumFailures;
        ok(r.mock.injectBadChecksum!(venue.toNative(a)) > 0, "a subscription to corrupt");
        await stepUntil(
          r,
          venue.toNative(a),
          () => r.collector.health().checksumFailures > before,
          "checksum failure counted",
        );
        await r.synced(r.symbols, "books after the checksum failure");
        ok(r.resyncs(a) > 0, `${a} resynced`);
        equal(r.resyncs(b), resyncB, `${b} untouched`);
      } finally {
        await r.close();
      }
    });
  }

  test("a disconnect: reconnect and resync every book", async () => {
    const r = await rig(venue);
    try {
      await r.synced();
      const connections = r.mock.stats.connections;
      ok(r.mock.disconnectAll(1001, "conformance disconnect") > 0, "a connection to close");
      await waitUntil(() => r.mock.stats.connections > connections, 4000, "reconnected");
      await r.synced(r.symbols, "books after the reconnect");
      ok(r.collector.health().reconnects >= 1, "reconnect counted");
    } finally {
      await r.close();
    }
  });

  test("silence longer than the timeout: reconnect and resync", async () => {
    const r = await rig(venue);
    try {
      await r.synced();
      const connections = r.mock.stats.connections;
      const stop = r.flow();
      try {
        ok(r.mock.silence(FAST.silenceTimeoutMs + 1500) > 0, "a connection to silence");
        await waitUntil(() => r.mock.stats.connections > connections, 6000, "reconnect on silence");
      } finally {
        stop();
      }
      await r.synced(r.symbols, "books after the silence");
    } finally {
      await r.close();
    }
  });

  test("malformed and unknown input is counted, books keep flowing", async () => {
    const r = await rig(venue);
    try {
      await r.synced();
      const h0 = r.collector.health();
      const resyncs = r.symbols.map((s) => r.resyncs(s));
      for (const frame of venue.mock.malformed) ok(r.mock.sendRaw(frame) > 0, "sent");
      for (const frame of venue.mock.samples.unknown) ok(r.mock.sendRaw(frame) > 0, "sent");
      await waitUntil(
        () => {
          const h = r.collector.health();
          return h.parseErrors >= h0.parseErrors + venue.mock.malformed.length &&
            h.unknownMessages >= h0.unknownMessages + venue.mock.samples.unknown.length;
        },
        3000,
        "malformed and unknown frames counted",
      );
      r.mock.stepOnce(undefined, 10);
      await r.synced(r.symbols, "books after malformed input");
      deepStrictEqual(r.symbols.map((s) => r.resyncs(s)), resyncs, "no book resynced");
      equal(r.collector.handlerFailures, 0, "no handler threw");
    } finally {
      await r.close();
    }
  });

  test("an absurd book message resyncs that book only, never corrupts it", async () => {
    const r = await rig(venue);
    try {
      await r.synced();
      const [a, b] = r.symbols;
      const h0 = r.collector.health();
      const resyncB = r.resyncs(b);
      ok(r.mock.sendRaw(venue.mock.samples.absurdBook(venue.toNative(a), r.mock)) > 0, "sent");
      await waitUntil(
        () => r.collector.health().parseErrors > h0.parseErrors,
        3000,
        "absurd input counted",
      );
      await r.synced(r.symbols, "books after absurd input");
      ok(r.resyncs(a) > 0, `${a} resynced`);
      equal(r.resyncs(b), resyncB, `${b} untouched`);
      equal(r.collector.handlerFailures, 0, "no handler threw");
    } finally {
      await r.close();
    }
  });

  test("a subscribe error is counted; the other book goes live", async () => {
    const [a, b] = venue.mock.defaultSymbols;
    const r = await rig(venue, { reject: b });
    try {
      await waitUntil(
        () => {
          const h = r.collector.health();
          return h.exchangeErrors + h.reconnects >= 1;
        },
        4000,
        "the refusal counted (exchange error or a refused connection retried)",
      );
      await r.synced([a], `${a} live despite ${b}'s refusal`);
      // The refused book is either retried to a correct book or left stale, never wrong.
      const state = r.collector.books.state(b);
      if (state === "live") await waitForBooks(r.collector, r.mock, [b], TOP, `${b} correct`);
      else equal(state === "stale" || state === "connecting", true, `${b} state ${state}`);
      equal(r.collector.handlerFailures, 0, "no handler threw");
    } finally {
      await r.close();
    }
  });

  test("record, then replay: the same ring records", async () => {
    const dir = await Deno.makeTempDir({ prefix: `alphapulse-kit-${venue.id}-` });
    try {
      const symbols = venue.mock.defaultSymbols.slice(0, 2);
      const recorder = new Recorder({
        dir,
        exchange: venue.id,
        meta: { symbols: [...symbols], depth: TOP },
      });
      const r = await rig(venue, { recorder, seed: 11 });
      let liveTop: { bids: [string, string][]; asks: [string, string][] }[] = [];
      try {
        await r.synced();
        r.mock.injectGap(venue.toNative(symbols[0]));
        r.mock.stepOnce(undefined, 30);
        await r.synced(r.symbols, "books before replay");
        liveTop = symbols.map((s) => r.collector.books.top(s, 1));
      } finally {
        await r.close();
        await recorder.close();
      }
      r.drain();
      ok(r.records.length > 2 * symbols.length, `${r.records.length} live records`);
      const replayed: string[] = [];
      const scratch = new Uint8Array(r.core.layout.recordSize);
      const summary = await replayRecording({
        dir,
        onRecord: (_exchange, _rec, bytes) =>
          replayed.push(hex(normalised(bytes, r.core.layout, scratch))),
      });
      equal(summary.sessions.length, 1, "one recorded session");
      equal(replayed.length, r.records.length, "as many records as live");
      equal(replayed.findIndex((x, i) => x !== r.records[i]), -1, "first different record");
      const books = summary.sessions[0].books;
      deepStrictEqual(books.map((b) => b.symbol), [...symbols], "symbol ids as live");
      deepStrictEqual(
        books.map((b) => [b.bestBid, b.bestAsk]),
        liveTop.map((t) => [t.bids[0], t.asks[0]]),
        "final best bid / ask as live",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
