/**
 * Structured concurrency: a group that owns the tasks spawned into it, like
 * Python's `asyncio.TaskGroup` or a Trio nursery.
 *
 * @module
 */

/** Options for {@linkcode TaskGroup}. */
export interface TaskGroupOptions {
  /**
   * A parent signal. When it aborts, the group cancels every child (their
   * signals abort with the same reason) and {@linkcode TaskGroup.wait}
   * rejects with that reason once all of them have settled.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options for {@linkcode TaskGroup.wait}. */
export interface TaskGroupWaitOptions {
  /**
   * Aborting it cancels the group like the parent signal does: the children
   * are aborted, and `wait()` rejects with `signal.reason` once they settled.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Why the group's signal aborted first. */
type AbortCause = "cancel" | "failure" | "parent";

/**
 * A group of concurrent tasks that live no longer than the group.
 *
 * - {@linkcode TaskGroup.spawn} starts a child (on the next microtask, in the
 *   caller's async context, so `ContextVar` values are inherited) and hands
 *   it the group's {@linkcode TaskGroup.signal}.
 * - When a child throws, the group aborts the signal of every sibling, waits
 *   for all children to settle, and {@linkcode TaskGroup.wait} rejects with
 *   that error, or with an `AggregateError` of all errors when several
 *   failed. A child that rejects with the group's own cancellation reason
 *   (`signal.reason`, as `fetch` and `delay` do), or with the error `spawn`
 *   threw because the group was cancelled, is not a failure.
 * - {@linkcode TaskGroup.cancel} aborts the children; `wait()` then resolves
 *   (unless some child failed with a real error).
 * - When the parent signal aborts, `wait()` rejects with its reason after
 *   every child settled.
 * - When `wait()` settles, no child is running, and the group is closed:
 *   `spawn` throws from then on (and on a cancelled group).
 * - `await using` cancels what is still running and waits for it; errors of
 *   children that no `wait()` reported are thrown then.
 *
 * @example Run tasks together; the first failure cancels the rest
 * ```ts
 * import { delay, TaskGroup } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const tg = new TaskGroup();
 * const slow = tg.spawn(async (signal) => {
 *   await delay(10_000, signal); // aborted when the sibling fails
 *   return "never";
 * });
 * tg.spawn(() => {
 *   throw new Error("boom");
 * });
 * await assert.rejects(tg.wait(), { message: "boom" });
 * await assert.rejects(slow); // it was cancelled
 * assert.equal(tg.size, 0);
 * ```
 *
 * @example Scoped with `await using`
 * ```ts
 * import { TaskGroup } from "@trawl/trawl/concurrency";
 *
 * const results: number[] = [];
 * {
 *   await using tg = new TaskGroup();
 *   for (const n of [1, 2, 3]) {
 *     tg.spawn(async () => {
 *       results.push(n * 2);
 *     });
 *   }
 *   await tg.wait();
 * }
 * console.log(results);
 * ```
 */
export class TaskGroup implements AsyncDisposable {
  readonly #controller = new AbortController();
  readonly #children = new Set<Promise<void>>();
  readonly #failures: unknown[] = [];
  /** Errors `spawn` threw because the group was cancelled. */
  readonly #spawnRefusals = new WeakSet<Error>();
  readonly #parent: AbortSignal | undefined;
  // A field, not written in the constructor: V8 makes a function written
  // into a property of `this` in its old generation, where it would keep
  // the group's young objects alive until a full collection.
  readonly #onParentAbort = (): void =>
    this.#abort(this.#parent!.reason, "parent");
  #cause: AbortCause | undefined;
  #closed = false;
  #settled: Promise<void> | undefined;
  #reported = false;

  /**
   * Creates an empty, open group.
   *
   * @param options The parent signal.
   */
  constructor(options: TaskGroupOptions = {}) {
    const { signal } = options;
    this.#parent = signal;
    if (signal?.aborted) this.#onParentAbort();
    else signal?.addEventListener("abort", this.#onParentAbort, { once: true });
  }

  /**
   * The group's signal, given to every child. It aborts when the parent
   * signal aborts, on {@linkcode TaskGroup.cancel}, on disposal, or when a
   * child fails.
   */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** How many children are running. */
  get size(): number {
    return this.#children.size;
  }

  /** How many children are running (same as {@linkcode TaskGroup.size}). */
  get active(): number {
    return this.#children.size;
  }

  /** Whether `wait()` has settled or the group was disposed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Starts `fn` as a child of the group, on the next microtask.
   *
   * `fn` gets the group's signal; if the group is cancelled before `fn`
   * starts, `fn` is not called and the child rejects with the signal's
   * reason. The returned promise settles with the child's outcome; it is
   * already marked handled, so ignoring it never causes an unhandled
   * rejection (the group reports the failure from `wait()`).
   *
   * @example Usage
   * ```ts
   * import { TaskGroup } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const tg = new TaskGroup();
   * const answer = tg.spawn(async () => 42);
   * await tg.wait();
   * assert.equal(await answer, 42);
   * ```
   *
   * @typeParam T The child's result.
   * @param fn The child; it should stop when the signal aborts.
   * @returns The child's result.
   * @throws {Error} When the group is closed or cancelled.
   */
  spawn<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot spawn into TaskGroup as 'fn' must be a function: current value is ${fn}`,
      );
    }
    if (this.#closed) {
      throw new Error(
        "Cannot spawn into TaskGroup as the group is closed: wait() has settled or it was disposed",
      );
    }
    const signal = this.#controller.signal;
    if (signal.aborted) {
      const error = new Error(
        "Cannot spawn into TaskGroup as the group is cancelled",
        { cause: signal.reason },
      );
      this.#spawnRefusals.add(error);
      throw error;
    }
    const result = Promise.resolve().then(() => {
      signal.throwIfAborted();
      return fn(signal);
    });
    const child: Promise<void> = result.then(
      () => this.#remove(child),
      (error: unknown) => {
        this.#remove(child);
        this.#onChildRejected(error);
      },
    );
    this.#children.add(child);
    return result;
  }

  /**
   * Waits until no child is running (children may spawn more children while
   * it waits), then closes the group.
   *
   * @example Usage
   * ```ts
   * import { TaskGroup } from "@trawl/trawl/concurrency";
   *
   * const tg = new TaskGroup();
   * tg.spawn(async () => {
   *   tg.spawn(async () => console.log("grandchild"));
   * });
   * await tg.wait();
   * ```
   *
   * @param options A signal that cancels the group.
   * @returns Resolves when all children finished without failures.
   * @throws The failing child's error (an `AggregateError` when several
   * failed), or the parent's (or `options.signal`'s) abort reason.
   */
  async wait(options: TaskGroupWaitOptions = {}): Promise<void> {
    const { signal } = options;
    const onAbort = () => this.#abort(signal!.reason, "parent");
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#settle();
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    this.#reported = true;
    if (this.#cause === "parent") throw this.#controller.signal.reason;
    this.#throwFailures();
  }

  /**
   * Aborts the group's signal, cancelling every child. `wait()` still waits
   * for them to settle, and resolves unless one failed with an error other
   * than `reason`. Does nothing if the group is already cancelled.
   *
   * @example Usage
   * ```ts
   * import { delay, TaskGroup } from "@trawl/trawl/concurrency";
   *
   * const tg = new TaskGroup();
   * tg.spawn((signal) => delay(10_000, signal));
   * tg.cancel();
   * await tg.wait(); // resolves: cancellation is not a failure
   * ```
   *
   * @param reason The abort reason children see.
   * @default {new DOMException("TaskGroup was cancelled", "AbortError")}
   */
  cancel(reason?: unknown): void {
    this.#abort(
      reason ?? new DOMException("TaskGroup was cancelled", "AbortError"),
      "cancel",
    );
  }

  /**
   * Cancels what is still running, waits for every child to settle, and
   * closes the group. Throws the children's errors if no `wait()` reported
   * them.
   *
   * @example Usage
   * ```ts
   * import { delay, TaskGroup } from "@trawl/trawl/concurrency";
   *
   * {
   *   await using tg = new TaskGroup();
   *   tg.spawn((signal) => delay(10_000, signal));
   * } // the child is aborted here and has settled afterwards
   * ```
   *
   * @returns Resolves when no child is running.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#abort(
      new DOMException("TaskGroup was disposed", "AbortError"),
      "cancel",
    );
    await this.#settle();
    if (this.#reported) return;
    this.#reported = true;
    this.#throwFailures();
  }

  #throwFailures(): void {
    const failures = this.#failures;
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new AggregateError(
        failures,
        `${failures.length} tasks of the TaskGroup failed`,
      );
    }
  }

  #settle(): Promise<void> {
    this.#settled ??= (async () => {
      while (this.#children.size > 0) {
        await Promise.all(this.#children);
      }
      this.#closed = true;
      this.#parent?.removeEventListener("abort", this.#onParentAbort);
    })();
    return this.#settled;
  }

  #remove(child: Promise<void>): void {
    this.#children.delete(child);
  }

  #abort(reason: unknown, cause: AbortCause): void {
    if (this.#controller.signal.aborted) return;
    this.#cause = cause;
    this.#controller.abort(reason);
  }

  #onChildRejected(error: unknown): void {
    const signal = this.#controller.signal;
    if (signal.aborted && error === signal.reason) return;
    if (this.#parent?.aborted && error === this.#parent.reason) return;
    // A child that tried to spawn after the group was cancelled.
    if (error instanceof Error && this.#spawnRefusals.has(error)) return;
    this.#failures.push(error);
    this.#abort(
      new DOMException(
        "TaskGroup was cancelled as a task failed",
        "AbortError",
      ),
      "failure",
    );
  }
}
