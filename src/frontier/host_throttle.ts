/**
 * The per-host throttle policy, defined once for every store:
 *
 * - `limitHost(host, rate)` (a robots.txt `Crawl-delay`) lowers a host's
 *   rate; it never raises it, so a host stays at or below the configured
 *   rate and at or below any rate it was lowered to before.
 * - `throttle(host, until, now)` (a 429 or 503 with `Retry-After`) pauses the
 *   host until `until` and halves its rate: an unlimited host drops to
 *   {@linkcode HOST_THROTTLE.unlimitedRate} requests per second, and halving
 *   stops at {@linkcode HOST_THROTTLE.minRate}. While the host is paused a
 *   new answer only extends the pause, so a burst of them counts once.
 *
 * The memory `Frontier` (also behind `SqliteStore`) asks a
 * {@linkcode HostThrottle} and applies its decisions to its token buckets.
 * The `RedisFrontier` asks one too, for the rate it reports, and sends each
 * call to Redis, where the Lua scripts `THROTTLE` and `LIMIT` (see
 * `redis/scripts.ts`) apply the same rule to the state every process shares,
 * on Redis's clock. Lua cannot call this module: the scripts mirror the rule
 * and take their numbers from {@linkcode HOST_THROTTLE}, interpolated into
 * their source, so the numbers are written once.
 *
 * @module
 */

/**
 * The constants of the throttle rule, shared by the TypeScript policy and the
 * Redis scripts.
 *
 * @example Reading a constant
 * ```ts
 * import { HOST_THROTTLE } from "./host_throttle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(HOST_THROTTLE.unlimitedRate, 4);
 * ```
 */
export const HOST_THROTTLE = {
  /** The rate an unlimited host drops to when throttled, requests/s. */
  unlimitedRate: 4,
  /** The lowest rate halving reaches, requests/s. */
  minRate: 0.1,
  /** Paused hosts remembered before the expired pauses are forgotten. */
  maxPausedHosts: 10_000,
} as const;

/**
 * A host's rate after a throttle: half of `current`, at least
 * {@linkcode HOST_THROTTLE.minRate}; an unlimited host (`Infinity`) gets
 * {@linkcode HOST_THROTTLE.unlimitedRate}.
 *
 * @example Halving
 * ```ts
 * import { halvedRate } from "./host_throttle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(halvedRate(10), 5);
 * assert.equal(halvedRate(Infinity), 4);
 * assert.equal(halvedRate(0.1), 0.1);
 * ```
 *
 * @param current The host's rate now, requests/s (`Infinity`: unlimited).
 * @returns The new rate.
 */
export function halvedRate(current: number): number {
  return Number.isFinite(current)
    ? Math.max(current / 2, HOST_THROTTLE.minRate)
    : HOST_THROTTLE.unlimitedRate;
}

/**
 * What a {@linkcode HostThrottle.throttle} call decided:
 *
 * - `"pause"`: the host was not paused; pause it until `until` and set its
 *   rate to `rate`;
 * - `"extend"`: the host was paused; extend the pause to `until`;
 * - `"none"`: the host is paused until later already; nothing changes.
 */
export type ThrottleDecision =
  | { readonly action: "pause"; readonly rate: number }
  | { readonly action: "extend" }
  | { readonly action: "none" };

/**
 * One process's view of the per-host throttle: each host's lowered rate and
 * pause, changed only as the policy allows.
 *
 * @example A Retry-After, then a Crawl-delay
 * ```ts
 * import { HostThrottle } from "./host_throttle.ts";
 * import assert from "node:assert/strict";
 *
 * const hosts = new HostThrottle(10);
 * assert.deepEqual(hosts.throttle("a.test", 5_000, 0), { action: "pause", rate: 5 });
 * assert.deepEqual(hosts.throttle("a.test", 6_000, 100), { action: "extend" });
 * assert.equal(hosts.limit("a.test", 8), false); // 8 is above 5
 * assert.equal(hosts.limit("a.test", 1), true);
 * assert.equal(hosts.rateOf("a.test"), 1);
 * ```
 */
export class HostThrottle {
  readonly #configured: number;
  /** Hosts whose rate was lowered, and to what. */
  readonly #rates = new Map<string, number>();
  /** Hosts paused by `throttle`, until when. */
  readonly #pausedUntil = new Map<string, number>();

  /**
   * Creates the view.
   *
   * @param configuredRate Requests per second to one host (`Infinity`: no
   * limit): the rate of every host not lowered.
   */
  constructor(configuredRate: number) {
    this.#configured = configuredRate;
  }

  /**
   * A host's rate: its lowered one, else the configured one.
   *
   * @param host The host.
   * @returns Requests per second.
   */
  rateOf(host: string): number {
    return this.#rates.get(host) ?? this.#configured;
  }

  /**
   * Whether a host's rate was lowered.
   *
   * @param host The host.
   * @returns `true` after a `limit` or `throttle` lowered it.
   */
  isLimited(host: string): boolean {
    return this.#rates.has(host);
  }

  /**
   * Lowers a host's rate to `rate` unless it is at or below it already.
   *
   * @param host The host.
   * @param rate Requests per second.
   * @returns `true` when the rate was lowered.
   */
  limit(host: string, rate: number): boolean {
    if (!(rate < this.rateOf(host))) return false;
    this.#rates.set(host, rate);
    return true;
  }

  /**
   * Pauses a host until `until` and halves its rate, or only extends the
   * pause when it is paused now.
   *
   * @param host The host.
   * @param until A clock reading.
   * @param now The current clock reading.
   * @returns What to apply.
   */
  throttle(host: string, until: number, now: number): ThrottleDecision {
    const paused = this.#pausedUntil.get(host) ?? -Infinity;
    if (paused > now) {
      if (!(until > paused)) return { action: "none" };
      this.#pausedUntil.set(host, until);
      return { action: "extend" };
    }
    if (this.#pausedUntil.size >= HOST_THROTTLE.maxPausedHosts) {
      for (const [h, t] of this.#pausedUntil) {
        if (t <= now) this.#pausedUntil.delete(h);
      }
    }
    this.#pausedUntil.set(host, until);
    const rate = halvedRate(this.rateOf(host));
    this.#rates.set(host, rate);
    return { action: "pause", rate };
  }
}
