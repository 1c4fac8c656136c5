import assert from "node:assert/strict";
import fc from "fast-check";
import { LruMap } from "../../src/concurrency/lru_map.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

Deno.test("LruMap() rejects a bad maxEntries or ttlMs", () => {
  assert.throws(() => new LruMap(0), {
    name: "RangeError",
    message:
      "Cannot create LruMap as 'maxEntries' must be a positive integer: current value is 0",
  });
  assert.throws(() => new LruMap(1.5), RangeError);
  assert.throws(() => new LruMap(Infinity), RangeError);
  assert.throws(() => new LruMap(1, { ttlMs: -1 }), {
    name: "RangeError",
    message:
      "Cannot create LruMap as 'ttlMs' must be a non-negative number: current value is -1",
  });
  assert.throws(() => new LruMap(1, { ttlMs: NaN }), RangeError);
  assert.equal(new LruMap(3).maxEntries, 3);
});

Deno.test("LruMap.set() evicts the least recently used entry when full", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2).set("c", 3);
  assert.equal(map.size, 2);
  assert.equal(map.has("a"), false);
  assert.equal(map.get("b"), 2);
  assert.equal(map.get("c"), 3);
});

Deno.test("LruMap.get() makes an entry the most recently used", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2);
  assert.equal(map.get("a"), 1);
  map.set("c", 3); // evicts b, not a
  assert.equal(map.has("b"), false);
  assert.equal(map.peek("a"), 1);
});

Deno.test("LruMap.set() of an existing key updates it and makes it the most recent", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2).set("a", 10);
  assert.equal(map.size, 2);
  map.set("c", 3); // evicts b
  assert.equal(map.peek("a"), 10);
  assert.equal(map.has("b"), false);
});

Deno.test("LruMap.peek() and has() leave the order of use alone", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2);
  assert.equal(map.peek("a"), 1);
  assert.equal(map.has("a"), true);
  map.set("c", 3); // a is still the least recently used
  assert.equal(map.peek("a"), undefined);
  assert.equal(map.has("a"), false);
  assert.equal(map.peek("missing"), undefined);
});

Deno.test("LruMap.delete() removes an entry from any position", () => {
  const map = new LruMap<string, number>(3);
  map.set("a", 1).set("b", 2).set("c", 3);
  assert.equal(map.delete("b"), true);
  assert.equal(map.delete("b"), false);
  assert.equal(map.size, 2);
  map.set("d", 4).set("e", 5); // evicts a, then nothing else is lost
  assert.equal(map.has("a"), false);
  assert.deepEqual([map.get("c"), map.get("d"), map.get("e")], [3, 4, 5]);
  assert.equal(map.delete("e"), true); // the newest
  assert.equal(map.delete("c"), true); // the oldest
  map.set("f", 6).set("g", 7);
  assert.deepEqual([map.peek("d"), map.peek("f"), map.peek("g")], [4, 6, 7]);
});

Deno.test("LruMap.clear() removes every entry and leaves the map usable", () => {
  const map = new LruMap<string, number>(2);
  map.set("a", 1).set("b", 2);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.get("a"), undefined);
  map.set("c", 3).set("d", 4).set("e", 5);
  assert.equal(map.size, 2);
  assert.equal(map.has("c"), false);
});

Deno.test("LruMap.set() keeps only the last key when maxEntries is 1", () => {
  const map = new LruMap<string, number>(1);
  map.set("a", 1);
  assert.equal(map.get("a"), 1);
  map.set("b", 2);
  assert.equal(map.size, 1);
  assert.equal(map.has("a"), false);
  assert.equal(map.get("b"), 2);
});

Deno.test("LruMap.get() drops an entry once ttlMs has passed", async () => {
  const clock = new FakeClock();
  const map = new LruMap<string, number>(10, { ttlMs: 1000, clock });
  map.set("a", 1);
  await clock.tick(999);
  assert.equal(map.get("a"), 1);
  map.set("b", 2); // b expires at 1999
  await clock.tick(1);
  assert.equal(map.has("a"), false);
  assert.equal(map.peek("a"), undefined);
  assert.equal(map.size, 2, "peek and has leave an expired entry in place");
  assert.equal(map.get("a"), undefined);
  assert.equal(map.size, 1, "get drops it");
  assert.equal(map.get("b"), 2);
  map.set("b", 3); // set starts a new ttl
  await clock.tick(999);
  assert.equal(map.get("b"), 3);
  assert.equal(clock.pending, 0, "expiry needs no timer");
});

Deno.test("LruMap.get() misses every entry when ttlMs is 0", () => {
  const map = new LruMap<string, number>(2, {
    ttlMs: 0,
    clock: new FakeClock(),
  });
  map.set("a", 1);
  assert.equal(map.get("a"), undefined);
  assert.equal(map.size, 0);
});

Deno.test("LruMap.set(), get(), peek() and delete() agree with a model LRU", () => {
  const op = fc.oneof(
    fc.tuple(fc.constant("set" as const), fc.integer({ min: 0, max: 7 })),
    fc.tuple(fc.constant("get" as const), fc.integer({ min: 0, max: 7 })),
    fc.tuple(fc.constant("peek" as const), fc.integer({ min: 0, max: 7 })),
    fc.tuple(fc.constant("delete" as const), fc.integer({ min: 0, max: 7 })),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.array(op, { minLength: 1, maxLength: 60 }),
      (max, ops) => {
        const map = new LruMap<number, number>(max);
        // The model: keys from least to most recently used.
        let model: [number, number][] = [];
        let n = 0;
        for (const [name, key] of ops) {
          const at = model.findIndex(([k]) => k === key);
          if (name === "set") {
            map.set(key, ++n);
            if (at >= 0) model.splice(at, 1);
            model.push([key, n]);
            if (model.length > max) model = model.slice(1);
          } else if (name === "get") {
            assert.equal(map.get(key), at >= 0 ? model[at][1] : undefined);
            if (at >= 0) model.push(...model.splice(at, 1));
          } else if (name === "peek") {
            assert.equal(map.peek(key), at >= 0 ? model[at][1] : undefined);
          } else {
            assert.equal(map.delete(key), at >= 0);
            if (at >= 0) model.splice(at, 1);
          }
          assert.equal(map.size, model.length);
          for (let k = 0; k <= 7; k++) {
            assert.equal(map.peek(k), model.find(([m]) => m === k)?.[1]);
          }
        }
      },
    ),
  );
});

Deno.test("LruMap.set() stays fast when every set evicts", () => {
  // Evicting the oldest key of a plain Map one at a time rescans the
  // deleted slots at its head: 100,000 evictions would take seconds.
  const map = new LruMap<string, number>(50_000);
  const start = performance.now();
  for (let i = 0; i < 150_000; i++) map.set(`k${i}`, i);
  assert.equal(map.size, 50_000);
  assert.equal(map.get("k99999"), undefined);
  assert.equal(map.get("k100000"), 100_000);
  assert.ok(performance.now() - start < 1000);
});
