/**
 * One semaphore per key (per host, per domain), forgotten when idle.
 *
 * @module
 */
import { Waiters } from "./_waiters.ts";
import type { AcquireOptions, Permit } from "./semaphore.ts";

class KeyPermit implements Permit {
  #entry: Entry | undefined;

  constructor(entry: Entry) {
    this.#entry = entry;
  }

  release(): void {
    const entry = this.#entry;
    if (entry === undefined) {
      throw new Error("Cannot release the permit as it was already released");
    }
    this.#entry = undefined;
    entry.release();
  }

  [Symbol.dispose](): void {
    if (this.#entry !== undefined) this.release();
  }
}

class Entry {
  readonly key: unknown;
  available: number;
  limit: number;
  /** Created on first contention: most keys never wait. */
  waiters: Waiters<Permit> | undefined;
  readonly #onIdle: (entry: Entry) => void;

  constructor(key: unknown, limit: number, onIdle: (entry: Entry) => void) {
    this.key = key;
    this.limit = limit;
    this.available = limit;
    this.#onIdle = onIdle;
  }

  release(): void {
    this.available++;
    this.wake();
  }

  /** Hands free permits to waiters, then forgets the entry if idle. */
  wake(): void {
    while (this.available > 0) {
      const waiter = this.waiters?.shift();
      if (!waiter) break;
      this.available--;
      waiter.resolve(new KeyPermit(this));
    }
    this.checkIdle();
  }

  checkIdle(): void {
    if (this.available >= this.limit && !this.waiters?.size) {
      this.#onIdle(this);
    }
  }
}

/**
 * A {@linkcode Semaphore} per key: at most `permitsPerKey` holders per key at
 * once, FIFO per key, abortable waits that take nothing.
 *
 * A key's state exists only while it is in use: as soon as all its permits
 * are back and nobody waits for it, it is forgotten, so memory follows the
 * number of busy keys, not the number of keys ever seen ({@linkcode
 * KeyedSemaphore.size} tells how many are held). A per-key limit set with
 * {@linkcode KeyedSemaphore.setPermits} is kept until set back to the
 * default.
 *
 * @example Two requests per host
 * ```ts
 * import { KeyedSemaphore } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const perHost = new KeyedSemaphore(2);
 * const a = await perHost.acquire("a.example");
 * const b = await perHost.acquire("a.example");
 * assert.equal(perHost.tryAcquire("a.example"), undefined);
 * using _other = perHost.tryAcquire("b.example")!; // other hosts are free
 * a.release();
 * b.release();
 * assert.equal(perHost.size, 1); // only b.example is still held
 * ```
 *
 * @typeParam K The type of the keys.
 */
export class KeyedSemaphore<K = string> {
  readonly #permitsPerKey: number;
  readonly #entries = new Map<K, Entry>();

  /**
   * Creates a keyed semaphore.
   *
   * @param permitsPerKey How many holders at once per key: a positive
   * integer.
   */
  constructor(permitsPerKey: number) {
    checkPermits("create KeyedSemaphore", "permitsPerKey", permitsPerKey);
    this.#permitsPerKey = permitsPerKey;
  }

  /** The default number of permits of each key. */
  get permitsPerKey(): number {
    return this.#permitsPerKey;
  }

  /** How many keys are held in memory (in use, or with a custom limit). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Takes a permit for `key`, waiting (FIFO per key) while none is free.
   *
   * @param key The key.
   * @param options A signal to give up waiting.
   * @returns A promise of the permit; it rejects with `signal.reason` on abort.
   */
  acquire(key: K, options?: AcquireOptions): Promise<Permit> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const entry = this.#entry(key);
    if (entry.available > 0 && !entry.waiters?.size) {
      entry.available--;
      return Promise.resolve(new KeyPermit(entry));
    }
    entry.waiters ??= new Waiters<Permit>();
    return entry.waiters.add(undefined, signal, () => entry.checkIdle());
  }

  /**
   * Takes a permit for `key` if one is free and nobody waits for the key.
   *
   * @param key The key.
   * @returns The permit, or `undefined`.
   */
  tryAcquire(key: K): Permit | undefined {
    const existing = this.#entries.get(key);
    if (existing === undefined) {
      const entry = this.#entry(key);
      entry.available--;
      return new KeyPermit(entry);
    }
    if (existing.available > 0 && !existing.waiters?.size) {
      existing.available--;
      return new KeyPermit(existing);
    }
    return undefined;
  }

  /**
   * How many permits of `key` are free now.
   *
   * @param key The key.
   * @returns The free permits (the key's limit when it is not in use).
   */
  available(key: K): number {
    const entry = this.#entries.get(key);
    return entry ? Math.max(0, entry.available) : this.#permitsPerKey;
  }

  /**
   * How many `acquire` calls wait for `key`.
   *
   * @param key The key.
   * @returns The number of waiters.
   */
  waiting(key: K): number {
    return this.#entries.get(key)?.waiters?.size ?? 0;
  }

  /**
   * Changes the limit of one key (for example from a `Crawl-delay` or a
   * server's hints). Raising it wakes waiters at once; lowering it below the
   * permits held takes effect as they come back. The key is remembered until
   * its limit is set back to `permitsPerKey`.
   *
   * @param key The key.
   * @param permits The new limit: a positive integer.
   */
  setPermits(key: K, permits: number): void {
    checkPermits("set permits", "permits", permits);
    const entry = this.#entry(key);
    entry.available += permits - entry.limit;
    entry.limit = permits;
    entry.wake();
  }

  #entry(key: K): Entry {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = new Entry(key, this.#permitsPerKey, this.#forget);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  readonly #forget = (entry: Entry): void => {
    if (entry.limit !== this.#permitsPerKey) return;
    const key = entry.key as K;
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  };
}

function checkPermits(what: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${what} as '${name}' must be a positive integer: current value is ${value}`,
    );
  }
}
