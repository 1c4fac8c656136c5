import assert from "node:assert/strict";
import { Semaphore } from "../../src/concurrency/semaphore.ts";
import { flush, state } from "./_helpers.ts";

Deno.test("Semaphore() rejects a bad permit count", () => {
  for (const bad of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => new Semaphore(bad), RangeError);
  }
  assert.throws(() => new Semaphore(0), {
    message:
      "Cannot create Semaphore as 'permits' must be a positive integer: current value is 0",
  });
});

Deno.test("Semaphore.tryAcquire() counts permits", async () => {
  const sem = new Semaphore(2);
  assert.equal(sem.permits, 2);
  const a = await sem.acquire();
  assert.equal(sem.available, 1);
  const b = sem.tryAcquire();
  assert.ok(b);
  assert.equal(sem.available, 0);
  assert.equal(sem.tryAcquire(), undefined);
  a.release();
  b.release();
  assert.equal(sem.available, 2);
  assert.equal(sem.waiting, 0);
});

Deno.test("Semaphore.acquire() limits concurrency", async () => {
  const sem = new Semaphore(3);
  let running = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 20 }, async () => {
    using _p = await sem.acquire();
    peak = Math.max(peak, ++running);
    await flush();
    running--;
  }));
  assert.equal(peak, 3);
  assert.equal(sem.available, 3);
});

Deno.test("Semaphore.acquire() serves waiters FIFO", async () => {
  const sem = new Semaphore(1);
  const first = await sem.acquire();
  const order: number[] = [];
  const waiters = [1, 2, 3, 4].map((i) =>
    sem.acquire().then((p) => {
      order.push(i);
      p.release();
    })
  );
  assert.equal(sem.waiting, 4);
  first.release();
  await Promise.all(waiters);
  assert.deepEqual(order, [1, 2, 3, 4]);
});

Deno.test("Semaphore.acquire() never lets a newcomer overtake a waiter", async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const waiter = sem.acquire();
  held.release(); // the permit goes straight to the waiter
  assert.equal(sem.available, 0);
  assert.equal(sem.tryAcquire(), undefined);
  const late = sem.acquire();
  const w = await waiter;
  assert.equal(await state(late), "pending");
  w.release();
  (await late).release();
  assert.equal(sem.available, 1);
});

Deno.test("Semaphore.acquire() takes no permit when aborted", async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const ac = new AbortController();
  const aborted = sem.acquire({ signal: ac.signal });
  const next = sem.acquire();
  assert.equal(sem.waiting, 2);
  ac.abort(new Error("cancelled"));
  await assert.rejects(aborted, { message: "cancelled" });
  assert.equal(sem.waiting, 1);
  held.release();
  (await next).release();
  assert.equal(sem.available, 1);
  assert.equal(sem.waiting, 0);
});

Deno.test("Semaphore.acquire() keeps a permit handed over when aborted later", async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const ac = new AbortController();
  const waiting = sem.acquire({ signal: ac.signal });
  held.release();
  ac.abort();
  const permit = await waiting;
  assert.equal(sem.available, 0);
  permit.release();
  assert.equal(sem.available, 1);
});

Deno.test("Semaphore.acquire() rejects at once when the signal is already aborted, even if free", async () => {
  const sem = new Semaphore(1);
  await assert.rejects(
    sem.acquire({ signal: AbortSignal.abort("no") }),
    (e) => e === "no",
  );
  assert.equal(sem.available, 1);
});

Deno.test("Semaphore.acquire() gives a permit that throws when released twice", async () => {
  const sem = new Semaphore(2);
  const p = await sem.acquire();
  p.release();
  assert.throws(() => p.release(), {
    message: "Cannot release the permit as it was already released",
  });
  assert.equal(sem.available, 2);
  p[Symbol.dispose](); // disposing a released permit is a no-op
  assert.equal(sem.available, 2);
});

Deno.test("Semaphore.acquire() gives a permit that using releases, also on throw", async () => {
  const sem = new Semaphore(1);
  {
    using _p = await sem.acquire();
    assert.equal(sem.available, 0);
  }
  assert.equal(sem.available, 1);
  await assert.rejects(async () => {
    using _p = await sem.acquire();
    throw new Error("boom");
  }, { message: "boom" });
  assert.equal(sem.available, 1);
});
