/**
 * Internal: a FIFO of abortable waiters, shared by the queues, semaphores,
 * Lock, Event and Condition. Not part of the public API.
 *
 * @module
 */

/** One queued waiter, handed out by {@linkcode Waiters.shift}. */
export class Waiter<T, D> {
  /** What the waiter brought along (for example the item of a pending put). */
  readonly data: D;
  /** Settles the waiter's promise with a value. */
  readonly resolve: (value: T) => void;
  /** Settles the waiter's promise with a reason. */
  readonly reject: (reason: unknown) => void;
  /** @internal */
  signal: AbortSignal | undefined;
  /** @internal */
  onAbort: (() => void) | undefined;
  /** @internal */
  prev: Waiter<T, D> | undefined;
  /** @internal */
  next: Waiter<T, D> | undefined;

  /**
   * @param data The payload.
   * @param resolve Resolves the waiter's promise.
   * @param reject Rejects the waiter's promise.
   */
  constructor(
    data: D,
    resolve: (value: T) => void,
    reject: (reason: unknown) => void,
  ) {
    this.data = data;
    this.resolve = resolve;
    this.reject = reject;
  }
}

/**
 * A first-in-first-out list of waiters. A waiter whose signal aborts leaves
 * the list at once (O(1)) and its promise rejects with `signal.reason`; a
 * waiter taken with {@linkcode Waiters.shift} no longer listens to its
 * signal, so whatever the owner hands it is never lost to a late abort.
 *
 * @typeParam T What a waiter's promise resolves to.
 * @typeParam D The payload a waiter carries.
 */
export class Waiters<T, D = undefined> {
  #head: Waiter<T, D> | undefined;
  #tail: Waiter<T, D> | undefined;
  #size = 0;

  /** How many waiters are queued. */
  get size(): number {
    return this.#size;
  }

  /**
   * Queues a waiter at the back.
   *
   * @param data The payload.
   * @param signal Removes the waiter and rejects with its reason on abort.
   * @param onAbort Called after an aborted waiter left the list.
   * @returns The waiter's promise.
   */
  add(data: D, signal?: AbortSignal, onAbort?: () => void): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const waiter = new Waiter<T, D>(data, resolve, reject);
      waiter.prev = this.#tail;
      if (this.#tail) this.#tail.next = waiter;
      else this.#head = waiter;
      this.#tail = waiter;
      this.#size++;
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          this.#unlink(waiter);
          reject(signal.reason);
          onAbort?.();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
    });
  }

  /**
   * Takes the waiter at the front off the list; the caller must settle it.
   *
   * @returns The waiter, or `undefined` when none is queued.
   */
  shift(): Waiter<T, D> | undefined {
    const waiter = this.#head;
    if (waiter === undefined) return undefined;
    this.#unlink(waiter);
    if (waiter.signal) {
      waiter.signal.removeEventListener("abort", waiter.onAbort!);
      waiter.signal = undefined;
      waiter.onAbort = undefined;
    }
    return waiter;
  }

  /**
   * Resolves every queued waiter with `value`, in order.
   *
   * @param value The value.
   */
  resolveAll(value: T): void {
    for (let w = this.shift(); w; w = this.shift()) w.resolve(value);
  }

  /**
   * Rejects every queued waiter, in order, with `reason()`.
   *
   * @param reason Makes the rejection reason for each waiter.
   */
  rejectAll(reason: () => unknown): void {
    for (let w = this.shift(); w; w = this.shift()) w.reject(reason());
  }

  #unlink(waiter: Waiter<T, D>): void {
    const { prev, next } = waiter;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    else this.#tail = prev;
    waiter.prev = waiter.next = undefined;
    this.#size--;
  }
}
