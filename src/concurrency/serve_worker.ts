/**
 * The worker side of a {@linkcode WorkerPool}: one call that answers tasks.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { POOL_PORT, POOL_READY } from "./_pool_port.ts";
import type { ContextVar } from "./context_var.ts";

// Wire protocol, shared with worker_pool.ts (keep the two in sync).
// pool -> worker: [id, input] or [id, input, contextValue]
// worker -> pool: [READY] | [OK, id, output] | [ERR, id, errorData] | [CLOSING]
const READY = 0;
const OK = 1;
const ERR = 2;
const CLOSING = 3;

/** Options for {@linkcode serveWorker}. */
export interface ServeWorkerOptions<Out> {
  /**
   * The context variable the pool was given as `context`: each task's handler
   * runs inside `context.run(value, ...)` with the value the pool captured
   * when `run` was called. Import the same module the pool's side uses (for
   * example `traceVar`).
   *
   * @default {undefined}
   */
  context?: ContextVar<unknown>;
  /**
   * Picks the buffers of a result to transfer (move) back to the pool instead
   * of copying them.
   *
   * @default {undefined}
   */
  transfer?: (output: Out) => Transferable[];
}

interface WorkerScope {
  name: string;
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
  close(): void;
}

/**
 * Makes the current worker answer tasks from a {@linkcode WorkerPool}: each
 * task's input is passed to `handler` and what it returns (or resolves to) is
 * sent back; what it throws rejects the task with a `WorkerTaskError` carrying
 * the error's name, message and stack. Call it once, at the top level of the
 * worker module; it tells the pool the worker is ready. A `self.close()` in
 * the worker is reported to the pool as a crash.
 *
 * @example A worker module
 * ```ts ignore
 * // parse_worker.ts
 * import { serveWorker } from "@trawl/trawl/concurrency";
 *
 * serveWorker((html: string) => html.length);
 * ```
 *
 * @example Checking where it may run
 * ```ts
 * import { serveWorker } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * // Outside a worker it refuses to start.
 * assert.throws(() => serveWorker((x: number) => x), TypeError);
 * ```
 *
 * @typeParam In The task input.
 * @typeParam Out The task output.
 * @param handler Computes one task's output; may be async.
 * @param options The pool's context variable and result transfer.
 */
export function serveWorker<In, Out>(
  handler: (input: In) => Out | Promise<Out>,
  options: ServeWorkerOptions<Out> = {},
): void {
  if (typeof handler !== "function") {
    throw new TypeError(
      `Cannot serve worker as 'handler' must be a function: current value is ${handler}`,
    );
  }
  const scope = workerChannel();
  const context = options.context;
  const pickTransfer = options.transfer;

  const reply = (id: number, output: Out): void => {
    try {
      scope.postMessage(
        [OK, id, output],
        pickTransfer ? pickTransfer(output) : undefined,
      );
    } catch (error) {
      // The output could not be cloned: report that as the task's error.
      fail(id, error);
    }
  };
  const fail = (id: number, error: unknown): void => {
    scope.postMessage([ERR, id, toErrorData(error)]);
  };
  const runTask = async (id: number, input: In): Promise<void> => {
    try {
      reply(id, await handler(input));
    } catch (error) {
      fail(id, error);
    }
  };

  scope.listen((message) => {
    const data = message as [number, In, unknown?];
    if (context !== undefined && data.length > 2) {
      context.run(data[2], () => runTask(data[0], data[1]));
    } else {
      runTask(data[0], data[1]);
    }
  });
  scope.postMessage([READY]);
}

/** The worker's end of the pool's channel. */
interface Channel {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  listen(handler: (data: unknown) => void): void;
}

/**
 * The channel to the pool: a `node:worker_threads` worker's `parentPort` (a
 * pool with `resourceLimits`; the pool sees the worker exit), or the Web
 * Worker's global scope, whose `close()` is reported to the pool first; or,
 * for a worker a worker host started (see `_worker_host.ts`), the port that
 * comes as its first message.
 */
function workerChannel(): Channel {
  if (parentPort) {
    const port = parentPort;
    const parent: Channel = {
      postMessage: (message, transfer) =>
        port.postMessage(message, transfer as never),
      listen: (handler) => port.on("message", handler),
    };
    const hosted = (workerData as Record<string, unknown> | null | undefined)
      ?.[POOL_PORT] === true;
    if (!hosted) return parent;
    const channel = portToCome((take) => port.once("message", take));
    port.postMessage(POOL_READY);
    return channel;
  }
  const WorkerGlobalScope = (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope;
  if (
    typeof WorkerGlobalScope !== "function" ||
    !(globalThis instanceof WorkerGlobalScope)
  ) {
    throw new TypeError(
      "Cannot serve worker as 'serveWorker' must be called inside a worker: current scope is the main thread",
    );
  }
  const scope = globalThis as unknown as WorkerScope;
  const channel: Channel = scope.name === POOL_PORT
    ? portToCome((take) => {
      scope.onmessage = (event) => {
        scope.onmessage = null;
        take(event.data);
      };
      scope.postMessage(POOL_READY);
    })
    : {
      postMessage: (message, transfer) => scope.postMessage(message, transfer),
      listen: (handler) => {
        scope.onmessage = (event) => handler(event.data);
      },
    };
  const close = scope.close.bind(scope);
  scope.close = () => {
    channel.postMessage([CLOSING]);
    close();
  };
  return channel;
}

/**
 * A channel over the `MessagePort` that `first` receives (the worker's
 * first message); what is posted before it comes waits.
 */
function portToCome(first: (take: (port: unknown) => void) => void): Channel {
  let port: MessagePort | undefined;
  let onData: ((data: unknown) => void) | undefined;
  const early: [unknown, Transferable[] | undefined][] = [];
  const post = (message: unknown, transfer?: Transferable[]) =>
    port!.postMessage(message, transfer ?? []);
  first((given) => {
    port = given as MessagePort;
    if (onData) port.onmessage = (event) => onData!(event.data);
    for (const [message, transfer] of early) post(message, transfer);
    early.length = 0;
  });
  return {
    postMessage: (message, transfer) =>
      port ? post(message, transfer) : void early.push([message, transfer]),
    listen: (handler) => {
      onData = handler;
      if (port) port.onmessage = (event) => handler(event.data);
    },
  };
}

function toErrorData(
  error: unknown,
): { name: string; message: string; stack?: string } {
  if (error instanceof Error) {
    return {
      name: String(error.name),
      message: String(error.message),
      stack: typeof error.stack === "string" ? error.stack : undefined,
    };
  }
  return { name: "Error", message: String(error) };
}
