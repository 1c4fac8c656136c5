/**
 * Gives the event loop a turn when work has run on promises alone for too
 * long, like asyncio's `await asyncio.sleep(0)` or Trio's checkpoints.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { abortable } from "./_abortable.ts";
import { type Clock, systemClock } from "./clock.ts";

/** Options for {@linkcode LoopYield}. */
export interface LoopYieldOptions {
  /**
   * The longest run of work between two turns of the event loop, ms.
   *
   * @default {10}
   */
  budgetMs?: number;
  /**
   * The clock that measures the budget.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/** Options for {@linkcode LoopYield.prototype.maybeYield}. */
export interface LoopYieldWaitOptions {
  /** Ends the wait early: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The default of {@linkcode LoopYieldOptions.budgetMs}, ms. */
const BUDGET_MS = 10;

const DONE: Promise<void> = Promise.resolve();

/**
 * Lets timers, I/O and messages run between the steps of a loop whose
 * awaits may all resolve at once.
 *
 * A promise that is already resolved continues in a microtask, and the
 * event loop takes its next turn (a macrotask: a timer, an I/O completion,
 * a message) only when no microtask is left. So a loop that awaits only
 * work that needs no I/O (a crawl skipping a million URLs that robots.txt
 * disallows, each step handing a result to the next through bounded queues)
 * holds the event loop for as long as it runs: responses already received
 * wait unread, timers fire late and blame the server, and a message (a
 * Ctrl-C sent to a crawl thread) waits too. {@linkcode maybeYield} costs a
 * clock reading while the budget lasts; past it, every loop that calls it
 * waits for one turn of the event loop (`setImmediate`, which Deno does not
 * clamp as it clamps a nested `setTimeout(0)` to a few milliseconds), and
 * the budget starts again.
 *
 * @example Skipping many items without holding the event loop
 * ```ts
 * import { LoopYield } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const turns = new LoopYield({ budgetMs: 5 });
 * let timerRan = false;
 * setTimeout(() => timerRan = true, 0);
 * const started = performance.now();
 * while (!timerRan) {
 *   await Promise.resolve(); // a step that needs no I/O
 *   await turns.maybeYield();
 * }
 * assert.ok(performance.now() - started < 1000);
 * ```
 */
export class LoopYield {
  readonly #budgetMs: number;
  readonly #clock: Clock;
  /** When the event loop last had a turn here (clock time). */
  #since: number;
  /** The turn being waited for, shared by every caller. */
  #turn: Promise<void> | undefined;

  /**
   * Makes a yielder whose budget starts now.
   *
   * @param options The budget and the clock.
   * @throws {RangeError} When `budgetMs` is negative or not finite.
   */
  constructor(options: LoopYieldOptions = {}) {
    const budget = options.budgetMs ?? BUDGET_MS;
    if (!Number.isFinite(budget) || budget < 0) {
      throw new RangeError(
        `Cannot create LoopYield as 'budgetMs' must be a finite number >= 0: current value is ${budget}`,
      );
    }
    this.#budgetMs = budget;
    this.#clock = options.clock ?? systemClock;
    this.#since = this.#clock.now();
  }

  /**
   * Resolves at once while the budget lasts; past it, after the event loop
   * has taken a turn.
   *
   * @example
   * ```ts
   * import { LoopYield } from "@trawl/trawl/concurrency";
   *
   * const turns = new LoopYield();
   * for (let i = 0; i < 1000; i++) {
   *   await turns.maybeYield(); // cheap: a clock reading, most of the time
   * }
   * ```
   *
   * @param options The signal that ends the wait.
   * @returns A promise that resolves when the caller may go on.
   */
  maybeYield(options: LoopYieldWaitOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let turn = this.#turn;
    if (turn === undefined) {
      if (this.#clock.now() - this.#since < this.#budgetMs) return DONE;
      turn = this.#turn = new Promise<void>((resolve) =>
        setImmediate(() => {
          this.#turn = undefined;
          this.#since = this.#clock.now();
          resolve();
        })
      );
    }
    return signal === undefined ? turn : abortable(turn, signal);
  }
}
