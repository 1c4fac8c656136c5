/**
 * A circuit breaker (Nygard, "Release It!"): stop calling a failing service
 * for a while, then let one trial call probe it.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import { CircuitOpenError } from "./circuit_open_error.ts";

/** The state of a circuit breaker. */
export type CircuitState = "closed" | "open" | "half-open";

/** Options for {@linkcode CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Failures within `windowMs` that open the circuit; a positive integer. */
  failureThreshold: number;
  /** Length of the sliding window in which failures are counted, ms. */
  windowMs: number;
  /** How long the circuit stays open before one trial call, ms. */
  cooldownMs: number;
  /**
   * The clock that times the window and the cooldown.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Decides which errors thrown by `fn` count as failures. Errors that do not
   * count are rethrown and treated as successes (the service answered).
   *
   * @default {() => true}
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * Called synchronously on every transition. Leaving `open` is noticed
   * lazily (the breaker holds no timer), when the breaker is next used or
   * inspected. Must not throw.
   *
   * @default {undefined}
   */
  onStateChange?: (state: CircuitState, previous: CircuitState) => void;
  /**
   * Identifies the circuit in {@linkcode CircuitOpenError.key} (the keyed
   * breaker sets it to the key).
   *
   * @default {undefined}
   */
  key?: unknown;
}

/** Options for {@linkcode CircuitBreaker.prototype.run}. */
export interface CircuitRunOptions {
  /**
   * If already aborted, `fn` is not called and the call rejects with
   * `signal.reason`. If `fn` rejects with `signal.reason` after an abort, the
   * rejection counts as neither failure nor success (a trial slot is freed).
   */
  signal?: AbortSignal;
}

/**
 * A circuit breaker.
 *
 * - **closed**: calls go through; failures are counted in a sliding window of
 *   `windowMs`, and `failureThreshold` of them open the circuit.
 * - **open**: {@linkcode CircuitBreaker.prototype.run} throws
 *   {@linkcode CircuitOpenError} (with `retryAt`) without calling `fn`, for
 *   `cooldownMs`.
 * - **half-open**: after the cooldown, exactly one trial call is let
 *   through; concurrent calls are rejected with `CircuitOpenError`. A
 *   success closes the circuit (forgetting past failures), a failure opens it
 *   again for a new cooldown.
 *
 * Outcomes of calls that started in an earlier state (a call still running
 * when the circuit opened) are ignored unless the circuit is closed.
 *
 * @example Opening after three failures
 * ```ts
 * import { CircuitBreaker, CircuitOpenError } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const breaker = new CircuitBreaker({
 *   failureThreshold: 3,
 *   windowMs: 10_000,
 *   cooldownMs: 30_000,
 *   clock,
 * });
 * const fail = () => Promise.reject(new Error("503"));
 * for (let i = 0; i < 3; i++) await breaker.run(fail).catch(() => {});
 * assert.equal(breaker.state, "open");
 * await assert.rejects(breaker.run(() => Promise.resolve(1)), CircuitOpenError);
 * await clock.tick(30_000);
 * assert.equal(breaker.state, "half-open");
 * assert.equal(await breaker.run(() => Promise.resolve(1)), 1);
 * assert.equal(breaker.state, "closed");
 * ```
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #windowMs: number;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #onStateChange:
    | ((state: CircuitState, previous: CircuitState) => void)
    | undefined;
  readonly #key: unknown;
  #state: CircuitState = "closed";
  #failures: number[] = [];
  #openUntil = -Infinity;
  #trial: object | undefined;
  #lastError: unknown;

  /**
   * Creates a closed breaker.
   *
   * @param options Threshold, window, cooldown, clock and hooks.
   */
  constructor(options: CircuitBreakerOptions) {
    const {
      failureThreshold,
      windowMs,
      cooldownMs,
      clock = systemClock,
      isFailure = () => true,
      onStateChange,
      key,
    } = options ?? {};
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
      throw new RangeError(
        `Cannot create CircuitBreaker as 'failureThreshold' must be a positive integer: current value is ${failureThreshold}`,
      );
    }
    if (typeof windowMs !== "number" || !(windowMs > 0)) {
      throw new RangeError(
        `Cannot create CircuitBreaker as 'windowMs' must be a positive number: current value is ${windowMs}`,
      );
    }
    if (
      typeof cooldownMs !== "number" || !(cooldownMs >= 0) ||
      !Number.isFinite(cooldownMs)
    ) {
      throw new RangeError(
        `Cannot create CircuitBreaker as 'cooldownMs' must be a non-negative finite number: current value is ${cooldownMs}`,
      );
    }
    if (typeof isFailure !== "function") {
      throw new TypeError(
        `Cannot create CircuitBreaker as 'isFailure' must be a function: current value is ${isFailure}`,
      );
    }
    this.#threshold = failureThreshold;
    this.#windowMs = windowMs;
    this.#cooldownMs = cooldownMs;
    this.#clock = clock;
    this.#isFailure = isFailure;
    this.#onStateChange = onStateChange;
    this.#key = key;
  }

  /** The current state (an elapsed cooldown turns `open` into `half-open`). */
  get state(): CircuitState {
    this.#update();
    return this.#state;
  }

  /**
   * Clock time from which a call may be let through: the end of the
   * cooldown while open; `now + cooldownMs` while a half-open trial is in
   * flight; otherwise now.
   */
  get retryAt(): number {
    this.#update();
    const now = this.#clock.now();
    if (this.#state === "open") return this.#openUntil;
    if (this.#state === "half-open" && this.#trial) {
      return now + this.#cooldownMs;
    }
    return now;
  }

  /** Failures counted in the current window (0 unless closed). */
  get failures(): number {
    this.#update();
    this.#prune(this.#clock.now());
    return this.#failures.length;
  }

  /**
   * Calls `fn` through the breaker.
   *
   * @example Usage
   * ```ts
   * import { CircuitBreaker } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const breaker = new CircuitBreaker({
   *   failureThreshold: 5,
   *   windowMs: 60_000,
   *   cooldownMs: 30_000,
   * });
   * assert.equal(await breaker.run(async () => "ok"), "ok");
   * ```
   *
   * @typeParam T What `fn` resolves to.
   * @param fn The call to protect.
   * @param options An abort signal.
   * @returns What `fn` resolves to; rejects with what `fn` throws, or with
   * {@linkcode CircuitOpenError} without calling `fn` while the circuit is
   * open (or half-open with the trial in flight).
   */
  async run<T>(fn: () => Promise<T>, options?: CircuitRunOptions): Promise<T> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    this.#update();
    let token: object | undefined;
    if (this.#state === "open") {
      throw new CircuitOpenError(this.#openUntil, {
        key: this.#key,
        cause: this.#lastError,
      });
    }
    if (this.#state === "half-open") {
      if (this.#trial) {
        throw new CircuitOpenError(this.#clock.now() + this.#cooldownMs, {
          key: this.#key,
          cause: this.#lastError,
        });
      }
      token = this.#trial = {};
    }
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      const isTrial = token !== undefined && this.#trial === token;
      if (isTrial) this.#trial = undefined;
      if (signal?.aborted && error === signal.reason) throw error;
      if (this.#isFailure(error)) this.#failure(error, isTrial);
      else this.#success(isTrial);
      throw error;
    }
    const isTrial = token !== undefined && this.#trial === token;
    if (isTrial) this.#trial = undefined;
    this.#success(isTrial);
    return value;
  }

  /**
   * Records a success observed outside {@linkcode run}: closes a half-open
   * circuit; does nothing otherwise.
   *
   * @example Usage
   * ```ts
   * import { CircuitBreaker } from "@trawl/trawl/concurrency";
   *
   * const breaker = new CircuitBreaker({
   *   failureThreshold: 1,
   *   windowMs: 1_000,
   *   cooldownMs: 0,
   * });
   * breaker.recordFailure();
   * console.log(breaker.state); // "half-open" (the cooldown is 0)
   * breaker.recordSuccess();
   * console.log(breaker.state); // "closed"
   * ```
   */
  recordSuccess(): void {
    this.#update();
    this.#success(true);
  }

  /**
   * Records a failure observed outside {@linkcode run}: counts it while
   * closed (possibly opening the circuit), reopens a half-open circuit, and
   * is ignored while open.
   *
   * @example Usage
   * ```ts
   * import { CircuitBreaker } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const breaker = new CircuitBreaker({
   *   failureThreshold: 2,
   *   windowMs: 1_000,
   *   cooldownMs: 5_000,
   * });
   * breaker.recordFailure();
   * assert.equal(breaker.state, "closed");
   * breaker.recordFailure(new Error("reset"));
   * assert.equal(breaker.state, "open");
   * ```
   *
   * @param error The failure, kept as the `cause` of later
   * {@linkcode CircuitOpenError}s.
   */
  recordFailure(error?: unknown): void {
    this.#update();
    this.#failure(error, true);
  }

  #update(): void {
    if (this.#state === "open" && this.#clock.now() >= this.#openUntil) {
      this.#transition("half-open");
    }
  }

  #prune(now: number): void {
    const from = now - this.#windowMs;
    let i = 0;
    while (i < this.#failures.length && this.#failures[i] <= from) i++;
    if (i > 0) this.#failures.splice(0, i);
  }

  #success(decides: boolean): void {
    if (this.#state === "half-open" && decides) this.#transition("closed");
  }

  #failure(error: unknown, decides: boolean): void {
    if (this.#state === "closed") {
      const now = this.#clock.now();
      this.#prune(now);
      this.#failures.push(now);
      if (this.#failures.length >= this.#threshold) {
        this.#lastError = error;
        this.#transition("open");
      }
    } else if (this.#state === "half-open" && decides) {
      this.#lastError = error;
      this.#transition("open");
    }
  }

  #transition(state: CircuitState): void {
    const previous = this.#state;
    this.#state = state;
    this.#trial = undefined;
    this.#failures = [];
    if (state === "open") {
      this.#openUntil = this.#clock.now() + this.#cooldownMs;
    } else if (state === "closed") {
      this.#lastError = undefined;
    }
    this.#onStateChange?.(state, previous);
  }
}
