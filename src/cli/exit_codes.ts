/**
 * The command's exit codes, defined once:
 *
 * | code | meaning |
 * | ---: | --- |
 * | 0 | the crawl ran (even with some 4xx/5xx pages or failed requests); `check` found nothing broken |
 * | 1 | no seed could be fetched; `check` found broken links; an unexpected failure |
 * | 2 | usage: a bad flag, option or seed |
 * | 3 | a state or frontier error: no state for `status`, the state is locked or belongs to another crawl, Redis is gone, the disk is full |
 * | 130 | interrupted (Ctrl-C) |
 * | 143 | terminated (SIGTERM) |
 *
 * @module
 */

/**
 * The exit codes.
 *
 * @example
 * ```ts
 * import { EXIT } from "./exit_codes.ts";
 *
 * console.log(EXIT.state); // 3
 * ```
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  state: 3,
  interrupted: 130,
  terminated: 143,
} as const;

/** Errors of a crawl's state or frontier, by name. */
const STATE_ERRORS = new Set([
  "StateMismatchError",
  "StateLockedError",
  "StateNotFoundError",
  "DiskFullError",
  "RedisUnavailableError",
  "CrawlLostError",
  "RedisConfigError",
]);

/**
 * The exit code of a failure: 2 for a usage error, 3 for a state or frontier
 * error (also when it is the cause of another), 1 for anything else.
 *
 * @example
 * ```ts
 * import { exitCodeOf } from "./exit_codes.ts";
 * import { StateLockedError } from "../frontier/state_errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(exitCodeOf(new StateLockedError("crawl.db")), 3);
 * assert.equal(exitCodeOf(new Error("boom")), 1);
 * ```
 *
 * @param err What the command failed with.
 * @returns The exit code.
 */
export function exitCodeOf(err: unknown): number {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e.name === "UsageError") return EXIT.usage;
    if (STATE_ERRORS.has(e.name)) return EXIT.state;
    e = e.cause;
  }
  return EXIT.failed;
}
