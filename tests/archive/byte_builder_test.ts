import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteBuilder } from "../../src/archive/byte_builder.ts";

const enc = new TextEncoder();

Deno.test("ByteBuilder.utf8() writes text as TextEncoder does, past ASCII too, growing as needed", () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: "binary" })), (texts) => {
      const b = new ByteBuilder(16);
      for (const t of texts) b.utf8(t);
      // Each text on its own: halves of a surrogate pair in two texts are
      // two unpaired surrogates, as TextEncoder writes them.
      const expected = texts.flatMap((t) => [...enc.encode(t)]);
      assert.deepEqual(b.view(), new Uint8Array(expected));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("ByteBuilder.latin1() writes a character as its byte, past U+00FF as ?, ASCII as TextEncoder does", () => {
  const b = new ByteBuilder(4);
  b.latin1("aé\u00ff€\r\n😀").latin1("plain");
  assert.deepEqual(
    b.view(),
    new Uint8Array([
      0x61,
      0xe9,
      0xff,
      0x3f,
      13,
      10,
      0x3f,
      0x3f,
      ...enc.encode("plain"),
    ]),
  );
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (text) => {
      const out = new ByteBuilder(8).utf8("x").latin1(text).view();
      assert.equal(out.length, 1 + text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        assert.equal(out[1 + i], c <= 0xff ? c : 0x3f);
      }
    }),
    { numRuns: 1000 },
  );
});

Deno.test("ByteBuilder.skip(), uint32le(), truncate() and copy() fill, cut and copy in place", () => {
  const b = new ByteBuilder(16);
  b.utf8("ab");
  const at = b.skip(3);
  b.uint32le(0x04030201);
  assert.equal(at, 2);
  assert.deepEqual(b.view(), new Uint8Array([97, 98, 0, 0, 0, 1, 2, 3, 4]));
  b.view(at)[0] = 9;
  const copy = b.copy(at);
  assert.equal(copy.byteLength, copy.buffer.byteLength);
  assert.deepEqual(copy, new Uint8Array([9, 0, 0, 1, 2, 3, 4]));
  b.truncate(2);
  b.bytes(new Uint8Array(100).fill(7));
  assert.equal(b.length, 102);
  assert.equal(b.view()[2], 7);
  b.reset();
  assert.equal(b.length, 0);
});
