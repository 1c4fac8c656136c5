/**
 * The errors of a shared crawl's Redis: gone too long, set up wrong, or the
 * crawl lost. This file loads no Redis client, so the CLI can tell them
 * apart (they all end the command with exit code 3) without loading one.
 *
 * @module
 */

/** How long, for messages: `10 s`, `2.5 s`, `300 ms`. */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/**
 * Redis stayed unreachable, or did not answer, for longer than the store's
 * `redisTimeoutMs`. What was committed before is kept: running the same
 * crawl again resumes it.
 *
 * @example Usage
 * ```ts
 * import { RedisUnavailableError } from "@trawl/trawl/redis";
 *
 * const err = new RedisUnavailableError("redis://127.0.0.1:6379/0", 10000, {
 *   address: "127.0.0.1:6379",
 *   silent: true,
 * });
 * console.log(err.message); // Redis at 127.0.0.1:6379 did not answer for 10 s
 * ```
 */
export class RedisUnavailableError extends Error {
  /** The server's URL (credentials removed). */
  readonly url: string;
  /** The server as `host:port` (a cluster: its nodes, comma-separated). */
  readonly address: string;
  /** How long it was unreachable before giving up, ms. */
  readonly timeoutMs: number;
  /**
   * `true` when the server took connections but did not answer (a stopped
   * process, a network black hole); `false` when it refused or dropped them.
   */
  readonly silent: boolean;

  /**
   * Creates the error.
   *
   * @param url The server's URL, credentials removed.
   * @param timeoutMs The limit that was passed, ms.
   * @param options The server's address, whether it was silent, and the
   * last error.
   */
  constructor(
    url: string,
    timeoutMs: number,
    options: ErrorOptions & { address?: string; silent?: boolean } = {},
  ) {
    const address = options.address ?? url;
    const silent = options.silent ?? false;
    const why = silent
      ? `did not answer for ${formatWait(timeoutMs)}`
      : `was unreachable for ${formatWait(timeoutMs)}${
        options.cause instanceof Error ? ` (${options.cause.message})` : ""
      }`;
    super(`Redis at ${address} ${why}`, { cause: options.cause });
    this.name = "RedisUnavailableError";
    this.url = url;
    this.address = address;
    this.timeoutMs = timeoutMs;
    this.silent = silent;
  }
}

/** What is wrong with a Redis set-up (see {@linkcode RedisConfigError}). */
export type RedisConfigProblem =
  | "auth"
  | "noauth"
  | "permission"
  | "database"
  | "not-redis"
  | "tls-expected"
  | "plain-expected"
  | "certificate"
  | "slot-moved";

/**
 * The Redis settings are wrong: a bad password or user, no password for a
 * server that needs one, a missing permission, a database index out of
 * range, a server that is not Redis, TLS against a plain port (or the
 * reverse), a certificate that does not verify, or (`slot-moved`) a cluster
 * that moved the crawl's hash slot while a script ran. Retrying cannot
 * help.
 *
 * @example Usage
 * ```ts
 * import { RedisConfigError } from "@trawl/trawl/redis";
 *
 * const err = new RedisConfigError("noauth", "127.0.0.1:6379", "the server needs a password");
 * console.log(err.problem, err.message);
 * ```
 */
export class RedisConfigError extends Error {
  /** What is wrong. */
  readonly problem: RedisConfigProblem;
  /** The server as `host:port`. */
  readonly address: string;

  /**
   * Creates the error.
   *
   * @param problem What is wrong.
   * @param address The server as `host:port`.
   * @param detail The explanation, after `Redis at ADDRESS: `.
   * @param options The server's error.
   */
  constructor(
    problem: RedisConfigProblem,
    address: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Redis at ${address}: ${detail}`, options);
    this.name = "RedisConfigError";
    this.problem = problem;
    this.address = address;
  }
}

/**
 * Redis no longer holds the crawl this process was part of (its keys were
 * flushed or dropped, or Redis restarted without persistence), or holds
 * another crawl of the same name (started over with `fresh`). The process
 * stops instead of starting the crawl over and writing pages twice.
 *
 * @example Usage
 * ```ts
 * import { CrawlLostError } from "@trawl/trawl/redis";
 *
 * const err = new CrawlLostError("127.0.0.1:6379", "docs", "gone");
 * console.log(err.crawl, err.message);
 * ```
 */
export class CrawlLostError extends Error {
  /** The server as `host:port`. */
  readonly address: string;
  /** The crawl's name. */
  readonly crawl: string;
  /**
   * `"gone"`: the crawl's keys are missing; `"replaced"`: a new crawl of the
   * same name was created meanwhile; `"missing"`: the crawl was expected to
   * exist (this worker's output holds results) but does not.
   */
  readonly reason: "gone" | "replaced" | "missing";

  /**
   * Creates the error.
   *
   * @param address The server as `host:port`.
   * @param crawl The crawl's name.
   * @param reason What happened to it.
   * @param options The server's error.
   */
  constructor(
    address: string,
    crawl: string,
    reason: "gone" | "replaced" | "missing",
    options?: ErrorOptions,
  ) {
    const what = reason === "replaced"
      ? "was started over by another process (fresh) while this one crawled it"
      : reason === "missing"
      ? "does not exist, though this worker's output holds results of it: Redis lost it (flushed, or restarted without persistence) or it was dropped"
      : "is gone (flushed, dropped, or Redis restarted without persistence)";
    super(
      `Redis at ${address}: crawl '${crawl}' ${what}; stopping so that no page is fetched and written twice (run with --fresh to start the crawl over)`,
      options,
    );
    this.name = "CrawlLostError";
    this.address = address;
    this.crawl = crawl;
    this.reason = reason;
  }
}

/**
 * Whether `err` is one of the shared crawl's Redis errors (gone, set up
 * wrong, crawl lost): the CLI ends with exit code 3 on them.
 *
 * @example Usage
 * ```ts
 * import { isRedisStoreError, CrawlLostError } from "./errors.ts";
 *
 * console.log(isRedisStoreError(new CrawlLostError("h:1", "c", "gone"))); // true
 * ```
 *
 * @param err Anything thrown.
 * @returns `true` for a `RedisUnavailableError`, `RedisConfigError` or
 * `CrawlLostError`.
 */
export function isRedisStoreError(
  err: unknown,
): err is RedisUnavailableError | RedisConfigError | CrawlLostError {
  return err instanceof RedisUnavailableError ||
    err instanceof RedisConfigError || err instanceof CrawlLostError;
}
