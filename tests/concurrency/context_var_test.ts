import assert from "node:assert/strict";
import { ContextVar } from "../../src/concurrency/context_var.ts";
import { TaskGroup } from "../../src/concurrency/task_group.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";

Deno.test("ContextVar.get() returns the default outside any run()", () => {
  const withDefault = new ContextVar("v", { default: "fallback" });
  assert.equal(withDefault.name, "v");
  assert.equal(withDefault.get(), "fallback");
  assert.equal(withDefault.isSet, true);

  const bare = new ContextVar<number>("bare");
  assert.equal(bare.get(), undefined);
  assert.equal(bare.isSet, false);
  bare.run(1, () => assert.equal(bare.isSet, true));

  const explicitUndefined = new ContextVar<string | undefined>("u", {
    default: undefined,
  });
  assert.equal(explicitUndefined.isSet, true);
});

Deno.test("ContextVar.run() returns fn's result and restores the value, even when fn throws", () => {
  const v = new ContextVar("v", { default: "outer" });
  assert.equal(v.run("inner", () => v.get()), "inner");
  assert.equal(v.get(), "outer");
  assert.throws(() =>
    v.run("inner", () => {
      throw new Error("boom");
    }), { message: "boom" });
  assert.equal(v.get(), "outer");
});

Deno.test("ContextVar.run() shadows and then restores the outer value when nested", async () => {
  const v = new ContextVar<string>("v");
  await v.run("outer", async () => {
    assert.equal(v.get(), "outer");
    await v.run("inner", async () => {
      await Promise.resolve();
      assert.equal(v.get(), "inner");
    });
    assert.equal(v.get(), "outer");
    await Promise.resolve();
    assert.equal(v.get(), "outer");
  });
  assert.equal(v.get(), undefined);
});

Deno.test("ContextVar.run() isolates concurrent runs from each other", async () => {
  const clock = new FakeClock();
  const v = new ContextVar<number>("request");
  const seen: Array<[number, number | undefined]> = [];
  const runs = [3, 1, 2].map((id) =>
    v.run(id, async () => {
      // Interleave: each run sleeps a different time, twice.
      await clock.sleep(id * 10);
      seen.push([id, v.get()]);
      await clock.sleep(30 - id * 10);
      seen.push([id, v.get()]);
      return v.get();
    })
  );
  await clock.tick(30);
  assert.deepEqual(await Promise.all(runs), [3, 1, 2]);
  assert.equal(seen.length, 6);
  for (const [id, value] of seen) assert.equal(value, id);
});

Deno.test("ContextVar.get() sees the value in promise chains and setTimeout callbacks", async () => {
  const v = new ContextVar("v", { default: "none" });
  const [fromThen, fromTimer, fromMicrotask] = await v.run(
    "set",
    () =>
      Promise.all([
        Promise.resolve().then(() => Promise.resolve()).then(() => v.get()),
        new Promise<string | undefined>((resolve) =>
          setTimeout(() => resolve(v.get()), 0)
        ),
        new Promise<string | undefined>((resolve) =>
          queueMicrotask(() => resolve(v.get()))
        ),
      ]),
  );
  assert.deepEqual([fromThen, fromTimer, fromMicrotask], ["set", "set", "set"]);
  // A timer scheduled outside the run does not see it.
  const outside = await new Promise((resolve) =>
    setTimeout(() => resolve(v.get()), 0)
  );
  assert.equal(outside, "none");
});

Deno.test("ContextVar.get() sees the values at spawn time inside TaskGroup children", async () => {
  const v = new ContextVar("trace", { default: "root" });
  const tg = new TaskGroup();
  const results: Promise<string | undefined>[] = [];
  for (const id of ["a", "b"]) {
    v.run(id, () => {
      results.push(tg.spawn(async () => {
        await new Promise((r) => setTimeout(r, 0));
        return v.get();
      }));
      // A grandchild spawned from inside a child inherits too.
      results.push(
        tg.spawn(() =>
          v.run(`${id}-inner`, () =>
            tg.spawn(async () => {
              await Promise.resolve();
              return v.get();
            }))
        ),
      );
    });
  }
  results.push(tg.spawn(() => v.get()));
  await tg.wait();
  assert.deepEqual(await Promise.all(results), [
    "a",
    "a-inner",
    "b",
    "b-inner",
    "root",
  ]);
});
