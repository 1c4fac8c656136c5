/**
 * A bounded pool of module workers for CPU-bound tasks (parsing pages).
 *
 * @module
 */
import { type PoolWorker, startPoolWorker } from "./_pool_worker.ts";
import { STOP } from "./_stop.ts";
import type { Clock } from "./clock.ts";
import type { ContextVar } from "./context_var.ts";
import {
  WorkerCrashedError,
  type WorkerErrorData,
  WorkerPoolClosedError,
  WorkerTaskError,
  WorkerTaskTimeoutError,
} from "./worker_error.ts";
import {
  resolveWorkerPoolOptions,
  type WorkerPoolOptions,
  type WorkerResourceLimits,
} from "./worker_pool_options.ts";

export type {
  WorkerPermissions,
  WorkerPoolOptions,
  WorkerResourceLimits,
} from "./worker_pool_options.ts";
export { workerPermissionsSupported } from "./worker_pool_options.ts";

// Wire protocol, shared with serve_worker.ts (keep the two in sync).
const READY = 0;
const OK = 1;
const ERR = 2;
const CLOSING = 3;

/** Options for {@linkcode WorkerPool.prototype.run}. */
export interface WorkerRunOptions {
  /**
   * Objects (ArrayBuffers, ports) to move to the worker instead of copying;
   * they are detached in the caller once the task is sent.
   *
   * @default {undefined}
   */
  transfer?: Transferable[];
  /**
   * Cancels the task: a waiting or queued task is dropped; a running task's
   * worker is terminated and replaced. The promise rejects with
   * `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

const WAITING = 0;
const QUEUED = 1;
const RUNNING = 2;
const DONE = 3;

interface Task {
  id: number;
  input: unknown;
  context: unknown;
  transfer: Transferable[] | undefined;
  state: number;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  slot: Slot | undefined;
  timer: AbortController | undefined;
}

interface Slot {
  worker: PoolWorker;
  ready: boolean;
  /** Tasks sent to this worker, oldest (the one running) first. */
  tasks: Task[];
}

const noop = (): void => {};

/**
 * A fixed-size pool of module workers that runs tasks off the main thread,
 * with a bounded queue, back-pressure, per-task timeouts, cancellation, crash
 * recovery and context propagation.
 *
 * Workers are started lazily (up to `size`) and kept. Each worker module
 * calls {@linkcode serveWorker} once. A task is sent to an idle worker, or
 * waits in a queue of at most `maxQueue` tasks; `run` calls beyond that wait
 * for room, so producers slow down instead of piling up work. A worker that
 * crashes, times out or whose task is aborted is terminated and replaced, and
 * only its own task fails.
 *
 * @example Parsing off the main thread
 * ```ts ignore
 * import { WorkerPool } from "@trawl/trawl/concurrency";
 *
 * await using pool = new WorkerPool<string, number>(
 *   new URL("./parse_worker.ts", import.meta.url),
 *   { size: 2, maxQueue: 16, taskTimeoutMs: 5_000 },
 * );
 * console.log(await pool.run("<p>hello</p>"));
 * ```
 *
 * @example Options are validated
 * ```ts
 * import { WorkerPool } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => new WorkerPool("file:///worker.ts", { size: 0, maxQueue: 1 }),
 *   RangeError,
 * );
 * ```
 *
 * @typeParam In The task input (structured-cloneable).
 * @typeParam Out The task output (structured-cloneable).
 */
export class WorkerPool<In, Out> implements AsyncDisposable {
  readonly #url: string;
  readonly #size: number;
  readonly #maxQueue: number;
  readonly #timeoutMs: number | undefined;
  readonly #context: ContextVar<unknown> | undefined;
  readonly #workerOptions: WorkerOptions;
  readonly #limits: WorkerResourceLimits | undefined;
  readonly #clock: Clock;
  readonly #slots: Slot[] = [];
  readonly #pipeline: number;
  readonly #queue: Task[] = [];
  readonly #waiting: Task[] = [];
  #running = 0;
  #nextId = 1;
  #closed = false;

  /**
   * Creates a pool; no worker starts until the first task.
   *
   * @param moduleUrl The worker module (an absolute URL, typically
   * `new URL("./worker.ts", import.meta.url)`); it must call `serveWorker`.
   * @param options Size, queue bound, timeout, context and permissions.
   */
  constructor(moduleUrl: string | URL, options: WorkerPoolOptions) {
    const o = resolveWorkerPoolOptions(moduleUrl, options);
    this.#url = o.url;
    this.#size = o.size;
    this.#maxQueue = o.maxQueue;
    this.#timeoutMs = o.taskTimeoutMs;
    this.#context = o.context;
    this.#pipeline = o.pipeline;
    this.#limits = o.resourceLimits;
    this.#clock = o.clock;
    this.#workerOptions = o.workerOptions;
  }

  /** The most workers the pool runs at once. */
  get size(): number {
    return this.#size;
  }

  /** Tasks accepted and not finished: queued plus running. */
  get pending(): number {
    return this.#queue.length + this.#running;
  }

  /** Tasks sent to a worker and not finished. */
  get running(): number {
    return this.#running;
  }

  /** `run` calls waiting for room in the queue (not yet accepted). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Workers currently alive (started lazily, at most `size`). */
  get workers(): number {
    return this.#slots.length;
  }

  /**
   * Runs one task in a worker. The promise settles only after the task was
   * accepted (waiting for room in the queue first, when it is full) and done.
   *
   * @param input The task input, passed to the worker's handler.
   * @param options Buffers to transfer and an abort signal.
   * @returns What the worker's handler returned.
   * @throws {WorkerTaskError} The handler threw.
   * @throws {WorkerCrashedError} The worker died while running the task.
   * @throws {WorkerTaskTimeoutError} The task ran past `taskTimeoutMs`.
   * @throws {WorkerPoolClosedError} The pool is or was closed meanwhile.
   */
  run(input: In, options: WorkerRunOptions = {}): Promise<Out> {
    const { signal, transfer } = options;
    if (this.#closed) {
      return Promise.reject(new WorkerPoolClosedError(this.#url));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Out>((resolve, reject) => {
      const task: Task = {
        id: this.#nextId++,
        input,
        context: this.#context?.get(),
        transfer,
        state: WAITING,
        resolve: resolve as (value: unknown) => void,
        reject,
        signal,
        onAbort: undefined,
        slot: undefined,
        timer: undefined,
      };
      if (signal) {
        task.onAbort = () => this.#abort(task);
        signal.addEventListener("abort", task.onAbort, { once: true });
      }
      if (this.#waiting.length === 0 && this.#place(task)) return;
      this.#waiting.push(task);
    });
  }

  /**
   * Closes the pool: terminates every worker and rejects every waiting,
   * queued and running task with a `WorkerPoolClosedError`. Later `run`
   * calls reject with it too. Closing twice is harmless.
   *
   * @returns A promise that resolves once every worker is terminated.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const error = new WorkerPoolClosedError(this.#url);
    for (const slot of this.#slots.splice(0)) {
      slot.worker.terminate();
      for (const task of slot.tasks.splice(0)) this.#settle(task, false, error);
    }
    this.#running = 0;
    for (const task of this.#queue.splice(0)) this.#settle(task, false, error);
    for (const task of this.#waiting.splice(0)) {
      this.#settle(task, false, error);
    }
    return Promise.resolve();
  }

  /** Same as {@linkcode WorkerPool.prototype.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Sends the task to a worker or queues it; false when there is no room. */
  #place(task: Task): boolean {
    const slot = this.#pick();
    if (slot) {
      this.#dispatch(slot, task);
      return true;
    }
    if (this.#queue.length < this.#maxQueue) {
      task.state = QUEUED;
      this.#queue.push(task);
      return true;
    }
    return false;
  }

  /**
   * The worker to give a task to: an idle one, else a new one while the pool
   * is not full, else the least loaded one with room in its pipeline.
   */
  #pick(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (!best || slot.tasks.length < best.tasks.length) best = slot;
    }
    if (best && best.tasks.length === 0) return best;
    if (this.#slots.length < this.#size) return this.#spawn();
    return best && best.tasks.length < this.#pipeline ? best : undefined;
  }

  /** Moves queued tasks to free workers and waiting tasks into the queue. */
  #pump(): void {
    if (this.#closed) return;
    while (this.#queue.length > 0) {
      const slot = this.#pick();
      if (!slot) break;
      this.#dispatch(slot, this.#queue.shift()!);
    }
    while (this.#waiting.length > 0 && this.#place(this.#waiting[0])) {
      this.#waiting.shift();
    }
  }

  #spawn(): Slot | undefined {
    if (this.#slots.length >= this.#size) return undefined;
    const slot: Slot = { worker: undefined!, ready: false, tasks: [] };
    slot.worker = startPoolWorker({
      url: this.#url,
      resourceLimits: this.#limits,
      workerOptions: this.#workerOptions,
    }, {
      onMessage: (data) => this.#onMessage(slot, data),
      onCrash: (why, cause) =>
        this.#crash(
          slot,
          new WorkerCrashedError(
            this.#url,
            why,
            cause === undefined ? undefined : { cause },
          ),
        ),
    });
    this.#slots.push(slot);
    return slot;
  }

  #dispatch(slot: Slot, task: Task): void {
    task.state = RUNNING;
    task.slot = slot;
    slot.tasks.push(task);
    this.#running++;
    try {
      const message = this.#context === undefined
        ? [task.id, task.input]
        : [task.id, task.input, task.context];
      slot.worker.postMessage(message, task.transfer);
    } catch (error) {
      // Not cloneable (or a detached buffer): the worker never saw it.
      this.#release(slot, task);
      this.#settle(task, false, error);
      this.#pump();
      return;
    }
    // The timer runs for the task the worker is on: the oldest it holds.
    if (slot.ready && slot.tasks[0] === task) this.#startTimer(task);
  }

  #startTimer(task: Task): void {
    if (this.#timeoutMs === undefined) return;
    const timer = new AbortController();
    task.timer = timer;
    this.#clock.sleep(this.#timeoutMs, timer.signal).then(() => {
      if (task.state !== RUNNING || !task.slot) return;
      this.#crash(
        task.slot,
        new WorkerTaskTimeoutError(this.#url, this.#timeoutMs!),
      );
    }, noop);
  }

  #onMessage(slot: Slot, data: unknown[]): void {
    switch (data[0]) {
      case READY:
        slot.ready = true;
        if (slot.tasks.length > 0) this.#startTimer(slot.tasks[0]);
        this.#pump();
        return;
      case OK:
      case ERR: {
        const task = slot.tasks.find((t) => t.id === data[1]);
        if (!task) return;
        this.#release(slot, task);
        const next = slot.tasks[0];
        if (next && slot.ready && !next.timer) this.#startTimer(next);
        if (data[0] === OK) {
          this.#settle(task, true, data[2]);
        } else {
          this.#settle(
            task,
            false,
            new WorkerTaskError(data[2] as WorkerErrorData),
          );
        }
        this.#pump();
        return;
      }
      case CLOSING:
        this.#crash(
          slot,
          new WorkerCrashedError(this.#url, "the worker closed itself"),
        );
        return;
    }
  }

  /** Detaches a task from its worker (the worker stays alive). */
  #release(slot: Slot, task: Task): void {
    const i = slot.tasks.indexOf(task);
    if (i < 0) return;
    slot.tasks.splice(i, 1);
    task.slot = undefined;
    this.#running--;
  }

  /** Terminates a worker, fails its task with `error`, and refills. */
  #crash(slot: Slot, error: unknown): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    slot.worker.terminate();
    for (const task of [...slot.tasks]) {
      this.#release(slot, task);
      this.#settle(task, false, error);
    }
    this.#pump();
  }

  #abort(task: Task): void {
    const reason = task.signal!.reason;
    switch (task.state) {
      case WAITING:
        this.#waiting.splice(this.#waiting.indexOf(task), 1);
        this.#settle(task, false, reason);
        return;
      case QUEUED:
        this.#queue.splice(this.#queue.indexOf(task), 1);
        this.#settle(task, false, reason);
        this.#pump();
        return;
      case RUNNING:
        this.#crash(task.slot!, reason);
        return;
    }
  }

  #settle(task: Task, ok: boolean, value: unknown): void {
    if (task.state === DONE) return;
    task.state = DONE;
    if (task.onAbort) {
      task.signal!.removeEventListener("abort", task.onAbort);
    }
    task.timer?.abort(STOP);
    task.input = undefined;
    task.context = undefined;
    task.transfer = undefined;
    if (ok) task.resolve(value);
    else task.reject(value);
  }
}
