/**
 * Every flag of the `trawl` command, declared once: its name, what it sets,
 * how its text is read (with the library's own rule, so the command accepts
 * exactly what the library accepts), its default and its help text.
 * `parseCliArgs` reads flags with this table and `helpText` prints it;
 * defaults come from {@linkcode DEFAULTS} (and the stores' from
 * {@linkcode STORE_DEFAULTS}).
 *
 * @module
 */
import type { CliConfig, StatusConfig } from "./args.ts";
import { DEFAULTS } from "../crawler/defaults.ts";
import { LOG_LEVEL, SCOPE } from "../crawler/option_rules.ts";
import { DEFAULT_SKIP_EXTENSIONS } from "../guards/skip_extensions.ts";
import { CHECK_DEFAULTS } from "../check/check_options.ts";
import { STATUS_RANGES } from "../check/status_ranges.ts";
import {
  NON_NEGATIVE_INT,
  POSITIVE_INT,
  POSITIVE_NUMBER,
} from "../options/validate.ts";
import type { LogLevel } from "../telemetry/log.ts";
import {
  decimal,
  fileName,
  type FlagParser,
  header,
  integer,
  list,
  mergeHeaders,
  nonBlank,
  parseUrlFilter,
  word,
} from "./flag_parsers.ts";
import { RECRAWL_FLAGS, SITEMAP_FLAGS } from "./discovery_flags.ts";
import { SHARED_FLAGS } from "./shared_flags.ts";
import {
  BOUNDED_HEAP_MB,
  CRAWL_THREAD_YOUNG_MB,
  MEMORY_HEAP_MB,
  MIN_HEAP_MB,
} from "./heap_limits.ts";
import { UsageError } from "./usage_error.ts";
import { CONTENT_FLAGS } from "./content_flags.ts";
import { ARCHIVE_FLAGS } from "./archive_flags.ts";
import { OFF, showDefault } from "./flag_defaults.ts";

/** The sections of `--help`. */
export type FlagGroup = "Check" | "Crawl" | "Requests" | "Content" | "Output";

/**
 * Where a flag's value goes: a crawl option (`options.perHost.rate`) or a
 * field of the command's {@linkcode CliConfig} (`out`) or
 * {@linkcode StatusConfig} (`json`).
 */
export type FlagTarget =
  | `options.${string}`
  | Exclude<keyof CliConfig | keyof StatusConfig, "options" | "seeds">;

/** One flag of the command line. */
export interface Flag {
  /** The long name, without the dashes: `per-host`. */
  readonly name: string;
  /** A one-letter alias: `o` for `-o`. */
  readonly short?: string;
  /** The value's name in `--help` (`N`, `MS`, `FILE`); a switch has none. */
  readonly arg?: string;
  /** Whether it may be repeated; its values are then collected. */
  readonly multiple?: boolean;
  /** The section of `--help` it is listed in. */
  readonly group: FlagGroup;
  /** What it sets. */
  readonly sets: FlagTarget;
  /** Reads one value from the flag's text (a flag with `arg`). */
  readonly parse?: FlagParser<unknown>;
  /** Combines the values of a repeated flag. @default {the list} */
  readonly collect?: (values: unknown[]) => unknown;
  /** What a switch (a flag without `arg`) sets. */
  readonly value?: unknown;
  /** Flags it needs one of, and how the message names them. */
  readonly needs?: { readonly oneOf: readonly string[]; readonly text: string };
  /** A flag it cannot be given with. */
  readonly excludes?: string;
  /** What `--help` says it does. */
  readonly help: string;
  /** The default as `--help` shows it; none is shown when absent. */
  readonly default?: string;
}

/** The defaults of what only the command has (the library's are in `DEFAULTS`). */
export const CLI_DEFAULTS: { readonly logLevel: LogLevel } = {
  logLevel: "warn",
};

/** At `--log-level debug`, event-loop stalls this long (ms) are reported. */
export const DEBUG_STALL_MS = 100;

function heapMb(text: string, flag: string): number {
  const mb = integer(POSITIVE_INT)(text, flag);
  if (mb < MIN_HEAP_MB) {
    throw new UsageError(
      `${flag} must be at least ${MIN_HEAP_MB} (MB): got ${text}`,
    );
  }
  return mb;
}

/** Every flag, in the order `--help` lists them. */
export const FLAGS: readonly Flag[] = [
  {
    name: "concurrency",
    arg: "N",
    group: "Crawl",
    sets: "options.concurrency",
    parse: integer(POSITIVE_INT),
    help: "requests in flight across all hosts",
    default: showDefault(DEFAULTS.concurrency),
  },
  {
    name: "per-host",
    arg: "N",
    group: "Crawl",
    sets: "options.perHost.concurrency",
    parse: integer(POSITIVE_INT),
    help: "requests in flight to one host",
    default: showDefault(DEFAULTS.perHost.concurrency),
  },
  {
    name: "rate",
    arg: "R",
    group: "Crawl",
    sets: "options.perHost.rate",
    parse: decimal(POSITIVE_NUMBER),
    help: "requests per second to one host, may be fractional",
    default: showDefault(DEFAULTS.perHost.rate),
  },
  {
    name: "max-pages",
    arg: "N",
    group: "Crawl",
    sets: "options.maxPages",
    parse: integer(POSITIVE_INT),
    help: "pages to fetch at most",
    default: showDefault(DEFAULTS.maxPages),
  },
  {
    name: "max-pages-per-host",
    arg: "N",
    group: "Crawl",
    sets: "options.maxPagesPerHost",
    parse: integer(POSITIVE_INT),
    help: "pages to fetch from one host at most",
    default: showDefault(DEFAULTS.maxPagesPerHost),
  },
  {
    name: "max-links-per-page",
    arg: "N",
    group: "Crawl",
    sets: "options.maxLinksPerPage",
    parse: integer(POSITIVE_INT),
    help: "links followed from one page at most",
    default: showDefault(DEFAULTS.maxLinksPerPage),
  },
  {
    name: "allow-private",
    group: "Crawl",
    sets: "options.allowPrivateNetworks",
    value: true,
    help: "also crawl hosts that resolve to loopback, private, link-local " +
      "or other internal addresses; without it only the seeds' own hosts " +
      "may be internal",
    default: OFF,
  },
  {
    name: "max-depth",
    arg: "N",
    group: "Crawl",
    sets: "options.maxDepth",
    parse: integer(NON_NEGATIVE_INT),
    help: "link depth to follow; seeds are 0",
    default: showDefault(DEFAULTS.maxDepth),
  },
  {
    name: "scope",
    arg: "S",
    group: "Crawl",
    sets: "options.scope",
    parse: word(SCOPE),
    help: SCOPE.text,
    default: showDefault(DEFAULTS.scope),
  },
  {
    name: "include",
    arg: "PATTERN",
    multiple: true,
    group: "Crawl",
    sets: "options.include",
    parse: (text, flag) => parseUrlFilter(flag, text),
    help: "crawl only URLs matching one of these (repeatable); " +
      "/regex/flags is a RegExp on the full URL, otherwise a URLPattern: " +
      'a full URL pattern or a pathname ("/blog/*")',
    default: "everything in scope",
  },
  {
    name: "exclude",
    arg: "PATTERN",
    multiple: true,
    group: "Crawl",
    sets: "options.exclude",
    parse: (text, flag) => parseUrlFilter(flag, text),
    help: "skip URLs matching any of these (repeatable; same syntax)",
    default: "none",
  },
  ...SITEMAP_FLAGS,
  {
    name: "requisites",
    short: "p",
    group: "Crawl",
    sets: "options.requisites",
    value: true,
    help: "also fetch what pages need to look right (images, stylesheets " +
      "and what they load, scripts, media, icons), like wget -p",
    default: OFF,
  },
  {
    name: "no-robots",
    group: "Crawl",
    sets: "options.respectRobots",
    value: false,
    help: "ignore robots.txt",
    default: OFF,
  },
  {
    name: "auto-throttle",
    group: "Crawl",
    sets: "options.autoThrottle",
    value: true,
    help: "set each host's delay from its latency (Scrapy's AutoThrottle: " +
      "about one request in flight per host), never faster than --rate",
    default: OFF,
  },
  {
    name: "user-agent",
    arg: "S",
    group: "Crawl",
    sets: "options.userAgent",
    parse: nonBlank,
    help: "User-Agent header",
    default: showDefault(DEFAULTS.userAgent),
  },
  {
    name: "header",
    arg: '"Name: value"',
    multiple: true,
    group: "Crawl",
    sets: "options.headers",
    parse: header,
    collect: (pairs) => mergeHeaders(pairs as [string, string][]),
    help: "extra request header (repeatable)",
    default: "none",
  },
  {
    name: "timeout",
    arg: "MS",
    group: "Requests",
    sets: "options.timeoutMs",
    parse: integer(POSITIVE_INT),
    help: "total time for one request",
    default: showDefault(DEFAULTS.timeoutMs),
  },
  {
    name: "idle-timeout",
    arg: "MS",
    group: "Requests",
    sets: "options.idleTimeoutMs",
    parse: integer(POSITIVE_INT),
    help: "abort a request receiving no bytes this long",
    default: showDefault(DEFAULTS.idleTimeoutMs),
  },
  {
    name: "retries",
    arg: "N",
    group: "Requests",
    sets: "options.retries",
    parse: integer(NON_NEGATIVE_INT),
    help: "retries after a network error, 408, 429 or 5xx",
    default: showDefault(DEFAULTS.retries),
  },
  {
    name: "max-redirects",
    arg: "N",
    group: "Requests",
    sets: "options.maxRedirects",
    parse: integer(NON_NEGATIVE_INT),
    help: "redirect hops followed per request",
    default: showDefault(DEFAULTS.maxRedirects),
  },
  {
    name: "max-body-bytes",
    arg: "N",
    group: "Requests",
    sets: "options.maxBodyBytes",
    parse: integer(POSITIVE_INT),
    help: "largest body read; larger pages are skipped",
    default: showDefault(DEFAULTS.maxBodyBytes),
  },
  {
    name: "workers",
    arg: "N",
    group: "Requests",
    sets: "options.workers",
    parse: integer(NON_NEGATIVE_INT),
    help: "HTML parser workers; 0 parses on the main thread; workers need " +
      "--allow-read for trawl's own src/ folder, else trawl parses on the " +
      "main thread and says so",
    default: "CPU cores - 1, at least 1",
  },
  {
    name: "max-heap",
    arg: "MB",
    group: "Requests",
    sets: "maxHeapMb",
    parse: heapMb,
    help: "the V8 old-generation limit of the crawl thread, which runs " +
      `the crawl (its young generation is ${CRAWL_THREAD_YOUNG_MB} MB); ` +
      "under 2048 V8 also keeps less garbage between collections; the " +
      "thread needs --allow-read for trawl's src/, else the crawl runs on " +
      "the main thread with V8's own limits",
    default: `${BOUNDED_HEAP_MB} with --state or --frontier, whose queue ` +
      `waits outside memory; else ${MEMORY_HEAP_MB}`,
  },
  {
    name: "sandbox-workers",
    group: "Requests",
    sets: "options.workerPermissions",
    value: "none",
    help: "run parser workers with no permissions at all; needs deno run " +
      "--unstable-worker-options",
    default: OFF,
  },
  {
    name: "skip-extensions",
    arg: "LIST",
    group: "Requests",
    sets: "options.skipExtensions",
    parse: list,
    help: "comma-separated file extensions reported as skipped without a " +
      'request; "" fetches everything',
    default: `${DEFAULT_SKIP_EXTENSIONS.length} extensions of documents, ` +
      "images, audio, video, archives and other binaries",
  },
  ...CONTENT_FLAGS,
  {
    name: "propagate-trace",
    group: "Requests",
    sets: "options.propagateTrace",
    value: true,
    help: "with OpenTelemetry on (OTEL_DENO=true), send each request's trace " +
      "context (traceparent, tracestate), so sites that trace can join the " +
      "crawl's traces; without it no site is told the crawl's trace ids",
    default: OFF,
  },
  {
    name: "links",
    group: "Output",
    sets: "options.includeLinks",
    value: true,
    help: "include each page's links in its result",
    default: OFF,
  },
  {
    name: "out",
    short: "o",
    arg: "FILE",
    group: "Output",
    sets: "out",
    parse: fileName("a file"),
    help: "write JSONL results to FILE, truncated first; with --state or " +
      "--frontier, appended to and repaired instead",
    default: "stdout",
  },
  ...ARCHIVE_FLAGS,
  {
    name: "state",
    arg: "PATH",
    group: "Output",
    sets: "state",
    parse: fileName("a file"),
    excludes: "frontier",
    help: "keep the crawl in this SQLite file: run the same command again " +
      "after any stop (even kill -9) to continue it",
    default: "in memory",
  },
  {
    name: "resume",
    group: "Output",
    sets: "options.stateMode",
    value: "resume",
    excludes: "fresh",
    needs: {
      oneOf: ["state", "frontier"],
      text: "--state PATH or --frontier URL",
    },
    help: "with --state/--frontier: continue a state made with other seeds " +
      "or options (new seeds are added)",
    default: OFF,
  },
  {
    name: "fresh",
    group: "Output",
    sets: "options.stateMode",
    value: "fresh",
    needs: {
      oneOf: ["state", "frontier"],
      text: "--state PATH or --frontier URL",
    },
    help: "with --state/--frontier: discard the stored crawl, start over",
    default: OFF,
  },
  ...RECRAWL_FLAGS,
  ...SHARED_FLAGS,
  {
    name: "seeds",
    arg: "FILE",
    group: "Output",
    sets: "seedsFile",
    parse: fileName('a file or "-"'),
    help: 'read more seed URLs from FILE, one a line; "#" comments and ' +
      'blank lines are ignored; "-" reads stdin',
    default: "none",
  },
  {
    name: "quiet",
    short: "q",
    group: "Output",
    sets: "quiet",
    value: true,
    help: "no progress line, no summary",
    default: OFF,
  },
  {
    name: "log-level",
    arg: "L",
    group: "Output",
    sets: "logLevel",
    parse: word(LOG_LEVEL),
    help: `${LOG_LEVEL.text}: the lowest level logged to stderr; debug ` +
      `also reports event-loop stalls over ${DEBUG_STALL_MS} ms`,
    default: showDefault(CLI_DEFAULTS.logLevel),
  },
  {
    name: "help",
    short: "h",
    group: "Output",
    sets: "help",
    value: true,
    help: "show this help and exit",
  },
  {
    name: "version",
    short: "V",
    group: "Output",
    sets: "version",
    value: true,
    help: "show the version and exit",
  },
];

/**
 * The flags of {@linkcode FLAGS} with the given names, in that order.
 *
 * @example Usage
 * ```ts
 * import { flagsNamed } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(flagsNamed("state", "help").length, 2);
 * ```
 *
 * @param names Long names.
 * @returns The flags.
 */
export function flagsNamed(...names: string[]): Flag[] {
  return names.map((name) => {
    const flag = FLAGS.find((f) => f.name === name);
    if (flag === undefined) throw new Error(`no flag --${name}`);
    return flag;
  });
}

/** The flags of `trawl status`: the crawl's store, `--json` and `--help`. */
export const STATUS_FLAGS: readonly Flag[] = [
  ...flagsNamed("state", "frontier", "crawl", "redis-ca"),
  {
    name: "json",
    group: "Output",
    sets: "json",
    value: true,
    help: "print the status as JSON",
  },
  ...flagsNamed("help"),
];

/** The flags only `trawl check` has. */
const CHECK_ONLY: readonly Flag[] = [
  {
    name: "accept",
    arg: "RANGES",
    group: "Check",
    sets: "options.accept",
    parse: word(STATUS_RANGES),
    help: "statuses that count as fine, after redirects",
    default: CHECK_DEFAULTS.accept,
  },
  {
    name: "no-external",
    group: "Check",
    sets: "options.external",
    value: false,
    help: "do not check references outside the crawl's scope (counted as " +
      "skipped)",
    default: OFF,
  },
  {
    name: "no-fragments",
    group: "Check",
    sets: "options.fragments",
    value: false,
    help: "do not check #fragments against the target page's ids",
    default: OFF,
  },
];

/** Crawl flags that make no sense for a check (it crawls in memory). */
const NOT_FOR_CHECK = new Set([
  "state",
  "resume",
  "fresh",
  "frontier",
  "crawl",
  "worker",
  "lease",
  "redis-timeout",
  "redis-slots",
  "links",
  "max-heap",
  "recrawl",
  "recrawl-older-than",
]);

/**
 * The flags of `trawl check`: its own, then the crawl's (`--exclude`
 * leaves references unchecked too), without the stores'.
 */
export const CHECK_FLAGS: readonly Flag[] = [
  ...CHECK_ONLY,
  ...FLAGS.filter((f) => !NOT_FOR_CHECK.has(f.name)),
];
