/**
 * A collector running in this isolate (single-isolate hosting, tests): its own core and ring in
 * this thread, exposed as an {@linkcode ExchangeFeed}.
 *
 * @module
 */
import { type Config, exchangeSettings } from "../config.ts";
import { Core } from "../core/core.ts";
import type { Collector } from "../exchanges/collector.ts";
import { createCollector } from "../exchanges/registry.ts";
import type { ExchangeId } from "../exchanges/types.ts";
import { Recorder } from "../recorder/recorder.ts";
import {
  EXCHANGE_CODES,
  type ExchangeFeed,
  type ExchangeHealth,
  type NormalizedTrade,
} from "./feed.ts";

/** Options of {@linkcode startLocalFeed}. */
export interface LocalFeedOptions {
  exchange: ExchangeId;
  config: Config;
  log?: (line: string) => void;
  /** Precompiled core module. */
  module?: WebAssembly.Module;
  /** Record every raw input of the collector into this directory (see `src/recorder/`). */
  recordDir?: string;
}

/** A feed whose collector runs in this isolate. */
export class LocalFeed implements ExchangeFeed {
  readonly exchange: ExchangeId;
  readonly exchangeCode: number;
  /** Snapshots come from the collector's own books (`publishSnapshots`). */
  readonly snapshotsOnDemand = true;
  readonly symbols: readonly string[];
  readonly core: Core;
  readonly collector: Collector;
  /** The recorder of this collector's raw inputs, when recording. */
  readonly recorder: Recorder | undefined;
  #listeners = new Set<(t: NormalizedTrade) => void>();

  constructor(
    exchange: ExchangeId,
    core: Core,
    build: (onTrade: (t: NormalizedTrade) => void) => Collector,
    recorder?: Recorder,
  ) {
    this.exchange = exchange;
    this.recorder = recorder;
    this.exchangeCode = EXCHANGE_CODES[exchange];
    this.core = core;
    this.collector = build((t) => {
      for (const l of this.#listeners) l(t);
    });
    this.symbols = this.collector.symbols;
  }

  get buffer(): ArrayBufferLike {
    return this.core.memory.buffer;
  }

  get ringAddress(): number {
    return this.core.ringAddress;
  }

  get layout() {
    return this.core.layout;
  }

  onTrade(listener: (trade: NormalizedTrade) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): ExchangeHealth {
    return this.collector.health();
  }

  requestSnapshots(symbols?: readonly string[]): void {
    this.collector.publishSnapshots(symbols);
  }

  pauseRecords(symbols: readonly string[]): void {
    this.collector.pauseRecords(symbols);
  }

  keepRecords(): void {
    this.collector.keepRecords();
  }

  /** The collector writes the ring on this thread: `listener` runs after each write. */
  onWrite(listener: () => void): () => void {
    return this.core.onWrite(listener);
  }

  async stop(): Promise<void> {
    await this.collector.stop();
    await this.recorder?.close();
  }
}

/**
 * Starts one exchange's collector in this isolate.
 *
 * @example
 * ```ts ignore
 * const feed = await startLocalFeed({ exchange: "kraken", config });
 * ```
 */
export async function startLocalFeed(options: LocalFeedOptions): Promise<LocalFeed> {
  const { exchange, config } = options;
  const settings = exchangeSettings(config, exchange);
  if (!settings) throw new RangeError(`Exchange ${exchange} is not configured`);
  const core = await Core.create({
    ringCapacity: config.runtime.ringCapacity,
    module: options.module,
  });
  const recorder = options.recordDir === undefined ? undefined : new Recorder({
    dir: options.recordDir,
    exchange,
    meta: { symbols: settings.symbols, depth: config.book.depth, settings },
    log: options.log,
  });
  const feed = new LocalFeed(exchange, core, (onTrade) =>
    createCollector(exchange, settings, {
      core,
      exchangeCode: EXCHANGE_CODES[exchange],
      depth: config.book.depth,
      onTrade,
      log: options.log,
      record: recorder &&
        ((kind, text, receivedMs, meta) => recorder.record(kind, text, receivedMs, meta?.symbol)),
    }), recorder);
  await feed.collector.start();
  return feed;
}
