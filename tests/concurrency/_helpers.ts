/**
 * Helpers shared by the concurrency tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { FakeClock } from "../../src/concurrency/fake_clock.ts";
import {
  WorkerCrashedError,
  WorkerTaskTimeoutError,
} from "../../src/concurrency/worker_error.ts";

/** Lets every pending promise chain run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Whether `p` has settled, after letting pending chains run. */
export async function state(p: Promise<unknown>): Promise<string> {
  await flush();
  const pending = Symbol("pending");
  try {
    return (await Promise.race([p, pending])) === pending
      ? "pending"
      : "fulfilled";
  } catch {
    return "rejected";
  }
}

/** Records the clock time at which `p` resolves. */
export function when(clock: FakeClock, p: Promise<void>): { at?: number } {
  const box: { at?: number } = {};
  p.then(() => (box.at = clock.now()));
  return box;
}

/** The WorkerPool tests' worker modules. */
export const WORKERS = {
  /** Answers `TestTask`s (see workers/test_worker.ts). */
  test: new URL("./workers/test_worker.ts", import.meta.url),
  /** Sends back the buffer it gets, transferred. */
  echoBuffer: new URL("./workers/echo_buffer_worker.ts", import.meta.url),
  /** Fails to load. */
  broken: new URL("./workers/broken_worker.ts", import.meta.url),
} as const;

/**
 * Checks the failure of a task whose worker went over its heap limit: Deno
 * 2.9 reports `ERR_WORKER_OUT_OF_MEMORY` only sometimes (the worker may
 * stall instead), so it is either a crash with that code or the task's
 * timeout. For `assert.rejects`.
 */
export function outOfMemory(e: unknown): true {
  if (e instanceof WorkerCrashedError) {
    assert.equal(
      (e.cause as { code?: string } | undefined)?.code,
      "ERR_WORKER_OUT_OF_MEMORY",
    );
  } else {
    assert.ok(e instanceof WorkerTaskTimeoutError, String(e));
  }
  return true;
}

/**
 * Runs two tasks on a pool of the broken worker module (`WORKERS.broken`)
 * and checks that each fails on its own with a `WorkerCrashedError` naming
 * the module's error.
 */
export async function assertBrokenModuleFails(
  pool: { run(input: number): Promise<unknown> },
): Promise<void> {
  const results = await Promise.allSettled([1, 2].map((n) => pool.run(n)));
  for (const r of results) {
    assert.equal(r.status, "rejected");
    assert.ok(r.reason instanceof WorkerCrashedError);
    assert.match(r.reason.reason, /broken worker module/);
  }
}
