/**
 * Reading recordings made by {@linkcode Recorder}: find the sessions in a directory and stream
 * their records in order.
 *
 * A session is one recorder run of one exchange: the files `<exchange>-<start>-<n>.ndjson.gz`
 * sharing `<exchange>` and `<start>`, read in `<n>` order. A file cut short (the process was
 * killed before the recorder closed it) is read up to its last complete record, and reported.
 *
 * @example
 * ```ts ignore
 * import { listSessions, readRecords } from "./reader.ts";
 * for (const session of await listSessions("recordings/")) {
 *   for await (const record of readRecords(session)) console.log(record.k, record.t);
 * }
 * ```
 *
 * @module
 */
import type { RecordKind, RecordLine } from "./recorder.ts";

/** One file of a recording. */
export interface RecordingFile {
  /** Full path. */
  path: string;
  /** Position in its session (`<n>`). */
  index: number;
}

/** The files of one recorder run. */
export interface RecordingSession {
  /** File name prefix (the exchange id). */
  exchange: string;
  /** Start time as written in the file names (`2026-07-01T12-00-00.123Z`). */
  start: string;
  /** Start time as a `Date`. */
  startedAt: Date;
  /** Files in order. */
  files: RecordingFile[];
}

const FILE_NAME = /^(.+?)-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(?:\.\d+)?Z)-(\d+)\.ndjson\.gz$/;
const KINDS: ReadonlySet<string> = new Set<RecordKind>(["meta", "open", "ws", "rest"]);

/**
 * The sessions recorded in `dir`, oldest first (then by exchange). Throws when `dir` holds no
 * recording.
 */
export async function listSessions(dir: string): Promise<RecordingSession[]> {
  const sessions = new Map<string, RecordingSession>();
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const m = FILE_NAME.exec(entry.name);
    if (!m) continue;
    const [, exchange, start, n] = m;
    const key = `${exchange}\u0000${start}`;
    let session = sessions.get(key);
    if (!session) {
      const iso = start.replace(/T(\d\d)-(\d\d)-(\d\d)/, "T$1:$2:$3");
      session = { exchange, start, startedAt: new Date(iso), files: [] };
      sessions.set(key, session);
    }
    session.files.push({ path: `${dir}/${entry.name}`, index: Number(n) });
  }
  if (sessions.size === 0) {
    throw new Error(`No recording in ${dir} (expected <exchange>-<start>-<n>.ndjson.gz files)`);
  }
  const list = [...sessions.values()];
  for (const s of list) s.files.sort((a, b) => a.index - b.index);
  list.sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : a.exchange < b.exchange ? -1 : 1
  );
  return list;
}

/** Options of {@linkcode readRecords}. */
export interface ReadOptions {
  /** Called for problems that do not stop reading (a truncated file, a bad line). */
  warn?: (message: string) => void;
}

/**
 * Every record of a session (or of the given files), in order. Each file's leading `meta` record
 * is included. Lines that are not valid records are skipped with a warning.
 */
export async function* readRecords(
  source: RecordingSession | readonly RecordingFile[],
  options: ReadOptions = {},
): AsyncGenerator<RecordLine> {
  const files = "files" in source ? source.files : source;
  const warn = options.warn ?? (() => {});
  for (const file of files) {
    let lineNo = 0;
    let rest = "";
    const handle = await Deno.open(file.path, { read: true });
    const text = handle.readable
      .pipeThrough(new DecompressionStream("gzip"))
      .pipeThrough(new TextDecoderStream());
    const reader = text.getReader();
    try {
      while (true) {
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch (error) {
          warn(`${file.path}: cut short after ${lineNo} records (${(error as Error).message})`);
          break;
        }
        if (chunk.done) break;
        const lines = (rest + chunk.value).split("\n");
        rest = lines.pop()!;
        for (const line of lines) {
          lineNo++;
          const record = parseLine(line);
          if (record) yield record;
          else warn(`${file.path}:${lineNo}: not a record, skipped`);
        }
      }
      if (rest !== "") warn(`${file.path}: incomplete last line skipped`);
    } finally {
      reader.releaseLock();
      await text.cancel().catch(() => {});
    }
  }
}

/** Parses one NDJSON line into a record (undefined when it is not one). */
export function parseLine(line: string): RecordLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.t !== "number" || typeof r.k !== "string" || !KINDS.has(r.k)) return undefined;
  if (typeof r.d !== "string" || (r.s !== undefined && typeof r.s !== "string")) return undefined;
  const record: RecordLine = { t: r.t, k: r.k as RecordKind, d: r.d };
  if (r.s !== undefined) record.s = r.s as string;
  return record;
}
