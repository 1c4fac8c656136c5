import assert from "node:assert/strict";
import { KeyedTokenBucket } from "../../src/concurrency/keyed_token_bucket.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { when } from "./_helpers.ts";

Deno.test("KeyedTokenBucket() rejects bad options", () => {
  assert.throws(() => new KeyedTokenBucket({ rate: 0 }), RangeError);
  assert.throws(() => new KeyedTokenBucket({ rate: 1, burst: -1 }), RangeError);
  const hosts = new KeyedTokenBucket({ rate: 1 });
  assert.throws(() => hosts.setRate("a", NaN), {
    name: "RangeError",
    message:
      "Cannot set rate as 'rate' must be a positive finite number: current value is NaN",
  });
  assert.throws(() => hosts.tryTake("a", 2), RangeError);
});

Deno.test("KeyedTokenBucket.take() keeps the keys independent", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 2, clock });
  assert.equal(hosts.tryTake("a"), true);
  assert.equal(hosts.tryTake("a"), false);
  assert.equal(hosts.tryTake("b"), true);
  const a = when(clock, hosts.take("a"));
  const b = when(clock, hosts.take("b"));
  await clock.tick(500);
  assert.equal(a.at, 500);
  assert.equal(b.at, 500);
});

Deno.test("KeyedTokenBucket.take() is FIFO per key and honours burst", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 1, burst: 3, clock });
  await hosts.take("a", 3);
  const big = when(clock, hosts.take("a", 2));
  const small = when(clock, hosts.take("a", 1));
  await clock.tick(1_000);
  assert.equal(small.at, undefined);
  await clock.tick(1_000);
  assert.equal(big.at, 2_000);
  await clock.tick(1_000);
  assert.equal(small.at, 3_000);
});

Deno.test("KeyedTokenBucket.setRate() applies per key at run time", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 10, clock });
  hosts.tryTake("slow");
  const w = when(clock, hosts.take("slow"));
  hosts.setRate("slow", 1 / 5); // Crawl-delay: 5
  assert.equal(hosts.rateOf("slow"), 0.2);
  assert.equal(hosts.rateOf("other"), 10);
  assert.equal(hosts.rate, 10);
  await clock.tick(4_999);
  assert.equal(w.at, undefined);
  await clock.tick(1);
  assert.equal(w.at, 5_000);
});

Deno.test("KeyedTokenBucket.setRate() keeps its override when the key is forgotten", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 10, clock });
  hosts.setRate("slow", 1);
  assert.equal(hosts.tryTake("slow"), true);
  await clock.tick(1_000);
  assert.equal(hosts.size, 0); // full, idle: forgotten
  assert.equal(hosts.rateOf("slow"), 1);
  assert.equal(hosts.tryTake("slow"), true);
  await clock.tick(999);
  assert.equal(hosts.tryTake("slow"), false); // still 1/s, not the default
  await clock.tick(1);
  assert.equal(hosts.tryTake("slow"), true);
  hosts.setRate("slow", 10); // back to the default: the override goes
  assert.equal(hosts.rateOf("slow"), 10);
});

Deno.test("KeyedTokenBucket.take() forgets full idle buckets only", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 1, burst: 2, clock });
  hosts.tryTake("full-again");
  hosts.tryTake("empty", 2);
  hosts.pauseUntil("paused", 5_000);
  const waiting = when(
    clock,
    hosts.take("waiting", 2).then(() => hosts.take("waiting", 2)),
  );
  assert.equal(hosts.size, 4);
  await clock.tick(1_000);
  // "full-again" is full: forgotten; "empty" has 1 of 2; "paused" is paused;
  // "waiting" has a waiter.
  assert.equal(hosts.size, 3);
  await clock.tick(1_000);
  assert.equal(waiting.at, 2_000);
  // "empty" refilled: forgotten; "waiting" was just drained; "paused" is paused.
  assert.equal(hosts.size, 2);
  await clock.tick(2_000);
  assert.equal(hosts.size, 1); // only "paused" remains
  assert.equal(hosts.tryTake("paused"), false);
  await clock.tick(1_000);
  assert.equal(hosts.size, 0);
  assert.equal(hosts.tryTake("paused"), true);
});

Deno.test("KeyedTokenBucket.take() does not grow memory with the keys seen", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 100, clock });
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 1_000; i++) hosts.tryTake(`host-${round}-${i}`);
    await clock.tick(10); // every bucket refills
  }
  // The amortised sweep keeps at most about one round's keys.
  assert.ok(hosts.size <= 1_000);
  for (let i = 0; i < 200; i++) hosts.tryTake(`late-${i}`);
  // An internal sweep ran during those takes (without reading size).
  assert.ok(hosts.size <= 200);
});

Deno.test("KeyedTokenBucket.take() never resets a drained bucket by forgetting it", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 1, clock });
  // Many keys force sweeps; the drained key must stay drained.
  assert.equal(hosts.tryTake("x"), true);
  for (let i = 0; i < 500; i++) {
    hosts.tryTake(`k${i}`);
    assert.equal(hosts.tryTake("x"), false);
  }
  await clock.tick(1_000);
  assert.equal(hosts.tryTake("x"), true);
});

Deno.test("KeyedTokenBucket.pauseUntil() pauses one key", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 10, clock });
  hosts.pauseUntil("a", 3_000);
  const a = when(clock, hosts.take("a"));
  const b = when(clock, hosts.take("b"));
  await clock.tick(0);
  assert.equal(b.at, 0);
  await clock.tick(3_000);
  assert.equal(a.at, 3_000);
});

Deno.test("KeyedTokenBucket.take() removes the waiter when aborted", async () => {
  const clock = new FakeClock();
  const hosts = new KeyedTokenBucket({ rate: 1, clock });
  hosts.tryTake("a");
  const ac = new AbortController();
  const p = hosts.take("a", 1, { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, (e) => e === ac.signal.reason);
  await clock.tick(0);
  assert.equal(clock.pending, 0);
  await clock.tick(1_000);
  assert.equal(hosts.size, 0);
});
