/**
 * Creating what a publisher needs and finds missing (DESIGN §12): the book stream (`nats.stream`
 * over `<prefix>.book.>`, file storage, rollup headers allowed, a two-minute duplicate window, no
 * age limit), the trade stream (`<stream>_TRADES` over `<prefix>.trade.>`, `max_age`
 * `tradeMaxAgeMs`), and the KV buckets `ALPHAPULSE_BOOKS` and `ALPHAPULSE_LEASES` (TTL
 * `leaseMs`), all with `nats.replicas`. What exists with other settings is used as it is, and
 * each difference is logged. Edges never create anything.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { nanos } from "@nats-io/transport-node";
import {
  type JetStreamManager,
  jetstreamManager,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConfig } from "../config.ts";
import {
  BOOKS_BUCKET,
  bookSubjects,
  DUPLICATE_WINDOW_MS,
  LEASES_BUCKET,
  tradeStream,
  tradeSubjects,
} from "./names.ts";

/** The settings §12 asks of each stream, as JetStream stream configs. */
export function wantedStreams(config: NatsConfig): Array<Partial<StreamConfig> & { name: string }> {
  const dup = Math.min(DUPLICATE_WINDOW_MS, config.tradeMaxAgeMs);
  return [{
    name: config.stream,
    subjects: [bookSubjects(config.subjectPrefix)],
    storage: StorageType.File,
    allow_rollup_hdrs: true,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: 0,
    num_replicas: config.replicas,
  }, {
    name: tradeStream(config.stream),
    subjects: [tradeSubjects(config.subjectPrefix)],
    storage: StorageType.File,
    duplicate_window: nanos(dup),
    max_age: nanos(config.tradeMaxAgeMs),
    num_replicas: config.replicas,
  }];
}

/**
 * The keys of `want` whose value differs in `have`, as `key: have (wanted want)` lines.
 *
 * @example
 * ```ts
 * import { differences } from "./setup.ts";
 * const d = differences({ num_replicas: 1, max_age: 0 }, { num_replicas: 3, max_age: 0 });
 * if (d.length !== 1 || !d[0].startsWith("num_replicas: 1")) throw new Error(d.join());
 * ```
 */
export function differences(
  have: Record<string, unknown>,
  want: Record<string, unknown>,
): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(want)) {
    const h = have[key] ?? (typeof value === "boolean" ? false : undefined);
    if (JSON.stringify(h) !== JSON.stringify(value)) {
      out.push(`${key}: ${JSON.stringify(h)} (wanted ${JSON.stringify(value)})`);
    }
  }
  return out;
}

async function ensureStream(
  jsm: JetStreamManager,
  want: Partial<StreamConfig> & { name: string },
  log: (line: string) => void,
): Promise<void> {
  try {
    const info = await jsm.streams.info(want.name);
    const diff = differences(info.config as unknown as Record<string, unknown>, want);
    if (diff.length > 0) {
      log(`NATS stream ${want.name} exists with other settings, used as it is: ${diff.join("; ")}`);
    }
    return;
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e;
  }
  await jsm.streams.add(want);
  log(`NATS stream ${want.name} created (${want.subjects?.join(", ")})`);
}

async function ensureBucket(
  jsm: JetStreamManager,
  kvm: Kvm,
  name: string,
  options: { ttlMs: number; replicas: number },
  log: (line: string) => void,
): Promise<void> {
  const want = {
    max_age: nanos(options.ttlMs),
    num_replicas: options.replicas,
    storage: StorageType.File,
  };
  try {
    const info = await jsm.streams.info(`KV_${name}`);
    const diff = differences(info.config as unknown as Record<string, unknown>, want);
    if (diff.length > 0) {
      log(`NATS KV bucket ${name} exists with other settings, used as it is: ${diff.join("; ")}`);
    }
    return;
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e;
  }
  await kvm.create(name, {
    history: 1,
    replicas: options.replicas,
    ttl: options.ttlMs,
    storage: StorageType.File,
  });
  log(`NATS KV bucket ${name} created`);
}

/**
 * Creates the streams and buckets that are missing; logs how existing ones differ.
 *
 * @example
 * ```ts ignore
 * await ensureJetStream(nc, config.nats!, console.log);
 * ```
 */
export async function ensureJetStream(
  nc: NatsConnection,
  config: NatsConfig,
  log: (line: string) => void,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const want of wantedStreams(config)) await ensureStream(jsm, want, log);
  const kvm = new Kvm(nc);
  await ensureBucket(jsm, kvm, BOOKS_BUCKET, { ttlMs: 0, replicas: config.replicas }, log);
  await ensureBucket(
    jsm,
    kvm,
    LEASES_BUCKET,
    { ttlMs: config.leaseMs, replicas: config.replicas },
    log,
  );
}
