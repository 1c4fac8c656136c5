import assert from "node:assert/strict";
import fc from "fast-check";
import { BoundedQueue } from "../../src/concurrency/bounded_queue.ts";
import { QueueClosedError } from "../../src/concurrency/queue_closed_error.ts";
import { flush, state } from "./_helpers.ts";

Deno.test("BoundedQueue() rejects a bad maxSize", () => {
  for (const bad of [0, -1, 1.5, NaN, -Infinity]) {
    assert.throws(() => new BoundedQueue(bad), RangeError);
  }
  assert.throws(
    () => new BoundedQueue(0),
    {
      message:
        "Cannot create BoundedQueue as 'maxSize' must be a positive integer or Infinity: current value is 0",
    },
  );
  assert.equal(new BoundedQueue(Infinity).maxSize, Infinity);
});

Deno.test("BoundedQueue.get() gives items out FIFO while size, isEmpty and isFull follow", async () => {
  const q = new BoundedQueue<number>(3);
  assert.equal(q.isEmpty, true);
  assert.equal(q.isFull, false);
  await q.put(1);
  await q.put(2);
  assert.equal(q.tryPut(3), true);
  assert.equal(q.size, 3);
  assert.equal(q.isFull, true);
  assert.equal(q.tryPut(4), false);
  assert.equal(q.size, 3);
  assert.equal(await q.get(), 1);
  assert.equal(q.tryGet(), 2);
  assert.equal(await q.get(), 3);
  assert.equal(q.tryGet(), undefined);
  assert.equal(q.isEmpty, true);
});

Deno.test("BoundedQueue.tryGet() keeps the order when the ring buffer grows and wraps", () => {
  const q = new BoundedQueue<number>(Infinity);
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round * 3; i++) assert.equal(q.tryPut(next++), true);
    for (let i = 0; i < round * 2; i++) assert.equal(q.tryGet(), expected++);
  }
  while (!q.isEmpty) assert.equal(q.tryGet(), expected++);
  assert.equal(expected, next);
});

Deno.test("BoundedQueue.tryPut() and tryGet() agree with an array model", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 200 }),
      (max, ops) => {
        const q = new BoundedQueue<number>(max);
        const model: number[] = [];
        for (const op of ops) {
          if (op === null) {
            assert.equal(q.tryGet(), model.shift());
          } else {
            assert.equal(q.tryPut(op), model.length < max);
            if (model.length < max) model.push(op);
          }
          assert.equal(q.size, model.length);
        }
      },
    ),
  );
});

Deno.test("BoundedQueue.get() waits while empty and serves getters FIFO", async () => {
  const q = new BoundedQueue<string>(1);
  const order: string[] = [];
  const g1 = q.get().then((v) => order.push(`g1:${v}`));
  const g2 = q.get().then((v) => order.push(`g2:${v}`));
  const g3 = q.get().then((v) => order.push(`g3:${v}`));
  assert.equal(await state(g1), "pending");
  await q.put("a");
  await q.put("b");
  await q.put("c");
  await Promise.all([g1, g2, g3]);
  assert.deepEqual(order, ["g1:a", "g2:b", "g3:c"]);
  assert.equal(q.size, 0);
});

Deno.test("BoundedQueue.put() waits while full and serves putters FIFO", async () => {
  const q = new BoundedQueue<number>(1);
  await q.put(0);
  const p1 = q.put(1);
  const p2 = q.put(2);
  assert.equal(await state(p1), "pending");
  assert.equal(q.tryPut(9), false, "tryPut must not overtake waiting putters");
  assert.equal(await q.get(), 0);
  assert.equal(await state(p1), "fulfilled");
  assert.equal(await state(p2), "pending");
  assert.equal(await q.get(), 1);
  assert.equal(await q.get(), 2);
  await p2;
});

Deno.test("BoundedQueue.get() takes nothing when aborted", async () => {
  const q = new BoundedQueue<number>(5);
  const ac = new AbortController();
  const aborted = q.get({ signal: ac.signal });
  const next = q.get();
  ac.abort(new Error("stop"));
  await assert.rejects(aborted, { message: "stop" });
  await q.put(1);
  assert.equal(await next, 1);
  await q.put(2);
  assert.equal(q.size, 1, "the aborted getter took nothing");
});

Deno.test("BoundedQueue.get() keeps an item handed over when aborted later", async () => {
  const q = new BoundedQueue<number>(5);
  const ac = new AbortController();
  const got = q.get({ signal: ac.signal });
  await q.put(42);
  ac.abort(); // after the hand-off, before the getter's continuation runs
  assert.equal(await got, 42);
  assert.equal(q.size, 0);
});

Deno.test("BoundedQueue.put() adds nothing when aborted", async () => {
  const q = new BoundedQueue<number>(1);
  await q.put(1);
  const ac = new AbortController();
  const aborted = q.put(2, { signal: ac.signal });
  const later = q.put(3);
  ac.abort();
  await assert.rejects(aborted, (e) => e instanceof DOMException);
  assert.equal(await q.get(), 1);
  assert.equal(await q.get(), 3);
  await later;
  assert.equal(q.size, 0);
});

Deno.test("BoundedQueue.get() and put() reject at once when the signal is already aborted", async () => {
  const q = new BoundedQueue<number>(1);
  await q.put(1);
  const signal = AbortSignal.abort("why");
  await assert.rejects(q.get({ signal }), (e) => e === "why");
  await assert.rejects(q.put(2, { signal }), (e) => e === "why");
  await assert.rejects(q.join({ signal }), (e) => e === "why");
  assert.equal(q.size, 1);
});

Deno.test("BoundedQueue.close() rejects pending gets; later gets drain, then reject", async () => {
  const q = new BoundedQueue<number>(2);
  const pending = q.get();
  q.close();
  await assert.rejects(pending, QueueClosedError);

  const r = new BoundedQueue<number>(2);
  await r.put(1);
  await r.put(2);
  r.close();
  assert.equal(r.closed, true);
  assert.equal(await r.get(), 1);
  assert.equal(r.tryGet(), 2);
  assert.equal(r.tryGet(), undefined);
  await assert.rejects(r.get(), (e) => {
    assert.ok(e instanceof QueueClosedError);
    assert.equal(e.name, "QueueClosedError");
    return true;
  });
  r.close(); // idempotent
});

Deno.test("BoundedQueue.close() rejects pending and later puts", async () => {
  const q = new BoundedQueue<number>(1);
  await q.put(1);
  const pending = q.put(2);
  q.close();
  await assert.rejects(pending, QueueClosedError);
  await assert.rejects(q.put(3), QueueClosedError);
  assert.throws(() => q.tryPut(3), QueueClosedError);
  assert.equal(q.size, 1);
  assert.equal(await q.get(), 1);
});

Deno.test("BoundedQueue[Symbol.asyncIterator]() drains and ends when closed", async () => {
  const q = new BoundedQueue<number>(2);
  const producer = (async () => {
    for (let i = 0; i < 10; i++) await q.put(i);
    q.close();
  })();
  const seen: number[] = [];
  for await (const n of q) seen.push(n);
  await producer;
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("BoundedQueue[Symbol.asyncIterator]() ends when closed while it waits", async () => {
  const q = new BoundedQueue<number>(2);
  const seen: number[] = [];
  const consumer = (async () => {
    for await (const n of q) seen.push(n);
  })();
  await q.put(1);
  await flush();
  q.close();
  await consumer;
  assert.deepEqual(seen, [1]);
});

Deno.test("BoundedQueue.join() resolves when every item got is taskDone()'d", async () => {
  const q = new BoundedQueue<number>(Infinity);
  await q.join(); // nothing put: resolves at once
  await q.put(1);
  await q.put(2);
  const joined = q.join();
  assert.equal(await state(joined), "pending");
  await q.get();
  q.taskDone();
  assert.equal(await state(joined), "pending");
  await q.get();
  assert.equal(await state(joined), "pending", "got but not done");
  q.taskDone();
  assert.equal(await state(joined), "fulfilled");
});

Deno.test("BoundedQueue.join() counts items handed directly to getters", async () => {
  const q = new BoundedQueue<number>(1);
  const got = q.get();
  await q.put(1);
  await got;
  const joined = q.join();
  assert.equal(await state(joined), "pending");
  q.taskDone();
  await joined;
});

Deno.test("BoundedQueue.join() rejects with signal.reason when aborted", async () => {
  const q = new BoundedQueue<number>(1);
  await q.put(1);
  const ac = new AbortController();
  const joined = q.join({ signal: ac.signal });
  ac.abort(new Error("gave up"));
  await assert.rejects(joined, { message: "gave up" });
});

Deno.test("BoundedQueue.taskDone() throws when called more often than items were got", async () => {
  const q = new BoundedQueue<number>(2);
  assert.throws(() => q.taskDone(), Error);
  await q.put(1);
  assert.throws(() => q.taskDone(), "put but not got yet");
  await q.get();
  q.taskDone();
  assert.throws(() => q.taskDone());
});
