/**
 * A condition variable (asyncio's `Condition`).
 *
 * @module
 */
import { Waiters } from "./_waiters.ts";
import { Lock } from "./lock.ts";
import type { AcquireOptions, Permit } from "./semaphore.ts";

/**
 * Lets tasks wait, while holding a {@linkcode Lock}, until another task that
 * holds the lock notifies them.
 *
 * `wait()` releases the lock, waits for `notify`, then takes the lock again
 * before it returns — also when it rejects because its signal aborted, so the
 * caller's `release` stays right. `wait`, `waitFor`, `notify` and `notifyAll`
 * throw when the lock is not held, as in asyncio. Waiters are notified in
 * FIFO order; an aborted waiter takes no notification.
 *
 * @example A guarded counter
 * ```ts
 * import { Condition } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const cond = new Condition();
 * let items = 0;
 * const consumer = (async () => {
 *   using _held = await cond.acquire();
 *   await cond.waitFor(() => items > 0);
 *   items--;
 * })();
 * {
 *   using _held = await cond.acquire();
 *   items++;
 *   cond.notify();
 * }
 * await consumer;
 * assert.equal(items, 0);
 * ```
 */
export class Condition {
  readonly #lock: Lock;
  readonly #waiters = new Waiters<void>();

  /**
   * Creates a condition.
   *
   * @param lock The lock to use; share one lock between several conditions
   * to guard one state.
   * @default {new Lock()}
   */
  constructor(lock: Lock = new Lock()) {
    if (!(lock instanceof Lock)) {
      throw new TypeError(
        `Cannot create Condition as 'lock' must be a Lock: current value is ${lock}`,
      );
    }
    this.#lock = lock;
  }

  /** The underlying lock. */
  get lock(): Lock {
    return this.#lock;
  }

  /** Whether the underlying lock is held. */
  get locked(): boolean {
    return this.#lock.locked;
  }

  /** How many `wait` calls wait for a notification. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Takes the underlying lock.
   *
   * @param options A signal to give up waiting.
   * @returns A promise of a permit that releases the lock.
   */
  acquire(options?: AcquireOptions): Promise<Permit> {
    return this.#lock.acquire(options);
  }

  /**
   * Releases the underlying lock.
   *
   * @throws {Error} If the lock is not held.
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, waits until notified, and takes the lock again.
   *
   * @param options A signal to give up waiting for the notification (the
   * lock is still taken again before the promise rejects).
   * @returns A promise that resolves, with the lock held, once notified; it
   * rejects with `signal.reason` on abort, and with an `Error` if the lock is
   * not held.
   */
  async wait(options?: AcquireOptions): Promise<void> {
    this.#checkLocked("wait");
    const signal = options?.signal;
    signal?.throwIfAborted();
    const notified = this.#waiters.add(undefined, signal);
    this.#lock.release();
    try {
      await notified;
    } finally {
      await this.#lock.acquire();
    }
  }

  /**
   * Waits until `predicate()` is truthy, checking it first and after every
   * notification, with the lock held each time.
   *
   * @param predicate The condition to wait for.
   * @param options A signal to give up waiting.
   * @returns The truthy value `predicate` returned.
   */
  async waitFor<T>(
    predicate: () => T,
    options?: AcquireOptions,
  ): Promise<T> {
    this.#checkLocked("waitFor");
    let result = predicate();
    while (!result) {
      await this.wait(options);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiters, oldest first.
   *
   * @param n How many to wake: a non-negative integer.
   * @default {1}
   * @throws {Error} If the lock is not held.
   */
  notify(n = 1): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Cannot notify as 'n' must be a non-negative integer: current value is ${n}`,
      );
    }
    this.#checkLocked("notify");
    for (let i = 0; i < n; i++) {
      const waiter = this.#waiters.shift();
      if (!waiter) break;
      waiter.resolve();
    }
  }

  /**
   * Wakes every waiter.
   *
   * @throws {Error} If the lock is not held.
   */
  notifyAll(): void {
    this.#checkLocked("notifyAll");
    this.#waiters.resolveAll(undefined);
  }

  #checkLocked(op: string): void {
    if (!this.#lock.locked) {
      throw new Error(`Cannot ${op} as the condition's lock is not held`);
    }
  }
}
