/**
 * The per-host throttle policy, defined once for every store. A host's rate
 * moves between a floor and a ceiling (AIMD, as TCP's congestion window):
 *
 * - its ceiling is the configured rate, lowered by `limitHost(host, rate)`
 *   (a robots.txt `Crawl-delay`, which is never undone: a delay floor);
 * - `throttle(host, until, now)` (a 429 or 503) pauses the host until
 *   `until` and halves its rate: an unlimited host drops to
 *   {@linkcode HOST_THROTTLE.unlimitedRate} requests per second, and halving
 *   stops at {@linkcode HOST_THROTTLE.minRate}. While the host is paused a
 *   new answer only extends the pause, so a burst of them counts once. A
 *   timeout (`cause: "timeout"`) halves the rate too, but never below half
 *   the ceiling ({@linkcode timeoutFloor}): a few stalled pages slow a host
 *   once, they do not crawl it to a halt;
 * - `answered(host, good, now)`: each window of
 *   {@linkcode HOST_THROTTLE.recoveryWindow} good answers in a row (not 429,
 *   not 5xx, no timeout) raises a lowered rate by one step (an eighth of the
 *   ceiling; {@linkcode HOST_THROTTLE.unlimitedRate} for an unlimited host),
 *   up to the ceiling; an unlimited host is unlimited again once its rate
 *   passes {@linkcode HOST_THROTTLE.liftRate}. One 429 costs seconds, not
 *   the rest of the crawl; a host that keeps answering 429 stays slow.
 *
 * The memory `Frontier` (also behind `SqliteStore`) asks a
 * {@linkcode HostThrottle} and applies its decisions to its token buckets.
 * The `RedisFrontier` asks one too, for the rate it reports, and sends each
 * decision to Redis, where the Lua scripts `THROTTLE`, `LIMIT` and
 * `RECOVER` (see `redis/throttle_scripts.ts`) apply the same rule to the
 * state every process shares, on Redis's clock. Lua cannot call this
 * module: the scripts mirror the rule and take their numbers from
 * {@linkcode HOST_THROTTLE}, interpolated into their source, so the numbers
 * are written once.
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
  /** Good answers in a row that raise a lowered rate by one step. */
  recoveryWindow: 10,
  /** One step of recovery, as a fraction of the host's ceiling. */
  recoveryStep: 0.125,
  /** An unlimited host whose rate climbs past this is unlimited again. */
  liftRate: 64,
  /** How long a 429/503 without `Retry-After` pauses its host, ms. */
  overloadPauseMs: 1_000,
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

/** Why a host is throttled: it asked to slow down, or a request timed out. */
export type ThrottleCause = "overload" | "timeout";

/**
 * The lowest rate timeouts alone bring a host to: half its ceiling (an
 * unlimited host: {@linkcode HOST_THROTTLE.unlimitedRate}).
 *
 * @example
 * ```ts
 * import { timeoutFloor } from "./host_throttle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(timeoutFloor(10), 5);
 * assert.equal(timeoutFloor(Infinity), 4);
 * ```
 *
 * @param ceiling The host's ceiling, requests/s.
 * @returns The floor, requests/s.
 */
export function timeoutFloor(ceiling: number): number {
  return halvedRate(ceiling);
}

/**
 * A lowered rate after one window of good answers: one step up, and
 * `ceiling` once it reaches it (an unlimited host: `Infinity` once it passes
 * {@linkcode HOST_THROTTLE.liftRate}).
 *
 * @example Climbing back
 * ```ts
 * import { raisedRate } from "./host_throttle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(raisedRate(5, 10), 6.25);
 * assert.equal(raisedRate(9.5, 10), 10);
 * assert.equal(raisedRate(4, Infinity), 8);
 * assert.equal(raisedRate(64, Infinity), Infinity);
 * ```
 *
 * @param current The host's lowered rate, requests/s.
 * @param ceiling The highest it may reach (`Infinity`: unlimited).
 * @returns The new rate.
 */
export function raisedRate(current: number, ceiling: number): number {
  if (!Number.isFinite(ceiling)) {
    const next = current + HOST_THROTTLE.unlimitedRate;
    return next > HOST_THROTTLE.liftRate ? Infinity : next;
  }
  const step = Math.max(
    ceiling * HOST_THROTTLE.recoveryStep,
    HOST_THROTTLE.minRate,
  );
  return Math.min(current + step, ceiling);
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
 * One process's view of the per-host throttle: each host's ceiling, lowered
 * rate and pause, changed only as the policy allows.
 *
 * @example A Retry-After, a Crawl-delay, then recovery
 * ```ts
 * import { HostThrottle } from "./host_throttle.ts";
 * import assert from "node:assert/strict";
 *
 * const hosts = new HostThrottle(10);
 * assert.deepEqual(hosts.throttle("a.test", 5_000, 0), { action: "pause", rate: 5 });
 * assert.deepEqual(hosts.throttle("a.test", 6_000, 100), { action: "extend" });
 * assert.equal(hosts.limit("a.test", 8), true); // the ceiling is 8 now
 * assert.equal(hosts.rateOf("a.test"), 5);
 * let rate: number | undefined;
 * for (let i = 0; i < 10; i++) rate = hosts.answered("a.test", true, 7_000);
 * assert.equal(rate, 6);
 * ```
 */
export class HostThrottle {
  readonly #configured: number;
  /** Hosts whose ceiling a `limit` lowered, and to what. */
  readonly #ceilings = new Map<string, number>();
  /** Hosts throttled below their ceiling, and their rate. */
  readonly #rates = new Map<string, number>();
  /** Good answers in a row of each throttled host. */
  readonly #good = new Map<string, number>();
  /** Hosts paused by `throttle`, until when. */
  readonly #pausedUntil = new Map<string, number>();

  /**
   * Creates the view.
   *
   * @param configuredRate Requests per second to one host (`Infinity`: no
   * limit): the ceiling of every host not limited.
   */
  constructor(configuredRate: number) {
    this.#configured = configuredRate;
  }

  /**
   * A host's ceiling: the configured rate, or the lower one `limit` set.
   *
   * @param host The host.
   * @returns Requests per second.
   */
  ceilingOf(host: string): number {
    return this.#ceilings.get(host) ?? this.#configured;
  }

  /**
   * A host's rate: its throttled one, else its ceiling.
   *
   * @param host The host.
   * @returns Requests per second.
   */
  rateOf(host: string): number {
    return this.#rates.get(host) ?? this.ceilingOf(host);
  }

  /**
   * Whether a host's rate is below the configured one.
   *
   * @param host The host.
   * @returns `true` after a `limit` or `throttle` lowered it, until it
   * recovered.
   */
  isLimited(host: string): boolean {
    return this.#rates.has(host) || this.#ceilings.has(host);
  }

  /**
   * Lowers a host's ceiling to `rate` unless it is at or below it already
   * (its rate too, when that is higher).
   *
   * @param host The host.
   * @param rate Requests per second.
   * @returns `true` when the ceiling was lowered.
   */
  limit(host: string, rate: number): boolean {
    if (!(rate < this.ceilingOf(host))) return false;
    this.#ceilings.set(host, rate);
    const current = this.#rates.get(host);
    if (current !== undefined && current >= rate) this.#recovered(host);
    return true;
  }

  /**
   * Pauses a host until `until` and halves its rate, or only extends the
   * pause when it is paused now.
   *
   * @param host The host.
   * @param until A clock reading.
   * @param now The current clock reading.
   * @param cause `"timeout"` halves no lower than {@linkcode timeoutFloor}.
   * @returns What to apply.
   */
  throttle(
    host: string,
    until: number,
    now: number,
    cause: ThrottleCause = "overload",
  ): ThrottleDecision {
    this.#good.delete(host);
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
    const current = this.rateOf(host);
    const floor = cause === "timeout"
      ? timeoutFloor(this.ceilingOf(host))
      : HOST_THROTTLE.minRate;
    const rate = Math.min(current, Math.max(halvedRate(current), floor));
    if (rate < this.ceilingOf(host)) this.#rates.set(host, rate);
    return { action: "pause", rate };
  }

  /**
   * Counts one answer of a host: a bad one (429, 5xx, a timeout) starts the
   * count again; each window of good ones raises a throttled rate one step.
   * Answers while the host is paused are not counted (they were asked for
   * before it said to slow down).
   *
   * @param host The host.
   * @param good Whether it answered well.
   * @param now The current clock reading.
   * @returns The host's new rate when this answer raised it (`Infinity`:
   * unlimited again), else `undefined`.
   */
  answered(host: string, good: boolean, now: number): number | undefined {
    const current = this.#rates.get(host);
    if (current === undefined) return undefined;
    if (!good) {
      this.#good.delete(host);
      return undefined;
    }
    if ((this.#pausedUntil.get(host) ?? -Infinity) > now) return undefined;
    const count = (this.#good.get(host) ?? 0) + 1;
    if (count < HOST_THROTTLE.recoveryWindow) {
      this.#good.set(host, count);
      return undefined;
    }
    this.#good.delete(host);
    const ceiling = this.ceilingOf(host);
    const rate = raisedRate(current, ceiling);
    if (rate >= ceiling) {
      this.#recovered(host);
      return ceiling;
    }
    this.#rates.set(host, rate);
    return rate;
  }

  #recovered(host: string): void {
    this.#rates.delete(host);
    this.#good.delete(host);
  }
}
