/**
 * Where a crawl's frontier lives: the interface between the crawler and its
 * store. Three stores implement it: memory (the default, `MemoryStore`), a
 * SQLite file (`SqliteStore`, `--state PATH`) and Redis (`RedisStore`,
 * `--frontier redis://…`).
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { CrawlStats } from "../crawler/stats.ts";
import type { LogRecord } from "../telemetry/log.ts";
import type { Validators } from "../fetch/body_rule.ts";
import type { AutoThrottleOptions } from "./auto_throttle.ts";
import type { ThrottleCause } from "./host_throttle.ts";

/** A URL waiting in the frontier. */
export interface FrontierEntry {
  /** The URL, in normal form. */
  url: string;
  /** Its `host` (hostname and port): the politeness key. */
  host: string;
  /** Link distance from the seeds. */
  depth: number;
  /** The page that linked here. */
  referrer?: string;
  /** The span of the page that linked here. */
  parentSpanId?: string;
  /**
   * The trace of the page that linked here, when it is not the crawl's own
   * (with OpenTelemetry on, each page has its own trace).
   */
  parentTraceId?: string;
  /**
   * Set when the URL is a sitemap: how deep it sits below a root sitemap
   * (0 for one named in robots.txt or given to the crawl, 1 for a sitemap
   * an index lists).
   */
  sitemap?: number;
  /**
   * How the URL was found when not through a page's link: listed in a
   * sitemap (the `referrer`), or (a sitemap) named in robots.txt.
   */
  via?: "sitemap" | "robots";
  /** The `<lastmod>` its sitemap gave it. */
  lastmod?: string;
  /**
   * The validators of the URL's last response, sent back by a recrawl so
   * that an unchanged resource answers `304`.
   */
  validators?: Validators;
  /** A page requisite: fetched for the page, not parsed for links. */
  requisite?: boolean;
}

/**
 * When a URL waited for its host to be ready, as clock readings: its host's
 * queue began to wait for a slot (`since`), got the slot (`permit`), then a
 * token of the host's rate limit (`token`).
 */
export interface PoliteWait {
  /** The wait began. */
  since: number;
  /** The host's concurrency slot was granted. */
  permit: number;
  /** The host's rate-limit token was granted (equals `permit` with no limit). */
  token: number;
}

/** A URL handed to a fetcher, with its host's concurrency permit. */
export interface ReadyEntry extends FrontierEntry {
  /**
   * The host's politeness slot: released by the crawler when the request
   * (and its retries) is over, whether or not its result was committed.
   */
  permit: { release(): void };
  /** Its politeness wait, when the store waits in this process. */
  wait?: PoliteWait;
}

/**
 * What one finished page (or the seeds) adds to the frontier, committed as
 * one unit: a crash leaves all of it or none of it.
 */
export interface FrontierBatch {
  /** The finished page and its result; absent for the seeds. */
  page?: { entry: ReadyEntry; result: CrawlResult };
  /** URLs found: each is queued unless seen before or over the budget. */
  found: FrontierEntry[];
  /**
   * URLs settled without a request (a skipped extension, a spider-trap
   * refusal): each is recorded as done with its result unless seen before.
   * They do not count against the page budget.
   */
  settled: CrawlResult[];
}

/** How a host answered one request, for the per-host throttle. */
export interface HostAnswer {
  /**
   * It answered well: a response that is not a 429 or a 5xx (a network
   * error or a timeout is not good).
   */
  good: boolean;
  /** The HTTP status (0 when no response arrived). */
  status: number;
  /** Time to the response's headers (or to the failure), ms. */
  ms: number;
}

/** How to treat state left by an earlier run. */
export type StateMode = "auto" | "resume" | "fresh";

/** What a store needs to build a crawl's frontier. */
export interface FrontierContext {
  /** The seeds, in normal form. */
  seeds: readonly string[];
  /**
   * The options that shape what is crawled (scope, filters, depth, budget,
   * robots, user agent…), as JSON-safe values: an existing state made with
   * other seeds or settings is refused in mode `"auto"`.
   */
  settings: Readonly<Record<string, unknown>>;
  /**
   * `"auto"`: continue a matching state, refuse a different one;
   * `"resume"`: continue whatever the state holds, adding the new seeds;
   * `"fresh"`: discard the state and start over.
   */
  mode: StateMode;
  /** Requests in flight to one host. */
  perHostConcurrency: number;
  /** Requests per second to one host (`Infinity` for no limit). */
  perHostRate: number;
  /** URLs accepted at most (the page budget). */
  maxAccepted: number;
  /** Capacity of the hand-off queue to the fetchers. */
  readySize: number;
  /** Time source for the rate limits. */
  clock: Clock;
  /**
   * Per-host delays from observed latency (see `AutoThrottle`); off when
   * absent.
   */
  autoThrottle?: AutoThrottleOptions;
  /** Runs a task as a child of the crawl's task group. */
  spawn: (fn: (signal: AbortSignal) => Promise<void>) => void;
  /**
   * The crawl's live counters: a durable store restores them on resume and
   * keeps them with its commits.
   */
  stats: CrawlStats;
  /** Receives the store's log records. */
  onLog: (record: LogRecord) => void;
  /**
   * Start a recrawl when the stored crawl has nothing pending: every URL
   * fetched before `before` (epoch ms) is queued again, with its
   * validators. Only a store with `supportsRecrawl` takes it.
   */
  recrawl?: { before: number };
  /**
   * Whether a queued URL will be settled without a request (the crawler
   * knows that its host's robots.txt disallows it): a rate-limited host's
   * token (a `Crawl-delay`) is then not spent on it. Stores that hand URLs
   * out in this process ask it; a shared store spends the token.
   */
  requestless?: (url: string) => boolean;
  /**
   * Called at open for each URL an earlier run accepted, so per-URL limits
   * kept in memory (the spider-trap counters) go on from where they were.
   */
  restore?: (url: string) => void;
  /**
   * URLs admitted per host at most (`Infinity`: no limit). The crawler's
   * spider-trap guard counts them in its process; a store shared by several
   * processes counts them for all of them together and refuses the found
   * URLs past the limit (reporting each with `refuse`).
   */
  maxPagesPerHost?: number;
  /**
   * Distinct query strings admitted per host and path at most, shared like
   * `maxPagesPerHost`.
   */
  maxQueryVariants?: number;
  /**
   * The result of a found URL that a shared limit refuses: skipped with
   * `budget` (`maxPagesPerHost`) or `query-variants`. Without it a shared
   * store leaves the limits to the crawler's own guard.
   */
  refuse?: (
    entry: FrontierEntry,
    reason: "budget" | "query-variants",
  ) => CrawlResult;
}

/** A crawl's frontier, built by a {@linkcode FrontierStore}. */
export interface CrawlFrontier {
  /**
   * Opens the frontier (loading or checking stored state) and takes the
   * seeds.
   *
   * @returns The seeds' `settled` results that were not seen before, to be
   * yielded.
   */
  open(seeds: FrontierBatch, signal: AbortSignal): Promise<CrawlResult[]>;
  /**
   * The next URL whose host is ready, or `undefined` when the crawl is over
   * (nothing queued or in flight) or the frontier was closed.
   */
  next(signal: AbortSignal): Promise<ReadyEntry | undefined>;
  /**
   * Whether `url` is known to have been accepted (a fast local check: a
   * shared store may answer `false` for a URL another process took).
   */
  has(url: string): boolean;
  /**
   * {@linkcode CrawlFrontier.has} for a URL already fingerprinted (by
   * `fingerprint64`, as a parse worker does for the links it finds);
   * optional: without it the crawler calls `has`.
   */
  hasFingerprint?(hi: number, lo: number): boolean;
  /**
   * Records a finished page with what it found. The page's result and its
   * done mark are committed together.
   *
   * @returns The results to yield: the page's own (unless another process
   * already committed one for that URL) and the newly settled ones.
   */
  commit(batch: FrontierBatch): CrawlResult[] | Promise<CrawlResult[]>;
  /**
   * Makes every commit so far durable. The crawler calls it before yielding
   * a result, so a yielded result is never lost.
   */
  flush(): void | Promise<void>;
  /** Lowers a host's request rate (never above the configured rate). */
  limitHost(host: string, rate: number): void;
  /**
   * Takes a host's politeness slot (its concurrency permit and a rate
   * token), as a page of the host would, for a request the crawl makes
   * besides its pages (a link check). Release it when the request is over.
   * Optional: without it such requests keep their own per-host limits.
   */
  acquireHost?(host: string, signal: AbortSignal): Promise<{ release(): void }>;
  /**
   * Counts how a host answered one request: a throttled host's rate climbs
   * back with good answers (and with auto-throttle, latency sets the
   * host's delay). Optional: a store without it never raises a rate again.
   *
   * @returns The host's new rate when it changed.
   */
  answered?(host: string, answer: HostAnswer, now: number): number | undefined;
  /**
   * Backs off from a host that asked for it (429/503 with `Retry-After`)
   * until clock time `until`, halving its rate.
   *
   * @returns The host's new rate when this call lowered it.
   */
  throttle(
    host: string,
    until: number,
    now: number,
    cause?: ThrottleCause,
  ): number | undefined;
  /** URLs accepted so far (across runs and processes where known). */
  readonly accepted: number;
  /** Accepted URLs not yet handed to a fetcher. */
  readonly queued: number;
  /** The store's robots.txt records, when it keeps them. */
  readonly robots?: RobotsStore;
  /**
   * Small values committed with the crawl's pages (an archive's write
   * position), when the store keeps them.
   */
  readonly checkpoints?: Checkpoints;
  /**
   * Stops handing out URLs and releases what the store holds (leases go
   * back, files are closed). Called once, after the last commit.
   */
  close(): Promise<void>;
}

/** A robots.txt answer worth keeping between runs. */
export interface RobotsRecord {
  /** The origin, e.g. `https://example.com`. */
  origin: string;
  /** `"rules"` (a 2xx body) or `"allow-all"` (a 4xx). */
  outcome: "rules" | "allow-all";
  /** The HTTP status. */
  status?: number;
  /** The robots.txt text, for `"rules"`. */
  text?: string;
  /** When it was fetched (epoch ms). */
  fetchedAt: number;
}

/** Keeps robots.txt answers between runs (and processes). */
export interface RobotsStore {
  /** The stored record of `origin`, if any. */
  load(
    origin: string,
  ): RobotsRecord | undefined | Promise<RobotsRecord | undefined>;
  /** Stores a fresh record. */
  save(record: RobotsRecord): void | Promise<void>;
}

/**
 * Small values a durable store commits together with the pages: a value set
 * now becomes durable with the next flush, in the same transaction as the
 * pages committed before that flush, and a crash loses both or neither. An
 * archive keeps its write position there, so what a resumed crawl finds
 * committed matches what its files hold.
 *
 * @example A map as checkpoints (not durable)
 * ```ts
 * import type { Checkpoints } from "@trawl/trawl/store";
 *
 * const values = new Map<string, string>();
 * const checkpoints: Checkpoints = {
 *   get: (key) => values.get(key),
 *   set: (key, value) => void values.set(key, value),
 * };
 * ```
 */
export interface Checkpoints {
  /** The value of `key` as last committed (or set since), if any. */
  get(key: string): string | undefined;
  /** Sets `key`; durable with the next flush. */
  set(key: string, value: string): void;
}

/**
 * A place to keep crawls: builds a frontier for each.
 *
 * @example A custom store wrapping the memory one
 * ```ts
 * import { type FrontierStore, MemoryStore } from "@trawl/trawl/store";
 *
 * const memory = new MemoryStore();
 * const store: FrontierStore = {
 *   createFrontier: (context) => memory.createFrontier(context),
 * };
 * ```
 */
export interface FrontierStore {
  /** Builds the frontier of one crawl. */
  createFrontier(context: FrontierContext): CrawlFrontier;
  /**
   * Whether the store keeps what a recrawl needs (every URL done, with its
   * validators): `SqliteStore` does; the memory and Redis stores do not.
   */
  readonly supportsRecrawl?: boolean;
}
