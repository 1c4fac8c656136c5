/**
 * The leases one process holds: the URLs it claimed and has not committed,
 * renewed by its heartbeat and given back when it closes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { fingerprintKey, fingerprints } from "./fingerprint.ts";
import type { Slot } from "./slots.ts";

/** A held lease. */
interface Held {
  /** The URL's fingerprint. */
  fp: Buffer;
  /** The slot of the URL's host, where the lease is. */
  slot: Slot;
}

/** The leases of one slot, in one buffer. */
export interface SlotLeases {
  /** The slot. */
  slot: Slot;
  /** The leases' keys (see {@linkcode HeldLeases.keep}). */
  keys: string[];
  /** Their fingerprints, 8 bytes each, in the keys' order. */
  fingerprints: Buffer;
}

/** This process's leases, by URL fingerprint. */
export class HeldLeases {
  /** Fingerprint key (`latin1`) → the lease. */
  readonly #held = new Map<string, Held>();

  /** How many leases are held. */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Records the lease of a claimed URL.
   *
   * @param url The URL.
   * @param slot The slot of its host.
   * @returns Its 8-byte fingerprint (the lease's key in Redis).
   */
  hold(url: string, slot: Slot): Buffer {
    const fp = fingerprints([url]);
    this.#held.set(fp.toString("latin1"), { fp, slot });
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
   * Every held lease, by slot (for renewing).
   *
   * @returns The leases of each slot that holds some.
   */
  snapshot(): SlotLeases[] {
    return this.#bySlot(this.#held.entries());
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
   * @returns The leases of each slot that held some.
   */
  takeAll(): SlotLeases[] {
    const all = this.#bySlot(this.#held.entries());
    this.#held.clear();
    return all;
  }

  #bySlot(entries: Iterable<[string, Held]>): SlotLeases[] {
    const groups = Map.groupBy(entries, ([, held]) => held.slot);
    return [...groups].map(([slot, list]) => ({
      slot,
      keys: list.map(([k]) => k),
      fingerprints: Buffer.concat(list.map(([, h]) => h.fp)),
    }));
  }
}
