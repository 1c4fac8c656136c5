/**
 * Pool workers for a worker, started by its parent. In Deno 2.9 a worker
 * started inside a worker answers about ten times slower (a message round
 * trip of about 290 µs instead of 30) and takes half a second to start, so a
 * pool used in a worker (the CLI's crawl thread) asks its parent to start
 * its workers instead: each one gets a `MessageChannel` port and talks to
 * the pool directly over it, at the speed of a worker of the main thread.
 *
 * The two ends talk over a control port:
 *
 * - worker → parent: `[START, id, spec, port]` (the port transferred) and
 *   `[STOP, id]`;
 * - parent → worker: `[CRASH, id, why, cause]` when a started worker fails
 *   or exits.
 *
 * A worker the parent starts says when its module has loaded, and then
 * gets the port as its first message (`serveWorker` waits for it); a
 * worker that cannot load never gets it, and the parent closes it. The
 * parent may start one before it is asked (`prestart`): the first request
 * with the same spec takes it.
 *
 * @module
 */
import {
  type PoolWorker,
  type PoolWorkerEvents,
  type PoolWorkerSpec,
  startPoolWorker,
  UNREADABLE,
  type WorkerHost,
} from "./_pool_worker.ts";
import { POOL_READY } from "./_pool_port.ts";
import {
  resolveWorkerPoolOptions,
  type WorkerPoolOptions,
} from "./worker_pool_options.ts";

const START = 0;
const STOP = 1;
const CRASH = 2;

/** What crosses the control port of a crash's cause (an `Error` loses `code`). */
interface CauseData {
  name: string;
  message: string;
  code?: string;
}

/**
 * The worker's end: a {@linkcode WorkerHost} whose workers the parent
 * starts (install it with `setWorkerHost`). Disposing of it closes the
 * control port; the parent then stops the workers it started.
 *
 * @example Usage
 * ```ts ignore
 * setWorkerHost(remoteWorkerHost(workerData.workers));
 * ```
 *
 * @param control The control port; the parent serves the other end with
 * {@linkcode serveWorkerHost}.
 * @returns The host.
 */
export function remoteWorkerHost(
  control: MessagePort,
): WorkerHost & Disposable {
  let nextId = 1;
  const live = new Map<
    number,
    { events: PoolWorkerEvents; port: MessagePort }
  >();
  control.onmessage = (event) => {
    const [kind, id, why, cause] = event.data as [
      number,
      number,
      string,
      CauseData | undefined,
    ];
    const worker = live.get(id);
    if (kind !== CRASH || worker === undefined) return;
    live.delete(id);
    worker.port.close();
    worker.events.onCrash(why, cause && revive(cause));
  };
  return {
    start(spec: PoolWorkerSpec, events: PoolWorkerEvents): PoolWorker {
      const id = nextId++;
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = (event) => events.onMessage(event.data);
      port1.onmessageerror = () => events.onCrash(UNREADABLE);
      live.set(id, { events, port: port1 });
      const { url, resourceLimits, workerOptions } = spec;
      const message = [
        START,
        id,
        { url, resourceLimits, workerOptions },
        port2,
      ];
      control.postMessage(message, [port2]);
      return {
        postMessage: (message, transfer) =>
          port1.postMessage(message, transfer ?? []),
        terminate: () => {
          port1.close();
          if (live.delete(id)) control.postMessage([STOP, id]);
        },
      };
    },
    [Symbol.dispose]() {
      for (const { port } of live.values()) port.close();
      live.clear();
      control.close();
    },
  };
}

/** The parent's end of a worker host (see {@linkcode serveWorkerHost}). */
export interface ServedWorkerHost extends Disposable {
  /** Workers running: started for the other end, or ahead of its asking. */
  readonly workers: number;
  /**
   * Starts a worker ahead of time: the first time the other end asks for
   * one with the same spec, it gets this one, already loading its module.
   *
   * @param spec The module and how to run it, as the pool will ask.
   */
  prestart(spec: PoolWorkerSpec): void;
}

/**
 * The parent's end: starts the workers the worker on the other end of
 * `control` asks for, stops them when asked, and tells it when one fails.
 * Disposing of it stops every worker it started.
 *
 * @example Usage
 * ```ts ignore
 * const { port1, port2 } = new MessageChannel();
 * using host = serveWorkerHost(port1);
 * const thread = new Worker(url, { workerData: { workers: port2 }, transferList: [port2] });
 * ```
 *
 * @param control The control port.
 * @returns The host's handle.
 */
export function serveWorkerHost(control: MessagePort): ServedWorkerHost {
  /** Workers given to the other end, by its id for them. */
  const workers = new Map<number, Started>();
  /** Workers started ahead of time, by their spec, with their owner. */
  const spares = new Map<string, Started>();
  const start = (spec: PoolWorkerSpec, owner: Owner): Started => {
    const started: Started = {
      owner,
      ready: false,
      worker: startPoolWorker({ ...spec, hosted: true }, {
        // The worker talks to its pool over its port; here it only says
        // it has loaded.
        onMessage: (data) => {
          if ((data as unknown) !== POOL_READY) return;
          started.ready = true;
          handOver(started);
        },
        onCrash: (why, cause) => {
          release(started);
          if (owner.spare !== undefined) spares.delete(owner.spare);
          if (owner.id === undefined || !workers.delete(owner.id)) return;
          control.postMessage([
            CRASH,
            owner.id,
            why,
            cause && causeData(cause),
          ]);
        },
      }),
    };
    return started;
  };
  control.onmessage = (event) => {
    const [kind, id, spec, port] = event.data as [
      number,
      number,
      PoolWorkerSpec,
      MessagePort,
    ];
    if (kind === START) {
      const key = specKey(spec);
      const spare = spares.get(key);
      spares.delete(key);
      if (spare) Object.assign(spare.owner, { id, spare: undefined });
      const started = spare ?? start(spec, { id });
      workers.set(id, started);
      started.port = port;
      handOver(started);
    } else if (kind === STOP) {
      const started = workers.get(id);
      workers.delete(id);
      if (started) stop(started);
    }
  };
  return {
    get workers() {
      return workers.size + spares.size;
    },
    prestart(spec) {
      const key = specKey(spec);
      if (spares.has(key)) return;
      const owner: Owner = { spare: key };
      spares.set(key, start(spec, owner));
    },
    [Symbol.dispose]() {
      control.onmessage = null;
      control.close();
      // Cleared first: the exits that follow are not crashes to report.
      const stopping = [...workers.values(), ...spares.values()];
      workers.clear();
      spares.clear();
      for (const started of stopping) stop(started);
    },
  };
}

/** Who a started worker belongs to: a spare (by spec) or the other end's id. */
interface Owner {
  id?: number;
  spare?: string;
}

/** A worker the host started, and the port it is to be given. */
interface Started {
  worker: PoolWorker;
  owner: Owner;
  /** Its module has loaded (it said `POOL_READY`). */
  ready: boolean;
  /** Its port, until it is ready to take it. */
  port?: MessagePort;
}

/** Gives a ready worker its port. */
function handOver(started: Started): void {
  const { port } = started;
  if (!started.ready || port === undefined) return;
  started.port = undefined;
  started.worker.postMessage(port, [port]);
}

/** Closes the port a worker never took. */
function release(started: Started): void {
  started.port?.close();
  started.port = undefined;
}

function stop(started: Started): void {
  release(started);
  started.worker.terminate();
}

/**
 * The spec a pool of `options` asks a host to start its workers with (for
 * {@linkcode ServedWorkerHost.prestart}).
 *
 * @example Usage
 * ```ts ignore
 * host.prestart(poolWorkerSpec(PARSER_WORKER, parserPoolOptions(1, "inherit")));
 * ```
 *
 * @param moduleUrl The workers' module.
 * @param options The pool's options.
 * @returns The spec.
 */
export function poolWorkerSpec(
  moduleUrl: string | URL,
  options: WorkerPoolOptions,
): PoolWorkerSpec {
  const o = resolveWorkerPoolOptions(moduleUrl, options);
  return {
    url: o.url,
    resourceLimits: o.resourceLimits,
    workerOptions: o.workerOptions,
  };
}

/** A spec as a string, to match a request with a worker started ahead. */
function specKey(spec: PoolWorkerSpec): string {
  const { url, resourceLimits, workerOptions } = spec;
  return JSON.stringify([url, resourceLimits ?? null, workerOptions]);
}

function causeData(cause: unknown): CauseData {
  const err = cause as Partial<CauseData>;
  const data: CauseData = {
    name: String(err?.name ?? "Error"),
    message: String(err?.message ?? cause),
  };
  if (typeof err?.code === "string") data.code = err.code;
  return data;
}

function revive(data: CauseData): Error {
  const err = new Error(data.message) as Error & { code?: string };
  err.name = data.name;
  if (data.code !== undefined) err.code = data.code;
  return err;
}
