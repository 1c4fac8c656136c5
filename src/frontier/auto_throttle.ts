/**
 * Auto-throttle (Scrapy's AutoThrottle): a per-host delay between requests
 * taken from the host's observed latency, so that on average
 * `targetConcurrency` requests are in flight to it. A slow host gets a long
 * delay, a fast one a short one; the delay never goes below the configured
 * rate's (nor a `Crawl-delay`'s: the frontier takes the lower rate of this
 * and the throttle) and never above `maxDelayMs`.
 *
 * @module
 */
import {
  check,
  NON_NEGATIVE_NUMBER,
  optional,
  POSITIVE_NUMBER,
} from "../options/validate.ts";

/** Options of auto-throttle. Every field is optional. */
export interface AutoThrottleOptions {
  /**
   * Requests in flight to one host that the delay aims at, on average.
   *
   * @default {1}
   */
  targetConcurrency?: number;
  /**
   * The delay of a host before its first answer, ms.
   *
   * @default {1000}
   */
  startDelayMs?: number;
  /**
   * The longest delay, ms.
   *
   * @default {60000}
   */
  maxDelayMs?: number;
}

/**
 * The defaults of {@linkcode AutoThrottleOptions} (its `@default` tags).
 *
 * @example
 * ```ts
 * import { AUTO_THROTTLE_DEFAULTS } from "./auto_throttle.ts";
 *
 * console.log(AUTO_THROTTLE_DEFAULTS.targetConcurrency); // 1
 * ```
 */
export const AUTO_THROTTLE_DEFAULTS = {
  targetConcurrency: 1,
  startDelayMs: 1_000,
  maxDelayMs: 60_000,
} as const;

/** An auto-throttle's numbers, all given (see {@linkcode AutoThrottle.rule}). */
export interface AutoThrottleRule {
  /** Requests in flight to one host that the delay aims at. */
  targetConcurrency: number;
  /** A host's delay before its first answer, ms. */
  startDelayMs: number;
  /** The shortest delay (the configured rate's), ms. */
  minDelayMs: number;
  /** The longest delay, ms. */
  maxDelayMs: number;
}

/**
 * Each host's delay, adjusted with every answer: the target delay is the
 * latency divided by the target concurrency, and the new delay the mean of
 * the old one and the target, but never below the target. An answer that is
 * not a 2xx may raise the delay, never lower it (error pages are small and
 * fast, and would otherwise speed up a failing host).
 *
 * @example A host that answers in 200 ms
 * ```ts
 * import { AutoThrottle } from "./auto_throttle.ts";
 * import assert from "node:assert/strict";
 *
 * const auto = new AutoThrottle({ startDelayMs: 1000 }, 0);
 * assert.equal(auto.rateOf("a.test"), 1);
 * auto.observe("a.test", 200, 200); // delay (1000 + 200) / 2
 * assert.equal(auto.delayOf("a.test"), 600);
 * ```
 */
export class AutoThrottle {
  readonly #target: number;
  readonly #start: number;
  readonly #max: number;
  readonly #min: number;
  readonly #delays = new Map<string, number>();

  /**
   * Creates the per-host delays.
   *
   * @param options The target concurrency and the delays' bounds.
   * @param minDelayMs The shortest delay (the configured rate's), ms.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(options: AutoThrottleOptions, minDelayMs: number) {
    const d = AUTO_THROTTLE_DEFAULTS;
    const at = (name: string, value: unknown, fallback: number) =>
      optional(
        "crawl",
        `autoThrottle.${name}`,
        value,
        POSITIVE_NUMBER,
        fallback,
      );
    this.#target = at(
      "targetConcurrency",
      options.targetConcurrency,
      d.targetConcurrency,
    );
    this.#start = optional(
      "crawl",
      "autoThrottle.startDelayMs",
      options.startDelayMs,
      NON_NEGATIVE_NUMBER,
      d.startDelayMs,
    );
    this.#max = at("maxDelayMs", options.maxDelayMs, d.maxDelayMs);
    this.#min = check("crawl", "minDelayMs", minDelayMs, NON_NEGATIVE_NUMBER);
  }

  /**
   * The rule's numbers, checked and with their defaults: what the Redis
   * store's `AUTO_THROTTLE` script applies to the delays every process
   * shares.
   */
  get rule(): AutoThrottleRule {
    return {
      targetConcurrency: this.#target,
      startDelayMs: this.#start,
      minDelayMs: this.#min,
      maxDelayMs: this.#max,
    };
  }

  /**
   * A host's delay between requests, ms.
   *
   * @param host The host.
   * @returns The delay.
   */
  delayOf(host: string): number {
    const delay = this.#delays.get(host) ?? this.#start;
    return Math.min(Math.max(delay, this.#min), this.#max);
  }

  /**
   * A host's rate, requests per second (`Infinity` for no delay).
   *
   * @param host The host.
   * @returns The rate.
   */
  rateOf(host: string): number {
    const delay = this.delayOf(host);
    return delay > 0 ? 1000 / delay : Infinity;
  }

  /**
   * Adjusts a host's delay to one answer.
   *
   * @param host The host.
   * @param latencyMs Time to the response's headers, ms.
   * @param status The HTTP status (0 when none arrived).
   * @returns `true` when the delay changed.
   */
  observe(host: string, latencyMs: number, status: number): boolean {
    const old = this.delayOf(host);
    const target = latencyMs / this.#target;
    let next = Math.max(target, (old + target) / 2);
    next = Math.min(Math.max(next, this.#min), this.#max);
    if ((status < 200 || status >= 300) && next <= old) return false;
    if (next === old) return false;
    this.#delays.set(host, next);
    return true;
  }
}
