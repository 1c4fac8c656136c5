/**
 * A priority queue with a capacity: smallest item first, stable for equal
 * items (asyncio's `PriorityQueue`).
 *
 * @module
 */
import {
  checkMaxSize,
  drain,
  QueueCore,
  type QueueStorage,
} from "./_queue_core.ts";
import type { QueueWaitOptions } from "./bounded_queue.ts";

/** A binary min-heap, stable: equal items come out in insertion order. */
class Heap<T> implements QueueStorage<T> {
  #items: T[] = [];
  #seqs: number[] = [];
  #seq = 0;
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    const seqs = this.#seqs;
    const seq = this.#seq++;
    let i = items.length;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(item, seq, items[parent], seqs[parent])) break;
      items[i] = items[parent];
      seqs[i] = seqs[parent];
      i = parent;
    }
    items[i] = item;
    seqs[i] = seq;
  }

  shift(): T {
    const items = this.#items;
    const seqs = this.#seqs;
    const top = items[0];
    const item = items.pop()!;
    const seq = seqs.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (
          child + 1 < n &&
          this.#less(
            items[child + 1],
            seqs[child + 1],
            items[child],
            seqs[child],
          )
        ) child++;
        if (!this.#less(items[child], seqs[child], item, seq)) break;
        items[i] = items[child];
        seqs[i] = seqs[child];
        i = child;
      }
      items[i] = item;
      seqs[i] = seq;
    }
    return top;
  }

  #less(a: T, aSeq: number, b: T, bSeq: number): boolean {
    const c = this.#compare(a, b);
    return c < 0 || (c === 0 ? aSeq < bSeq : false);
  }
}

/**
 * A queue holding at most `maxSize` items that always gives out the smallest
 * item by `compare` (asyncio's `PriorityQueue`), and among equal items the
 * oldest (it is stable). It has the same API and semantics as
 * {@linkcode BoundedQueue}: `put` waits while full, `get` while empty, FIFO
 * service of waiters, abortable waits that never lose an item,
 * `taskDone`/`join`, and `close` (puts reject with
 * {@linkcode QueueClosedError}, gets drain then reject).
 *
 * It is a binary heap: `put` and `get` are O(log n).
 *
 * @example Smallest first, FIFO among equals
 * ```ts
 * import { PriorityQueue } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const queue = new PriorityQueue<{ depth: number; url: string }>(
 *   Infinity,
 *   (a, b) => a.depth - b.depth,
 * );
 * await queue.put({ depth: 2, url: "/deep" });
 * await queue.put({ depth: 0, url: "/" });
 * await queue.put({ depth: 2, url: "/deep2" });
 * assert.equal((await queue.get()).url, "/");
 * assert.equal((await queue.get()).url, "/deep");
 * assert.equal((await queue.get()).url, "/deep2");
 * ```
 *
 * @typeParam T The type of the items.
 */
export class PriorityQueue<T> {
  readonly #core: QueueCore<T>;

  /**
   * Creates an empty queue.
   *
   * @param maxSize How many items the queue holds before `put` waits: a
   * positive integer, or `Infinity` for no bound.
   * @param compare Orders the items: negative when `a` comes before `b`,
   * positive when after, 0 when equal (equal items come out in put order).
   */
  constructor(maxSize: number, compare: (a: T, b: T) => number) {
    checkMaxSize("PriorityQueue", maxSize);
    if (typeof compare !== "function") {
      throw new TypeError(
        `Cannot create PriorityQueue as 'compare' must be a function: current value is ${compare}`,
      );
    }
    this.#core = new QueueCore(maxSize, new Heap(compare));
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

  /** Whether {@linkcode PriorityQueue.close} was called. */
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
   * Removes and returns the smallest item, waiting while the queue is empty.
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
   * Removes and returns the smallest item if there is one, without waiting.
   *
   * `undefined` means the queue was empty; if `undefined` is a valid item of
   * your queue, check {@linkcode PriorityQueue.isEmpty} first.
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
   * {@linkcode PriorityQueue.taskDone}.
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
