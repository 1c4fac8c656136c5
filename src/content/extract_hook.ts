/**
 * Running the extraction hook on one page, so that whatever it does hurts
 * only that page: a throw, a value that cannot be cloned and a run past the
 * time limit each become the page's `ExtractError`.
 *
 * @module
 */
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { STOP } from "../concurrency/_stop.ts";
import { ExtractError } from "./extract_error.ts";
import type { ExtractFunction } from "./extract_module.ts";
import type { Page } from "./page.ts";

/** What one page's hook gave: its value (cloned), or why it gave none. */
export type HookOutcome = { data: unknown } | { error: ExtractError };

const TIMED_OUT: unique symbol = Symbol("trawl.extract.timeout");

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

async function settle(
  value: PromiseLike<unknown>,
  timeoutMs: number,
  clock: Clock,
): Promise<unknown> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      value,
      clock.sleep(timeoutMs, timer.signal).then(() => TIMED_OUT),
    ]);
  } finally {
    timer.abort(STOP);
  }
}

/**
 * Runs `hook` on `page`: what it returns (or resolves to), structured-cloned
 * as it would be to leave a worker (and checked to be writable as JSON, as
 * results are), or the {@linkcode ExtractError} naming why not. A hook that blocks its thread cannot be ended from inside it:
 * in a parse worker the pool ends the worker (see `ParseBatcher`).
 *
 * @example A hook that throws
 * ```ts
 * import { runHook } from "./extract_hook.ts";
 * import type { Page } from "./page.ts";
 * import assert from "node:assert/strict";
 *
 * const page = { url: "https://example.com/" } as Page;
 * const out = await runHook(() => { throw new TypeError("boom"); }, page, 1000);
 * assert.ok("error" in out && out.error.reason === "threw");
 * assert.deepEqual(await runHook((p) => ({ url: p.url }), page, 1000), {
 *   data: { url: "https://example.com/" },
 * });
 * ```
 *
 * @param hook The module's default export.
 * @param page The page.
 * @param timeoutMs The `extractTimeoutMs` option.
 * @param clock Times the run.
 * @returns The cloned value, or the error.
 */
export async function runHook(
  hook: ExtractFunction,
  page: Page,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<HookOutcome> {
  let value: unknown;
  try {
    value = hook(page);
    if (
      value !== null && (typeof value === "object" ||
        typeof value === "function") &&
      typeof (value as PromiseLike<unknown>).then === "function"
    ) {
      value = await settle(value as PromiseLike<unknown>, timeoutMs, clock);
    }
  } catch (error) {
    return {
      error: new ExtractError(
        page.url,
        "threw",
        `the extract hook threw: ${describe(error)}`,
        { cause: error },
      ),
    };
  }
  if (value === TIMED_OUT) {
    return { error: timedOut(page.url, timeoutMs) };
  }
  try {
    const data = structuredClone(value);
    // Results are written as JSON (output, stores): BigInts and cycles
    // cannot be.
    JSON.stringify(data);
    return { data };
  } catch (error) {
    return {
      error: new ExtractError(
        page.url,
        "uncloneable",
        `the extract hook returned a value that cannot be cloned or written as JSON (${
          describe(error)
        })`,
        { cause: error },
      ),
    };
  }
}

/**
 * The error of a hook that ran past `extractTimeoutMs`.
 *
 * @example
 * ```ts
 * import { timedOut } from "./extract_hook.ts";
 *
 * console.log(timedOut("https://example.com/", 10_000).message);
 * ```
 *
 * @param url The page.
 * @param timeoutMs The limit.
 * @returns The error.
 */
export function timedOut(url: string, timeoutMs: number): ExtractError {
  return new ExtractError(
    url,
    "timeout",
    `the extract hook ran past extractTimeoutMs (${timeoutMs} ms)`,
  );
}
