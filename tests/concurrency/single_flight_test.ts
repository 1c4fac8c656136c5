import assert from "node:assert/strict";
import { SingleFlight } from "../../src/concurrency/single_flight.ts";
import { state } from "./_helpers.ts";

/** A call that settles by hand and records the signal it got. */
function deferred<V>() {
  const calls: AbortSignal[] = [];
  let settle!: { resolve: (v: V) => void; reject: (e: unknown) => void };
  const fn = (signal: AbortSignal) => {
    calls.push(signal);
    return new Promise<V>((resolve, reject) => {
      settle = { resolve, reject };
    });
  };
  return { fn, calls, settle: () => settle };
}

Deno.test("SingleFlight.run() calls fn once when callers of a key race", async () => {
  const flights = new SingleFlight<string, number>();
  const call = deferred<number>();
  const results = [1, 2, 3].map(() => flights.run("k", call.fn));
  assert.equal(call.calls.length, 1);
  assert.equal(flights.size, 1);
  assert.equal(flights.has("k"), true);
  call.settle().resolve(7);
  assert.deepEqual(await Promise.all(results), [7, 7, 7]);
  assert.equal(flights.size, 0);
});

Deno.test("SingleFlight.run() runs different keys separately", async () => {
  const flights = new SingleFlight<string, string>();
  const seen: string[] = [];
  const run = (key: string) =>
    flights.run(key, () => {
      seen.push(key);
      return Promise.resolve(key.toUpperCase());
    });
  assert.deepEqual(await Promise.all([run("a"), run("b"), run("a")]), [
    "A",
    "B",
    "A",
  ]);
  assert.deepEqual(seen, ["a", "b"]);
});

Deno.test("SingleFlight.run() starts a new call once the last one settled", async () => {
  const flights = new SingleFlight<string, number>();
  let calls = 0;
  const run = () => flights.run("k", () => Promise.resolve(++calls));
  assert.equal(await run(), 1);
  assert.equal(await run(), 2);
});

Deno.test("SingleFlight.run() frees the key before its callers hear the outcome", async () => {
  const flights = new SingleFlight<string, number>();
  let calls = 0;
  const again = await flights.run("k", () => Promise.resolve(++calls)).then(
    () => flights.run("k", () => Promise.resolve(++calls)),
  );
  assert.equal(again, 2);
});

Deno.test("SingleFlight.run() shares a rejection and a synchronous throw", async () => {
  const flights = new SingleFlight<string, number>();
  const boom = new Error("boom");
  const a = flights.run("k", () => Promise.reject(boom));
  const b = flights.run("k", () => Promise.resolve(1));
  await assert.rejects(a, (e) => e === boom);
  await assert.rejects(b, (e) => e === boom);
  const sync = flights.run("s", () => {
    throw boom;
  });
  await assert.rejects(sync, (e) => e === boom);
  assert.equal(flights.size, 0);
});

Deno.test("SingleFlight.run() rejects only the caller whose signal aborts", async () => {
  const flights = new SingleFlight<string, number>();
  const call = deferred<number>();
  const hasty = new AbortController();
  const reason = new Error("gave up");
  const a = flights.run("k", call.fn, { signal: hasty.signal });
  const b = flights.run("k", call.fn);
  const c = flights.run("k", call.fn, { signal: new AbortController().signal });
  hasty.abort(reason);
  await assert.rejects(a, (e) => e === reason);
  assert.equal(call.calls[0].aborted, false, "the others still wait");
  assert.equal(await state(b), "pending");
  call.settle().resolve(5);
  assert.deepEqual(await Promise.all([b, c]), [5, 5]);
});

Deno.test("SingleFlight.run() aborts the call when every caller has gone", async () => {
  const flights = new SingleFlight<string, number>();
  const call = deferred<number>();
  const one = new AbortController();
  const two = new AbortController();
  const a = flights.run("k", call.fn, { signal: one.signal });
  const b = flights.run("k", call.fn, { signal: two.signal });
  one.abort(new Error("one"));
  await assert.rejects(a, { message: "one" });
  assert.equal(call.calls[0].aborted, false);
  const last = new Error("two");
  two.abort(last);
  await assert.rejects(b, (e) => e === last);
  assert.equal(call.calls[0].aborted, true);
  assert.equal(call.calls[0].reason, last);
  assert.equal(flights.has("k"), false, "the key is free at once");
  // A new caller starts a new call, even before the old one settles.
  const c = flights.run("k", () => Promise.resolve(9));
  assert.equal(await c, 9);
  call.settle().resolve(1); // the late outcome of the old call is ignored
  assert.equal(await state(c), "fulfilled");
});

Deno.test("SingleFlight.run() rejects at once with an already aborted signal", async () => {
  const flights = new SingleFlight<string, number>();
  let calls = 0;
  const reason = new Error("already");
  await assert.rejects(
    flights.run("k", () => Promise.resolve(++calls), {
      signal: AbortSignal.abort(reason),
    }),
    (e) => e === reason,
  );
  assert.equal(calls, 0);
  assert.equal(flights.size, 0);
});

Deno.test("SingleFlight.run() removes its abort listener once settled", async () => {
  const flights = new SingleFlight<string, number>();
  const controller = new AbortController();
  const added: unknown[] = [];
  const removed: unknown[] = [];
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, fn: EventListener, o?: unknown) => {
    added.push(fn);
    add(type, fn, o as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, fn: EventListener) => {
    removed.push(fn);
    remove(type, fn);
  }) as typeof signal.removeEventListener;
  assert.equal(await flights.run("k", () => Promise.resolve(1), { signal }), 1);
  assert.equal(added.length, 1);
  assert.deepEqual(removed, added);
});

Deno.test("SingleFlight.abort() rejects every caller with the reason and frees the keys", async () => {
  const flights = new SingleFlight<string, number>();
  const a = deferred<number>();
  const b = deferred<number>();
  const pa = flights.run("a", a.fn);
  const pb = flights.run("b", b.fn, { signal: new AbortController().signal });
  const reason = new Error("closing");
  flights.abort(reason);
  assert.equal(flights.size, 0);
  await assert.rejects(pa, (e) => e === reason);
  await assert.rejects(pb, (e) => e === reason);
  assert.equal(a.calls[0].reason, reason);
  assert.equal(b.calls[0].aborted, true);
  a.settle().resolve(1); // too late: nothing changes
  flights.abort(); // nothing in flight: harmless
  const pc = flights.run("c", () => new Promise<number>(() => {}));
  flights.abort();
  await assert.rejects(pc, { name: "AbortError" });
});
