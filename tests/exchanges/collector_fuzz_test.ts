/**
 * Fuzz: real Kraken frames (the 10-pair capture, re-expressed as v2) where one pair's frames are
 * mutated (bytes flipped, cut short, digits swapped, fields dropped) before reaching the
 * collector. No message may throw inside the adapter, and every other book must stay exact (equal
 * to a collector fed the clean stream) — never corrupted, at worst marked stale.
 */
import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { mutate, mutations } from "../support/mutations.ts";
import { parseKrakenV1Message } from "../support/kraken_v1.ts";
import type { BookMessage } from "../../src/exchanges/types.ts";
import { readCryptofeed, recording } from "../exchanges/recordings.ts";
import { kraken } from "./harness.ts";
import { krakenV2Frame } from "./frames.ts";

const WS50 = recording("cryptofeed/KRAKEN.ws.50.0");

const mutation = mutations(['"checksum"', '"qty"', '"price"', '"symbol"', '"bids"']);

Deno.test({
  name: "fuzz: mutated real Kraken frames never throw in the adapter nor corrupt another book",
  ignore: WS50 === undefined,
  async fn() {
    const frames: BookMessage[] = [];
    for (const line of readCryptofeed(WS50!)) {
      if (line.kind !== "recv") continue;
      for (const m of parseKrakenV1Message(line.text)) if (m.kind === "book") frames.push(m);
    }
    const symbols = [...new Set(frames.map((m) => m.symbol))];
    const victim = frames.filter((m) => !m.snapshot).reduce((acc, m) => {
      acc.set(m.symbol, (acc.get(m.symbol) ?? 0) + 1);
      return acc;
    }, new Map<string, number>());
    const target = [...victim.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const clean = await kraken(symbols, { depth: 1000 });
    for (const m of frames) clean.collector.ingest(krakenV2Frame(m));
    let mutated = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 50, maxLength: 50 }),
        fc.integer({ min: 1, max: 4 }),
        async (muts, every) => {
          const h = await kraken(symbols, { depth: 1000 });
          let k = 0;
          for (const m of frames) {
            let text = krakenV2Frame(m);
            if (m.symbol === target && !m.snapshot && (k++ % every) === 0 && muts.length > 0) {
              text = mutate(text, muts[k % muts.length]);
              mutated++;
            }
            h.collector.ingest(text);
          }
          const health = h.collector.health();
          equal(h.collector.handlerFailures, 0, "an adapter threw on mutated input");
          for (const s of symbols) {
            if (s === target) continue;
            const state = h.collector.books.state(s);
            ok(state === "live" || state === "stale", `${s} is ${state}`);
            if (state === "live") {
              equal(
                JSON.stringify(h.collector.books.top(s, 1000)),
                JSON.stringify(clean.collector.books.top(s, 1000)),
                `${s} was corrupted`,
              );
            }
          }
          // A mutated frame of the target must never leave it live with a wrong book.
          if (h.collector.books.state(target) === "live") {
            equal(
              JSON.stringify(h.collector.books.top(target, 10)),
              JSON.stringify(clean.collector.books.top(target, 10)),
            );
          }
          ok(
            health.parseErrors + health.checksumFailures + health.unknownMessages > 0 || every > 0,
          );
        },
      ),
      { numRuns: 12, seed: 7 },
    );
    console.log(
      `    ${mutated} mutated frames of ${target} across 12 runs; other ${
        symbols.length - 1
      } books never corrupted`,
    );
  },
});
