// The Redis frontier's claim loop on fake time, with a scripted claim in
// place of Redis: hand-out order, buffering, polling, the end, aborts,
// failures and close.
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/concurrency/fake_clock.ts";
import {
  type Claimed,
  ClaimLoop,
} from "../../../src/frontier/redis/claim_loop.ts";
import type { ReadyEntry } from "../../../src/frontier/store.ts";

function ready(url: string): ReadyEntry {
  return { url, host: "a.test", depth: 0, permit: { release() {} } };
}

const nothing: Claimed = {
  entries: [],
  progress: false,
  over: false,
  hint: -1,
};
const over: Claimed = { entries: [], progress: false, over: true, hint: -1 };

/** A claim that answers from `replies` in turn, recording what was wanted. */
function scripted(replies: Claimed[]) {
  const wanted: number[] = [];
  const claim = (want: number) => {
    wanted.push(want);
    return Promise.resolve(replies.shift() ?? nothing);
  };
  return { claim, wanted };
}

/** Lets pending promise chains run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const never = new AbortController().signal;

Deno.test("ClaimLoop.next() hands entries to waiters in arrival order and keeps the extra ones", async () => {
  const clock = new FakeClock();
  const { claim, wanted } = scripted([{
    entries: ["/1", "/2", "/3"].map(ready),
    progress: true,
    over: false,
    hint: -1,
  }, over]);
  const loop = new ClaimLoop(claim, clock);
  const first = loop.next(never);
  const second = loop.next(never);
  await settle();
  assert.deepEqual(wanted, [], "nothing is claimed before start");
  loop.start();
  assert.equal((await first)?.url, "/1");
  assert.equal((await second)?.url, "/2");
  assert.equal(wanted[0], 2, "it claims as many as wait");
  assert.equal(loop.buffered, 1);
  assert.equal((await loop.next(never))?.url, "/3");
  assert.equal(await loop.next(never), undefined, "the crawl is over");
  assert.equal(await loop.next(never), undefined);
  await loop.close();
});

Deno.test("ClaimLoop.next() polls with growing waits while nothing is claimable, and kick() claims at once", async () => {
  const clock = new FakeClock();
  const { claim, wanted } = scripted([nothing, nothing, nothing]);
  const loop = new ClaimLoop(claim, clock);
  loop.start();
  const waiting = loop.next(never);
  await settle();
  assert.equal(wanted.length, 1);
  await clock.tick(2);
  assert.equal(wanted.length, 2, "the first poll waits 2 ms");
  await clock.tick(3);
  assert.equal(wanted.length, 2, "the second waits 4 ms");
  await clock.tick(1);
  assert.equal(wanted.length, 3);
  loop.kick();
  await settle();
  assert.equal(wanted.length, 4, "a kick ends the poll");
  await loop.close();
  assert.equal(await waiting, undefined, "close answers the waiters");
});

Deno.test("ClaimLoop.next() sleeps as long as the hint says, at most 100 ms", async () => {
  const clock = new FakeClock();
  const { claim, wanted } = scripted([
    { ...nothing, hint: 30 },
    { ...nothing, hint: 5_000 },
  ]);
  const loop = new ClaimLoop(claim, clock);
  loop.start();
  const waiting = loop.next(never);
  await settle();
  await clock.tick(29);
  assert.equal(wanted.length, 1);
  await clock.tick(1);
  assert.equal(wanted.length, 2);
  await clock.tick(99);
  assert.equal(wanted.length, 2);
  await clock.tick(1);
  assert.equal(wanted.length, 3);
  await loop.close();
  await waiting;
});

Deno.test("ClaimLoop.next() rejects with the signal's reason and leaves the entry to the next waiter when aborted", async () => {
  const clock = new FakeClock();
  let release!: (c: Claimed) => void;
  const loop = new ClaimLoop(
    () => new Promise<Claimed>((resolve) => (release = resolve)),
    clock,
  );
  loop.start();
  const abort = new AbortController();
  const aborted = loop.next(abort.signal);
  const kept = loop.next(never);
  await settle();
  abort.abort(new Error("gone"));
  await assert.rejects(aborted, /gone/);
  release({ entries: [ready("/1")], progress: true, over: false, hint: -1 });
  assert.equal((await kept)?.url, "/1");
  assert.equal(loop.buffered, 0);
  await loop.close();
});

Deno.test("ClaimLoop.fail() rejects the waiters and every later next() with the first error", async () => {
  const clock = new FakeClock();
  const loop = new ClaimLoop(() => Promise.reject(new Error("down")), clock);
  loop.start();
  await assert.rejects(loop.next(never), /down/);
  loop.fail(new Error("later"));
  await assert.rejects(loop.next(never), /down/);
  assert.equal((loop.failure as Error).message, "down");
  await loop.close();
});
