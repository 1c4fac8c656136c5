/**
 * WARC digests: SHA-1 in RFC 4648 base32, written `sha1:BASE32` as wget and
 * Heritrix write them, computed incrementally so a large body is hashed in
 * place.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** The base32 alphabet, as character codes. */
const ALPHABET = new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
const PAD = 0x3d; // "="

/**
 * RFC 4648 base32 (upper case, `=` padded).
 *
 * @example
 * ```ts
 * import { base32 } from "./digest.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(base32(new TextEncoder().encode("foobar")), "MZXW6YTBOI======");
 * ```
 *
 * @param bytes The bytes to encode.
 * @returns Their base32 text.
 */
export function base32(bytes: Uint8Array): string {
  const size = Math.ceil(bytes.byteLength * 8 / 40) * 8;
  if (codes.length < size) codes = new Uint8Array(size);
  let at = 0;
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      codes[at++] = ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) codes[at++] = ALPHABET[(value << (5 - bits)) & 31];
  codes.fill(PAD, at, size);
  // One string made at once (appending a character at a time makes many).
  const text = codes.subarray(0, size) as unknown as number[];
  return String.fromCharCode.apply(null, text); // faster than a spread
}

/** Where {@linkcode base32} puts its characters before they become text. */
let codes = new Uint8Array(32);

/**
 * A SHA-1 fed chunk by chunk, read as a WARC digest.
 *
 * @example Digest of a body in two chunks
 * ```ts
 * import { Sha1 } from "./digest.ts";
 * import assert from "node:assert/strict";
 *
 * const hash = new Sha1();
 * hash.update(new TextEncoder().encode("hello "));
 * hash.update(new TextEncoder().encode("world"));
 * assert.equal(hash.digest(), "sha1:FKXGYNOJJ7H3IFO35FPUBC445EPOQRXN");
 * ```
 */
export class Sha1 {
  readonly #hash: Hash = createHash("sha1");

  /**
   * Adds bytes.
   *
   * @param chunk The next bytes.
   * @returns This hash.
   */
  update(chunk: Uint8Array): this {
    this.#hash.update(chunk);
    return this;
  }

  /**
   * Ends the hash.
   *
   * @returns `sha1:` and the base32 digest.
   */
  digest(): string {
    return `sha1:${base32(this.#hash.digest())}`;
  }
}

/**
 * The WARC digest of some bytes, given in parts.
 *
 * @example The digest of an empty payload
 * ```ts
 * import { sha1Digest } from "./digest.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sha1Digest(), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
 * ```
 *
 * @param parts The bytes, in order.
 * @returns `sha1:` and the base32 digest.
 */
export function sha1Digest(...parts: Uint8Array[]): string {
  const hash = new Sha1();
  for (const part of parts) hash.update(part);
  return hash.digest();
}
