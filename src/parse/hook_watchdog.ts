/**
 * The watch over a batch whose pages run an extraction hook: a hook that
 * blocks its worker's thread cannot be ended from inside, so the main
 * thread reads the batch's progress cell and ends the worker when one
 * hook holds it too long.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";

/** How batches with a hook are watched. */
export interface HookGuard {
  /** The `extractTimeoutMs` option. */
  timeoutMs: number;
  /** Times the watch. */
  clock: Clock;
}

/**
 * The reason a batch's worker was ended: a hook held it past the limit.
 *
 * @example
 * ```ts
 * import { HookHangError } from "./hook_watchdog.ts";
 *
 * console.log(new HookHangError(10_000).message);
 * ```
 */
export class HookHangError extends Error {
  /** The limit, ms. */
  readonly timeoutMs: number;
  /**
   * @param timeoutMs The limit, ms.
   */
  constructor(timeoutMs: number) {
    super(`the extract hook ran past extractTimeoutMs (${timeoutMs} ms)`);
    this.name = "HookHangError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * How often the watch reads a batch's progress: a quarter of the limit,
 * between 20 ms and 1 s.
 */
function intervalFor(timeoutMs: number): number {
  return Math.min(1000, Math.max(20, timeoutMs / 4));
}

/**
 * Watches one batch until `done` aborts: when its progress cell shows the
 * same page in its hook step (an even value above 0) for longer than the
 * limit plus one interval (the worker's own timer ends a hook that only
 * waits; this ends one that blocks), the returned signal aborts with a
 * {@linkcode HookHangError}.
 *
 * @example
 * ```ts
 * import { watchHooks } from "./hook_watchdog.ts";
 * import { systemClock } from "../concurrency/clock.ts";
 *
 * const progress = new Int32Array(new SharedArrayBuffer(4));
 * const done = new AbortController();
 * const kill = watchHooks(progress, { timeoutMs: 1000, clock: systemClock }, done.signal);
 * done.abort();
 * console.log(kill.aborted); // false
 * ```
 *
 * @param progress The batch's progress cell.
 * @param guard The limit and the clock.
 * @param done Aborted when the batch settles.
 * @returns A signal that aborts when the worker must be ended.
 */
export function watchHooks(
  progress: Int32Array,
  guard: HookGuard,
  done: AbortSignal,
): AbortSignal {
  const kill = new AbortController();
  const { timeoutMs, clock } = guard;
  const interval = intervalFor(timeoutMs);
  const watch = async () => {
    let last = -1;
    let since = clock.now();
    while (!done.aborted) {
      await clock.sleep(interval, done);
      const step = Atomics.load(progress, 0);
      const now = clock.now();
      if (step !== last) {
        last = step;
        since = now;
      } else if (
        step > 0 && step % 2 === 0 && now - since >= timeoutMs + interval
      ) {
        kill.abort(new HookHangError(timeoutMs));
        return;
      }
    }
  };
  watch().catch(() => {});
  return kill.signal;
}
