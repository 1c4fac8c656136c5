/**
 * A program (run in a subprocess by the tests) that starts a pool with the
 * permissions given as its first argument and prints what the worker saw.
 *
 * @module
 */
import {
  type WorkerPermissions,
  WorkerPool,
} from "../../../src/concurrency/worker_pool.ts";

const permissions = Deno.args[0] as WorkerPermissions;
await using pool = new WorkerPool<string, unknown>(
  new URL("./parse_worker.ts", import.meta.url),
  { size: 1, maxQueue: 1, permissions },
);
console.log(JSON.stringify(await pool.run("<p>a</p><p>b</p>")));
