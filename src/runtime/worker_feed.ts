/**
 * A collector running in its own Worker (the default): the main thread reads its ring from the
 * shared memory the Worker posts back; trades and health arrive as messages.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { CoreLayout } from "../core/layout.ts";
import type { ExchangeId } from "../exchanges/types.ts";
import {
  EXCHANGE_CODES,
  type ExchangeFeed,
  type ExchangeHealth,
  type NormalizedTrade,
} from "./feed.ts";

/** A feed whose collector runs in a Worker. */
export class WorkerFeed implements ExchangeFeed {
  readonly exchange: ExchangeId;
  readonly exchangeCode: number;
  /** Snapshots come from the collector's own books (`publishSnapshots`). */
  readonly snapshotsOnDemand = true;
  readonly symbols: readonly string[];
  readonly buffer: ArrayBufferLike;
  readonly ringAddress: number;
  readonly layout: CoreLayout;
  #worker: Worker;
  #health: ExchangeHealth;
  #listeners = new Set<(t: NormalizedTrade) => void>();
  #stopped: Promise<void> | undefined;

  private constructor(
    exchange: ExchangeId,
    worker: Worker,
    ready: {
      buffer: ArrayBufferLike;
      ringAddress: number;
      layout: CoreLayout;
      symbols: string[];
      health: ExchangeHealth;
    },
  ) {
    this.exchange = exchange;
    this.exchangeCode = EXCHANGE_CODES[exchange];
    this.#worker = worker;
    this.buffer = ready.buffer;
    this.ringAddress = ready.ringAddress;
    this.layout = ready.layout;
    this.symbols = ready.symbols;
    this.#health = ready.health;
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.type === "trades") { for (const t of m.trades) for (const l of this.#listeners) l(t); }
      else if (m.type === "health" || (m.type === "stopped" && m.health)) this.#health = m.health;
    };
  }

  /**
   * Starts the Worker and waits until its ring is ready. With `options.recordDir`, the collector's
   * raw inputs are recorded there (by the Worker).
   */
  static start(
    exchange: ExchangeId,
    config: Config,
    timeoutMs = 30_000,
    options: { recordDir?: string } = {},
  ): Promise<WorkerFeed> {
    const worker = new Worker(new URL("./collector_worker.ts", import.meta.url), {
      type: "module",
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.terminate();
        reject(new Error(`${exchange} collector did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      worker.onmessage = (e) => {
        if (e.data.type === "ready") {
          clearTimeout(timer);
          resolve(new WorkerFeed(exchange, worker, e.data));
        } else if (e.data.type === "error") {
          clearTimeout(timer);
          worker.terminate();
          reject(new Error(`${exchange} collector failed to start: ${e.data.message}`));
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        clearTimeout(timer);
        worker.terminate();
        reject(new Error(`${exchange} collector crashed: ${e.message}`));
      };
      worker.postMessage({ type: "start", exchange, config, recordDir: options.recordDir });
    });
  }

  onTrade(listener: (trade: NormalizedTrade) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(): ExchangeHealth {
    return this.#health;
  }

  requestSnapshots(symbols?: readonly string[]): void {
    this.#worker.postMessage({ type: "snapshots", symbols: symbols ? [...symbols] : undefined });
  }

  pauseRecords(symbols: readonly string[]): void {
    this.#worker.postMessage({ type: "pause", symbols: [...symbols] });
  }

  keepRecords(): void {
    this.#worker.postMessage({ type: "keep" });
  }

  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#worker.terminate();
        resolve();
      };
      const timer = setTimeout(done, 3000);
      this.#worker.addEventListener("message", (e) => {
        if ((e as MessageEvent).data.type === "stopped") done();
      });
      this.#worker.postMessage({ type: "stop" });
    });
    return this.#stopped;
  }
}
