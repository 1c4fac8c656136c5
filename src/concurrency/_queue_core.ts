/**
 * Internal: the waiting, closing and task accounting shared by
 * `BoundedQueue` and `PriorityQueue`, over a storage that decides the order
 * items come out in. Not part of the public API.
 *
 * @module
 */
import { Waiters } from "./_waiters.ts";
import { QueueClosedError } from "./queue_closed_error.ts";
import type { QueueWaitOptions } from "./bounded_queue.ts";

/** Where a queue keeps its items; `shift` gives the next item to get. */
export interface QueueStorage<T> {
  /** How many items are stored. */
  readonly size: number;
  /** Stores an item. */
  push(item: T): void;
  /** Takes the next item out; only called when `size > 0`. */
  shift(): T;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Throws the `RangeError` of a queue constructor given a bad `maxSize`.
 *
 * @param name The public class, for the message.
 * @param maxSize The value to check: a positive integer or `Infinity`.
 */
export function checkMaxSize(name: string, maxSize: number): void {
  if (
    maxSize !== Infinity && (!Number.isSafeInteger(maxSize) || maxSize < 1)
  ) {
    throw new RangeError(
      `Cannot create ${name} as 'maxSize' must be a positive integer or Infinity: current value is ${maxSize}`,
    );
  }
}

/**
 * A queue with a capacity over a {@linkcode QueueStorage}, with asyncio
 * semantics (see `BoundedQueue` for them). The public queues delegate to it.
 *
 * @typeParam T The type of the items.
 */
export class QueueCore<T> {
  readonly maxSize: number;
  readonly #items: QueueStorage<T>;
  readonly #getters = new Waiters<T>();
  readonly #putters = new Waiters<void, T>();
  readonly #joiners = new Waiters<void>();
  #unfinished = 0;
  #taken = 0;
  #closed = false;

  /**
   * @param maxSize The capacity, already checked with {@linkcode checkMaxSize}.
   * @param items The empty storage.
   */
  constructor(maxSize: number, items: QueueStorage<T>) {
    this.maxSize = maxSize;
    this.#items = items;
  }

  /** How many items are in the queue now. */
  get size(): number {
    return this.#items.size;
  }

  /** Whether the queue holds no item. */
  get isEmpty(): boolean {
    return this.#items.size === 0;
  }

  /** Whether the queue holds `maxSize` items. */
  get isFull(): boolean {
    return this.#items.size >= this.maxSize;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * @param item The item.
   * @param options A signal to give up waiting.
   * @returns Resolves once the item is stored or handed to a getter.
   */
  put(item: T, options?: QueueWaitOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(this.#closedError("put"));
    if (this.#putters.size === 0 && this.#items.size < this.maxSize) {
      this.#add(item);
      return RESOLVED;
    }
    return this.#putters.add(item, signal);
  }

  /**
   * @param item The item.
   * @returns Whether the item was added.
   */
  tryPut(item: T): boolean {
    if (this.#closed) throw this.#closedError("put");
    if (this.#putters.size > 0 || this.#items.size >= this.maxSize) {
      return false;
    }
    this.#add(item);
    return true;
  }

  /**
   * @param options A signal to give up waiting.
   * @returns The next item, once there is one.
   */
  get(options?: QueueWaitOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#items.size > 0) return Promise.resolve(this.#take());
    if (this.#closed) return Promise.reject(this.#closedError("get"));
    return this.#getters.add(undefined, signal);
  }

  /** @returns The next item, or `undefined` when the queue is empty. */
  tryGet(): T | undefined {
    return this.#items.size > 0 ? this.#take() : undefined;
  }

  /** Marks one gotten item as processed. */
  taskDone(): void {
    if (this.#taken === 0) {
      throw new Error(
        "Cannot mark a task done as taskDone() was called more times than items were gotten from the queue",
      );
    }
    this.#taken--;
    if (--this.#unfinished === 0) this.#joiners.resolveAll(undefined);
  }

  /**
   * @param options A signal to give up waiting.
   * @returns Resolves when no item is unfinished.
   */
  join(options?: QueueWaitOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#unfinished === 0) return RESOLVED;
    return this.#joiners.add(undefined, signal);
  }

  /** Closes the queue; calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Getters only wait while the queue is empty: nothing is left for them.
    this.#getters.rejectAll(() => this.#closedError("get"));
    this.#putters.rejectAll(() => this.#closedError("put"));
  }

  #add(item: T): void {
    this.#unfinished++;
    const getter = this.#getters.shift();
    if (getter) {
      this.#taken++;
      getter.resolve(item);
    } else {
      this.#items.push(item);
    }
  }

  #take(): T {
    const item = this.#items.shift();
    this.#taken++;
    const putter = this.#putters.shift();
    if (putter) {
      this.#add(putter.data);
      putter.resolve();
    }
    return item;
  }

  #closedError(op: "get" | "put"): QueueClosedError {
    return new QueueClosedError(`Cannot ${op} as the queue is closed`);
  }
}

/**
 * The async iterator of a queue: gets items until the queue is closed and
 * empty, then ends normally.
 *
 * @param queue The public queue (its own `get`, so subclasses are honoured).
 * @returns An async iterator of the items.
 */
export async function* drain<T>(
  queue: { get(): Promise<T> },
): AsyncGenerator<T, void, undefined> {
  for (;;) {
    let item: T;
    try {
      item = await queue.get();
    } catch (error) {
      if (error instanceof QueueClosedError) return;
      throw error;
    }
    yield item;
  }
}
