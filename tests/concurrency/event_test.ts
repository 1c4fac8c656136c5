import assert from "node:assert/strict";
import { Event } from "../../src/concurrency/event.ts";
import { state } from "./_helpers.ts";

Deno.test("Event.set() wakes every waiter", async () => {
  const ev = new Event();
  assert.equal(ev.isSet, false);
  const waits = [ev.wait(), ev.wait(), ev.wait()];
  for (const w of waits) assert.equal(await state(w), "pending");
  ev.set();
  assert.equal(ev.isSet, true);
  await Promise.all(waits);
  await ev.wait(); // set: resolves at once
});

Deno.test("Event.clear() makes later waits block again", async () => {
  const ev = new Event();
  ev.set();
  ev.clear();
  assert.equal(ev.isSet, false);
  const w = ev.wait();
  assert.equal(await state(w), "pending");
  ev.set();
  await w;
});

Deno.test("Event.wait() rejects with signal.reason and removes the waiter when aborted", async () => {
  const ev = new Event();
  const ac = new AbortController();
  const aborted = ev.wait({ signal: ac.signal });
  const other = ev.wait();
  ac.abort(new Error("bye"));
  await assert.rejects(aborted, { message: "bye" });
  assert.equal(await state(other), "pending");
  ev.set();
  await other;
  await assert.rejects(
    ev.wait({ signal: AbortSignal.abort("pre") }),
    (e) => e === "pre",
  );
});
