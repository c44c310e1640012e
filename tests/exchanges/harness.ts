/** Builds adapters on a real compiled core for tests, with a log that records what they say. */
import { parseConfig } from "../../src/config.ts";
import { Core, RingReader } from "../../src/core/mod.ts";
import { BinanceCollector } from "../../src/exchanges/binance/collector.ts";
import { BINANCE_US } from "../../src/exchanges/binanceus/variant.ts";
import { CoinbaseCollector } from "../../src/exchanges/coinbase/collector.ts";
import { KrakenCollector } from "../../src/exchanges/kraken/collector.ts";
import type { NormalizedTrade } from "../../src/runtime/feed.ts";
import { EXCHANGE_CODES } from "../../src/runtime/feed.ts";

export interface Harness<C> {
  collector: C;
  core: Core;
  reader: RingReader;
  trades: NormalizedTrade[];
  logs: string[];
}

async function base() {
  const core = await Core.create({ ringCapacity: 1 << 16 });
  const reader = new RingReader(core.memory.buffer, core.ringAddress, core.layout);
  const trades: NormalizedTrade[] = [];
  const logs: string[] = [];
  return { core, reader, trades, logs };
}

/** Fast liveness settings for tests. */
export const FAST = { silenceTimeoutMs: 1500, minBackoffMs: 20, maxBackoffMs: 200 };

export async function kraken(
  symbols: string[],
  opts: {
    wsUrl?: string;
    depth?: number;
    silenceTimeoutMs?: number;
    maxLevelsPerMessage?: number;
  } = {},
): Promise<Harness<KrakenCollector>> {
  const b = await base();
  const cfg = parseConfig({
    exchanges: {
      kraken: {
        symbols,
        wsUrl: opts.wsUrl ?? "ws://127.0.0.1:9",
        depth: opts.depth ?? 10,
        ...FAST,
        ...pick(opts),
      },
    },
  });
  const collector = new KrakenCollector(cfg.exchanges.kraken!, {
    core: b.core,
    exchangeCode: EXCHANGE_CODES.kraken,
    depth: cfg.book.depth,
    onTrade: (t) => b.trades.push(t),
    log: (l) => b.logs.push(l),
  });
  return { ...b, collector };
}

export async function coinbase(
  symbols: string[],
  opts: { wsUrl?: string; silenceTimeoutMs?: number; maxLevelsPerMessage?: number } = {},
): Promise<Harness<CoinbaseCollector>> {
  const b = await base();
  const cfg = parseConfig({
    exchanges: {
      coinbase: { symbols, wsUrl: opts.wsUrl ?? "ws://127.0.0.1:9", ...FAST, ...pick(opts) },
    },
  });
  const collector = new CoinbaseCollector(cfg.exchanges.coinbase!, {
    core: b.core,
    exchangeCode: EXCHANGE_CODES.coinbase,
    depth: cfg.book.depth,
    onTrade: (t) => b.trades.push(t),
    log: (l) => b.logs.push(l),
  });
  return { ...b, collector };
}

export async function binance(
  symbols: string[],
  opts: {
    wsUrl?: string;
    restUrl?: string;
    silenceTimeoutMs?: number;
    maxConnectionAgeMs?: number;
    snapshotLimit?: number;
    maxLevelsPerMessage?: number;
  } = {},
): Promise<Harness<BinanceCollector>> {
  const b = await base();
  const cfg = parseConfig({
    exchanges: {
      binanceus: {
        symbols,
        wsUrl: opts.wsUrl ?? "ws://127.0.0.1:9",
        restUrl: opts.restUrl ?? "http://127.0.0.1:9",
        ...FAST,
        ...pick(opts),
      },
    },
  });
  const collector = new BinanceCollector(cfg.exchanges.binanceus!, {
    core: b.core,
    exchangeCode: EXCHANGE_CODES.binanceus,
    depth: cfg.book.depth,
    onTrade: (t) => b.trades.push(t),
    log: (l) => b.logs.push(l),
  }, BINANCE_US);
  return { ...b, collector };
}

function pick(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && k !== "wsUrl" && k !== "restUrl" && k !== "depth") out[k] = v;
  }
  return out;
}
