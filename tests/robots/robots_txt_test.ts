import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRobotsTxt } from "../../src/robots/robots_txt.ts";

const UA = "trawl/0.1 (+https://jsr.io/@trawl/trawl)";

/** [robots.txt body, path, expected isAllowed] for the user agent `UA`. */
type Case = [name: string, body: string, path: string, allowed: boolean];

function star(...rules: string[]): string {
  return "User-agent: *\n" + rules.join("\n") + "\n";
}

const CASES: Case[] = [
  // Google's documented path matching examples.
  ["/ matches root", star("Disallow: /"), "/", false],
  ["/ matches all", star("Disallow: /"), "/any/thing", false],
  ["/fish = prefix", star("Disallow: /fish"), "/fish", false],
  ["/fish ~ /fish.html", star("Disallow: /fish"), "/fish.html", false],
  ["/fish ~ /fish/salmon", star("Disallow: /fish"), "/fish/salmon.html", false],
  ["/fish ~ /fishheads", star("Disallow: /fish"), "/fishheads", false],
  ["/fish ~ query", star("Disallow: /fish"), "/fish.php?id=anything", false],
  ["/fish !~ /Fish.asp", star("Disallow: /fish"), "/Fish.asp", true],
  ["/fish !~ /catfish", star("Disallow: /fish"), "/catfish", true],
  ["/fish !~ /?id=fish", star("Disallow: /fish"), "/?id=fish", true],
  ["/fish !~ /desert/fish", star("Disallow: /fish"), "/desert/fish", true],
  ["/fish* = /fish", star("Disallow: /fish*"), "/fish", false],
  ["/fish* ~ /fishheads", star("Disallow: /fish*"), "/fishheads/x", false],
  ["/fish* !~ /Fish", star("Disallow: /fish*"), "/Fish.asp", true],
  ["/fish/ ~ /fish/", star("Disallow: /fish/"), "/fish/", false],
  ["/fish/ ~ /fish/?id", star("Disallow: /fish/"), "/fish/?id=anything", false],
  [
    "/fish/ ~ /fish/salmon",
    star("Disallow: /fish/"),
    "/fish/salmon.htm",
    false,
  ],
  ["/fish/ !~ /fish", star("Disallow: /fish/"), "/fish", true],
  ["/fish/ !~ /fish.html", star("Disallow: /fish/"), "/fish.html", true],
  [
    "/fish/ !~ /animals/fish/",
    star("Disallow: /fish/"),
    "/animals/fish/",
    true,
  ],
  ["/fish/ !~ /Fish/", star("Disallow: /fish/"), "/Fish/Salmon.asp", true],
  ["/*.php ~ /index.php", star("Disallow: /*.php"), "/index.php", false],
  ["/*.php ~ deeper", star("Disallow: /*.php"), "/folder/filename.php", false],
  ["/*.php ~ query", star("Disallow: /*.php"), "/filename.php?a=1", false],
  [
    "/*.php ~ /f.php5",
    star("Disallow: /*.php"),
    "/folder/any.php.file.html",
    false,
  ],
  ["/*.php !~ /", star("Disallow: /*.php"), "/", true],
  ["/*.php !~ /windows.PHP", star("Disallow: /*.php"), "/windows.PHP", true],
  ["/*.php$ ~ end", star("Disallow: /*.php$"), "/filename.php", false],
  ["/*.php$ ~ deeper end", star("Disallow: /*.php$"), "/a/b.php", false],
  [
    "/*.php$ !~ query",
    star("Disallow: /*.php$"),
    "/filename.php?parameters",
    true,
  ],
  ["/*.php$ !~ /f.php5", star("Disallow: /*.php$"), "/filename.php5", true],
  ["/*.php$ !~ /f.php/", star("Disallow: /*.php$"), "/filename.php/", true],
  ["/fish*.php ~", star("Disallow: /fish*.php"), "/fish.php", false],
  [
    "/fish*.php ~ deep",
    star("Disallow: /fish*.php"),
    "/fishheads/catfish.php?p",
    false,
  ],
  ["/fish*.php !~ /Fish", star("Disallow: /fish*.php"), "/Fish.PHP", true],
  ["$ exact /", star("Disallow: /$"), "/", false],
  ["$ exact / !~ /a", star("Disallow: /$"), "/a", true],
  ["* alone", star("Disallow: *"), "/x", false],
  ["** collapsed", star("Disallow: /a**b"), "/axxb", false],
  ["*$ anchors to anything", star("Disallow: /a*$"), "/abc", false],
  ["middle $ is literal", star("Disallow: /a$b"), "/a$b", false],
  ["middle $ no anchor", star("Disallow: /a$b"), "/a", true],
  ["repeated pieces", star("Disallow: /*a*a*a$"), "/aaa", false],
  ["repeated pieces miss", star("Disallow: /*a*a*a$"), "/aa", true],
  ["anchored tail overlaps", star("Disallow: /*ab*ab$"), "/abab", false],
  ["anchored tail overlap miss", star("Disallow: /*ab*ab$"), "/aba", true],
  // Longest match; Allow wins a tie.
  [
    "longer allow wins",
    star("Disallow: /p", "Allow: /p/public"),
    "/p/public/1",
    true,
  ],
  [
    "longer disallow wins",
    star("Allow: /p", "Disallow: /p/secret"),
    "/p/secret",
    false,
  ],
  ["tie: allow wins", star("Disallow: /page", "Allow: /page"), "/page", true],
  [
    "tie reversed order",
    star("Allow: /page", "Disallow: /page"),
    "/page",
    true,
  ],
  [
    "google: allow /$ vs disallow /",
    star("Allow: /$", "Disallow: /"),
    "/",
    true,
  ],
  [
    "google: allow /$ vs disallow / (page)",
    star("Allow: /$", "Disallow: /"),
    "/page.htm",
    false,
  ],
  [
    "google: /*.htm vs /page",
    star("Allow: /page", "Disallow: /*.html"),
    "/page.html",
    false,
  ],
  [
    "google: /*.ph vs /page ties: allow",
    star("Allow: /page", "Disallow: /*.ph"),
    "/page.php5",
    true,
  ],
  [
    "google: allow /page wins",
    star("Allow: /page", "Disallow: /*.ph"),
    "/page",
    true,
  ],
  ["empty disallow = nothing", star("Disallow:"), "/anything", true],
  ["empty allow ignored", star("Allow:", "Disallow: /a"), "/a", false],
  // robots.txt is always allowed.
  ["robots.txt allowed", star("Disallow: /"), "/robots.txt", true],
  ["robots.txt?q allowed", star("Disallow: /"), "/robots.txt?x=1", true],
  ["no rules", "", "/x", true],
  ["only /robots.txt is exempt", star("Disallow: /"), "/robots.txt/x", false],
  ["exemption is case-sensitive", star("Disallow: /"), "/ROBOTS.TXT", false],
  // Percent-encoding, RFC 9309 §2.2.2.
  [
    "query matched",
    star("Disallow: /foo/bar?baz=quz"),
    "/foo/bar?baz=quz",
    false,
  ],
  ["utf-8 pattern", star("Disallow: /foo/bar/ツ"), "/foo/bar/%E3%83%84", false],
  ["utf-8 pattern vs raw", star("Disallow: /foo/bar/ツ"), "/foo/bar/ツ", false],
  [
    "encoded pattern",
    star("Disallow: /foo/bar/%E3%83%84"),
    "/foo/bar/ツ",
    false,
  ],
  [
    "lower hex",
    star("Disallow: /foo/bar/%e3%83%84"),
    "/foo/bar/%E3%83%84",
    false,
  ],
  [
    "unreserved decoded",
    star("Disallow: /foo/bar/%62%61%7A"),
    "/foo/bar/baz",
    false,
  ],
  [
    "unreserved decoded (url)",
    star("Disallow: /foo/bar/baz"),
    "/foo/bar/%62%61%7A",
    false,
  ],
  ["reserved stays encoded", star("Disallow: /a%2Fb"), "/a/b", true],
  [
    "%2A matches a literal *",
    star("Disallow: /file-%2A.html"),
    "/file-*.html",
    false,
  ],
  [
    "%2A is no wildcard",
    star("Disallow: /file-%2A.html"),
    "/file-x.html",
    true,
  ],
  ["%24 matches a literal $", star("Disallow: /a%24"), "/a$b", false],
  ["space in pattern", star("Disallow: /a b"), "/a%20b", false],
  ["pattern without slash", star("Disallow: private"), "/private/x", false],
  // Lines and keys.
  ["keys are case-insensitive", "USER-AGENT: *\nDISALLOW: /x\n", "/x", false],
  ["useragent typo", "useragent: *\ndisallow: /x\n", "/x", false],
  ["user agent typo", "user agent: *\ndisallow: /x\n", "/x", false],
  [
    "comments",
    "User-agent: * # all\nDisallow: /x # secret\n#Disallow: /y\n",
    "/y",
    true,
  ],
  ["comment cuts value", "User-agent: *\nDisallow: /x#y\n", "/x", false],
  ["whitespace", "  User-agent :   *  \n\t Disallow :\t/x \n", "/x", false],
  ["CR line ends", "User-agent: *\rDisallow: /x\r", "/x", false],
  ["CRLF line ends", "User-agent: *\r\nDisallow: /x\r\n", "/x", false],
  ["BOM stripped", "\uFEFFUser-agent: *\nDisallow: /x\n", "/x", false],
  ["no colon ignored", "User-agent *\nDisallow /x\n", "/x", true],
  [
    "rule before any group",
    "Disallow: /x\nUser-agent: *\nAllow: /y\n",
    "/x",
    true,
  ],
  [
    "unknown keys ignored",
    "User-agent: *\nFoo: bar\nDisallow: /x\n",
    "/x",
    false,
  ],
  ["html is allow-all", "<html><body>Disallow: /</body></html>", "/", true],
];

Deno.test("parseRobotsTxt() matches the table", () => {
  const failures: string[] = [];
  for (const [name, body, path, allowed] of CASES) {
    const robots = parseRobotsTxt(body);
    const got = robots.isAllowed(`https://example.com${path}`, UA);
    if (got !== allowed) failures.push(`${name}: ${path} -> ${got}`);
    // A bare path gives the same answer as the URL.
    if (robots.isAllowed(path, UA) !== got) {
      failures.push(`${name}: bare path ${path} differs`);
    }
  }
  assert.deepEqual(failures, []);
});

Deno.test("parseRobotsTxt() accepts URL objects", () => {
  const robots = parseRobotsTxt(star("Disallow: /a?b"));
  assert.equal(robots.isAllowed(new URL("https://x.test/a?b=1"), UA), false);
  assert.equal(robots.isAllowed(new URL("https://x.test/a#b"), UA), true);
  assert.equal(robots.isAllowed("/a#?b", UA), true);
});

Deno.test("parseRobotsTxt() rejects unparseable URLs instead of throwing", () => {
  const robots = parseRobotsTxt("");
  assert.equal(robots.isAllowed("not a url", UA), false);
  assert.equal(robots.isAllowed("/ok", UA), true);
});

const GROUPS = `
User-agent: googlebot
Disallow: /g

User-agent: Trawl
User-agent: other
Disallow: /t1
Crawl-delay: 3

User-agent: *
Disallow: /star
Crawl-delay: 9

User-agent: trawl
Sitemap: https://example.com/s1.xml
Disallow: /t2
Crawl-delay: 5
`;

Deno.test("parseRobotsTxt() picks and merges the groups of the product token", () => {
  const robots = parseRobotsTxt(GROUPS);
  for (const ua of [UA, "trawl", "TRAWL", "Trawl/2.0", " trawl"]) {
    assert.equal(robots.isAllowed("/t1", ua), false, ua);
    assert.equal(robots.isAllowed("/t2", ua), false, ua);
    assert.equal(robots.isAllowed("/star", ua), true, ua);
    assert.equal(robots.isAllowed("/g", ua), true, ua);
    assert.equal(robots.crawlDelay(ua), 5, ua); // the larger of 3 and 5
  }
  // "other" shares the first trawl group only.
  assert.equal(robots.isAllowed("/t1", "other"), false);
  assert.equal(robots.isAllowed("/t2", "other"), true);
  assert.equal(robots.crawlDelay("other"), 3);
  // Googlebot/2.1 has the token "googlebot".
  assert.equal(robots.isAllowed("/g", "Googlebot/2.1"), false);
  assert.equal(robots.isAllowed("/star", "Googlebot/2.1"), true);
  assert.equal(robots.crawlDelay("googlebot"), undefined);
  // Others fall back to "*"; a token is matched whole, never as a prefix.
  for (const ua of ["somebot", "trawler", "googlebot-news", "", "/x"]) {
    assert.equal(robots.isAllowed("/star", ua), false, ua);
    assert.equal(robots.isAllowed("/t1", ua), true, ua);
    assert.equal(robots.crawlDelay(ua), 9, ua);
  }
});

Deno.test("parseRobotsTxt() allows everything with no matching and no * group", () => {
  const robots = parseRobotsTxt("User-agent: googlebot\nDisallow: /\n");
  assert.equal(robots.isAllowed("/", UA), true);
  assert.equal(robots.isAllowed("/", "googlebot"), false);
  assert.equal(robots.crawlDelay(UA), undefined);
});

Deno.test("parseRobotsTxt() keeps a group open across sitemap and crawl-delay lines", () => {
  const robots = parseRobotsTxt(
    "User-agent: a\nCrawl-delay: 1\nSitemap: https://x.test/s\nUser-agent: b\nDisallow: /x\n" +
      "User-agent: c\nDisallow: /y\n",
  );
  assert.equal(robots.isAllowed("/x", "a"), false);
  assert.equal(robots.isAllowed("/x", "b"), false);
  assert.equal(robots.crawlDelay("b"), 1);
  // A rule ended the a+b group, so c starts a new one.
  assert.equal(robots.isAllowed("/x", "c"), true);
  assert.equal(robots.isAllowed("/y", "c"), false);
  assert.equal(robots.isAllowed("/y", "a"), true);
});

Deno.test("parseRobotsTxt() parses Crawl-delay strictly", () => {
  const delay = (v: string) =>
    parseRobotsTxt(`User-agent: *\nCrawl-delay: ${v}\n`).crawlDelay(UA);
  assert.equal(delay("10"), 10);
  assert.equal(delay("0"), 0);
  assert.equal(delay("0.5"), 0.5);
  assert.equal(delay(".25"), 0.25);
  assert.equal(delay("2."), 2);
  for (
    const bad of ["-1", "abc", "1e3", "1s", "", "Infinity", "NaN", "1.2.3"]
  ) {
    assert.equal(delay(bad), undefined, bad);
  }
  // The first valid value of a group counts; a later one is ignored.
  const robots = parseRobotsTxt(
    "User-agent: *\nCrawl-delay: x\nCrawl-delay: 4\nCrawl-delay: 7\n",
  );
  assert.equal(robots.crawlDelay(UA), 4);
  // Before any user-agent it belongs to no group.
  assert.equal(
    parseRobotsTxt("Crawl-delay: 3\nUser-agent: *\n").crawlDelay(UA),
    undefined,
  );
});

Deno.test("parseRobotsTxt() collects sitemaps anywhere, deduplicated", () => {
  const robots = parseRobotsTxt(
    "Sitemap: https://x.test/a.xml\nUser-agent: *\nsitemap:https://x.test/b.xml\n" +
      "Disallow: /\nSITEMAP: https://x.test/a.xml\nSitemap:\n",
  );
  assert.deepEqual(robots.sitemaps, [
    "https://x.test/a.xml",
    "https://x.test/b.xml",
  ]);
  assert.deepEqual(parseRobotsTxt("").sitemaps, []);
});

Deno.test("parseRobotsTxt() cuts lines at 16,664 bytes", () => {
  const long = "/" + "a".repeat(16_664);
  const robots = parseRobotsTxt(`User-agent: *\nDisallow: ${long}\n`);
  // "Disallow: " is 10 bytes, so the pattern keeps 16,654 bytes.
  const kept = long.slice(0, 16_654);
  assert.equal(robots.isAllowed(kept, UA), false);
  assert.equal(robots.isAllowed(kept.slice(0, -1), UA), true);
  // Multi-byte characters are never split.
  const wide = "/" + "ツ".repeat(6000);
  const r2 = parseRobotsTxt(`User-agent: *\nDisallow: ${wide}\n`);
  const keptWide = "/" + "ツ".repeat(Math.floor((16_664 - 11) / 3));
  assert.equal(r2.isAllowed(keptWide, UA), false);
  assert.equal(r2.isAllowed(keptWide.slice(0, -1), UA), true);
});

const robotsish = fc.array(
  fc.oneof(
    fc.constantFrom(
      "User-agent:",
      "Disallow:",
      "Allow:",
      "Crawl-delay:",
      "Sitemap:",
      "*",
      "$",
      "%",
      "%4",
      "%e3",
      "\n",
      "\r",
      "#",
      " ",
      "/",
      "\uFEFF",
      "\uD800",
      "ツ",
      "trawl",
      "1.5",
    ),
    fc.string({ maxLength: 3 }),
    fc.string({ unit: "binary", maxLength: 2 }),
  ),
  { maxLength: 80 },
).map((parts) => parts.join(""));

Deno.test("parseRobotsTxt() never throws on arbitrary input", () => {
  fc.assert(
    fc.property(
      robotsish,
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 20 }),
      (body, path, ua) => {
        const robots = parseRobotsTxt(body);
        robots.isAllowed(path, ua);
        robots.isAllowed("/" + path, ua);
        robots.crawlDelay(ua);
        assert.ok(Array.isArray(robots.sitemaps));
      },
    ),
  );
  // Lone surrogates and non-strings.
  const r = parseRobotsTxt("User-agent: *\nDisallow: /\uD800x\n");
  assert.equal(r.isAllowed("/\uD800x", UA), false);
  assert.equal(r.isAllowed("/x", UA), true);
  assert.equal(
    parseRobotsTxt(undefined as unknown as string).isAllowed("/", UA),
    true,
  );
});

Deno.test("parseRobotsTxt() wildcard matching agrees with a reference regex", () => {
  const piece = fc.string({
    unit: fc.constantFrom("a", "b", "*"),
    maxLength: 8,
  });
  const path = fc.string({ unit: fc.constantFrom("a", "b"), maxLength: 10 });
  fc.assert(
    fc.property(piece, fc.boolean(), path, (p, anchored, target) => {
      const pattern = "/" + p + (anchored ? "$" : "");
      const robots = parseRobotsTxt(`User-agent: *\nDisallow: ${pattern}\n`);
      const re = new RegExp(
        "^/" + p.replaceAll("*", ".*") + (anchored ? "$" : ""),
      );
      assert.equal(robots.isAllowed("/" + target, UA), !re.test("/" + target));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("parseRobotsTxt() matches many wildcards in linear-ish time", () => {
  const pattern = "/" + "*a".repeat(2000) + "b";
  const robots = parseRobotsTxt(`User-agent: *\nDisallow: ${pattern}\n`);
  const path = "/" + "a".repeat(16_000);
  // A backtracking regex would never finish this; the matcher answers at once.
  assert.equal(robots.isAllowed(path, UA), true);
  assert.equal(robots.isAllowed(path + "b", UA), false);
});

Deno.test("parseRobotsTxt() treats a leading U+FEFF as a byte order mark, not as part of the first key", () => {
  const ua = "trawl";
  // Before a group, before a rule outside any group, and before a comment.
  const group = parseRobotsTxt("\uFEFFUser-agent: trawl\nDisallow: /x\n");
  assert.equal(group.isAllowed("https://a.test/x", ua), false);
  const comment = parseRobotsTxt(
    "\uFEFF# rules\nUser-agent: *\nDisallow: /y\n",
  );
  assert.equal(comment.isAllowed("https://a.test/y", ua), false);
  const sitemap = parseRobotsTxt("\uFEFFSitemap: https://a.test/s.xml\n");
  assert.deepEqual(sitemap.sitemaps, ["https://a.test/s.xml"]);
  // A BOM before the value of a rule is not part of the pattern either.
  const value = parseRobotsTxt("User-agent: *\nDisallow:\uFEFF/z\n");
  assert.equal(value.isAllowed("https://a.test/z", ua), false);
});

Deno.test("parseRobotsTxt() matches a URL with an empty query against a rule written with the '?'", () => {
  const robots = parseRobotsTxt("User-agent: *\nDisallow: /path?\n");
  const ua = "trawl";
  for (
    const url of [
      "https://a.test/path?",
      new URL("https://a.test/path?"),
      "/path?",
      "https://a.test/path?#frag",
      new URL("https://a.test/path?#frag"),
      "https://a.test/path?q=1",
    ]
  ) {
    assert.equal(robots.isAllowed(url, ua), false, String(url));
  }
  // No query at all, or a '?' only in the fragment: the rule does not apply.
  for (
    const url of [
      "https://a.test/path",
      new URL("https://a.test/path"),
      "/path",
      "https://a.test/path#a?b",
      new URL("https://a.test/path#a?"),
    ]
  ) {
    assert.equal(robots.isAllowed(url, ua), true, String(url));
  }
});
