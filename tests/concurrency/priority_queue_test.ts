import assert from "node:assert/strict";
import fc from "fast-check";
import { PriorityQueue } from "../../src/concurrency/priority_queue.ts";
import { QueueClosedError } from "../../src/concurrency/queue_closed_error.ts";
import { state } from "./_helpers.ts";

const byNumber = (a: number, b: number) => a - b;
interface Job {
  pri: number;
  id: number;
}
const byPri = (a: Job, b: Job) => a.pri - b.pri;

Deno.test("PriorityQueue() rejects bad arguments", () => {
  assert.throws(() => new PriorityQueue(0, byNumber), RangeError);
  assert.throws(() => new PriorityQueue(2.5, byNumber), RangeError);
  assert.throws(
    // @ts-expect-error: compare is required
    () => new PriorityQueue(1),
    TypeError,
  );
});

Deno.test("PriorityQueue.get() gives out the smallest first", async () => {
  const q = new PriorityQueue<number>(Infinity, byNumber);
  for (const n of [5, 3, 9, 1, 7, 3, 0]) await q.put(n);
  const out: number[] = [];
  while (!q.isEmpty) out.push(await q.get());
  assert.deepEqual(out, [0, 1, 3, 3, 5, 7, 9]);
});

Deno.test("PriorityQueue.tryGet() is stable: FIFO among equal keys", () => {
  const q = new PriorityQueue<Job>(Infinity, byPri);
  const pris = [2, 1, 2, 1, 0, 2, 1, 0, 2];
  pris.forEach((pri, id) => q.tryPut({ pri, id }));
  const out: Job[] = [];
  for (let j = q.tryGet(); j; j = q.tryGet()) out.push(j);
  assert.deepEqual(out.map((j) => j.id), [4, 7, 1, 3, 6, 0, 2, 5, 8]);
});

Deno.test("PriorityQueue.tryPut() and tryGet() agree with a stable sort", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(null)),
        { maxLength: 300 },
      ),
      (ops) => {
        const q = new PriorityQueue<Job>(Infinity, byPri);
        let model: Job[] = [];
        let id = 0;
        for (const op of ops) {
          if (op === null) {
            // Array.prototype.sort is stable: the model's first is the answer.
            model = model.toSorted(byPri);
            assert.deepEqual(q.tryGet(), model.shift());
          } else {
            const job = { pri: op, id: id++ };
            assert.equal(q.tryPut(job), true);
            model.push(job);
          }
          assert.equal(q.size, model.length);
        }
      },
    ),
  );
});

Deno.test("PriorityQueue.put() waits while full and serves putters FIFO", async () => {
  const q = new PriorityQueue<number>(2, byNumber);
  await q.put(5);
  await q.put(4);
  assert.equal(q.isFull, true);
  const p1 = q.put(9);
  const p2 = q.put(0);
  assert.equal(await state(p1), "pending");
  assert.equal(q.tryPut(1), false);
  assert.equal(await q.get(), 4);
  assert.equal(await state(p1), "fulfilled");
  assert.equal(await state(p2), "pending");
  assert.equal(await q.get(), 5);
  await p2;
  assert.equal(await q.get(), 0);
  assert.equal(await q.get(), 9);
});

Deno.test("PriorityQueue.get() serves waiting getters FIFO", async () => {
  const q = new PriorityQueue<number>(4, byNumber);
  const order: string[] = [];
  const g1 = q.get().then((v) => order.push(`g1:${v}`));
  const g2 = q.get().then((v) => order.push(`g2:${v}`));
  await q.put(8);
  await q.put(3);
  await Promise.all([g1, g2]);
  assert.deepEqual(order, ["g1:8", "g2:3"]);
});

Deno.test("PriorityQueue.get() takes nothing when aborted and keeps an item handed over before", async () => {
  const q = new PriorityQueue<number>(4, byNumber);
  const ac = new AbortController();
  const aborted = q.get({ signal: ac.signal });
  ac.abort(new Error("x"));
  await assert.rejects(aborted, { message: "x" });
  await q.put(1);
  assert.equal(q.size, 1);

  const ac2 = new AbortController();
  assert.equal(await q.get({ signal: ac2.signal }), 1);
  const got = q.get({ signal: ac2.signal });
  await q.put(2);
  ac2.abort();
  assert.equal(await got, 2);
});

Deno.test("PriorityQueue.close() lets gets drain in priority order, then reject, and rejects puts", async () => {
  const q = new PriorityQueue<number>(2, byNumber);
  await q.put(2);
  await q.put(1);
  const pendingPut = q.put(0);
  q.close();
  await assert.rejects(pendingPut, QueueClosedError);
  await assert.rejects(q.put(0), QueueClosedError);
  assert.throws(() => q.tryPut(0), QueueClosedError);
  const seen: number[] = [];
  for await (const n of q) seen.push(n);
  assert.deepEqual(seen, [1, 2]);
  await assert.rejects(q.get(), QueueClosedError);

  const empty = new PriorityQueue<number>(2, byNumber);
  const waiting = empty.get();
  empty.close();
  await assert.rejects(waiting, QueueClosedError);
});

Deno.test("PriorityQueue.join() resolves once taskDone() was called for every item", async () => {
  const q = new PriorityQueue<number>(Infinity, byNumber);
  assert.throws(() => q.taskDone());
  await q.put(1);
  const joined = q.join();
  assert.equal(await q.get(), 1);
  assert.equal(await state(joined), "pending");
  q.taskDone();
  await joined;
  assert.throws(() => q.taskDone());
});
