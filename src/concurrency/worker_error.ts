/**
 * The errors a {@linkcode WorkerPool} rejects tasks with.
 *
 * @module
 */

/** The parts of an error thrown in a worker that cross the thread boundary. */
export interface WorkerErrorData {
  /** The error's `name` in the worker (e.g. `"TypeError"`). */
  name: string;
  /** The error's `message` in the worker. */
  message: string;
  /** The error's `stack` in the worker, when it had one. */
  stack?: string;
}

/**
 * A task threw (or its promise rejected) inside the worker.
 *
 * `message` is the worker error's message; `remoteName` and `remoteStack` are
 * its name and stack. `cause` is an `Error` rebuilt from them, so printing the
 * error shows where in the worker it was thrown.
 *
 * @example Usage
 * ```ts
 * import { WorkerTaskError } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const err = new WorkerTaskError({ name: "TypeError", message: "bad input" });
 * assert.equal(err.name, "WorkerTaskError");
 * assert.equal(err.remoteName, "TypeError");
 * assert.equal(err.message, "bad input");
 * ```
 */
export class WorkerTaskError extends Error {
  /** The name of the error thrown in the worker. */
  readonly remoteName: string;
  /** The stack of the error thrown in the worker (empty when it had none). */
  readonly remoteStack: string;

  /**
   * Creates the error from what the worker sent.
   *
   * @param data The worker error's name, message and stack.
   */
  constructor(data: WorkerErrorData) {
    const remote = new Error(data.message);
    remote.name = data.name;
    remote.stack = data.stack ?? `${data.name}: ${data.message}`;
    super(data.message, { cause: remote });
    this.name = "WorkerTaskError";
    this.remoteName = data.name;
    this.remoteStack = data.stack ?? "";
  }
}

/**
 * The worker running a task died before answering: an uncaught error or
 * unhandled rejection, `self.close()`, a module that failed to load, or a
 * reply that could not be received. The worker was terminated and will be
 * replaced; only the task it was running fails.
 *
 * @example Usage
 * ```ts
 * import { WorkerCrashedError } from "@trawl/trawl/concurrency";
 *
 * const err = new WorkerCrashedError("file:///w.ts", "Uncaught Error: boom");
 * console.log(err.name, err.moduleUrl, err.reason);
 * ```
 */
export class WorkerCrashedError extends Error {
  /** The worker's module URL. */
  readonly moduleUrl: string;
  /** What happened to the worker, as reported by the runtime. */
  readonly reason: string;

  /**
   * Creates the error.
   *
   * @param moduleUrl The worker's module URL.
   * @param reason What happened to the worker.
   * @param options The underlying error, when there is one.
   */
  constructor(moduleUrl: string, reason: string, options?: ErrorOptions) {
    super(
      `Worker crashed while running a task: ${reason} (${moduleUrl})`,
      options,
    );
    this.name = "WorkerCrashedError";
    this.moduleUrl = moduleUrl;
    this.reason = reason;
  }
}

/**
 * A task ran longer than the pool's `taskTimeoutMs`; its worker was
 * terminated (the only way to stop synchronous work) and will be replaced.
 *
 * @example Usage
 * ```ts
 * import { WorkerTaskTimeoutError } from "@trawl/trawl/concurrency";
 *
 * const err = new WorkerTaskTimeoutError("file:///w.ts", 5000);
 * console.log(err.name, err.timeoutMs);
 * ```
 */
export class WorkerTaskTimeoutError extends Error {
  /** The worker's module URL. */
  readonly moduleUrl: string;
  /** The limit that was passed, ms. */
  readonly timeoutMs: number;

  /**
   * Creates the error.
   *
   * @param moduleUrl The worker's module URL.
   * @param timeoutMs The limit, ms.
   */
  constructor(moduleUrl: string, timeoutMs: number) {
    super(`Worker task took longer than ${timeoutMs} ms (${moduleUrl})`);
    this.name = "WorkerTaskTimeoutError";
    this.moduleUrl = moduleUrl;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The pool was closed: tasks still queued or running when `close()` was
 * called are rejected with it, and so is every later `run`.
 *
 * @example Usage
 * ```ts
 * import { WorkerPoolClosedError } from "@trawl/trawl/concurrency";
 *
 * const err = new WorkerPoolClosedError("file:///w.ts");
 * console.log(err.name, err.message);
 * ```
 */
export class WorkerPoolClosedError extends Error {
  /** The pool's worker module URL. */
  readonly moduleUrl: string;

  /**
   * Creates the error.
   *
   * @param moduleUrl The pool's worker module URL.
   */
  constructor(moduleUrl: string) {
    super(`Worker pool is closed (${moduleUrl})`);
    this.name = "WorkerPoolClosedError";
    this.moduleUrl = moduleUrl;
  }
}
