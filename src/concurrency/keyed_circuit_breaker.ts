/**
 * One circuit breaker per key (per host), created on demand and forgotten
 * when healthy.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import {
  CircuitBreaker,
  type CircuitRunOptions,
  type CircuitState,
} from "./circuit_breaker.ts";

/** Options for {@linkcode KeyedCircuitBreaker}. */
export interface KeyedCircuitBreakerOptions<K> {
  /** Failures of one key within `windowMs` that open its circuit. */
  failureThreshold: number;
  /** Length of the sliding window in which failures are counted, ms. */
  windowMs: number;
  /** How long a key's circuit stays open before one trial call, ms. */
  cooldownMs: number;
  /**
   * The clock that times windows and cooldowns.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Decides which errors count as failures.
   *
   * @default {() => true}
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * Called synchronously on every transition of a key's circuit. Must not
   * throw.
   *
   * @default {undefined}
   */
  onStateChange?: (key: K, state: CircuitState, previous: CircuitState) => void;
}

interface Entry {
  breaker: CircuitBreaker;
  active: number;
}

/** Operations between two sweeps of healthy breakers, at least. */
const MIN_SWEEP_INTERVAL = 64;

/**
 * A {@linkcode CircuitBreaker} per key, so one failing host does not stop
 * the others. {@linkcode CircuitOpenError.key} names the key.
 *
 * Memory does not grow with every key ever seen: a key whose circuit is
 * closed, with no failures in the current window and no call in flight, is
 * indistinguishable from a new one and is forgotten (right after its calls,
 * in an amortised sweep, and whenever {@linkcode size} is read).
 *
 * @example One failing host
 * ```ts
 * import { CircuitOpenError, KeyedCircuitBreaker } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const hosts = new KeyedCircuitBreaker({
 *   failureThreshold: 2,
 *   windowMs: 10_000,
 *   cooldownMs: 60_000,
 *   clock,
 * });
 * hosts.recordFailure("down.example");
 * hosts.recordFailure("down.example");
 * assert.equal(hosts.state("down.example"), "open");
 * assert.equal(hosts.retryAt("down.example"), 60_000);
 * await assert.rejects(
 *   hosts.run("down.example", async () => 200),
 *   CircuitOpenError,
 * );
 * assert.equal(await hosts.run("up.example", async () => 200), 200);
 * ```
 *
 * @typeParam K The key type (a host name by default).
 */
export class KeyedCircuitBreaker<K = string> {
  readonly #options: KeyedCircuitBreakerOptions<K>;
  readonly #entries = new Map<K, Entry>();
  #ops = 0;

  /**
   * Creates an empty set of breakers.
   *
   * @param options Threshold, window, cooldown, clock and hooks, for every key.
   */
  constructor(options: KeyedCircuitBreakerOptions<K>) {
    // Validates the options with CircuitBreaker's messages.
    new CircuitBreaker({ ...options, onStateChange: undefined });
    this.#options = { ...options };
  }

  /**
   * How many keys are held (reading it forgets the healthy ones first, so it
   * costs O(size)).
   */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  /**
   * Calls `fn` through `key`'s breaker.
   *
   * @example Usage
   * ```ts
   * import { KeyedCircuitBreaker } from "@trawl/trawl/concurrency";
   *
   * const hosts = new KeyedCircuitBreaker({
   *   failureThreshold: 5,
   *   windowMs: 60_000,
   *   cooldownMs: 30_000,
   * });
   * console.log(await hosts.run("example.com", async () => "ok"));
   * ```
   *
   * @typeParam T What `fn` resolves to.
   * @param key The key (host).
   * @param fn The call to protect.
   * @param options An abort signal.
   * @returns What `fn` resolves to; rejects with what `fn` throws, or with
   * {@linkcode CircuitOpenError} while `key`'s circuit is open.
   */
  async run<T>(
    key: K,
    fn: () => Promise<T>,
    options?: CircuitRunOptions,
  ): Promise<T> {
    this.#tick();
    const entry = this.#entry(key);
    entry.active++;
    try {
      return await entry.breaker.run(fn, options);
    } finally {
      entry.active--;
      this.#forget(key, entry);
    }
  }

  /**
   * The state of `key`'s circuit (`"closed"` for an unknown key).
   *
   * @example Usage
   * ```ts
   * import { KeyedCircuitBreaker } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const hosts = new KeyedCircuitBreaker({
   *   failureThreshold: 1,
   *   windowMs: 1_000,
   *   cooldownMs: 1_000,
   * });
   * assert.equal(hosts.state("example.com"), "closed");
   * ```
   *
   * @param key The key (host).
   * @returns The state.
   */
  state(key: K): CircuitState {
    const entry = this.#entries.get(key);
    if (!entry) return "closed";
    const state = entry.breaker.state;
    this.#forget(key, entry);
    return state;
  }

  /**
   * Clock time from which a call for `key` may be let through (now for a
   * closed circuit).
   *
   * @example Usage
   * ```ts
   * import { KeyedCircuitBreaker } from "@trawl/trawl/concurrency";
   * import { FakeClock } from "@trawl/trawl/testing";
   * import assert from "node:assert/strict";
   *
   * const clock = new FakeClock(100);
   * const hosts = new KeyedCircuitBreaker({
   *   failureThreshold: 1,
   *   windowMs: 1_000,
   *   cooldownMs: 1_000,
   *   clock,
   * });
   * assert.equal(hosts.retryAt("example.com"), 100);
   * hosts.recordFailure("example.com");
   * assert.equal(hosts.retryAt("example.com"), 1_100);
   * ```
   *
   * @param key The key (host).
   * @returns A clock time, ms.
   */
  retryAt(key: K): number {
    const entry = this.#entries.get(key);
    if (!entry) return (this.#options.clock ?? systemClock).now();
    const retryAt = entry.breaker.retryAt;
    this.#forget(key, entry);
    return retryAt;
  }

  /**
   * Records a success for `key` observed outside {@linkcode run} (closes a
   * half-open circuit).
   *
   * @example Usage
   * ```ts
   * import { KeyedCircuitBreaker } from "@trawl/trawl/concurrency";
   *
   * const hosts = new KeyedCircuitBreaker({
   *   failureThreshold: 3,
   *   windowMs: 1_000,
   *   cooldownMs: 1_000,
   * });
   * hosts.recordSuccess("example.com");
   * ```
   *
   * @param key The key (host).
   */
  recordSuccess(key: K): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.breaker.recordSuccess();
    this.#forget(key, entry);
  }

  /**
   * Records a failure for `key` observed outside {@linkcode run}.
   *
   * @example Usage
   * ```ts
   * import { KeyedCircuitBreaker } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const hosts = new KeyedCircuitBreaker({
   *   failureThreshold: 1,
   *   windowMs: 1_000,
   *   cooldownMs: 1_000,
   * });
   * hosts.recordFailure("example.com", new Error("timeout"));
   * assert.equal(hosts.state("example.com"), "open");
   * ```
   *
   * @param key The key (host).
   * @param error The failure, kept as the `cause` of later errors.
   */
  recordFailure(key: K, error?: unknown): void {
    this.#tick();
    const entry = this.#entry(key);
    entry.breaker.recordFailure(error);
    this.#forget(key, entry);
  }

  #entry(key: K): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      const { onStateChange } = this.#options;
      entry = {
        breaker: new CircuitBreaker({
          ...this.#options,
          key,
          onStateChange: onStateChange &&
            ((state, previous) => onStateChange(key, state, previous)),
        }),
        active: 0,
      };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #forget(key: K, entry: Entry): void {
    if (
      entry.active === 0 &&
      this.#entries.get(key) === entry &&
      entry.breaker.state === "closed" &&
      entry.breaker.failures === 0
    ) {
      this.#entries.delete(key);
    }
  }

  #tick(): void {
    if (++this.#ops >= Math.max(MIN_SWEEP_INTERVAL, this.#entries.size)) {
      this.#sweep();
    }
  }

  #sweep(): void {
    this.#ops = 0;
    for (const [key, entry] of this.#entries) this.#forget(key, entry);
  }
}
