/**
 * The options of {@linkcode RobotsCache}: what they mean, their defaults and
 * their checks.
 *
 * @module
 */
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { DEFAULTS as CRAWL_DEFAULTS } from "../crawler/defaults.ts";
import type { RobotsStore } from "../frontier/store.ts";
import {
  check,
  matching,
  NON_NEGATIVE_INT,
  NON_NEGATIVE_NUMBER,
  optional,
  POSITIVE_INT,
  POSITIVE_NUMBER,
  type Rule,
} from "../options/validate.ts";
import type { LogHandler } from "../telemetry/log.ts";

/** Options for {@linkcode RobotsCache}. */
export interface RobotsCacheOptions {
  /** The User-Agent sent; its product token selects the robots.txt group. */
  userAgent: string;
  /**
   * The `fetch` to use.
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /**
   * Time source for timeouts, TTLs and backoff.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Total time for one robots.txt fetch, redirects and body included, ms.
   *
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * The body is abandoned (unreachable) when no bytes arrive for this long, ms.
   *
   * @default {10000}
   */
  idleTimeoutMs?: number;
  /**
   * How much of the decoded body is parsed; the rest is not downloaded.
   *
   * @default {512000}
   */
  maxBytes?: number;
  /**
   * Redirects followed; one more means "unavailable" (allow-all).
   *
   * @default {5}
   */
  maxRedirects?: number;
  /**
   * How long a fetched robots.txt (or a 4xx allow-all) is used, ms.
   *
   * @default {86400000}
   */
  ttlMs?: number;
  /**
   * The first retry delay after an unreachable result, ms; it doubles with
   * each consecutive failure.
   *
   * @default {300000}
   */
  backoffMs?: number;
  /**
   * The longest retry delay after unreachable results, ms (also caps
   * `Retry-After`).
   *
   * @default {3600000}
   */
  maxBackoffMs?: number;
  /**
   * How long the last good copy stays in use while refetches fail, ms.
   *
   * @default {2592000000}
   */
  staleMs?: number;
  /**
   * Origins remembered (least recently used ones are dropped).
   *
   * @default {10000}
   */
  maxEntries?: number;
  /**
   * Distinct sitemap URLs remembered for {@linkcode RobotsCache.sitemaps}.
   *
   * @default {10000}
   */
  maxSitemaps?: number;
  /**
   * Extra request headers. `Authorization`, `Proxy-Authorization` and
   * `Cookie` are never sent, and `User-Agent` is always `userAgent`.
   */
  headers?: HeadersInit;
  /**
   * Called with every URL before it is requested (the first and each
   * redirect target); throwing refuses it, which counts as unreachable.
   */
  checkUrl?: (url: URL) => void | Promise<void>;
  /** Receives log records. */
  onLog?: LogHandler;
  /**
   * Keeps robots.txt answers between runs (and processes), e.g. the
   * `robots` store of a durable frontier.
   *
   * Before fetching an origin's robots.txt (whenever no live entry is
   * cached), the cache awaits `store.load(origin)`. A record younger than
   * `ttlMs` is used instead of a request: a `"rules"` record's `text` is
   * parsed (and its sitemaps recorded) as if just fetched, an `"allow-all"`
   * record allows everything, and the policy is cached for what is left of
   * `ttlMs`. An older record, a malformed one or one for another origin is
   * ignored and robots.txt is fetched as usual.
   *
   * After a fetch that yields `"rules"` (a 2xx) or `"allow-all"` (a 4xx or
   * redirect trouble), `store.save(record)` is called before `get` resolves
   * but not awaited, so a slow store never delays the crawl. Unreachable
   * (disallow-all) results are temporary and never saved.
   *
   * `RobotsRecord.fetchedAt` is wall time (`Date.now()`, epoch ms) so that
   * records stay meaningful between runs, while expiry in memory follows
   * `clock`: a loaded record's age is `Date.now() - fetchedAt` and its
   * policy's `fetchedAt` is `clock.now() - age`. Records dated in the future
   * (clock skew) are ignored.
   *
   * A `load` or `save` that throws or rejects never fails the crawl: it is
   * logged as a warning (`onLog`) and a failed load falls back to fetching.
   */
  store?: RobotsStore;
}

/** The defaults of {@linkcode RobotsCacheOptions}. */
const DEFAULTS = {
  timeoutMs: CRAWL_DEFAULTS.timeoutMs,
  idleTimeoutMs: CRAWL_DEFAULTS.idleTimeoutMs,
  maxBytes: 512_000,
  maxRedirects: 5,
  ttlMs: 86_400_000,
  backoffMs: 300_000,
  maxBackoffMs: 3_600_000,
  staleMs: 30 * 86_400_000,
  maxEntries: 10_000,
  maxSitemaps: 10_000,
} as const;

/** The rule of each numeric option. */
const RULES: { [K in keyof typeof DEFAULTS]: Rule<number> } = {
  timeoutMs: POSITIVE_NUMBER,
  idleTimeoutMs: POSITIVE_NUMBER,
  maxBytes: POSITIVE_INT,
  maxRedirects: NON_NEGATIVE_INT,
  ttlMs: POSITIVE_NUMBER,
  backoffMs: POSITIVE_NUMBER,
  maxBackoffMs: POSITIVE_NUMBER,
  staleMs: NON_NEGATIVE_NUMBER,
  maxEntries: POSITIVE_INT,
  maxSitemaps: NON_NEGATIVE_INT,
};

/** A user agent must have a product token: not empty, not only spaces. */
const USER_AGENT = matching(/\S/, "a non-blank string");

/** {@linkcode RobotsCacheOptions} checked, with every default. */
export type ResolvedRobotsCacheOptions =
  & Required<Pick<RobotsCacheOptions, "userAgent" | "fetch" | "clock">>
  & { -readonly [K in keyof typeof DEFAULTS]: number }
  & Pick<RobotsCacheOptions, "headers" | "checkUrl" | "onLog" | "store">;

/**
 * Checks `options` and fills in the defaults.
 *
 * @example Usage
 * ```ts
 * import { resolveRobotsCacheOptions } from "./robots_cache_options.ts";
 * import assert from "node:assert/strict";
 *
 * const resolved = resolveRobotsCacheOptions({ userAgent: "trawl/0.1" });
 * assert.equal(resolved.maxRedirects, 5);
 * assert.throws(
 *   () => resolveRobotsCacheOptions({ userAgent: "trawl", maxBytes: 0 }),
 *   RangeError,
 * );
 * ```
 *
 * @param options What the caller gave.
 * @returns The options with every default.
 * @throws {TypeError} When `userAgent` is not a non-blank string or `store`
 * lacks `load` and `save`.
 * @throws {RangeError} When a limit is out of range.
 */
export function resolveRobotsCacheOptions(
  options: RobotsCacheOptions,
): ResolvedRobotsCacheOptions {
  const o = options ?? {} as RobotsCacheOptions;
  const what = "create RobotsCache";
  const resolved = {
    userAgent: check(what, "userAgent", o.userAgent, USER_AGENT),
    fetch: o.fetch ??
      ((input: RequestInfo | URL, init?: RequestInit) =>
        globalThis.fetch(input, init)),
    clock: o.clock ?? systemClock,
    headers: o.headers,
    checkUrl: o.checkUrl,
    onLog: o.onLog,
    store: o.store,
  } as ResolvedRobotsCacheOptions;
  for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    resolved[name] = optional(what, name, o[name], RULES[name], DEFAULTS[name]);
  }
  if (
    o.store !== undefined &&
    (typeof o.store?.load !== "function" ||
      typeof o.store?.save !== "function")
  ) {
    throw new TypeError(
      `Cannot create RobotsCache as 'store' must have load and save methods: current value is ${
        String(o.store)
      }`,
    );
  }
  return resolved;
}
