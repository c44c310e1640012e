/// <reference lib="dom" />
/**
 * The live dashboard (served at `/`, bundled into `build/dashboard.js`): every configured book as
 * a ladder with depth bars, spread and mid, update rate and last update age, live/stale state; a
 * trades tape; connection figures (deltas/s, exchange-to-render latency, bytes received vs bytes
 * a full-book stream would have needed). Renders on animation frames, only what changed.
 *
 * For tests it exposes `globalThis.__alphapulse` (the client, the books it rebuilt and counters).
 *
 * @module
 */
import { AlphaPulseClient } from "../client.ts";
import type { MirrorBook } from "../../core/book_mirror.ts";

interface BookView {
  exchange: string;
  symbol: string;
  el: HTMLElement;
  dirty: boolean;
  stale: boolean;
  updates: number[];
  lastUpdate: number;
}

interface HealthBook {
  symbol: string;
}
interface HealthExchange {
  exchange: string;
  books: HealthBook[];
}

const LADDER_ROWS = 10;
const views = new Map<string, BookView>();
const tape: string[] = [];
const latencies: number[] = [];
const deltaTimes: number[] = [];
let tapeDirty = false;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function key(exchange: string, symbol: string): string {
  return `${exchange} ${symbol}`;
}

function fmtBytes(n: number): string {
  if (n > 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n > 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n > 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function renderBook(v: BookView, book: MirrorBook | undefined, now: number): void {
  const body = v.el.querySelector(".ladder") as HTMLElement;
  const meta = v.el.querySelector(".meta") as HTMLElement;
  const state = v.el.querySelector(".state") as HTMLElement;
  state.textContent = v.stale || !book ? "stale" : "live";
  state.className = `state ${v.stale || !book ? "is-stale" : "is-live"}`;
  while (v.updates.length && v.updates[0] < now - 5000) v.updates.shift();
  const rate = v.updates.length / 5;
  const age = v.lastUpdate ? ((now - v.lastUpdate) / 1000).toFixed(1) : "–";
  if (!book) {
    meta.textContent = `waiting for snapshot · last update ${age}s ago`;
    body.replaceChildren();
    return;
  }
  const bestBid = book.bids[0]?.[0];
  const bestAsk = book.asks[0]?.[0];
  const dp = Math.max(decimals(bestBid), decimals(bestAsk));
  const spread = bestBid && bestAsk ? (Number(bestAsk) - Number(bestBid)).toFixed(dp) : "–";
  const mid = bestBid && bestAsk ? ((Number(bestAsk) + Number(bestBid)) / 2).toFixed(dp + 1) : "–";
  meta.textContent = `mid ${mid} · spread ${spread} · ${
    rate.toFixed(1)
  } upd/s · last ${age}s ago · seq ${book.seq}`;
  const asks = book.asks.slice(0, LADDER_ROWS).reverse();
  const bids = book.bids.slice(0, LADDER_ROWS);
  const max = Math.max(1e-12, ...[...asks, ...bids].map(([, s]) => Number(s)));
  const rows: HTMLElement[] = [];
  for (const [p, s] of asks) rows.push(row("ask", p, s, max));
  rows.push(el("div", "spread-row", `spread ${spread}`));
  for (const [p, s] of bids) rows.push(row("bid", p, s, max));
  body.replaceChildren(...rows);
}

function decimals(text: string | undefined): number {
  const dot = text ? text.indexOf(".") : -1;
  return dot < 0 ? 0 : text!.length - dot - 1;
}

function row(side: "bid" | "ask", price: string, size: string, max: number): HTMLElement {
  const r = el("div", `lvl ${side}`);
  const bar = el("span", "bar");
  bar.style.width = `${Math.min(100, (Number(size) / max) * 100).toFixed(1)}%`;
  r.append(bar, el("span", "px", price), el("span", "sz", size));
  return r;
}

function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const grid = document.getElementById("books")!;
  const tapeEl = document.getElementById("tape")!;
  const conn = document.getElementById("conn")!;
  const health = await (await fetch("/health")).json() as { exchanges?: HealthExchange[] };
  const exchanges = health.exchanges ?? [];
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const token = new URLSearchParams(location.search).get("token") ?? undefined;
  const client = await AlphaPulseClient.connect({ url: wsUrl, token });
  for (const ex of exchanges) {
    for (const b of ex.books) {
      const card = el("section", "book");
      const head = el("header");
      head.append(
        el("h2", "", `${b.symbol}`),
        el("span", "venue", ex.exchange),
        el("span", "state is-stale", "stale"),
      );
      card.append(head, el("div", "meta", "waiting for snapshot"), el("div", "ladder"));
      grid.append(card);
      views.set(key(ex.exchange, b.symbol), {
        exchange: ex.exchange,
        symbol: b.symbol,
        el: card,
        dirty: true,
        stale: true,
        updates: [],
        lastUpdate: 0,
      });
    }
    const symbols = ex.books.map((b) => b.symbol);
    client.subscribeBooks(ex.exchange, symbols);
    client.subscribeTrades(ex.exchange, symbols);
  }
  client.addEventListener("book", (e) => {
    const d = (e as CustomEvent).detail;
    const v = views.get(key(d.exchange, d.symbol));
    const now = performance.timeOrigin + performance.now();
    if (v) {
      v.dirty = true;
      v.stale = false;
      v.updates.push(performance.now());
      v.lastUpdate = performance.now();
    }
    deltaTimes.push(performance.now());
    if (d.exchangeTimeMs > 0) {
      latencies.push(now - d.exchangeTimeMs);
      if (latencies.length > 2000) latencies.splice(0, latencies.length - 2000);
    }
  });
  client.addEventListener("stale", (e) => {
    const d = (e as CustomEvent).detail;
    const v = views.get(key(d.exchange, d.symbol));
    if (v) {
      v.stale = true;
      v.dirty = true;
    }
  });
  client.addEventListener("trade", (e) => {
    const t = (e as CustomEvent).detail;
    tape.unshift(
      `${
        new Date(t.ts).toISOString().slice(11, 23)
      } ${t.exchange} ${t.symbol} ${t.side} ${t.size} @ ${t.price}`,
    );
    if (tape.length > 40) tape.length = 40;
    tapeDirty = true;
  });
  client.addEventListener("close", () => {
    conn.textContent = "disconnected";
  });

  (globalThis as Record<string, unknown>).__alphapulse = {
    client,
    stats: client.stats,
    books: () =>
      [...views.values()].map((v) => ({
        exchange: v.exchange,
        symbol: v.symbol,
        stale: v.stale,
        book: client.book(v.exchange, v.symbol),
      })),
  };

  const frame = () => {
    const now = performance.now();
    for (const v of views.values()) {
      if (v.dirty || now - v.lastUpdate < 6000) {
        renderBook(v, v.stale ? undefined : client.book(v.exchange, v.symbol), now);
        v.dirty = false;
      }
    }
    if (tapeDirty) {
      tapeEl.replaceChildren(
        ...tape.map((t) => el("div", t.includes(" buy ") ? "buy" : "sell", t)),
      );
      tapeDirty = false;
    }
    while (deltaTimes.length && deltaTimes[0] < now - 5000) deltaTimes.shift();
    const s = client.stats;
    const saved = s.fullBookBytes > 0 ? (100 * (1 - s.bytes / s.fullBookBytes)).toFixed(1) : "–";
    conn.textContent =
      `${(deltaTimes.length / 5).toFixed(1)} deltas/s · latency exchange→render p50 ` +
      `${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${
        quantile(latencies, 0.99).toFixed(1)
      } ms · received ` +
      `${fmtBytes(s.bytes)} vs ${
        fmtBytes(s.fullBookBytes)
      } full-book (${saved}% saved) · checksums ` +
      `${s.checksumsVerified} ok, ${s.checksumFailures} failed · resyncs ${s.resyncs}`;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

main().catch((e) => {
  const conn = document.getElementById("conn");
  if (conn) conn.textContent = `error: ${(e as Error).message}`;
  console.error(e);
});
