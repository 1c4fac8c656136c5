/**
 * `Watchdogs`: the total and idle limits of many fetch attempts kept by one
 * sleep of the injectable clock.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { Watchdogs } from "../../src/fetch/watchdog.ts";

Deno.test("Watchdogs.watch() keeps a hundred attempts with one sleep and fires each at its own limit", async () => {
  const clock = new FakeClock();
  const dogs = Watchdogs.for(clock);
  const fired: [number, boolean, number][] = [];
  const watches = Array.from(
    { length: 100 },
    (_, i) =>
      dogs.watch(1_000, 300, (idle) => fired.push([i, idle, clock.now()])),
  );
  assert.equal(clock.pending, 1, "one sleep for all");
  await clock.tick(200);
  // Half of them make progress: their idle limit moves to 500.
  for (let i = 0; i < 50; i++) watches[i].touch();
  await clock.tick(100);
  assert.deepEqual(
    fired.map(([i]) => i),
    Array.from({ length: 50 }, (_, i) => 50 + i),
  );
  assert.ok(fired.every(([, idle, at]) => idle && at === 300));
  assert.equal(clock.pending, 1);
  await clock.tick(199);
  assert.equal(fired.length, 50);
  await clock.tick(1);
  assert.equal(fired.length, 100);
  assert.ok(fired.slice(50).every(([, idle, at]) => idle && at === 500));
  assert.equal(dogs.size, 0);
  assert.equal(clock.pending, 0, "no sleep left once all have fired");
});

Deno.test("Watchdogs.watch() fires the total deadline even when bytes keep coming", async () => {
  const clock = new FakeClock();
  const dogs = Watchdogs.for(clock);
  let fired: boolean | undefined;
  const watch = dogs.watch(1_000, 300, (idle) => (fired = idle));
  for (let t = 0; t < 999; t += 111) {
    await clock.tick(111);
    watch.touch();
  }
  assert.equal(fired, undefined);
  await clock.tick(1_000 - clock.now());
  assert.equal(fired, false);
  watch.stop();
});

Deno.test("Watchdogs.watch() sleeps less when a new attempt's limit comes sooner, and not at all once every attempt stopped", async () => {
  const clock = new FakeClock();
  const dogs = Watchdogs.for(clock);
  const fired: string[] = [];
  const slow = dogs.watch(10_000, 10_000, () => fired.push("slow"));
  const fast = dogs.watch(500, 100, () => fired.push("fast"));
  await clock.tick(100);
  assert.deepEqual(fired, ["fast"]);
  fast.stop();
  slow.stop();
  assert.equal(dogs.size, 0);
  assert.equal(clock.pending, 0);
  await clock.tick(20_000);
  assert.deepEqual(fired, ["fast"]);
});
