/**
 * The leases one process holds: the URLs it claimed and has not committed,
 * renewed by its heartbeat and given back when it closes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { fingerprintKey, fingerprints } from "./fingerprint.ts";

/** This process's leases, by URL fingerprint. */
export class HeldLeases {
  /** Fingerprint key (`latin1`) → fingerprint bytes. */
  readonly #held = new Map<string, Buffer>();

  /** How many leases are held. */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Records the lease of a claimed URL.
   *
   * @param url The URL.
   * @returns Its 8-byte fingerprint (the lease's key in Redis).
   */
  hold(url: string): Buffer {
    const fp = fingerprints([url]);
    this.#held.set(fp.toString("latin1"), fp);
    return fp;
  }

  /**
   * Whether the lease of a fingerprint is still held (not committed, and
   * not lost).
   *
   * @param fp The fingerprint {@linkcode HeldLeases.hold} returned.
   * @returns `true` while held.
   */
  holds(fp: Buffer): boolean {
    return this.#held.has(fp.toString("latin1"));
  }

  /**
   * Forgets the lease of a committed URL.
   *
   * @param url The URL.
   */
  drop(url: string): void {
    this.#held.delete(fingerprintKey(url));
  }

  /**
   * Every held fingerprint, in one buffer, with the keys in the same order
   * (for renewing).
   *
   * @returns The keys and the fingerprints.
   */
  snapshot(): { keys: string[]; fingerprints: Buffer } {
    const keys = [...this.#held.keys()];
    return {
      keys,
      fingerprints: Buffer.concat(keys.map((k) => this.#held.get(k)!)),
    };
  }

  /**
   * Forgets the leases Redis no longer has for this worker.
   *
   * @param keys The keys of a {@linkcode HeldLeases.snapshot}.
   * @param flags One flag per key: `"0"` where the lease is gone.
   */
  keep(keys: readonly string[], flags: string): void {
    for (let i = 0; i < keys.length; i++) {
      if (flags[i] === "0") this.#held.delete(keys[i]);
    }
  }

  /**
   * Takes every lease off the list (to give them back).
   *
   * @returns Their fingerprints, in one buffer.
   */
  takeAll(): Buffer {
    const all = Buffer.concat([...this.#held.values()]);
    this.#held.clear();
    return all;
  }
}
