/**
 * The WebSocket wire format (RFC 6455) for hand-written servers: the handshake answer, frame
 * headers written into a caller's buffer or read from a {@linkcode ByteReader}, masking, and
 * close-frame payloads. Extensions are not supported.
 *
 * Frame header, as written and read here (server frames are never masked):
 *
 * ```text
 *  byte 0: FIN (0x80) | opcode          byte 1: MASK (0x80) | length 0..125, 126 or 127
 *  length 126: 2 more bytes (16-bit length, big-endian)
 *  length 127: 8 more bytes (64-bit length, big-endian)
 *  MASK set:   4 more bytes (the masking key)
 * ```
 *
 * @example
 * ```ts
 * import { encodeFrame, OPCODE_TEXT, websocketAccept } from "./websocket_frame.ts";
 * // RFC 6455 §1.3's example key and answer.
 * if (await websocketAccept("dGhlIHNhbXBsZSBub25jZQ==") !== "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
 *   throw new Error();
 * }
 * const frame = encodeFrame(OPCODE_TEXT, new TextEncoder().encode("hi"));
 * if (frame.join() !== "129,2,104,105") throw new Error();
 * ```
 *
 * @module
 */
import type { ByteReader } from "./byte_reader.ts";

/** Continuation frame. */
export const OPCODE_CONTINUATION = 0x0;
/** Text frame. */
export const OPCODE_TEXT = 0x1;
/** Binary frame. */
export const OPCODE_BINARY = 0x2;
/** Close frame. */
export const OPCODE_CLOSE = 0x8;
/** Ping frame. */
export const OPCODE_PING = 0x9;
/** Pong frame. */
export const OPCODE_PONG = 0xa;

/** RFC 6455's fixed GUID for `Sec-WebSocket-Accept`. */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();

/** `Sec-WebSocket-Accept` for a request's `Sec-WebSocket-Key`. */
export async function websocketAccept(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(key + GUID));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** The `101 Switching Protocols` answer to an upgrade with this `Sec-WebSocket-Key`. */
export async function switchingProtocols(key: string): Promise<Uint8Array> {
  return encoder.encode(
    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
      `sec-websocket-accept: ${await websocketAccept(key)}\r\n\r\n`,
  );
}

/** Bytes of an unmasked frame header for a payload of `n` bytes. */
export function frameHeaderLength(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

/**
 * Writes an unmasked, final frame header for `opcode` and a payload of `n` bytes into `out` at
 * `at` (room for {@linkcode frameHeaderLength} bytes); returns the offset after it.
 */
export function writeFrameHeader(out: Uint8Array, at: number, opcode: number, n: number): number {
  out[at++] = 0x80 | opcode;
  if (n < 126) {
    out[at++] = n;
  } else if (n < 65536) {
    out[at++] = 126;
    out[at++] = n >>> 8;
    out[at++] = n & 0xff;
  } else {
    out[at++] = 127;
    const hi = Math.floor(n / 4294967296);
    for (let i = 0; i < 4; i++) out[at++] = (hi >>> (24 - 8 * i)) & 0xff;
    for (let i = 0; i < 4; i++) out[at++] = (n >>> (24 - 8 * i)) & 0xff;
  }
  return at;
}

/** One unmasked, final frame (header and payload) in a new array. */
export function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const n = payload.byteLength;
  const frame = new Uint8Array(frameHeaderLength(n) + n);
  frame.set(payload, writeFrameHeader(frame, 0, opcode, n));
  return frame;
}

/** The payload of a close frame: the code, then the reason cut to fit 125 bytes. */
export function closePayload(code: number, reason: string): Uint8Array {
  const text = encoder.encode(reason).subarray(0, 123);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/** The status code of a received close frame's payload (1005 when it carries none). */
export function closeCode(payload: Uint8Array): number {
  return payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
}

/** A received frame's header. */
export interface FrameHeader {
  fin: boolean;
  opcode: number;
  /** Payload bytes (may exceed 2^32 for a hostile 64-bit length). */
  length: number;
  /** The masking key, when the frame is masked. */
  mask?: Uint8Array;
}

/** Reads one frame header (with its masking key); undefined at end of input. */
export async function readFrameHeader(input: ByteReader): Promise<FrameHeader | undefined> {
  const head = await input.readExactly(2);
  if (head === undefined) return undefined;
  let length = head[1] & 0x7f;
  if (length === 126) {
    const ext = await input.readExactly(2);
    if (!ext) return undefined;
    length = (ext[0] << 8) | ext[1];
  } else if (length === 127) {
    const ext = await input.readExactly(8);
    if (!ext) return undefined;
    length = ((ext[0] << 24 | ext[1] << 16 | ext[2] << 8 | ext[3]) >>> 0) * 4294967296 +
      ((ext[4] << 24 | ext[5] << 16 | ext[6] << 8 | ext[7]) >>> 0);
  }
  const header: FrameHeader = { fin: (head[0] & 0x80) !== 0, opcode: head[0] & 0x0f, length };
  if ((head[1] & 0x80) !== 0) {
    const mask = await input.readExactly(4);
    if (!mask) return undefined;
    header.mask = mask;
  }
  return header;
}

/** Unmasks (or masks) `payload` in place with a 4-byte key. */
export function unmask(payload: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
}
