/**
 * The command line of `trawl`: argv in, a validated {@linkcode CliConfig} out,
 * or a {@linkcode UsageError} naming what was wrong. The flags are the rows
 * of {@linkcode FLAGS}. Pure: no I/O, no `Deno`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { CrawlOptions } from "../crawler/options.ts";
import type { LogLevel } from "../telemetry/log.ts";
import {
  CLI_DEFAULTS,
  DEBUG_STALL_MS,
  type Flag,
  FLAGS,
  STATUS_FLAGS,
} from "./flags.ts";
import { checkSeed } from "./seeds.ts";
import { parseArgsError, UsageError } from "./usage_error.ts";

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
  /** `--report FILE`: an HTML report written at the end. */
  report?: string;
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
  /** `--redis-slots N`: the slots a new shared crawl's hosts spread over. */
  redisSlots?: number;
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
   * @default {CLI_DEFAULTS.logLevel}
   */
  logLevel: LogLevel;
  /** `--help` was given. */
  help: boolean;
  /** `--version` was given. */
  version: boolean;
}

/**
 * Parses the command line (without the program name) into a
 * {@linkcode CliConfig}, validating every value with the library's rules.
 * Seeds from `--seeds FILE` are not read here: see `parseSeedList`. With
 * `--help` or `--version` nothing else is validated.
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
 * @param flags The flags the command takes (`CHECK_FLAGS` for `check`).
 * @returns The validated configuration.
 * @throws {UsageError} On an unknown flag, a bad value or a bad seed URL.
 */ export function parseCliArgs(
  argv: readonly string[],
  flags: readonly Flag[] = FLAGS,
): CliConfig {
  const { values, positionals } = readArgv(argv, flags, true);
  const config: CliConfig = {
    seeds: [],
    options: {},
    quiet: values.quiet === true,
    logLevel: CLI_DEFAULTS.logLevel,
    help: values.help === true,
    version: values.version === true,
  };
  if (config.help || config.version) return config;
  applyFlags(flags, values, config);
  config.options.logLevel = config.logLevel;
  // At debug level, event-loop stalls are reported with the request behind them.
  if (config.logLevel === "debug") {
    config.options.stallThresholdMs = DEBUG_STALL_MS;
  }
  config.seeds = positionals.map((s) => checkSeed(s));
  if (
    config.seeds.length === 0 && config.seedsFile === undefined &&
    config.options.sitemapUrls === undefined
  ) {
    throw new UsageError("no seed URLs given (try --help)");
  }
  return config;
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
  const { values } = readArgv(argv, STATUS_FLAGS, false);
  const config: StatusConfig = { json: false, help: values.help === true };
  if (config.help) return config;
  applyFlags(STATUS_FLAGS, values, config);
  if (config.state === undefined && config.frontier === undefined) {
    throw new UsageError(
      "status needs --state PATH or --frontier URL --crawl NAME",
    );
  }
  return config;
}

type Values = Record<string, string | boolean | (string | boolean)[]>;

/** Splits argv by the table's flags (`node:util`'s `parseArgs`, strict). */
function readArgv(
  argv: readonly string[],
  flags: readonly Flag[],
  allowPositionals: boolean,
): { values: Values; positionals: string[] } {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  for (const flag of flags) {
    options[flag.name] = {
      type: flag.arg === undefined ? "boolean" : "string",
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals,
    });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (err) {
    throw parseArgsError(err);
  }
}

/**
 * Reads each given flag's value with its parser, sets it where the flag
 * says, then checks the flags given together.
 */
function applyFlags(
  flags: readonly Flag[],
  values: Values,
  target: object,
): void {
  for (const flag of flags) {
    const given = values[flag.name];
    if (given === undefined || given === false) continue;
    setPath(target, flag.sets, valueOf(flag, given));
  }
  const given = (name: string) => values[name] !== undefined;
  for (const flag of flags) {
    if (!given(flag.name)) continue;
    if (flag.excludes !== undefined && given(flag.excludes)) {
      throw new UsageError(
        `--${flag.name} and --${flag.excludes} exclude each other: pick one`,
      );
    }
    if (flag.needs !== undefined && !flag.needs.oneOf.some(given)) {
      throw new UsageError(`--${flag.name} needs ${flag.needs.text}`);
    }
  }
}

function valueOf(flag: Flag, given: Values[string]): unknown {
  const parse = flag.parse;
  if (parse === undefined) return flag.value;
  const name = `--${flag.name}`;
  if (!Array.isArray(given)) return parse(String(given), name);
  const parsed = given.map((text) => parse(String(text), name));
  return flag.collect === undefined ? parsed : flag.collect(parsed);
}

/** Sets `value` at a dotted path, making the objects on the way. */
function setPath(target: object, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    node = (node[key] ??= {}) as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}
