import assert from "node:assert/strict";
import { wait } from "../../src/concurrency/wait.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

/** A promise settled by hand. */
function deferred<T>() {
  return Promise.withResolvers<T>();
}

Deno.test("wait() defaults to ALL_COMPLETED, including rejections", async () => {
  const a = deferred<number>();
  const b = deferred<number>();
  let returned = false;
  const run = wait([a.promise, b.promise]).then((r) => {
    returned = true;
    return r;
  });
  a.reject(new Error("a failed"));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(returned, false);
  b.resolve(2);
  const { done, pending } = await run;
  assert.deepEqual(done, new Set([a.promise, b.promise]));
  assert.equal(pending.size, 0);
  await assert.rejects(a.promise, { message: "a failed" });
});

Deno.test("wait({ returnWhen: FIRST_COMPLETED }) returns when one settles", async () => {
  const clock = new FakeClock();
  const fast = clock.sleep(10).then(() => "fast");
  const slow = clock.sleep(20).then(() => "slow");
  const run = wait([slow, fast], { returnWhen: "FIRST_COMPLETED" });
  await clock.tick(10);
  const { done, pending } = await run;
  assert.deepEqual(done, new Set([fast]));
  assert.deepEqual(pending, new Set([slow]));
  await clock.tick(10);
  assert.equal(await slow, "slow");
});

Deno.test("wait({ returnWhen: FIRST_COMPLETED }) counts a rejection as completion", async () => {
  const bad = Promise.reject(new Error("bad"));
  const never = new Promise<never>(() => {});
  const { done, pending } = await wait([never, bad], {
    returnWhen: "FIRST_COMPLETED",
  });
  assert.deepEqual(done, new Set([bad]));
  assert.deepEqual(pending, new Set([never]));
});

Deno.test("wait({ returnWhen: FIRST_EXCEPTION }) returns at the first rejection", async () => {
  const clock = new FakeClock();
  const ok = clock.sleep(5).then(() => 1);
  const bad = clock.sleep(10).then(() => {
    throw new Error("bad");
  });
  const slow = clock.sleep(100).then(() => 3);
  let returned = false;
  const run = wait([ok, bad, slow], { returnWhen: "FIRST_EXCEPTION" }).then(
    (r) => {
      returned = true;
      return r;
    },
  );
  await clock.tick(5);
  assert.equal(returned, false, "a fulfilment does not end FIRST_EXCEPTION");
  await clock.tick(5);
  const { done, pending } = await run;
  assert.deepEqual(done, new Set([ok, bad]));
  assert.deepEqual(pending, new Set([slow]));
  await clock.tick(90);
  await slow;
});

Deno.test("wait({ returnWhen: FIRST_EXCEPTION }) waits for all when none rejects", async () => {
  const clock = new FakeClock();
  const a = clock.sleep(5).then(() => 1);
  const b = clock.sleep(10).then(() => 2);
  const run = wait([a, b], { returnWhen: "FIRST_EXCEPTION" });
  await clock.tick(10);
  const { done, pending } = await run;
  assert.deepEqual(done, new Set([a, b]));
  assert.equal(pending.size, 0);
});

Deno.test("wait() timeout resolves (never throws) with what was done and clears the timer", async () => {
  const clock = new FakeClock();
  const quick = clock.sleep(10).then(() => "quick");
  const controller = new AbortController();
  const slow = clock.sleep(1000, controller.signal).catch(() => "aborted");
  let returned = false;
  const run = wait([quick, slow], { timeout: 50, clock }).then((r) => {
    returned = true;
    return r;
  });
  await clock.tick(49);
  assert.equal(returned, false);
  await clock.tick(1);
  const { done, pending } = await run;
  assert.deepEqual(done, new Set([quick]));
  assert.deepEqual(pending, new Set([slow]));
  controller.abort();
  await slow;
  assert.equal(clock.pending, 0);
});

Deno.test("wait() clears its timer when it returns before the timeout", async () => {
  const clock = new FakeClock();
  const { done } = await wait([Promise.resolve(1)], { timeout: 1000, clock });
  assert.equal(done.size, 1);
  assert.equal(clock.pending, 0);
});

Deno.test("wait() with the system clock clears its real timer", async () => {
  // The test sanitizer fails this test if a timer is left behind.
  const { done } = await wait([Promise.resolve(1)], { timeout: 60_000 });
  assert.equal(done.size, 1);
});

Deno.test("wait() with no promises resolves at once with empty sets", async () => {
  const { done, pending } = await wait([], {
    returnWhen: "FIRST_COMPLETED",
  });
  assert.equal(done.size, 0);
  assert.equal(pending.size, 0);
});

Deno.test("wait() rejects with the signal's reason when aborted and clears its timer", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const never = new Promise<void>(() => {});
  const run = wait([never], { signal: controller.signal, timeout: 100, clock });
  const reason = new Error("gave up");
  controller.abort(reason);
  await assert.rejects(run, (e) => e === reason);
  assert.equal(clock.pending, 0);
  await assert.rejects(
    wait([never], { signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
});

Deno.test("wait() rejects bad options", async () => {
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    wait([], { returnWhen: "SOMETIMES" as any }),
    {
      name: "TypeError",
      message:
        "Cannot wait as 'returnWhen' must be one of FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED: current value is SOMETIMES",
    },
  );
  await assert.rejects(wait([], { timeout: -5 }), {
    name: "RangeError",
    message:
      "Cannot wait as 'timeout' must be a non-negative number: current value is -5",
  });
});
