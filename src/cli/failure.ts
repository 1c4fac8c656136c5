/**
 * What a failed command says and which exit code it ends with. A shared
 * crawl's Redis errors (away past `--redis-timeout`, set up wrong, the
 * crawl lost) end with the state/frontier code; the crawl's tasks fail
 * together when Redis goes away, so the one error behind them is reported,
 * not the task group's aggregate.
 *
 * @module
 */
import { isRedisStoreError } from "../frontier/redis/errors.ts";
import { exitCodeOf } from "./exit_codes.ts";
import { errorMessage } from "./terminal.ts";

/**
 * The error to report for a crawl that failed: an `AggregateError` of the
 * crawl's tasks stands for the Redis error among them, or for the one error
 * they all share; any other error stands for itself.
 *
 * @example
 * ```ts
 * import { rootCause } from "./failure.ts";
 * import assert from "node:assert/strict";
 *
 * const gone = new Error("gone");
 * assert.equal(
 *   (rootCause(new AggregateError([gone, new Error("gone")])) as Error).message,
 *   "gone",
 * );
 * ```
 *
 * @param err What the command caught.
 * @returns The error to report.
 */
export function rootCause(err: unknown): unknown {
  if (!(err instanceof AggregateError) || err.errors.length === 0) return err;
  const errors = err.errors.map(rootCause);
  const redis = errors.find(isRedisStoreError);
  if (redis) return redis;
  const first = errors[0];
  const same = errors.every((e) =>
    e instanceof Error && first instanceof Error && e.name === first.name &&
    e.message === first.message
  );
  return same ? first : err;
}

/**
 * The message and exit code of a command that failed with `err`.
 *
 * @example
 * ```ts
 * import { failure } from "./failure.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(failure(new Error("boom")).code, 1);
 * ```
 *
 * @param caught What the command caught.
 * @returns The error to report, its message, and the exit code.
 */
export function failure(
  caught: unknown,
): { error: unknown; message: string; code: number } {
  const error = rootCause(caught);
  const message = error instanceof Error &&
      error.name === "RedisUnavailableError"
    ? `${error.message}: stopped; every committed result is kept, and running the same command again resumes the crawl`
    : errorMessage(error);
  return { error, message, code: exitCodeOf(error) };
}
