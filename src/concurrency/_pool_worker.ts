/**
 * The workers of a {@linkcode WorkerPool}: a Web Worker, or a
 * `node:worker_threads` worker when heap limits are set, behind one small
 * interface; started by this thread, or by the thread's worker host (see
 * `_worker_host.ts`).
 *
 * @module
 */
import { SHARE_ENV, Worker as ThreadWorker } from "node:worker_threads";
import { POOL_PORT } from "./_pool_port.ts";
import type { WorkerResourceLimits } from "./worker_pool_options.ts";

/** What the pool needs of a worker, Web Worker or `node:worker_threads`. */
export interface PoolWorker {
  postMessage(message: unknown, transfer: Transferable[] | undefined): void;
  terminate(): void;
}

/** What a pool hears from its worker. */
export interface PoolWorkerEvents {
  /** A message from the worker. */
  onMessage(data: unknown[]): void;
  /** The worker failed: `why`, and the underlying error if any. */
  onCrash(why: string, cause?: unknown): void;
}

/** How to start the pool's workers. */
export interface PoolWorkerSpec {
  /** The module's absolute URL. */
  url: string;
  /** Heap limits: with them, a `node:worker_threads` worker. */
  resourceLimits: WorkerResourceLimits | undefined;
  /** The options of a Web Worker (type and permissions). */
  workerOptions: WorkerOptions;
  /**
   * Started by a worker host (see `_worker_host.ts`): the worker talks to
   * its pool over a `MessagePort` that comes as its first message, not over
   * its parent's channel.
   */
  hosted?: boolean;
}

/** Starts workers for this thread's pools somewhere else. */
export interface WorkerHost {
  /**
   * Starts one worker.
   *
   * @param spec The module and how to run it.
   * @param events Where its messages and its failure go.
   * @returns The worker.
   */
  start(spec: PoolWorkerSpec, events: PoolWorkerEvents): PoolWorker;
}

/** Where this thread's pools start their workers; `undefined`: here. */
let host: WorkerHost | undefined;

/**
 * Makes every pool of this thread start its workers through `next` (or,
 * with `undefined`, in this thread again).
 *
 * @param next The host.
 */
export function setWorkerHost(next: WorkerHost | undefined): void {
  host = next;
}

/** Why a worker fails when a message from it cannot be read. */
export const UNREADABLE = "a reply could not be deserialized";

/**
 * Starts one worker of the pool.
 *
 * @param spec The module and how to run it.
 * @param events Where messages and failures go.
 * @returns The worker.
 */
export function startPoolWorker(
  spec: PoolWorkerSpec,
  events: PoolWorkerEvents,
): PoolWorker {
  if (host !== undefined && !spec.hosted) return host.start(spec, events);
  const hosted = spec.hosted === true;
  return spec.resourceLimits
    ? startThread(spec.url, spec.resourceLimits, hosted, events)
    : startWebWorker(spec.url, spec.workerOptions, hosted, events);
}

function startThread(
  url: string,
  resourceLimits: WorkerResourceLimits,
  hosted: boolean,
  events: PoolWorkerEvents,
): PoolWorker {
  const worker = new ThreadWorker(new URL(url), {
    resourceLimits,
    // Share the environment instead of copying it: a copy reads every
    // variable, which needs --allow-env (Deno prompts on a terminal).
    env: SHARE_ENV,
    workerData: hosted ? { [POOL_PORT]: true } : undefined,
  });
  worker.on("message", (data) => events.onMessage(data));
  worker.on("error", (error: Error) => events.onCrash(error.message, error));
  worker.on("messageerror", () => events.onCrash(UNREADABLE));
  worker.on(
    "exit",
    (code) => events.onCrash(`the worker exited with code ${code}`),
  );
  return {
    postMessage: (message, transfer) =>
      worker.postMessage(message, transfer as never),
    terminate: () => void worker.terminate(),
  };
}

function startWebWorker(
  url: string,
  options: WorkerOptions,
  hosted: boolean,
  events: PoolWorkerEvents,
): PoolWorker {
  const worker = new Worker(
    url,
    hosted ? { ...options, name: POOL_PORT } : options,
  );
  worker.onmessage = (event) => events.onMessage(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    events.onCrash(event.message, event.error ?? undefined);
  };
  worker.onmessageerror = () => events.onCrash(UNREADABLE);
  return {
    postMessage: (message, transfer) =>
      transfer
        ? worker.postMessage(message, { transfer })
        : worker.postMessage(message),
    terminate: () => worker.terminate(),
  };
}
