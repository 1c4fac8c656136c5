/**
 * The error {@linkcode asCompleted} throws when its time limit runs out.
 *
 * @module
 */

/** Options for {@linkcode TimeoutError}. */
export interface TimeoutErrorOptions extends ErrorOptions {
  /**
   * Indexes (in input order) of the tasks that had not completed.
   *
   * @default {[]}
   */
  pending?: readonly number[];
}

/**
 * A time limit ran out before every task completed.
 *
 * `pending` lists the input indexes of the tasks that were still running
 * when the limit was reached (they were then aborted, if they could be).
 *
 * @example Usage
 * ```ts
 * import { TimeoutError } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const err = new TimeoutError("Timed out after 100 ms", { pending: [1, 3] });
 * assert.equal(err.name, "TimeoutError");
 * assert.deepEqual(err.pending, [1, 3]);
 * ```
 */
export class TimeoutError extends Error {
  /** Input indexes of the tasks that had not completed, ascending. */
  readonly pending: number[];

  /**
   * Creates a timeout error.
   *
   * @param message What timed out.
   * @param options The pending indexes and an optional `cause`.
   */
  constructor(message = "Timed out", options: TimeoutErrorOptions = {}) {
    super(message, options);
    this.name = "TimeoutError";
    this.pending = [...(options.pending ?? [])].sort((a, b) => a - b);
  }
}
