/**
 * A raw TCP WebSocket client for tests that need control the WebSocket API does not give: see the
 * handshake's HTTP status, send frames and then stop reading (a slow consumer), and read frames
 * again later.
 *
 * @module
 */

export interface Frame {
  opcode: number;
  payload: Uint8Array;
}

export class RawWs {
  readonly conn: Deno.TcpConn;
  readonly status: number;
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #closed = false;

  private constructor(conn: Deno.TcpConn, status: number, rest: Uint8Array) {
    this.conn = conn;
    this.status = status;
    this.#buf = rest;
  }

  /** Performs the opening handshake; `status` is the HTTP status (101 when upgraded). */
  static async connect(
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<RawWs> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(new TextEncoder().encode(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    ));
    let data: Uint8Array = new Uint8Array(0);
    while (true) {
      const end = indexOf(data, "\r\n\r\n");
      if (end >= 0) {
        const head = new TextDecoder().decode(data.subarray(0, end));
        const status = Number(head.split(" ")[1]);
        return new RawWs(conn, status, data.subarray(end + 4));
      }
      const chunk = new Uint8Array(4096);
      const n = await conn.read(chunk);
      if (n === null) throw new Error("connection closed during handshake");
      data = join(data, chunk.subarray(0, n));
    }
  }

  /** Sends a masked text frame. */
  async sendText(text: string): Promise<void> {
    const payload = new TextEncoder().encode(text);
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const len = payload.length;
    const head = len < 126 ? [0x81, 0x80 | len] : [0x81, 0x80 | 126, len >> 8, len & 0xff];
    const frame = new Uint8Array(head.length + 4 + len);
    frame.set(head, 0);
    frame.set(mask, head.length);
    for (let i = 0; i < len; i++) frame[head.length + 4 + i] = payload[i] ^ mask[i & 3];
    await this.conn.write(frame);
  }

  /** Reads the next frame, or null at EOF. */
  async next(): Promise<Frame | null> {
    while (true) {
      const frame = this.#parse();
      if (frame) return frame;
      const chunk = new Uint8Array(65536);
      let n: number | null;
      try {
        n = await this.conn.read(chunk);
      } catch {
        n = null;
      }
      if (n === null) return null;
      this.#buf = join(this.#buf.subarray(this.#pos), chunk.subarray(0, n));
      this.#pos = 0;
    }
  }

  #parse(): Frame | null {
    const b = this.#buf.subarray(this.#pos);
    if (b.length < 2) return null;
    const opcode = b[0] & 0x0f;
    let len = b[1] & 0x7f;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = (b[2] << 8) | b[3];
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      len = Number(new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0));
      at = 10;
    }
    if (b.length < at + len) return null;
    const payload = b.slice(at, at + len);
    this.#pos += at + len;
    return { opcode, payload };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

function indexOf(data: Uint8Array, text: string): number {
  const pat = new TextEncoder().encode(text);
  outer: for (let i = 0; i + pat.length <= data.length; i++) {
    for (let j = 0; j < pat.length; j++) if (data[i + j] !== pat[j]) continue outer;
    return i;
  }
  return -1;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
