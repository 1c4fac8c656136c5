import assert from "node:assert/strict";
import { gather } from "../../src/concurrency/gather.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

Deno.test("gather() resolves with results in input order, not completion order", async () => {
  const clock = new FakeClock();
  const run = gather([
    (s: AbortSignal) => clock.sleep(30, s).then(() => 30),
    clock.sleep(10).then(() => 10),
    (s: AbortSignal) => clock.sleep(20, s).then(() => 20),
    () => 0,
  ]);
  await clock.tick(30);
  assert.deepEqual(await run, [30, 10, 20, 0]);
});

Deno.test("gather() types an array literal as a tuple", async () => {
  const [n, s, b] = await gather([
    Promise.resolve(1),
    (_signal: AbortSignal) => Promise.resolve("two"),
    () => true,
  ]);
  const typed: [number, string, boolean] = [n, s, b];
  assert.deepEqual(typed, [1, "two", true]);

  const tuple = [Promise.resolve(1), Promise.resolve("x")] as const;
  const [x, y] = await gather(tuple);
  const typed2: [number, string] = [x, y];
  assert.deepEqual(typed2, [1, "x"]);

  const [ok, err] = await gather(
    [Promise.resolve(1), Promise.reject<string>(new Error("e"))],
    { returnExceptions: true },
  );
  const typed3: [number | Error, string | Error] = [ok, err];
  assert.equal(typed3[0], 1);
  assert.ok(typed3[1] instanceof Error);
});

Deno.test("gather() accepts any iterable", async () => {
  function* tasks() {
    yield Promise.resolve("a");
    yield () => "b";
  }
  const out: string[] = await gather(tasks());
  assert.deepEqual(out, ["a", "b"]);
  assert.deepEqual(await gather([]), []);
});

Deno.test("gather() rejects with the first rejection, aborts the rest, and waits for them", async () => {
  const clock = new FakeClock();
  const first = new Error("first");
  const signals: AbortSignal[] = [];
  let cleanedUp = false;
  const run = gather([
    async (signal: AbortSignal) => {
      signals.push(signal);
      await clock.sleep(1000, signal).catch(() => {});
      await clock.sleep(25); // cleanup after the abort
      cleanedUp = true;
      return 1;
    },
    async (signal: AbortSignal) => {
      signals.push(signal);
      await clock.sleep(10, signal);
      throw first;
    },
    async (signal: AbortSignal) => {
      signals.push(signal);
      await clock.sleep(20, signal);
      throw new Error("second (never reached)");
    },
  ]);
  let rejected = false;
  const outcome = run.catch((e) => {
    rejected = true;
    return e;
  });
  await clock.tick(10);
  assert.ok(signals.every((s) => s.aborted));
  assert.equal((signals[0].reason as DOMException).name, "AbortError");
  assert.equal(rejected, false, "it waits for aborted tasks to settle");
  await clock.tick(25);
  assert.equal(await outcome, first);
  assert.equal(cleanedUp, true);
  assert.equal(clock.pending, 0);
});

Deno.test("gather() does not report later rejections of plain promises as unhandled", async () => {
  const clock = new FakeClock();
  const first = new Error("first");
  const later = clock.sleep(10).then(() => {
    throw new Error("later");
  });
  const run = gather([Promise.reject(first), later]);
  await assert.rejects(run, (e) => e === first);
  await clock.tick(10); // `later` rejects now; nobody awaits it
});

Deno.test("gather({ returnExceptions: true }) returns errors in place and runs everything", async () => {
  const clock = new FakeClock();
  const err = new Error("in place");
  let aborted = false;
  const run = gather([
    Promise.reject(err),
    async (signal: AbortSignal) => {
      await clock.sleep(10, signal);
      aborted = signal.aborted;
      return "finished";
    },
    Promise.reject("a string"),
  ], { returnExceptions: true });
  await clock.tick(10);
  const [a, b, c] = await run;
  assert.equal(a, err);
  assert.equal(b, "finished");
  assert.equal(aborted, false);
  assert.ok(c instanceof Error);
  assert.equal(c.cause, "a string");
  assert.match(c.message, /non-Error value: a string/);
});

Deno.test("gather() rejects with the signal's reason and aborts function tasks", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const reason = new Error("stop");
  let seen: unknown;
  const run = gather([
    async (signal: AbortSignal) => {
      await clock.sleep(100, signal).catch((e) => {
        seen = e;
        throw e;
      });
    },
  ], { signal: controller.signal, returnExceptions: true });
  await clock.tick(1);
  controller.abort(reason);
  await assert.rejects(run, (e) => e === reason);
  assert.equal(seen, reason);
  assert.equal(clock.pending, 0);
});

Deno.test("gather() with an already aborted signal starts nothing", async () => {
  let started = false;
  const reason = new Error("already");
  await assert.rejects(
    gather([() => {
      started = true;
    }], { signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
  assert.equal(started, false);
});

/** A signal that counts listeners added minus listeners removed. */
function countingSignal() {
  const controller = new AbortController();
  const signal = controller.signal;
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    listeners--;
    remove(...args);
  }) as typeof remove;
  return { controller, signal, listeners: () => listeners };
}

Deno.test("gather() removes its abort listener when done", async () => {
  const ok = countingSignal();
  assert.deepEqual(await gather([Promise.resolve(1)], { signal: ok.signal }), [
    1,
  ]);
  assert.equal(ok.listeners(), 0);
  const failing = countingSignal();
  await assert.rejects(
    gather([() => Promise.reject(new Error("x"))], { signal: failing.signal }),
  );
  assert.equal(failing.listeners(), 0);
});
