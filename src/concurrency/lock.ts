/**
 * A mutual-exclusion lock (asyncio's `Lock`).
 *
 * @module
 */
import { Waiters } from "./_waiters.ts";
import type { AcquireOptions, Permit } from "./semaphore.ts";

class LockPermit implements Permit {
  #lock: Lock | undefined;

  constructor(lock: Lock) {
    this.#lock = lock;
  }

  release(): void {
    const lock = this.#lock;
    if (lock === undefined) {
      throw new Error("Cannot release the lock as it was already released");
    }
    this.#lock = undefined;
    lock.release();
  }

  [Symbol.dispose](): void {
    if (this.#lock !== undefined) this.release();
  }
}

/**
 * A lock held by one holder at a time; waiters get it in FIFO order, and an
 * aborted waiter leaves the line without taking it.
 *
 * `acquire` returns a {@linkcode Permit} (so `using` releases the lock at the
 * end of the block); `lock.release()` releases it too, as in asyncio, where a
 * lock has no owner. Use one or the other for a given acquisition: the permit
 * releases the lock once, whoever holds it then.
 *
 * @example Mutual exclusion
 * ```ts
 * import { Lock } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * let inside = 0;
 * await Promise.all([1, 2, 3].map(async () => {
 *   using _held = await lock.acquire();
 *   assert.equal(++inside, 1);
 *   await new Promise((r) => setTimeout(r, 1));
 *   inside--;
 * }));
 * assert.equal(lock.locked, false);
 * ```
 *
 * @example runExclusive
 * ```ts
 * import { Lock } from "@trawl/trawl/concurrency";
 *
 * const lock = new Lock();
 * const total = await lock.runExclusive(async () => 1 + 1);
 * console.log(total);
 * ```
 */
export class Lock {
  #locked = false;
  readonly #waiters = new Waiters<Permit>();

  /** Whether the lock is held. */
  get locked(): boolean {
    return this.#locked;
  }

  /** How many `acquire` calls are waiting. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Takes the lock, waiting (FIFO) while it is held or others wait.
   *
   * @param options A signal to give up waiting.
   * @returns A promise of a permit that releases the lock; it rejects with
   * `signal.reason` on abort.
   */
  acquire(options?: AcquireOptions): Promise<Permit> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#locked && this.#waiters.size === 0) {
      this.#locked = true;
      return Promise.resolve(new LockPermit(this));
    }
    return this.#waiters.add(undefined, signal);
  }

  /**
   * Releases the lock, handing it to the first waiter if any.
   *
   * @throws {Error} If the lock is not held.
   */
  release(): void {
    if (!this.#locked) {
      throw new Error("Cannot release the lock as it is not locked");
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(new LockPermit(this));
    else this.#locked = false;
  }

  /**
   * Runs `fn` while holding the lock, and releases it however `fn` ends.
   *
   * @param fn The critical section.
   * @param options A signal to give up waiting for the lock.
   * @returns What `fn` returns.
   */
  async runExclusive<T>(
    fn: () => T | Promise<T>,
    options?: AcquireOptions,
  ): Promise<T> {
    using _permit = await this.acquire(options);
    return await fn();
  }
}
