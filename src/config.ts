/**
 * The service configuration (public contract, DESIGN §6): a JSON file named by `--config <path>`
 * or the `ALPHAPULSE_CONFIG` environment variable (a path, or inline JSON starting with `{` for
 * hosts without files); `PORT` overrides the server port. Validated with zod before anything
 * starts; an error names the field.
 *
 * @module
 */
import { z } from "zod";
import type { ConnectionSettings } from "./exchanges/collector.ts";
import { EXCHANGES, type RegisteredVenue, VENUES } from "./exchanges/registry.ts";
import type { ExchangeId } from "./exchanges/types.ts";

/** Each venue's section, optional (an exchange missing from `exchanges` is not started). */
type VenueSections = {
  [V in RegisteredVenue as V["id"]]: z.ZodOptional<V["config"]>;
};

const venueSections = Object.fromEntries(
  VENUES.map((v) => [v.id, v.config.optional()]),
) as unknown as VenueSections;

/** A NATS subject token: no dots, spaces or wildcards. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;
/** A JetStream stream name (and KV-safe). */
const STREAM_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The `nats` section (DESIGN §12): scale-out on NATS JetStream. Without it nothing changes.
 * `publish` makes this node publish every book and trade it collects; `consume` serves those
 * exchanges from JetStream instead of collecting them. See `docs/nats.md`.
 */
export const NatsConfigSchema = z.object({
  servers: z.array(z.string().min(1)).min(1).default(["nats://127.0.0.1:4222"]),
  publish: z.boolean().default(false),
  consume: z.array(z.enum(EXCHANGES as [string, ...string[]])).default([]),
  subjectPrefix: z.string().regex(
    SUBJECT_TOKEN,
    "Must be one subject token: letters, digits, _ or -",
  )
    .default("alphapulse"),
  stream: z.string().regex(STREAM_NAME, "Must be letters, digits, _ or -").default("ALPHAPULSE"),
  replicas: z.number().int().min(1).max(5).default(1),
  /** Lease time of the publisher lease (ms); renewed every third of it. */
  leaseMs: z.number().int().min(300).max(600_000).default(3000),
  /** A SNAPSHOT of each book from the publisher's mirror at least every this many deltas. */
  snapshotEvery: z.number().int().min(1).max(10_000_000).default(1000),
  tradeMaxAgeMs: z.number().int().min(1000).max(365 * 24 * 3_600_000).default(3_600_000),
  token: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** This node's name in the lease value (default: a random id per start). */
  node: z.string().min(1).max(200).optional(),
  /** Publishes awaiting their acknowledgement at most; past it records are not published. */
  maxInFlight: z.number().int().min(1).max(1_000_000).default(4096),
}).strict().refine((n) => (n.user === undefined) === (n.password === undefined), {
  message: "user and password go together",
  path: ["password"],
});

/** The configuration schema. */
export const ConfigSchema = z.object({
  server: z.object({
    hostname: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Bearer token required on /ws (query `?token=` or `Authorization: Bearer`). */
    token: z.string().min(8).optional(),
    maxClients: z.number().int().min(1).max(100_000).default(2000),
    maxSubscriptionsPerClient: z.number().int().min(1).max(10_000).default(200),
    maxMessageBytes: z.number().int().min(64).max(1_048_576).default(4096),
    maxMessagesPerSecond: z.number().int().min(1).max(10_000).default(50),
    /** Bytes a client may have buffered before it is told it is stale and re-snapshotted. */
    clientBufferBytes: z.number().int().min(4096).max(256 * 1024 * 1024).default(1024 * 1024),
    /** Re-snapshots in a row after which a slow client is disconnected. */
    maxSlowStrikes: z.number().int().min(1).max(100).default(3),
    /**
     * Open connections (HTTP and WebSocket) at most; 0 = from the descriptor limit read at start
     * (the limit less a quarter of it, at least 128, kept for everything else).
     */
    maxConnections: z.number().int().min(0).max(1_000_000).default(0),
    /** A connection must send its whole request head within this (ms). */
    headerTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** A WebSocket that sends nothing for this long is closed (pinged at half of it), ms. */
    idleTimeoutMs: z.number().int().min(200).max(3_600_000).default(60_000),
    /** A closing handshake the client does not finish is cut after this (ms). */
    closeTimeoutMs: z.number().int().min(50).max(60_000).default(2_000),
  }).strict().prefault({}),
  book: z.object({
    depth: z.number().int().min(1).max(1000).default(50),
  }).strict().prefault({}),
  runtime: z.object({
    /** `workers`: one Worker per exchange; `single`: everything in one isolate. */
    mode: z.enum(["workers", "single"]).default("workers"),
    /**
     * Ring slots per exchange (power of two; 256 bytes each). 4096 holds well over a second of
     * a busy exchange; the server drains it within milliseconds of each write.
     */
    ringCapacity: z.number().int().min(64).max(1 << 22).refine((n) => (n & (n - 1)) === 0, {
      message: "Must be a power of two",
    }).default(4096),
  }).strict().prefault({}),
  exchanges: z.object(venueSections).strict().prefault({}),
  nats: NatsConfigSchema.optional(),
}).strict().superRefine((config, ctx) => {
  for (const [i, exchange] of (config.nats?.consume ?? []).entries()) {
    if ((config.exchanges as Record<string, unknown>)[exchange] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["nats", "consume", i],
        message: `${exchange} is collected (exchanges.${exchange}) and cannot also be consumed`,
      });
    }
  }
});

/** A validated configuration (defaults filled in). */
export type Config = z.infer<typeof ConfigSchema>;
/** The validated `nats` section. */
export type NatsConfig = z.infer<typeof NatsConfigSchema>;
/** The configuration as written in a file. */
export type ConfigInput = z.input<typeof ConfigSchema>;

/** The built-in default: live exchanges, a few major pairs. */
export const DEFAULT_CONFIG: ConfigInput = {
  exchanges: Object.fromEntries(
    VENUES.flatMap((v) => v.defaultConfig === undefined ? [] : [[v.id, v.defaultConfig]]),
  ),
};

/**
 * The validated section of one venue (undefined when the venue is not configured).
 *
 * @example
 * ```ts
 * import { exchangeSettings, parseConfig } from "./config.ts";
 * const config = parseConfig({ exchanges: { kraken: { symbols: ["BTC/USD"] } } });
 * if (exchangeSettings(config, "kraken")?.symbols[0] !== "BTC/USD") throw new Error();
 * ```
 */
export function exchangeSettings(config: Config, id: ExchangeId): ConnectionSettings | undefined {
  return (config.exchanges as Record<string, ConnectionSettings | undefined>)[id];
}

/** A configuration that failed validation; the message names each bad field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Validates a configuration object; throws {@linkcode ConfigError} naming every bad field.
 *
 * @example
 * ```ts
 * import { parseConfig } from "./config.ts";
 * const config = parseConfig({ exchanges: { kraken: { symbols: ["BTC/USD"], depth: 10 } } });
 * if (config.book.depth !== 50 || config.server.hostname !== "127.0.0.1") throw new Error();
 * ```
 */
export function parseConfig(input: unknown, source = "config"): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.length ? issue.path.join(".") : "(root)";
      return `  ${path}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid ${source}:\n${lines.join("\n")}`);
  }
  return result.data;
}

/** Where {@linkcode loadConfig} reads from. */
export interface ConfigSources {
  args?: readonly string[];
  env?: (name: string) => string | undefined;
  readTextFile?: (path: string) => string;
}

/**
 * Loads the configuration: `--config <path>` (or `--config=<path>`), else `ALPHAPULSE_CONFIG`
 * (a path, or inline JSON), else {@linkcode DEFAULT_CONFIG}; then `PORT` overrides the port.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const args = sources.args ?? [];
  const env = sources.env ?? (() => undefined);
  const read = sources.readTextFile ?? ((path: string) => Deno.readTextFileSync(path));
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--config") path = args[i + 1];
    else if (args[i].startsWith("--config=")) path = args[i].slice("--config=".length);
  }
  if (args.includes("--config") && !path) throw new ConfigError("--config needs a file path");
  let input: unknown = DEFAULT_CONFIG;
  let source = "built-in default config";
  const fromEnv = env("ALPHAPULSE_CONFIG");
  const text = path !== undefined
    ? readSource(read, path)
    : fromEnv === undefined
    ? undefined
    : fromEnv.trimStart().startsWith("{")
    ? fromEnv
    : readSource(read, fromEnv);
  if (text !== undefined) {
    source = path ?? (fromEnv!.trimStart().startsWith("{") ? "ALPHAPULSE_CONFIG" : fromEnv!);
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`Invalid ${source}: not JSON (${(e as Error).message})`);
    }
  }
  const config = parseConfig(input, source);
  const port = env("PORT");
  if (port !== undefined && port !== "") {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw new ConfigError(`Invalid PORT: ${JSON.stringify(port)} is not a port number`);
    }
    config.server.port = n;
  }
  return config;
}

function readSource(read: (path: string) => string, path: string): string {
  try {
    return read(path);
  } catch (e) {
    throw new ConfigError(`Cannot read config file ${path}: ${(e as Error).message}`);
  }
}
