/// <reference lib="deno.worker" />
/**
 * Worker entry: runs one exchange's collector with its own WASM core and ring in shared memory.
 * The main thread gets the `SharedArrayBuffer` and reads the ring directly; trades and health come
 * as messages.
 *
 * Messages in: `{ type: "start", exchange, config, recordDir? }`, `{ type: "snapshots", symbols? }`,
 * `{ type: "pause", symbols }`, `{ type: "keep" }`,
 * `{ type: "stop" }`. Messages out: `{ type: "ready", buffer, ringAddress, layout, symbols }`,
 * `{ type: "trades", trades }`, `{ type: "health", health }`, `{ type: "stopped" }`,
 * `{ type: "error", message }`.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { ExchangeId } from "../exchanges/types.ts";
import type { NormalizedTrade } from "./feed.ts";
import { type LocalFeed, startLocalFeed } from "./local_feed.ts";

const HEALTH_EVERY_MS = 250;
const TRADES_EVERY_MS = 20;

let feed: LocalFeed | undefined;
let pending: NormalizedTrade[] = [];
let healthTimer: ReturnType<typeof setInterval> | undefined;
let tradeTimer: ReturnType<typeof setTimeout> | undefined;

self.onmessage = async (event: MessageEvent) => {
  const msg = event.data as
    | { type: "start"; exchange: ExchangeId; config: Config; recordDir?: string }
    | { type: "snapshots"; symbols?: string[] }
    | { type: "pause"; symbols: string[] }
    | { type: "keep" }
    | { type: "stop" };
  try {
    if (msg.type === "start") {
      feed = await startLocalFeed({
        exchange: msg.exchange,
        config: msg.config,
        log: (line) => console.log(line),
        recordDir: msg.recordDir,
      });
      // Trades are batched for TRADES_EVERY_MS from the first one: a timer only while some wait
      // (an idle interval would wake this thread 50 times a second for nothing).
      feed.onTrade((t) => {
        pending.push(t);
        tradeTimer ??= setTimeout(() => {
          tradeTimer = undefined;
          self.postMessage({ type: "trades", trades: pending });
          pending = [];
        }, TRADES_EVERY_MS);
      });
      self.postMessage({
        type: "ready",
        buffer: feed.buffer,
        ringAddress: feed.ringAddress,
        layout: feed.layout,
        symbols: feed.symbols,
        health: feed.health(),
      });
      healthTimer = setInterval(
        () => self.postMessage({ type: "health", health: feed!.health() }),
        HEALTH_EVERY_MS,
      );
    } else if (msg.type === "snapshots") {
      feed?.requestSnapshots(msg.symbols);
    } else if (msg.type === "pause") {
      feed?.pauseRecords(msg.symbols);
    } else if (msg.type === "keep") {
      feed?.keepRecords();
    } else if (msg.type === "stop") {
      clearInterval(healthTimer);
      clearTimeout(tradeTimer);
      await feed?.stop();
      self.postMessage({ type: "stopped", health: feed?.health() });
    }
  } catch (e) {
    self.postMessage({ type: "error", message: (e as Error).message });
  }
};
