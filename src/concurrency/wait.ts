/**
 * Wait for some or all of a set of promises, with a time limit
 * (Python's `asyncio.wait`).
 *
 * @module
 */
import { STOP } from "./_stop.ts";
import { type Clock, systemClock } from "./clock.ts";

/** When {@linkcode wait} returns. */
export type ReturnWhen =
  /** As soon as any promise settles. */
  | "FIRST_COMPLETED"
  /** As soon as any promise rejects, or when all have settled. */
  | "FIRST_EXCEPTION"
  /** When all promises have settled. */
  | "ALL_COMPLETED";

const RETURN_WHEN: readonly ReturnWhen[] = [
  "FIRST_COMPLETED",
  "FIRST_EXCEPTION",
  "ALL_COMPLETED",
];

/** Options for {@linkcode wait}. */
export interface WaitOptions {
  /**
   * When to return.
   *
   * @default {"ALL_COMPLETED"}
   */
  returnWhen?: ReturnWhen;
  /**
   * Return after this many milliseconds (measured with `clock`) even if the
   * condition is not met. A timeout is not an error.
   *
   * @default {Infinity}
   */
  timeout?: number;
  /**
   * Aborts the wait: it rejects with `signal.reason`.
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
 * What {@linkcode wait} resolves to: the given promises, split.
 *
 * @typeParam T The promises' result.
 */
export interface WaitResult<T> {
  /** The promises that had settled (fulfilled or rejected). */
  done: Set<Promise<T>>;
  /** The promises still pending. */
  pending: Set<Promise<T>>;
}

/**
 * Waits for the given promises until `returnWhen` is met or `timeout`
 * passes, and splits them into those `done` and those still `pending`.
 *
 * It never rejects because a promise rejected or time ran out (only when
 * `signal` aborts); read the outcomes by awaiting the promises in `done`.
 * It cancels nothing: pending promises keep running. Rejections of the given
 * promises are marked handled. With no promises it resolves at once with
 * two empty sets. Its timer is cleared as soon as it returns.
 *
 * @example First to finish
 * ```ts
 * import { delay, wait } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const controller = new AbortController();
 * const fast = delay(1).then(() => "fast");
 * const slow = delay(10_000, controller.signal).catch(() => "aborted");
 * const { done, pending } = await wait([fast, slow], {
 *   returnWhen: "FIRST_COMPLETED",
 * });
 * assert.ok(done.has(fast) && pending.has(slow));
 * controller.abort();
 * await slow;
 * ```
 *
 * @example A timeout is not an error
 * ```ts
 * import { wait } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const never = new Promise<void>(() => {});
 * const result = wait([never], { timeout: 50, clock });
 * await clock.tick(50);
 * const { done, pending } = await result;
 * assert.equal(done.size, 0);
 * assert.ok(pending.has(never));
 * ```
 *
 * @typeParam T The promises' result.
 * @param tasks The promises to wait for.
 * @param options The condition, time limit, abort signal and clock.
 * @returns The promises, split into `done` and `pending`.
 * @throws {TypeError} When `returnWhen` is not one of the three values.
 * @throws {RangeError} When `timeout` is negative or not a number.
 */
export function wait<T>(
  tasks: Iterable<Promise<T>>,
  options: WaitOptions = {},
): Promise<WaitResult<T>> {
  const {
    returnWhen = "ALL_COMPLETED",
    timeout = Infinity,
    signal,
    clock = systemClock,
  } = options;
  if (!RETURN_WHEN.includes(returnWhen)) {
    return Promise.reject(
      new TypeError(
        `Cannot wait as 'returnWhen' must be one of ${
          RETURN_WHEN.join(", ")
        }: current value is ${returnWhen}`,
      ),
    );
  }
  if (typeof timeout !== "number" || !(timeout >= 0)) {
    return Promise.reject(
      new RangeError(
        `Cannot wait as 'timeout' must be a non-negative number: current value is ${timeout}`,
      ),
    );
  }
  if (signal?.aborted) return Promise.reject(signal.reason);

  const all = new Set(tasks);
  const done = new Set<Promise<T>>();
  const split = (): WaitResult<T> => ({
    done: new Set(done),
    pending: new Set([...all].filter((p) => !done.has(p))),
  });
  if (all.size === 0) return Promise.resolve(split());

  return new Promise<WaitResult<T>>((resolve, reject) => {
    const timer = new AbortController();
    let finished = false;
    const finish = (error?: { reason: unknown }) => {
      if (finished) return;
      finished = true;
      timer.abort(STOP);
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error.reason);
      else resolve(split());
    };
    const onAbort = () => finish({ reason: signal!.reason });
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== Infinity) {
      clock.sleep(timeout, timer.signal).then(() => finish(), () => {});
    }
    for (const promise of all) {
      promise.then(
        () => {
          if (finished) return;
          done.add(promise);
          if (returnWhen === "FIRST_COMPLETED" || done.size === all.size) {
            finish();
          }
        },
        () => {
          if (finished) return;
          done.add(promise);
          if (returnWhen !== "ALL_COMPLETED" || done.size === all.size) {
            finish();
          }
        },
      );
    }
  });
}
