/**
 * Records every raw input one exchange adapter receives (connection opens, WebSocket text frames,
 * REST bodies) with its receive time, gzip-compressed, rotated by size, so a live session can be
 * replayed through the adapters later ({@linkcode replayRecording}).
 *
 * **Files.** `<dir>/<exchange>-<start>-<n>.ndjson.gz`, where `<start>` is the recorder's start
 * time in ISO 8601 with `:` written as `-` (`2026-07-01T12-00-00.123Z`, safe on every file system)
 * and `<n>` counts from `0000`. Each file is one gzip stream of newline-delimited JSON records:
 *
 * ```
 * {"t":1719835200123.456,"k":"meta","d":"{\"format\":\"alphapulse-recording/1\",...}"}
 * {"t":1719835200124.1,"k":"open","d":"wss://ws.kraken.com/v2"}
 * {"t":1719835200130.72,"k":"ws","d":"{\"channel\":\"status\",...}"}
 * {"t":1719835200200.5,"k":"rest","s":"BTC/USDT","d":"{\"lastUpdateId\":...}"}
 * ```
 *
 * `t` is the receive time (ms since the epoch, fractional), `k` the kind, `s` the normalised symbol
 * of a REST body, `d` the text exactly as received. Every file starts with a `meta` record (the
 * exchange, its symbols in configuration order, the book depth and the exchange's settings) so any
 * file replays on its own, with the same symbol ids.
 *
 * **Hot path.** {@linkcode Recorder.record} only appends one line to an in-memory batch; a timer
 * (every `flushIntervalMs`, 250 ms by default and at most 1 s, or sooner once a batch passes
 * 1 MiB) hands batches to the compressor, which is sync-flushed into the file after each one, in
 * order. A process killed at any moment (SIGKILL, a crash) leaves a file that reads up to the
 * last flushed batch: it loses at most about `flushIntervalMs` of records. If the disk cannot keep up and more than
 * `maxBufferBytes` are waiting, further records are dropped and counted (`stats.dropped`) rather
 * than stalling the adapter. {@linkcode Recorder.close} flushes everything and closes the file.
 *
 * @example
 * ```ts
 * import { Recorder } from "./recorder.ts";
 * const dir = await Deno.makeTempDir();
 * const recorder = new Recorder({ dir, exchange: "kraken", meta: { symbols: ["BTC/USD"] } });
 * recorder.record("open", "ws://127.0.0.1:9002/v2", 1719835200000);
 * recorder.record("ws", '{"channel":"heartbeat"}', 1719835200001.5);
 * await recorder.close();
 * const [file] = recorder.stats.files; // <dir>/kraken-<start>-0000.ndjson.gz
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { constants, createGzip, type Gzip } from "node:zlib";
import type { RecordedKind } from "../exchanges/collector.ts";

/** Format tag written in every `meta` record. */
export const RECORDING_FORMAT = "alphapulse-recording/1";

/** Kinds of record in a file: the adapter's inputs plus the recorder's own `meta` header. */
export type RecordKind = RecordedKind | "meta";

/** One record as stored. */
export interface RecordLine {
  /** Receive time, ms since the epoch (fractional). */
  t: number;
  /** Kind. */
  k: RecordKind;
  /** Normalised symbol (REST bodies). */
  s?: string;
  /** The raw text. */
  d: string;
}

/** Options of {@linkcode Recorder}. */
export interface RecorderOptions {
  /** Directory of the recording (created when missing). */
  dir: string;
  /** File name prefix, normally the exchange id. Letters, digits, `_` and `-` only. */
  exchange: string;
  /** Written (as JSON text) in the `meta` record at the start of every file. */
  meta?: Record<string, unknown>;
  /** Start a new file once the current one holds this many compressed bytes. Default 64 MiB. */
  maxFileBytes?: number;
  /**
   * How often batches are compressed, flushed and written (1–1000 ms, default 250): a crash
   * loses at most about this much.
   */
  flushIntervalMs?: number;
  /** Uncompressed bytes allowed to wait for the disk before records are dropped. Default 64 MiB. */
  maxBufferBytes?: number;
  /** Clock for the file names. Default `() => new Date()`. */
  now?: () => Date;
  /** Logs one line (errors, drops). */
  log?: (line: string) => void;
}

/** Counters of a {@linkcode Recorder}. */
export interface RecorderStats {
  /** Records accepted (meta records included). */
  records: number;
  /** Records dropped because the disk could not keep up or writing failed. */
  dropped: number;
  /** Uncompressed bytes accepted. */
  bytesIn: number;
  /** Compressed bytes written to files. */
  bytesWritten: number;
  /** Files written so far, in order. */
  files: string[];
}

const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_BUFFER_BYTES = 64 * 1024 * 1024;
const EAGER_FLUSH_BYTES = 1024 * 1024;
const DEFAULT_FLUSH_INTERVAL_MS = 250;
/** A crash loses at most about a second of a recording (DESIGN §10). */
const MAX_FLUSH_INTERVAL_MS = 1000;

/**
 * An open gzip file: one gzip stream, **sync-flushed** after every write (`Z_SYNC_FLUSH`), so
 * everything written so far is on disk as complete deflate blocks a reader can decompress even
 * when the stream's trailer never comes (the process was killed). `CompressionStream` cannot
 * flush: it held a quiet session's records until it closed.
 */
class GzipFile {
  readonly path: string;
  readonly #file: Deno.FsFile;
  readonly #gzip: Gzip = createGzip();
  #out: Uint8Array[] = [];
  #error: unknown;
  bytes = 0;

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
    this.#gzip.on("data", (chunk: Uint8Array) => this.#out.push(chunk));
    this.#gzip.on("error", (error: unknown) => this.#error ??= error);
  }

  static async create(path: string): Promise<GzipFile> {
    const file = await Deno.open(path, { write: true, createNew: true });
    return new GzipFile(path, file);
  }

  /** Compresses `bytes`, flushes the compressor and writes all it produced to the file. */
  async write(bytes: Uint8Array): Promise<void> {
    this.#gzip.write(bytes);
    await new Promise<void>((resolve, reject) => {
      const failed = (error: unknown) => reject(error);
      this.#gzip.once("error", failed);
      this.#gzip.flush(constants.Z_SYNC_FLUSH, () => {
        this.#gzip.off("error", failed);
        resolve();
      });
    });
    await this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    for (const chunk of this.#out.splice(0)) {
      for (let at = 0; at < chunk.length;) at += await this.#file.write(chunk.subarray(at));
      this.bytes += chunk.length;
    }
  }

  async close(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        this.#gzip.once("end", resolve);
        this.#gzip.once("error", reject);
        this.#gzip.end();
        this.#gzip.resume();
      });
      await this.#drain();
    } finally {
      this.#file.close();
    }
  }
}

/**
 * A size-rotated, gzip-compressed NDJSON recording of one exchange. See the module
 * documentation.
 */
export class Recorder {
  readonly #dir: string;
  readonly #prefix: string;
  readonly #meta: string;
  readonly #maxFileBytes: number;
  readonly #maxBufferBytes: number;
  readonly #log: (line: string) => void;
  readonly #start: string;
  readonly #encoder = new TextEncoder();
  readonly #timer: ReturnType<typeof setInterval>;
  #batch: string[] = [];
  #batchBytes = 0;
  #waitingBytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #file: GzipFile | undefined;
  #fileIndex = 0;
  #eager: ReturnType<typeof setTimeout> | undefined;
  #closed: Promise<void> | undefined;
  #failed = false;
  readonly #stats: RecorderStats = {
    records: 0,
    dropped: 0,
    bytesIn: 0,
    bytesWritten: 0,
    files: [],
  };

  /** Start recording (the first file is created on the first flush). */
  constructor(options: RecorderOptions) {
    if (!/^[A-Za-z0-9_-]+$/.test(options.exchange)) {
      throw new TypeError(`Recorder exchange must be letters, digits, _ or -: ${options.exchange}`);
    }
    this.#dir = options.dir;
    this.#prefix = options.exchange;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.#maxBufferBytes = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    this.#log = options.log ?? (() => {});
    const started = (options.now ?? (() => new Date()))();
    this.#start = started.toISOString().replaceAll(":", "-");
    this.#meta = JSON.stringify({
      format: RECORDING_FORMAT,
      exchange: options.exchange,
      startedAt: started.toISOString(),
      ...options.meta,
    });
    const every = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    if (!Number.isInteger(every) || every < 1 || every > MAX_FLUSH_INTERVAL_MS) {
      throw new RangeError(
        `Recorder flushIntervalMs must be an integer from 1 to ${MAX_FLUSH_INTERVAL_MS}: ${every}`,
      );
    }
    Deno.mkdirSync(this.#dir, { recursive: true });
    this.#timer = setInterval(() => void this.flush(), every);
  }

  /** Counters (a copy). */
  get stats(): RecorderStats {
    return {
      ...this.#stats,
      bytesWritten: this.#stats.bytesWritten + (this.#file?.bytes ?? 0),
      files: [...this.#stats.files],
    };
  }

  /**
   * Append one record (cheap: the line is written later). `receivedMs` is the receive time in ms
   * since the epoch; `symbol` tags REST bodies.
   */
  record(kind: RecordedKind, text: string, receivedMs: number, symbol?: string): void {
    if (this.#closed) return;
    const line = JSON.stringify(
      symbol === undefined
        ? { t: receivedMs, k: kind, d: text }
        : { t: receivedMs, k: kind, s: symbol, d: text },
    ) + "\n";
    if (
      this.#failed || this.#waitingBytes + this.#batchBytes + line.length > this.#maxBufferBytes
    ) {
      this.#stats.dropped++;
      if (this.#stats.dropped === 1 || this.#stats.dropped % 10_000 === 0) {
        this.#log(`recorder ${this.#prefix}: dropped ${this.#stats.dropped} records (disk behind)`);
      }
      return;
    }
    this.#batch.push(line);
    this.#batchBytes += line.length;
    this.#stats.records++;
    this.#stats.bytesIn += line.length;
    if (this.#batchBytes >= EAGER_FLUSH_BYTES && this.#eager === undefined) {
      this.#eager = setTimeout(() => {
        this.#eager = undefined;
        void this.flush();
      }, 0);
    }
  }

  /** Hand the current batch to the file; resolves when it (and every earlier batch) is written. */
  flush(): Promise<void> {
    if (this.#batch.length > 0) {
      const text = this.#batch.join("");
      const bytes = this.#batchBytes;
      this.#batch = [];
      this.#batchBytes = 0;
      this.#waitingBytes += bytes;
      this.#chain = this.#chain.then(async () => {
        try {
          await this.#write(text);
        } catch (error) {
          this.#fail(error);
        } finally {
          this.#waitingBytes -= bytes;
        }
      });
    }
    return this.#chain;
  }

  /** Flush everything, close the file and stop the timer. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      clearTimeout(this.#eager);
      await this.flush();
      await this.#chain;
      const file = this.#file;
      this.#file = undefined;
      if (file) await this.#closeFile(file);
    })();
    return this.#closed;
  }

  /** `await using recorder = ...` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #write(text: string): Promise<void> {
    if (this.#failed) return;
    if (this.#file && this.#file.bytes >= this.#maxFileBytes) {
      const full = this.#file;
      this.#file = undefined;
      await this.#closeFile(full);
    }
    if (!this.#file) {
      const name = `${this.#prefix}-${this.#start}-${String(this.#fileIndex).padStart(4, "0")}`;
      const path = `${this.#dir}/${name}.ndjson.gz`;
      this.#file = await GzipFile.create(path);
      this.#stats.files.push(path);
      const meta = JSON.stringify({ t: Date.now(), k: "meta", d: this.#meta }) + "\n";
      await this.#file.write(this.#encoder.encode(meta));
      this.#fileIndex++;
    }
    await this.#file.write(this.#encoder.encode(text));
  }

  async #closeFile(file: GzipFile): Promise<void> {
    try {
      await file.close();
    } catch (error) {
      this.#fail(error);
    }
    this.#stats.bytesWritten += file.bytes;
  }

  #fail(error: unknown): void {
    if (!this.#failed) {
      this.#log(`recorder ${this.#prefix}: writing failed, recording stopped: ${error}`);
    }
    this.#failed = true;
  }
}
