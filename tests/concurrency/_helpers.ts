/**
 * Helpers shared by the concurrency tests.
 *
 * @module
 */
import type { FakeClock } from "../../src/concurrency/fake_clock.ts";

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
