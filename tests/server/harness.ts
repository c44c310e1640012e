/**
 * Shared setup of the server tests: a server on an ephemeral loopback port over local feeds, and
 * comparisons of rebuilt books with the collectors' books.
 *
 * @module
 */
import { type ConfigInput, parseConfig } from "../../src/config.ts";
import {
  type BroadcasterTuning,
  type BroadcastServer,
  createServer,
} from "../../src/server/mod.ts";
import type { BookClient, FeedNames } from "./book_clients.ts";
import type { LocalFeed } from "./local_feed.ts";
import { assertEquals } from "../core/assert.ts";

export interface Harness {
  server: BroadcastServer;
  /** `ws://127.0.0.1:<port>/ws` */
  ws: string;
  /** `http://127.0.0.1:<port>` */
  http: string;
  names: FeedNames;
}

/** Starts a server on port 0 over `feeds`. */
export async function startServer(
  feeds: LocalFeed[],
  server: ConfigInput["server"] = {},
  tuning: BroadcasterTuning = {},
): Promise<Harness> {
  const config = parseConfig({ server: { port: 0, ...server } });
  const srv = await createServer({ config, feeds, tuning });
  return {
    server: srv,
    ws: `ws://127.0.0.1:${srv.port}/ws`,
    http: `http://127.0.0.1:${srv.port}`,
    names: namesOf(feeds),
  };
}

export function namesOf(feeds: LocalFeed[]): FeedNames {
  return {
    exchanges: new Map(feeds.map((f) => [f.exchangeCode, f.exchange])),
    symbols: new Map(feeds.map((f) => [f.exchangeCode, f.symbols])),
  };
}

/** Waits until the client holds book `i` of `feed` at the feed's current seq. */
export function caughtUp(
  client: BookClient,
  feed: LocalFeed,
  i: number,
  timeoutMs = 5000,
): Promise<void> {
  const key = `${feed.exchange}|${feed.symbols[i]}`;
  return client.until(
    () => client.held.has(key) && client.books.get(key)!.seq === feed.seq(i),
    timeoutMs,
    `${key} at seq ${feed.seq(i)} (client at ${client.books.get(key)?.seq})`,
  );
}

/** Asserts the client's rebuilt book `i` equals the collector's top-N exactly. */
export function assertBookMatches(client: BookClient, feed: LocalFeed, i: number): void {
  const key = `${feed.exchange}|${feed.symbols[i]}`;
  const book = client.books.get(key);
  if (!book) throw new Error(`${client.format} client has no book ${key}`);
  assertEquals(book.text(), feed.top(i), `${client.format} client book ${key}`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
