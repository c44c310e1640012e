/**
 * Fuzz: the real OKX capture where one book's frames (UNI-USD-SWAP) are mutated (bytes flipped,
 * cut short, digits swapped, fields dropped, text duplicated) before reaching the collector. No
 * frame may throw inside the adapter; the other books must stay exact (equal to a collector fed
 * the clean stream); the mutated book is never left live with a wrong top (the legacy checksum
 * or the parser catches it: it goes stale).
 */
import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import {
  OKX_CAPTURE,
  OKX_CAPTURE_SYMBOLS,
  okxFrames,
  okxReplayCollector,
} from "../exchanges/okx_capture.ts";

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: fc.nat(), byte: fc.integer({ min: 32, max: 126 }) }),
  fc.record({ kind: fc.constant("cut"), at: fc.nat() }),
  fc.record({ kind: fc.constant("digit"), at: fc.nat(), byte: fc.integer({ min: 48, max: 57 }) }),
  fc.record({
    kind: fc.constant("drop"),
    field: fc.constantFrom('"checksum"', '"asks"', '"bids"', '"instId"', '"action"', '"ts"'),
  }),
  fc.record({ kind: fc.constant("dup"), at: fc.nat() }),
);

type Mutation = { kind: string; at?: number; byte?: number; field?: string };

function mutate(text: string, m: Mutation): string {
  const at = (m.at ?? 0) % Math.max(1, text.length);
  switch (m.kind) {
    case "flip":
      return text.slice(0, at) + String.fromCharCode(m.byte!) + text.slice(at + 1);
    case "cut":
      return text.slice(0, at);
    case "digit": {
      const i = text.slice(at).search(/\d/);
      if (i < 0) return text;
      return text.slice(0, at + i) + String.fromCharCode(m.byte!) + text.slice(at + i + 1);
    }
    case "drop":
      return text.replace(m.field!, '"x_removed"');
    default:
      return text.slice(0, at) + text.slice(at, at + 20) + text.slice(at);
  }
}

const TARGET = "UNI/USD";
const TARGET_ID = '"instId":"UNI-USD-SWAP"';

Deno.test({
  name: "fuzz: mutated real OKX frames never throw nor corrupt another book",
  ignore: OKX_CAPTURE === undefined,
  async fn() {
    const frames = await okxFrames(OKX_CAPTURE!);
    const clean = await okxReplayCollector();
    for (const f of frames) clean.ingest(f);
    let mutated = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (muts, every) => {
          const c = await okxReplayCollector();
          let k = 0;
          for (const f of frames) {
            let text = f;
            if (f.includes(TARGET_ID) && f.includes('"books"') && (k++ % every) === 0) {
              text = mutate(f, muts[k % muts.length]);
              mutated++;
            }
            c.ingest(text);
          }
          equal(c.handlerFailures, 0, "the adapter threw on mutated input");
          for (const s of OKX_CAPTURE_SYMBOLS) {
            const state = c.books.state(s);
            // The target may never have gone live (its snapshot frame mutated).
            ok(state === "live" || state === "stale" || state === "connecting", `${s} is ${state}`);
            if (s !== TARGET) {
              equal(state, "live", `${s} was disturbed`);
              equal(
                JSON.stringify(c.books.top(s, 400)),
                JSON.stringify(clean.books.top(s, 400)),
                `${s} was corrupted`,
              );
            } else if (state === "live") {
              equal(
                JSON.stringify(c.books.top(s, 25)),
                JSON.stringify(clean.books.top(s, 25)),
                "the mutated book is live with a wrong top",
              );
            }
          }
        },
      ),
      { numRuns: 15, seed: 11 },
    );
    console.log(`    ${mutated} mutated UNI-USD-SWAP frames across 15 runs; 2 other books exact`);
  },
});
