/**
 * Iterate over tasks in the order they complete, with a time limit.
 *
 * @module
 */
import { STOP } from "./_stop.ts";
import { type Clock, systemClock } from "./clock.ts";
import { TimeoutError } from "./timeout_error.ts";

/**
 * A unit of work for {@linkcode asCompleted} and {@linkcode gather}: a
 * promise (already running; it cannot be aborted) or a function that is
 * started with an `AbortSignal` the caller controls (so it can be aborted).
 *
 * @typeParam T The task's result.
 */
export type Task<T> =
  | PromiseLike<T>
  | ((signal: AbortSignal) => T | PromiseLike<T>);

/**
 * The outcome of one task, with its index in the input.
 *
 * @typeParam T The task's result.
 */
export type Completed<T> =
  | {
    /** The task's position in the input. */
    index: number;
    /** The task resolved. */
    status: "fulfilled";
    /** What it resolved with. */
    value: T;
  }
  | {
    /** The task's position in the input. */
    index: number;
    /** The task rejected. */
    status: "rejected";
    /** What it rejected with. */
    reason: unknown;
  };

/** Options for {@linkcode asCompleted}. */
export interface AsCompletedOptions {
  /**
   * Milliseconds (measured with `clock`) after the first `next()` call within
   * which every task must complete. Results that arrived in time are still
   * yielded; then the iteration throws a {@linkcode TimeoutError} listing the
   * pending indexes.
   *
   * @default {Infinity}
   */
  timeout?: number;
  /**
   * Stops the iteration: the next `next()` rejects with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * The clock that measures `timeout`.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/**
 * The iterator {@linkcode asCompleted} returns: an async iterator that also
 * tells which tasks have not been yielded, and can be disposed.
 *
 * @typeParam T The tasks' result.
 */
export interface AsCompletedIterator<T>
  extends AsyncIterableIterator<Completed<T>>, AsyncDisposable {
  /**
   * Input indexes, ascending, of the tasks not yielded yet. After a timeout
   * or abort these are the tasks that did not get through.
   */
  readonly pending: number[];
}

type Entry<T> = PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>);

type Stop = { error: unknown };

/**
 * Yields each task's outcome as soon as it completes, in completion order,
 * with the task's input index, until all are done.
 *
 * Nothing starts before the first `next()`: then function tasks are called
 * with a signal the iterator controls, and the timeout starts. The iteration
 * stops early when:
 *
 * - `timeout` passes: outcomes that arrived in time are yielded first, then
 *   it throws a {@linkcode TimeoutError} whose `pending` lists the indexes
 *   that had not completed;
 * - `signal` aborts: the next `next()` rejects with `signal.reason` (read
 *   the iterator's {@linkcode AsCompletedIterator.pending} for the indexes
 *   not yielded);
 * - the consumer stops (`break` out of `for await`, `return()`, disposal).
 *
 * In each case the iterator aborts the signal of the function tasks it
 * started and waits for them to settle before it throws or returns, so none
 * is left running. Plain promises cannot be aborted: they are left alone
 * (and marked handled, so their rejections are not reported as unhandled).
 * Failures of tasks are yielded as `{ status: "rejected" }`, never thrown.
 *
 * @example Handle results as they arrive
 * ```ts
 * import { asCompleted, delay } from "@trawl/trawl/concurrency";
 *
 * const urls = ["/a", "/b", "/c"];
 * const tasks = urls.map((url, i) => async (signal: AbortSignal) => {
 *   await delay(3 - i, signal);
 *   return url.toUpperCase();
 * });
 * for await (const done of asCompleted(tasks, { timeout: 1_000 })) {
 *   if (done.status === "fulfilled") console.log(urls[done.index], done.value);
 *   else console.error(urls[done.index], done.reason);
 * }
 * ```
 *
 * @example A timeout aborts what is still running
 * ```ts
 * import { asCompleted, delay, TimeoutError } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const tasks = [10, 500].map((ms) => (signal: AbortSignal) =>
 *   clock.sleep(ms, signal).then(() => ms)
 * );
 * const seen: number[] = [];
 * const run = (async () => {
 *   for await (const done of asCompleted(tasks, { timeout: 100, clock })) {
 *     if (done.status === "fulfilled") seen.push(done.value);
 *   }
 * })();
 * const timedOut = assert.rejects(run, (e) => e instanceof TimeoutError);
 * await clock.tick(100);
 * await timedOut;
 * assert.deepEqual(seen, [10]);
 * assert.equal(clock.pending, 0); // the 500 ms task was aborted
 * ```
 *
 * @typeParam T The tasks' result.
 * @param tasks Promises, or functions started with an abortable signal.
 * @param options Time limit, abort signal and clock.
 * @returns An async iterator of outcomes in completion order.
 * @throws {RangeError} When `timeout` is negative or not a number.
 */
export function asCompleted<T>(
  tasks: Iterable<Task<T>>,
  options: AsCompletedOptions = {},
): AsCompletedIterator<T> {
  const { timeout = Infinity, signal, clock = systemClock } = options;
  if (typeof timeout !== "number" || !(timeout >= 0)) {
    throw new RangeError(
      `Cannot iterate as 'timeout' must be a non-negative number: current value is ${timeout}`,
    );
  }
  const entries: Entry<T>[] = [...tasks];
  for (const entry of entries) {
    if (typeof entry !== "function") markHandled(entry);
  }
  return new AsCompletedIteratorImpl(entries, timeout, signal, clock);
}

class AsCompletedIteratorImpl<T> implements AsCompletedIterator<T> {
  readonly #gen: AsyncGenerator<Completed<T>, undefined, undefined>;
  readonly #pending: Set<number>;

  constructor(
    entries: Entry<T>[],
    timeout: number,
    signal: AbortSignal | undefined,
    clock: Clock,
  ) {
    this.#pending = new Set(entries.keys());
    this.#gen = run(entries, this.#pending, timeout, signal, clock);
  }

  get pending(): number[] {
    return [...this.#pending].sort((a, b) => a - b);
  }

  next(): Promise<IteratorResult<Completed<T>, undefined>> {
    return this.#gen.next();
  }

  return(): Promise<IteratorResult<Completed<T>, undefined>> {
    return this.#gen.return(undefined);
  }

  throw(error?: unknown): Promise<IteratorResult<Completed<T>, undefined>> {
    return this.#gen.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#gen.return(undefined);
  }
}

async function* run<T>(
  entries: Entry<T>[],
  pending: Set<number>,
  timeout: number,
  signal: AbortSignal | undefined,
  clock: Clock,
): AsyncGenerator<Completed<T>, undefined, undefined> {
  signal?.throwIfAborted();
  if (entries.length === 0) return;
  const controller = new AbortController();
  const timer = new AbortController();
  // Outcomes not yielded yet, in completion order; a `Stop` marks the timeout.
  const queue: (Completed<T> | Stop)[] = [];
  const started: Promise<unknown>[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const settle = (outcome: Completed<T>) => {
    if (stopped) return; // arrived after the timeout or abort
    queue.push(outcome);
    notify();
  };
  const onAbort = () => {
    stopped = true;
    controller.abort(signal!.reason);
    notify();
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  try {
    entries.forEach((entry, index) => {
      let promise: Promise<T>;
      if (typeof entry === "function") {
        promise = Promise.resolve().then(() => entry(controller.signal));
        started.push(promise.catch(() => {}));
      } else {
        promise = Promise.resolve(entry);
      }
      promise.then(
        (value) => settle({ index, status: "fulfilled", value }),
        (reason: unknown) => settle({ index, status: "rejected", reason }),
      );
    });

    if (timeout !== Infinity) {
      clock.sleep(timeout, timer.signal).then(() => {
        if (stopped) return;
        stopped = true;
        const arrived = new Set(queue.map((c) => (c as Completed<T>).index));
        const late = [...pending].filter((i) => !arrived.has(i));
        const error = new TimeoutError(
          `${late.length} of ${entries.length} tasks did not complete within ${timeout} ms`,
          { pending: late },
        );
        controller.abort(error);
        queue.push({ error });
        notify();
      }, () => {});
    }

    while (pending.size > 0) {
      if (signal?.aborted) throw signal.reason;
      const next = queue.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
      } else if ("error" in next) {
        throw next.error;
      } else {
        pending.delete(next.index);
        yield next;
      }
    }
  } finally {
    stopped = true;
    signal?.removeEventListener("abort", onAbort);
    timer.abort(STOP);
    controller.abort(
      new DOMException("asCompleted iteration stopped", "AbortError"),
    );
    await Promise.all(started);
  }
}

function markHandled(promise: PromiseLike<unknown>): void {
  Promise.resolve(promise).catch(() => {});
}
