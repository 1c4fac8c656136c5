import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import type { Clock } from "../../src/concurrency/clock.ts";
import { LoopYield } from "../../src/concurrency/loop_yield.ts";

/** A clock moved by hand, synchronously (no timer: `sleep` is not used). */
function handClock(): Clock & { t: number } {
  return {
    t: 0,
    now() {
      return this.t;
    },
    sleep: () => Promise.reject(new Error("not used")),
  };
}

/** A flag that a macrotask (a turn of the event loop) sets. */
function macrotaskFlag(): { readonly ran: boolean } {
  const flag = { ran: false };
  setImmediate(() => flag.ran = true);
  return flag;
}

Deno.test("LoopYield.maybeYield() resolves without a turn of the event loop while the budget lasts", async () => {
  const clock = handClock();
  const turns = new LoopYield({ budgetMs: 10, clock });
  const flag = macrotaskFlag();
  for (let i = 0; i < 1000; i++) await turns.maybeYield();
  clock.t = 9;
  await turns.maybeYield();
  assert.equal(flag.ran, false, "no macrotask ran: the loop kept the turn");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(flag.ran, true);
});

Deno.test("LoopYield.maybeYield() past the budget waits for one turn, shared by every caller, and starts the budget again", async () => {
  const clock = handClock();
  const turns = new LoopYield({ budgetMs: 10, clock });
  clock.t = 10;
  const flag = macrotaskFlag();
  const waits = [turns.maybeYield(), turns.maybeYield(), turns.maybeYield()];
  assert.equal(waits[0], waits[1], "one turn for every caller");
  await waits[0];
  assert.equal(flag.ran, true, "a macrotask ran before the wait ended");
  // The budget starts again at the turn.
  const next = macrotaskFlag();
  for (let i = 0; i < 100; i++) await turns.maybeYield();
  clock.t = 19;
  await turns.maybeYield();
  assert.equal(next.ran, false);
  clock.t = 20;
  await turns.maybeYield();
  assert.equal(next.ran, true);
});

Deno.test("LoopYield.maybeYield() lets a timer fire in a loop whose awaits all resolve at once", async () => {
  const turns = new LoopYield({ budgetMs: 2 });
  let timerRan = false;
  let stepsAfter = 0;
  setTimeout(() => timerRan = true, 0);
  const started = performance.now();
  // 200 ms of steps that need no I/O: without the turns the timer would
  // fire only after the loop.
  while (performance.now() - started < 200) {
    await Promise.resolve();
    if (timerRan) stepsAfter++;
    await turns.maybeYield();
  }
  assert.ok(stepsAfter > 0, "the timer fired while the loop ran");
});

Deno.test("LoopYield.maybeYield() rejects with the signal's reason", async () => {
  const clock = handClock();
  const turns = new LoopYield({ clock });
  const done = new AbortController();
  done.abort(new Error("stop"));
  await assert.rejects(turns.maybeYield({ signal: done.signal }), /stop/);
  // While a turn is awaited, an abort ends the wait at once.
  clock.t = 10;
  const waiting = new AbortController();
  const wait = turns.maybeYield({ signal: waiting.signal });
  waiting.abort(new Error("later"));
  await assert.rejects(wait, /later/);
  await turns.maybeYield(); // the shared turn still ends
});

Deno.test("new LoopYield() rejects a budget that is negative or not finite", () => {
  for (const budgetMs of [-1, NaN, Infinity]) {
    assert.throws(
      () => new LoopYield({ budgetMs }),
      (e) =>
        e instanceof RangeError &&
        e.message ===
          `Cannot create LoopYield as 'budgetMs' must be a finite number >= 0: current value is ${budgetMs}`,
    );
  }
});
