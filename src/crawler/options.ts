/**
 * Options of {@linkcode crawl} and the `Crawler` class.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import type { AutoThrottleOptions } from "../frontier/auto_throttle.ts";
import type { FrontierStore, StateMode } from "../frontier/store.ts";
import type { LogHandler, LogLevel } from "../telemetry/log.ts";
import type { Resolver } from "../guards/ssrf_guard.ts";
import type { TrapLimits } from "../guards/trap_guard.ts";

export type { AutoThrottleOptions } from "../frontier/auto_throttle.ts";

/** Which discovered URLs belong to the crawl. */
export type Scope =
  /** Same host as the seed the URL descends from (any port or scheme). */
  | "host"
  /** Same registrable domain (`a.example.co.uk` and `b.example.co.uk`). */
  | "domain"
  /** Same scheme, host and port as the seed. */
  | "origin"
  /** Anything reachable (use with `maxPages`/`maxDepth`!). */
  | "any";

/** A URL filter: a `URLPattern` or a regular expression tested on the full URL. */
export type UrlFilter = URLPattern | RegExp;

/** Per-host politeness limits. */
export interface PerHostOptions {
  /**
   * Requests in flight at once to one host.
   *
   * @default {2}
   */
  concurrency?: number;
  /**
   * Requests per second started to one host (a token bucket); `Infinity`
   * for no limit. `Crawl-delay` and `Retry-After` can only lower it.
   *
   * @default {Infinity}
   */
  rate?: number;
}

/** Retry back-off timing. */
export interface BackoffOptions {
  /**
   * First delay before a retry, in ms; each retry doubles it, with full jitter.
   *
   * @default {500}
   */
  baseMs?: number;
  /**
   * Upper bound of one back-off delay (and of an honoured `Retry-After`), in ms.
   *
   * @default {60000}
   */
  maxMs?: number;
}

/** When a host counts as failing and how long it is left alone. */
export interface HostCircuitOptions {
  /**
   * Failed attempts (network errors, timeouts, 5xx, 408, 429) within
   * `windowMs` that open a host's circuit.
   *
   * @default {10}
   */
  failureThreshold?: number;
  /**
   * The window in which failures are counted, ms.
   *
   * @default {10000}
   */
  windowMs?: number;
  /**
   * How long an open circuit pauses the host before one trial request, ms.
   *
   * @default {5000}
   */
  cooldownMs?: number;
}

/** Everything that tunes a crawl. Every field is optional. */
export interface CrawlOptions {
  /**
   * Requests in flight across all hosts.
   *
   * @default {16}
   */
  concurrency?: number;
  /** Per-host limits. */
  perHost?: PerHostOptions;
  /**
   * Pages to fetch at most; once spent, URLs still queued end as
   * `skipped: "budget"` and no new URL is accepted.
   *
   * @default {Infinity}
   */
  maxPages?: number;
  /**
   * Pages accepted per host at most; later URLs of that host end as
   * `skipped: "budget"`.
   *
   * @default {Infinity}
   */
  maxPagesPerHost?: number;
  /**
   * Links taken from one page at most (the rest are counted, not followed).
   *
   * @default {1000}
   */
  maxLinksPerPage?: number;
  /**
   * Spider-trap defences: URL length, repeated path segments, path depth,
   * query variants per path, and the session-id parameters stripped before
   * URLs are deduplicated. See `TrapLimits` for each default.
   */
  traps?: Partial<Omit<TrapLimits, "maxPagesPerHost">>;
  /**
   * Link depth to follow from the seeds (seeds are 0); links of a page at
   * `maxDepth` are not followed.
   *
   * @default {Infinity}
   */
  maxDepth?: number;
  /**
   * Which URLs belong to the crawl, relative to the seed they descend from.
   *
   * @default {"host"}
   */
  scope?: Scope;
  /** When given, a URL must match one of these to be crawled. */
  include?: UrlFilter[];
  /** A URL matching any of these is not crawled. */
  exclude?: UrlFilter[];
  /**
   * File extensions (lowercase, without the dot) of URLs that are accepted
   * but not fetched, ending as `skipped: "extension"`: documents, images,
   * audio, video and archives, as Scrapy's link extractor skips them. Pass
   * `[]` to fetch everything and decide by `Content-Type` alone.
   *
   * @default {DEFAULT_SKIP_EXTENSIONS}
   */
  skipExtensions?: readonly string[];
  /**
   * Obey robots.txt (RFC 9309) and `Crawl-delay`.
   *
   * @default {true}
   */
  respectRobots?: boolean;
  /**
   * Follow the `Sitemap:` lines of each crawled host's robots.txt (with
   * `respectRobots`): the sitemaps in the crawl's scope are fetched, with
   * the host's politeness, and the pages they list are crawled like links
   * (their results say `via: "sitemap"`).
   *
   * @default {true}
   */
  sitemaps?: boolean;
  /**
   * Sitemaps to crawl from, with or instead of seeds (the CLI's
   * `--sitemap`): sitemap indexes, gzip (recognised by its bytes) and text
   * sitemaps. Like seeds, they define the scope.
   *
   * @default {undefined} (none)
   */
  sitemapUrls?: readonly string[];
  /**
   * Skip sitemap entries whose `<lastmod>` is older than this (entries
   * without one are kept).
   *
   * @default {undefined}
   */
  since?: Date;
  /**
   * The User-Agent header; its product token (before the first `/`) is
   * matched against robots.txt groups.
   *
   * @default {"trawl/0.1 (+https://jsr.io/@trawl/trawl)"}
   */
  userAgent?: string;
  /**
   * Total time for one request (headers and body), in ms.
   *
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * A request that receives no bytes for this long is aborted, in ms. (A
   * body declared at 64 KiB or less is read in one call, so it must arrive
   * whole within this time of the response headers.)
   *
   * @default {10000}
   */
  idleTimeoutMs?: number;
  /**
   * Retries after a network error, 408, 429 or 5xx (so `retries + 1` attempts).
   *
   * @default {2}
   */
  retries?: number;
  /** Retry back-off timing. */
  backoff?: BackoffOptions;
  /**
   * Redirect hops followed per request.
   *
   * @default {10}
   */
  maxRedirects?: number;
  /**
   * Largest decoded body read, in bytes; a larger page ends as
   * `skipped: "too-large"`.
   *
   * @default {10485760}
   */
  maxBodyBytes?: number;
  /**
   * Parser workers; `0` parses on the main thread. Each runs with a small
   * V8 heap (a 4 MiB young generation, 8 MiB when content options or an
   * extraction hook parse pages into trees or `warc` has them prepare WARC
   * blocks, and a 1,536 MiB old-generation limit, which also makes V8 keep
   * less garbage), so a long crawl's parsers stay at a few tens of MiB; with
   * `workerPermissions: "none"` they are Web Workers without heap limits.
   *
   * @default {Math.max(1, navigator.hardwareConcurrency - 1)}
   */
  workers?: number;
  /**
   * Permissions of the parser workers: `"none"` sandboxes them (they parse
   * bytes and need nothing). Deno 2.9 allows that only when the program runs
   * with `--unstable-worker-options` (or `"unstable": ["worker-options"]` in
   * deno.json), and exits the whole process otherwise — there is no way to
   * ask whether the flag is on — so the default inherits. Sandboxed workers
   * are Web Workers, which take no heap limits.
   *
   * @default {"inherit"}
   */
  workerPermissions?: "inherit" | "none";
  /** Extra request headers (sent to the seeds' origins only if sensitive). */
  headers?: Record<string, string>;
  /**
   * Put each page's links on its result as `linkList`.
   *
   * @default {false}
   */
  includeLinks?: boolean;
  /**
   * Put each page's references (links with their text, images, stylesheets,
   * scripts, frames, media, icons, preloads), its fragment targets and its
   * count of unchecked references on its result (`references`, `anchors`,
   * `unchecked`): what a link checker needs.
   *
   * @default {false}
   */
  includeReferences?: boolean;
  /**
   * Auto-throttle (Scrapy's AutoThrottle): each host's delay between
   * requests follows its observed latency, aiming at `targetConcurrency`
   * requests in flight to it, never faster than `perHost.rate` or a
   * `Crawl-delay`. `true` for the defaults. Memory and SQLite stores only (a
   * `RedisStore` keeps the shared AIMD rate).
   *
   * @default {false}
   */
  autoThrottle?: boolean | AutoThrottleOptions;
  /**
   * Send the trace context (`traceparent`, `tracestate`) with every request
   * when OpenTelemetry is on, so crawled sites that trace can join their
   * spans to the crawl's. Off by default: with OpenTelemetry on, Deno's
   * `fetch` would tell every site crawled its trace ids; trawl stops that
   * unless this is set (its own spans are exported either way).
   *
   * @default {false}
   */
  propagateTrace?: boolean;
  /**
   * Longest wait honoured from `Crawl-delay`, in seconds (longer values are
   * capped and logged).
   *
   * @default {30}
   */
  maxCrawlDelay?: number;
  /**
   * Connect to loopback, private, link-local (cloud metadata), CGNAT,
   * unique-local and multicast addresses too. Off by default: every request
   * (each redirect hop, robots.txt included) is refused when its host
   * resolves to such an address, except the seeds' own hosts, so crawling a
   * local site still works.
   *
   * @default {false}
   */
  allowPrivateNetworks?: boolean;
  /**
   * Resolves host names for the SSRF check (tests inject one).
   *
   * @default {defaultResolver} (`node:dns` lookup, as `fetch` resolves)
   */
  resolver?: Resolver;
  /**
   * The per-host circuit breaker, or `false` to turn it off.
   *
   * @default {{ failureThreshold: 10, windowMs: 10000, cooldownMs: 5000 }}
   */
  circuitBreaker?: HostCircuitOptions | false;
  /**
   * Report event-loop stalls longer than this many ms (a `LoopMonitor`) as
   * `warn` logs carrying the trace of the request that blocked, when it is
   * known (inline parsing is tracked). Off when not set.
   *
   * @default {undefined}
   */
  stallThresholdMs?: number;
  /**
   * Keep the crawl in this SQLite file (a `SqliteStore`): the frontier, the
   * dedupe set, each URL's status and result, robots.txt answers and the
   * counters. A crawl run again with the same file continues where it
   * stopped, however it stopped. Mutually exclusive with `store`.
   *
   * @default {undefined} (in memory)
   */
  state?: string;
  /**
   * Where the crawl's frontier lives: a `MemoryStore`, a `SqliteStore` or a
   * `RedisStore` (from `@trawl/trawl/redis`: shared by many processes), or
   * your own.
   *
   * @default {new MemoryStore()}
   */
  store?: FrontierStore;
  /**
   * Revisit what an earlier run of the crawl did (needs `state` or a store
   * that keeps every URL, as `SqliteStore` does; the memory and Redis
   * stores cannot). When the state has nothing pending, a new recrawl
   * starts: every URL requested before is queued again and requested with
   * `If-None-Match`/`If-Modified-Since` from its last response; `304` ends
   * as `notModified` (its links were followed when it was last fetched), a
   * changed page is read and its new links crawled, and each URL yields one
   * result per recrawl (`recrawl` says which). A recrawl that stopped half
   * way is continued, not restarted, by the next run.
   *
   * @default {false}
   */
  recrawl?: boolean;
  /**
   * Recrawl only URLs last fetched longer ago than this many ms (implies
   * `recrawl`).
   *
   * @default {undefined}
   */
  recrawlOlderThanMs?: number;
  /**
   * What to do with state an earlier run left in `state`/`store`: `"auto"`
   * continues it when the seeds and crawl-shaping options match and throws a
   * `StateMismatchError` when they differ; `"resume"` continues it anyway
   * (adding the new seeds); `"fresh"` discards it.
   *
   * @default {"auto"}
   */
  stateMode?: StateMode;
  /**
   * Archive the crawl in WARC/1.1 files named after this path:
   * `crawl.warc.gz` writes `crawl-00000.warc.gz`, then `crawl-00001.warc.gz`
   * past `warcMaxSize`… (in a shared crawl, with the worker id:
   * `crawl-WORKER-00000.warc.gz`). Every exchange is archived — pages, each
   * redirect hop, retries, robots.txt, non-HTML responses (whose bodies are
   * then read up to `maxBodyBytes`) — as a `request` and a `response`
   * record; a payload archived before as a `revisit` record. Bodies are
   * stored decoded (see `WarcWriter`). With a durable `state`, each page's
   * response is archived exactly once however often the crawl stops and
   * resumes. Existing files of that name are replaced, unless the crawl
   * resumes.
   *
   * @default {undefined}
   */
  warc?: string;
  /**
   * Bytes after which a new WARC file is started.
   *
   * @default {1000000000}
   */
  warcMaxSize?: number;
  /**
   * Save each body fetched whole with a 2xx status under this folder, as
   * `DIR/HOST/PATH` (like `wget -x`; see `savePath` for how URLs become
   * safe file names).
   *
   * @default {undefined}
   */
  save?: string;
  /**
   * Also fetch what crawled pages need to look right (like `wget -p`):
   * images, stylesheets, scripts, media, icons and preloads, and the
   * `url()`s and `@import`s of fetched stylesheets. Requisites are in
   * scope, at their page's depth, fetched with every politeness rule, cap
   * and check, not parsed for links; each ends as a result with
   * `requisite: true` and counts against `maxPages`.
   *
   * @default {false}
   */
  requisites?: boolean;
  /**
   * An extraction hook: a module (a path resolved against the working
   * directory, a specifier or a `URL`) whose default export
   * `(page: Page) => unknown | Promise<unknown>` runs on every HTML page, in
   * the parser workers (inline with `workers: 0`); what it returns becomes
   * `result.data`. It is loaded once per worker; one that cannot be loaded
   * stops the crawl before it starts (an `ExtractModuleError`). A hook that
   * throws, returns what cannot be cloned, runs past `extractTimeoutMs`, or
   * ends its worker gives only its page an `ExtractError`: the page still
   * counts as fetched and its links are followed. In a worker, a hook that
   * blocks its thread is ended by replacing the worker; inline (`workers:
   * 0`) nothing can end it.
   *
   * @default {undefined}
   */
  extract?: string | URL;
  /**
   * How long the extraction hook may run on one page, ms.
   *
   * @default {10000}
   */
  extractTimeoutMs?: number;
  /**
   * Named CSS selectors whose values fill `result.data`: `"css"` gives the
   * first match's text (whitespace collapsed) or `null`, `"css@attr"` its
   * attribute (`href`, `src` and other URL attributes made absolute), and a
   * one-element array `["css"]` or `["css@attr"]` every match. With
   * `extract` too, the hook's object is merged over these values.
   *
   * @default {undefined}
   */
  select?: Record<string, string | readonly [string]>;
  /**
   * Put each page in `result.content`: `"text"`, `"markdown"` (headings,
   * emphasis, absolute links, nested lists, GFM tables, fenced code with its
   * language, images, quotes; nothing of scripts, styles or hidden
   * elements) or `"html"` (the decoded page; with `mainContent`, the main
   * content's markup, cleaned).
   *
   * @default {undefined}
   */
  content?: "text" | "markdown" | "html";
  /**
   * Keep only the page's main content in `content`: navigation, headers,
   * footers, asides, cookie banners and link-dense blocks left out, but
   * never everything.
   *
   * @default {false}
   */
  mainContent?: boolean;
  /** Cancels the crawl. */
  signal?: AbortSignal;
  /**
   * Receives structured log records. Without it, warnings and errors are
   * printed with `console.error` (one line each); `logLevel: "silent"`
   * turns that off.
   */
  onLog?: LogHandler;
  /**
   * The lowest level passed to `onLog` (without `onLog`, the lowest printed,
   * never below `"warn"`); `"silent"` drops every record.
   *
   * @default {"info"}
   */
  logLevel?: LogLevel | "silent";
  /** Time source (tests pass a `FakeClock`). @default {systemClock} */
  clock?: Clock;
  /** The `fetch` to use (tests and proxies). @default {globalThis.fetch} */
  fetch?: typeof fetch;
}
