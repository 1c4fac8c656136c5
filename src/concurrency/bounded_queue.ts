/**
 * A first-in-first-out queue with a capacity, for producers and consumers
 * that run at different speeds (asyncio's `Queue`).
 *
 * @module
 */
import {
  checkMaxSize,
  drain,
  QueueCore,
  type QueueStorage,
} from "./_queue_core.ts";

/** Options of the waiting calls of a queue. */
export interface QueueWaitOptions {
  /**
   * Gives up waiting: the call rejects with `signal.reason` and the waiter
   * leaves the queue without taking (or leaving) anything.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** A growable ring buffer: O(1) push and shift. */
class Ring<T> implements QueueStorage<T> {
  #items: (T | undefined)[] = new Array(16);
  #mask = 15;
  #head = 0;
  size = 0;

  push(item: T): void {
    if (this.size > this.#mask) this.#grow();
    this.#items[(this.#head + this.size) & this.#mask] = item;
    this.size++;
  }

  shift(): T {
    const i = this.#head;
    const item = this.#items[i] as T;
    this.#items[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    this.size--;
    return item;
  }

  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) {
      items[i] = old[(this.#head + i) & this.#mask];
    }
    this.#items = items;
    this.#mask = items.length - 1;
    this.#head = 0;
  }
}

/**
 * A FIFO queue holding at most `maxSize` items, with asyncio semantics.
 *
 * - `put` waits while the queue is full, `get` while it is empty; waiting
 *   getters and putters are served in arrival order. An item put while a
 *   getter waits goes straight to the first getter.
 * - Waits take a `signal`; an aborted waiter leaves the queue and takes
 *   nothing. An item already handed to a getter is its own, even if the
 *   signal aborts afterwards, so no item is ever lost.
 * - `taskDone()` marks a gotten item as processed; `join()` resolves when every
 *   item ever put has been marked.
 * - `close()`: `put` (pending and future) rejects with
 *   {@linkcode QueueClosedError}; `get` drains what is left, then rejects with
 *   it; `for await` over the queue ends normally once it is closed and empty.
 *
 * The uncontended path does no waiting and allocates no waiter: `put`,
 * `get`, `tryPut` and `tryGet` are O(1).
 *
 * @example Producer and consumer
 * ```ts
 * import { BoundedQueue } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const queue = new BoundedQueue<number>(2);
 * const producer = (async () => {
 *   for (let i = 0; i < 5; i++) await queue.put(i); // waits while full
 *   queue.close();
 * })();
 * const seen: number[] = [];
 * for await (const n of queue) seen.push(n);
 * await producer;
 * assert.deepEqual(seen, [0, 1, 2, 3, 4]);
 * ```
 *
 * @example Waiting for every item to be processed
 * ```ts
 * import { BoundedQueue } from "@trawl/trawl/concurrency";
 *
 * const queue = new BoundedQueue<string>(Infinity);
 * queue.tryPut("a");
 * queue.tryPut("b");
 * const worker = (async () => {
 *   while (!queue.isEmpty) {
 *     await queue.get();
 *     queue.taskDone();
 *   }
 * })();
 * await queue.join();
 * await worker;
 * ```
 *
 * @typeParam T The type of the items.
 */
export class BoundedQueue<T> {
  readonly #core: QueueCore<T>;

  /**
   * Creates an empty queue.
   *
   * @param maxSize How many items the queue holds before `put` waits: a
   * positive integer, or `Infinity` for no bound.
   */
  constructor(maxSize: number) {
    checkMaxSize("BoundedQueue", maxSize);
    this.#core = new QueueCore(maxSize, new Ring<T>());
  }

  /** The capacity given to the constructor. */
  get maxSize(): number {
    return this.#core.maxSize;
  }

  /** How many items are in the queue now. */
  get size(): number {
    return this.#core.size;
  }

  /** Whether the queue holds no item. */
  get isEmpty(): boolean {
    return this.#core.isEmpty;
  }

  /** Whether the queue holds `maxSize` items (a `put` would wait). */
  get isFull(): boolean {
    return this.#core.isFull;
  }

  /** Whether {@linkcode BoundedQueue.close} was called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /**
   * Adds an item, waiting while the queue is full.
   *
   * @param item The item.
   * @param options A signal to give up waiting.
   * @returns A promise that resolves once the item is in the queue (or
   * handed to a getter); it rejects with {@linkcode QueueClosedError} if the
   * queue is or gets closed first, or with `signal.reason` on abort (the item
   * is then not added).
   */
  put(item: T, options?: QueueWaitOptions): Promise<void> {
    return this.#core.put(item, options);
  }

  /**
   * Adds an item if there is room, without waiting.
   *
   * @param item The item.
   * @returns `true` if the item was added, `false` if the queue is full.
   * @throws {QueueClosedError} If the queue is closed.
   */
  tryPut(item: T): boolean {
    return this.#core.tryPut(item);
  }

  /**
   * Removes and returns the oldest item, waiting while the queue is empty.
   *
   * @param options A signal to give up waiting.
   * @returns A promise of the item; it rejects with
   * {@linkcode QueueClosedError} once the queue is closed and empty, or with
   * `signal.reason` on abort (the waiter then takes nothing).
   */
  get(options?: QueueWaitOptions): Promise<T> {
    return this.#core.get(options);
  }

  /**
   * Removes and returns the oldest item if there is one, without waiting.
   *
   * `undefined` means the queue was empty; if `undefined` is a valid item of
   * your queue, check {@linkcode BoundedQueue.isEmpty} first.
   *
   * @returns The item, or `undefined` when the queue is empty (closed or not).
   */
  tryGet(): T | undefined {
    return this.#core.tryGet();
  }

  /**
   * Marks one gotten item as processed (asyncio's `task_done`).
   *
   * @throws {Error} If called more times than items were gotten.
   */
  taskDone(): void {
    this.#core.taskDone();
  }

  /**
   * Waits until every item put so far has been gotten and marked with
   * {@linkcode BoundedQueue.taskDone}.
   *
   * @param options A signal to give up waiting.
   * @returns A promise that resolves when no item is unfinished; it rejects
   * with `signal.reason` on abort.
   */
  join(options?: QueueWaitOptions): Promise<void> {
    return this.#core.join(options);
  }

  /**
   * Closes the queue: pending and future puts reject with
   * {@linkcode QueueClosedError}; gets drain the items left, then reject with
   * it. Calling it again does nothing.
   */
  close(): void {
    this.#core.close();
  }

  /**
   * Gets items until the queue is closed and empty (then ends normally). It
   * does not call `taskDone()`.
   *
   * @returns An async iterator of the items.
   */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return drain(this);
  }
}
