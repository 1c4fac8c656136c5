/**
 * A counting semaphore with fair, abortable waits.
 *
 * @module
 */
import { Waiters } from "./_waiters.ts";

/**
 * Proof of holding a permit of a {@linkcode Semaphore} (or a
 * {@linkcode KeyedSemaphore}, or a {@linkcode Lock}). Give it back once with
 * `release()`, or let `using` dispose of it.
 *
 * @example Usage
 * ```ts
 * import { Semaphore, type Permit } from "@trawl/trawl/concurrency";
 *
 * const sem = new Semaphore(1);
 * const permit: Permit = await sem.acquire();
 * permit.release();
 * ```
 */
export interface Permit extends Disposable {
  /**
   * Gives the permit back.
   *
   * @throws {Error} If this permit was already released.
   */
  release(): void;
  /** Releases the permit unless it was already released (then no-op). */
  [Symbol.dispose](): void;
}

/** Options of {@linkcode Semaphore.acquire}. */
export interface AcquireOptions {
  /**
   * Gives up waiting: the call rejects with `signal.reason` and the waiter
   * leaves the line without taking a permit.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

class SemaphorePermit implements Permit {
  #release: (() => void) | undefined;

  constructor(release: () => void) {
    this.#release = release;
  }

  release(): void {
    const release = this.#release;
    if (release === undefined) {
      throw new Error("Cannot release the permit as it was already released");
    }
    this.#release = undefined;
    release();
  }

  [Symbol.dispose](): void {
    if (this.#release !== undefined) this.release();
  }
}

/**
 * Limits how many holders run at once: `permits` permits, handed out by
 * `acquire` in strict FIFO order (a newcomer never overtakes a waiter).
 *
 * A released permit goes straight to the first waiter. An aborted waiter
 * leaves the line and takes no permit. A permit is an object with `release()`
 * (releasing twice throws) and `[Symbol.dispose]`, so `using` gives it back
 * at the end of the block.
 *
 * @example At most two at a time
 * ```ts
 * import { Semaphore } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const sem = new Semaphore(2);
 * let running = 0;
 * let peak = 0;
 * await Promise.all([1, 2, 3, 4, 5].map(async () => {
 *   using _permit = await sem.acquire();
 *   peak = Math.max(peak, ++running);
 *   await new Promise((r) => setTimeout(r, 1));
 *   running--;
 * }));
 * assert.equal(peak, 2);
 * assert.equal(sem.available, 2);
 * ```
 */
export class Semaphore {
  readonly #permits: number;
  #available: number;
  readonly #waiters = new Waiters<Permit>();
  readonly #release = (): void => {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(new SemaphorePermit(this.#release));
    else this.#available++;
  };

  /**
   * Creates a semaphore with all permits available.
   *
   * @param permits How many holders at once: a positive integer.
   */
  constructor(permits: number) {
    if (!Number.isSafeInteger(permits) || permits < 1) {
      throw new RangeError(
        `Cannot create Semaphore as 'permits' must be a positive integer: current value is ${permits}`,
      );
    }
    this.#permits = permits;
    this.#available = permits;
  }

  /** The number of permits given to the constructor. */
  get permits(): number {
    return this.#permits;
  }

  /** How many permits are free now. */
  get available(): number {
    return this.#available;
  }

  /** How many `acquire` calls are waiting. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Takes a permit, waiting (FIFO) while none is free or others wait.
   *
   * @param options A signal to give up waiting.
   * @returns A promise of the permit; it rejects with `signal.reason` on abort.
   */
  acquire(options?: AcquireOptions): Promise<Permit> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0 && this.#waiters.size === 0) {
      this.#available--;
      return Promise.resolve(new SemaphorePermit(this.#release));
    }
    return this.#waiters.add(undefined, signal);
  }

  /**
   * Takes a permit if one is free and nobody waits, without waiting.
   *
   * @returns The permit, or `undefined`.
   */
  tryAcquire(): Permit | undefined {
    if (this.#available > 0 && this.#waiters.size === 0) {
      this.#available--;
      return new SemaphorePermit(this.#release);
    }
    return undefined;
  }
}
