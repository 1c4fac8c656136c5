import assert from "node:assert/strict";
import { WorkerPool } from "../../src/concurrency/worker_pool.ts";
import { workerPermissionsSupported } from "../../src/concurrency/worker_pool.ts";
import { serveWorker } from "../../src/concurrency/serve_worker.ts";
import {
  WorkerCrashedError,
  WorkerPoolClosedError,
  WorkerTaskError,
  WorkerTaskTimeoutError,
} from "../../src/concurrency/worker_error.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { delay } from "../../src/concurrency/clock.ts";
import { type Trace, traceVar } from "../../src/telemetry/trace.ts";
import type { TestTask } from "./workers/test_worker.ts";
import { assertBrokenModuleFails, WORKERS } from "./_helpers.ts";

const TEST_WORKER = WORKERS.test;
const ECHO_BUFFER_WORKER = WORKERS.echoBuffer;
const BROKEN_WORKER = WORKERS.broken;

function testPool(
  options: Partial<ConstructorParameters<typeof WorkerPool>[1]> = {},
): WorkerPool<TestTask, unknown> {
  return new WorkerPool<TestTask, unknown>(TEST_WORKER, {
    size: 1,
    maxQueue: 8,
    ...options,
  });
}

/** Waits (in real time, polling) until `cond` holds; fails after ~10 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await delay(5);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Tracks whether a promise settled, without leaving it unhandled. */
function track<T>(p: Promise<T>): { settled: () => boolean; p: Promise<T> } {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  return { settled: () => settled, p };
}

Deno.test("WorkerPool.run() runs a task and keeps its lazily started worker", async () => {
  await using pool = testPool({ size: 2 });
  assert.equal(pool.size, 2);
  assert.equal(pool.workers, 0);
  assert.deepEqual(await pool.run({ op: "echo", value: { a: [1, 2] } }), {
    a: [1, 2],
  });
  assert.equal(pool.workers, 1);
  for (let i = 0; i < 5; i++) {
    assert.equal(await pool.run({ op: "echo", value: i }), i);
  }
  assert.equal(pool.workers, 1);
  const results = await Promise.all(
    [1, 2, 3, 4].map((value) => pool.run({ op: "echo", value })),
  );
  assert.deepEqual(results, [1, 2, 3, 4]);
  assert.equal(pool.workers, 2);
  assert.equal(pool.pending, 0);
  assert.equal(pool.running, 0);
});

Deno.test("WorkerPool.run() transfers buffers instead of copying them", async () => {
  await using pool = new WorkerPool<ArrayBuffer, ArrayBuffer>(
    ECHO_BUFFER_WORKER,
    { size: 1, maxQueue: 1 },
  );
  const buffer = new Uint8Array(25 * 1024).fill(7).buffer;
  const back = await pool.run(buffer, { transfer: [buffer] });
  assert.equal(buffer.byteLength, 0);
  assert.equal(back.byteLength, 25 * 1024);
  assert.equal(new Uint8Array(back)[100], 7);
  // Without transfer the sender keeps its copy.
  const kept = new ArrayBuffer(16);
  await pool.run(kept);
  assert.equal(kept.byteLength, 16);
});

Deno.test("WorkerPool.run() rejects with a WorkerTaskError carrying the worker's error", async () => {
  await using pool = testPool();
  const err = await pool.run({ op: "throw" }).then(
    () => assert.fail("should reject"),
    (e) => e,
  );
  assert.ok(err instanceof WorkerTaskError);
  assert.equal(err.name, "WorkerTaskError");
  assert.equal(err.message, "bad input");
  assert.equal(err.remoteName, "TypeError");
  assert.match(err.remoteStack, /TypeError: bad input/);
  assert.match(err.remoteStack, /test_worker\.ts/);
  assert.ok(err.cause instanceof Error);
  assert.equal((err.cause as Error).name, "TypeError");

  await assert.rejects(pool.run({ op: "reject" }), (e: unknown) => {
    assert.ok(e instanceof WorkerTaskError);
    assert.equal(e.remoteName, "RangeError");
    assert.equal(e.message, "async failure");
    return true;
  });
  await assert.rejects(pool.run({ op: "throwString" }), (e: unknown) => {
    assert.ok(e instanceof WorkerTaskError);
    assert.equal(e.remoteName, "Error");
    assert.equal(e.message, "just a string");
    assert.equal(e.remoteStack, "");
    return true;
  });
  // A result that cannot be cloned fails the task, not the worker.
  await assert.rejects(pool.run({ op: "uncloneable" }), (e: unknown) => {
    assert.ok(e instanceof WorkerTaskError);
    assert.equal(e.remoteName, "DataCloneError");
    return true;
  });
  assert.equal(pool.workers, 1);
  assert.equal(
    await pool.run({ op: "echo", value: "still fine" }),
    "still fine",
  );
});

Deno.test("WorkerPool.run() rejects an input that cannot be cloned and goes on", async () => {
  await using pool = testPool();
  await assert.rejects(
    pool.run({ op: "echo", value: () => 1 }),
    (e: unknown) => e instanceof DOMException && e.name === "DataCloneError",
  );
  assert.equal(pool.pending, 0);
  assert.equal(await pool.run({ op: "echo", value: 1 }), 1);
});

for (const op of ["crash", "close"] as const) {
  Deno.test(`WorkerPool replaces a worker that dies (${op}) and fails only its task`, async () => {
    await using pool = testPool({ size: 1, maxQueue: 4 });
    assert.equal(await pool.run({ op: "echo", value: 0 }), 0);
    const dying = pool.run({ op });
    const others = [1, 2, 3].map((value) => pool.run({ op: "echo", value }));
    await assert.rejects(dying, (e: unknown) => {
      assert.ok(e instanceof WorkerCrashedError);
      assert.equal(e.name, "WorkerCrashedError");
      assert.equal(e.moduleUrl, TEST_WORKER.href);
      if (op === "crash") assert.match(e.reason, /boom/);
      else assert.match(e.reason, /closed itself/);
      return true;
    });
    assert.deepEqual(await Promise.all(others), [1, 2, 3]);
    assert.equal(pool.workers, 1);
    assert.equal(pool.pending, 0);
  });
}

Deno.test("WorkerPool.run() fails tasks one by one when the worker module cannot load", async () => {
  await using pool = new WorkerPool<number, number>(BROKEN_WORKER, {
    size: 1,
    maxQueue: 4,
  });
  await assertBrokenModuleFails(pool);
  assert.equal(pool.workers, 0);
  assert.equal(pool.pending, 0);
});

Deno.test("WorkerPool.run() times a task out, replaces its worker and goes on", async () => {
  const clock = new FakeClock();
  await using pool = testPool({
    size: 1,
    maxQueue: 4,
    taskTimeoutMs: 1000,
    clock,
  });
  const slow = track(pool.run({ op: "hang" }));
  const next = pool.run({ op: "echo", value: "after" });
  // The timer starts once the worker is up and has the task.
  await until(() => clock.pending === 1, "the task timer");
  await clock.tick(999);
  assert.equal(slow.settled(), false);
  await clock.tick(1);
  await assert.rejects(slow.p, (e: unknown) => {
    assert.ok(e instanceof WorkerTaskTimeoutError);
    assert.equal(e.name, "WorkerTaskTimeoutError");
    assert.equal(e.timeoutMs, 1000);
    return true;
  });
  assert.equal(await next, "after");
  // A finished task's timer is cancelled, not left behind.
  assert.equal(clock.pending, 0);
  assert.equal(pool.workers, 1);
});

Deno.test("WorkerPool.run() rejects with signal.reason when a queued or running task is aborted", async () => {
  await using pool = testPool({ size: 1, maxQueue: 4 });
  assert.equal(await pool.run({ op: "echo", value: 0 }), 0);

  const running = new AbortController();
  const spin = pool.run({ op: "spin" }, { signal: running.signal });
  const queued = new AbortController();
  const dropped = pool.run({ op: "echo", value: "dropped" }, {
    signal: queued.signal,
  });
  const kept = pool.run({ op: "echo", value: "kept" });
  assert.equal(pool.running, 1);
  assert.equal(pool.pending, 3);

  const reason = new Error("not needed");
  queued.abort(reason);
  await assert.rejects(dropped, (e) => e === reason);
  assert.equal(pool.pending, 2);

  // The worker is stuck in synchronous work: only termination stops it.
  await delay(20);
  running.abort();
  await assert.rejects(
    spin,
    (e: unknown) => (e as Error).name === "AbortError",
  );
  assert.equal(await kept, "kept");
  assert.equal(pool.workers, 1);

  // An already aborted signal rejects at once and starts nothing.
  const aborted = AbortSignal.abort(new Error("too late"));
  await assert.rejects(
    pool.run({ op: "echo", value: 1 }, { signal: aborted }),
    (e) => e === aborted.reason,
  );
  assert.equal(pool.pending, 0);
});

Deno.test("WorkerPool.run() waits for room when the queue is full", async () => {
  await using pool = testPool({ size: 1, maxQueue: 1 });
  const first = new AbortController();
  const a = track(pool.run({ op: "hang" }, { signal: first.signal }));
  const b = track(pool.run({ op: "echo", value: "b" }));
  const c = track(pool.run({ op: "echo", value: "c" }));
  const waiter = new AbortController();
  const d = pool.run({ op: "echo", value: "d" }, { signal: waiter.signal });
  // a runs, b is queued, c and d wait for room (not accepted yet).
  assert.equal(pool.running, 1);
  assert.equal(pool.pending, 2);
  assert.equal(pool.waiting, 2);
  await delay(20);
  assert.equal(a.settled() || b.settled() || c.settled(), false);
  assert.equal(pool.waiting, 2);

  waiter.abort();
  await assert.rejects(d, (e: unknown) => (e as Error).name === "AbortError");
  assert.equal(pool.waiting, 1);

  first.abort();
  await assert.rejects(a.p);
  assert.equal(await b.p, "b");
  assert.equal(await c.p, "c");
  assert.equal(pool.waiting, 0);
  assert.equal(pool.pending, 0);
});

Deno.test("WorkerPool.run() accepts a task only when a worker is free and maxQueue is 0", async () => {
  await using pool = testPool({ size: 1, maxQueue: 0 });
  const a = pool.run({ op: "echo", value: "a" });
  const b = pool.run({ op: "echo", value: "b" });
  assert.equal(pool.running, 1);
  assert.equal(pool.waiting, 1);
  assert.deepEqual(await Promise.all([a, b]), ["a", "b"]);
});

Deno.test("WorkerPool.close() rejects every task and terminates the workers", async () => {
  const pool = testPool({ size: 2, maxQueue: 1 });
  const tasks = [
    pool.run({ op: "spin" }),
    pool.run({ op: "hang" }),
    pool.run({ op: "echo", value: "queued" }),
    pool.run({ op: "echo", value: "waiting" }),
  ];
  assert.equal(pool.workers, 2);
  assert.equal(pool.running, 2);
  assert.equal(pool.pending, 3);
  assert.equal(pool.waiting, 1);
  await delay(20);
  await pool.close();
  for (const r of await Promise.allSettled(tasks)) {
    assert.equal(r.status, "rejected");
    assert.ok(r.reason instanceof WorkerPoolClosedError);
    assert.equal(r.reason.name, "WorkerPoolClosedError");
  }
  assert.equal(pool.workers, 0);
  assert.equal(pool.pending, 0);
  assert.equal(pool.waiting, 0);
  await assert.rejects(
    pool.run({ op: "echo", value: 1 }),
    WorkerPoolClosedError,
  );
  await pool.close(); // twice is harmless
});

Deno.test("WorkerPool[Symbol.asyncDispose]() closes the pool at the end of await using", async () => {
  let escaped: WorkerPool<TestTask, unknown>;
  {
    await using pool = testPool();
    escaped = pool;
    assert.equal(await pool.run({ op: "echo", value: 1 }), 1);
  }
  assert.equal(escaped.workers, 0);
  await assert.rejects(
    escaped.run({ op: "echo", value: 1 }),
    WorkerPoolClosedError,
  );
});

Deno.test("WorkerPool.run() carries the context value into the worker", async () => {
  await using pool = testPool({
    size: 2,
    context: traceVar,
  });
  const trace = (url: string): Trace => ({
    traceId: "t".repeat(32),
    spanId: url.length.toString(16).padStart(16, "0"),
    url,
    depth: 1,
    attempt: 1,
  });
  const a = trace("https://a.test/");
  const b = trace("https://bb.test/");
  // Captured when run is called, even though the task is sent later.
  const seen = await Promise.all([
    traceVar.run(a, () => pool.run({ op: "context" })),
    traceVar.run(b, () => pool.run({ op: "context" })),
    traceVar.run(a, () => pool.run({ op: "context" })),
  ]);
  assert.deepEqual(seen, [a, b, a]);
  assert.equal(await pool.run({ op: "context" }), undefined);
});

Deno.test("WorkerPool.run() sends no context value when the pool has no context", async () => {
  await using pool = testPool();
  const seen = await traceVar.run(
    { traceId: "x", spanId: "y", url: "u", depth: 0, attempt: 1 },
    () => pool.run({ op: "context" }),
  );
  assert.equal(seen, undefined);
});

Deno.test("WorkerPool.run() runs workers that inherit permissions by default on Deno 2.9", async () => {
  assert.equal(workerPermissionsSupported(), false);
  await using pool = testPool();
  // The test run has --allow-read; "auto" falls back to inheriting it.
  assert.equal(await pool.run({ op: "permission" }), "granted");
  await using inherit = testPool({ permissions: "inherit" });
  assert.equal(await inherit.run({ op: "permission" }), "granted");
});

Deno.test("WorkerPool() rejects bad options", () => {
  const make = (
    options: Record<string, unknown>,
    url: string | URL = TEST_WORKER,
  ) => new WorkerPool(url, { size: 1, maxQueue: 1, ...options });
  assert.throws(() => make({ size: 0 }), {
    name: "RangeError",
    message:
      "Cannot create WorkerPool as 'size' must be a positive integer: current value is 0",
  });
  assert.throws(() => make({ size: 1.5 }), RangeError);
  assert.throws(() => make({ size: undefined }), RangeError);
  assert.throws(() => make({ maxQueue: -1 }), {
    name: "RangeError",
    message:
      "Cannot create WorkerPool as 'maxQueue' must be a non-negative integer: current value is -1",
  });
  assert.throws(() => make({ maxQueue: Infinity }), RangeError);
  assert.throws(() => make({ taskTimeoutMs: 0 }), RangeError);
  assert.throws(() => make({ taskTimeoutMs: NaN }), RangeError);
  assert.throws(() => make({ taskTimeoutMs: Infinity }), RangeError);
  assert.throws(() => make({ permissions: "all" }), TypeError);
  assert.throws(() => make({}, "./relative.ts"), {
    name: "TypeError",
    message:
      "Cannot create WorkerPool as 'moduleUrl' must be an absolute URL: current value is ./relative.ts",
  });
  // Valid options start nothing.
  const pool = make({ maxQueue: 0, taskTimeoutMs: 10 });
  assert.equal(pool.workers, 0);
});

Deno.test("serveWorker() refuses to run outside a worker", () => {
  assert.throws(() => serveWorker((x: number) => x), TypeError);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => serveWorker(42 as any),
    TypeError,
  );
});

const PROBE = new URL("./workers/permissions_probe.ts", import.meta.url);

async function probe(
  flags: string[],
  permissions: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", ...flags, PROBE.href, permissions],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

Deno.test("WorkerPool.run() runs sandboxed workers when permissions is 'none' (needs --unstable-worker-options)", async () => {
  const sandboxed = await probe(["--unstable-worker-options"], "none");
  assert.equal(sandboxed.code, 0, sandboxed.stderr);
  // The module and its npm import still load; file reads are refused.
  assert.deepEqual(JSON.parse(sandboxed.stdout), {
    children: 2,
    read: "NotCapable",
  });
  const inherited = await probe([], "auto");
  assert.equal(inherited.code, 0, inherited.stderr);
  assert.deepEqual(JSON.parse(inherited.stdout), {
    children: 2,
    read: "allowed",
  });
  // Without the flag (and without deno.json, which might enable it) Deno
  // exits the whole process: why "auto" never picks "none".
  const refused = await probe(["--no-config"], "none");
  assert.equal(refused.code, 70);
  assert.match(refused.stderr, /--unstable-worker-options/);
});
