/**
 * A hand-driven {@linkcode Clock} for exact, instant tests of time.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock whose time moves only when the test says so.
 *
 * `sleep` registers a timer; {@linkcode FakeClock.tick} moves time forward,
 * firing due timers in order and letting the promise chains they start run
 * before the next timer fires, so code that sleeps in a loop behaves as it
 * would in real time, only instantly.
 *
 * @example Exact timing without waiting
 * ```ts
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * let woke = false;
 * const p = clock.sleep(1000).then(() => (woke = true));
 * await clock.tick(999);
 * assert.equal(woke, false);
 * await clock.tick(1);
 * await p;
 * assert.equal(woke, true);
 * assert.equal(clock.now(), 1000);
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  /**
   * Creates a fake clock.
   *
   * @param start The initial reading of `now()`.
   * @default {0}
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The current fake time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** How many sleeps are waiting for time to move. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Waits for `ms` of fake time; rejects with `signal.reason` on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order,
   * and settling the work each one starts before the next fires (timers set
   * while ticking fire too if they fall due within the tick).
   *
   * @param ms Milliseconds to advance.
   */
  async tick(ms: number): Promise<void> {
    if (!(ms >= 0)) {
      throw new RangeError(
        `Cannot tick as 'ms' must be a non-negative number: current value is ${ms}`,
      );
    }
    const end = this.#now + ms;
    await flush();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > end) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await flush();
    }
    this.#now = end;
    await flush();
  }

  /**
   * Advances time to the next pending timer and fires it (and any due at the
   * same instant). Does nothing when no timer is pending.
   */
  async next(): Promise<void> {
    const next = this.#earliest();
    if (next) await this.tick(next.at - this.#now);
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) {
        best = t;
      }
    }
    return best;
  }
}

/** Lets every pending microtask and promise chain run (one macrotask turn). */
function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
