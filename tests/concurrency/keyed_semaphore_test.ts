import assert from "node:assert/strict";
import { KeyedSemaphore } from "../../src/concurrency/keyed_semaphore.ts";
import { state } from "./_helpers.ts";

Deno.test("KeyedSemaphore() rejects bad permit counts", () => {
  assert.throws(() => new KeyedSemaphore(0), RangeError);
  assert.throws(() => new KeyedSemaphore(1.5), {
    message:
      "Cannot create KeyedSemaphore as 'permitsPerKey' must be a positive integer: current value is 1.5",
  });
  assert.throws(() => new KeyedSemaphore(1).setPermits("a", 0), RangeError);
});

Deno.test("KeyedSemaphore.acquire() limits each key separately", async () => {
  const ks = new KeyedSemaphore(2);
  const a1 = await ks.acquire("a");
  const a2 = await ks.acquire("a");
  assert.equal(ks.available("a"), 0);
  assert.equal(ks.tryAcquire("a"), undefined);
  const b1 = ks.tryAcquire("b");
  assert.ok(b1);
  assert.equal(ks.available("b"), 1);
  assert.equal(ks.available("never-seen"), 2);
  assert.equal(ks.waiting("never-seen"), 0);
  const a3 = ks.acquire("a");
  assert.equal(ks.waiting("a"), 1);
  assert.equal(await state(a3), "pending");
  a1.release();
  (await a3).release();
  a2.release();
  b1.release();
  assert.equal(ks.size, 0);
});

Deno.test("KeyedSemaphore.acquire() serves a key's waiters FIFO", async () => {
  const ks = new KeyedSemaphore<number>(1);
  const held = await ks.acquire(7);
  const order: number[] = [];
  const all = [1, 2, 3].map((i) =>
    ks.acquire(7).then((p) => {
      order.push(i);
      p.release();
    })
  );
  held.release();
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(ks.size, 0);
});

Deno.test("KeyedSemaphore.acquire() forgets idle keys, so memory does not grow with the keys seen", async () => {
  const ks = new KeyedSemaphore(1);
  for (let i = 0; i < 10_000; i++) {
    const p = await ks.acquire(`host${i}`);
    assert.equal(ks.size, 1);
    p.release();
    assert.equal(ks.size, 0);
  }
  for (let i = 0; i < 1000; i++) ks.tryAcquire(`t${i}`)!.release();
  assert.equal(ks.size, 0);
});

Deno.test("KeyedSemaphore.acquire() keeps a key while it has waiters", async () => {
  const ks = new KeyedSemaphore(1);
  const held = await ks.acquire("k");
  const waiting = ks.acquire("k");
  held.release();
  assert.equal(ks.size, 1, "permit handed to the waiter");
  (await waiting).release();
  assert.equal(ks.size, 0);
});

Deno.test("KeyedSemaphore.acquire() takes no permit when aborted", async () => {
  const ks = new KeyedSemaphore(1);
  const held = await ks.acquire("k");
  const ac = new AbortController();
  const aborted = ks.acquire("k", { signal: ac.signal });
  ac.abort(new Error("stop"));
  await assert.rejects(aborted, { message: "stop" });
  assert.equal(ks.waiting("k"), 0);
  held.release();
  assert.equal(ks.size, 0);
  assert.equal(ks.available("k"), 1);
  await assert.rejects(
    ks.acquire("k", { signal: AbortSignal.abort("r") }),
    (e) => e === "r",
  );
  assert.equal(ks.size, 0);
});

Deno.test("KeyedSemaphore.acquire() gives a permit that throws when released twice and is released by using", async () => {
  const ks = new KeyedSemaphore(1);
  const p = await ks.acquire("k");
  p.release();
  assert.throws(() => p.release(), Error);
  assert.equal(ks.available("k"), 1);
  {
    using _q = await ks.acquire("k");
    assert.equal(ks.available("k"), 0);
  }
  assert.equal(ks.available("k"), 1);
  assert.equal(ks.size, 0);
});

Deno.test("KeyedSemaphore.setPermits() raises and lowers a key's limit", async () => {
  const ks = new KeyedSemaphore(1);
  const a = await ks.acquire("k");
  const b = ks.acquire("k");
  const c = ks.acquire("k");
  ks.setPermits("k", 3); // wakes both waiters
  const [pb, pc] = await Promise.all([b, c]);
  assert.equal(ks.available("k"), 0);
  ks.setPermits("k", 1); // three held, limit one
  a.release();
  pb.release();
  assert.equal(ks.available("k"), 0);
  assert.equal(ks.tryAcquire("k"), undefined);
  pc.release();
  assert.equal(ks.available("k"), 1);
  assert.equal(ks.size, 0, "default limit and idle: forgotten");

  ks.setPermits("x", 2);
  assert.equal(ks.size, 1, "a custom limit is remembered");
  assert.equal(ks.available("x"), 2);
  ks.setPermits("x", 1);
  assert.equal(ks.size, 0);
});
