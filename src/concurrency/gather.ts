/**
 * Run tasks concurrently and collect their results in input order.
 *
 * @module
 */
import type { Task } from "./as_completed.ts";

/** Options for {@linkcode gather}. */
export interface GatherOptions {
  /**
   * When `true`, a rejection does not reject the whole: the error takes the
   * task's place in the results (a reason that is not an `Error` is wrapped
   * in one, with the reason as its `cause`), and every task runs to the end.
   *
   * @default {false}
   */
  returnExceptions?: boolean;
  /**
   * Aborts the gathering: function tasks are aborted with `signal.reason`,
   * and the promise rejects with it once they settled.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/**
 * The result type of one {@linkcode Task}.
 *
 * @typeParam X A task: a promise or a function started with a signal.
 */
export type TaskResult<X> = X extends (signal: AbortSignal) => infer R
  ? Awaited<R>
  : Awaited<X>;

/**
 * Runs every task concurrently and resolves with their results in input
 * order, like `Promise.all` with cancellation (Python's `asyncio.gather`).
 *
 * Function tasks are started with a signal that `gather` controls. By
 * default the first rejection aborts that signal (the other function tasks
 * see it abort), `gather` waits for the function tasks to settle, then
 * rejects with that first error. With `returnExceptions: true` errors are
 * returned in place instead. Plain promises cannot be aborted and are not
 * waited for after a failure; their rejections are marked handled.
 *
 * An array literal (or `as const` tuple) gives a tuple of result types.
 *
 * @example Results in input order, typed per position
 * ```ts
 * import { delay, gather } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const [n, s] = await gather([
 *   async (signal: AbortSignal) => {
 *     await delay(2, signal);
 *     return 1;
 *   },
 *   Promise.resolve("two"),
 * ]);
 * assert.equal(n + 1, 2);
 * assert.equal(s.toUpperCase(), "TWO");
 * ```
 *
 * @example Errors in place
 * ```ts
 * import { gather } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const results = await gather(
 *   [Promise.resolve(1), Promise.reject(new Error("nope"))],
 *   { returnExceptions: true },
 * );
 * assert.equal(results[0], 1);
 * assert.ok(results[1] instanceof Error);
 * ```
 *
 * @typeParam P The tasks, as a tuple.
 * @param tasks Promises, or functions started with an abortable signal.
 * @param options Set `returnExceptions` to collect errors; `signal` aborts.
 * @returns The results, in input order.
 * @throws The first task's rejection, or `signal.reason`.
 */
export function gather<const P extends readonly Task<unknown>[]>(
  tasks: P,
  options?: GatherOptions & { returnExceptions?: false },
): Promise<{ -readonly [K in keyof P]: TaskResult<P[K]> }>;
/**
 * Runs every task concurrently, returning errors in place of results.
 *
 * @typeParam P The tasks, as a tuple.
 * @param tasks Promises, or functions started with an abortable signal.
 * @param options `returnExceptions: true`, and a signal.
 * @returns Results or errors, in input order.
 */
export function gather<const P extends readonly Task<unknown>[]>(
  tasks: P,
  options: GatherOptions & { returnExceptions: true },
): Promise<{ -readonly [K in keyof P]: TaskResult<P[K]> | Error }>;
/**
 * Runs every task of an iterable concurrently.
 *
 * @typeParam T The tasks' result.
 * @param tasks Promises, or functions started with an abortable signal.
 * @param options A signal.
 * @returns The results, in input order.
 */
export function gather<T>(
  tasks: Iterable<Task<T>>,
  options?: GatherOptions & { returnExceptions?: false },
): Promise<T[]>;
/**
 * Runs every task of an iterable concurrently, returning errors in place.
 *
 * @typeParam T The tasks' result.
 * @param tasks Promises, or functions started with an abortable signal.
 * @param options `returnExceptions`, and a signal.
 * @returns Results (or errors), in input order.
 */
export function gather<T>(
  tasks: Iterable<Task<T>>,
  options?: GatherOptions,
): Promise<(T | Error)[]>;
export async function gather<T>(
  tasks: Iterable<Task<T>>,
  options: GatherOptions = {},
): Promise<(T | Error)[]> {
  const { returnExceptions = false, signal } = options;
  signal?.throwIfAborted();
  const entries = [...tasks];
  const results: (T | Error)[] = new Array(entries.length);
  const controller = new AbortController();
  const started: Promise<unknown>[] = [];
  let stop: { error: unknown } | undefined;
  let onStop!: () => void;
  const stopped = new Promise<void>((resolve) => (onStop = resolve));
  const halt = (error: unknown, reason: unknown) => {
    if (stop) return;
    stop = { error };
    controller.abort(reason);
    onStop();
  };
  const onAbort = () => halt(signal!.reason, signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const settled = entries.map((entry, index) => {
      let promise: Promise<T>;
      if (typeof entry === "function") {
        promise = Promise.resolve().then(() => entry(controller.signal));
        started.push(promise.catch(() => {}));
      } else {
        promise = Promise.resolve(entry);
      }
      return promise.then(
        (value) => {
          results[index] = value;
        },
        (error: unknown) => {
          if (returnExceptions) {
            results[index] = toError(error);
          } else {
            halt(
              error,
              new DOMException(
                "gather was cancelled as a task failed",
                "AbortError",
              ),
            );
          }
        },
      );
    });
    await Promise.race([Promise.all(settled), stopped]);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (stop) {
    await Promise.all(started);
    throw stop.error;
  }
  return results;
}

function toError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  let text: string;
  try {
    text = String(reason);
  } catch {
    text = Object.prototype.toString.call(reason);
  }
  return new Error(`Task rejected with a non-Error value: ${text}`, {
    cause: reason,
  });
}
