/**
 * Errors of durable and shared crawl state.
 *
 * @module
 */

/**
 * A stored crawl was made with other seeds or settings than this run's, and
 * neither `resume` nor `fresh` said what to do.
 *
 * @example Usage
 * ```ts
 * import { StateMismatchError } from "@trawl/trawl";
 *
 * const err = new StateMismatchError("crawl.db", ["seeds: 1 added"]);
 * console.log(err.name, err.location, err.differences);
 * ```
 */
export class StateMismatchError extends Error {
  /** Where the state lives (a file path, or a Redis URL and crawl name). */
  readonly location: string;
  /** What differs, one line each. */
  readonly differences: string[];
  /**
   * Creates the error.
   *
   * @param location Where the state lives.
   * @param differences What differs, one line each.
   * @param options The underlying error.
   */
  constructor(
    location: string,
    differences: string[],
    options?: ErrorOptions,
  ) {
    super(
      `The crawl state in ${location} was made with other seeds or options (${
        differences.join("; ")
      }): pass --resume to continue it anyway (new seeds are added), or --fresh to discard it and start over`,
      options,
    );
    this.name = "StateMismatchError";
    this.location = location;
    this.differences = differences;
  }
}

/**
 * Another process holds the crawl state (one process per state file).
 *
 * @example Usage
 * ```ts
 * import { StateLockedError } from "@trawl/trawl";
 *
 * const err = new StateLockedError("crawl.db");
 * console.log(err.name, err.location);
 * ```
 */
export class StateLockedError extends Error {
  /** The state's path. */
  readonly location: string;
  /**
   * Creates the error.
   *
   * @param location The state's path.
   * @param options The underlying error.
   */
  constructor(location: string, options?: ErrorOptions) {
    super(
      `The crawl state ${location} is in use by another trawl process: wait for it to finish or stop it first`,
      options,
    );
    this.name = "StateLockedError";
    this.location = location;
  }
}

/**
 * There is no crawl state at the path given (`trawl status --state PATH`).
 *
 * @example Usage
 * ```ts
 * import { StateNotFoundError } from "./state_errors.ts";
 *
 * const err = new StateNotFoundError("crawl.db");
 * console.log(err.name, err.message); // StateNotFoundError No crawl state at crawl.db
 * ```
 */
export class StateNotFoundError extends Error {
  /** The state's path. */
  readonly location: string;
  /**
   * Creates the error.
   *
   * @param location The state's path.
   * @param options The underlying error.
   */
  constructor(location: string, options?: ErrorOptions) {
    super(`No crawl state at ${location}`, options);
    this.name = "StateNotFoundError";
    this.location = location;
  }
}
