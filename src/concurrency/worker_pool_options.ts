/**
 * The options of {@linkcode WorkerPool}: what they mean and their checks.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { ContextVar } from "./context_var.ts";
import {
  check,
  NON_NEGATIVE_INT,
  oneOf,
  POSITIVE_INT,
  type Rule,
} from "../options/validate.ts";

/**
 * The permissions pool workers run with.
 *
 * - `"none"`: no permissions at all (`deno: { permissions: "none" }`). The
 *   worker can still load its module, its static imports and npm packages.
 *   Deno 2.9 gates this behind `--unstable-worker-options` (or
 *   `"unstable": ["worker-options"]` in deno.json); without it Deno prints an
 *   error and exits the whole process (code 70) when the worker is created.
 * - `"inherit"`: the same permissions as the calling thread.
 * - `"auto"`: `"none"` when the runtime is known to support it, else
 *   `"inherit"`. Deno offers no way to ask whether the unstable flag is on, so
 *   on Deno 2.9 `"auto"` means `"inherit"`; pass `"none"` explicitly when the
 *   flag is enabled.
 */
export type WorkerPermissions = "auto" | "none" | "inherit";

/**
 * V8 heap limits for each worker of a pool, in MiB (the same names as
 * `node:worker_threads`' `resourceLimits`). V8 sizes a busy isolate's heap
 * for throughput from the machine's memory: on a 24 GiB machine each worker
 * may grow a 96 MiB young generation and let its old generation reach four
 * times what survives a full collection. Limits keep a worker's memory flat.
 */
export interface WorkerResourceLimits {
  /**
   * The young generation (where new objects are made) at most, in MiB; a
   * third of it is one semi-space. A few MiB cost little speed for tasks
   * whose results do not outlive them.
   *
   * @default {undefined} (V8's choice, up to 96 MiB)
   */
  maxYoungGenerationSizeMb?: number;
  /**
   * The old generation at most, in MiB. Below 2 GiB V8 also grows the heap
   * more slowly between full collections (by 1.3 to 2 times what survives
   * instead of 4), so a limit far above what a worker keeps saves memory too.
   * A worker that needs more is terminated and its tasks reject with a
   * `WorkerCrashedError` whose `cause` has the code
   * `ERR_WORKER_OUT_OF_MEMORY`; but Deno 2.9 does that only for some
   * allocations, and a worker that hits the limit inside a task may stall
   * instead, so set `taskTimeoutMs` too when the limit can be reached.
   *
   * @default {undefined} (V8's choice, about a quarter of the machine's memory)
   */
  maxOldGenerationSizeMb?: number;
}

/** Options for {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** How many workers at most run tasks at once (a positive integer). */
  size: number;
  /**
   * How many tasks at most wait for a worker (a non-negative integer); `run`
   * calls beyond that wait for room before their task is accepted.
   */
  maxQueue: number;
  /**
   * Longest a task may run in its worker (counted from when the worker is up
   * and has the task) before the worker is terminated and replaced and the
   * task rejects with a `WorkerTaskTimeoutError`.
   *
   * @default {undefined} (no limit)
   */
  taskTimeoutMs?: number;
  /**
   * A context variable whose value `run` captures and the worker's
   * `serveWorker({ context })` restores around the handler. Values must be
   * structured-cloneable.
   *
   * @default {undefined}
   */
  context?: ContextVar<unknown>;
  /**
   * Tasks sent to one worker before earlier ones finish, so the worker never
   * idles while a result travels back and the next task travels in (a round
   * trip costs a few hundred microseconds of thread wake-ups). With more than
   * 1, a worker that crashes, times out or is aborted also fails the other
   * tasks it holds, with the same error: their inputs were already moved to
   * it.
   *
   * @default {1}
   */
  pipeline?: number;
  /**
   * The permissions workers run with; see {@linkcode WorkerPermissions}.
   *
   * @default {"auto"}
   */
  permissions?: WorkerPermissions;
  /**
   * Heap limits for each worker; see {@linkcode WorkerResourceLimits}. With
   * limits the workers are `node:worker_threads` workers (Deno's Web Workers
   * take no heap limits); they inherit the caller's permissions, so
   * `permissions: "none"` cannot be combined with them.
   *
   * @default {undefined} (no limits: Web Workers)
   */
  resourceLimits?: WorkerResourceLimits;
  /**
   * The clock task timeouts are measured on.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/** A number greater than 0 and finite (a timer's delay). */
const POSITIVE_FINITE: Rule<number> = {
  text: "a positive finite number",
  error: RangeError,
  test: (v): v is number =>
    typeof v === "number" && v > 0 && Number.isFinite(v),
};

/** An object (not `null`). */
const OBJECT: Rule<object> = {
  text: "an object",
  error: TypeError,
  test: (v): v is object => typeof v === "object" && v !== null,
};

const PERMISSIONS = oneOf(["auto", "none", "inherit"] as const);

/** {@linkcode WorkerPoolOptions} checked, with defaults applied. */
export interface ResolvedWorkerPoolOptions {
  /** The worker module's absolute URL. */
  url: string;
  size: number;
  maxQueue: number;
  taskTimeoutMs: number | undefined;
  context: ContextVar<unknown> | undefined;
  pipeline: number;
  /** A copy of the heap limits, when given. */
  resourceLimits: WorkerResourceLimits | undefined;
  clock: Clock;
  /** How Web Workers are created (permissions applied). */
  workerOptions: WorkerOptions;
}

/**
 * Checks the arguments of `new WorkerPool()` and applies the defaults.
 *
 * @example Usage
 * ```ts
 * import { resolveWorkerPoolOptions } from "./worker_pool_options.ts";
 * import assert from "node:assert/strict";
 *
 * const o = resolveWorkerPoolOptions("file:///w.ts", { size: 2, maxQueue: 4 });
 * assert.equal(o.pipeline, 1);
 * assert.throws(
 *   () => resolveWorkerPoolOptions("w.ts", { size: 2, maxQueue: 4 }),
 *   TypeError,
 * );
 * ```
 *
 * @param moduleUrl The worker module.
 * @param options The pool's options.
 * @returns The options with defaults.
 * @throws {TypeError} When `moduleUrl` is not absolute, `permissions` is
 * unknown, `resourceLimits` is not an object or comes with
 * `permissions: "none"`.
 * @throws {RangeError} When a number is out of range.
 */
export function resolveWorkerPoolOptions(
  moduleUrl: string | URL,
  options: WorkerPoolOptions,
): ResolvedWorkerPoolOptions {
  const what = "create WorkerPool";
  let url: URL;
  try {
    url = new URL(moduleUrl);
  } catch {
    throw new TypeError(
      `Cannot ${what} as 'moduleUrl' must be an absolute URL: current value is ${moduleUrl}`,
    );
  }
  const o = options ?? {} as WorkerPoolOptions;
  const size = check(what, "size", o.size, POSITIVE_INT);
  const maxQueue = check(what, "maxQueue", o.maxQueue, NON_NEGATIVE_INT);
  if (o.taskTimeoutMs !== undefined) {
    check(what, "taskTimeoutMs", o.taskTimeoutMs, POSITIVE_FINITE);
  }
  const permissions = check(
    what,
    "permissions",
    o.permissions ?? "auto",
    PERMISSIONS,
  );
  const limits = o.resourceLimits;
  if (limits !== undefined) checkLimits(limits, permissions);
  const pipeline = check(what, "pipeline", o.pipeline ?? 1, POSITIVE_INT);
  const none = permissions === "none" ||
    (permissions === "auto" && workerPermissionsSupported());
  return {
    url: url.href,
    size,
    maxQueue,
    taskTimeoutMs: o.taskTimeoutMs,
    context: o.context,
    pipeline,
    resourceLimits: limits && { ...limits },
    clock: o.clock ?? systemClock,
    workerOptions: none
      ? { type: "module", deno: { permissions: "none" } } as WorkerOptions
      : { type: "module" },
  };
}

function checkLimits(
  limits: WorkerResourceLimits,
  permissions: WorkerPermissions,
): void {
  const what = "create WorkerPool";
  check(what, "resourceLimits", limits, OBJECT);
  for (
    const key of ["maxYoungGenerationSizeMb", "maxOldGenerationSizeMb"] as const
  ) {
    if (limits[key] !== undefined) {
      check(what, `resourceLimits.${key}`, limits[key], POSITIVE_INT);
    }
  }
  if (permissions === "none") {
    throw new TypeError(
      `Cannot ${what} as 'permissions' must not be "none" with 'resourceLimits': workers with heap limits inherit the caller's permissions`,
    );
  }
}

/**
 * Whether this runtime can start workers with `deno: { permissions }`
 * without exiting the process. Deno 2.9 requires the unstable
 * `worker-options` feature for any `deno.permissions` value (even
 * `"inherit"`) and exits with code 70 when it is off, yet exposes no way to
 * ask whether it is on; so this answers `false` unless it can tell for sure,
 * and pools in `"auto"` mode fall back to inheriting permissions.
 *
 * @example Usage
 * ```ts
 * import { workerPermissionsSupported } from "@trawl/trawl/concurrency";
 *
 * console.log(workerPermissionsSupported());
 * ```
 *
 * @returns `true` only when worker permissions are known to be supported.
 */
export function workerPermissionsSupported(): boolean {
  return false;
}
