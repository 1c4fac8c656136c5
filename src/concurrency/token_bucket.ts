/**
 * A token bucket rate limiter with FIFO waiters, run-time rate changes and
 * pauses.
 *
 * @module
 */
import { STOP } from "./_stop.ts";
import { type Clock, systemClock } from "./clock.ts";

/** Options for {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second; a positive finite number. */
  rate: number;
  /**
   * Capacity of the bucket: how many tokens can be taken at once after an
   * idle period. The bucket starts full.
   *
   * @default {1}
   */
  burst?: number;
  /**
   * The clock that measures refills and waits.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/** Options for {@linkcode TokenBucket.prototype.take}. */
export interface TakeOptions {
  /** Aborts the wait: the waiter leaves the queue and takes nothing. */
  signal?: AbortSignal;
}

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Tolerance for floating point refills (tokens). */
const EPSILON = 1e-9;
const RESOLVED: Promise<void> = Promise.resolve();

/** Validates a rate (tokens per second) for `what`. */
function checkRate(what: string, rate: number): void {
  if (typeof rate !== "number" || !(rate > 0) || !Number.isFinite(rate)) {
    throw new RangeError(
      `Cannot ${what} as 'rate' must be a positive finite number: current value is ${rate}`,
    );
  }
}

/** Validates a burst (capacity) for `what`. */
function checkBurst(what: string, burst: number): void {
  if (typeof burst !== "number" || !(burst > 0) || !Number.isFinite(burst)) {
    throw new RangeError(
      `Cannot ${what} as 'burst' must be a positive finite number: current value is ${burst}`,
    );
  }
}

/**
 * A token bucket: `rate` tokens per second accumulate up to `burst`, and each
 * {@linkcode TokenBucket.prototype.take} removes `n` of them, waiting exactly
 * as long as the deficit needs.
 *
 * - Waiters are served first in, first out: a later small `take` never
 *   overtakes an earlier large one.
 * - A wait is a single `clock.sleep` computed from the deficit (no polling);
 *   one timer serves the head of the queue and is cancelled when nobody
 *   waits, so an idle bucket holds no timer.
 * - {@linkcode TokenBucket.prototype.setRate} changes the rate at run time
 *   and reschedules the waiters; {@linkcode TokenBucket.prototype.pauseUntil}
 *   hands out no token before a clock time (for `Retry-After`).
 * - When a token is available and nobody waits, `take` returns an already
 *   resolved promise without allocating.
 *
 * @example Ten requests per second, with fake time
 * ```ts
 * import { TokenBucket } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const bucket = new TokenBucket({ rate: 10, clock });
 * await bucket.take(); // the bucket starts full
 * let done = false;
 * const next = bucket.take().then(() => (done = true));
 * await clock.tick(99);
 * assert.equal(done, false);
 * await clock.tick(1);
 * await next;
 * assert.equal(done, true);
 * ```
 *
 * @example Pausing for Retry-After
 * ```ts
 * import { TokenBucket } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const bucket = new TokenBucket({ rate: 100, clock });
 * bucket.pauseUntil(clock.now() + 5_000);
 * assert.equal(bucket.tryTake(), false);
 * await clock.tick(5_000);
 * assert.equal(bucket.tryTake(), true);
 * ```
 */
export class TokenBucket {
  #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #pausedUntil = -Infinity;
  #waiters: Waiter[] = [];
  #head = 0;
  #timer: AbortController | undefined;

  /**
   * Creates a full bucket.
   *
   * @param options The rate, capacity and clock.
   */
  constructor(options: TokenBucketOptions) {
    const { rate, burst = 1, clock = systemClock } = options ?? {};
    checkRate("create TokenBucket", rate);
    checkBurst("create TokenBucket", burst);
    this.#rate = rate;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Tokens added per second. */
  get rate(): number {
    return this.#rate;
  }

  /** The capacity of the bucket. */
  get burst(): number {
    return this.#burst;
  }

  /**
   * Tokens currently in the bucket, after refilling up to now. Tokens keep
   * accumulating during a pause (up to `burst`).
   */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** How many `take` calls are waiting. */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /**
   * The clock time before which no token is handed out (`-Infinity` when
   * never paused).
   */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /**
   * Takes `n` tokens, waiting until they are available and every earlier
   * waiter has been served.
   *
   * @example Usage
   * ```ts
   * import { TokenBucket } from "@trawl/trawl/concurrency";
   *
   * const bucket = new TokenBucket({ rate: 1000, burst: 5 });
   * await bucket.take(5);
   * ```
   *
   * @param n How many tokens; a positive number no larger than `burst`.
   * @default {1}
   * @param options An abort signal: aborting removes the waiter, which then
   * takes nothing.
   * @returns A promise that resolves once the tokens are taken, or rejects
   * with `signal.reason` on abort.
   * @throws {RangeError} If `n` is not a positive number no larger than
   * `burst` (thrown synchronously).
   */
  take(n = 1, options?: TakeOptions): Promise<void> {
    this.#checkN("take", n);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#head === this.#waiters.length && this.#available(n)) {
      this.#tokens = Math.max(0, this.#tokens - n);
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        n,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        waiter.onAbort = () => this.#abort(waiter);
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      if (this.waiting === 1) this.#schedule();
    });
  }

  /**
   * Takes `n` tokens if they are available right now and nobody is waiting.
   *
   * @example Usage
   * ```ts
   * import { TokenBucket } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const bucket = new TokenBucket({ rate: 1 });
   * assert.equal(bucket.tryTake(), true);
   * assert.equal(bucket.tryTake(), false);
   * ```
   *
   * @param n How many tokens; a positive number no larger than `burst`.
   * @default {1}
   * @returns Whether the tokens were taken.
   */
  tryTake(n = 1): boolean {
    this.#checkN("tryTake", n);
    if (this.#head !== this.#waiters.length || !this.#available(n)) {
      return false;
    }
    this.#tokens = Math.max(0, this.#tokens - n);
    return true;
  }

  /**
   * Changes the rate from now on. Tokens accumulated so far are kept, and
   * waiters are rescheduled for the new rate.
   *
   * @example Usage
   * ```ts
   * import { TokenBucket } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const bucket = new TokenBucket({ rate: 10 });
   * bucket.setRate(0.5); // Crawl-delay: 2
   * assert.equal(bucket.rate, 0.5);
   * ```
   *
   * @param rate Tokens per second; a positive finite number.
   */
  setRate(rate: number): void {
    checkRate("set rate", rate);
    this.#refill();
    this.#rate = rate;
    if (this.waiting > 0) this.#schedule();
  }

  /**
   * Hands out no token before clock time `time` (for `Retry-After`). A pause
   * is never shortened: the bucket stays paused until the latest time given.
   *
   * @example Usage
   * ```ts
   * import { TokenBucket } from "@trawl/trawl/concurrency";
   * import { FakeClock } from "@trawl/trawl/testing";
   * import assert from "node:assert/strict";
   *
   * const clock = new FakeClock();
   * const bucket = new TokenBucket({ rate: 10, clock });
   * bucket.pauseUntil(1_000);
   * const taken = bucket.take();
   * await clock.tick(1_000);
   * await taken;
   * assert.equal(clock.now(), 1_000);
   * ```
   *
   * @param time A reading of the bucket's clock (`clock.now()` timeline).
   */
  pauseUntil(time: number): void {
    if (typeof time !== "number" || Number.isNaN(time)) {
      throw new TypeError(
        `Cannot pause TokenBucket as 'time' must be a number: current value is ${time}`,
      );
    }
    if (time <= this.#pausedUntil) return;
    this.#pausedUntil = time;
    if (this.waiting > 0) this.#schedule();
  }

  #checkN(what: string, n: number): void {
    if (typeof n !== "number" || !(n > 0) || !Number.isFinite(n)) {
      throw new RangeError(
        `Cannot ${what} as 'n' must be a positive finite number: current value is ${n}`,
      );
    }
    if (n > this.#burst) {
      throw new RangeError(
        `Cannot ${what} as 'n' must not exceed the burst of ${this.#burst}: current value is ${n}`,
      );
    }
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(
        this.#burst,
        this.#tokens + (elapsed * this.#rate) / 1000,
      );
      this.#last = now;
    }
  }

  #available(n: number): boolean {
    if (this.#clock.now() < this.#pausedUntil) return false;
    this.#refill();
    return this.#tokens + EPSILON >= n;
  }

  /** Serves what can be served now, then sleeps once for the new head. */
  #schedule(): void {
    this.#timer?.abort(STOP);
    this.#timer = undefined;
    while (this.#head < this.#waiters.length) {
      const waiter = this.#waiters[this.#head];
      if (!this.#available(waiter.n)) break;
      this.#tokens = Math.max(0, this.#tokens - waiter.n);
      this.#shift();
      waiter.signal?.removeEventListener("abort", waiter.onAbort!);
      waiter.resolve();
    }
    if (this.#head === this.#waiters.length) return;
    const n = this.#waiters[this.#head].n;
    const now = this.#clock.now();
    const refillMs = Math.max(0, ((n - this.#tokens) * 1000) / this.#rate);
    const ms = Math.max(refillMs, this.#pausedUntil - now);
    const wakeAt = now + ms;
    const timer = new AbortController();
    this.#timer = timer;
    this.#clock.sleep(ms, timer.signal).then(() => {
      if (this.#timer !== timer) return;
      this.#timer = undefined;
      // Nothing changed since this wait was computed (changes cancel it), so
      // once its time has come the head's deficit is covered: absorb the
      // floating point error instead of sleeping again for a rounding residue.
      if (this.#clock.now() >= wakeAt && this.#head < this.#waiters.length) {
        this.#refill();
        this.#tokens = Math.max(this.#tokens, this.#waiters[this.#head].n);
      }
      this.#schedule();
    }, () => {});
  }

  #shift(): void {
    this.#head++;
    if (this.#head === this.#waiters.length) {
      this.#waiters = [];
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }

  #abort(waiter: Waiter): void {
    const i = this.#waiters.indexOf(waiter, this.#head);
    if (i < 0) return;
    const wasHead = i === this.#head;
    if (wasHead) this.#shift();
    else this.#waiters.splice(i, 1);
    waiter.reject(waiter.signal!.reason);
    if (wasHead) {
      if (this.waiting > 0) {
        this.#schedule();
      } else {
        this.#timer?.abort(STOP);
        this.#timer = undefined;
      }
    }
  }
}
