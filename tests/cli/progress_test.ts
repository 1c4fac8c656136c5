import assert from "node:assert/strict";
import { Progress } from "../../src/cli/progress.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

Deno.test("Progress.start() redraws at most every intervalMs until stop() clears the line", async () => {
  const clock = new FakeClock();
  const writes: string[] = [];
  const stats = { done: 0, queued: 4, inFlight: 1, errors: 0 };
  const progress = new Progress({
    write: (t) => writes.push(t),
    stats: () => stats,
    clock,
    columns: () => 120,
  });
  progress.start();
  progress.start(); // idempotent
  assert.equal(writes.length, 1);
  assert.equal(
    writes[0],
    "\r\x1b[2Ktrawl: 0 done · 4 queued · 1 in flight · 0.0 pages/s · 4xx 0 · 5xx 0 · 0 errors · 0:00",
  );
  await clock.tick(99);
  assert.equal(writes.length, 1);
  stats.done = 20;
  stats.errors = 1;
  await clock.tick(1);
  assert.equal(writes.length, 2);
  assert.equal(
    writes[1],
    "\r\x1b[2Ktrawl: 20 done · 4 queued · 1 in flight · 200.0 pages/s · 4xx 0 · 5xx 0 · 1 error · 0:00",
  );
  await clock.tick(900);
  assert.equal(writes.length, 11); // 10 redraws a second
  await progress.stop();
  assert.equal(writes.at(-1), "\r\x1b[2K");
  assert.equal(clock.pending, 0);
  const count = writes.length;
  await clock.tick(1000);
  assert.equal(writes.length, count);
});

Deno.test("Progress.log() prints above the line and colors only when asked", async () => {
  const clock = new FakeClock();
  let screen = "";
  const stats = { done: 1, queued: 0, inFlight: 0, errors: 2 };
  await using progress = new Progress({
    write: (t) => (screen += t),
    stats: () => stats,
    clock,
    color: true,
    columns: () => 200,
  });
  progress.log("before start");
  assert.equal(screen, "before start\n");
  progress.start();
  screen = "";
  progress.log("hello");
  assert.ok(screen.startsWith("\r\x1b[2Khello\n\r\x1b[2K"));
  assert.ok(screen.includes("\x1b[31m2 errors\x1b[39m"));
  progress.clear();
  progress.clear();
  assert.ok(
    screen.endsWith("\r\x1b[2K") && !screen.endsWith("\r\x1b[2K\r\x1b[2K"),
  );
});

Deno.test("Progress.line() cuts the line to the terminal width", () => {
  const progress = new Progress({
    write: () => {},
    stats: () => ({ done: 1, queued: 2, inFlight: 3, errors: 4 }),
    columns: () => 21,
    color: true,
  });
  const line = progress.line();
  assert.equal([...line].length, 20);
  assert.ok(line.endsWith("…"));
  assert.ok(!line.includes("\x1b"));
});

Deno.test("new Progress() rejects an intervalMs of 0", () => {
  assert.throws(
    () =>
      new Progress({
        write: () => {},
        stats: () => ({ done: 0, queued: 0, inFlight: 0, errors: 0 }),
        intervalMs: 0,
      }),
    new RangeError(
      "Cannot create Progress as 'intervalMs' must be greater than 0: current value is 0",
    ),
  );
});

Deno.test("Progress.line() counts 4xx and 5xx pages and shows the elapsed time", async () => {
  const clock = new FakeClock();
  const stats = {
    done: 30,
    queued: 0,
    inFlight: 0,
    errors: 0,
    byStatusClass: { "2xx": 25, "4xx": 4, "5xx": 1 },
  };
  await using progress = new Progress({
    write: () => {},
    stats: () => stats,
    clock,
    columns: () => 200,
  });
  progress.start();
  await progress.stop(); // no redraws while the clock jumps
  await clock.tick(3_725_000);
  assert.equal(
    progress.line(),
    "trawl: 30 done · 0 queued · 0 in flight · 0.0 pages/s · 4xx 4 · 5xx 1 · 0 errors · 1:02:05",
  );
});
