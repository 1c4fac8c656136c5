/**
 * The workers of a {@linkcode WorkerPool}: a Web Worker, or a
 * `node:worker_threads` worker when heap limits are set, behind one small
 * interface.
 *
 * @module
 */
import { SHARE_ENV, Worker as ThreadWorker } from "node:worker_threads";
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
}

const UNREADABLE = "a reply could not be deserialized";

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
  return spec.resourceLimits
    ? startThread(spec.url, spec.resourceLimits, events)
    : startWebWorker(spec.url, spec.workerOptions, events);
}

function startThread(
  url: string,
  resourceLimits: WorkerResourceLimits,
  events: PoolWorkerEvents,
): PoolWorker {
  const worker = new ThreadWorker(new URL(url), {
    resourceLimits,
    // Share the environment instead of copying it: a copy reads every
    // variable, which needs --allow-env (Deno prompts on a terminal).
    env: SHARE_ENV,
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
  events: PoolWorkerEvents,
): PoolWorker {
  const worker = new Worker(url, options);
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
