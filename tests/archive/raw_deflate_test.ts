import assert from "node:assert/strict";
import zlib from "node:zlib";
import fc from "fast-check";
import {
  deflateRaw,
  GZIP_LEVEL,
  keepsStream,
} from "../../src/archive/raw_deflate.ts";

const SYNC = { level: GZIP_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };

function joined(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

Deno.test("keepsStream() is true on this Deno: deflateRaw() runs on a kept zlib stream", () => {
  assert.equal(keepsStream(), true);
});

Deno.test("deflateRaw() makes runs that inflate to the joined parts, run after run, and the bytes deflateRawSync() makes of one part", () => {
  const text = fc.string({ maxLength: 3000 }).map((s) =>
    new TextEncoder().encode(s.repeat(20))
  );
  const noise = fc.uint8Array({ maxLength: 90_000 }); // past the first buffer
  const part = fc.oneof(text, noise);
  fc.assert(
    fc.property(fc.array(part, { maxLength: 5 }), (parts) => {
      const run = deflateRaw(parts);
      assert.equal(run.byteLength, run.buffer.byteLength, "its own buffer");
      assert.deepEqual(
        new Uint8Array(zlib.inflateRawSync(run, SYNC)),
        joined(parts),
      );
      // Parts fed one by one may be matched differently at their seams.
      if (parts.length !== 1) return;
      const expected = zlib.deflateRawSync(parts[0], SYNC);
      assert.deepEqual(run, new Uint8Array(expected));
    }),
    { numRuns: 300 },
  );
});
