/**
 * `deno task replay <dir> [--speed 1|10|max] [--config <path>] [--exchange <id>] [--session <start>]
 * [--json]`: feeds a recording made with `deno task start --record <dir>` back through the
 * adapters (no network) and prints, per book, the updates, resyncs, final top of book, the
 * checksum of the last delta and a digest of the whole delta sequence (equal digests: equal
 * deltas). `--speed 1` keeps the recorded pace, `--speed 10` is ten times faster, `--speed max`
 * (default) does not wait. `--json` prints the summary as JSON instead of a table.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/config.ts";
import type { ExchangeId } from "../src/exchanges/types.ts";
import { replayRecording, type ReplaySummary } from "../src/recorder/replay.ts";

const USAGE =
  "usage: deno task replay <dir> [--speed 1|10|max] [--config <path>] [--exchange <id>] " +
  "[--session <start>] [--json] [--verbose]";

/**
 * The summary as a text table, one row per book.
 *
 * @example
 * ```ts
 * import { formatSummary } from "./replay.ts";
 * const text = formatSummary({ sessions: [], warnings: [] });
 * if (!text.includes("exchange")) throw new Error(text);
 * ```
 */
export function formatSummary(summary: ReplaySummary): string {
  const rows: string[][] = [[
    "exchange",
    "session",
    "symbol",
    "updates",
    "resyncs",
    "gaps",
    "cksum fails",
    "seq",
    "best bid",
    "best ask",
    "last checksum",
    "digest",
  ]];
  for (const s of summary.sessions) {
    for (const b of s.books) {
      rows.push([
        s.exchange,
        s.start,
        b.symbol,
        String(b.updates),
        String(b.resyncs),
        String(b.gaps),
        String(b.checksumFailures),
        String(b.seq),
        b.bestBid ? `${b.bestBid[1]} @ ${b.bestBid[0]}` : "-",
        b.bestAsk ? `${b.bestAsk[1]} @ ${b.bestAsk[0]}` : "-",
        b.lastChecksum === null ? "-" : b.lastChecksum.toString(16).padStart(8, "0"),
        b.digest.toString(16).padStart(8, "0"),
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  for (const s of summary.sessions) {
    lines.push(
      `${s.exchange} ${s.start}: ${s.inputs.ws} frames, ${s.inputs.rest} REST bodies, ` +
        `${s.inputs.open} connections; recorded over ${(s.recordedMs / 1000).toFixed(1)} s, ` +
        `replayed in ${(s.replayMs / 1000).toFixed(2)} s; ${s.records} ring records; ` +
        `${s.health.parseErrors} parse errors`,
    );
  }
  for (const w of summary.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        speed: { type: "string", default: "max" },
        config: { type: "string" },
        exchange: { type: "string", multiple: true },
        session: { type: "string" },
        json: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const speed = values.speed === "max" ? "max" : Number(values.speed);
  if (speed !== "max" && !(speed > 0)) {
    console.error(`--speed must be a positive number or max, got ${values.speed}\n${USAGE}`);
    return 2;
  }
  let config;
  if (values.config !== undefined) {
    try {
      config = loadConfig({ args: ["--config", values.config] });
    } catch (e) {
      if (e instanceof ConfigError) {
        console.error(e.message);
        return 2;
      }
      throw e;
    }
  }
  try {
    const summary = await replayRecording({
      dir: positionals[0],
      speed,
      config,
      exchanges: values.exchange as ExchangeId[] | undefined,
      session: values.session,
      log: values.verbose ? (line) => console.error(line) : undefined,
    });
    console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    return 0;
  } catch (e) {
    console.error(`replay failed: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main());
