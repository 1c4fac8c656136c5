import assert from "node:assert/strict";
import { decodeHtml, detectCharset } from "../../src/parse/charset.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: (Uint8Array | number[])[]) => {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return new Uint8Array(out);
};
// "Привет" in windows-1251, "日本" in Shift_JIS.
const PRIVET_1251 = [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2];
const NIHON_SJIS = [0x93, 0xfa, 0x96, 0x7b];

Deno.test("detectCharset() defaults to UTF-8", () => {
  assert.deepEqual(detectCharset(new Uint8Array()), {
    charset: "utf-8",
    source: "default",
  });
  assert.deepEqual(detectCharset(enc("<p>plain</p>"), null), {
    charset: "utf-8",
    source: "default",
  });
  assert.deepEqual(detectCharset(enc("<p>x"), "text/html"), {
    charset: "utf-8",
    source: "default",
  });
});

Deno.test("detectCharset() reads the Content-Type charset", () => {
  const bytes = new Uint8Array(PRIVET_1251);
  assert.deepEqual(detectCharset(bytes, "text/html; charset=windows-1251"), {
    charset: "windows-1251",
    source: "header",
  });
  assert.deepEqual(detectCharset(bytes, 'text/html;CHARSET="CP1251"'), {
    charset: "windows-1251",
    source: "header",
  });
  assert.deepEqual(detectCharset(bytes, "text/html; charset = 'sjis' ; x=y"), {
    charset: "shift_jis",
    source: "header",
  });
  assert.deepEqual(detectCharset(bytes, "text/html; charset=latin1"), {
    charset: "windows-1252",
    source: "header",
  });
});

Deno.test("detectCharset() falls through an invalid header label", () => {
  const bytes = enc('<meta charset="windows-1251">');
  for (
    const header of [
      "text/html; charset=bogus-8",
      "text/html; charset=",
      "text/html; charset=iso-2022-kr",
      "charset=koi8-r",
    ]
  ) {
    assert.deepEqual(detectCharset(bytes, header), {
      charset: "windows-1251",
      source: "meta",
    }, header);
  }
  assert.deepEqual(detectCharset(enc("x"), "text/html; charset=nope"), {
    charset: "utf-8",
    source: "default",
  });
});

Deno.test("detectCharset() reads <meta charset> and http-equiv in the first 1024 bytes", () => {
  assert.deepEqual(
    detectCharset(enc("<!doctype html><META CHARSET=Windows-1251>")),
    {
      charset: "windows-1251",
      source: "meta",
    },
  );
  assert.deepEqual(detectCharset(enc("<meta charset='shift_jis'/>")), {
    charset: "shift_jis",
    source: "meta",
  });
  assert.deepEqual(
    detectCharset(
      enc(
        '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">',
      ),
    ),
    { charset: "koi8-r", source: "meta" },
  );
  assert.deepEqual(
    detectCharset(
      enc(
        '<meta content="text/html; charset=&quot;x&quot;" http-equiv=content-type><meta charset=gbk>',
      ),
    ),
    { charset: "gbk", source: "meta" },
  );
  // content without http-equiv=content-type does not count.
  assert.deepEqual(
    detectCharset(enc('<meta name="description" content="charset=koi8-r">')),
    { charset: "utf-8", source: "default" },
  );
  // Past 1024 bytes: not seen.
  assert.deepEqual(
    detectCharset(enc(" ".repeat(1024) + "<meta charset=koi8-r>")),
    {
      charset: "utf-8",
      source: "default",
    },
  );
  // Inside a comment: not seen.
  assert.deepEqual(
    detectCharset(enc("<!-- <meta charset=koi8-r> --><meta charset=gbk>")),
    {
      charset: "gbk",
      source: "meta",
    },
  );
});

Deno.test("detectCharset() skips invalid meta labels and maps UTF-16 meta to UTF-8", () => {
  assert.deepEqual(
    detectCharset(enc("<meta charset=bogus><meta charset=koi8-r>")),
    {
      charset: "koi8-r",
      source: "meta",
    },
  );
  assert.deepEqual(detectCharset(enc("<meta charset=replacement>")), {
    charset: "utf-8",
    source: "default",
  });
  assert.deepEqual(detectCharset(enc("<meta charset=utf-16le>")), {
    charset: "utf-8",
    source: "meta",
  });
  assert.deepEqual(detectCharset(enc("<meta charset=x-user-defined>")), {
    charset: "windows-1252",
    source: "meta",
  });
});

Deno.test("detectCharset() prefers a BOM over the header and meta", () => {
  assert.deepEqual(
    detectCharset(
      concat([0xef, 0xbb, 0xbf], enc("<meta charset=koi8-r>")),
      "text/html; charset=windows-1251",
    ),
    { charset: "utf-8", source: "bom" },
  );
  assert.deepEqual(
    detectCharset(
      new Uint8Array([0xff, 0xfe, 0x68, 0x00]),
      "text/html; charset=utf-8",
    ),
    {
      charset: "utf-16le",
      source: "bom",
    },
  );
  assert.deepEqual(detectCharset(new Uint8Array([0xfe, 0xff, 0x00, 0x68])), {
    charset: "utf-16be",
    source: "bom",
  });
  // The header beats meta.
  assert.deepEqual(
    detectCharset(enc("<meta charset=koi8-r>"), "text/html; charset=gbk"),
    {
      charset: "gbk",
      source: "header",
    },
  );
});

Deno.test("decodeHtml() decodes windows-1251 by header and by meta", () => {
  assert.deepEqual(
    decodeHtml(new Uint8Array(PRIVET_1251), "text/html; charset=windows-1251"),
    {
      text: "Привет",
      charset: "windows-1251",
    },
  );
  const withMeta = concat(enc("<meta charset=windows-1251>"), PRIVET_1251);
  assert.deepEqual(decodeHtml(withMeta), {
    text: "<meta charset=windows-1251>Привет",
    charset: "windows-1251",
  });
});

Deno.test("decodeHtml() decodes shift_jis", () => {
  assert.deepEqual(
    decodeHtml(new Uint8Array(NIHON_SJIS), "text/html; charset=Shift_JIS"),
    {
      text: "日本",
      charset: "shift_jis",
    },
  );
});

Deno.test("decodeHtml() removes a UTF-8 or UTF-16 BOM", () => {
  assert.deepEqual(decodeHtml(concat([0xef, 0xbb, 0xbf], enc("héllo"))), {
    text: "héllo",
    charset: "utf-8",
  });
  assert.deepEqual(
    decodeHtml(new Uint8Array([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00])),
    {
      text: "hi",
      charset: "utf-16le",
    },
  );
  assert.deepEqual(
    decodeHtml(new Uint8Array([0xfe, 0xff, 0x00, 0x68, 0x00, 0x69])),
    {
      text: "hi",
      charset: "utf-16be",
    },
  );
});

Deno.test("decodeHtml() with a mislabeled charset decodes as labeled, without throwing", () => {
  // UTF-8 bytes labeled windows-1251: mojibake, not an error.
  const { text, charset } = decodeHtml(
    enc("Привет"),
    "text/html; charset=windows-1251",
  );
  assert.equal(charset, "windows-1251");
  assert.equal(text, "РџСЂРёРІРµС‚");
});

Deno.test("decodeHtml() replaces invalid UTF-8 with U+FFFD", () => {
  const bytes = concat(enc("a"), [0xff, 0xc3], enc("b"), [0xe2, 0x82]);
  assert.deepEqual(decodeHtml(bytes), {
    text: "a\ufffd\ufffdb\ufffd",
    charset: "utf-8",
  });
  // An odd byte count in UTF-16.
  assert.deepEqual(decodeHtml(new Uint8Array([0xff, 0xfe, 0x68])), {
    text: "\ufffd",
    charset: "utf-16le",
  });
});
