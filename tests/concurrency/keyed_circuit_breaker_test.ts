import assert from "node:assert/strict";
import { KeyedCircuitBreaker } from "../../src/concurrency/keyed_circuit_breaker.ts";
import { CircuitOpenError } from "../../src/concurrency/circuit_open_error.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

const boom = () => Promise.reject(new Error("boom"));

function make(clock: FakeClock): {
  hosts: KeyedCircuitBreaker;
  changes: string[];
} {
  const changes: string[] = [];
  const hosts = new KeyedCircuitBreaker({
    failureThreshold: 2,
    windowMs: 1_000,
    cooldownMs: 5_000,
    clock,
    onStateChange: (key, to, from) => changes.push(`${key}:${from}->${to}`),
  });
  return { hosts, changes };
}

Deno.test("KeyedCircuitBreaker() rejects bad options", () => {
  assert.throws(
    () =>
      new KeyedCircuitBreaker({
        failureThreshold: 0,
        windowMs: 1,
        cooldownMs: 1,
      }),
    RangeError,
  );
});

Deno.test("KeyedCircuitBreaker.run() opens each key on its own failures", async () => {
  const clock = new FakeClock();
  const { hosts, changes } = make(clock);
  for (let i = 0; i < 2; i++) {
    await assert.rejects(hosts.run("down", boom), { message: "boom" });
  }
  assert.equal(hosts.state("down"), "open");
  assert.equal(hosts.state("up"), "closed");
  assert.equal(await hosts.run("up", () => Promise.resolve(1)), 1);
  const err = await hosts.run("down", () => Promise.resolve(1)).catch((e) => e);
  assert.ok(err instanceof CircuitOpenError);
  assert.equal(err.key, "down");
  assert.equal(err.retryAt, 5_000);
  assert.equal(hosts.retryAt("down"), 5_000);
  assert.equal(hosts.retryAt("up"), 0);
  assert.deepEqual(changes, ["down:closed->open"]);
});

Deno.test("KeyedCircuitBreaker.run() goes through the full cycle per key", async () => {
  const clock = new FakeClock();
  const { hosts, changes } = make(clock);
  hosts.recordFailure("a");
  hosts.recordFailure("a", new Error("reset"));
  assert.equal(hosts.state("a"), "open");
  await clock.tick(5_000);
  assert.equal(hosts.state("a"), "half-open");
  let release!: () => void;
  const trial = hosts.run("a", () => new Promise<void>((r) => (release = r)));
  await assert.rejects(hosts.run("a", async () => {}), CircuitOpenError);
  release();
  await trial;
  assert.equal(hosts.state("a"), "closed");
  assert.deepEqual(changes, [
    "a:closed->open",
    "a:open->half-open",
    "a:half-open->closed",
  ]);
  hosts.recordFailure("a");
  hosts.recordFailure("a");
  await clock.tick(5_000);
  hosts.recordSuccess("a");
  assert.equal(hosts.state("a"), "closed");
});

Deno.test("KeyedCircuitBreaker.run() forgets closed keys without recent failures", async () => {
  const clock = new FakeClock();
  const { hosts } = make(clock);
  for (let i = 0; i < 100; i++) {
    await hosts.run(`ok-${i}`, () => Promise.resolve(i));
  }
  assert.equal(hosts.size, 0);
  hosts.recordSuccess("never-seen");
  assert.equal(hosts.size, 0);
  hosts.recordFailure("flaky");
  hosts.recordFailure("down");
  hosts.recordFailure("down");
  assert.equal(hosts.size, 2);
  await clock.tick(1_000); // flaky's failure leaves the window
  assert.equal(hosts.size, 1);
  assert.equal(hosts.state("down"), "open");
  await clock.tick(5_000);
  hosts.recordSuccess("down"); // half-open -> closed, no failures
  assert.equal(hosts.size, 0);
  assert.equal(hosts.state("down"), "closed");
});

Deno.test("KeyedCircuitBreaker.run() keeps a key while a call is in flight", async () => {
  const clock = new FakeClock();
  const { hosts } = make(clock);
  let fail!: (e: Error) => void;
  const slow = hosts.run("a", () => new Promise<void>((_, r) => (fail = r)));
  assert.equal(hosts.size, 1); // a sweep ran and kept the busy key
  for (let i = 0; i < 100; i++) hosts.recordSuccess(`other-${i}`);
  fail(new Error("late"));
  await assert.rejects(slow, { message: "late" });
  hosts.recordFailure("a");
  assert.equal(hosts.state("a"), "open"); // the late failure was counted
});

Deno.test("KeyedCircuitBreaker.run() does not grow memory with the keys seen", async () => {
  const clock = new FakeClock();
  const { hosts } = make(clock);
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 500; i++) hosts.recordFailure(`h-${round}-${i}`);
    await clock.tick(1_000);
  }
  for (let i = 0; i < 100; i++) hosts.recordFailure(`late-${i}`);
  assert.ok(hosts.size <= 600);
  await clock.tick(1_000);
  assert.equal(hosts.size, 0);
});
