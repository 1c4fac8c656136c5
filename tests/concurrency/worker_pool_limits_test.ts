// WorkerPool with `resourceLimits`: the same pool on `node:worker_threads`
// workers, whose V8 heaps are bounded.
import assert from "node:assert/strict";
import { WorkerPool } from "../../src/concurrency/worker_pool.ts";
import {
  WorkerCrashedError,
  WorkerTaskError,
  WorkerTaskTimeoutError,
} from "../../src/concurrency/worker_error.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { delay } from "../../src/concurrency/clock.ts";
import { type Trace, traceVar } from "../../src/telemetry/trace.ts";
import type { TestTask } from "./workers/test_worker.ts";
import { assertBrokenModuleFails, outOfMemory, WORKERS } from "./_helpers.ts";

const TEST_WORKER = WORKERS.test;
const ECHO_BUFFER_WORKER = WORKERS.echoBuffer;
const BROKEN_WORKER = WORKERS.broken;
const LIMITS = { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 64 };

function limitedPool(
  options: Partial<ConstructorParameters<typeof WorkerPool>[1]> = {},
): WorkerPool<TestTask, unknown> {
  return new WorkerPool<TestTask, unknown>(TEST_WORKER, {
    size: 1,
    maxQueue: 8,
    resourceLimits: LIMITS,
    ...options,
  });
}

Deno.test("WorkerPool.run() runs tasks in workers that have the resourceLimits", async () => {
  await using pool = limitedPool({ size: 2, context: traceVar });
  const limits = await pool.run({ op: "limits" }) as Record<string, number>;
  assert.equal(limits.maxYoungGenerationSizeMb, 6);
  assert.equal(limits.maxOldGenerationSizeMb, 64);
  const results = await Promise.all(
    [1, 2, 3, 4].map((value) => pool.run({ op: "echo", value })),
  );
  assert.deepEqual(results, [1, 2, 3, 4]);
  assert.equal(pool.workers, 2);
  // The context value travels as with Web Workers.
  const trace = { traceId: "t1", spanId: "s1", depth: 2 } as unknown as Trace;
  assert.deepEqual(
    await traceVar.run(trace, () => pool.run({ op: "context" })),
    trace,
  );
  // Without limits, a Web Worker: node's resourceLimits there are empty.
  await using plain = new WorkerPool<TestTask, unknown>(TEST_WORKER, {
    size: 1,
    maxQueue: 1,
  });
  assert.deepEqual(await plain.run({ op: "limits" }), {});
});

Deno.test("WorkerPool.run() transfers buffers when resourceLimits are set", async () => {
  await using pool = new WorkerPool<ArrayBuffer, ArrayBuffer>(
    ECHO_BUFFER_WORKER,
    { size: 1, maxQueue: 1, resourceLimits: LIMITS },
  );
  const buffer = new Uint8Array(25 * 1024).fill(7).buffer;
  const back = await pool.run(buffer, { transfer: [buffer] });
  assert.equal(buffer.byteLength, 0);
  assert.equal(new Uint8Array(back)[100], 7);
});

Deno.test("WorkerPool.run() reports task errors and replaces dead workers when resourceLimits are set", async () => {
  await using pool = limitedPool({ maxQueue: 4 });
  await assert.rejects(pool.run({ op: "throw" }), (e: unknown) => {
    assert.ok(e instanceof WorkerTaskError);
    assert.equal(e.remoteName, "TypeError");
    return true;
  });
  for (const op of ["crash", "exit"] as const) {
    const dying = pool.run({ op });
    const next = pool.run({ op: "echo", value: op });
    await assert.rejects(dying, (e: unknown) => {
      assert.ok(e instanceof WorkerCrashedError);
      assert.equal(e.moduleUrl, TEST_WORKER.href);
      assert.match(e.reason, op === "crash" ? /boom/ : /exited with code 3/);
      return true;
    });
    assert.equal(await next, op);
  }
  assert.equal(pool.workers, 1);
  assert.equal(pool.pending, 0);
});

Deno.test("WorkerPool.run() fails the task of a worker over its heap limit, and a fresh worker goes on", async () => {
  // Deno 2.9 reports a worker that reaches its old-generation limit with
  // ERR_WORKER_OUT_OF_MEMORY only sometimes; inside a message handler the
  // worker stalls instead. The task timeout ends it either way.
  await using pool = limitedPool({ maxQueue: 4, taskTimeoutMs: 3_000 });
  await assert.rejects(pool.run({ op: "hog" }), outOfMemory);
  assert.equal(await pool.run({ op: "echo", value: "after" }), "after");
});

Deno.test("WorkerPool.run() fails tasks when the module cannot load and resourceLimits are set", async () => {
  await using pool = new WorkerPool<number, number>(BROKEN_WORKER, {
    size: 1,
    maxQueue: 4,
    resourceLimits: LIMITS,
  });
  await assertBrokenModuleFails(pool);
  assert.equal(pool.workers, 0);
});

Deno.test("WorkerPool.run() times out and aborts tasks by terminating the worker when resourceLimits are set", async () => {
  const clock = new FakeClock();
  await using pool = limitedPool({ maxQueue: 4, taskTimeoutMs: 1000, clock });
  const slow = assert.rejects(pool.run({ op: "spin" }), WorkerTaskTimeoutError);
  const next = pool.run({ op: "echo", value: "after" });
  for (let i = 0; i < 2000 && clock.pending === 0; i++) await delay(5);
  assert.equal(clock.pending, 1, "the task timer is running");
  await clock.tick(1000);
  await slow;
  assert.equal(await next, "after");

  const controller = new AbortController();
  const hanging = pool.run({ op: "hang" }, { signal: controller.signal });
  await delay(20);
  controller.abort(new Error("stop"));
  await assert.rejects(hanging, /stop/);
  assert.equal(await pool.run({ op: "echo", value: 1 }), 1);
});

Deno.test("WorkerPool() rejects bad resourceLimits", () => {
  const make = (options: Record<string, unknown>) => () =>
    new WorkerPool(TEST_WORKER, { size: 1, maxQueue: 1, ...options });
  assert.throws(
    make({ resourceLimits: { maxYoungGenerationSizeMb: 0 } }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot create WorkerPool as 'resourceLimits.maxYoungGenerationSizeMb' must be a positive integer: current value is 0",
  );
  assert.throws(
    make({ resourceLimits: { maxOldGenerationSizeMb: 1.5 } }),
    RangeError,
  );
  assert.throws(make({ resourceLimits: 8 }), TypeError);
  assert.throws(
    make({ resourceLimits: LIMITS, permissions: "none" }),
    TypeError,
  );
});
