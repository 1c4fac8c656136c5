import assert from "node:assert/strict";
import { TokenBucket } from "../../src/concurrency/token_bucket.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { type Clock, systemClock } from "../../src/concurrency/clock.ts";
import { when } from "./_helpers.ts";

/**
 * A clock like FakeClock whose `run()` fires timers in order, settling
 * promise chains with microtask turns instead of macrotasks, so thousands of
 * timers take milliseconds.
 */
class MicroClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: { at: number; seq: number; resolve: () => void }[] = [];
  now(): number {
    return this.#now;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve,
      };
      this.#timers.push(timer);
      signal?.addEventListener("abort", () => {
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
        reject(signal.reason);
      }, { once: true });
    });
  }
  async run(): Promise<void> {
    await settle();
    while (this.#timers.length > 0) {
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const t = this.#timers.shift()!;
      this.#now = Math.max(this.#now, t.at);
      t.resolve();
      await settle();
    }
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await null;
}

/** Takes `count` tokens (queued at once) and returns their completion times. */
async function times(
  rate: number,
  burst: number,
  count: number,
): Promise<number[]> {
  const clock = new MicroClock();
  const bucket = new TokenBucket({ rate, burst, clock });
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    bucket.take().then(() => at.push(clock.now()));
  }
  await clock.run();
  assert.equal(at.length, count);
  return at;
}

Deno.test("TokenBucket() rejects bad options", () => {
  for (const rate of [0, -1, NaN, Infinity]) {
    assert.throws(() => new TokenBucket({ rate }), {
      name: "RangeError",
      message:
        `Cannot create TokenBucket as 'rate' must be a positive finite number: current value is ${rate}`,
    });
  }
  assert.throws(() => new TokenBucket({ rate: 1, burst: 0 }), RangeError);
  assert.throws(
    () => new TokenBucket({ rate: 1, burst: Infinity }),
    RangeError,
  );
});

Deno.test("TokenBucket.tryTake() empties the bucket, which starts full", () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, burst: 3, clock });
  assert.equal(bucket.tokens, 3);
  assert.equal(bucket.burst, 3);
  assert.equal(bucket.tryTake(2), true);
  assert.equal(bucket.tryTake(), true);
  assert.equal(bucket.tryTake(), false);
  assert.equal(bucket.tokens, 0);
});

Deno.test("TokenBucket.take() allocates no timer when it need not wait", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, burst: 2, clock });
  const a = bucket.take();
  const b = bucket.take();
  assert.equal(a, b); // the shared resolved promise
  await a;
  assert.equal(clock.pending, 0);
  assert.equal(bucket.waiting, 0);
});

Deno.test("TokenBucket.take() waits exactly the deficit with one sleep", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 10, clock });
  await bucket.take();
  const w = when(clock, bucket.take());
  await clock.tick(0);
  assert.equal(clock.pending, 1);
  await clock.tick(99);
  assert.equal(w.at, undefined);
  assert.equal(clock.pending, 1);
  await clock.tick(1);
  assert.equal(w.at, 100);
  assert.equal(clock.pending, 0);
});

Deno.test("TokenBucket.tokens refills continuously up to burst", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 10, burst: 2, clock });
  bucket.tryTake(2);
  await clock.tick(50);
  assert.equal(bucket.tokens, 0.5);
  await clock.tick(1_000);
  assert.equal(bucket.tokens, 2);
});

Deno.test("TokenBucket.take() achieves its rate within 0.1% over 1000 takes", async () => {
  for (const rate of [7, 0.3, 1000 / 3]) {
    const at = await times(rate, 1, 1_000);
    assert.equal(at[0], 0);
    const achieved = (999 / (at[999] - at[0])) * 1000;
    assert.ok(
      Math.abs(achieved - rate) / rate < 0.001,
      `${achieved} vs ${rate}`,
    );
    assert.ok(Math.abs(at[999] - (999 / rate) * 1000) < 1e-6 * at[999]);
  }
});

Deno.test("TokenBucket.take() achieves its rate after the initial burst", async () => {
  const at = await times(20, 10, 1_000);
  for (let i = 0; i < 10; i++) assert.equal(at[i], 0);
  assert.ok(at[10] > 0);
  const achieved = (989 / (at[999] - at[10])) * 1000;
  assert.ok(Math.abs(achieved - 20) / 20 < 0.001, `${achieved}`);
  assert.ok(Math.abs(at[999] - (990 / 20) * 1000) < 1e-6);
});

Deno.test("TokenBucket.take() serves waiters FIFO: a small take never overtakes", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, burst: 5, clock });
  await bucket.take(5);
  const big = when(clock, bucket.take(3));
  const small = when(clock, bucket.take(1));
  await clock.tick(1_000);
  assert.equal(bucket.tokens, 1);
  assert.equal(small.at, undefined); // a token is there, but big is first
  assert.equal(bucket.tryTake(), false); // tryTake does not jump the queue
  await clock.tick(2_000);
  assert.equal(big.at, 3_000);
  assert.equal(small.at, undefined);
  await clock.tick(1_000);
  assert.equal(small.at, 4_000);
});

Deno.test("TokenBucket.take() rejects n outside (0, burst]", () => {
  const bucket = new TokenBucket({ rate: 1, burst: 2 });
  assert.throws(() => bucket.take(3), {
    name: "RangeError",
    message:
      "Cannot take as 'n' must not exceed the burst of 2: current value is 3",
  });
  assert.throws(() => bucket.tryTake(3), RangeError);
  for (const n of [0, -1, NaN]) {
    assert.throws(() => bucket.take(n), RangeError);
    assert.throws(() => bucket.tryTake(n), RangeError);
  }
});

Deno.test("TokenBucket.take() takes nothing when aborted", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, clock });
  await bucket.take();
  const ac = new AbortController();
  const aborted = bucket.take(1, { signal: ac.signal });
  const rejected = assert.rejects(aborted, (e) => e === ac.signal.reason);
  const next = when(clock, bucket.take());
  await clock.tick(500);
  ac.abort();
  await rejected;
  assert.equal(bucket.waiting, 1);
  await clock.tick(500);
  assert.equal(next.at, 1_000); // the aborted waiter took nothing
  assert.equal(clock.pending, 0);
});

Deno.test("TokenBucket.take() clears the timer when the only waiter aborts", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, clock });
  bucket.tryTake();
  const ac = new AbortController();
  const p = bucket.take(1, { signal: ac.signal });
  await clock.tick(0);
  assert.equal(clock.pending, 1);
  ac.abort(new Error("stop"));
  await assert.rejects(p, { message: "stop" });
  await clock.tick(0);
  assert.equal(clock.pending, 0);
  assert.equal(bucket.waiting, 0);
  await clock.tick(1_000);
  assert.equal(bucket.tokens, 1);
});

Deno.test("TokenBucket.take() keeps the order when a middle waiter aborts", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, clock });
  bucket.tryTake();
  const ac = new AbortController();
  const first = when(clock, bucket.take());
  const middle = bucket.take(1, { signal: ac.signal });
  const rejected = assert.rejects(middle, (e) => e === ac.signal.reason);
  const last = when(clock, bucket.take());
  ac.abort();
  await rejected;
  await clock.tick(2_000);
  assert.equal(first.at, 1_000);
  assert.equal(last.at, 2_000);
});

Deno.test("TokenBucket.take() lets the next waiter go when a large head aborts", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, burst: 5, clock });
  bucket.tryTake(5);
  const ac = new AbortController();
  const big = bucket.take(5, { signal: ac.signal });
  const rejected = assert.rejects(big);
  const small = when(clock, bucket.take(1));
  await clock.tick(1_500);
  assert.equal(small.at, undefined);
  ac.abort();
  await rejected;
  await clock.tick(0);
  assert.equal(small.at, 1_500);
});

Deno.test("TokenBucket.take() rejects at once when the signal is already aborted", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, clock });
  const reason = new Error("gone");
  await assert.rejects(
    bucket.take(1, { signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
  assert.equal(bucket.tokens, 1);
});

Deno.test("TokenBucket.setRate() reschedules waiters", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 1, clock });
  bucket.tryTake();
  const w = when(clock, bucket.take());
  await clock.tick(500);
  bucket.setRate(2); // 0.5 token banked, 0.5 more at 2/s = 250 ms
  assert.equal(bucket.rate, 2);
  await clock.tick(0);
  assert.equal(clock.pending, 1); // the old sleep was cancelled
  await clock.tick(249);
  assert.equal(w.at, undefined);
  await clock.tick(1);
  assert.equal(w.at, 750);
  assert.throws(() => bucket.setRate(0), RangeError);
});

Deno.test("TokenBucket.setRate() delays waiters when slower", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 10, clock });
  bucket.tryTake();
  const w = when(clock, bucket.take());
  bucket.setRate(0.5);
  await clock.tick(100);
  assert.equal(w.at, undefined);
  await clock.tick(1_900);
  assert.equal(w.at, 2_000);
});

Deno.test("TokenBucket.pauseUntil() hands out nothing before the time", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 10, burst: 2, clock });
  bucket.pauseUntil(1_000);
  assert.equal(bucket.pausedUntil, 1_000);
  assert.equal(bucket.tryTake(), false);
  assert.equal(bucket.tokens, 2);
  const a = when(clock, bucket.take());
  const b = when(clock, bucket.take());
  const c = when(clock, bucket.take());
  await clock.tick(999);
  assert.equal(a.at, undefined);
  await clock.tick(1);
  assert.equal(a.at, 1_000);
  assert.equal(b.at, 1_000); // the burst accumulated during the pause
  await clock.tick(100);
  assert.equal(c.at, 1_100);
});

Deno.test("TokenBucket.pauseUntil() reschedules a waiting take and never shortens a pause", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ rate: 10, clock });
  bucket.tryTake();
  const w = when(clock, bucket.take());
  await clock.tick(50);
  bucket.pauseUntil(2_000);
  bucket.pauseUntil(500); // ignored
  assert.equal(bucket.pausedUntil, 2_000);
  await clock.tick(1_949);
  assert.equal(w.at, undefined);
  await clock.tick(1);
  assert.equal(w.at, 2_000);
  assert.throws(() => bucket.pauseUntil(NaN), TypeError);
});

Deno.test("TokenBucket.take() works on the system clock", async () => {
  const bucket = new TokenBucket({ rate: 1_000, clock: systemClock });
  const start = performance.now();
  for (let i = 0; i < 5; i++) await bucket.take();
  assert.ok(performance.now() - start >= 3);
});

Deno.test("TokenBucket.take() stays exact far from the clock's origin", async () => {
  const clock = new FakeClock(1e12);
  const bucket = new TokenBucket({ rate: 3, clock });
  bucket.tryTake();
  const w = when(clock, bucket.take());
  await clock.tick(1_000 / 3);
  assert.equal(w.at, 1e12 + 1_000 / 3);
  assert.equal(clock.pending, 0);
});
