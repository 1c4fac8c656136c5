/**
 * The command line of `trawl`: argv in, a validated {@linkcode CliConfig} out,
 * or a {@linkcode UsageError} naming what was wrong. Pure: no I/O, no `Deno`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { CrawlOptions, Scope, UrlFilter } from "../crawler/options.ts";
import type { LogLevel } from "../telemetry/log.ts";
import { REDIS_URL } from "../frontier/redis/rules.ts";

/**
 * Bad command-line input: the CLI prints `trawl: error: <message>` and exits
 * with code 2.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./args.ts";
 *
 * const err = new UsageError("no seed URLs given (try --help)");
 * console.log(err.name, err.message);
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates a usage error.
   *
   * @param message One line saying what was wrong.
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** What the command line asks for. */
export interface CliConfig {
  /** Seed URLs given as arguments, validated (http/https). */
  seeds: string[];
  /** `--seeds FILE` (`-` for stdin): more seeds, read by the caller. */
  seedsFile?: string;
  /** Options for the crawler (only those given on the command line). */
  options: CrawlOptions;
  /** `--out FILE`: the JSONL output file; stdout when absent. */
  out?: string;
  /** `--state PATH`: keep the crawl in this SQLite file. */
  state?: string;
  /** `--frontier redis://…`: share the crawl through this Redis. */
  frontier?: string;
  /** `--crawl NAME`: the shared crawl's name (with `--frontier`). */
  crawl?: string;
  /** `--worker ID`: this process's id in a shared crawl. */
  worker?: string;
  /** `--lease MS`: how long a dead process's URLs stay leased. */
  leaseMs?: number;
  /** `--redis-timeout MS`: how long Redis may be away before giving up. */
  redisTimeoutMs?: number;
  /** `--redis-ca FILE`: the CA certificate(s) of a `rediss://` server. */
  redisCa?: string;
  /**
   * `--max-heap MB`: the crawl thread's V8 old-generation limit.
   *
   * @default {undefined} (see `crawlThreadLimits`)
   */
  maxHeapMb?: number;
  /**
   * `--quiet`: no progress line, no summary.
   *
   * @default {false}
   */
  quiet: boolean;
  /**
   * `--log-level`: the lowest level of log lines written to stderr.
   *
   * @default {"warn"}
   */
  logLevel: LogLevel;
  /** `--help` was given. */
  help: boolean;
  /** `--version` was given. */
  version: boolean;
}

/** The smallest `--max-heap` (MB): below it a crawl would hardly start. */
const MIN_HEAP_MB = 64;

const SCOPES: readonly Scope[] = ["host", "domain", "origin", "any"];
const LOG_LEVEL_NAMES: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const FLAGS = {
  concurrency: { type: "string" },
  "per-host": { type: "string" },
  rate: { type: "string" },
  "max-pages": { type: "string" },
  "max-pages-per-host": { type: "string" },
  "max-links-per-page": { type: "string" },
  "allow-private": { type: "boolean" },
  "sandbox-workers": { type: "boolean" },
  "max-depth": { type: "string" },
  scope: { type: "string" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  "no-robots": { type: "boolean" },
  "user-agent": { type: "string" },
  timeout: { type: "string" },
  "idle-timeout": { type: "string" },
  retries: { type: "string" },
  "max-redirects": { type: "string" },
  "max-body-bytes": { type: "string" },
  workers: { type: "string" },
  "max-heap": { type: "string" },
  header: { type: "string", multiple: true },
  links: { type: "boolean" },
  "skip-extensions": { type: "string" },
  out: { type: "string", short: "o" },
  state: { type: "string" },
  resume: { type: "boolean" },
  fresh: { type: "boolean" },
  frontier: { type: "string" },
  crawl: { type: "string" },
  worker: { type: "string" },
  lease: { type: "string" },
  "redis-timeout": { type: "string" },
  "redis-ca": { type: "string" },
  seeds: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/**
 * Parses the command line (without the program name) into a
 * {@linkcode CliConfig}, validating every value with the library's rules.
 * Seeds from `--seeds FILE` are not read here: see
 * {@linkcode parseSeedList}. With `--help` or `--version` nothing else is
 * validated.
 *
 * @example Usage
 * ```ts
 * import { parseCliArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * const config = parseCliArgs(["--concurrency", "4", "https://example.com/"]);
 * assert.equal(config.options.concurrency, 4);
 * assert.deepEqual(config.seeds, ["https://example.com/"]);
 * ```
 *
 * @param argv The arguments, e.g. `Deno.args`.
 * @returns The validated configuration.
 * @throws {UsageError} On an unknown flag, a bad value or a bad seed URL.
 */
export function parseCliArgs(argv: readonly string[]): CliConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: FLAGS,
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(describeParseError(err), { cause: err });
  }
  const v = parsed.values;
  const config: CliConfig = {
    seeds: [],
    options: {},
    quiet: v.quiet ?? false,
    logLevel: "warn",
    help: v.help ?? false,
    version: v.version ?? false,
  };
  if (config.help || config.version) return config;

  const o = config.options;
  if (v.concurrency !== undefined) {
    o.concurrency = positiveInteger("--concurrency", v.concurrency);
  }
  if (v["per-host"] !== undefined) {
    o.perHost = {
      ...o.perHost,
      concurrency: positiveInteger("--per-host", v["per-host"]),
    };
  }
  if (v.rate !== undefined) {
    o.perHost = { ...o.perHost, rate: positiveNumber("--rate", v.rate) };
  }
  if (v["max-pages"] !== undefined) {
    o.maxPages = positiveInteger("--max-pages", v["max-pages"]);
  }
  if (v["max-depth"] !== undefined) {
    o.maxDepth = nonNegativeInteger("--max-depth", v["max-depth"]);
  }
  if (v.scope !== undefined) o.scope = oneOf("--scope", v.scope, SCOPES);
  if (v.include !== undefined) {
    o.include = v.include.map((p) => parseUrlFilter("--include", p));
  }
  if (v.exclude !== undefined) {
    o.exclude = v.exclude.map((p) => parseUrlFilter("--exclude", p));
  }
  if (v["no-robots"]) o.respectRobots = false;
  if (v["allow-private"]) o.allowPrivateNetworks = true;
  if (v["sandbox-workers"]) o.workerPermissions = "none";
  if (v["max-pages-per-host"] !== undefined) {
    o.maxPagesPerHost = positiveInteger(
      "--max-pages-per-host",
      v["max-pages-per-host"],
    );
  }
  if (v["max-links-per-page"] !== undefined) {
    o.maxLinksPerPage = positiveInteger(
      "--max-links-per-page",
      v["max-links-per-page"],
    );
  }
  if (v["user-agent"] !== undefined) {
    if (v["user-agent"].trim() === "") {
      throw new UsageError(`--user-agent must not be empty: got ""`);
    }
    o.userAgent = v["user-agent"];
  }
  if (v.timeout !== undefined) {
    o.timeoutMs = positiveInteger("--timeout", v.timeout);
  }
  if (v["idle-timeout"] !== undefined) {
    o.idleTimeoutMs = positiveInteger("--idle-timeout", v["idle-timeout"]);
  }
  if (v.retries !== undefined) {
    o.retries = nonNegativeInteger("--retries", v.retries);
  }
  if (v["max-redirects"] !== undefined) {
    o.maxRedirects = nonNegativeInteger("--max-redirects", v["max-redirects"]);
  }
  if (v["max-body-bytes"] !== undefined) {
    o.maxBodyBytes = positiveInteger("--max-body-bytes", v["max-body-bytes"]);
  }
  if (v.workers !== undefined) {
    o.workers = nonNegativeInteger("--workers", v.workers);
  }
  if (v["max-heap"] !== undefined) {
    config.maxHeapMb = positiveInteger("--max-heap", v["max-heap"]);
    if (config.maxHeapMb < MIN_HEAP_MB) {
      throw new UsageError(
        `--max-heap must be at least ${MIN_HEAP_MB} (MB): got ${v["max-heap"]}`,
      );
    }
  }
  if (v.header !== undefined) o.headers = parseHeaders(v.header);
  if (v.links) o.includeLinks = true;
  if (v["skip-extensions"] !== undefined) {
    o.skipExtensions = v["skip-extensions"].split(",").map((e) => e.trim())
      .filter((e) => e !== "");
  }
  if (v["log-level"] !== undefined) {
    config.logLevel = oneOf("--log-level", v["log-level"], LOG_LEVEL_NAMES);
  }
  o.logLevel = config.logLevel;
  // At debug level, event-loop stalls are reported with the request behind them.
  if (config.logLevel === "debug") o.stallThresholdMs = 100;
  if (v.out !== undefined) {
    if (v.out === "") throw new UsageError(`--out must name a file: got ""`);
    config.out = v.out;
  }
  parseStateFlags(v, config);
  if (v.seeds !== undefined) {
    if (v.seeds === "") {
      throw new UsageError(`--seeds must name a file or "-": got ""`);
    }
    config.seedsFile = v.seeds;
  }
  config.seeds = parsed.positionals.map((s) => checkSeed(s));
  if (config.seeds.length === 0 && config.seedsFile === undefined) {
    throw new UsageError("no seed URLs given (try --help)");
  }
  return config;
}

/** Where the state flags go: the crawl's or the status command's config. */
type StateTarget =
  & Pick<
    CliConfig,
    | "state"
    | "frontier"
    | "crawl"
    | "worker"
    | "leaseMs"
    | "redisTimeoutMs"
    | "redisCa"
  >
  & { options: Pick<CrawlOptions, "stateMode"> };

/**
 * Reads `--state`, `--frontier`, `--crawl`, `--worker`, `--lease`,
 * `--redis-timeout`, `--redis-ca`, `--resume` and `--fresh` into `config`.
 */
function parseStateFlags(
  v: {
    state?: string;
    frontier?: string;
    crawl?: string;
    worker?: string;
    lease?: string;
    "redis-timeout"?: string;
    "redis-ca"?: string;
    resume?: boolean;
    fresh?: boolean;
  },
  config: StateTarget,
): void {
  const shared = ["worker", "lease", "redis-timeout", "redis-ca"] as const;
  for (const flag of shared) {
    if (v[flag] !== undefined && v.frontier === undefined) {
      throw new UsageError(`--${flag} needs --frontier URL --crawl NAME`);
    }
  }
  if (v.worker !== undefined) {
    if (!/^[^\s]{1,200}$/.test(v.worker)) {
      throw new UsageError(
        `--worker must be 1 to 200 characters without spaces: got ${
          JSON.stringify(v.worker)
        }`,
      );
    }
    config.worker = v.worker;
  }
  if (v.lease !== undefined) {
    config.leaseMs = positiveInteger("--lease", v.lease);
  }
  if (v["redis-timeout"] !== undefined) {
    config.redisTimeoutMs = positiveInteger(
      "--redis-timeout",
      v["redis-timeout"],
    );
  }
  if (v["redis-ca"] !== undefined) {
    if (v["redis-ca"] === "") {
      throw new UsageError(`--redis-ca must name a file: got ""`);
    }
    config.redisCa = v["redis-ca"];
  }
  if (v.state !== undefined) {
    if (v.state === "") {
      throw new UsageError(`--state must name a file: got ""`);
    }
    config.state = v.state;
  }
  if (v.frontier !== undefined) {
    if (!REDIS_URL.test(v.frontier)) {
      throw new UsageError(
        `--frontier must be ${REDIS_URL.text}: got ${
          JSON.stringify(v.frontier)
        }`,
      );
    }
    config.frontier = v.frontier;
  }
  if (v.crawl !== undefined) {
    if (!/^[A-Za-z0-9._:-]{1,100}$/.test(v.crawl)) {
      throw new UsageError(
        `--crawl must be 1 to 100 letters, digits or . _ : -: got ${
          JSON.stringify(v.crawl)
        }`,
      );
    }
    config.crawl = v.crawl;
  }
  if (config.state !== undefined && config.frontier !== undefined) {
    throw new UsageError("--state and --frontier exclude each other: pick one");
  }
  if (config.frontier !== undefined && config.crawl === undefined) {
    throw new UsageError("--frontier needs --crawl NAME");
  }
  if (config.crawl !== undefined && config.frontier === undefined) {
    throw new UsageError("--crawl needs --frontier redis://HOST:PORT/DB");
  }
  if (v.resume && v.fresh) {
    throw new UsageError("--resume and --fresh exclude each other: pick one");
  }
  if (
    (v.resume || v.fresh) && config.state === undefined &&
    config.frontier === undefined
  ) {
    throw new UsageError(
      `--${v.resume ? "resume" : "fresh"} needs --state PATH or --frontier URL`,
    );
  }
  if (v.resume) config.options.stateMode = "resume";
  if (v.fresh) config.options.stateMode = "fresh";
}

/** What `trawl status` asks for. */
export interface StatusConfig {
  /** `--state PATH`. */
  state?: string;
  /** `--frontier redis://…`. */
  frontier?: string;
  /** `--crawl NAME`. */
  crawl?: string;
  /** `--redis-ca FILE`. */
  redisCa?: string;
  /** `--json`: print the status as JSON. */
  json: boolean;
  /** `--help` was given. */
  help: boolean;
}

/**
 * Parses the arguments of `trawl status` (after the word `status`).
 *
 * @example Usage
 * ```ts
 * import { parseStatusArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseStatusArgs(["--state", "crawl.db"]).state, "crawl.db");
 * ```
 *
 * @param argv The arguments after `status`.
 * @returns The validated configuration.
 * @throws {UsageError} On an unknown flag or a missing store.
 */
export function parseStatusArgs(argv: readonly string[]): StatusConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        state: { type: "string" },
        frontier: { type: "string" },
        crawl: { type: "string" },
        "redis-ca": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(describeParseError(err), { cause: err });
  }
  const v = parsed.values;
  const config: StateTarget = { options: {} };
  const out: StatusConfig = { json: v.json ?? false, help: v.help ?? false };
  if (out.help) return out;
  parseStateFlags(v, config);
  if (config.state === undefined && config.frontier === undefined) {
    throw new UsageError(
      "status needs --state PATH or --frontier URL --crawl NAME",
    );
  }
  out.state = config.state;
  out.frontier = config.frontier;
  out.crawl = config.crawl;
  out.redisCa = config.redisCa;
  return out;
}

/**
 * The `status --help` text.
 *
 * @example Usage
 * ```ts
 * import { statusHelpText } from "./args.ts";
 *
 * console.log(statusHelpText());
 * ```
 *
 * @returns The help text.
 */
export function statusHelpText(): string {
  return `Usage:
  deno run --allow-read=DIR --allow-write=DIR cli.ts status --state PATH [--json]
  deno run --allow-net=HOST cli.ts status --frontier redis://HOST:PORT/DB --crawl NAME
    [--redis-ca FILE] [--json]

Prints a crawl's progress without crawling: URLs done and pending, failures
by reason, and per host (and per process for a shared crawl).
`;
}

/**
 * Parses the text of a seeds file: one URL a line; blank lines and lines
 * starting with `#` are ignored; each URL must be http(s).
 *
 * @example Usage
 * ```ts
 * import { parseSeedList } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * const seeds = parseSeedList("# mine\nhttps://example.com/\n\n", "seeds.txt");
 * assert.deepEqual(seeds, ["https://example.com/"]);
 * ```
 *
 * @param text The file's contents.
 * @param source The file's name, for error messages (`-` is shown as stdin).
 * @returns The seed URLs, in order.
 * @throws {UsageError} When a line is not an http(s) URL.
 */
export function parseSeedList(text: string, source: string): string[] {
  const seeds: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = source === "-" ? "stdin" : source;
    seeds.push(checkSeed(line, `${where} line ${i + 1}`));
  }
  return seeds;
}

/**
 * The distinct host names of the seeds (what `--allow-net=` needs).
 *
 * @example Usage
 * ```ts
 * import { seedHosts } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   seedHosts(["https://a.example/", "http://a.example:8080/x", "https://b.example/"]),
 *   ["a.example", "b.example"],
 * );
 * ```
 *
 * @param seeds Valid http(s) URLs.
 * @returns Host names without ports, in first-seen order.
 */
export function seedHosts(seeds: readonly string[]): string[] {
  return [...new Set(seeds.map((s) => new URL(s).hostname))];
}

/**
 * Parses an `--include`/`--exclude` value: `/source/flags` is a `RegExp`
 * (tested on the full URL); otherwise a `URLPattern`, from the full-URL
 * pattern syntax when it parses as one, else as a pathname pattern.
 *
 * @example Usage
 * ```ts
 * import { parseUrlFilter } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(parseUrlFilter("--include", "/\\.pdf$/i") instanceof RegExp);
 * const pattern = parseUrlFilter("--include", "/blog/*") as URLPattern;
 * assert.ok(pattern.test("https://example.com/blog/post"));
 * ```
 *
 * @param flag The flag name, for error messages.
 * @param value The pattern text.
 * @returns The filter.
 * @throws {UsageError} When the value is neither a valid RegExp nor a valid URLPattern.
 */
export function parseUrlFilter(flag: string, value: string): UrlFilter {
  const regex = /^\/(.+)\/([dgimsuvy]*)$/s.exec(value);
  if (regex) {
    try {
      return new RegExp(regex[1], regex[2]);
    } catch (err) {
      throw new UsageError(
        `${flag} is not a valid regular expression: got ${
          JSON.stringify(value)
        } (${firstLine(err)})`,
        { cause: err },
      );
    }
  }
  if (value === "") {
    throw new UsageError(`${flag} must not be empty: got ""`);
  }
  try {
    return new URLPattern(value);
  } catch {
    // Not a full-URL pattern: a pathname pattern.
  }
  try {
    return new URLPattern({ pathname: value });
  } catch (err) {
    throw new UsageError(
      `${flag} is not a valid URL pattern: got ${JSON.stringify(value)} (${
        firstLine(err)
      })`,
      { cause: err },
    );
  }
}

/**
 * The `--help` text.
 *
 * @example Usage
 * ```ts
 * import { helpText } from "./args.ts";
 *
 * console.log(helpText("0.1.0"));
 * ```
 *
 * @param version The package version shown in the first line.
 * @returns Multi-line help, ending with a newline.
 */
export function helpText(version: string): string {
  return `trawl ${version}: a polite, concurrent web crawler. Writes one JSON result per line.

Usage:
  deno run --allow-net=HOSTS cli.ts [options] <url>...

Crawl:
  --concurrency N        requests in flight across all hosts (default: 16)
  --per-host N           requests in flight to one host (default: 2)
  --rate R               requests per second to one host, may be fractional
                         (default: unlimited)
  --max-pages N          pages to fetch at most (default: unlimited)
  --max-pages-per-host N pages to fetch from one host at most (default: unlimited)
  --max-links-per-page N links followed from one page at most (default: 1000)
  --allow-private        also crawl hosts that resolve to loopback, private,
                         link-local or other internal addresses (default: only
                         the seeds' own hosts may be internal)
  --max-depth N          link depth to follow; seeds are 0 (default: unlimited)
  --scope S              host | domain | origin | any (default: host)
  --include PATTERN      crawl only URLs matching one of these (repeatable);
                         /regex/flags is a RegExp on the full URL, otherwise a
                         URLPattern: a full URL pattern or a pathname ("/blog/*")
                         (default: everything in scope)
  --exclude PATTERN      skip URLs matching any of these (repeatable; same syntax)
                         (default: none)
  --no-robots            ignore robots.txt (default: robots.txt is obeyed)
  --user-agent S         User-Agent header
                         (default: "trawl/0.1 (+https://jsr.io/@trawl/trawl)")
  --header "Name: value" extra request header (repeatable) (default: none)

Requests:
  --timeout MS           total time for one request (default: 30000)
  --idle-timeout MS      abort a request receiving no bytes this long (default: 10000)
  --retries N            retries after a network error, 408, 429 or 5xx (default: 2)
  --max-redirects N      redirect hops followed per request (default: 10)
  --max-body-bytes N     largest body read; larger pages are skipped
                         (default: 10485760)
  --workers N            HTML parser workers; 0 parses on the main thread
                         (default: CPU cores - 1, at least 1; workers need
                         --allow-read for trawl's own src/ folder, else trawl
                         parses on the main thread and says so)
  --max-heap MB          run the crawl in a thread whose V8 old generation is
                         limited to MB (and whose young generation is 12 MB);
                         under 2048 V8 also keeps less garbage between
                         collections; needs --allow-read for trawl's src/
                         (default: 1536 with --state or --frontier, whose queue
                         waits outside memory; else no thread, V8's own limit)
  --sandbox-workers      run parser workers with no permissions at all; needs
                         deno run --unstable-worker-options (default: off)
  --skip-extensions LIST comma-separated file extensions reported as skipped
                         without a request; "" fetches everything
                         (default: pdf, images, audio, video, archives, ...)

Output:
  --links                include each page's links in its result (default: off)
  -o, --out FILE         write JSONL results to FILE, truncated first (default: stdout);
                         with --state or --frontier, appended to and repaired instead
  --state PATH           keep the crawl in this SQLite file: run the same command
                         again after any stop (even kill -9) to continue it
                         (default: in memory)
  --resume               with --state/--frontier: continue a state made with other
                         seeds or options (new seeds are added)
  --fresh                with --state/--frontier: discard the stored crawl, start over
  --frontier URL         share the crawl with other trawl processes through Redis
                         (needs --crawl): redis://[USER:PASSWORD@]HOST:PORT/DB,
                         rediss://... over TLS, or a Redis Cluster:
                         redis+cluster://HOST:PORT,HOST:PORT,... (rediss+cluster://)
  --crawl NAME           the shared crawl's name (with --frontier)
  --worker ID            this process's id in the shared crawl; a restart with the
                         same id writes what the last run committed but had not
                         written (default: HOSTNAME:OUT-PATH with --out, else
                         HOSTNAME/PID)
  --lease MS             a dead process's URLs go back to the frontier this long
                         after its last heartbeat (default: 30000)
  --redis-timeout MS     how long Redis may be unreachable (trawl pauses and
                         retries; also a server that does not answer) before
                         the crawl fails with exit code 3 (default: 60000)
  --redis-ca FILE        the CA certificate(s), PEM, that a rediss:// server's
                         certificate must chain to (default: the runtime's store;
                         DENO_TLS_CA_STORE=system uses the system's)
  --seeds FILE           read more seed URLs from FILE, one a line; "#" comments and
                         blank lines are ignored; "-" reads stdin (default: none)
  -q, --quiet            no progress line, no summary (default: off)
  --log-level L          debug | info | warn | error, logs to stderr (default: warn);
                         debug also reports event-loop stalls over 100 ms
  -h, --help             show this help and exit
  -V, --version          show the version and exit

Progress is shown on stderr when it is a terminal; a summary is printed to stderr
at the end. Colors follow NO_COLOR. Ctrl-C or SIGTERM stops gracefully (results
so far are kept, a shared crawl's leased URLs go back at once, exit code 130); a
second one exits at once.

Exit codes: 0 done, 1 unexpected error, 2 bad usage or missing permission,
3 shared crawl: Redis unreachable or silent past --redis-timeout, wrong Redis
settings, or the crawl lost by Redis, 130 interrupted.

Permissions:
  --allow-net=HOSTS      every host to crawl (the seeds' hosts; more with
                         --scope domain|any), e.g. --allow-net=example.com
  --allow-write=FILE     with --out FILE
  --allow-read=FILE      with --seeds FILE (not needed for "--seeds -")
  --allow-read=DIR --allow-write=DIR
                         with --state DIR/crawl.db: SQLite also writes crawl.db-wal,
                         crawl.db-shm and crawl.db.lock beside it; with --state
                         the --out file needs read access too
  --allow-net=HOST:PORT  with --frontier redis://HOST:PORT/DB (every node of a cluster)
  --allow-read=FILE      with --redis-ca FILE

Examples:
  deno run --allow-net=example.com cli.ts https://example.com/
  deno run --allow-net=example.com --allow-write=out.jsonl cli.ts \\
    --max-pages 100 --out out.jsonl https://example.com/
  deno run --allow-net=example.com cli.ts --rate 0.5 --exclude "/private/*" \\
    --include "/\\/docs\\//" https://example.com/docs/
  cat urls.txt | deno run --allow-net cli.ts --seeds - --max-depth 0 --quiet
  deno run --allow-net=example.com --allow-read=. --allow-write=. cli.ts \\
    --state crawl.db --out out.jsonl https://example.com/   # again to resume
  deno run --allow-read=. --allow-write=. cli.ts status --state crawl.db
`;
}

function checkSeed(value: string, where?: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (
    url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")
  ) {
    const at = where === undefined ? "" : ` (${where})`;
    throw new UsageError(
      `seed ${JSON.stringify(value)}${at} is not an http(s) URL`,
    );
  }
  return url.href;
}

function positiveInteger(flag: string, value: string): number {
  const n = /^\+?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `${flag} must be a positive integer: got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function nonNegativeInteger(flag: string, value: string): number {
  const n = /^\+?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new UsageError(
      `${flag} must be a non-negative integer: got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function positiveNumber(flag: string, value: string): number {
  const text = value.trim();
  const n = /^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ||
      text === "Infinity"
    ? Number(text)
    : NaN;
  if (!(n > 0)) {
    throw new UsageError(
      `${flag} must be a number greater than 0: got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function oneOf<T extends string>(
  flag: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(
      `${flag} must be one of ${allowed.join(", ")}: got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value as T;
}

function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers = new Headers();
  for (const value of values) {
    const colon = value.indexOf(":");
    const name = colon > 0 ? value.slice(0, colon).trim() : "";
    const content = colon > 0 ? value.slice(colon + 1).trim() : "";
    try {
      if (name === "") throw new TypeError("missing name");
      headers.append(name, content);
    } catch (err) {
      throw new UsageError(
        `--header must be "Name: value": got ${JSON.stringify(value)}`,
        { cause: err },
      );
    }
  }
  return Object.fromEntries(headers);
}

function describeParseError(err: unknown): string {
  const message = firstLine(err);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]} (try --help)`;
  const missing = /^Option '(?:-\w, )?(-[^' ]+)[^']*' argument missing/
    .exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const ambiguous = /^Option '(?:-\w, )?(-[^' ]+)[^']*' argument is ambiguous/
    .exec(message);
  if (ambiguous) {
    return `${ambiguous[1]} needs a value (write ${
      ambiguous[1]
    }=VALUE for a value starting with "-")`;
  }
  const noValue = /^Option '(?:-\w, )?(-[^' ]+)[^']*' does not take/.exec(
    message,
  );
  if (noValue) return `${noValue[1]} does not take a value`;
  return message;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0].trim();
}
