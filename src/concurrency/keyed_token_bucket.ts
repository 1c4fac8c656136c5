/**
 * One token bucket per key (per host), created on demand and forgotten when
 * idle.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import { type TakeOptions, TokenBucket } from "./token_bucket.ts";

/** Options for {@linkcode KeyedTokenBucket}. */
export interface KeyedTokenBucketOptions {
  /** The default rate of every key, tokens per second; positive and finite. */
  rate: number;
  /**
   * Capacity of each key's bucket. Buckets start full.
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

/** Operations between two sweeps of idle buckets, at least. */
const MIN_SWEEP_INTERVAL = 64;

/**
 * A {@linkcode TokenBucket} per key, for per-host politeness: each key has
 * its own rate, burst, FIFO queue and pause.
 *
 * Memory does not grow with every key ever seen: a bucket that is full, has
 * no waiters and is not paused is indistinguishable from a fresh one, so it
 * is dropped (in an amortised sweep, and whenever {@linkcode size} is read)
 * and recreated on demand. Rates set with {@linkcode setRate} are kept
 * separately, in a map of overrides that holds one number per key whose rate
 * differs from the default (setting a key back to the default rate removes
 * its entry); that map is the only per-key state that outlives idleness.
 *
 * @example Crawl-delay per host
 * ```ts
 * import { KeyedTokenBucket } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const hosts = new KeyedTokenBucket({ rate: 10, clock });
 * hosts.setRate("slow.example", 1 / 5); // Crawl-delay: 5
 * await hosts.take("slow.example");
 * await hosts.take("fast.example");
 * assert.equal(hosts.tryTake("slow.example"), false);
 * await clock.tick(5_000);
 * assert.equal(hosts.tryTake("slow.example"), true);
 * ```
 *
 * @typeParam K The key type (a host name by default).
 */
export class KeyedTokenBucket<K = string> {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<K, TokenBucket>();
  readonly #rates = new Map<K, number>();
  #ops = 0;

  /**
   * Creates an empty set of buckets.
   *
   * @param options The default rate, the capacity and the clock.
   */
  constructor(options: KeyedTokenBucketOptions) {
    const { rate, burst = 1, clock = systemClock } = options ?? {};
    // Validates the options with TokenBucket's messages.
    new TokenBucket({ rate, burst, clock });
    this.#rate = rate;
    this.#burst = burst;
    this.#clock = clock;
  }

  /** The default rate, tokens per second. */
  get rate(): number {
    return this.#rate;
  }

  /**
   * How many buckets are held (reading it forgets the idle ones first, so it
   * costs O(size)).
   */
  get size(): number {
    this.#sweep();
    return this.#buckets.size;
  }

  /**
   * Takes `n` tokens from `key`'s bucket, waiting FIFO behind that key's
   * earlier waiters.
   *
   * @example Usage
   * ```ts
   * import { KeyedTokenBucket } from "@trawl/trawl/concurrency";
   *
   * const hosts = new KeyedTokenBucket({ rate: 100 });
   * await hosts.take("example.com");
   * ```
   *
   * @param key The key (host).
   * @param n How many tokens; positive, no larger than `burst`.
   * @default {1}
   * @param options An abort signal that removes the waiter.
   * @returns A promise that resolves once the tokens are taken, or rejects
   * with `signal.reason` on abort.
   */
  take(key: K, n = 1, options?: TakeOptions): Promise<void> {
    this.#tick();
    const bucket = this.#bucket(key);
    return bucket.take(n, options);
  }

  /**
   * Takes `n` tokens from `key`'s bucket if available now.
   *
   * @example Usage
   * ```ts
   * import { KeyedTokenBucket } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const hosts = new KeyedTokenBucket({ rate: 1 });
   * assert.equal(hosts.tryTake("a"), true);
   * assert.equal(hosts.tryTake("a"), false);
   * assert.equal(hosts.tryTake("b"), true);
   * ```
   *
   * @param key The key (host).
   * @param n How many tokens; positive, no larger than `burst`.
   * @default {1}
   * @returns Whether the tokens were taken.
   */
  tryTake(key: K, n = 1): boolean {
    this.#tick();
    const bucket = this.#bucket(key);
    return bucket.tryTake(n);
  }

  /**
   * Sets `key`'s rate (for example `1 / crawlDelaySeconds`); waiters on the
   * key are rescheduled. The rate is remembered even after the key's bucket
   * is forgotten.
   *
   * @example Usage
   * ```ts
   * import { KeyedTokenBucket } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const hosts = new KeyedTokenBucket({ rate: 10 });
   * hosts.setRate("example.com", 0.5);
   * assert.equal(hosts.rateOf("example.com"), 0.5);
   * assert.equal(hosts.rateOf("other.example"), 10);
   * ```
   *
   * @param key The key (host).
   * @param rate Tokens per second; positive and finite.
   */
  setRate(key: K, rate: number): void {
    if (typeof rate !== "number" || !(rate > 0) || !Number.isFinite(rate)) {
      throw new RangeError(
        `Cannot set rate as 'rate' must be a positive finite number: current value is ${rate}`,
      );
    }
    if (rate === this.#rate) this.#rates.delete(key);
    else this.#rates.set(key, rate);
    this.#buckets.get(key)?.setRate(rate);
  }

  /**
   * The rate of `key`: its override, else the default.
   *
   * @example Usage
   * ```ts
   * import { KeyedTokenBucket } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const hosts = new KeyedTokenBucket({ rate: 2 });
   * assert.equal(hosts.rateOf("example.com"), 2);
   * ```
   *
   * @param key The key (host).
   * @returns Tokens per second.
   */
  rateOf(key: K): number {
    return this.#rates.get(key) ?? this.#rate;
  }

  /**
   * Hands out no token for `key` before clock time `time` (`Retry-After`).
   * Never shortens an existing pause.
   *
   * @example Usage
   * ```ts
   * import { KeyedTokenBucket } from "@trawl/trawl/concurrency";
   * import { FakeClock } from "@trawl/trawl/testing";
   * import assert from "node:assert/strict";
   *
   * const clock = new FakeClock();
   * const hosts = new KeyedTokenBucket({ rate: 10, clock });
   * hosts.pauseUntil("example.com", 120_000);
   * assert.equal(hosts.tryTake("example.com"), false);
   * assert.equal(hosts.tryTake("other.example"), true);
   * ```
   *
   * @param key The key (host).
   * @param time A reading of the clock (`clock.now()` timeline).
   */
  pauseUntil(key: K, time: number): void {
    this.#tick();
    this.#bucket(key).pauseUntil(time);
  }

  #bucket(key: K): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({
        rate: this.rateOf(key),
        burst: this.#burst,
        clock: this.#clock,
      });
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #tick(): void {
    if (++this.#ops >= Math.max(MIN_SWEEP_INTERVAL, this.#buckets.size)) {
      this.#sweep();
    }
  }

  #sweep(): void {
    this.#ops = 0;
    const now = this.#clock.now();
    for (const [key, bucket] of this.#buckets) {
      if (
        bucket.waiting === 0 &&
        bucket.pausedUntil <= now &&
        bucket.tokens >= this.#burst
      ) {
        this.#buckets.delete(key);
      }
    }
  }
}
