/**
 * 64-bit URL fingerprints as bytes, the Redis store's dedupe keys.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/**
 * Writes the 8-byte fingerprint of `s` into `out` at `offset`: two
 * independent 32-bit hashes (FNV-1a and a murmur-style mix) of its UTF-16
 * code units, big-endian.
 *
 * @param s The string (a URL in normal form).
 * @param out Where to write.
 * @param offset The first byte.
 */
export function writeFingerprint(s: string, out: Buffer, offset: number): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x27d4eb2d);
  h2 ^= h2 >>> 16;
  // Mix h1 so its top bytes (which pick the Redis shard) are well spread.
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  out.writeUInt32BE(h1 >>> 0, offset);
  out.writeUInt32BE(h2 >>> 0, offset + 4);
}

/**
 * The fingerprints of `values`, 8 bytes each, in one buffer.
 *
 * @param values The strings.
 * @returns `8 * values.length` bytes.
 */
export function fingerprints(values: readonly string[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) {
    writeFingerprint(values[i], out, i * 8);
  }
  return out;
}

/**
 * The fingerprint of one string, as a `latin1` string key (8 characters),
 * for local maps.
 *
 * @param value The string.
 * @returns The key.
 */
export function fingerprintKey(value: string): string {
  return fingerprints([value]).toString("latin1");
}
