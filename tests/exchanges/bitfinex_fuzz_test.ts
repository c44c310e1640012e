/**
 * Fuzz: the real Bitfinex capture (`cryptofeed-v3/BITFINEX.jsonl.gz`, skipped when absent) through
 * a replay-mode Bitfinex collector, the busiest book's channel messages mutated
 * (`tests/support/fuzz_driver.ts`): nothing throws, every mutated message reaching the live book is
 * counted or applied, the book is never crossed and equals a reference model of what it accepted,
 * at most `len` (100) levels a side, bounded core memory. The sequence number is per connection, so
 * a mutation that breaks the sequence (or an unreadable message, which shows as a gap at the next
 * one) legitimately takes every book of the connection stale (counted as a gap; the driver then
 * replays a reconnect with fresh snapshots, as the exchange would serve them); otherwise the
 * other books stay exact. (This capture has no checksums: a mutated amount that still parses is
 * indistinguishable from a real one.)
 */
import type { BitfinexCollector } from "../../src/exchanges/bitfinex/collector.ts";
import { bitfinex } from "../../src/exchanges/bitfinex/descriptor.ts";
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import { bookChanges, parseBitfinexFrame } from "../../src/exchanges/bitfinex/parse.ts";
import { readCryptofeedV3, type V3Line } from "../exchanges/cryptofeed_v3.ts";
import { recording } from "../exchanges/recordings.ts";
import { describeReport, type FrameBook, fuzzVenue } from "../support/fuzz_driver.ts";
import { venueHarness } from "./venue_harness.ts";

const PATH = recording("cryptofeed-v3/BITFINEX.jsonl.gz");
const LEN = 100;

Deno.test({
  name: "fuzz: mutated real Bitfinex frames never throw, are counted, never corrupt a book",
  ignore: PATH === undefined,
  async fn() {
    const frames = (await readCryptofeedV3(PATH!)).filter((l) => l.t === "recv");
    // The capture's book channels (chanId -> normalised symbol) and the busiest one.
    const books = new Map<number, string>();
    const counts = new Map<number, number>();
    const subscribed: string[] = [];
    for (const line of frames) {
      const f = parseBitfinexFrame(line.data!);
      if (f.kind === "event" && f.event.event === "subscribed" && f.event.channel !== "ticker") {
        subscribed.push(line.data!);
      }
      if (f.kind === "event" && f.event.event === "subscribed" && f.event.channel === "book") {
        books.set(f.event.chanId, bitfinex.fromNative(f.event.symbol!)!);
      } else if (f.kind === "channel" && books.has(f.chanId) && f.body.type === "row") {
        counts.set(f.chanId, (counts.get(f.chanId) ?? 0) + 1);
      }
    }
    const [chanId] = [...counts].sort((a, b) => b[1] - a[1])[0];
    const symbols = [...books.values()];
    const prefix = `[${chanId},[`;
    const fz = {
      venue: "Bitfinex",
      frames,
      async collector() {
        const h = await venueHarness(bitfinex, { symbols, len: LEN }, { replay: true });
        h.collector.ingestOpen();
        return { collector: h.collector, memory: () => h.core.memory.buffer.byteLength };
      },
      feed: (c: BitfinexCollector, line: V3Line, text = line.data!) =>
        c.ingest(text, line.ts! * 1000),
      text: (line: V3Line) => line.data!,
      isTarget: (line: V3Line) => line.data!.startsWith(prefix),
      target: books.get(chanId)!,
      symbols,
      fields: ["[", ","],
      keep: () => prefix.length - 1,
      gapScope: bitfinex.gapScope,
      maxLevels: LEN,
      bookOf(text: string): FrameBook | undefined {
        const f = parseBitfinexFrame(text);
        if (f.kind !== "channel" || (f.body.type !== "rows" && f.body.type !== "row")) return;
        const symbol = books.get(f.chanId);
        const c = bookChanges(f.body.type === "rows" ? f.body.rows : [f.body.row]);
        if (symbol === undefined || typeof c === "string") return undefined;
        return { symbol, snapshot: f.body.type === "rows", bids: c.bids, asks: c.asks };
      },
      resync(c: BitfinexCollector, line: V3Line, clean: BitfinexCollector) {
        // What a reconnect brings: info, the conf ack, every channel subscribed again and a
        // snapshot of every book as it stands, numbered so the capture's next message follows.
        const seq = (parseBitfinexFrame(line.data!) as { seq?: number }).seq!;
        c.ingestOpen();
        c.ingest('{"event":"info","version":2,"platform":{"status":1}}');
        c.ingest('{"event":"conf","status":"OK","flags":65536}');
        for (const e of subscribed) c.ingest(e);
        let n = seq + 1 - books.size;
        for (const [id, symbol] of books) {
          const top = clean.books.top(symbol, LEN);
          const rows = [
            ...top.bids.map(([p, a]) => `[${normalizeDecimal(p)},1,${normalizeDecimal(a)}]`),
            ...top.asks.map(([p, a]) => `[${normalizeDecimal(p)},1,-${normalizeDecimal(a)}]`),
          ];
          c.ingest(`[${id},[${rows.join(",")}],${n++}]`);
        }
      },
      extraRefusals: (c: BitfinexCollector) => c.repeatedMessages,
      runs: 30,
      seed: 9,
      maxEvery: 60,
    };
    console.log(describeReport(fz, await fuzzVenue(fz)));
  },
});
