/**
 * Starts every configured exchange collector: one Worker each (`runtime.mode: "workers"`, the
 * default) or all in this isolate (`"single"`, for Deno Deploy-style hosting).
 *
 * @module
 */
import { type Config, exchangeSettings } from "../config.ts";
import type { ExchangeFeed } from "./feed.ts";
import { WorkerFeed } from "./worker_feed.ts";
import { EXCHANGES } from "../exchanges/registry.ts";

/** Options of {@linkcode startFeeds}. */
export interface FeedsOptions {
  /** Record every collector's raw inputs into this directory (`--record <dir>`). */
  recordDir?: string;
}

/**
 * @example
 * ```ts ignore
 * const feeds = await startFeeds(config);
 * const recorded = await startFeeds(config, console.log, { recordDir: "recordings/" });
 * ```
 */
export async function startFeeds(
  config: Config,
  log?: (line: string) => void,
  options: FeedsOptions = {},
): Promise<ExchangeFeed[]> {
  const { recordDir } = options;
  const wanted = EXCHANGES.filter((e) => exchangeSettings(config, e) !== undefined);
  // The collectors' code (parsers, adapters) is loaded on this thread only in single-isolate
  // mode; in Worker mode each Worker loads it for itself.
  const local = config.runtime.mode === "single" ? await import("./local_feed.ts") : undefined;
  const started: ExchangeFeed[] = [];
  try {
    for (const exchange of wanted) {
      started.push(
        local
          ? await local.startLocalFeed({ exchange, config, log, recordDir })
          : await WorkerFeed.start(exchange, config, undefined, { recordDir }),
      );
    }
  } catch (e) {
    await Promise.all(started.map((f) => f.stop()));
    throw e;
  }
  return started;
}
