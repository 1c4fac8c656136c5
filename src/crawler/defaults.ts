/**
 * The crawl options' defaults, defined once: `resolveOptions` reads them,
 * the CLI's `--help` prints them, and a test holds every `@default` in the
 * option docs to them.
 *
 * @module
 */

/** The default `User-Agent`. */
export const DEFAULT_USER_AGENT = "trawl/0.1 (+https://jsr.io/@trawl/trawl)";

/**
 * The default of every crawl option that has a fixed one (`workers` depends
 * on the machine: see {@linkcode defaultWorkers}).
 *
 * @example Reading a default
 * ```ts
 * import { DEFAULTS } from "./defaults.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULTS.concurrency, 16);
 * ```
 */
export const DEFAULTS = {
  concurrency: 16,
  perHost: { concurrency: 2, rate: Infinity },
  maxPages: Infinity,
  maxPagesPerHost: Infinity,
  maxLinksPerPage: 1000,
  maxDepth: Infinity,
  scope: "host",
  respectRobots: true,
  sitemaps: true,
  recrawl: false,
  userAgent: DEFAULT_USER_AGENT,
  timeoutMs: 30_000,
  idleTimeoutMs: 10_000,
  retries: 2,
  backoff: { baseMs: 500, maxMs: 60_000 },
  maxRedirects: 10,
  maxBodyBytes: 10 * 1024 * 1024,
  workerPermissions: "inherit",
  includeLinks: false,
  includeReferences: false,
  propagateTrace: false,
  maxCrawlDelay: 30,
  allowPrivateNetworks: false,
  circuitBreaker: { failureThreshold: 10, windowMs: 10_000, cooldownMs: 5_000 },
  stateMode: "auto",
  logLevel: "info",
  autoThrottle: false,
  warcMaxSize: 1_000_000_000,
  requisites: false,
  extractTimeoutMs: 10_000,
  mainContent: false,
} as const;

/**
 * The default number of parser workers: one per core but one, at least one.
 *
 * @example
 * ```ts
 * import { defaultWorkers } from "./defaults.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(defaultWorkers() >= 1);
 * ```
 *
 * @returns `max(1, navigator.hardwareConcurrency - 1)`.
 */
export function defaultWorkers(): number {
  const cores = (globalThis.navigator?.hardwareConcurrency ?? 2) | 0;
  return Math.max(1, cores - 1);
}
