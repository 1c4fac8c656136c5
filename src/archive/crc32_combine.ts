/**
 * The CRC-32 of two byte runs one after the other, from the CRC-32 of each
 * and the second one's length (zlib's `crc32_combine`, which `node:zlib`
 * does not offer). A page's WARC record is checksummed in two parts this
 * way: its block on the parse worker, which has the body, and the record's
 * head on the crawl's thread, which no longer has it.
 *
 * @module
 */

/** The CRC-32 polynomial, reflected. */
const POLY = 0xedb88320;

/** `x^(2^n)` modulo the polynomial, for n = 0 to 31. */
const X2N = (() => {
  const table = new Uint32Array(32);
  let p = 1 << 30; // x^1
  table[0] = p;
  for (let n = 1; n < 32; n++) table[n] = p = multiply(p, p);
  return table;
})();

/** `a` times `b` modulo the polynomial (both reflected). */
function multiply(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/**
 * The CRC-32 of `A` then `B`, given the CRC-32 of `A`, the CRC-32 of `B`
 * and the length of `B`.
 *
 * @example
 * ```ts
 * import { crc32Combine } from "./crc32_combine.ts";
 * import zlib from "node:zlib";
 * import assert from "node:assert/strict";
 *
 * const crc32 = (zlib as unknown as { crc32(d: Uint8Array): number }).crc32;
 * const a = new TextEncoder().encode("hello ");
 * const b = new TextEncoder().encode("world");
 * const ab = new TextEncoder().encode("hello world");
 * assert.equal(crc32Combine(crc32(a), crc32(b), b.byteLength), crc32(ab));
 * ```
 *
 * @param crcA The CRC-32 of the first run.
 * @param crcB The CRC-32 of the second run.
 * @param lengthB The second run's length in bytes.
 * @returns The CRC-32 of both, in order.
 */
export function crc32Combine(
  crcA: number,
  crcB: number,
  lengthB: number,
): number {
  // Shift crcA by lengthB bytes: multiply by x^(8 * lengthB).
  let shift = 1 << 31; // x^0
  let n = 3; // x^(2^3) = x^8: one byte
  for (let left = lengthB; left > 0; left = Math.floor(left / 2), n++) {
    if (left % 2 === 1) shift = multiply(X2N[n & 31], shift);
  }
  return (multiply(shift, crcA >>> 0) ^ crcB) >>> 0;
}
