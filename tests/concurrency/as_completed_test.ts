import assert from "node:assert/strict";
import {
  asCompleted,
  type Completed,
} from "../../src/concurrency/as_completed.ts";
import { TimeoutError } from "../../src/concurrency/timeout_error.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

/** Collects everything the iterator yields, and what it throws. */
async function collect<T>(
  it: AsyncIterable<Completed<T>>,
): Promise<{ seen: Completed<T>[]; error?: unknown }> {
  const seen: Completed<T>[] = [];
  try {
    for await (const c of it) seen.push(c);
    return { seen };
  } catch (error) {
    return { seen, error };
  }
}

Deno.test("asCompleted() yields in completion order with input indexes", async () => {
  const clock = new FakeClock();
  const fail = new Error("task 2 failed");
  const tasks = [
    (s: AbortSignal) => clock.sleep(30, s).then(() => "a"),
    clock.sleep(10).then(() => "b"),
    (s: AbortSignal) =>
      clock.sleep(20, s).then(() => {
        throw fail;
      }),
    () => "sync",
  ];
  const run = collect(asCompleted(tasks, { clock }));
  await clock.tick(30);
  const { seen, error } = await run;
  assert.equal(error, undefined);
  assert.deepEqual(seen, [
    { index: 3, status: "fulfilled", value: "sync" },
    { index: 1, status: "fulfilled", value: "b" },
    { index: 2, status: "rejected", reason: fail },
    { index: 0, status: "fulfilled", value: "a" },
  ]);
});

Deno.test("asCompleted() turns a synchronous throw into a rejected outcome", async () => {
  const err = new Error("sync throw");
  const { seen } = await collect(asCompleted([() => {
    throw err;
  }]));
  assert.deepEqual(seen, [{ index: 0, status: "rejected", reason: err }]);
});

Deno.test("asCompleted() with no tasks finishes at once", async () => {
  const clock = new FakeClock();
  const { seen, error } = await collect(
    asCompleted([], { timeout: 10, clock }),
  );
  assert.deepEqual(seen, []);
  assert.equal(error, undefined);
  assert.equal(clock.pending, 0);
});

Deno.test("asCompleted() starts nothing before the first next()", async () => {
  const clock = new FakeClock();
  let started = 0;
  const it = asCompleted([() => {
    started++;
    return Promise.resolve(1);
  }], { timeout: 5, clock });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(started, 0);
  assert.equal(clock.pending, 0);
  assert.deepEqual(await it.next(), {
    done: false,
    value: { index: 0, status: "fulfilled", value: 1 },
  });
  assert.equal(started, 1);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  assert.equal(clock.pending, 0, "the timeout timer is cleared");
});

Deno.test("asCompleted() timeout throws TimeoutError listing pending indexes and aborts started tasks", async () => {
  const clock = new FakeClock();
  const signals: AbortSignal[] = [];
  const settledAt: number[] = [];
  const tasks = [100, 10, 200, 20].map((ms) => (signal: AbortSignal) => {
    signals.push(signal);
    return clock.sleep(ms, signal).finally(() => settledAt.push(ms));
  });
  const it = asCompleted(tasks, { timeout: 50, clock });
  const run = collect(it);
  await clock.tick(50);
  const { seen, error } = await run;
  assert.deepEqual(seen.map((c) => c.index), [1, 3]);
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.name, "TimeoutError");
  assert.deepEqual(error.pending, [0, 2]);
  assert.match(error.message, /2 of 4 tasks did not complete within 50 ms/);
  assert.deepEqual(it.pending, [0, 2]);
  assert.ok(signals.every((s) => s.aborted));
  assert.equal(signals[0].reason, error);
  assert.deepEqual(settledAt.sort((a, b) => a - b), [10, 20, 100, 200]);
  assert.equal(clock.pending, 0, "nothing is left running");
});

Deno.test("asCompleted() timeout still yields results that arrived in time to a slow consumer", async () => {
  const clock = new FakeClock();
  const tasks = [5, 10, 500].map((ms) => (signal: AbortSignal) =>
    clock.sleep(ms, signal).then(() => ms)
  );
  const it = asCompleted(tasks, { timeout: 100, clock });
  const first = it.next();
  await clock.tick(5);
  assert.deepEqual((await first).value, {
    index: 0,
    status: "fulfilled",
    value: 5,
  });
  // The consumer is busy past the deadline; the 10 ms result arrived in time.
  await clock.tick(200);
  assert.deepEqual((await it.next()).value, {
    index: 1,
    status: "fulfilled",
    value: 10,
  });
  await assert.rejects(
    it.next(),
    (e) => e instanceof TimeoutError && e.pending.join() === "2",
  );
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  assert.equal(clock.pending, 0);
});

Deno.test("asCompleted() timeout waits for aborted tasks to settle before throwing", async () => {
  const clock = new FakeClock();
  let cleanedUp = false;
  const task = async (signal: AbortSignal) => {
    await clock.sleep(1000, signal).catch(() => {});
    await clock.sleep(30); // slow cleanup after the abort
    cleanedUp = true;
  };
  let thrown = false;
  const run = collect(asCompleted([task], { timeout: 10, clock })).then(
    (r) => {
      thrown = true;
      return r;
    },
  );
  await clock.tick(10);
  assert.equal(thrown, false);
  await clock.tick(30);
  const { error } = await run;
  assert.ok(error instanceof TimeoutError);
  assert.equal(cleanedUp, true);
});

Deno.test("asCompleted() signal abort throws the reason, aborts started tasks and exposes pending", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const signals: AbortSignal[] = [];
  const tasks = [10, 100, 100].map((ms) => (signal: AbortSignal) => {
    signals.push(signal);
    return clock.sleep(ms, signal);
  });
  const it = asCompleted(tasks, { signal: controller.signal, clock });
  const run = collect(it);
  await clock.tick(10);
  const reason = new Error("user cancelled");
  controller.abort(reason);
  const { seen, error } = await run;
  assert.equal(error, reason);
  assert.deepEqual(seen.map((c) => c.index), [0]);
  assert.deepEqual(it.pending, [1, 2]);
  assert.ok(signals.every((s) => s.aborted));
  assert.equal(signals[1].reason, reason);
  assert.equal(clock.pending, 0);
});

Deno.test("asCompleted() with an already aborted signal starts nothing", async () => {
  let started = false;
  const reason = new Error("too late");
  const it = asCompleted([() => {
    started = true;
    return 1;
  }], { signal: AbortSignal.abort(reason) });
  await assert.rejects(it.next(), (e) => e === reason);
  assert.equal(started, false);
  assert.deepEqual(it.pending, [0]);
});

Deno.test("asCompleted() aborts started tasks and waits for them when the loop breaks", async () => {
  const clock = new FakeClock();
  const signals: AbortSignal[] = [];
  let settled = 0;
  const tasks = [1, 50, 60].map((ms) => async (signal: AbortSignal) => {
    signals.push(signal);
    try {
      await clock.sleep(ms, signal);
    } finally {
      settled++;
    }
    return ms;
  });
  const loop = (async () => {
    for await (const c of asCompleted(tasks, { timeout: 1000, clock })) {
      assert.equal(c.index, 0);
      break;
    }
  })();
  await clock.tick(1);
  await loop;
  assert.equal(settled, 3, "every started task settled before the loop ended");
  assert.ok(signals.every((s) => s.aborted));
  assert.equal((signals[1].reason as DOMException).name, "AbortError");
  assert.equal(clock.pending, 0);
});

Deno.test("asCompleted() [Symbol.asyncDispose] aborts started tasks", async () => {
  const clock = new FakeClock();
  let signal: AbortSignal | undefined;
  {
    await using it = asCompleted<number | void>([
      (s: AbortSignal) => {
        signal = s;
        return clock.sleep(100, s);
      },
      Promise.resolve(2),
    ], { clock });
    assert.deepEqual((await it.next()).value, {
      index: 1,
      status: "fulfilled",
      value: 2,
    });
  }
  assert.equal(signal?.aborted, true);
  assert.equal(clock.pending, 0);
});

Deno.test("asCompleted() marks plain promises handled and yields their rejections", async () => {
  const err = new Error("plain rejection");
  const p = Promise.reject(err);
  const it = asCompleted([p]);
  await new Promise((r) => setTimeout(r, 0)); // no unhandled rejection here
  const { seen } = await collect(it);
  assert.deepEqual(seen, [{ index: 0, status: "rejected", reason: err }]);
});

Deno.test("asCompleted() rejects a bad timeout with a RangeError", () => {
  for (const timeout of [-1, NaN]) {
    assert.throws(() => asCompleted([], { timeout }), {
      name: "RangeError",
      message:
        `Cannot iterate as 'timeout' must be a non-negative number: current value is ${timeout}`,
    });
  }
});
