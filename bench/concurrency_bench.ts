/**
 * Per-operation cost of the concurrency primitives.
 *
 * Run: `deno bench --allow-read bench/concurrency_bench.ts`
 *
 * @module
 */
import { Semaphore } from "../src/concurrency/semaphore.ts";
import { BoundedQueue } from "../src/concurrency/bounded_queue.ts";
import { TokenBucket } from "../src/concurrency/token_bucket.ts";
import { ContextVar } from "../src/concurrency/context_var.ts";
import { WorkerPool } from "../src/concurrency/worker_pool.ts";

const sem = new Semaphore(1);
Deno.bench("semaphore acquire/release (uncontended)", {
  group: "semaphore",
  baseline: true,
}, async () => {
  (await sem.acquire()).release();
});
Deno.bench("semaphore tryAcquire/release", { group: "semaphore" }, () => {
  sem.tryAcquire()!.release();
});

const queue = new BoundedQueue<number>(1024);
Deno.bench("queue put/get", { group: "queue", baseline: true }, async () => {
  await queue.put(1);
  await queue.get();
});
Deno.bench("queue tryPut/tryGet", { group: "queue" }, () => {
  queue.tryPut(1);
  queue.tryGet();
});

const bucket = new TokenBucket({ rate: 1e12, burst: 1e9 });
Deno.bench("token bucket take", { group: "token" }, async () => {
  await bucket.take();
});

const contextVar = new ContextVar<number>("x");
Deno.bench("ContextVar run", { group: "context" }, () => {
  contextVar.run(1, () => 0);
});

// One pool for the whole file, warmed up at load and closed on unload so the
// bench process exits.
const SIZE = 25 * 1024;
const pool = new WorkerPool<ArrayBuffer, ArrayBuffer>(
  new URL(
    "../tests/concurrency/workers/echo_buffer_worker.ts",
    import.meta.url,
  ),
  { size: 1, maxQueue: 1 },
);
globalThis.addEventListener("unload", () => void pool.close());
let buffer: ArrayBuffer = await pool.run(new ArrayBuffer(SIZE));

Deno.bench(
  "WorkerPool round trip, 25 KB buffer transferred both ways",
  { group: "worker" },
  async () => {
    buffer = await pool.run(buffer, { transfer: [buffer] });
    if (buffer.byteLength !== SIZE) throw new Error("buffer lost");
  },
);
Deno.bench(
  "WorkerPool round trip, 25 KB buffer copied",
  { group: "worker" },
  async () => {
    await pool.run(buffer);
  },
);
