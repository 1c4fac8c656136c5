/**
 * Context variables (PEP 567) on `AsyncLocalStorage`.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** Options for {@linkcode ContextVar}. */
export interface ContextVarOptions<T> {
  /**
   * The value `get()` returns outside any `run()`.
   *
   * @default {undefined}
   */
  default?: T;
}

/**
 * A value that follows the logical flow of async work, like Python's
 * `contextvars.ContextVar`.
 *
 * `run(value, fn)` makes `value` visible to `fn` and to everything `fn`
 * starts: awaited calls, promise chains, timers, and tasks spawned into a
 * `TaskGroup`. Concurrent runs never see each other's values, and the value
 * is restored when `run` returns. The crawler keeps each request's trace in
 * one, so logs carry it without passing it by hand.
 *
 * @example Values follow async work
 * ```ts
 * import { ContextVar } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const requestId = new ContextVar<string>("requestId", { default: "none" });
 * const seen = await Promise.all(["a", "b"].map((id) =>
 *   requestId.run(id, async () => {
 *     await new Promise((r) => setTimeout(r, 1));
 *     return requestId.get();
 *   })
 * ));
 * assert.deepEqual(seen, ["a", "b"]);
 * assert.equal(requestId.get(), "none");
 * ```
 *
 * @typeParam T The type of the value.
 */
export class ContextVar<T> {
  /** The variable's name, for debugging and for stall reports. */
  readonly name: string;
  readonly #storage = new AsyncLocalStorage<{ value: T }>();
  readonly #default: T | undefined;
  readonly #hasDefault: boolean;

  /**
   * Creates a context variable.
   *
   * @param name A name for debugging.
   * @param options The default value.
   */
  constructor(name: string, options: ContextVarOptions<T> = {}) {
    this.name = name;
    this.#hasDefault = "default" in options;
    this.#default = options.default;
  }

  /**
   * The value of the innermost `run` around the caller, else the default.
   *
   * @returns The current value (or `undefined` with no run and no default).
   */
  get(): T | undefined {
    const box = this.#storage.getStore();
    return box ? box.value : this.#default;
  }

  /** Whether a `run` is active around the caller or a default was given. */
  get isSet(): boolean {
    return this.#storage.getStore() !== undefined || this.#hasDefault;
  }

  /**
   * Runs `fn` with the variable set to `value`; everything `fn` starts sees it.
   *
   * @param value The value for the duration of `fn`.
   * @param fn The function to run.
   * @returns What `fn` returns.
   */
  run<R>(value: T, fn: () => R): R {
    return this.#storage.run({ value }, fn);
  }
}
