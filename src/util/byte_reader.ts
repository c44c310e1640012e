/**
 * Buffered, bounded reads from a connection for hand-written HTTP/1.1 and WebSocket servers: the
 * request head up to its blank line (at most `maxHeadBytes`), exact byte counts, and skipping
 * bytes without buffering them.
 *
 * @example
 * ```ts
 * import { ByteReader } from "./byte_reader.ts";
 * const data = new TextEncoder().encode("GET / HTTP/1.1\r\nhost: x\r\n\r\nabcdef");
 * let sent = false;
 * const conn = {
 *   read(p: Uint8Array) {
 *     if (sent) return Promise.resolve(null);
 *     sent = true;
 *     p.set(data);
 *     return Promise.resolve(data.length);
 *   },
 * };
 * const input = new ByteReader(conn);
 * if (await input.readHead() !== "GET / HTTP/1.1\r\nhost: x") throw new Error();
 * if (new TextDecoder().decode(await input.readExactly(3)) !== "abc") throw new Error();
 * if (await input.skip(3) !== 3 || await input.readExactly(1) !== undefined) throw new Error();
 * ```
 *
 * @module
 */

/** Bytes asked of the connection per read. */
const READ_CHUNK = 16 * 1024;

/** What a {@linkcode ByteReader} reads from. */
export interface ByteSource {
  read(p: Uint8Array): Promise<number | null>;
}

/** Buffered reads from a connection, bounded: it grows only to the largest exact read asked. */
export class ByteReader {
  readonly #conn: ByteSource;
  readonly #maxHead: number;
  #buf: Uint8Array<ArrayBuffer> = new Uint8Array(READ_CHUNK);
  #start = 0;
  #end = 0;

  /** `maxHeadBytes`: the longest request head {@linkcode readHead} accepts (default 16 KiB). */
  constructor(conn: ByteSource, maxHeadBytes = 16 * 1024) {
    this.#conn = conn;
    this.#maxHead = maxHeadBytes;
  }

  /** Reads more after what is buffered (compacting or growing first); false at end of input. */
  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      const live = this.#end - this.#start;
      if (this.#start === 0) {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf.subarray(0, this.#end));
        this.#buf = bigger;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#start = 0;
        this.#end = live;
      }
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The request head up to the blank line (excluded), undefined at end of input, or "too large". */
  async readHead(): Promise<string | undefined | "too large"> {
    let searched = 0; // bytes after #start already searched (#fill may move #start)
    while (true) {
      for (let i = this.#start + Math.max(0, searched - 3); i + 3 < this.#end; i++) {
        if (
          this.#buf[i] === 13 && this.#buf[i + 1] === 10 && this.#buf[i + 2] === 13 &&
          this.#buf[i + 3] === 10
        ) {
          const head = new TextDecoder().decode(this.#buf.subarray(this.#start, i));
          this.#start = i + 4;
          return head;
        }
      }
      searched = this.#end - this.#start;
      if (searched > this.#maxHead) return "too large";
      if (!await this.#fill()) return undefined;
    }
  }

  /** Exactly `n` bytes (a copy), or undefined at end of input. */
  async readExactly(n: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
    while (this.#end - this.#start < n) {
      if (this.#buf.length - this.#start < n) {
        const bigger = new Uint8Array(Math.max(this.#buf.length, n * 2));
        bigger.set(this.#buf.subarray(this.#start, this.#end));
        this.#end -= this.#start;
        this.#start = 0;
        this.#buf = bigger;
      }
      if (!await this.#fill()) return undefined;
    }
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /** Reads and drops `n` bytes without buffering more than a few chunks; returns bytes skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    const buffered = Math.min(left, this.#end - this.#start);
    this.#start += buffered;
    left -= buffered;
    if (left > 0) {
      this.#start = this.#end = 0;
      const chunk = this.#buf.length > READ_CHUNK * 4
        ? this.#buf.subarray(0, READ_CHUNK * 4)
        : this.#buf;
      while (left > 0) {
        const got = await this.#conn.read(chunk.subarray(0, Math.min(chunk.length, left)));
        if (got === null) return n - left;
        left -= got;
      }
    }
    return n;
  }
}
