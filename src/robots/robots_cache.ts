/**
 * Fetches, interprets and caches robots.txt per origin (RFC 9309 §2.3–2.5):
 * the cache policy lives here, one fetch in `fetch_robots.ts`, the verdict
 * in `robots_policy.ts` and the store I/O in `stored_robots.ts`.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import { LruMap } from "../concurrency/lru_map.ts";
import { SingleFlight } from "../concurrency/single_flight.ts";
import { failureReason } from "../fetch/network_cause.ts";
import type { RobotsStore } from "../frontier/store.ts";
import type { LogHandler, LogLevel } from "../telemetry/log.ts";
import {
  fetchRobots,
  type FetchRobotsOptions,
  type RobotsFetchOutcome,
  robotsHeaders,
} from "./fetch_robots.ts";
import {
  errorSummary,
  type RobotsOutcome,
  type RobotsPolicy,
  robotsPolicy,
  type RobotsPolicyDetails,
} from "./robots_policy.ts";
import {
  resolveRobotsCacheOptions,
  type RobotsCacheOptions,
} from "./robots_cache_options.ts";
import { parseRobotsTxt } from "./robots_txt.ts";
import { loadRecord, saveRecord } from "./stored_robots.ts";

export type { RobotsCacheOptions } from "./robots_cache_options.ts";
export type { RobotsOutcome, RobotsPolicy } from "./robots_policy.ts";

/** Counters of a {@linkcode RobotsCache}. */
export interface RobotsCacheStats {
  /** robots.txt requests sent (each redirect hop counts). */
  requests: number;
  /** `get` calls answered from the cache. */
  hits: number;
  /** `get` calls that joined a fetch already in flight. */
  joined: number;
  /**
   * robots.txt fetches started (one per origin refresh the `store` did not
   * answer).
   */
  fetches: number;
  /**
   * Origin refreshes answered by the `store` (a fresh record, no request
   * sent).
   */
  loaded: number;
}

interface Entry {
  policy: RobotsPolicy;
  /** Clock time after which the next `get` refetches. */
  expiresAt: number;
  /** Consecutive unreachable results, for the backoff. */
  failures: number;
  /** The last policy decided from a response (2xx or 4xx). */
  good?: RobotsPolicy;
}

/**
 * A per-origin robots.txt cache that fetches with RFC 9309 semantics.
 *
 * - 2xx: the first `maxBytes` of the decoded body are parsed (a partial last
 *   line is dropped when the body was cut).
 * - 4xx except 429: allow-all (cached like rules, for `ttlMs`).
 * - 429, 5xx, network errors, timeouts, redirects to non-http(s) or refused
 *   URLs: disallow-all, retried after a growing backoff (`backoffMs`,
 *   doubled per failure, capped at `maxBackoffMs`; a longer `Retry-After` on
 *   429/503 is honoured). A previous good copy is used instead while it is
 *   younger than `staleMs`.
 * - Redirects are followed by hand up to `maxRedirects` hops, calling
 *   `checkUrl` on each; more hops or a loop mean allow-all. The rules of the
 *   final target apply to the original origin.
 *
 * One fetch per origin runs at a time and every concurrent `get` shares it
 * (the `store` lookup before it too). A waiter's abort only rejects its own
 * `get`; the shared fetch is aborted when every waiter has gone. Entries are
 * kept for `ttlMs` in an LRU of `maxEntries` origins; with a `store`, good
 * answers also outlive the process.
 *
 * @example Checking a URL
 * ```ts
 * import { RobotsCache } from "./robots_cache.ts";
 *
 * const robotsTxt = "User-agent: *\nDisallow: /private\n";
 * const cache = new RobotsCache({
 *   userAgent: "trawl/0.1",
 *   fetch: () => Promise.resolve(new Response(robotsTxt)),
 * });
 * const policy = await cache.get("https://example.com/private/a");
 * console.log(policy.outcome, policy.isAllowed("https://example.com/private/a"));
 * ```
 *
 * @example Keeping answers between runs
 * ```ts
 * import { RobotsCache, type RobotsCacheOptions } from "./robots_cache.ts";
 *
 * type RobotsRecord = Parameters<
 *   NonNullable<RobotsCacheOptions["store"]>["save"]
 * >[0];
 * const records = new Map<string, RobotsRecord>();
 * records.set("https://example.com", {
 *   origin: "https://example.com",
 *   outcome: "rules",
 *   status: 200,
 *   text: "User-agent: *\nDisallow: /private\n",
 *   fetchedAt: Date.now() - 60_000, // a minute old: still fresh
 * });
 * const cache = new RobotsCache({
 *   userAgent: "trawl/0.1",
 *   fetch: () => Promise.reject(new Error("not called")),
 *   store: {
 *     load: (origin) => records.get(origin),
 *     save: (record) => void records.set(record.origin, record),
 *   },
 * });
 * const policy = await cache.get("https://example.com/private/a");
 * console.log(policy.isAllowed("https://example.com/private/a")); // false
 * console.log(cache.stats.loaded, cache.stats.requests); // 1 0
 * ```
 */
export class RobotsCache {
  readonly #userAgent: string;
  readonly #clock: Clock;
  readonly #fetchOptions: Omit<FetchRobotsOptions, "signal">;
  readonly #ttlMs: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #staleMs: number;
  readonly #maxSitemaps: number;
  readonly #onLog?: LogHandler;
  readonly #store?: RobotsStore;
  readonly #entries: LruMap<string, Entry>;
  readonly #flights = new SingleFlight<string, RobotsPolicy>();
  readonly #sitemaps = new Set<string>();
  readonly #stats: RobotsCacheStats = {
    requests: 0,
    hits: 0,
    joined: 0,
    fetches: 0,
    loaded: 0,
  };

  /**
   * Creates a cache.
   *
   * @param options The user agent, limits and hooks.
   * @throws {TypeError} When `userAgent` is not a non-blank string or
   * `store` lacks `load` and `save`.
   * @throws {RangeError} When a limit is out of range.
   */
  constructor(options: RobotsCacheOptions) {
    const o = resolveRobotsCacheOptions(options);
    this.#userAgent = o.userAgent;
    this.#clock = o.clock;
    this.#ttlMs = o.ttlMs;
    this.#backoffMs = o.backoffMs;
    this.#maxBackoffMs = o.maxBackoffMs;
    this.#staleMs = o.staleMs;
    this.#maxSitemaps = o.maxSitemaps;
    this.#entries = new LruMap(o.maxEntries);
    this.#fetchOptions = {
      fetch: o.fetch,
      headers: robotsHeaders(o.userAgent, o.headers),
      clock: o.clock,
      timeoutMs: o.timeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      maxBytes: o.maxBytes,
      maxRedirects: o.maxRedirects,
      checkUrl: o.checkUrl,
      onRequest: () => void this.#stats.requests++,
    };
    this.#onLog = o.onLog;
    this.#store = o.store;
  }

  /**
   * Counters: requests sent, cache hits, joined fetches, fetches started,
   * refreshes answered by the `store`.
   */
  get stats(): RobotsCacheStats {
    return { ...this.#stats };
  }

  /** How many origins are cached. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Every distinct `Sitemap:` URL seen in any origin's robots.txt, in order
   * of discovery (at most `maxSitemaps`).
   *
   * @returns The sitemap URLs.
   */
  sitemaps(): string[] {
    return [...this.#sitemaps];
  }

  /**
   * The robots.txt policy of `url`'s origin when the cache holds a fresh
   * one, without fetching it (and without counting a hit).
   *
   * @example Cached once fetched
   * ```ts
   * import { RobotsCache } from "./robots_cache.ts";
   * import assert from "node:assert/strict";
   *
   * const cache = new RobotsCache({
   *   userAgent: "trawl/0.1",
   *   fetch: () => Promise.resolve(new Response("User-agent: *\nDisallow: /a")),
   * });
   * assert.equal(cache.cached("https://example.com/a"), undefined);
   * await cache.get("https://example.com/");
   * assert.equal(cache.cached("https://example.com/a")?.isAllowed("/a"), false);
   * ```
   *
   * @param url Any http(s) URL of the origin.
   * @returns The origin's fresh policy, or `undefined`.
   * @throws {TypeError} When `url` is not an http(s) URL.
   */
  cached(url: string | URL): RobotsPolicy | undefined {
    const entry = this.#entries.peek(originOf(url));
    return entry && this.#clock.now() < entry.expiresAt
      ? entry.policy
      : undefined;
  }

  /**
   * The robots.txt policy of `url`'s origin: cached, or fetched now (sharing
   * a fetch already in flight for that origin).
   *
   * @example Usage
   * ```ts
   * import { RobotsCache } from "./robots_cache.ts";
   *
   * const cache = new RobotsCache({
   *   userAgent: "trawl/0.1",
   *   fetch: () => Promise.resolve(new Response("", { status: 404 })),
   * });
   * const policy = await cache.get(new URL("https://example.com/a"));
   * console.log(policy.outcome); // "allow-all"
   * ```
   *
   * @param url Any http(s) URL of the origin.
   * @param options `signal` aborts this call only (not the shared fetch,
   * unless no other caller still waits for it).
   * @returns The origin's policy.
   * @throws {TypeError} When `url` is not an http(s) URL.
   */
  async get(
    url: string | URL,
    options?: { signal?: AbortSignal },
  ): Promise<RobotsPolicy> {
    const signal = options?.signal;
    const origin = originOf(url);
    signal?.throwIfAborted();
    const entry = this.#entries.peek(origin);
    if (entry && this.#clock.now() < entry.expiresAt) {
      this.#entries.get(origin); // now the most recently used
      this.#stats.hits++;
      return entry.policy;
    }
    if (this.#flights.has(origin)) this.#stats.joined++;
    return await this.#flights.run(
      origin,
      (shared) => this.#refresh(origin, shared),
      { signal },
    );
  }

  /**
   * Aborts every fetch in flight (their waiters reject) and forgets all
   * cached policies.
   */
  clear(): void {
    this.#flights.abort(
      new DOMException("The robots cache was cleared", "AbortError"),
    );
    this.#entries.clear();
  }

  /** Same as {@linkcode RobotsCache.clear}. */
  [Symbol.dispose](): void {
    this.clear();
  }

  /** Loads or fetches the policy of `origin` and caches it. */
  async #refresh(origin: string, signal: AbortSignal): Promise<RobotsPolicy> {
    if (this.#store) {
      const loaded = await this.#load(this.#store, origin, signal);
      if (loaded) return loaded;
    }
    this.#stats.fetches++;
    const startedAt = this.#clock.now();
    const outcome = await fetchRobots(origin, {
      ...this.#fetchOptions,
      signal,
    });
    signal.throwIfAborted(); // every waiter left: cache nothing
    const now = this.#clock.now();
    const entry = outcome.kind === "unreachable"
      ? this.#unreachable(origin, outcome, now)
      : this.#fetched(origin, outcome, now, startedAt);
    this.#entries.set(origin, entry);
    return entry.policy;
  }

  /**
   * The entry after an unreachable result: disallow-all, or the last good
   * copy while it is younger than `staleMs`, until a backoff has passed.
   */
  #unreachable(
    origin: string,
    outcome: Extract<RobotsFetchOutcome, { kind: "unreachable" }>,
    now: number,
  ): Entry {
    const previous = this.#entries.peek(origin);
    const failures = (previous?.failures ?? 0) + 1;
    let wait = Math.min(
      this.#backoffMs * 2 ** Math.min(failures - 1, 52),
      this.#maxBackoffMs,
    );
    if (outcome.retryAfterMs !== undefined) {
      wait = Math.max(wait, Math.min(outcome.retryAfterMs, this.#maxBackoffMs));
    }
    const retryAt = now + wait;
    const error = errorSummary(outcome.error);
    const reason = failureReason(outcome.error);
    const good = previous?.good;
    const policy = good && now - good.fetchedAt <= this.#staleMs
      ? { ...good, error, reason, retryAt, stale: true }
      : this.#policy(origin, "disallow-all", now, {
        status: outcome.status,
        error,
        reason,
        retryAt,
      });
    this.#log("warn", `robots.txt unreachable: ${reason}`, origin, {
      outcome: policy.outcome,
      stale: policy.stale ?? false,
      status: outcome.status,
      error,
      reason,
      retryInMs: wait,
      failures,
    });
    return { policy, expiresAt: retryAt, failures, good };
  }

  /** The entry after a response (rules or allow-all), saved to the store. */
  #fetched(
    origin: string,
    outcome: Exclude<RobotsFetchOutcome, { kind: "unreachable" }>,
    now: number,
    startedAt: number,
  ): Entry {
    const policy = outcome.kind === "rules"
      ? this.#rulesPolicy(origin, outcome.text, now, outcome.status)
      : this.#policy(origin, "allow-all", now, {
        status: outcome.status,
        error: outcome.error ? errorSummary(outcome.error) : undefined,
      });
    this.#log("debug", "robots.txt fetched", origin, {
      outcome: policy.outcome,
      status: outcome.status,
      ms: now - startedAt,
    });
    if (this.#store) {
      saveRecord(this.#store, {
        origin,
        outcome: outcome.kind,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.kind === "rules" ? { text: outcome.text } : {}),
        fetchedAt: Date.now(),
      }, (level, message, fields) => this.#log(level, message, origin, fields));
    }
    return {
      policy,
      expiresAt: now + this.#ttlMs,
      failures: 0,
      good: policy,
    };
  }

  /**
   * The policy of `store`'s record of `origin` when it is younger than
   * `ttlMs` (cached for the rest of it), else `undefined`. Rejects only
   * when `signal` aborts.
   */
  async #load(
    store: RobotsStore,
    origin: string,
    signal: AbortSignal,
  ): Promise<RobotsPolicy | undefined> {
    const loaded = await loadRecord(store, origin, {
      ttlMs: this.#ttlMs,
      signal,
      log: (level, message, fields) =>
        this.#log(level, message, origin, fields),
    });
    if (loaded === undefined) return undefined;
    const { record, ageMs } = loaded;
    // `fetchedAt` is wall time; the cache's expiry runs on `clock`.
    const fetchedAt = this.#clock.now() - ageMs;
    const policy = record.outcome === "rules"
      ? this.#rulesPolicy(origin, record.text!, fetchedAt, record.status)
      : this.#policy(origin, "allow-all", fetchedAt, { status: record.status });
    this.#stats.loaded++;
    this.#entries.set(origin, {
      policy,
      expiresAt: fetchedAt + this.#ttlMs,
      failures: 0,
      good: policy,
    });
    this.#log("debug", "robots.txt loaded from store", origin, {
      outcome: policy.outcome,
      status: record.status,
      ageMs,
    });
    return policy;
  }

  /** Parses `text` into a `rules` policy and records its sitemaps. */
  #rulesPolicy(
    origin: string,
    text: string,
    fetchedAt: number,
    status: number | undefined,
  ): RobotsPolicy {
    const rules = parseRobotsTxt(text);
    for (const sitemap of rules.sitemaps) {
      if (this.#sitemaps.size >= this.#maxSitemaps) break;
      this.#sitemaps.add(sitemap);
    }
    return this.#policy(origin, "rules", fetchedAt, { status, rules });
  }

  #policy(
    origin: string,
    outcome: RobotsOutcome,
    fetchedAt: number,
    details: RobotsPolicyDetails,
  ): RobotsPolicy {
    return robotsPolicy(origin, outcome, fetchedAt, this.#userAgent, details);
  }

  #log(
    level: LogLevel,
    message: string,
    origin: string,
    fields: Record<string, unknown>,
  ): void {
    if (!this.#onLog) return;
    try {
      this.#onLog({
        level,
        message,
        time: Date.now(),
        url: `${origin}/robots.txt`,
        ...fields,
      });
    } catch { /* a logger must not break the crawl */ }
  }
}

/** The origin of an http(s) URL. */
function originOf(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : new URL(url.href);
  } catch {
    throw new TypeError(
      `Cannot get robots.txt as 'url' must be an absolute URL: current value is ${
        JSON.stringify(String(url))
      }`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(
      `Cannot get robots.txt as 'url' must be an http(s) URL: current value is ${
        JSON.stringify(parsed.href)
      }`,
    );
  }
  return parsed.origin;
}
