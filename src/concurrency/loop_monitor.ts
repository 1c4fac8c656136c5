/**
 * Event loop stall detection with attribution, like asyncio's debug mode.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { ContextVar } from "./context_var.ts";

/** A stall of the event loop. */
export interface StallReport {
  /** How long the loop was blocked, ms. */
  durationMs: number;
  /**
   * The watched context variables (name → value) of the code that blocked;
   * empty when unattributed.
   */
  context: Record<string, unknown>;
  /**
   * `true` when reported by {@linkcode LoopMonitor.prototype.track} for the
   * section that blocked; `false` when found by the drift timer outside any
   * tracked section ("unattributed").
   */
  attributed: boolean;
  /** Clock time at which the stall began (estimated when unattributed). */
  at: number;
}

/** Options for {@linkcode LoopMonitor}. */
export interface LoopMonitorOptions {
  /**
   * A block longer than this is a stall, ms.
   *
   * @default {100}
   */
  thresholdMs?: number;
  /**
   * Period of the drift timer, ms.
   *
   * @default {thresholdMs / 2}
   */
  intervalMs?: number;
  /**
   * Context variables whose values are snapshot by `track` for attribution.
   *
   * @default {[]}
   */
  vars?: ContextVar<unknown>[];
  /** Receives each stall report. Must not throw. */
  onStall: (report: StallReport) => void;
  /**
   * The clock that measures durations.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

type TimerId = ReturnType<typeof setTimeout>;

/** Keeps a timer from holding the process open, where the runtime allows. */
function unref(id: TimerId): void {
  const deno = (globalThis as {
    Deno?: { unrefTimer?: (id: number) => void };
  }).Deno;
  if (typeof id === "number" && typeof deno?.unrefTimer === "function") {
    deno.unrefTimer(id);
  } else if (
    typeof id === "object" && id !== null &&
    typeof (id as { unref?: () => void }).unref === "function"
  ) {
    (id as { unref: () => void }).unref();
  }
}

/**
 * Watches the event loop for stalls (synchronous work that blocks it) and
 * says which request caused them.
 *
 * - **Detection**: while started, a timer fires every `intervalMs` and
 *   measures how late it is; later than `thresholdMs` is reported as an
 *   *unattributed* stall (`attributed: false`, empty `context`). The timer
 *   does not keep the process alive and is cleared by `stop()`.
 * - **Attribution**: {@linkcode LoopMonitor.prototype.track} runs a
 *   synchronous section (a parse, a handler) and, if it ran longer than
 *   `thresholdMs`, reports it at once with a snapshot of `vars` taken before
 *   it ran (`attributed: true`). The drift timer subtracts time already
 *   reported this way, so one stall is never reported twice. Nested
 *   `track` calls report the innermost section that exceeded the threshold;
 *   an outer section reports only its own remaining time.
 *
 * @example Attributing a slow parse to its URL
 * ```ts
 * import { ContextVar, LoopMonitor, type StallReport } from "@trawl/trawl/concurrency";
 *
 * const url = new ContextVar<string>("url");
 * const stalls: StallReport[] = [];
 * using monitor = new LoopMonitor({
 *   thresholdMs: 100,
 *   vars: [url],
 *   onStall: (report) => stalls.push(report),
 * });
 * monitor.start();
 * url.run("https://example.com/", () =>
 *   monitor.track(() => {
 *     // a synchronous parse of a large page
 *   }));
 * console.log(stalls.length); // 0: the parse was quick
 * ```
 */
export class LoopMonitor {
  readonly #thresholdMs: number;
  readonly #intervalMs: number;
  readonly #vars: ContextVar<unknown>[];
  readonly #onStall: (report: StallReport) => void;
  readonly #clock: Clock;
  #timer: TimerId | undefined;
  #last = 0;
  /** Time reported by `track` since the last drift check, ms. */
  #attributedMs = 0;
  /** Time reported by nested `track` calls inside the current one, ms. */
  #nestedMs = 0;
  #depth = 0;

  /**
   * Creates a stopped monitor.
   *
   * @param options Threshold, interval, watched variables, handler and clock.
   */
  constructor(options: LoopMonitorOptions) {
    const {
      thresholdMs = 100,
      vars = [],
      onStall,
      clock = systemClock,
    } = options ?? {};
    if (
      typeof thresholdMs !== "number" || !(thresholdMs > 0) ||
      !Number.isFinite(thresholdMs)
    ) {
      throw new RangeError(
        `Cannot create LoopMonitor as 'thresholdMs' must be a positive finite number: current value is ${thresholdMs}`,
      );
    }
    const intervalMs = options.intervalMs ?? thresholdMs / 2;
    if (
      typeof intervalMs !== "number" || !(intervalMs > 0) ||
      !Number.isFinite(intervalMs)
    ) {
      throw new RangeError(
        `Cannot create LoopMonitor as 'intervalMs' must be a positive finite number: current value is ${intervalMs}`,
      );
    }
    if (typeof onStall !== "function") {
      throw new TypeError(
        `Cannot create LoopMonitor as 'onStall' must be a function: current value is ${onStall}`,
      );
    }
    this.#thresholdMs = thresholdMs;
    this.#intervalMs = intervalMs;
    this.#vars = [...vars];
    this.#onStall = onStall;
    this.#clock = clock;
  }

  /** Whether the monitor is started. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Starts the drift timer and attribution by `track`. Does nothing if
   * already started.
   *
   * @example Usage
   * ```ts
   * import { LoopMonitor } from "@trawl/trawl/concurrency";
   *
   * const monitor = new LoopMonitor({ onStall: (r) => console.warn(r) });
   * monitor.start();
   * monitor.stop();
   * ```
   */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#last = this.#clock.now();
    this.#attributedMs = 0;
    this.#arm();
  }

  /**
   * Stops the monitor and clears its timer. Does nothing if stopped.
   *
   * @example Usage
   * ```ts
   * import { LoopMonitor } from "@trawl/trawl/concurrency";
   *
   * const monitor = new LoopMonitor({ onStall: () => {} });
   * monitor.start();
   * monitor.stop();
   * console.log(monitor.running); // false
   * ```
   */
  stop(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the monitor (`using monitor = new LoopMonitor(...)`). */
  [Symbol.dispose](): void {
    this.stop();
  }

  /**
   * Runs `fn` synchronously and, while the monitor is started, reports a
   * stall attributed to the current values of `vars` if `fn` took longer than
   * `thresholdMs`. Only the synchronous part of `fn` is measured (for an
   * async function, the part before its first `await`). Errors thrown by
   * `fn` propagate after the measurement.
   *
   * @example Usage
   * ```ts
   * import { LoopMonitor } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * using monitor = new LoopMonitor({ onStall: () => {} });
   * monitor.start();
   * assert.equal(monitor.track(() => 42), 42);
   * ```
   *
   * @typeParam T What `fn` returns.
   * @param fn The synchronous section to run.
   * @returns What `fn` returns.
   */
  track<T>(fn: () => T): T {
    if (this.#timer === undefined) return fn();
    const context: Record<string, unknown> = {};
    for (const v of this.#vars) context[v.name] = v.get();
    const outerNested = this.#nestedMs;
    this.#nestedMs = 0;
    this.#depth++;
    const start = this.#clock.now();
    try {
      return fn();
    } finally {
      const durationMs = this.#clock.now() - start;
      const ownMs = durationMs - this.#nestedMs;
      let accountedMs = this.#nestedMs;
      this.#depth--;
      if (ownMs > this.#thresholdMs && this.#timer !== undefined) {
        accountedMs = durationMs;
        this.#onStall({
          durationMs: ownMs,
          context,
          attributed: true,
          at: start,
        });
      }
      this.#nestedMs = outerNested + accountedMs;
      if (this.#depth === 0) {
        this.#attributedMs += this.#nestedMs;
        this.#nestedMs = 0;
      }
    }
  }

  #arm(): void {
    this.#timer = setTimeout(() => this.#check(), this.#intervalMs);
    unref(this.#timer);
  }

  #check(): void {
    const now = this.#clock.now();
    const lateMs = now - this.#last - this.#intervalMs - this.#attributedMs;
    this.#attributedMs = 0;
    this.#last = now;
    this.#arm();
    if (lateMs > this.#thresholdMs) {
      this.#onStall({
        durationMs: lateMs,
        context: {},
        attributed: false,
        at: now - lateMs,
      });
    }
  }
}
