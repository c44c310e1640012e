/// <reference lib="deno.worker" />
/**
 * Client Worker of `server_fanout.ts`: opens `count` WebSocket clients (JSON or binary), each
 * subscribed to every book, checks that seq never skips, and measures ring-write → receipt
 * latency from each delta's receive time (`recvTs` in JSON, the record's `receiveTs` in binary).
 *
 * In: `{ type: "start", url, count, format, exchange, symbols, layout }`, `{ type: "report",
 * seqs }` (report once every client holds these seqs, or after a timeout). Out: `{ type: "ready" }`,
 * `{ type: "report", ... }`.
 */
import { type CoreLayout, RecordView } from "../src/core/mod.ts";

/** Latency histogram: 10 µs buckets up to 10 s. */
const BUCKET_MS = 0.01;
const hist = new Uint32Array(1_000_000);
let samples = 0;
let maxLatency = 0;
const now = () => performance.timeOrigin + performance.now();

function record(latencyMs: number): void {
  const b = Math.min(hist.length - 1, Math.max(0, Math.floor(latencyMs / BUCKET_MS)));
  hist[b]++;
  samples++;
  if (latencyMs > maxLatency) maxLatency = latencyMs;
}

interface ClientState {
  socket: WebSocket;
  seqs: number[];
  held: boolean[];
  deltas: number;
  gaps: number;
  stale: number;
  snapshots: number;
  bytes: number;
  frames: number;
}

let clients: ClientState[] = [];

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data;
  if (msg.type === "start") {
    const { url, count, format, exchange, symbols } = msg;
    const layout = msg.layout as CoreLayout;
    const rec = new RecordView(layout);
    const index = new Map<string, number>((symbols as string[]).map((s, i) => [s, i]));
    const opened: Promise<void>[] = [];
    for (let c = 0; c < count; c++) {
      const socket = new WebSocket(`${url}?format=${format}`);
      socket.binaryType = "arraybuffer";
      const st: ClientState = {
        socket,
        seqs: symbols.map(() => -1),
        held: symbols.map(() => false),
        deltas: 0,
        gaps: 0,
        stale: 0,
        snapshots: 0,
        bytes: 0,
        frames: 0,
      };
      clients.push(st);
      socket.onmessage = (ev) => {
        st.frames++;
        if (typeof ev.data === "string") {
          st.bytes += ev.data.length;
          const m = JSON.parse(ev.data);
          const i = index.get(m.symbol);
          if (i === undefined) return;
          if (m.type === "delta") {
            if (!st.held[i] || m.seq !== st.seqs[i] + 1) st.gaps++;
            st.seqs[i] = m.seq;
            st.deltas++;
            record(now() - m.recvTs);
          } else if (m.type === "snapshot") {
            st.seqs[i] = m.seq;
            st.held[i] = true;
            st.snapshots++;
          } else if (m.type === "status") {
            st.held[i] = false;
            st.stale++;
          }
          return;
        }
        const bytes = new Uint8Array(ev.data as ArrayBuffer);
        st.bytes += bytes.byteLength;
        const t = now();
        for (let at = 0; rec.tryWrap(bytes, at); at += rec.byteLength) {
          const i = rec.symbol;
          const seq = rec.seq;
          const part = rec.part;
          if (rec.stale) {
            st.held[i] = false;
            st.stale++;
          } else if (rec.snapshot) {
            if (part === 0) st.snapshots++;
            st.seqs[i] = seq;
            st.held[i] = true;
          } else if (part === 0) {
            if (!st.held[i] || seq !== st.seqs[i] + 1) st.gaps++;
            st.seqs[i] = seq;
            st.deltas++;
            record(t - rec.receiveTimeMs);
          }
        }
      };
      opened.push(
        new Promise((resolve, reject) => {
          socket.onopen = () => {
            socket.send(JSON.stringify({ op: "subscribe", channel: "book", exchange, symbols }));
            resolve();
          };
          socket.onerror = (err) => reject(new Error((err as ErrorEvent).message));
        }),
      );
      if (c % 50 === 49) await new Promise((r) => setTimeout(r, 5)); // pace the handshakes
    }
    await Promise.all(opened);
    const t0 = performance.now();
    while (clients.some((c) => c.held.some((h) => !h))) {
      if (performance.now() - t0 > 30_000) throw new Error("clients never got every snapshot");
      await new Promise((r) => setTimeout(r, 10));
    }
    hist.fill(0);
    samples = 0;
    maxLatency = 0;
    for (const c of clients) {
      c.deltas = 0;
      c.bytes = 0;
      c.frames = 0;
    }
    self.postMessage({ type: "ready" });
  } else if (msg.type === "report") {
    const seqs = msg.seqs as number[];
    const t0 = performance.now();
    const behind = () => clients.some((c) => c.seqs.some((s, i) => s < seqs[i]));
    while (behind() && performance.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const sum = (f: (c: ClientState) => number) => clients.reduce((a, c) => a + f(c), 0);
    self.postMessage({
      type: "report",
      deltas: sum((c) => c.deltas),
      gaps: sum((c) => c.gaps),
      stale: sum((c) => c.stale),
      snapshots: sum((c) => c.snapshots),
      bytes: sum((c) => c.bytes),
      frames: sum((c) => c.frames),
      behind: clients.filter((c) => c.seqs.some((s, i) => s < seqs[i])).length,
      hist,
      samples,
      maxLatency,
    });
    for (const c of clients) c.socket.close();
    clients = [];
  }
};
