/**
 * The subscriptions index: the registered sessions and who is subscribed to what, in both
 * directions (book → sessions, session → books; the same for trades). It is the only place that
 * holds these relations, so neither a book channel nor a session knows the other.
 *
 * A book subscription carries one flag, `live`: the session holds a snapshot of the book and
 * receives its deltas. It starts false (a snapshot is owed) and goes false again when the book or
 * the session goes stale.
 *
 * @module
 */

/**
 * Sessions and their book and trade subscriptions. `S` is the session type, `B` the book channel
 * type (kept generic so the index depends on neither).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Subscriptions } from "./subscriptions.ts";
 * const subs = new Subscriptions<string, string>();
 * subs.add("alice");
 * subs.addBook("alice", "kraken BTC/USD");
 * subs.setLive("alice", "kraken BTC/USD", true);
 * assert(subs.isLive("alice", "kraken BTC/USD"));
 * assert(subs.countOf("alice") === 1);
 * subs.remove("alice");
 * assert(subs.subscriberCount("kraken BTC/USD") === 0);
 * ```
 */
export class Subscriptions<S, B> {
  #sessions = new Set<S>();
  #bookSubscribers = new Map<B, Map<S, boolean>>();
  #tradeSubscribers = new Map<B, Set<S>>();
  #booksOf = new Map<S, Set<B>>();
  #tradesOf = new Map<S, Set<B>>();

  /** Registered sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Every registered session. */
  sessions(): IterableIterator<S> {
    return this.#sessions.values();
  }

  /** Registers a session. */
  add(session: S): void {
    this.#sessions.add(session);
  }

  /** Forgets a session and every subscription it holds. */
  remove(session: S): void {
    this.#sessions.delete(session);
    for (const book of this.#booksOf.get(session) ?? []) {
      this.#bookSubscribers.get(book)?.delete(session);
    }
    for (const book of this.#tradesOf.get(session) ?? []) {
      this.#tradeSubscribers.get(book)?.delete(session);
    }
    this.#booksOf.delete(session);
    this.#tradesOf.delete(session);
  }

  /** Subscribes a session to a book, not live (a snapshot is owed), even if it was subscribed. */
  addBook(session: S, book: B): void {
    setOf(this.#booksOf, session).add(book);
    let subscribers = this.#bookSubscribers.get(book);
    if (!subscribers) this.#bookSubscribers.set(book, subscribers = new Map());
    subscribers.set(session, false);
  }

  /** Ends a session's book subscription. */
  removeBook(session: S, book: B): void {
    this.#booksOf.get(session)?.delete(book);
    this.#bookSubscribers.get(book)?.delete(session);
  }

  /** Subscribes a session to a book's trades. */
  addTrades(session: S, book: B): void {
    setOf(this.#tradesOf, session).add(book);
    setOf(this.#tradeSubscribers, book).add(session);
  }

  /** Ends a session's trade subscription. */
  removeTrades(session: S, book: B): void {
    this.#tradesOf.get(session)?.delete(book);
    this.#tradeSubscribers.get(book)?.delete(session);
  }

  /** Whether the session is subscribed to this book (`channel: "book"`) or its trades. */
  has(session: S, book: B, channel: "book" | "trades"): boolean {
    return (channel === "book" ? this.#booksOf : this.#tradesOf).get(session)?.has(book) ?? false;
  }

  /** Whether the session holds a snapshot of the book and receives its deltas. */
  isLive(session: S, book: B): boolean {
    return this.#bookSubscribers.get(book)?.get(session) ?? false;
  }

  /** Sets a subscription's live flag (ignored when the session is not subscribed). */
  setLive(session: S, book: B, live: boolean): void {
    const subscribers = this.#bookSubscribers.get(book);
    if (subscribers?.has(session)) subscribers.set(session, live);
  }

  /** The book's subscribers and their live flags (in subscription order). */
  subscribersOf(book: B): ReadonlyMap<S, boolean> {
    return this.#bookSubscribers.get(book) ?? EMPTY_MAP;
  }

  /** The book's trade subscribers. */
  tradeSubscribersOf(book: B): ReadonlySet<S> {
    return this.#tradeSubscribers.get(book) ?? EMPTY_SET;
  }

  /** The books a session is subscribed to. */
  booksOf(session: S): ReadonlySet<B> {
    return this.#booksOf.get(session) ?? EMPTY_SET;
  }

  /** Book and trade subscriptions a session holds. */
  countOf(session: S): number {
    return (this.#booksOf.get(session)?.size ?? 0) + (this.#tradesOf.get(session)?.size ?? 0);
  }

  /** Book subscribers of a book. */
  subscriberCount(book: B): number {
    return this.#bookSubscribers.get(book)?.size ?? 0;
  }

  /** Book and trade subscriptions held by every session. */
  total(): number {
    let n = 0;
    for (const s of this.#sessions) n += this.countOf(s);
    return n;
  }
}

const EMPTY_MAP: ReadonlyMap<never, boolean> = new Map<never, boolean>();
const EMPTY_SET: ReadonlySet<never> = new Set<never>();

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, set = new Set());
  return set;
}
