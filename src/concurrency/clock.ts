/**
 * A source of time: the current instant and a way to wait.
 *
 * Every time-dependent primitive of the toolkit (token buckets, circuit
 * breakers, timeouts) takes a `Clock`, so tests can pass a
 * {@linkcode FakeClock} from `@trawl/trawl/testing` and control time exactly.
 *
 * @module
 */

/**
 * A clock: `now()` in milliseconds and an abortable `sleep`.
 *
 * @example Usage
 * ```ts
 * import { systemClock, type Clock } from "@trawl/trawl/concurrency";
 *
 * const clock: Clock = systemClock;
 * const start = clock.now();
 * await clock.sleep(1);
 * console.log(clock.now() - start >= 0);
 * ```
 */
export interface Clock {
  /** Milliseconds on a monotonic timeline (the origin is arbitrary). */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with `signal.reason` as soon as
   * `signal` aborts, cancelling the timer.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Waits `ms` milliseconds on the real timer, cancelling the timer when
 * `signal` aborts (the promise then rejects with `signal.reason`).
 *
 * @example Usage
 * ```ts
 * import { delay } from "@trawl/trawl/concurrency";
 *
 * await delay(1);
 * ```
 *
 * @param ms Milliseconds to wait; negative values count as 0.
 * @param signal Aborts the wait.
 * @returns A promise that resolves after the delay.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(id);
      reject(signal!.reason);
    };
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The real clock: `performance.now()` and `setTimeout`.
 *
 * @example Usage
 * ```ts
 * import { systemClock } from "@trawl/trawl/concurrency";
 *
 * console.log(typeof systemClock.now());
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: delay,
};
