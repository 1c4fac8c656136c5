/**
 * 64-bit URL fingerprints as bytes, the Redis store's dedupe keys.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { fingerprint64 } from "../fingerprint_set.ts";

const FP = new Uint32Array(2);

/**
 * Writes the 8-byte fingerprint of `s` into `out` at `offset`: its
 * {@linkcode fingerprint64}, big-endian, with the first half mixed again so
 * its top bytes (which pick the Redis shard) are well spread.
 *
 * @param s The string (a URL in normal form).
 * @param out Where to write.
 * @param offset The first byte.
 */
export function writeFingerprint(s: string, out: Buffer, offset: number): void {
  fingerprint64(s, FP);
  let h1 = FP[0];
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  out.writeUInt32BE(h1 >>> 0, offset);
  out.writeUInt32BE(FP[1], offset + 4);
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
