/**
 * CRC-32 (ISO 3309 / zlib, reflected polynomial 0xEDB88320) for host-side use: mock servers,
 * tests and the Kraken checksum reference. The hot path computes CRCs inside the WASM core.
 *
 * @module
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of bytes, or of an ASCII/Latin-1 string (one byte per char code), as an unsigned integer.
 *
 * @example
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * if (crc32("123456789") !== 0xcbf43926) throw new Error("bad crc");
 * ```
 */
export function crc32(data: Uint8Array | string, seed = 0): number {
  let c = ~seed;
  if (typeof data === "string") {
    for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data.charCodeAt(i)) & 0xff] ^ (c >>> 8);
  } else {
    for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  }
  return ~c >>> 0;
}
