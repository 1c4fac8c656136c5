/**
 * The error of an operation on a closed queue.
 *
 * @module
 */

/**
 * Thrown (or rejected with) by a {@linkcode BoundedQueue} or
 * {@linkcode PriorityQueue} after `close()`: by `put` at once, and by `get`
 * once the items left in the queue have been drained.
 *
 * @example Usage
 * ```ts
 * import { BoundedQueue, QueueClosedError } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const queue = new BoundedQueue<number>(10);
 * queue.close();
 * await assert.rejects(queue.put(1), QueueClosedError);
 * ```
 */
export class QueueClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was attempted.
   * @default {"Queue is closed"}
   * @param options The underlying error, if any.
   */
  constructor(message = "Queue is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueClosedError";
  }
}
