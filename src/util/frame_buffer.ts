/**
 * Outgoing WebSocket frames of one connection, written into a reused byte buffer instead of one
 * array per frame: a frame's header and payload are copied once, into the buffer, and a whole
 * batch goes to the socket as one write. Two buffers take turns (one is being written while the
 * other fills). A buffer that grew past {@linkcode FRAME_BUFFER_KEEP_BYTES} for a burst is
 * replaced by a small one after it was written, so an idle connection holds a few KiB, not its
 * largest burst.
 *
 * Text payloads go through {@linkcode encodeShared}: the same string sent to many connections in
 * one fan-out pass is UTF-8 encoded once.
 *
 * @example
 * ```ts
 * import { FrameBuffer } from "./frame_buffer.ts";
 * import { OPCODE_TEXT } from "./websocket_frame.ts";
 * const out = new FrameBuffer();
 * out.append(OPCODE_TEXT, new TextEncoder().encode("hi"));
 * out.append(OPCODE_TEXT, new TextEncoder().encode("yo"));
 * if (out.take().join() !== "129,2,104,105,129,2,121,111") throw new Error();
 * if (out.length !== 0) throw new Error();
 * ```
 *
 * @module
 */
import { frameHeaderLength, writeFrameHeader } from "./websocket_frame.ts";

/** A buffer larger than this is not kept once written (bytes). */
export const FRAME_BUFFER_KEEP_BYTES = 64 * 1024;
const INITIAL_BYTES = 4 * 1024;
const EMPTY = new Uint8Array(0);

/** Frames queued for one connection, in a reused buffer (see the module documentation). */
export class FrameBuffer {
  #filling: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #spare: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #length = 0;

  /** Bytes queued (not yet taken). */
  get length(): number {
    return this.#length;
  }

  /** Queues one unmasked, final frame. */
  append(opcode: number, payload: Uint8Array): void {
    const n = payload.byteLength;
    const need = this.#length + frameHeaderLength(n) + n;
    if (need > this.#filling.byteLength) this.#grow(need);
    const at = writeFrameHeader(this.#filling, this.#length, opcode, n);
    this.#filling.set(payload, at);
    this.#length = at + n;
  }

  /**
   * The queued bytes, for one write; queuing continues into the other buffer. The view stays
   * valid until the next `take` (call {@linkcode FrameBuffer.written} once it is written).
   */
  take(): Uint8Array {
    if (this.#length === 0) return EMPTY;
    const out = this.#filling.subarray(0, this.#length);
    const next = this.#spare;
    this.#spare = this.#filling;
    this.#filling = next;
    this.#length = 0;
    return out;
  }

  /** The last taken bytes were written: an oversized buffer is let go. */
  written(): void {
    if (this.#spare.byteLength > FRAME_BUFFER_KEEP_BYTES) this.#spare = new Uint8Array(0);
  }

  /** Drops everything queued and both buffers (the connection ended). */
  clear(): void {
    this.#filling = new Uint8Array(0);
    this.#spare = new Uint8Array(0);
    this.#length = 0;
  }

  #grow(need: number): void {
    let size = Math.max(INITIAL_BYTES, this.#filling.byteLength);
    while (size < need) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.#filling.subarray(0, this.#length));
    this.#filling = bigger;
  }
}

const encoder = new TextEncoder();
const SHARED_ENTRIES = 256;
const shared = new Map<string, Uint8Array>();
let clearQueued = false;

/**
 * UTF-8 bytes of `text`, encoded once however many connections send it during the current
 * synchronous run (the cache is emptied at the next microtask and never holds more than 256
 * texts).
 *
 * @example
 * ```ts
 * import { encodeShared } from "./frame_buffer.ts";
 * const text = JSON.stringify({ type: "delta", seq: 1 });
 * if (encodeShared(text) !== encodeShared(text)) throw new Error("encoded twice");
 * ```
 */
export function encodeShared(text: string): Uint8Array {
  let bytes = shared.get(text);
  if (bytes === undefined) {
    bytes = encoder.encode(text);
    if (shared.size >= SHARED_ENTRIES) shared.clear();
    shared.set(text, bytes);
    if (!clearQueued) {
      clearQueued = true;
      queueMicrotask(clearShared);
    }
  }
  return bytes;
}

function clearShared(): void {
  clearQueued = false;
  shared.clear();
}
