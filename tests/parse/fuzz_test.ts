// Property tests. fast-check prints the seed and the shrunk counterexample
// on failure; rerun one with `fc.assert(..., { seed, path })`.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createUrlNormalizer,
  MAX_URL_LENGTH,
  normalizeUrl,
} from "../../src/url/normalize_url.ts";
import { decodeHtml, detectCharset } from "../../src/parse/charset.ts";
import {
  extractLinks,
  MAX_TITLE_LENGTH,
} from "../../src/parse/extract_links.ts";

const NUM_RUNS = 10_000;

/** Pieces that stress the URL parser: schemes, escapes, dots, hosts, controls. */
const urlPiece = fc.constantFrom(
  "http://",
  "https://",
  "HTTP://",
  "hTtPs:",
  "//",
  "/",
  "\\",
  ".",
  "..",
  "./",
  "../",
  "%",
  "%2e",
  "%2E",
  "%2f",
  "%41",
  "%7e",
  "%7E",
  "%25",
  "%4",
  "%a",
  "%31",
  "%61",
  "%zz",
  "%c3%a9",
  "%00",
  "?",
  "#",
  "&",
  "=",
  "@",
  ":",
  "[",
  "]",
  "::1",
  "127.0.0.1",
  "0x7f.1",
  "a.test",
  "B.TEST",
  "xn--",
  "münchen",
  "ß",
  "é",
  "😀",
  "\ud800",
  "\udc00",
  "\u00a0",
  "\ufeff",
  "\u2028",
  " ",
  "\t",
  "\n",
  "\r",
  "\u0000",
  "\u001f",
  "\u007f",
  "'",
  '"',
  "<",
  ">",
  "^",
  "|",
  "{",
  "`",
  "mailto:",
  "javascript:",
  "data:",
  "file:",
  "user:pw@",
  ":80",
  ":443",
  ":8080",
  ":99999",
  "a",
  "Z",
  "0",
  "-",
  "_",
  "~",
  "+",
);
const urlish = fc.string({ unit: urlPiece, maxLength: 24 });
const base = fc.constantFrom(
  undefined,
  "http://a.test/x/y?q",
  "https://Ex.TEST:443/dir/",
  "http://[::1]:8080/",
  "not a base",
  "mailto:x@y.test",
);
const webUrl = fc.webUrl({
  validSchemes: ["http", "https", "ftp"],
  withQueryParameters: true,
  withFragments: true,
  authoritySettings: {
    withUserInfo: true,
    withPort: true,
    withIPv4: true,
    withIPv6: true,
  },
});

function checkNormalized(href: string, baseUrl?: string): void {
  const out = normalizeUrl(href, baseUrl);
  if (out === undefined) return;
  assert.equal(typeof out, "string");
  assert.ok(out.startsWith("http://") || out.startsWith("https://"), out);
  assert.ok(out.length <= MAX_URL_LENGTH);
  assert.ok(!out.includes("#"), out);
  const url = new URL(out);
  assert.equal(url.username + url.password, "");
  // Every %xx escape has uppercase hex digits.
  assert.ok(
    !/%(?=[0-9A-Fa-f]{2})(?![0-9A-F]{2})/.test(out),
    `lowercase escape in ${out}`,
  );
  // Idempotent, and absolute: a base changes nothing.
  assert.equal(normalizeUrl(out), out);
  assert.equal(normalizeUrl(out, "https://other.test/p/"), out);
}

Deno.test("normalizeUrl() never throws and is idempotent on any string", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", maxLength: 64 }),
      base,
      (s, b) => checkNormalized(s, b),
    ),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("normalizeUrl() never throws and is idempotent on URL-ish soup", () => {
  fc.assert(
    fc.property(urlish, base, (s, b) => checkNormalized(s, b)),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("normalizeUrl() is idempotent on generated web URLs", () => {
  fc.assert(
    fc.property(webUrl, urlish, (url, suffix) => {
      checkNormalized(url);
      checkNormalized(url + suffix);
      // fc.webUrl() output always parses: only ftp and credentials fail.
      const parsed = new URL(url);
      const rejected = parsed.protocol === "ftp:" || parsed.username !== "" ||
        parsed.password !== "";
      assert.equal(normalizeUrl(url) === undefined, rejected, url);
    }),
    { numRuns: NUM_RUNS },
  );
});

const bytePiece = fc.constantFrom(
  "<meta charset=",
  "<META http-equiv=content-type content='text/html; charset=",
  "<meta ",
  "charset",
  "=",
  '"',
  "'",
  ">",
  "/",
  " ",
  "<!--",
  "-->",
  "<",
  "utf-8",
  "utf-16le",
  "windows-1251",
  "shift_jis",
  "koi8-r",
  "bogus",
  "replacement",
  "x-user-defined",
  "gb18030",
  "\xef\xbb\xbf",
  "\xff\xfe",
  "\xfe\xff",
  "\x80",
  "\xc3",
  "\xff",
  "\x00",
);
const htmlBytes = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.array(bytePiece, { maxLength: 24 }).map((parts) =>
    Uint8Array.from(parts.join(""), (c) => c.charCodeAt(0))
  ),
);
const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "text/html; charset=",
    'text/html;charset="',
    "text/html; CHARSET=",
  ).chain((p) =>
    fc.constantFrom(
      "utf-8",
      "Windows-1251",
      "sjis",
      "utf-16",
      "bogus",
      "replacement",
      "",
    ).map((l) => p + l)
  ),
);
const SOURCES = ["bom", "header", "meta", "default"];

Deno.test("detectCharset() and decodeHtml() never throw on any bytes", () => {
  fc.assert(
    fc.property(htmlBytes, contentType, (bytes, type) => {
      const detected = detectCharset(bytes, type);
      assert.ok(SOURCES.includes(detected.source));
      assert.equal(
        new TextDecoder(detected.charset).encoding,
        detected.charset,
      );
      const decoded = decodeHtml(bytes, type);
      assert.equal(decoded.charset, detected.charset);
      assert.equal(typeof decoded.text, "string");
    }),
    { numRuns: NUM_RUNS },
  );
});

const tagPiece = fc.constantFrom(
  "<a href=",
  "<A HREF='",
  "<area href=",
  "<base href=",
  "</a>",
  "<link rel=canonical href=",
  "<template>",
  "</template>",
  "<script>",
  "</script>",
  "<style>",
  "</style>",
  "<!--",
  "-->",
  "<title>",
  "</title>",
  "<svg>",
  "</svg>",
  "<textarea>",
  "<meta name=robots content=",
  "<meta http-equiv=refresh content=",
  "none",
  "nofollow",
  " rel=nofollow",
  " rel='NoFollow ugc'",
  '"',
  "'",
  ">",
  "/>",
  "<",
  "=",
  " ",
  "\n",
  "&amp;",
  "&#x2f;",
  "&",
  "#f",
  "/x",
  "../",
  "?q=1",
  "mailto:x",
  "javascript:",
  "http://h.test/",
  "//h2.test/",
  "%7e",
  "0;url=",
  "\u0000",
  "😀",
);
const tagSoup = fc.array(fc.oneof(tagPiece, fc.string({ maxLength: 4 })), {
  maxLength: 40,
})
  .map((parts) => parts.join(""));

function checkExtracted(html: string, maxLinks: number): void {
  const page = extractLinks(html, "https://ex.test/dir/", { maxLinks });
  assert.ok(page.links.length <= maxLinks);
  const seen = new Set<string>();
  for (const link of page.links) {
    assert.equal(normalizeUrl(link.url), link.url);
    assert.equal(typeof link.nofollow, "boolean");
    assert.ok(!seen.has(link.url), `duplicate ${link.url}`);
    seen.add(link.url);
  }
  assert.ok(Number.isInteger(page.invalid) && page.invalid >= 0);
  assert.ok(Number.isInteger(page.truncated) && page.truncated >= 0);
  if (page.links.length < maxLinks) assert.equal(page.truncated, 0);
  if (page.title !== undefined) {
    assert.ok(page.title.length > 0 && page.title.length <= MAX_TITLE_LENGTH);
    assert.equal(page.title, page.title.trim());
  }
  for (const url of [page.base, page.canonical, page.refresh]) {
    if (url !== undefined) assert.equal(normalizeUrl(url), url);
  }
}

Deno.test("extractLinks() never throws on any string", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.integer({ min: 0, max: 5 }),
      checkExtracted,
    ),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("extractLinks() never throws on tag soup and bounds its output", () => {
  fc.assert(
    fc.property(tagSoup, fc.integer({ min: 0, max: 5 }), checkExtracted),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("extractLinks() keeps every distinct valid link when unbounded", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(urlish, fc.constantFrom("/a", "b", "#c", "mailto:d")), {
        maxLength: 8,
      }),
      (hrefs) => {
        const html = hrefs.map((h) =>
          `<a href="${
            h.replaceAll("&", "&amp;").replaceAll('"', "&quot;")
          }">x</a>`
        )
          .join("");
        const page = extractLinks(html, "https://ex.test/dir/", {
          maxLinks: Infinity,
        });
        const expected = [
          ...new Set(hrefs.map((h) => normalizeUrl(h, "https://ex.test/dir/"))),
        ];
        const valid = expected.filter((u) => u !== undefined);
        assert.deepEqual(page.links.map((l) => l.url), valid);
        assert.equal(
          page.invalid,
          hrefs.filter((h) =>
            normalizeUrl(h, "https://ex.test/dir/") === undefined
          ).length,
        );
        // Bounded: the first k distinct links, the rest counted.
        const k = Math.floor(valid.length / 2);
        const bounded = extractLinks(html, "https://ex.test/dir/", {
          maxLinks: k,
        });
        assert.deepEqual(bounded.links.map((l) => l.url), valid.slice(0, k));
        assert.equal(bounded.truncated, valid.length - k);
      },
    ),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("createUrlNormalizer() agrees with normalizeUrl() on every href", () => {
  // Pieces that hit the fast paths (plain, relative, dot segments,
  // same-origin absolute) and the shapes that must fall back.
  const piece = fc.constantFrom(
    "/",
    "//",
    ".",
    "..",
    "./",
    "../",
    "a",
    "B",
    "0",
    "-",
    "_",
    "~",
    ".x",
    "p1.html",
    "%7e",
    "%41",
    "?",
    "?q=1",
    "#",
    "#f",
    " ",
    "\\",
    ":",
    "@",
    "http://a.test",
    "http://a.test:80/",
    "HTTP://A.TEST/",
    "https://a.test/",
    "http://a.test:8080/",
    "http://b.test/",
    "é",
  );
  const bases = fc.constantFrom(
    undefined,
    "http://a.test/",
    "http://a.test/x/y.html",
    "http://a.test/x/y/",
    "http://a.test/x/y?q",
    "http://a.test:8080/deep/er/",
    "https://a.test/p%7e/q",
    "http://a.test/a/./b/../c",
    "http://u:p@a.test/x/",
    "mailto:x@a.test",
    "http://a.test/x/y.html?q=1#frag",
    "http://a.test/%7e/.././z#",
  );
  fc.assert(
    fc.property(
      bases,
      fc.string({ unit: piece, maxLength: 12 }),
      (base, href) => {
        assert.equal(createUrlNormalizer(base)(href), normalizeUrl(href, base));
      },
    ),
    { numRuns: NUM_RUNS },
  );
});
