import assert from "node:assert/strict";
import {
  DEFAULT_MAX_LINKS,
  extractLinks,
  MAX_TITLE_LENGTH,
} from "../../src/parse/extract_links.ts";

const BASE = "https://ex.test/dir/page.html";
const urls = (html: string, base = BASE) =>
  extractLinks(html, base).links.map((l) => l.url);

Deno.test("extractLinks() resolves relative and absolute hrefs", () => {
  assert.deepEqual(
    urls(`<a href="a.html">1</a><a href="/root">2</a><a href="../up">3</a>
      <a href="?q=1">4</a><a href="HTTP://Other.TEST:80/x">5</a><a href="">6</a>`),
    [
      "https://ex.test/dir/a.html",
      "https://ex.test/root",
      "https://ex.test/up",
      "https://ex.test/dir/page.html?q=1",
      "http://other.test/x",
      "https://ex.test/dir/page.html",
    ],
  );
});

Deno.test("extractLinks() resolves protocol-relative hrefs", () => {
  assert.deepEqual(urls(`<a href="//cdn.test/x">x</a>`), [
    "https://cdn.test/x",
  ]);
  assert.deepEqual(urls(`<a href="//cdn.test/x">x</a>`, "http://ex.test/"), [
    "http://cdn.test/x",
  ]);
});

Deno.test("extractLinks() drops fragments and resolves dot segments", () => {
  assert.deepEqual(
    urls(
      `<a href="#top">1</a><a href="a/./b/../c#s">2</a><a href="/x/%2E%2E/y">3</a>`,
    ),
    [
      "https://ex.test/dir/page.html",
      "https://ex.test/dir/a/c",
      "https://ex.test/y",
    ],
  );
});

Deno.test("extractLinks() applies the first <base href> to the whole document", () => {
  const page = extractLinks(
    `<a href="early">e</a><base target="_blank"><base href="/other/sub/"><base href="/ignored/">
     <a href="late">l</a><link rel=canonical href="c"><meta http-equiv=refresh content="0;url=r">`,
    BASE,
  );
  assert.equal(page.base, "https://ex.test/other/sub/");
  assert.deepEqual(page.links.map((l) => l.url), [
    "https://ex.test/other/sub/early",
    "https://ex.test/other/sub/late",
  ]);
  assert.equal(page.canonical, "https://ex.test/other/sub/c");
  assert.equal(page.refresh, "https://ex.test/other/sub/r");
  // An absolute base on another host.
  assert.deepEqual(urls(`<base href="http://cdn.test/a/b"><a href="c">c</a>`), [
    "http://cdn.test/a/c",
  ]);
});

Deno.test("extractLinks() ignores an invalid <base href>", () => {
  for (
    const base of ["javascript:alert(1)", "http://[bad", "mailto:a@b.test"]
  ) {
    const page = extractLinks(
      `<base href="${base}"><base href="/second/"><a href="x">x</a>`,
      BASE,
    );
    assert.equal(page.base, undefined, base);
    assert.deepEqual(
      page.links.map((l) => l.url),
      ["https://ex.test/dir/x"],
      base,
    );
  }
});

Deno.test("extractLinks() dedupes links, first occurrence wins", () => {
  const page = extractLinks(
    `<a href="a">1</a><a href="b">2</a><a href="a#x">3</a><a href="./a">4</a><a href="b" rel="next">5</a>`,
    BASE,
  );
  assert.deepEqual(page.links, [
    { url: "https://ex.test/dir/a", nofollow: false },
    { url: "https://ex.test/dir/b", nofollow: false },
  ]);
});

Deno.test("extractLinks() reads rel=nofollow as a case-insensitive token list", () => {
  const page = extractLinks(
    `<a href="1" rel="NoFollow">1</a><a href="2" rel=" external\tNOFOLLOW  ugc ">2</a>
     <a href="3" rel="nofollower">3</a><a href="4" rel="">4</a><a href="5" rel="no-follow">5</a>`,
    BASE,
  );
  assert.deepEqual(page.links, [
    { url: "https://ex.test/dir/1", nofollow: true, rel: "nofollow" },
    {
      url: "https://ex.test/dir/2",
      nofollow: true,
      rel: "external nofollow ugc",
    },
    { url: "https://ex.test/dir/3", nofollow: false, rel: "nofollower" },
    { url: "https://ex.test/dir/4", nofollow: false },
    { url: "https://ex.test/dir/5", nofollow: false, rel: "no-follow" },
  ]);
});

Deno.test("extractLinks() makes a link followed if any occurrence is followed", () => {
  const page = extractLinks(
    `<a href="x" rel="nofollow">1</a><a href="y">y</a><a href="x" rel="author">2</a><a href="x" rel="nofollow">3</a>
     <a href="z" rel="nofollow">1</a><a href="z">2</a>
     <a href="w" rel="nofollow">1</a><a href="w" rel="nofollow ugc">2</a>`,
    BASE,
  );
  assert.deepEqual(page.links, [
    { url: "https://ex.test/dir/x", nofollow: false, rel: "author" },
    { url: "https://ex.test/dir/y", nofollow: false },
    { url: "https://ex.test/dir/z", nofollow: false },
    { url: "https://ex.test/dir/w", nofollow: true, rel: "nofollow" },
  ]);
});

Deno.test("extractLinks() reads meta robots", () => {
  const robots = (html: string, botName?: string) =>
    extractLinks(html, BASE, { botName }).robots;
  assert.deepEqual(robots(""), { noindex: false, nofollow: false });
  assert.deepEqual(robots(`<meta name="robots" content="noindex, nofollow">`), {
    noindex: true,
    nofollow: true,
  });
  assert.deepEqual(robots(`<META NAME="Robots" CONTENT="NOINDEX">`), {
    noindex: true,
    nofollow: false,
  });
  assert.deepEqual(robots(`<meta name="robots" content="none">`), {
    noindex: true,
    nofollow: true,
  });
  assert.deepEqual(robots(`<meta name="robots" content="index,follow">`), {
    noindex: false,
    nofollow: false,
  });
  assert.deepEqual(
    robots(
      `<meta name="robots" content="nofollow"><meta name="robots" content="noindex">`,
    ),
    {
      noindex: true,
      nofollow: true,
    },
  );
  assert.deepEqual(
    robots(`<meta name="description" content="noindex nofollow">`),
    {
      noindex: false,
      nofollow: false,
    },
  );
  assert.deepEqual(robots(`<meta name="robots">`), {
    noindex: false,
    nofollow: false,
  });
  // The crawler's own name.
  assert.deepEqual(robots(`<meta name="Trawl" content="nofollow">`, "trawl"), {
    noindex: false,
    nofollow: true,
  });
  assert.deepEqual(robots(`<meta name="trawl" content="nofollow">`), {
    noindex: false,
    nofollow: false,
  });
  assert.deepEqual(
    robots(`<meta name="otherbot" content="noindex">`, "trawl"),
    { noindex: false, nofollow: false },
  );
  // Reported, not applied to links.
  const page = extractLinks(
    `<meta name=robots content=nofollow><a href="x">x</a>`,
    BASE,
  );
  assert.deepEqual(page.links, [{
    url: "https://ex.test/dir/x",
    nofollow: false,
  }]);
});

Deno.test("extractLinks() finds no links in script, style, comments or template", () => {
  const page = extractLinks(
    `<script>document.write('<a href="s1">')</script>
     <script type="text/template"><a href="s2"></a></script>
     <style>a{background:url(s3)} </style><a href="style"></style>
     <!-- <a href="c1"> --><!--><a href="after-empty-comment">
     <template><a href="t1"></a><template><a href="t2"></a></template><a href="t3"></a>
       <base href="/tbase/"><title>T</title><meta name=robots content=none></template>
     <a href="ok">ok</a>
     <textarea><a href="ta"></textarea><noembed><a href="ne"></noembed>`,
    BASE,
  );
  assert.deepEqual(page.links.map((l) => l.url), [
    "https://ex.test/dir/style",
    "https://ex.test/dir/after-empty-comment",
    "https://ex.test/dir/ok",
  ]);
  assert.equal(page.base, undefined);
  assert.equal(page.title, undefined);
  assert.deepEqual(page.robots, { noindex: false, nofollow: false });
});

Deno.test("extractLinks() recovers after an unclosed <template>", () => {
  assert.deepEqual(urls(`<template><a href="in"></a>`), []);
  assert.deepEqual(urls(`</template><a href="out"></a>`), [
    "https://ex.test/dir/out",
  ]);
});

Deno.test("extractLinks() extracts area hrefs", () => {
  const page = extractLinks(
    `<map name=m><area shape=rect href="/area1" rel="nofollow"><area href="/area2"><area nohref></map>`,
    BASE,
  );
  assert.deepEqual(page.links, [
    { url: "https://ex.test/area1", nofollow: true, rel: "nofollow" },
    { url: "https://ex.test/area2", nofollow: false },
  ]);
});

Deno.test("extractLinks() ignores hrefs of other elements", () => {
  assert.deepEqual(
    urls(
      `<link href="/style.css" rel=stylesheet><img src="i.png"><div href="d"></div><a name="n">n</a>`,
    ),
    [],
  );
});

Deno.test("extractLinks() decodes entities in href", () => {
  assert.deepEqual(
    urls(
      `<a href="/p?a=1&amp;b=2&#38;c=3&lt;">1</a><a href="&#x2F;slash">2</a><a href="/&eacute;">3</a>`,
    ),
    [
      "https://ex.test/p?a=1&b=2&c=3%3C",
      "https://ex.test/slash",
      "https://ex.test/%C3%A9",
    ],
  );
});

Deno.test("extractLinks() strips whitespace around and inside href like browsers", () => {
  assert.deepEqual(
    urls(
      `<a href="  /a \n">1</a><a href="\n\t/b\tc\n">2</a><a href=/unquoted>3</a>`,
    ),
    [
      "https://ex.test/a",
      "https://ex.test/bc",
      "https://ex.test/unquoted",
    ],
  );
});

Deno.test("extractLinks() drops and counts hrefs that do not normalize", () => {
  const page = extractLinks(
    `<a href="mailto:a@b.test">1</a><a href="javascript:void(0)">2</a><a href="tel:123">3</a>
     <a href="http://[bad">4</a><a href="https://u:p@ex.test/">5</a><a href="mailto:a@b.test">6</a><a href="ok">7</a>`,
    BASE,
  );
  assert.deepEqual(page.links.map((l) => l.url), ["https://ex.test/dir/ok"]);
  assert.equal(page.invalid, 6);
  assert.equal(page.truncated, 0);
});

Deno.test("extractLinks() with an invalid page URL counts every relative link invalid", () => {
  const page = extractLinks(
    `<a href="rel">1</a><a href="http://abs.test/">2</a>`,
    "not a url",
  );
  assert.deepEqual(page.links.map((l) => l.url), ["http://abs.test/"]);
  assert.equal(page.invalid, 1);
});

Deno.test("extractLinks() survives malformed HTML", () => {
  const page = extractLinks(
    `<html><a href="one"<a href="two">x</a><a href='three' href="dup-attr">y<p><a href=four/>
     <a href="five" <b>bold</b> <A HREF="SIX">z</A><a href="unterminated`,
    BASE,
  );
  assert.deepEqual(page.links.map((l) => l.url), [
    "https://ex.test/dir/one",
    "https://ex.test/dir/three",
    "https://ex.test/dir/four/",
    "https://ex.test/dir/five",
    "https://ex.test/dir/SIX",
  ]);
  for (
    const html of [
      "",
      "<",
      "<a",
      "<a href",
      "</a>",
      "<<<>>>",
      "<!--",
      "<![CDATA[",
      "<script>",
      "\0\uffff\ud800",
    ]
  ) {
    assert.deepEqual(extractLinks(html, BASE).links, [], JSON.stringify(html));
  }
});

Deno.test("extractLinks() takes the first <title>, decoded, collapsed and trimmed", () => {
  assert.equal(
    extractLinks(
      `<title>\n  Tom &amp; Jerry\t&lt;3 </title><title>second</title>`,
      BASE,
    ).title,
    "Tom & Jerry <3",
  );
  assert.equal(
    extractLinks(`<TITLE>a <b>b</b></TITLE>`, BASE).title,
    "a <b>b</b>",
  );
  assert.equal(extractLinks(`<title>   </title>`, BASE).title, undefined);
  assert.equal(extractLinks(`<p>no title</p>`, BASE).title, undefined);
  assert.equal(extractLinks(`<title>unclosed`, BASE).title, "unclosed");
  assert.equal(
    extractLinks(`<svg><title>icon</title></svg><title>page</title>`, BASE)
      .title,
    "page",
  );
  assert.equal(
    extractLinks(`<math><title>m</title></math><body><title>late</title>`, BASE)
      .title,
    "late",
  );
});

Deno.test("extractLinks() caps the title at MAX_TITLE_LENGTH", () => {
  const long = extractLinks(
    `<title>${"x".repeat(MAX_TITLE_LENGTH * 10)}</title>`,
    BASE,
  ).title!;
  assert.equal(long.length, MAX_TITLE_LENGTH);
  // Never cuts a surrogate pair in half.
  const emoji = extractLinks(
    `<title>${"a" + "😀".repeat(MAX_TITLE_LENGTH)}</title>`,
    BASE,
  ).title!;
  assert.equal(emoji.length, MAX_TITLE_LENGTH - 1);
  assert.equal(emoji.isWellFormed(), true);
});

Deno.test("extractLinks() reads link rel=canonical", () => {
  const canonical = (html: string) => extractLinks(html, BASE).canonical;
  assert.equal(
    canonical(`<link rel="canonical" href="/c#frag">`),
    "https://ex.test/c",
  );
  assert.equal(
    canonical(`<LINK REL="Alternate Canonical" HREF="c2">`),
    "https://ex.test/dir/c2",
  );
  assert.equal(
    canonical(
      `<link rel="canonical" href="/first"><link rel="canonical" href="/second">`,
    ),
    "https://ex.test/first",
  );
  assert.equal(
    canonical(`<link rel="canonical" href="javascript:x">`),
    undefined,
  );
  assert.equal(
    canonical(
      `<link rel="alternate" href="/alt"><a rel="canonical" href="/a">`,
    ),
    undefined,
  );
  // Canonical is not a link.
  assert.deepEqual(
    extractLinks(`<link rel="canonical" href="/c">`, BASE).links,
    [],
  );
});

Deno.test("extractLinks() reads meta refresh", () => {
  const refresh = (html: string) => extractLinks(html, BASE).refresh;
  assert.equal(
    refresh(`<meta http-equiv="refresh" content="5; url=/next">`),
    "https://ex.test/next",
  );
  assert.equal(
    refresh(`<meta http-equiv="Refresh" content="0;URL='n2.html'">`),
    "https://ex.test/dir/n2.html",
  );
  assert.equal(
    refresh(`<meta http-equiv=refresh content='3, "http://o.test/"'>`),
    "http://o.test/",
  );
  assert.equal(
    refresh(`<meta http-equiv=refresh content="0.5 /plain">`),
    "https://ex.test/plain",
  );
  assert.equal(refresh(`<meta http-equiv=refresh content="30">`), undefined);
  assert.equal(
    refresh(`<meta http-equiv=refresh content="0; url=javascript:x">`),
    undefined,
  );
  assert.equal(
    refresh(
      `<meta http-equiv=refresh content="0;url=/a"><meta http-equiv=refresh content="0;url=/b">`,
    ),
    "https://ex.test/a",
  );
});

Deno.test("extractLinks() bounds the links at maxLinks and counts the rest", () => {
  const html = Array.from(
    { length: 30 },
    (_, i) => `<a href="/p${i % 20}">x</a>`,
  ).join("");
  const page = extractLinks(html, BASE, { maxLinks: 5 });
  assert.deepEqual(
    page.links.map((l) => l.url),
    [0, 1, 2, 3, 4].map((i) => `https://ex.test/p${i}`),
  );
  assert.equal(page.truncated, 15); // 20 distinct, 5 kept; repeats count once
  assert.equal(extractLinks(html, BASE, { maxLinks: 0 }).links.length, 0);
  assert.equal(
    extractLinks(html, BASE, { maxLinks: Infinity }).links.length,
    20,
  );
  // A followed repeat of a truncated link does not sneak in.
  const late = extractLinks(
    `<a href="/a">1</a><a href="/b" rel=nofollow>2</a><a href="/b">3</a>`,
    BASE,
    { maxLinks: 1 },
  );
  assert.deepEqual(late.links, [{ url: "https://ex.test/a", nofollow: false }]);
  assert.equal(late.truncated, 1);
});

Deno.test("extractLinks() caps at DEFAULT_MAX_LINKS by default", () => {
  assert.equal(DEFAULT_MAX_LINKS, 10_000);
  const html = Array.from(
    { length: DEFAULT_MAX_LINKS + 7 },
    (_, i) => `<a href=/${i}>`,
  ).join("");
  const page = extractLinks(html, BASE);
  assert.equal(page.links.length, DEFAULT_MAX_LINKS);
  assert.equal(page.truncated, 7);
});

Deno.test("extractLinks() throws RangeError on a bad maxLinks", () => {
  for (const maxLinks of [-1, 1.5, NaN, -Infinity, "3" as unknown as number]) {
    assert.throws(
      () => extractLinks("", BASE, { maxLinks }),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith(
          "Cannot extract links as 'maxLinks' must be a non-negative integer: current value is",
        ),
      String(maxLinks),
    );
  }
});
