/**
 * Crawl options resolved: every default filled in from
 * {@linkcode DEFAULTS}, every value checked with the shared rules of
 * `src/options/validate.ts`, so a bad option fails in the constructor, before
 * anything starts.
 *
 * @module
 */
import { systemClock } from "../concurrency/clock.ts";
import {
  AutoThrottle,
  type AutoThrottleOptions,
} from "../frontier/auto_throttle.ts";
import type { CrawlOptions } from "./options.ts";
import type { StateMode } from "../frontier/store.ts";
import { MemoryStore } from "../frontier/memory_store.ts";
import { StateFile, type StoreSource } from "./state_file.ts";
import { privateFetch } from "../telemetry/private_fetch.ts";
import { TrapGuard } from "../guards/trap_guard.ts";
import { DEFAULT_SKIP_EXTENSIONS } from "../guards/skip_extensions.ts";
import { DEFAULTS, defaultWorkers } from "./defaults.ts";
import {
  LOG_LEVEL_OPTION,
  SCOPE,
  STATE_MODE,
  WORKER_PERMISSIONS,
} from "./option_rules.ts";
import { normalizeUrl } from "../url/normalize_url.ts";
import {
  resolveContentOptions,
  type ResolvedContent,
} from "../content/content_options.ts";
import {
  BOOLEAN,
  check,
  FUNCTION,
  LIMIT,
  NON_EMPTY_STRING,
  NON_NEGATIVE_INT,
  NON_NEGATIVE_LIMIT,
  optional,
  POSITIVE_INT,
  POSITIVE_NUMBER,
  type Rule,
  VALID_DATE,
} from "../options/validate.ts";

export {
  LOG_LEVEL,
  LOG_LEVEL_OPTION,
  SCOPE,
  STATE_MODE,
  WORKER_PERMISSIONS,
} from "./option_rules.ts";

/** The crawl options with every default filled in. */
export type Resolved =
  & Required<
    Omit<
      CrawlOptions,
      | "signal"
      | "onLog"
      | "include"
      | "exclude"
      | "headers"
      | "circuitBreaker"
      | "skipExtensions"
      | "stallThresholdMs"
      | "resolver"
      | "traps"
      | "state"
      | "store"
      | keyof ResolvedContent
      | "autoThrottle"
      | "sitemapUrls"
      | "since"
      | "recrawlOlderThanMs"
      | "warc"
      | "save"
    >
  >
  & ResolvedContent
  & {
    signal?: AbortSignal;
    onLog?: CrawlOptions["onLog"];
    headers: Record<string, string>;
    skipExtensions: ReadonlySet<string>;
    stallThresholdMs?: number;
    resolver?: CrawlOptions["resolver"];
    warc?: string;
    save?: string;
    traps: TrapGuard;
    /** The store, or the state file opened when the crawl starts. */
    store: StoreSource;
    stateMode: StateMode;
    perHost: { concurrency: number; rate: number };
    backoff: { baseMs: number; maxMs: number };
    circuitBreaker:
      | { failureThreshold: number; windowMs: number; cooldownMs: number }
      | false;
    /** The auto-throttle's options, or `false` when it is off. */
    autoThrottle: AutoThrottleOptions | false;
    /** The sitemaps to crawl from, in normal form, without repeats. */
    sitemapUrls: readonly string[];
    /** Sitemap entries older than this (epoch ms) are skipped. */
    since?: number;
    /** Recrawl URLs fetched longer ago than this (0: all of them). */
    recrawlOlderThanMs: number;
  };

/** One option checked, with its default: `action` is "crawl". */
function opt<T>(name: string, value: unknown, rule: Rule<T>, fallback: T): T {
  return optional("crawl", name, value, rule, fallback);
}

/**
 * Fills in the defaults of `options` and checks every value.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./resolve_options.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveOptions({}).concurrency, 16);
 * assert.throws(() => resolveOptions({ concurrency: 0 }), RangeError);
 * ```
 *
 * @param options What the caller gave.
 * @returns The options with every default.
 * @throws {TypeError} When an option has the wrong type or is not one of its values.
 * @throws {RangeError} When a number is out of range.
 */
export function resolveOptions(options: CrawlOptions): Resolved {
  const d = DEFAULTS;
  const maxPagesPerHost = opt(
    "maxPagesPerHost",
    options.maxPagesPerHost,
    LIMIT,
    d.maxPagesPerHost,
  );
  if (options.resolver !== undefined) {
    check("crawl", "resolver", options.resolver, FUNCTION);
  }
  if (options.fetch !== undefined) {
    check("crawl", "fetch", options.fetch, FUNCTION);
  }
  const propagateTrace = opt(
    "propagateTrace",
    options.propagateTrace,
    BOOLEAN,
    d.propagateTrace,
  );
  const store = resolveStore(options);
  return {
    ...resolveShape(options),
    ...resolveRequests(options),
    ...resolveContentOptions(options, d),
    ...resolveDiscovery(options, store),
    workers: opt(
      "workers",
      options.workers,
      NON_NEGATIVE_INT,
      defaultWorkers(),
    ),
    headers: { ...options.headers },
    includeLinks: opt(
      "includeLinks",
      options.includeLinks,
      BOOLEAN,
      d.includeLinks,
    ),
    includeReferences: opt(
      "includeReferences",
      options.includeReferences,
      BOOLEAN,
      d.includeReferences,
    ),
    skipExtensions: new Set(
      (options.skipExtensions ?? DEFAULT_SKIP_EXTENSIONS).map((e) =>
        e.toLowerCase().replace(/^\./, "")
      ),
    ),
    circuitBreaker: resolveBreaker(options.circuitBreaker),
    autoThrottle: resolveAutoThrottle(options.autoThrottle),
    maxCrawlDelay: opt(
      "maxCrawlDelay",
      options.maxCrawlDelay,
      POSITIVE_NUMBER,
      d.maxCrawlDelay,
    ),
    stallThresholdMs: options.stallThresholdMs === undefined
      ? undefined
      : check(
        "crawl",
        "stallThresholdMs",
        options.stallThresholdMs,
        POSITIVE_NUMBER,
      ),
    allowPrivateNetworks: opt(
      "allowPrivateNetworks",
      options.allowPrivateNetworks,
      BOOLEAN,
      d.allowPrivateNetworks,
    ),
    workerPermissions: opt(
      "workerPermissions",
      options.workerPermissions,
      WORKER_PERMISSIONS,
      d.workerPermissions,
    ),
    maxPagesPerHost,
    maxLinksPerPage: opt(
      "maxLinksPerPage",
      options.maxLinksPerPage,
      POSITIVE_INT,
      d.maxLinksPerPage,
    ),
    traps: new TrapGuard({ ...options.traps, maxPagesPerHost }),
    resolver: options.resolver,
    ...resolveArchive(options),
    store,
    stateMode: opt("stateMode", options.stateMode, STATE_MODE, d.stateMode),
    signal: options.signal,
    onLog: options.onLog,
    logLevel: opt(
      "logLevel",
      options.logLevel,
      LOG_LEVEL_OPTION,
      d.logLevel,
    ),
    clock: options.clock ?? systemClock,
    propagateTrace,
    fetch: privateFetch(
      options.fetch ?? ((input, init) => fetch(input, init)),
      propagateTrace,
    ),
  };
}

/** What is crawled, how fast and as whom. */
function resolveShape(options: CrawlOptions) {
  const d = DEFAULTS;
  return {
    concurrency: opt(
      "concurrency",
      options.concurrency,
      POSITIVE_INT,
      d.concurrency,
    ),
    perHost: {
      concurrency: opt(
        "perHost.concurrency",
        options.perHost?.concurrency,
        POSITIVE_INT,
        d.perHost.concurrency,
      ),
      rate: opt(
        "perHost.rate",
        options.perHost?.rate,
        POSITIVE_NUMBER,
        d.perHost.rate,
      ),
    },
    maxPages: opt("maxPages", options.maxPages, LIMIT, d.maxPages),
    maxDepth: opt("maxDepth", options.maxDepth, NON_NEGATIVE_LIMIT, d.maxDepth),
    scope: opt("scope", options.scope, SCOPE, d.scope),
    respectRobots: opt(
      "respectRobots",
      options.respectRobots,
      BOOLEAN,
      d.respectRobots,
    ),
    userAgent: opt(
      "userAgent",
      options.userAgent,
      NON_EMPTY_STRING,
      d.userAgent,
    ),
  };
}

/** The limits of one request: time, retries, redirects and bytes. */
function resolveRequests(options: CrawlOptions) {
  const d = DEFAULTS;
  return {
    timeoutMs: opt(
      "timeoutMs",
      options.timeoutMs,
      POSITIVE_NUMBER,
      d.timeoutMs,
    ),
    idleTimeoutMs: opt(
      "idleTimeoutMs",
      options.idleTimeoutMs,
      POSITIVE_NUMBER,
      d.idleTimeoutMs,
    ),
    retries: opt("retries", options.retries, NON_NEGATIVE_INT, d.retries),
    backoff: {
      baseMs: opt(
        "backoff.baseMs",
        options.backoff?.baseMs,
        POSITIVE_NUMBER,
        d.backoff.baseMs,
      ),
      maxMs: opt(
        "backoff.maxMs",
        options.backoff?.maxMs,
        POSITIVE_NUMBER,
        d.backoff.maxMs,
      ),
    },
    maxRedirects: opt(
      "maxRedirects",
      options.maxRedirects,
      NON_NEGATIVE_INT,
      d.maxRedirects,
    ),
    maxBodyBytes: opt(
      "maxBodyBytes",
      options.maxBodyBytes,
      POSITIVE_INT,
      d.maxBodyBytes,
    ),
  };
}

/** Sitemaps and recrawls: what else is crawled, and what again. */
function resolveDiscovery(options: CrawlOptions, store: StoreSource) {
  const sitemapUrls: string[] = [];
  for (const raw of options.sitemapUrls ?? []) {
    const url = normalizeUrl(String(raw));
    if (url === undefined) {
      throw new TypeError(
        `Cannot crawl as sitemap '${raw}' is not an absolute http(s) URL`,
      );
    }
    if (!sitemapUrls.includes(url)) sitemapUrls.push(url);
  }
  const olderThan = options.recrawlOlderThanMs === undefined
    ? undefined
    : check(
      "crawl",
      "recrawlOlderThanMs",
      options.recrawlOlderThanMs,
      POSITIVE_NUMBER,
    );
  const recrawl = opt(
    "recrawl",
    options.recrawl,
    BOOLEAN,
    olderThan !== undefined || DEFAULTS.recrawl,
  );
  if (olderThan !== undefined && !recrawl) {
    throw new TypeError(
      "Cannot crawl as 'recrawlOlderThanMs' needs 'recrawl': leave 'recrawl' unset or true",
    );
  }
  if (
    recrawl && !(store instanceof StateFile) && store.supportsRecrawl !== true
  ) {
    throw new TypeError(
      "Cannot crawl as 'recrawl' needs a store that keeps every URL: pass 'state' (a SQLite file) or a SqliteStore",
    );
  }
  return {
    sitemaps: opt("sitemaps", options.sitemaps, BOOLEAN, DEFAULTS.sitemaps),
    sitemapUrls,
    since: options.since === undefined
      ? undefined
      : check("crawl", "since", options.since, VALID_DATE).getTime(),
    recrawl,
    recrawlOlderThanMs: olderThan ?? 0,
  };
}

function resolveBreaker(
  breaker: CrawlOptions["circuitBreaker"],
): Resolved["circuitBreaker"] {
  if (breaker === false) return false;
  const d = DEFAULTS.circuitBreaker;
  return {
    failureThreshold: opt(
      "circuitBreaker.failureThreshold",
      breaker?.failureThreshold,
      POSITIVE_INT,
      d.failureThreshold,
    ),
    windowMs: opt(
      "circuitBreaker.windowMs",
      breaker?.windowMs,
      POSITIVE_NUMBER,
      d.windowMs,
    ),
    cooldownMs: opt(
      "circuitBreaker.cooldownMs",
      breaker?.cooldownMs,
      POSITIVE_NUMBER,
      d.cooldownMs,
    ),
  };
}

/** What is kept of the crawl: WARC files, a folder, page requisites. */
function resolveArchive(options: CrawlOptions) {
  const d = DEFAULTS;
  const path = (name: "warc" | "save") =>
    options[name] === undefined
      ? undefined
      : check("crawl", name, options[name], NON_EMPTY_STRING);
  return {
    warc: path("warc"),
    warcMaxSize: opt(
      "warcMaxSize",
      options.warcMaxSize,
      POSITIVE_INT,
      d.warcMaxSize,
    ),
    save: path("save"),
    requisites: opt(
      "requisites",
      options.requisites,
      BOOLEAN,
      d.requisites,
    ),
  };
}

function resolveAutoThrottle(
  auto: CrawlOptions["autoThrottle"],
): AutoThrottleOptions | false {
  if (auto === undefined) return DEFAULTS.autoThrottle;
  if (typeof auto !== "object" || auto === null) {
    return check("crawl", "autoThrottle", auto, BOOLEAN) ? {} : false;
  }
  new AutoThrottle(auto, 0); // checks its numbers now, not at the start
  return { ...auto };
}

function resolveStore(options: CrawlOptions): StoreSource {
  if (options.state !== undefined && options.store !== undefined) {
    throw new TypeError(
      "Cannot crawl as 'state' and 'store' both name a store: pass one",
    );
  }
  // The state file is opened when the crawl starts (see openStore).
  if (options.state !== undefined) return new StateFile(options.state);
  if (options.store !== undefined) {
    if (typeof options.store?.createFrontier !== "function") {
      throw new TypeError(
        "Cannot crawl as 'store' must be a FrontierStore (with createFrontier)",
      );
    }
    return options.store;
  }
  return new MemoryStore();
}

/**
 * A `URLPattern`'s components, as text for the crawl's settings.
 *
 * @example
 * ```ts
 * import { describePattern } from "./resolve_options.ts";
 *
 * console.log(describePattern(new URLPattern({ pathname: "/docs/*" })));
 * ```
 *
 * @param p The pattern.
 * @returns Its components, space-separated.
 */
export function describePattern(p: URLPattern): string {
  const parts = [
    p.protocol,
    p.username,
    p.password,
    p.hostname,
    p.port,
    p.pathname,
    p.search,
    p.hash,
  ];
  return `URLPattern(${parts.join(" ")})`;
}
