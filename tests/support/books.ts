/** Comparing an adapter's book with a mock's authoritative book. */
import { normalizeDecimal } from "../../src/exchanges/decimal_text.ts";
import type { SocketCollector } from "../../src/exchanges/collector.ts";
import { waitUntil } from "./ws_test_client.ts";

type Lv = readonly [string, string];

export function norm(levels: readonly Lv[]): string[] {
  return levels.map(([p, s]) => `${normalizeDecimal(p)}@${normalizeDecimal(s)}`);
}

/** Whether the collector's top-`n` of `symbol` equals the mock's. */
export function sameBook(
  collector: SocketCollector,
  symbol: string,
  mockBook: { bids: readonly Lv[]; asks: readonly Lv[] },
  n: number,
): boolean {
  if (collector.books.state(symbol) !== "live") return false;
  const mine = collector.books.top(symbol, n);
  return JSON.stringify([norm(mine.bids), norm(mine.asks)]) ===
    JSON.stringify([norm(mockBook.bids.slice(0, n)), norm(mockBook.asks.slice(0, n))]);
}

export function describe(
  collector: SocketCollector,
  symbol: string,
  mockBook: { bids: readonly Lv[]; asks: readonly Lv[] },
  n: number,
): string {
  const mine = collector.books.top(symbol, n);
  return `state ${collector.books.state(symbol)}\n  adapter bids ${
    norm(mine.bids).slice(0, 5)
  } asks ${norm(mine.asks).slice(0, 5)}\n  mock    bids ${
    norm(mockBook.bids.slice(0, n)).slice(0, 5)
  } asks ${norm(mockBook.asks.slice(0, n)).slice(0, 5)}`;
}

/** A mock exchange as the comparison needs it: its authoritative book of a symbol. */
export interface BookSource {
  book(symbol: string): { bids: readonly Lv[]; asks: readonly Lv[] };
}

/**
 * Waits until the collector's top-`n` of every symbol equals the mock's; on timeout the error
 * shows both books.
 */
export async function waitForBooks(
  collector: SocketCollector,
  mock: BookSource,
  symbols: readonly string[],
  n: number,
  label = "books to match the mock",
): Promise<void> {
  await waitUntil(() => symbols.every((s) => sameBook(collector, s, mock.book(s), n)), 5000, label)
    .catch((e) => {
      const detail = symbols.map((s) => describe(collector, s, mock.book(s), n)).join("\n");
      throw new Error(`${e.message}\n${detail}`);
    });
}
