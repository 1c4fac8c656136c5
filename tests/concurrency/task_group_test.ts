import assert from "node:assert/strict";
import { TaskGroup } from "../../src/concurrency/task_group.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

/** A promise that is settled after `ms` fake milliseconds, or on abort. */
function sleeper(clock: FakeClock, ms: number, signal?: AbortSignal) {
  return clock.sleep(ms, signal);
}

Deno.test("TaskGroup.spawn() resolves with each child's result and wait() resolves", async () => {
  const tg = new TaskGroup();
  const a = tg.spawn(() => Promise.resolve(1));
  const b = tg.spawn(() => "sync");
  assert.equal(tg.size, 2);
  assert.equal(tg.active, 2);
  await tg.wait();
  assert.equal(await a, 1);
  assert.equal(await b, "sync");
  assert.equal(tg.size, 0);
  assert.equal(tg.closed, true);
  assert.equal(tg.signal.aborted, false);
});

Deno.test("TaskGroup.wait() on an empty group resolves and closes it", async () => {
  const tg = new TaskGroup();
  await tg.wait();
  assert.equal(tg.closed, true);
  assert.throws(() => tg.spawn(() => 1), {
    name: "Error",
    message: /closed/,
  });
});

Deno.test("TaskGroup.wait() aborts siblings and rejects with the error when a child fails", async () => {
  const clock = new FakeClock();
  const tg = new TaskGroup();
  const boom = new Error("boom");
  let siblingReason: unknown;
  let siblingSettled = false;
  const sibling = tg.spawn(async (signal) => {
    try {
      await sleeper(clock, 10_000, signal);
    } finally {
      siblingReason = signal.reason;
      siblingSettled = true;
    }
  });
  tg.spawn(async () => {
    await sleeper(clock, 5);
    throw boom;
  });
  const waited = assert.rejects(tg.wait(), (e) => e === boom);
  await clock.tick(5);
  await waited;
  assert.equal(siblingSettled, true);
  assert.equal(tg.signal.aborted, true);
  assert.ok(siblingReason instanceof DOMException);
  assert.equal((siblingReason as DOMException).name, "AbortError");
  // The sibling rejected with the group's reason: not reported as a failure.
  await assert.rejects(sibling, (e) => e === tg.signal.reason);
  assert.equal(tg.size, 0);
  assert.equal(clock.pending, 0);
});

Deno.test("TaskGroup.wait() rejects with an AggregateError when several children failed", async () => {
  const tg = new TaskGroup();
  const first = new Error("first");
  const cleanup = new Error("cleanup failed");
  tg.spawn(async (signal) => {
    await new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(cleanup), { once: true })
    );
  });
  tg.spawn(() => {
    throw first;
  });
  tg.spawn(async (signal) => {
    // Rejects with the group's own reason: not a failure.
    await new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason), {
        once: true,
      })
    );
  });
  await assert.rejects(tg.wait(), (e) => {
    assert.ok(e instanceof AggregateError);
    assert.deepEqual(e.errors, [first, cleanup]);
    assert.match(e.message, /2 tasks/);
    return true;
  });
});

Deno.test("TaskGroup.wait() does not return while a child that ignores abort still runs", async () => {
  const clock = new FakeClock();
  const tg = new TaskGroup();
  let stubbornDone = false;
  tg.spawn(async () => {
    await sleeper(clock, 100); // ignores the signal
    stubbornDone = true;
  });
  tg.spawn(() => {
    throw new Error("fail");
  });
  let waitSettled = false;
  const waited = tg.wait().catch((e) => {
    waitSettled = true;
    return e;
  });
  await clock.tick(99);
  assert.equal(waitSettled, false);
  assert.equal(tg.signal.aborted, true);
  assert.equal(tg.size, 1);
  await clock.tick(1);
  assert.equal(((await waited) as Error).message, "fail");
  assert.equal(stubbornDone, true);
  assert.equal(waitSettled, true);
});

Deno.test("TaskGroup.cancel() aborts children; wait() resolves as cancellation is not a failure", async () => {
  const clock = new FakeClock();
  const tg = new TaskGroup();
  const results = [1, 2, 3].map(() =>
    tg.spawn((signal) => sleeper(clock, 1000, signal))
  );
  await clock.tick(0);
  const reason = new Error("stop now");
  tg.cancel(reason);
  tg.cancel(new Error("ignored: already cancelled"));
  await tg.wait();
  assert.equal(tg.signal.reason, reason);
  for (const r of results) await assert.rejects(r, (e) => e === reason);
  assert.equal(clock.pending, 0);
  assert.throws(() => tg.spawn(() => 1), /closed/);
});

Deno.test("TaskGroup.cancel() uses an AbortError by default and still reports real failures", async () => {
  const tg = new TaskGroup();
  const bad = new Error("bad cleanup");
  tg.spawn(async (signal) => {
    await new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(bad), { once: true })
    );
  });
  await Promise.resolve(); // let the child start
  await Promise.resolve();
  tg.cancel();
  assert.equal((tg.signal.reason as DOMException).name, "AbortError");
  await assert.rejects(tg.wait(), (e) => e === bad);
});

Deno.test("TaskGroup.spawn() throws into a cancelled group", () => {
  const tg = new TaskGroup();
  tg.cancel();
  assert.throws(() => tg.spawn(() => 1), (e) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /cancelled/);
    assert.equal(e.cause, tg.signal.reason);
    return true;
  });
});

Deno.test("TaskGroup.spawn() refused after cancellation is not a failure of the child", async () => {
  const clock = new FakeClock();
  const tg = new TaskGroup();
  const boom = new Error("boom");
  let refused: unknown;
  tg.spawn(async () => {
    await clock.sleep(10);
    try {
      tg.spawn(() => 1); // the group was cancelled meanwhile
    } catch (e) {
      refused = e;
      throw e;
    }
  });
  tg.spawn(() => {
    throw boom;
  });
  const waited = assert.rejects(tg.wait(), (e) => e === boom);
  await clock.tick(10);
  await waited;
  assert.match((refused as Error).message, /cancelled/);
});

Deno.test("TaskGroup.spawn() rejects bad arguments with a TypeError", () => {
  const tg = new TaskGroup();
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => tg.spawn(42 as any),
    {
      name: "TypeError",
      message:
        "Cannot spawn into TaskGroup as 'fn' must be a function: current value is 42",
    },
  );
});

Deno.test("TaskGroup.spawn() does not start a child when cancelled before it ran", async () => {
  const tg = new TaskGroup();
  let called = false;
  const child = tg.spawn(() => {
    called = true;
  });
  tg.cancel();
  await tg.wait();
  assert.equal(called, false);
  await assert.rejects(child, (e) => e === tg.signal.reason);
});

Deno.test("TaskGroup.spawn() never causes an unhandled rejection when its promise is ignored", async () => {
  const tg = new TaskGroup();
  tg.spawn(() => Promise.reject(new Error("ignored 1")));
  tg.spawn(() =>
    Promise.resolve().then(() => {
      throw new Error("ignored 2");
    })
  );
  // Let several macrotasks pass before anyone looks at the failures.
  await new Promise((r) => setTimeout(r, 0));
  await new Promise((r) => setTimeout(r, 0));
  await assert.rejects(tg.wait(), AggregateError);
});

Deno.test("TaskGroup.wait() waits for children spawned by children", async () => {
  const clock = new FakeClock();
  const tg = new TaskGroup();
  const order: string[] = [];
  tg.spawn(async () => {
    await sleeper(clock, 10);
    order.push("parent");
    tg.spawn(async () => {
      await sleeper(clock, 10);
      order.push("child");
      tg.spawn(async () => {
        await sleeper(clock, 10);
        order.push("grandchild");
      });
    });
  });
  let waited = false;
  const done = tg.wait().then(() => (waited = true));
  await clock.tick(20);
  assert.equal(waited, false);
  assert.equal(tg.size, 1);
  await clock.tick(10);
  await done;
  assert.deepEqual(order, ["parent", "child", "grandchild"]);
  assert.equal(tg.size, 0);
});

Deno.test("TaskGroup.wait() rejects with the reason when the parent signal aborts and cancels the children", async () => {
  const clock = new FakeClock();
  const parent = new AbortController();
  const tg = new TaskGroup({ signal: parent.signal });
  let childSettled = false;
  const child = tg.spawn(async (signal) => {
    try {
      await sleeper(clock, 1000, signal);
    } finally {
      childSettled = true;
    }
  });
  const reason = new Error("parent gave up");
  const waited = assert.rejects(tg.wait(), (e) => e === reason);
  await clock.tick(1);
  parent.abort(reason);
  await waited;
  assert.equal(childSettled, true);
  assert.equal(tg.signal.reason, reason);
  await assert.rejects(child, (e) => e === reason);
});

Deno.test("TaskGroup() is cancelled from the start when the parent signal is already aborted", async () => {
  const reason = new Error("already");
  const tg = new TaskGroup({ signal: AbortSignal.abort(reason) });
  assert.equal(tg.signal.aborted, true);
  assert.throws(() => tg.spawn(() => 1), /cancelled/);
  await assert.rejects(tg.wait(), (e) => e === reason);
});

Deno.test("TaskGroup.wait({ signal }) cancels the group and rejects with its reason after children settle", async () => {
  const clock = new FakeClock();
  const tg = new TaskGroup();
  let settled = false;
  tg.spawn(async (signal) => {
    await sleeper(clock, 1000, signal).catch(() => {});
    await sleeper(clock, 5); // cleanup that takes time
    settled = true;
  });
  const controller = new AbortController();
  const reason = new Error("waiter left");
  let rejected = false;
  const waited = tg.wait({ signal: controller.signal }).catch((e) => {
    rejected = true;
    return e;
  });
  await clock.tick(1);
  controller.abort(reason);
  await clock.tick(4);
  assert.equal(rejected, false);
  await clock.tick(1);
  assert.equal(await waited, reason);
  assert.equal(settled, true);
  await assert.rejects(
    tg.wait({ signal: AbortSignal.abort(new Error("late")) }),
    (e) => e === reason,
  );
});

Deno.test("TaskGroup[Symbol.asyncDispose]() cancels running children and waits for them", async () => {
  const clock = new FakeClock();
  let childSettled = false;
  let seen: AbortSignal | undefined;
  {
    await using tg = new TaskGroup();
    seen = tg.signal;
    tg.spawn(async (signal) => {
      try {
        await sleeper(clock, 10_000, signal);
      } finally {
        childSettled = true;
      }
    });
    await clock.tick(1);
  }
  assert.equal(childSettled, true);
  assert.equal(seen.aborted, true);
  assert.equal((seen.reason as DOMException).name, "AbortError");
  assert.equal(clock.pending, 0);
});

Deno.test("TaskGroup[Symbol.asyncDispose]() throws the failures no wait() reported, only once", async () => {
  const boom = new Error("unreported");
  const tg = new TaskGroup();
  tg.spawn(() => {
    throw boom;
  });
  await new Promise((r) => setTimeout(r, 0)); // the child runs and fails
  await assert.rejects(tg[Symbol.asyncDispose](), (e) => e === boom);
  await tg[Symbol.asyncDispose]();
  assert.throws(() => tg.spawn(() => 1), /closed|cancelled/);

  const reported = new TaskGroup();
  reported.spawn(() => {
    throw boom;
  });
  await assert.rejects(reported.wait(), (e) => e === boom);
  await reported[Symbol.asyncDispose](); // already reported by wait()
});

Deno.test("TaskGroup.wait() propagates a failure outwards and cancels outer siblings when groups nest", async () => {
  const clock = new FakeClock();
  const outer = new TaskGroup();
  const inner = new Error("inner failure");
  let innerSiblingReason: unknown;
  let outerSiblingAborted = false;
  outer.spawn(async (signal) => {
    const tg = new TaskGroup({ signal });
    tg.spawn(async (s) => {
      await sleeper(clock, 1000, s).catch((e) => {
        innerSiblingReason = e;
        throw e;
      });
    });
    tg.spawn(async () => {
      await sleeper(clock, 10);
      throw inner;
    });
    await tg.wait();
  });
  outer.spawn(async (signal) => {
    await sleeper(clock, 1000, signal).catch((e) => {
      outerSiblingAborted = signal.aborted;
      throw e;
    });
  });
  const waited = assert.rejects(outer.wait(), (e) => e === inner);
  await clock.tick(10);
  await waited;
  assert.equal((innerSiblingReason as DOMException).name, "AbortError");
  assert.equal(outerSiblingAborted, true);
  assert.equal(clock.pending, 0);
});

Deno.test("TaskGroup.cancel() of the outer group cancels an inner group's children", async () => {
  const clock = new FakeClock();
  const outer = new TaskGroup();
  let innerChildSawReason: unknown;
  outer.spawn(async (signal) => {
    await using tg = new TaskGroup({ signal });
    tg.spawn(async (s) => {
      await sleeper(clock, 1000, s).catch((e) => {
        innerChildSawReason = e;
        throw e;
      });
    });
    await tg.wait();
  });
  await clock.tick(1);
  const reason = new Error("outer cancelled");
  outer.cancel(reason);
  await outer.wait();
  assert.equal(innerChildSawReason, reason);
  assert.equal(clock.pending, 0);
});
