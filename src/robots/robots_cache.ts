/**
 * Fetches, interprets and caches robots.txt per origin (RFC 9309 §2.3–2.5).
 *
 * @module
 */
import { STOP } from "../concurrency/_stop.ts";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import {
  FetchError,
  HttpError,
  IdleTimeoutError,
  RedirectError,
  RequestTimeoutError,
} from "../fetch/errors.ts";
import type { RobotsRecord, RobotsStore } from "../frontier/store.ts";
import type { LogHandler, LogLevel } from "../telemetry/log.ts";
import { readBody } from "../fetch/read_body.ts";
import { parseRobotsTxt, type RobotsTxt } from "./robots_txt.ts";

/** How an origin's robots.txt fetch turned out. */
export type RobotsOutcome = "rules" | "allow-all" | "disallow-all";

/** The robots.txt verdict for one origin. */
export interface RobotsPolicy {
  /** The origin, e.g. `https://example.com` (default ports omitted). */
  readonly origin: string;
  /**
   * `rules`: a 2xx body was parsed. `allow-all`: robots.txt is unavailable
   * (4xx other than 429, or too many redirects / a redirect loop).
   * `disallow-all`: it is unreachable (429, 5xx, network error, timeout, a
   * redirect to a non-http(s) or refused URL) and no good copy is kept.
   */
  readonly outcome: RobotsOutcome;
  /** The parsed file when `outcome` is `rules`. */
  readonly rules?: RobotsTxt;
  /** The final HTTP status, when a response was received. */
  readonly status?: number;
  /** Why the latest fetch failed, when it did. */
  readonly error?: { name: string; message: string };
  /**
   * Clock time (see the cache's `clock`) of the next fetch attempt after an
   * unreachable result.
   */
  readonly retryAt?: number;
  /**
   * `true` when the latest fetch failed and this is the last good copy
   * (kept for up to `staleMs`); `error` and `retryAt` describe the failure.
   */
  readonly stale?: boolean;
  /** Clock time this policy was decided. */
  readonly fetchedAt: number;
  /**
   * Whether the cache's user agent may fetch `url` (only its path and query
   * are looked at). `/robots.txt` is always allowed.
   *
   * @param url An absolute URL on this origin, or a path.
   * @returns `true` when the URL may be fetched.
   */
  isAllowed(url: string | URL): boolean;
  /**
   * The cache's user agent's `Crawl-delay`, in seconds.
   *
   * @returns The delay, or `undefined` when none applies.
   */
  crawlDelay(): number | undefined;
  /** The `Sitemap:` URLs of the file (empty unless `outcome` is `rules`). */
  readonly sitemaps: string[];
}

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

interface Entry {
  policy: RobotsPolicy;
  /** Clock time after which the next `get` refetches. */
  expiresAt: number;
  /** Consecutive unreachable results, for the backoff. */
  failures: number;
  /** The last policy decided from a response (2xx or 4xx). */
  good?: RobotsPolicy;
}

interface Inflight {
  promise: Promise<RobotsPolicy>;
  controller: AbortController;
  waiters: number;
}

type FetchOutcome =
  | { kind: "rules"; status: number; text: string }
  | { kind: "allow-all"; status?: number; error?: Error }
  | {
    kind: "unreachable";
    status?: number;
    error: Error;
    retryAfterMs?: number;
  };

const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];

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
 * import { RobotsCache } from "@trawl/trawl";
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
 * import { RobotsCache, type RobotsCacheOptions } from "@trawl/trawl";
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
  #userAgent: string;
  #fetch: typeof fetch;
  #clock: Clock;
  #timeoutMs: number;
  #idleTimeoutMs: number;
  #maxBytes: number;
  #maxRedirects: number;
  #ttlMs: number;
  #backoffMs: number;
  #maxBackoffMs: number;
  #staleMs: number;
  #maxEntries: number;
  #maxSitemaps: number;
  #headers: Headers;
  #checkUrl?: (url: URL) => void | Promise<void>;
  #onLog?: LogHandler;
  #store?: RobotsStore;
  #entries = new Map<string, Entry>();
  #inflight = new Map<string, Inflight>();
  #sitemaps = new Set<string>();
  #stats: RobotsCacheStats = {
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
   * @throws {TypeError} When `userAgent` is not a non-empty string.
   * @throws {RangeError} When a limit is out of range.
   */
  constructor(options: RobotsCacheOptions) {
    const o = options ?? {} as RobotsCacheOptions;
    if (typeof o.userAgent !== "string" || o.userAgent.trim() === "") {
      throw new TypeError(
        `Cannot create RobotsCache as 'userAgent' must be a non-empty string: current value is ${
          JSON.stringify(o.userAgent)
        }`,
      );
    }
    this.#userAgent = o.userAgent;
    this.#fetch = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#clock = o.clock ?? systemClock;
    this.#timeoutMs = positive("timeoutMs", o.timeoutMs, 30_000);
    this.#idleTimeoutMs = positive("idleTimeoutMs", o.idleTimeoutMs, 10_000);
    this.#maxBytes = integer("maxBytes", o.maxBytes, 512_000, 1);
    this.#maxRedirects = integer("maxRedirects", o.maxRedirects, 5, 0);
    this.#ttlMs = positive("ttlMs", o.ttlMs, 86_400_000);
    this.#backoffMs = positive("backoffMs", o.backoffMs, 300_000);
    this.#maxBackoffMs = positive("maxBackoffMs", o.maxBackoffMs, 3_600_000);
    this.#staleMs = nonNegative("staleMs", o.staleMs, 30 * 86_400_000);
    this.#maxEntries = integer("maxEntries", o.maxEntries, 10_000, 1);
    this.#maxSitemaps = integer("maxSitemaps", o.maxSitemaps, 10_000, 0);
    this.#headers = new Headers(o.headers);
    for (const name of CREDENTIAL_HEADERS) this.#headers.delete(name);
    this.#headers.set("user-agent", this.#userAgent);
    if (!this.#headers.has("accept")) {
      this.#headers.set("accept", "text/plain,*/*;q=0.8");
    }
    this.#checkUrl = o.checkUrl;
    this.#onLog = o.onLog;
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
   * The robots.txt policy of `url`'s origin: cached, or fetched now (sharing
   * a fetch already in flight for that origin).
   *
   * @example Usage
   * ```ts
   * import { RobotsCache } from "@trawl/trawl";
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
    signal?.throwIfAborted();
    const origin = parsed.origin;
    const entry = this.#entries.get(origin);
    if (entry && this.#clock.now() < entry.expiresAt) {
      this.#entries.delete(origin); // LRU: move to the back
      this.#entries.set(origin, entry);
      this.#stats.hits++;
      return entry.policy;
    }
    let inflight = this.#inflight.get(origin);
    if (inflight) this.#stats.joined++;
    else inflight = this.#start(origin);
    return await this.#wait(origin, inflight, signal);
  }

  /**
   * Aborts every fetch in flight (their waiters reject) and forgets all
   * cached policies.
   */
  clear(): void {
    for (const inflight of this.#inflight.values()) {
      inflight.controller.abort(
        new DOMException("The robots cache was cleared", "AbortError"),
      );
    }
    this.#inflight.clear();
    this.#entries.clear();
  }

  /** Same as {@linkcode RobotsCache.clear}. */
  [Symbol.dispose](): void {
    this.clear();
  }

  #start(origin: string): Inflight {
    const controller = new AbortController();
    const inflight: Inflight = {
      controller,
      waiters: 0,
      promise: undefined!,
    };
    inflight.promise = this.#refresh(origin, controller.signal).finally(() => {
      if (this.#inflight.get(origin) === inflight) {
        this.#inflight.delete(origin);
      }
    });
    inflight.promise.catch(() => {}); // the waiters see it; never unhandled
    this.#inflight.set(origin, inflight);
    return inflight;
  }

  #wait(
    origin: string,
    inflight: Inflight,
    signal: AbortSignal | undefined,
  ): Promise<RobotsPolicy> {
    inflight.waiters++;
    return new Promise<RobotsPolicy>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        settled = true;
        inflight.waiters--;
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        leave();
        reject(signal!.reason);
        // The last waiter gone: stop the shared fetch and cache nothing.
        if (inflight.waiters === 0 && this.#inflight.get(origin) === inflight) {
          this.#inflight.delete(origin);
          inflight.controller.abort(signal!.reason);
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      inflight.promise.then(
        (policy) => {
          if (settled) return;
          leave();
          resolve(policy);
        },
        (err) => {
          if (settled) return;
          leave();
          reject(err);
        },
      );
    });
  }

  async #refresh(origin: string, signal: AbortSignal): Promise<RobotsPolicy> {
    if (this.#store) {
      const loaded = await this.#load(this.#store, origin, signal);
      if (loaded) return loaded;
    }
    this.#stats.fetches++;
    const startedAt = this.#clock.now();
    const outcome = await this.#fetchRobots(origin, signal);
    signal.throwIfAborted(); // every waiter left: cache nothing
    const now = this.#clock.now();
    const previous = this.#entries.get(origin);
    let entry: Entry;
    if (outcome.kind === "unreachable") {
      const failures = (previous?.failures ?? 0) + 1;
      let wait = Math.min(
        this.#backoffMs * 2 ** Math.min(failures - 1, 52),
        this.#maxBackoffMs,
      );
      if (outcome.retryAfterMs !== undefined) {
        wait = Math.max(
          wait,
          Math.min(outcome.retryAfterMs, this.#maxBackoffMs),
        );
      }
      const retryAt = now + wait;
      const error = describe(outcome.error);
      const good = previous?.good;
      const policy = good && now - good.fetchedAt <= this.#staleMs
        ? { ...good, error, retryAt, stale: true }
        : this.#policy(origin, "disallow-all", now, {
          status: outcome.status,
          error,
          retryAt,
        });
      entry = { policy, expiresAt: retryAt, failures, good };
      this.#log("warn", "robots.txt unreachable", origin, {
        outcome: policy.outcome,
        stale: policy.stale ?? false,
        status: outcome.status,
        error,
        retryInMs: wait,
        failures,
      });
    } else {
      let policy: RobotsPolicy;
      if (outcome.kind === "rules") {
        policy = this.#rulesPolicy(origin, outcome.text, now, outcome.status);
      } else {
        policy = this.#policy(origin, "allow-all", now, {
          status: outcome.status,
          error: outcome.error ? describe(outcome.error) : undefined,
        });
      }
      entry = {
        policy,
        expiresAt: now + this.#ttlMs,
        failures: 0,
        good: policy,
      };
      this.#log("debug", "robots.txt fetched", origin, {
        outcome: policy.outcome,
        status: outcome.status,
        ms: now - startedAt,
      });
      if (this.#store) {
        this.#save(this.#store, {
          origin,
          outcome: outcome.kind,
          ...(outcome.status !== undefined ? { status: outcome.status } : {}),
          ...(outcome.kind === "rules" ? { text: outcome.text } : {}),
          fetchedAt: Date.now(),
        });
      }
    }
    this.#remember(origin, entry);
    return entry.policy;
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
    let record: RobotsRecord | undefined;
    try {
      record = await abortable(
        new Promise<RobotsRecord | undefined>((resolve) =>
          resolve(store.load(origin))
        ),
        signal,
      );
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      this.#log("warn", "robots.txt store load failed", origin, {
        error: describeUnknown(err),
      });
      return undefined;
    }
    if (record === undefined || record === null) return undefined;
    if (!isRecordOf(record, origin)) {
      this.#log("warn", "robots.txt store record ignored", origin, {
        reason: "malformed",
      });
      return undefined;
    }
    // `fetchedAt` is wall time; the cache's expiry runs on `clock`.
    const age = Date.now() - record.fetchedAt;
    if (!(age >= 0 && age < this.#ttlMs)) {
      this.#log("debug", "robots.txt store record expired", origin, {
        ageMs: age,
      });
      return undefined;
    }
    const fetchedAt = this.#clock.now() - age;
    const policy = record.outcome === "rules"
      ? this.#rulesPolicy(origin, record.text!, fetchedAt, record.status)
      : this.#policy(origin, "allow-all", fetchedAt, { status: record.status });
    this.#stats.loaded++;
    this.#remember(origin, {
      policy,
      expiresAt: fetchedAt + this.#ttlMs,
      failures: 0,
      good: policy,
    });
    this.#log("debug", "robots.txt loaded from store", origin, {
      outcome: policy.outcome,
      status: record.status,
      ageMs: age,
    });
    return policy;
  }

  /** Calls `store.save` without waiting; a failure is only logged. */
  #save(store: RobotsStore, record: RobotsRecord): void {
    const warn = (err: unknown) =>
      this.#log("warn", "robots.txt store save failed", record.origin, {
        error: describeUnknown(err),
      });
    try {
      const saved = store.save(record);
      if (saved && typeof saved.then === "function") {
        Promise.resolve(saved).catch(warn);
      }
    } catch (err) {
      warn(err);
    }
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

  /** Caches `entry` as the most recently used, dropping the oldest. */
  #remember(origin: string, entry: Entry): void {
    this.#entries.delete(origin);
    this.#entries.set(origin, entry);
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  #policy(
    origin: string,
    outcome: RobotsOutcome,
    fetchedAt: number,
    extra: Partial<
      Pick<RobotsPolicy, "rules" | "status" | "error" | "retryAt">
    >,
  ): RobotsPolicy {
    const userAgent = this.#userAgent;
    const rules = extra.rules;
    const policy: RobotsPolicy = {
      origin,
      outcome,
      fetchedAt,
      sitemaps: rules ? rules.sitemaps : [],
      isAllowed: (url: string | URL): boolean => {
        if (rules) return rules.isAllowed(url, userAgent);
        if (outcome === "allow-all") return true;
        return isRobotsTxt(url);
      },
      crawlDelay: (): number | undefined => rules?.crawlDelay(userAgent),
    };
    for (const [k, v] of Object.entries(extra)) {
      if (v !== undefined) {
        (policy as unknown as Record<string, unknown>)[k] = v;
      }
    }
    return policy;
  }

  /** Fetches robots.txt, following redirects by hand, and classifies it. */
  async #fetchRobots(
    origin: string,
    shared: AbortSignal,
  ): Promise<FetchOutcome> {
    const first = new URL("/robots.txt", origin);
    const limit = new AbortController(); // total or idle timeout
    const timer = new AbortController();
    this.#clock.sleep(this.#timeoutMs, timer.signal).then(
      () => limit.abort(new RequestTimeoutError(first.href, this.#timeoutMs)),
      () => {},
    );
    const signal = AbortSignal.any([shared, limit.signal]);
    let url = first;
    const chain: string[] = [];
    let response: Response | undefined;
    try {
      for (;;) {
        signal.throwIfAborted();
        if (chain.includes(url.href)) {
          chain.push(url.href);
          return {
            kind: "allow-all",
            error: new RedirectError(first.href, "loop", chain),
          };
        }
        chain.push(url.href);
        try {
          if (this.#checkUrl) {
            await abortable(Promise.resolve(this.#checkUrl(url)), signal);
          }
        } catch (err) {
          return {
            kind: "unreachable",
            error: err instanceof Error
              ? err
              : new FetchError(url.href, `refused: ${String(err)}`),
          };
        }
        signal.throwIfAborted();
        this.#stats.requests++;
        const request = this.#fetch(url, {
          method: "GET",
          headers: this.#headers,
          redirect: "manual",
          credentials: "omit",
          signal,
        });
        // A fetch that ignores its signal must not outlast the timeout; if it
        // answers late, release the body.
        request.then((r) => {
          if (signal.aborted) r.body?.cancel().catch(() => {});
        }, () => {});
        response = await abortable(request, signal);
        const status = response.status;
        if (status >= 300 && status < 400) {
          await response.body?.cancel().catch(() => {});
          const location = response.headers.get("location");
          if (chain.length > this.#maxRedirects) {
            return {
              kind: "allow-all",
              status,
              error: new RedirectError(first.href, "too-many", chain),
            };
          }
          let next: URL | undefined;
          try {
            if (location !== null) next = new URL(location, url);
          } catch { /* unparseable */ }
          if (!next) {
            return {
              kind: "unreachable",
              status,
              error: new RedirectError(first.href, "bad-location", chain),
            };
          }
          if (next.protocol !== "http:" && next.protocol !== "https:") {
            chain.push(next.href);
            return {
              kind: "unreachable",
              status,
              error: new RedirectError(first.href, "scheme", chain),
            };
          }
          url = next;
          continue;
        }
        if (status >= 200 && status < 300) {
          const { bytes, truncated } = await readBody(response.body, {
            maxBytes: this.#maxBytes,
            idleTimeoutMs: this.#idleTimeoutMs,
            clock: this.#clock,
            signal,
            url: url.href,
            onTimeout: () => limit.abort(),
          });
          return { kind: "rules", status, text: decode(bytes, truncated) };
        }
        await response.body?.cancel().catch(() => {});
        if (status >= 400 && status < 500 && status !== 429) {
          return { kind: "allow-all", status };
        }
        return {
          kind: "unreachable",
          status,
          error: new HttpError(url.href, status),
          retryAfterMs: status === 429 || status === 503
            ? retryAfter(response.headers)
            : undefined,
        };
      }
    } catch (err) {
      await response?.body?.cancel().catch(() => {});
      if (shared.aborted) throw shared.reason;
      const reason = err instanceof IdleTimeoutError || !limit.signal.aborted
        ? err
        : limit.signal.reason;
      return {
        kind: "unreachable",
        error: reason instanceof Error
          ? (reason.name === "TypeError"
            ? new FetchError(url.href, reason.message, { cause: reason })
            : reason)
          : new FetchError(url.href, String(reason)),
      };
    } finally {
      timer.abort(STOP);
    }
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

/** `promise`, or a rejection with `signal.reason` as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}

function isRobotsTxt(url: string | URL): boolean {
  try {
    const u = typeof url === "string" ? new URL(url, "http://x") : url;
    return u.pathname === "/robots.txt";
  } catch {
    return false;
  }
}

/** Decodes UTF-8 (dropping a BOM); a cut body loses its partial last line. */
function decode(bytes: Uint8Array, truncated: boolean): string {
  if (truncated) {
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] !== 0x0a && bytes[end - 1] !== 0x0d) end--;
    bytes = bytes.subarray(0, end);
  }
  return new TextDecoder().decode(bytes);
}

/** `Retry-After` in ms: delta-seconds, or an HTTP-date against `Date`. */
function retryAfter(headers: Headers): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const date = Date.parse(headers.get("date") ?? "");
  const now = Number.isNaN(date) ? Date.now() : date;
  return Math.max(0, at - now);
}

function describe(err: Error): { name: string; message: string } {
  return { name: err.name, message: err.message };
}

function describeUnknown(err: unknown): { name: string; message: string } {
  return err instanceof Error
    ? describe(err)
    : { name: "Error", message: String(err) };
}

/** Whether `record` is a usable stored answer for `origin`. */
function isRecordOf(record: RobotsRecord, origin: string): boolean {
  if (typeof record !== "object" || record.origin !== origin) return false;
  if (typeof record.fetchedAt !== "number" || !isFinite(record.fetchedAt)) {
    return false;
  }
  if (
    record.status !== undefined &&
    (!Number.isInteger(record.status) || record.status < 100 ||
      record.status > 599)
  ) {
    return false;
  }
  if (record.outcome === "rules") return typeof record.text === "string";
  return record.outcome === "allow-all";
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0)) {
    throw new RangeError(
      `Cannot create RobotsCache as '${name}' must be a positive number: current value is ${value}`,
    );
  }
  return value;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= 0)) {
    throw new RangeError(
      `Cannot create RobotsCache as '${name}' must be a non-negative number: current value is ${value}`,
    );
  }
  return value;
}

function integer(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new RangeError(
      `Cannot create RobotsCache as '${name}' must be an integer >= ${min}: current value is ${value}`,
    );
  }
  return value as number;
}
