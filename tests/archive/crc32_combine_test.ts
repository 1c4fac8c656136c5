import assert from "node:assert/strict";
import fc from "fast-check";
import { crc32Combine } from "../../src/archive/crc32_combine.ts";
import { crc32 } from "../../src/archive/gzip_member.ts";

Deno.test("crc32Combine() gives the CRC-32 of two runs one after the other", () => {
  const run = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ minLength: 60_000, maxLength: 70_000 }),
  );
  fc.assert(
    fc.property(run, run, (a, b) => {
      const both = new Uint8Array([...a, ...b]);
      assert.equal(
        crc32Combine(crc32(a), crc32(b), b.byteLength),
        crc32(both) >>> 0,
      );
    }),
    { numRuns: 300 },
  );
});
