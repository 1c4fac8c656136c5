import assert from "node:assert/strict";
import fc from "fast-check";
import { resolve, sep } from "node:path";
import { savePath } from "../../src/archive/save_path.ts";
import { normalizeUrl } from "../../src/url/normalize_url.ts";

Deno.test("savePath() maps URLs like wget -x: HOST/PATH, index.html for a folder, the query folded into the name", () => {
  const cases: [string, string][] = [
    ["https://example.com/", "example.com/index.html"],
    ["https://example.com/docs/", "example.com/docs/index.html"],
    ["https://example.com/docs/intro.html", "example.com/docs/intro.html"],
    ["https://example.com/img/logo.png", "example.com/img/logo.png"],
    ["https://example.com/about", "example.com/about^f"],
    [
      "https://example.com/search?q=a%20b&p=2",
      "example.com/search^qq=a%20b&p=2^f",
    ],
    ["https://example.com/?page=2", "example.com/index.html^qpage=2"],
    ["https://example.com:8443/x.css", "example.com+8443+https/x.css"],
    ["http://example.com/x.css", "example.com+80/x.css"],
    ["http://127.0.0.1:8080/x.css", "127.0.0.1+8080/x.css"],
    ["https://example.com/v1.2/api.json", "example.com/v1.2^d/api.json"],
    ["https://example.com/wiki/Main_Page", "example.com/wiki/Main_Page^f^u0.5"],
    ["https://example.com/caf%C3%A9.html", "example.com/caf%C3%A9.html"],
    ["https://example.com/index.html", "example.com/index.html^f"],
  ];
  for (const [url, path] of cases) assert.equal(savePath(url), path, url);
});

Deno.test("savePath() keeps every URL inside the folder: dot segments, encoded slashes and dots, backslashes, empty segments, NUL and controls", () => {
  const cases: [string, string][] = [
    ["http://a.test/../../etc/passwd", "a.test+80/etc/passwd^f"],
    ["http://a.test/%2e%2e/%2E%2E/etc/passwd", "a.test+80/etc/passwd^f"],
    [
      "http://a.test/..%2f..%2fetc%2fpasswd",
      "a.test+80/..%2F..%2Fetc%2Fpasswd",
    ],
    ["http://a.test/a%5C..%5C..%5Cb", "a.test+80/a%5C..%5C..%5Cb"],
    ["http://a.test/a\\..\\..\\b", "a.test+80/b^f"],
    ["http://a.test//etc/passwd", "a.test+80/^z/etc/passwd^f"],
    ["http://a.test/.../x", "a.test+80/..^2E^d/x^f"],
    ["http://a.test/a%00b", "a.test+80/a%00b^f"],
    ["http://a.test/a%0Ab%09", "a.test+80/a%0Ab%09^f"],
    ["http://a.test/x:y*z|w", "a.test+80/x^3Ay^2Az^7Cw^f"],
    ["http://a.test/%zz", "a.test+80/^25zz^f"],
    ["http://a.test/trailing.", "a.test+80/trailing^2E^f"],
    ["http://[::1]:81/x", "^5B^3A^3A1^5D+81/x^f"],
  ];
  for (const [url, path] of cases) assert.equal(savePath(url), path, url);
});

Deno.test("savePath() gives a path that is both a file and a folder two names, and case variants two names", () => {
  assert.equal(savePath("http://a.test/a"), "a.test+80/a^f");
  assert.equal(savePath("http://a.test/a/b"), "a.test+80/a/b^f");
  assert.equal(savePath("http://a.test/a.html"), "a.test+80/a.html");
  assert.equal(savePath("http://a.test/a.html/b"), "a.test+80/a.html^d/b^f");
  const variants = ["/readme", "/README", "/ReadMe", "/readMe"].map((p) =>
    savePath(`http://a.test${p}`).toLowerCase()
  );
  assert.equal(new Set(variants).size, 4, variants.join(" "));
});

Deno.test("savePath() cuts a name over 255 bytes and a path too long to keep, with a hash", () => {
  const long = savePath(`https://a.test/${"n".repeat(400)}.html`);
  const name = long.split("/")[1];
  assert.equal(name.length, 200 + 2 + 40);
  assert.match(name, /^n{200}\^h[0-9a-f]{40}$/);
  const other = savePath(`https://a.test/${"n".repeat(401)}.html`);
  assert.notEqual(other, long);
  const deep = savePath(
    `https://a.test/${"d".repeat(200)}/`.repeat(1) + "x/".repeat(1000),
  );
  assert.match(deep, /^a\.test\/\^p[0-9a-f]{40}$/);
});

Deno.test("savePath() rejects what is not an http(s) URL", () => {
  assert.throws(() => savePath("ftp://a.test/x"), TypeError);
  assert.throws(() => savePath("/relative"), TypeError);
});

// ---- properties ---------------------------------------------------------------

const NASTY = [
  "",
  ".",
  "..",
  "...",
  "%2e",
  "%2E%2E",
  ".%2e",
  "%2F",
  "..%2F..",
  "a%5Cb",
  "a\\b",
  "%00",
  "\u0000",
  "\t",
  "%0A",
  "con",
  "CON",
  "index.html",
  "INDEX.HTML",
  "Index.Html",
  "a",
  "A",
  "a.",
  "a..",
  "a^b",
  "^5E",
  "^f",
  "^d",
  "^z",
  "a^u0",
  "%",
  "%25",
  "%zz",
  "%c3%a9",
  "%C3%A9",
  "é",
  "e\u0301",
  "Ä",
  "~",
  "+",
  ":",
  "*",
  "?",
  "|",
  '"',
  "<>",
  "x".repeat(300),
  "X".repeat(254),
  "v1.2",
  "a.b",
  "a.b^d",
  "a^f",
  "a^qb",
  "a^u0",
];

const segment = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY), weight: 4 },
  fc.stringMatching(/^[A-Za-z0-9._~%^+-]{0,8}$/),
  fc.string({ maxLength: 6 }),
);
const host = fc.constantFrom(
  "a.test",
  "A.TEST",
  "127.0.0.1",
  "[::1]",
  "xn--caf-dma.test",
  "b.test",
);
/** URLs from the given hosts with up to `depth` path segments. */
const urls = (hosts: fc.Arbitrary<string>, depth: number) =>
  fc.record({
    scheme: fc.constantFrom("http", "https"),
    host: hosts,
    port: fc.constantFrom("", ":80", ":443", ":8080"),
    segments: fc.array(segment, { maxLength: depth }),
    query: fc.option(
      fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })),
      { nil: undefined },
    ),
  }).map(({ scheme, host, port, segments, query }) =>
    `${scheme}://${host}${port}/${segments.join("/")}${
      query === undefined ? "" : `?${query}`
    }`
  ).filter((u) => normalizeUrl(u) !== undefined);
const url = urls(host, 5);
/** Few hosts and short paths, so that URLs meet often. */
const close = urls(fc.constantFrom("a.test", "A.TEST"), 2);

const ROOT = resolve("/tmp/save-root");

Deno.test("savePath() of any URL stays inside the folder, with names a file system takes", () => {
  fc.assert(
    fc.property(url, (u) => {
      const path = savePath(u);
      const names = path.split("/");
      for (const name of names) {
        assert.ok(name !== "" && name !== "." && name !== "..", path);
        assert.ok(new TextEncoder().encode(name).length <= 255, path);
        // deno-lint-ignore no-control-regex
        assert.ok(!/[\u0000-\u001f\u007f\\:*?"<>|]/.test(name), path);
        assert.ok(!name.endsWith("."), path);
      }
      const full = resolve(ROOT, ...names);
      assert.ok(full.startsWith(ROOT + sep), full);
    }),
    { numRuns: 3000 },
  );
});

/**
 * Checks that `list` maps to distinct files (ignoring case), none of them a
 * folder of another's file.
 */
function assertDistinct(list: Iterable<string>): void {
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  for (const u of list) {
    const normal = normalizeUrl(u)!;
    const path = savePath(u).toLowerCase();
    const before = files.get(path);
    assert.ok(
      before === undefined || before === normal,
      `${before} and ${normal} both map to ${path}`,
    );
    files.set(path, normal);
    const names = path.split("/");
    for (let i = 1; i < names.length; i++) {
      folders.set(names.slice(0, i).join("/"), normal);
    }
  }
  for (const [path, u] of files) {
    const other = folders.get(path);
    assert.ok(
      other === undefined,
      `${u} is saved at ${path}, a folder of ${other}`,
    );
  }
}

Deno.test("savePath() maps every URL of up to two tricky segments (with a trailing slash, with a query) to its own file", () => {
  const list: string[] = [];
  for (const a of NASTY) {
    for (const b of [undefined, ...NASTY]) {
      const path = b === undefined ? a : `${a}/${b}`;
      for (const tail of ["", "/", "?x", "?^f", "?a.b"]) {
        const u = `http://a.test/${path}${tail}`;
        if (normalizeUrl(u) !== undefined) list.push(u);
      }
    }
  }
  assert.ok(list.length > 10_000);
  assertDistinct(list);
});

Deno.test("savePath() never maps two URLs to one file, nor a file to another's folder, even ignoring case", () => {
  fc.assert(
    fc.property(
      fc.array(close, { minLength: 2, maxLength: 60 }),
      assertDistinct,
    ),
    { numRuns: 2000 },
  );
});
