import assert from "node:assert/strict";
import { Condition } from "../../src/concurrency/condition.ts";
import { Lock } from "../../src/concurrency/lock.ts";
import { flush, state } from "./_helpers.ts";

/** Starts a waiter that records its id when woken, then releases. */
function waiter(cond: Condition, id: number, woken: number[]): Promise<void> {
  return (async () => {
    await cond.acquire();
    try {
      await cond.wait();
      assert.equal(cond.locked, true, "wait returns holding the lock");
      woken.push(id);
    } finally {
      cond.release();
    }
  })();
}

Deno.test("Condition.wait() and notify() throw without the lock", async () => {
  const cond = new Condition();
  await assert.rejects(cond.wait(), {
    message: "Cannot wait as the condition's lock is not held",
  });
  await assert.rejects(cond.waitFor(() => true), Error);
  assert.throws(() => cond.notify(), Error);
  assert.throws(() => cond.notifyAll(), Error);
  await cond.acquire();
  assert.throws(() => cond.notify(-1), RangeError);
  assert.throws(() => cond.notify(1.5), RangeError);
  cond.release();
  assert.throws(() => cond.release(), Error);
  // @ts-expect-error: not a Lock
  assert.throws(() => new Condition({}), TypeError);
});

Deno.test("Condition.wait() releases the lock; notify(n) wakes n in FIFO order", async () => {
  const cond = new Condition();
  const woken: number[] = [];
  const all = [1, 2, 3, 4].map((i) => waiter(cond, i, woken));
  await flush();
  assert.equal(cond.waiting, 4);
  assert.equal(cond.locked, false, "waiters released the lock");

  await cond.acquire();
  cond.notify(2);
  cond.release();
  await flush();
  assert.deepEqual(woken, [1, 2]);
  assert.equal(cond.waiting, 2);

  await cond.acquire();
  cond.notify(0);
  cond.release();
  await flush();
  assert.deepEqual(woken, [1, 2]);

  await cond.acquire();
  cond.notify();
  cond.release();
  await flush();
  assert.deepEqual(woken, [1, 2, 3]);

  await cond.acquire();
  cond.notifyAll();
  cond.release();
  await Promise.all(all);
  assert.deepEqual(woken, [1, 2, 3, 4]);
  assert.equal(cond.locked, false);
});

Deno.test("Condition.notify() lets a waiter run only once the notifier releases", async () => {
  const cond = new Condition();
  const woken: number[] = [];
  const w = waiter(cond, 1, woken);
  await flush();
  const permit = await cond.acquire();
  cond.notify();
  await flush();
  assert.deepEqual(woken, [], "still waiting for the lock");
  permit.release();
  await w;
  assert.deepEqual(woken, [1]);
});

Deno.test("Condition.notify() wakes all when asked for more than wait, and nothing when none waits", async () => {
  const cond = new Condition();
  await cond.acquire();
  cond.notify(5);
  cond.release();
  const woken: number[] = [];
  const all = [1, 2].map((i) => waiter(cond, i, woken));
  await flush();
  await cond.acquire();
  cond.notify(10);
  cond.release();
  await Promise.all(all);
  assert.deepEqual(woken, [1, 2]);
});

Deno.test("Condition.wait() takes no notification and re-acquires the lock when aborted", async () => {
  const cond = new Condition();
  const ac = new AbortController();
  const woken: number[] = [];
  const aborted = (async () => {
    await cond.acquire();
    try {
      await cond.wait({ signal: ac.signal });
    } finally {
      assert.equal(cond.locked, true, "lock held again on rejection");
      cond.release();
    }
  })();
  const other = waiter(cond, 2, woken);
  await flush();
  assert.equal(cond.waiting, 2);
  ac.abort(new Error("stop"));
  await assert.rejects(aborted, { message: "stop" });
  assert.equal(cond.waiting, 1);
  await cond.acquire();
  cond.notify(1);
  cond.release();
  await other;
  assert.deepEqual(woken, [2]);

  await cond.acquire();
  await assert.rejects(
    cond.wait({ signal: AbortSignal.abort("pre") }),
    (e) => e === "pre",
  );
  assert.equal(cond.locked, true);
  cond.release();
});

Deno.test("Condition.waitFor() waits until the predicate holds", async () => {
  const cond = new Condition();
  let items = 0;
  let checks = 0;
  const consumer = (async () => {
    using _held = await cond.acquire();
    const got = await cond.waitFor(() => {
      checks++;
      return items >= 2 && items;
    });
    items = 0;
    return got;
  })();
  await flush();
  assert.equal(checks, 1);
  for (let i = 0; i < 2; i++) {
    {
      using _held = await cond.acquire();
      items++;
      cond.notify();
    }
    await flush(); // let the consumer re-check with the lock
  }
  assert.equal(await consumer, 2);
  assert.equal(checks, 3);
  assert.equal(items, 0);
  assert.equal(cond.locked, false);

  await cond.acquire();
  assert.equal(await cond.waitFor(() => "now"), "now", "true at once");
  cond.release();
});

Deno.test("Condition.waitFor() rejects with signal.reason when aborted", async () => {
  const cond = new Condition();
  await cond.acquire();
  const ac = new AbortController();
  const waiting = cond.waitFor(() => false, { signal: ac.signal });
  await flush();
  assert.equal(cond.locked, false);
  ac.abort(new Error("enough"));
  await assert.rejects(waiting, { message: "enough" });
  assert.equal(cond.locked, true);
  cond.release();
});

Deno.test("Condition() can share a Lock with another condition", async () => {
  const lock = new Lock();
  const notEmpty = new Condition(lock);
  const notFull = new Condition(lock);
  assert.equal(notEmpty.lock, lock);
  const buffer: number[] = [];
  const consumed: number[] = [];
  const consumer = (async () => {
    for (let i = 0; i < 5; i++) {
      await lock.runExclusive(async () => {
        await notEmpty.waitFor(() => buffer.length > 0);
        consumed.push(buffer.shift()!);
        notFull.notify();
      });
    }
  })();
  for (let i = 0; i < 5; i++) {
    await lock.runExclusive(async () => {
      await notFull.waitFor(() => buffer.length < 1);
      buffer.push(i);
      notEmpty.notify();
    });
  }
  await consumer;
  assert.deepEqual(consumed, [0, 1, 2, 3, 4]);
  assert.equal(await state(Promise.resolve()), "fulfilled");
});
