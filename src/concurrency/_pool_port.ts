/**
 * The mark of a pool worker that talks to its pool over a `MessagePort` it
 * is given instead of its parent's channel (see `_worker_host.ts`), shared
 * by the pool's side and `serveWorker`.
 *
 * @module
 */

/**
 * A `node:worker_threads` worker finds its port under this key of its
 * `workerData`; a Web Worker is named this and receives its port as its
 * first message.
 */
export const POOL_PORT = "trawl.pool-port";

/**
 * What such a worker tells its parent once its module has loaded: only then
 * is it given its port, so a worker that cannot load never holds one (the
 * parent closes it instead).
 */
export const POOL_READY = "trawl.pool-ready";
