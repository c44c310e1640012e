/**
 * The recorder's files: NDJSON records behind a `meta` header, gzip, rotation by size, order
 * kept across flushes and files, drops (not stalls) when the disk is behind, and reading back
 * files that were cut short.
 */
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { listSessions, parseLine, readRecords } from "../../src/recorder/reader.ts";
import { Recorder, RECORDING_FORMAT, type RecordLine } from "../../src/recorder/recorder.ts";
import { replayRecording } from "../../src/recorder/replay.ts";

const START = new Date("2026-07-01T12:00:00.123Z");

async function collect(iter: AsyncIterable<RecordLine>): Promise<RecordLine[]> {
  const out: RecordLine[] = [];
  for await (const r of iter) out.push(r);
  return out;
}

/** Text that gzip cannot shrink much, so rotation happens after few records. */
function noisy(i: number): string {
  let s = `{"i":${i},"x":"`;
  let x = (i + 1) * 2654435761;
  for (let k = 0; k < 200; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += String.fromCharCode(48 + (x % 74));
  }
  return s.replaceAll("\\", "/") + '"}';
}

Deno.test("records round-trip in order, with a meta header per file, rotated by size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const recorder = new Recorder({
      dir,
      exchange: "kraken",
      meta: { symbols: ["BTC/USD", "ETH/USD"], depth: 25 },
      maxFileBytes: 4000,
      now: () => START,
    });
    const written: RecordLine[] = [{ t: 1.5, k: "open", d: "ws://127.0.0.1:1/v2" }];
    recorder.record("open", "ws://127.0.0.1:1/v2", 1.5);
    for (let i = 0; i < 300; i++) {
      const text = noisy(i);
      if (i % 50 === 7) {
        recorder.record("rest", text, 2 + i, "BTC/USD");
        written.push({ t: 2 + i, k: "rest", s: "BTC/USD", d: text });
      } else {
        recorder.record("ws", text, 2 + i);
        written.push({ t: 2 + i, k: "ws", d: text });
      }
      if (i % 20 === 19) await recorder.flush();
    }
    await recorder.close();
    await recorder.close(); // idempotent
    const stats = recorder.stats;
    ok(stats.files.length >= 3, `rotated into ${stats.files.length} files`);
    equal(stats.files[0], `${dir}/kraken-2026-07-01T12-00-00.123Z-0000.ndjson.gz`);
    equal(stats.dropped, 0);
    ok(stats.bytesWritten > 0 && stats.bytesWritten < stats.bytesIn, JSON.stringify(stats));

    const [session] = await listSessions(dir);
    equal(session.exchange, "kraken");
    equal(session.start, "2026-07-01T12-00-00.123Z");
    equal(session.startedAt.getTime(), START.getTime());
    deepStrictEqual(session.files.map((f) => f.index), stats.files.map((_, i) => i));
    const all = await collect(readRecords(session));
    const metas = all.filter((r) => r.k === "meta");
    equal(metas.length, stats.files.length, "one meta record per file");
    const meta = JSON.parse(metas[0].d);
    equal(meta.format, RECORDING_FORMAT);
    deepStrictEqual(meta.symbols, ["BTC/USD", "ETH/USD"]);
    equal(meta.exchange, "kraken");
    deepStrictEqual(all.filter((r) => r.k !== "meta"), written);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("record() never blocks: past maxBufferBytes records are dropped and counted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const recorder = new Recorder({ dir, exchange: "coinbase", maxBufferBytes: 10_000 });
    const line = "x".repeat(1000);
    for (let i = 0; i < 50; i++) recorder.record("ws", line, i);
    const s = recorder.stats;
    ok(s.dropped > 0 && s.records < 50, JSON.stringify(s));
    equal(s.records + s.dropped, 50);
    await recorder.close();
    recorder.record("ws", "after close", 99); // ignored, no throw
    const [session] = await listSessions(dir);
    const back = (await collect(readRecords(session))).filter((r) => r.k === "ws");
    equal(back.length, s.records);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file cut short is read up to its last complete record, with a warning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const recorder = new Recorder({ dir, exchange: "binanceus", now: () => START });
    for (let i = 0; i < 2000; i++) recorder.record("ws", noisy(i), i);
    await recorder.close();
    const [path] = recorder.stats.files;
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const warnings: string[] = [];
    const [session] = await listSessions(dir);
    const back = await collect(readRecords(session, { warn: (w) => warnings.push(w) }));
    ok(back.length > 100 && back.length < 2001, `${back.length} records`);
    back.slice(1).forEach((r, i) => equal(r.d, noisy(i)));
    ok(warnings.some((w) => w.includes("cut short")), warnings.join("; "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sessions, lines and errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(listSessions(dir), /No recording/);
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a recording");
    const a = new Recorder({
      dir,
      exchange: "kraken",
      now: () => new Date("2026-07-02T00:00:00Z"),
    });
    const b = new Recorder({ dir, exchange: "coinbase", now: () => START });
    a.record("open", "ws://a", 1);
    b.record("open", "ws://b", 1);
    await Promise.all([a.close(), b.close()]);
    const sessions = await listSessions(dir);
    deepStrictEqual(sessions.map((s) => s.exchange), ["coinbase", "kraken"], "oldest first");
    equal(parseLine('{"t":1,"k":"ws","d":"x"}')?.d, "x");
    equal(parseLine('{"t":1,"k":"nope","d":"x"}'), undefined);
    equal(parseLine('{"t":"1","k":"ws","d":"x"}'), undefined);
    equal(parseLine("{"), undefined);
    let threw = false;
    try {
      new Recorder({ dir, exchange: "../evil" });
    } catch {
      threw = true;
    }
    ok(threw, "a path in the exchange name is refused");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay without a meta header infers the symbols and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const name = `${dir}/kraken-2026-07-01T12-00-00.123Z-0000.ndjson.gz`;
    const lines = [
      { t: 1, k: "open", d: "ws://127.0.0.1:1/v2" },
      {
        t: 2,
        k: "ws",
        d: '{"channel":"book","type":"snapshot","data":[{"symbol":"ETH/USD","bids":' +
          '[{"price":3000.0,"qty":1.00000000}],"asks":[{"price":3000.5,"qty":2.00000000}],' +
          '"checksum":0,"timestamp":"2026-07-01T12:00:00.000000Z"}]}',
      },
    ].map((l) => JSON.stringify(l) + "\n").join("");
    const gz = new Blob([lines]).stream().pipeThrough(new CompressionStream("gzip"));
    await Deno.writeFile(name, gz);
    const summary = await replayRecording({ dir });
    equal(summary.sessions[0].books[0].symbol, "ETH/USD");
    ok(summary.warnings.some((w) => w.includes("inferred")), summary.warnings.join("; "));
    equal(summary.sessions[0].inputs.ws, 1);
    await rejects(replayRecording({ dir, speed: 0 }), RangeError);
    await rejects(replayRecording({ dir, exchanges: ["coinbase"] }), /No matching session/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
