/**
 * The crawl's task tree (frontier pumps and fetch loops), the queue their
 * results go through, and what they use, which is closed only once they
 * have all stopped.
 *
 * @module
 */
import { BoundedQueue } from "../concurrency/bounded_queue.ts";
import { TaskGroup } from "../concurrency/task_group.ts";
import type { CrawlResult } from "./result.ts";

/**
 * The crawl's tasks. Disposing it cancels them, waits until every one has
 * stopped, then releases what was registered with
 * {@linkcode CrawlTasks.use} or {@linkcode CrawlTasks.defer}, last first.
 *
 * @example Tasks that put results, and a resource closed after them
 * ```ts
 * import { CrawlTasks } from "./crawl_tasks.ts";
 * import assert from "node:assert/strict";
 *
 * const order: string[] = [];
 * {
 *   await using tasks = new CrawlTasks(undefined, 4);
 *   tasks.defer(() => void order.push("closed"));
 *   tasks.start(2, async () => {
 *     order.push("ran");
 *   });
 *   // The queue closes when both tasks have ended.
 *   for await (const result of tasks.results) console.log(result.url);
 *   tasks.throwIfFailed();
 * }
 * assert.deepEqual(order, ["ran", "ran", "closed"]);
 * ```
 */
export class CrawlTasks implements AsyncDisposable {
  readonly #group: TaskGroup;
  readonly #uses = new AsyncDisposableStack();
  #watcher?: Promise<void>;
  #failure?: { error: unknown };

  /** The results, closed when the last task has ended. */
  readonly results: BoundedQueue<CrawlResult>;

  /**
   * Creates an empty task tree.
   *
   * @param signal Cancels every task (the crawl then fails with its reason).
   * @param capacity Results waiting to be yielded at most.
   */
  constructor(signal: AbortSignal | undefined, capacity: number) {
    this.#group = new TaskGroup({ signal });
    this.results = new BoundedQueue<CrawlResult>(capacity);
  }

  /** Aborted when the crawl stops, fails or is cancelled. */
  get signal(): AbortSignal {
    return this.#group.signal;
  }

  /**
   * Runs `fn` as a task of the crawl.
   *
   * @param fn The task.
   */
  spawn = (fn: (signal: AbortSignal) => Promise<void>): void => {
    void this.#group.spawn(fn);
  };

  /**
   * Starts `count` copies of `loop`. They live until the frontier closes,
   * so the tree stays open (and takes pumps) until the last result is in;
   * then the results queue closes.
   *
   * @param count How many.
   * @param loop The loop.
   */
  start(count: number, loop: (signal: AbortSignal) => Promise<void>): void {
    for (let i = 0; i < count; i++) this.spawn(loop);
    this.#watch();
  }

  /**
   * Registers a resource the tasks use, disposed once they have stopped.
   *
   * @param resource The resource (`null` and `undefined` are ignored).
   * @returns `resource`.
   */
  use<T extends AsyncDisposable | Disposable | null | undefined>(
    resource: T,
  ): T {
    return this.#uses.use(resource);
  }

  /**
   * Registers a teardown step run once the tasks have stopped.
   *
   * @param onDispose The step.
   */
  defer(onDispose: () => PromiseLike<void> | void): void {
    this.#uses.defer(onDispose);
  }

  /** Throws the error that failed a task, if one did. */
  throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }

  /** Cancels the tasks, waits for all of them, then releases what they used. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#group.cancel();
    await this.#watch();
    await this.#uses.disposeAsync();
  }

  #watch(): Promise<void> {
    this.#watcher ??= this.#group.wait().then(
      () => this.results.close(),
      (error) => {
        this.#failure = { error };
        this.results.close();
      },
    );
    return this.#watcher;
  }
}
