import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteBuilder } from "../../src/archive/byte_builder.ts";

const dec = new TextDecoder();
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

Deno.test("ByteBuilder.line() writes each CR and LF as a space, on the ASCII and the UTF-8 path", () => {
  const b = new ByteBuilder();
  b.line("a\r\nb").utf8("|").line("é\r\n€\n");
  assert.equal(dec.decode(b.view()), "a  b|é  € ");
});

Deno.test("ByteBuilder.latin1Line() writes a character as its byte, past U+00FF as ?, and CR and LF as spaces", () => {
  const b = new ByteBuilder(4);
  b.latin1Line("aé\u00ff€\r\n😀");
  assert.deepEqual(
    b.view(),
    new Uint8Array([0x61, 0xe9, 0xff, 0x3f, 0x20, 0x20, 0x3f, 0x3f]),
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
