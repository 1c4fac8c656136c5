import assert from "node:assert/strict";
import fc from "fast-check";
import { FingerprintSet } from "../../src/frontier/fingerprint_set.ts";

Deno.test("FingerprintSet.add() keeps every entry as the set grows", () => {
  const set = new FingerprintSet(4);
  const before = set.bytes;
  for (let i = 0; i < 100_000; i++) {
    assert.equal(set.add(`https://example.test/p/${i}.html`), true);
  }
  assert.equal(set.size, 100_000);
  assert.ok(set.bytes > before, "it grew");
  for (let i = 0; i < 100_000; i++) {
    assert.equal(set.has(`https://example.test/p/${i}.html`), true);
    assert.equal(set.add(`https://example.test/p/${i}.html`), false);
  }
  for (let i = 100_000; i < 110_000; i++) {
    assert.equal(set.has(`https://example.test/p/${i}.html`), false);
  }
  assert.equal(set.size, 100_000);
  // 8 bytes a slot, load between 1/2 and 3/4: at most 16 bytes an entry.
  assert.ok(
    set.bytes / set.size <= 16.1,
    `${set.bytes / set.size} bytes per entry`,
  );
});

Deno.test("FingerprintSet.add() tells the empty string and near-identical strings apart", () => {
  const set = new FingerprintSet();
  assert.equal(set.has(""), false);
  assert.equal(set.add(""), true);
  assert.equal(set.has(""), true);
  assert.equal(set.add("a"), true);
  assert.equal(set.add("b"), true);
  assert.equal(set.add("ab"), true);
  assert.equal(set.add("ba"), true);
  assert.equal(set.size, 5);
});

Deno.test("FingerprintSet() rejects a capacity of 0 with a RangeError", () => {
  assert.throws(() => new FingerprintSet(0), {
    name: "RangeError",
    message:
      "Cannot create FingerprintSet as 'capacity' must be a positive integer: current value is 0",
  });
});

Deno.test("FingerprintSet.has() answers as a Set<string> does on generated strings (10,000 runs)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ maxLength: 40 }), { maxLength: 60 }),
      fc.string(),
      (adds, probe) => {
        const set = new FingerprintSet(1);
        const ref = new Set<string>();
        for (const s of adds) {
          assert.equal(
            set.add(s),
            !ref.has(s) && !!ref.add(s),
          );
        }
        assert.equal(set.size, ref.size);
        for (const s of adds) assert.equal(set.has(s), true);
        assert.equal(set.has(probe), ref.has(probe));
      },
    ),
    { numRuns: 10_000 },
  );
});
