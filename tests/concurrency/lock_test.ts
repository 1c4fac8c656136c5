import assert from "node:assert/strict";
import { Lock } from "../../src/concurrency/lock.ts";
import { flush, state } from "./_helpers.ts";

Deno.test("Lock.acquire() gives mutual exclusion", async () => {
  const lock = new Lock();
  let inside = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 10 }, async () => {
    using _held = await lock.acquire();
    peak = Math.max(peak, ++inside);
    await flush();
    inside--;
  }));
  assert.equal(peak, 1);
  assert.equal(lock.locked, false);
});

Deno.test("Lock.release() hands over to the waiters in FIFO order", async () => {
  const lock = new Lock();
  await lock.acquire();
  assert.equal(lock.locked, true);
  const order: number[] = [];
  const all = [1, 2, 3].map((i) =>
    lock.acquire().then(() => {
      order.push(i);
      lock.release();
    })
  );
  assert.equal(lock.waiting, 3);
  lock.release();
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(lock.locked, false);
});

Deno.test("Lock.release() throws when unlocked", () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), {
    message: "Cannot release the lock as it is not locked",
  });
});

Deno.test("Lock.acquire() gives a permit that throws when released twice; disposing it after release does nothing", async () => {
  const lock = new Lock();
  const permit = await lock.acquire();
  permit.release();
  assert.equal(lock.locked, false);
  assert.throws(() => permit.release(), Error);
  permit[Symbol.dispose]();
  assert.equal(lock.locked, false);
});

Deno.test("Lock.acquire() gives a permit that using releases, also on throw", async () => {
  const lock = new Lock();
  await assert.rejects(async () => {
    using _held = await lock.acquire();
    assert.equal(lock.locked, true);
    throw new Error("boom");
  }, { message: "boom" });
  assert.equal(lock.locked, false);
});

Deno.test("Lock.acquire() does not get the lock when aborted", async () => {
  const lock = new Lock();
  const held = await lock.acquire();
  const ac = new AbortController();
  const aborted = lock.acquire({ signal: ac.signal });
  const next = lock.acquire();
  ac.abort(new Error("no"));
  await assert.rejects(aborted, { message: "no" });
  assert.equal(lock.waiting, 1);
  held.release();
  const permit = await next;
  assert.equal(lock.locked, true);
  permit.release();
  assert.equal(lock.locked, false);
  await assert.rejects(
    lock.acquire({ signal: AbortSignal.abort("pre") }),
    (e) => e === "pre",
  );
  assert.equal(lock.locked, false);
});

Deno.test("Lock.runExclusive() returns, releases on throw, and excludes", async () => {
  const lock = new Lock();
  assert.equal(await lock.runExclusive(() => 42), 42);
  await assert.rejects(
    lock.runExclusive(() => Promise.reject(new Error("bad"))),
    { message: "bad" },
  );
  assert.equal(lock.locked, false);
  const held = await lock.acquire();
  const run = lock.runExclusive(() => "ran");
  assert.equal(await state(run), "pending");
  held.release();
  assert.equal(await run, "ran");
  assert.equal(lock.locked, false);
  const held2 = await lock.acquire();
  const ac = new AbortController();
  const aborted = lock.runExclusive(() => "never", { signal: ac.signal });
  ac.abort(new Error("gone"));
  await assert.rejects(aborted, { message: "gone" });
  held2.release();
});
