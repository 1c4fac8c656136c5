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
