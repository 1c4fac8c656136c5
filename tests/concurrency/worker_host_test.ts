// A pool whose workers another thread's worker host starts (what the CLI's
// crawl thread does): the two ends of the host's control port are served in
// this thread here, so the whole protocol runs (start, stop, crash, a port
// per worker) without a nested thread.
import assert from "node:assert/strict";
import { setWorkerHost } from "../../src/concurrency/_pool_worker.ts";
import {
  poolWorkerSpec,
  remoteWorkerHost,
  serveWorkerHost,
} from "../../src/concurrency/_worker_host.ts";
import { WorkerPool } from "../../src/concurrency/worker_pool.ts";
import {
  WorkerCrashedError,
  WorkerTaskError,
} from "../../src/concurrency/worker_error.ts";
import { delay } from "../../src/concurrency/clock.ts";
import { type Trace, traceVar } from "../../src/telemetry/trace.ts";
import type { TestTask } from "./workers/test_worker.ts";
import { assertBrokenModuleFails, outOfMemory, WORKERS } from "./_helpers.ts";

const LIMITS = { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 64 };

/** Installs a host served on this thread; disposing uninstalls it. */
function hosted() {
  const { port1, port2 } = new MessageChannel();
  const served = serveWorkerHost(port1);
  const host = remoteWorkerHost(port2);
  setWorkerHost(host);
  return {
    served,
    [Symbol.dispose]() {
      setWorkerHost(undefined);
      host[Symbol.dispose]();
      served[Symbol.dispose]();
    },
  };
}

for (const kind of ["thread", "web"] as const) {
  const limits = kind === "thread" ? LIMITS : undefined;
  const label = kind === "thread"
    ? "node:worker_threads workers"
    : "Web Workers";

  Deno.test(`WorkerPool.run() runs tasks in ${label} a worker host starts`, async () => {
    using host = hosted();
    await using pool = new WorkerPool<TestTask, unknown>(WORKERS.test, {
      size: 2,
      maxQueue: 8,
      resourceLimits: limits,
      context: traceVar,
    });
    const results = await Promise.all(
      [1, 2, 3, 4].map((value) => pool.run({ op: "echo", value })),
    );
    assert.deepEqual(results, [1, 2, 3, 4]);
    assert.equal(pool.workers, 2);
    assert.equal(host.served.workers, 2);
    // The heap limits reach the worker (a Web Worker has none).
    const seen = await pool.run({ op: "limits" }) as Record<string, number>;
    assert.equal(
      seen.maxYoungGenerationSizeMb,
      limits?.maxYoungGenerationSizeMb,
    );
    assert.equal(seen.maxOldGenerationSizeMb, limits?.maxOldGenerationSizeMb);
    const trace = { traceId: "t1", spanId: "s1", depth: 2 } as unknown as Trace;
    assert.deepEqual(
      await traceVar.run(trace, () => pool.run({ op: "context" })),
      trace,
    );
    await assert.rejects(pool.run({ op: "throw" }), (e: unknown) => {
      assert.ok(e instanceof WorkerTaskError);
      assert.equal(e.remoteName, "TypeError");
      return true;
    });
    await pool.close();
    // The host hears of it as soon as the message arrives.
    for (let i = 0; i < 100 && host.served.workers > 0; i++) await delay(10);
    assert.equal(host.served.workers, 0, "closing the pool stops them");
  });

  Deno.test(`WorkerPool.run() transfers buffers to ${label} a worker host starts`, async () => {
    using _host = hosted();
    await using pool = new WorkerPool<ArrayBuffer, ArrayBuffer>(
      WORKERS.echoBuffer,
      { size: 1, maxQueue: 1, resourceLimits: limits },
    );
    const buffer = new Uint8Array(25 * 1024).fill(7).buffer;
    const back = await pool.run(buffer, { transfer: [buffer] });
    assert.equal(buffer.byteLength, 0);
    assert.equal(new Uint8Array(back)[100], 7);
  });

  Deno.test(`WorkerPool replaces ${label} a worker host started when one dies`, async () => {
    using host = hosted();
    await using pool = new WorkerPool<TestTask, unknown>(WORKERS.test, {
      size: 1,
      maxQueue: 4,
      resourceLimits: limits,
    });
    const ops = kind === "thread"
      ? ["crash", "exit"] as const
      : ["crash", "close"] as const;
    for (const op of ops) {
      const dying = pool.run({ op });
      const next = pool.run({ op: "echo", value: op });
      await assert.rejects(dying, (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError, String(e));
        assert.equal(e.moduleUrl, WORKERS.test.href);
        assert.match(
          e.reason,
          { crash: /boom/, exit: /exited with code 3/, close: /closed itself/ }[
            op
          ],
        );
        return true;
      });
      assert.equal(await next, op);
    }
    assert.equal(pool.workers, 1);
    assert.equal(host.served.workers, 1);
  });

  Deno.test(`WorkerPool.run() fails tasks when ${label} a worker host starts cannot load`, async () => {
    using host = hosted();
    await using pool = new WorkerPool<number, number>(WORKERS.broken, {
      size: 1,
      maxQueue: 4,
      resourceLimits: limits,
    });
    await assertBrokenModuleFails(pool);
    assert.equal(pool.workers, 0);
    assert.equal(host.served.workers, 0);
  });
}

Deno.test("WorkerPool.run() fails the task of a hosted worker over its heap limit with the error's code", async () => {
  using _host = hosted();
  await using pool = new WorkerPool<TestTask, unknown>(WORKERS.test, {
    size: 1,
    maxQueue: 4,
    resourceLimits: LIMITS,
    taskTimeoutMs: 3_000,
  });
  // As without a host, Deno 2.9 reports ERR_WORKER_OUT_OF_MEMORY only
  // sometimes; the code must then cross the host's port.
  await assert.rejects(pool.run({ op: "hog" }), outOfMemory);
  assert.equal(await pool.run({ op: "echo", value: "after" }), "after");
});

Deno.test("ServedWorkerHost.prestart() starts a worker that the first pool asking for the same spec takes", async () => {
  using host = hosted();
  const options = { size: 2, maxQueue: 4, resourceLimits: LIMITS };
  host.served.prestart(poolWorkerSpec(WORKERS.test, options));
  // Another spec does not take it.
  host.served.prestart(poolWorkerSpec(WORKERS.echoBuffer, options));
  assert.equal(host.served.workers, 2);
  await using pool = new WorkerPool<TestTask, unknown>(WORKERS.test, options);
  assert.equal(await pool.run({ op: "echo", value: 1 }), 1);
  assert.equal(pool.workers, 1);
  assert.equal(host.served.workers, 2, "the spare was taken, not a new one");
  const both = await Promise.all(
    [2, 3].map((value) => pool.run({ op: "echo", value })),
  );
  assert.deepEqual(both, [2, 3]);
  assert.equal(host.served.workers, 3);
});

Deno.test("serveWorkerHost() stops the workers it started when disposed", async () => {
  const host = hosted();
  try {
    const pool = new WorkerPool<TestTask, unknown>(WORKERS.test, {
      size: 1,
      maxQueue: 1,
      resourceLimits: LIMITS,
    });
    assert.equal(await pool.run({ op: "echo", value: 1 }), 1);
    assert.equal(host.served.workers, 1);
    host.served[Symbol.dispose]();
    assert.equal(host.served.workers, 0);
    await pool.close();
  } finally {
    host[Symbol.dispose]();
  }
});
