/**
 * The timers of fetch attempts: each attempt's total deadline and idle
 * limit, all kept by one sleep per clock instead of a timer per attempt.
 *
 * @module
 */
import { STOP } from "../concurrency/_stop.ts";
import type { Clock } from "../concurrency/clock.ts";

/** A timer firing later than this (ms) means the event loop was blocked. */
const LATE_MS = 25;

/** One attempt's limits, as {@linkcode Watchdogs.watch} returns them. */
export interface Watch {
  /** Records progress (bytes or headers arrived). */
  touch(): void;
  /** Stops watching (the attempt is over). */
  stop(): void;
}

class Entry implements Watch {
  readonly deadline: number;
  readonly idleMs: number;
  last: number;
  readonly fire: (idle: boolean) => void;
  readonly #owner: Watchdogs;
  readonly #clock: Clock;

  constructor(
    owner: Watchdogs,
    clock: Clock,
    timeoutMs: number,
    idleMs: number,
    fire: (idle: boolean) => void,
  ) {
    this.#owner = owner;
    this.#clock = clock;
    this.last = clock.now();
    this.deadline = this.last + timeoutMs;
    this.idleMs = idleMs;
    this.fire = fire;
  }

  /** When a limit passes, if nothing happens before. */
  get wake(): number {
    return Math.min(this.deadline, this.last + this.idleMs);
  }

  touch = (): void => {
    this.last = this.#clock.now();
  };

  stop(): void {
    this.#owner.forget(this);
  }
}

const byClock = new WeakMap<Clock, Watchdogs>();

/**
 * The watchdogs of every attempt on one clock: one sleep, until the earliest
 * limit of any attempt. An attempt that makes progress only moves its own
 * limit; the sleep is re-armed when it wakes, or when an attempt needs it
 * sooner. When a limit passes its `fire` is called once (`idle` tells
 * which), and the attempt is forgotten.
 *
 * @example Cut a request off after 1 s in all, or 300 ms without bytes
 * ```ts
 * import { Watchdogs } from "./watchdog.ts";
 * import { FakeClock } from "../concurrency/fake_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * let fired: boolean | undefined;
 * const watch = Watchdogs.for(clock).watch(1000, 300, (idle) => (fired = idle));
 * await clock.tick(200);
 * watch.touch(); // bytes arrived: idle again from now
 * await clock.tick(299);
 * assert.equal(fired, undefined);
 * await clock.tick(1);
 * assert.equal(fired, true);
 * watch.stop();
 * ```
 */
export class Watchdogs {
  readonly #clock: Clock;
  readonly #entries = new Set<Entry>();
  /** The running sleep: when it wakes, and how to cut it short. */
  #sleep?: { until: number; stop: AbortController };

  /**
   * The watchdogs of `clock` (one set per clock, made on first use).
   *
   * @param clock The time source.
   * @returns Its watchdogs.
   */
  static for(clock: Clock): Watchdogs {
    let dogs = byClock.get(clock);
    if (!dogs) byClock.set(clock, dogs = new Watchdogs(clock));
    return dogs;
  }

  private constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Attempts being watched. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Watches one attempt from now.
   *
   * @param timeoutMs The total deadline, from now.
   * @param idleMs The longest wait without progress.
   * @param fire Called once when a limit passes: `idle` tells which.
   * @returns The attempt's handle: `touch` on progress, `stop` when done.
   */
  watch(
    timeoutMs: number,
    idleMs: number,
    fire: (idle: boolean) => void,
  ): Watch {
    const entry = new Entry(this, this.#clock, timeoutMs, idleMs, fire);
    this.#entries.add(entry);
    const sleep = this.#sleep;
    if (sleep === undefined) this.#arm(entry.wake);
    else if (entry.wake < sleep.until) {
      sleep.stop.abort(STOP);
      this.#arm(entry.wake);
    }
    return entry;
  }

  /**
   * Stops watching an attempt (its {@linkcode Watch.stop}).
   *
   * @param entry The attempt.
   */
  forget(entry: Watch): void {
    if (!this.#entries.delete(entry as Entry)) return;
    if (this.#entries.size === 0 && this.#sleep) {
      this.#sleep.stop.abort(STOP);
      this.#sleep = undefined;
    }
  }

  /** Sleeps until `until`, then fires what is due and sleeps again. */
  #arm(until: number): void {
    const sleep = { until, stop: new AbortController() };
    this.#sleep = sleep;
    const clock = this.#clock;
    const ms = Math.max(0, until - clock.now());
    clock.sleep(ms, sleep.stop.signal).then(async () => {
      // Woken late, the event loop itself was blocked (a long parse, a
      // busy callback): bytes that arrived meanwhile are not seen yet. Let
      // I/O run once before judging, so a stall of ours is not blamed on
      // the server.
      if (clock.now() - until > LATE_MS) {
        await clock.sleep(1, sleep.stop.signal);
      }
      if (this.#sleep === sleep) this.#sleep = undefined;
      this.#check();
    }).catch(() => {});
  }

  /** Fires the attempts past a limit; re-arms for the earliest other. */
  #check(): void {
    const now = this.#clock.now();
    let next = Infinity;
    for (const entry of this.#entries) {
      if (now >= entry.deadline || now >= entry.last + entry.idleMs) {
        this.#entries.delete(entry);
        entry.fire(now < entry.deadline);
      } else {
        next = Math.min(next, entry.wake);
      }
    }
    if (next !== Infinity && this.#sleep === undefined) this.#arm(next);
  }
}
