/**
 * A flag tasks can wait for (asyncio's `Event`).
 *
 * @module
 */
import { Waiters } from "./_waiters.ts";

/** Options of {@linkcode Event.wait}. */
export interface EventWaitOptions {
  /**
   * Gives up waiting: the call rejects with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A boolean flag: `wait()` resolves once it is set (at once if it already is);
 * `set()` wakes every waiter; `clear()` makes later waits block again.
 *
 * @example Usage
 * ```ts
 * import { Event } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const ready = new Event();
 * const waiting = ready.wait();
 * ready.set();
 * await waiting;
 * assert.equal(ready.isSet, true);
 * ```
 */
export class Event {
  #isSet = false;
  readonly #waiters = new Waiters<void>();

  /** Whether the flag is set. */
  get isSet(): boolean {
    return this.#isSet;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    this.#isSet = true;
    this.#waiters.resolveAll(undefined);
  }

  /** Clears the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this.#isSet = false;
  }

  /**
   * Waits until the flag is set.
   *
   * @param options A signal to give up waiting.
   * @returns A promise that resolves when the flag is set; it rejects with
   * `signal.reason` on abort.
   */
  wait(options?: EventWaitOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#isSet) return RESOLVED;
    return this.#waiters.add(undefined, signal);
  }
}
