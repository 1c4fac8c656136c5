/**
 * The timer of one fetch attempt: the total deadline and the idle limit in
 * one sleep.
 *
 * @module
 */
import { STOP } from "../concurrency/_stop.ts";
import type { Clock } from "../concurrency/clock.ts";

/** A timer firing later than this (ms) means the event loop was blocked. */
const LATE_MS = 25;

/**
 * One timer per attempt that enforces both the total deadline and the idle
 * limit (no bytes for `idleMs`): it sleeps until the earlier of the two and
 * re-arms when bytes arrived meanwhile, so a fast request costs one timer.
 *
 * @example Cut a request off after 1 s in all, or 300 ms without bytes
 * ```ts
 * import { Watchdog } from "./watchdog.ts";
 * import { FakeClock } from "../concurrency/fake_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * let fired: boolean | undefined;
 * const watchdog = new Watchdog(clock, 1000, 300, (idle) => (fired = idle));
 * await clock.tick(200);
 * watchdog.touch(); // bytes arrived: idle again from now
 * await clock.tick(299);
 * assert.equal(fired, undefined);
 * await clock.tick(1);
 * assert.equal(fired, true);
 * watchdog.stop();
 * ```
 */
export class Watchdog {
  readonly #clock: Clock;
  readonly #deadline: number;
  readonly #idleMs: number;
  readonly #stop = new AbortController();
  #last: number;

  /**
   * Starts the timer.
   *
   * @param clock The time source.
   * @param timeoutMs The total deadline, from now.
   * @param idleMs The longest wait without progress.
   * @param fire Called once when a limit passes: `idle` tells which.
   */
  constructor(
    clock: Clock,
    timeoutMs: number,
    idleMs: number,
    fire: (idle: boolean) => void,
  ) {
    this.#clock = clock;
    this.#last = clock.now();
    this.#deadline = this.#last + timeoutMs;
    this.#idleMs = idleMs;
    this.#run(fire).catch(() => {});
  }

  /** Records progress (bytes or headers arrived). */
  touch = (): void => {
    this.#last = this.#clock.now();
  };

  /** Cancels the timer. */
  stop(): void {
    this.#stop.abort(STOP);
  }

  async #run(fire: (idle: boolean) => void): Promise<void> {
    const signal = this.#stop.signal;
    let graced = false;
    for (;;) {
      const now = this.#clock.now();
      if (now >= this.#deadline) return fire(false);
      const idleAt = this.#last + this.#idleMs;
      if (now >= idleAt) return fire(true);
      const wake = Math.min(this.#deadline, idleAt);
      await this.#clock.sleep(wake - now, signal);
      // Woken late, the event loop itself was blocked (a long parse, a busy
      // callback): bytes that arrived meanwhile are not seen yet. Let I/O
      // run once before judging, so a stall of ours is not blamed on the
      // server.
      if (!graced && this.#clock.now() - wake > LATE_MS) {
        graced = true;
        await this.#clock.sleep(1, signal);
      } else {
        graced = false;
      }
    }
  }
}
