import assert from "node:assert/strict";
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from "../../src/concurrency/circuit_breaker.ts";
import { CircuitOpenError } from "../../src/concurrency/circuit_open_error.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

const ok = () => Promise.resolve("ok");
const boom = () => Promise.reject(new Error("boom"));

function make(
  clock: FakeClock,
  extra: Partial<CircuitBreakerOptions> = {},
): { breaker: CircuitBreaker; changes: string[] } {
  const changes: string[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    windowMs: 1_000,
    cooldownMs: 5_000,
    clock,
    onStateChange: (to: CircuitState, from: CircuitState) =>
      changes.push(`${from}->${to}@${clock.now()}`),
    ...extra,
  });
  return { breaker, changes };
}

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await assert.rejects(breaker.run(boom), { message: "boom" });
  }
}

Deno.test("CircuitBreaker() rejects bad options", () => {
  const base = { failureThreshold: 1, windowMs: 1, cooldownMs: 0 };
  assert.throws(
    () => new CircuitBreaker({ ...base, failureThreshold: 0 }),
    {
      name: "RangeError",
      message:
        "Cannot create CircuitBreaker as 'failureThreshold' must be a positive integer: current value is 0",
    },
  );
  assert.throws(
    () => new CircuitBreaker({ ...base, failureThreshold: 1.5 }),
    RangeError,
  );
  assert.throws(() => new CircuitBreaker({ ...base, windowMs: 0 }), RangeError);
  assert.throws(
    () => new CircuitBreaker({ ...base, cooldownMs: -1 }),
    RangeError,
  );
  assert.throws(
    () => new CircuitBreaker({ ...base, cooldownMs: Infinity }),
    RangeError,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new CircuitBreaker({ ...base, isFailure: 1 as any }),
    TypeError,
  );
});

Deno.test("CircuitBreaker.run() passes results and errors through while closed", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock);
  assert.equal(breaker.state, "closed");
  assert.equal(await breaker.run(ok), "ok");
  await failTimes(breaker, 2);
  assert.equal(breaker.state, "closed");
  assert.equal(breaker.failures, 2);
  assert.equal(breaker.retryAt, 0);
});

Deno.test("CircuitBreaker.run() rejects without calling when the threshold opened it", async () => {
  const clock = new FakeClock();
  const { breaker, changes } = make(clock);
  await clock.tick(100);
  await failTimes(breaker, 3);
  assert.equal(breaker.state, "open");
  assert.deepEqual(changes, ["closed->open@100"]);
  let called = false;
  const err = await breaker.run(() => {
    called = true;
    return ok();
  }).catch((e) => e);
  assert.equal(called, false);
  assert.ok(err instanceof CircuitOpenError);
  assert.equal(err.name, "CircuitOpenError");
  assert.equal(err.retryAt, 5_100);
  assert.equal(breaker.retryAt, 5_100);
  assert.equal((err.cause as Error).message, "boom");
  assert.equal(err.key, undefined);
});

Deno.test("CircuitBreaker.run() forgets failures older than the window", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock);
  await failTimes(breaker, 2); // at 0
  await clock.tick(999);
  assert.equal(breaker.failures, 2);
  await clock.tick(1); // they leave the window at 1000
  assert.equal(breaker.failures, 0);
  await failTimes(breaker, 2); // at 1000
  assert.equal(breaker.state, "closed");
  await clock.tick(600);
  await failTimes(breaker, 1); // 1000, 1000, 1600
  assert.equal(breaker.state, "open");
});

Deno.test("CircuitBreaker.run() goes closed, open, half-open, closed", async () => {
  const clock = new FakeClock();
  const { breaker, changes } = make(clock);
  await failTimes(breaker, 3);
  await clock.tick(4_999);
  assert.equal(breaker.state, "open");
  await assert.rejects(breaker.run(ok), CircuitOpenError);
  await clock.tick(1);
  assert.equal(breaker.state, "half-open");
  assert.equal(breaker.retryAt, 5_000);
  assert.equal(await breaker.run(ok), "ok");
  assert.equal(breaker.state, "closed");
  assert.equal(breaker.failures, 0);
  assert.deepEqual(changes, [
    "closed->open@0",
    "open->half-open@5000",
    "half-open->closed@5000",
  ]);
  // Past failures were forgotten: it takes a full threshold to reopen.
  await failTimes(breaker, 2);
  assert.equal(breaker.state, "closed");
});

Deno.test("CircuitBreaker.run() reopens with a new cooldown when the half-open trial fails", async () => {
  const clock = new FakeClock();
  const { breaker, changes } = make(clock);
  await failTimes(breaker, 3);
  await clock.tick(6_000);
  await failTimes(breaker, 1); // the trial
  assert.equal(breaker.state, "open");
  assert.equal(breaker.retryAt, 11_000);
  const err = await breaker.run(ok).catch((e) => e);
  assert.ok(err instanceof CircuitOpenError);
  assert.equal(err.retryAt, 11_000);
  assert.deepEqual(changes, [
    "closed->open@0",
    "open->half-open@6000",
    "half-open->open@6000",
  ]);
});

Deno.test("CircuitBreaker.run() lets exactly one trial through while half-open", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock);
  await failTimes(breaker, 3);
  await clock.tick(5_000);
  let release!: (v: string) => void;
  let calls = 0;
  const trial = breaker.run(() => {
    calls++;
    return new Promise<string>((r) => (release = r));
  });
  const rejected = await Promise.allSettled([
    breaker.run(() => (calls++, ok())),
    breaker.run(() => (calls++, ok())),
  ]);
  assert.equal(calls, 1);
  for (const r of rejected) {
    assert.equal(r.status, "rejected");
    assert.ok(r.reason instanceof CircuitOpenError);
    assert.equal(r.reason.retryAt, 10_000); // now + cooldown while in flight
  }
  assert.equal(breaker.state, "half-open");
  assert.equal(breaker.retryAt, 10_000);
  release("done");
  assert.equal(await trial, "done");
  assert.equal(breaker.state, "closed");
});

Deno.test("CircuitBreaker.run() counts only the errors isFailure accepts", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock, {
    isFailure: (e) => (e as Error).message !== "404",
  });
  for (let i = 0; i < 5; i++) {
    await assert.rejects(
      breaker.run(() => Promise.reject(new Error("404"))),
      { message: "404" },
    );
  }
  assert.equal(breaker.state, "closed");
  assert.equal(breaker.failures, 0);
  await failTimes(breaker, 3);
  assert.equal(breaker.state, "open");
  // A non-failure error during the trial counts as success.
  await clock.tick(5_000);
  await assert.rejects(breaker.run(() => Promise.reject(new Error("404"))));
  assert.equal(breaker.state, "closed");
});

Deno.test("CircuitBreaker.run() counts a synchronous throw as a failure", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock, { failureThreshold: 1 });
  await assert.rejects(
    breaker.run(() => {
      throw new Error("sync");
    }),
    { message: "sync" },
  );
  assert.equal(breaker.state, "open");
});

Deno.test("CircuitBreaker.recordSuccess() and recordFailure() drive it by hand", async () => {
  const clock = new FakeClock();
  const { breaker, changes } = make(clock, { failureThreshold: 2 });
  breaker.recordSuccess(); // closed: nothing
  breaker.recordFailure();
  assert.equal(breaker.state, "closed");
  breaker.recordFailure(new Error("reset"));
  assert.equal(breaker.state, "open");
  breaker.recordSuccess(); // open: ignored
  breaker.recordFailure(); // open: ignored
  assert.equal(breaker.state, "open");
  assert.equal(breaker.retryAt, 5_000);
  const err = await breaker.run(ok).catch((e) => e);
  assert.equal((err.cause as Error).message, "reset");
  await clock.tick(5_000);
  breaker.recordFailure();
  assert.equal(breaker.state, "open");
  assert.equal(breaker.retryAt, 10_000);
  await clock.tick(5_000);
  breaker.recordSuccess();
  assert.equal(breaker.state, "closed");
  assert.deepEqual(changes, [
    "closed->open@0",
    "open->half-open@5000",
    "half-open->open@5000",
    "open->half-open@10000",
    "half-open->closed@10000",
  ]);
});

Deno.test("CircuitBreaker.run() ignores late outcomes of calls from an earlier state", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock, { failureThreshold: 1 });
  let release!: () => void;
  const slow = breaker.run(() => new Promise<void>((r) => (release = r)));
  await failTimes(breaker, 1);
  assert.equal(breaker.state, "open");
  await clock.tick(5_000);
  assert.equal(breaker.state, "half-open");
  release(); // a success from before the circuit opened is no trial
  await slow;
  assert.equal(breaker.state, "half-open");
});

Deno.test("CircuitBreaker.run() rejects with signal.reason when aborted", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock, { failureThreshold: 1 });
  let called = false;
  const reason = new Error("cancelled");
  await assert.rejects(
    breaker.run(() => (called = true, ok()), {
      signal: AbortSignal.abort(reason),
    }),
    (e) => e === reason,
  );
  assert.equal(called, false);
  // A rejection with the abort reason is not the service's failure.
  const ac = new AbortController();
  const p = breaker.run(
    () =>
      new Promise<never>((_, reject) =>
        ac.signal.addEventListener("abort", () => reject(ac.signal.reason))
      ),
    { signal: ac.signal },
  );
  ac.abort();
  await assert.rejects(p, (e) => e === ac.signal.reason);
  assert.equal(breaker.state, "closed");
  assert.equal(breaker.failures, 0);
});

Deno.test("CircuitBreaker.state is half-open right away when the cooldown is 0", async () => {
  const clock = new FakeClock();
  const { breaker } = make(clock, { failureThreshold: 1, cooldownMs: 0 });
  await failTimes(breaker, 1);
  assert.equal(breaker.state, "half-open");
  assert.equal(await breaker.run(ok), "ok");
  assert.equal(breaker.state, "closed");
});
