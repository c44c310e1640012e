import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { FRAME_BUFFER_KEEP_BYTES, FrameBuffer } from "../../src/util/frame_buffer.ts";
import { encodeFrame, OPCODE_BINARY, OPCODE_TEXT } from "../../src/util/websocket_frame.ts";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

Deno.test("FrameBuffer: a batch equals the frames one after the other, for every header size", () => {
  const out = new FrameBuffer();
  const payloads = [0, 1, 125, 126, 65535, 65536, 200_000].map((n, i) => bytes(n, i));
  const frames: Uint8Array[] = [];
  for (const [i, p] of payloads.entries()) {
    out.append(i % 2 ? OPCODE_BINARY : OPCODE_TEXT, p);
    frames.push(encodeFrame(i % 2 ? OPCODE_BINARY : OPCODE_TEXT, p));
  }
  const expected = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
  let at = 0;
  for (const f of frames) {
    expected.set(f, at);
    at += f.byteLength;
  }
  equal(out.length, expected.byteLength);
  deepStrictEqual(out.take(), expected);
  equal(out.length, 0);
});

Deno.test("FrameBuffer: the taken batch stays intact while the next one fills", () => {
  const out = new FrameBuffer();
  out.append(OPCODE_BINARY, bytes(1000, 1));
  const first = out.take();
  const copy = first.slice();
  // What is queued while `first` is being written goes to the other buffer.
  for (let i = 0; i < 50; i++) out.append(OPCODE_BINARY, bytes(1000, 2));
  deepStrictEqual(first, copy);
  out.written();
  const second = out.take();
  equal(second.byteLength, 50 * encodeFrame(OPCODE_BINARY, bytes(1000, 2)).byteLength);
  // The third batch reuses the first buffer: `second` is untouched by it.
  const secondCopy = second.slice();
  out.append(OPCODE_BINARY, bytes(10, 3));
  deepStrictEqual(second, secondCopy);
});

Deno.test("FrameBuffer: a burst's large buffer is let go once written", () => {
  const out = new FrameBuffer();
  out.append(OPCODE_BINARY, bytes(4 * FRAME_BUFFER_KEEP_BYTES, 1));
  const big = out.take();
  ok(big.buffer.byteLength > FRAME_BUFFER_KEEP_BYTES);
  out.written();
  out.append(OPCODE_BINARY, bytes(10, 2));
  const small = out.take();
  ok(small.buffer.byteLength <= FRAME_BUFFER_KEEP_BYTES, `kept ${small.buffer.byteLength} bytes`);
  out.clear();
  equal(out.length, 0);
});
