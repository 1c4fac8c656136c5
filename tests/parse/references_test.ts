import assert from "node:assert/strict";
import { extractLinks } from "../../src/parse/extract_links.ts";
import { parseHtml } from "../../src/parse/parse_html.ts";
import {
  MAX_REFERENCE_TEXT,
  parseSrcset,
  referencesOf,
  resolveReferences,
} from "../../src/parse/references.ts";

const PAGE = `<!doctype html><html><head>
<base href="https://example.com/base/">
<link rel="stylesheet" href="css/site.css">
<link rel="Shortcut Icon" href="/favicon.ico">
<link rel="apple-touch-icon" href="/touch.png">
<link rel="preload" href="/font.woff2" as="font">
<link rel="alternate" href="/feed.xml">
<script src="js/app.js"></script>
</head><body>
<h1 id="top">Title</h1>
<a name="old-anchor"></a>
<a href="page.html#section-2" id="first">Read  <b>more</b>
 here</a>
<a href="mailto:me@example.com">mail</a>
<a href="javascript:void(0)">js</a>
<img src="img/a.png" srcset="img/a-2x.png 2x, img/a-3x.png 3x" alt="A">
<img src="data:image/png;base64,AAAA">
<picture><source srcset="img/p.webp 1x"><img src="img/p.png"></picture>
<video src="v.mp4" poster="v.jpg"><source src="v.webm"><track src="v.vtt"></video>
<audio src="a.mp3"></audio>
<iframe src="https://other.example/frame"></iframe>
<map><area href="/area" alt="The area"></map>
<input type="image" src="btn.png">
<embed src="e.swf"><object data="o.pdf"></object>
<template><img src="hidden.png" id="tpl"><a href="/tpl">t</a></template>
<a href="/img-link"><img src="icon.png" alt="Icon"></a>
</body></html>`;

Deno.test("extractLinks() reports every reference with its kind, fragment and text when references is on", () => {
  const page = extractLinks(PAGE, "https://example.com/dir/", {
    references: true,
  });
  const b = "https://example.com/base/";
  assert.deepEqual(page.references, [
    { url: `${b}css/site.css`, kind: "stylesheet" },
    { url: "https://example.com/favicon.ico", kind: "icon" },
    { url: "https://example.com/touch.png", kind: "icon" },
    { url: "https://example.com/font.woff2", kind: "preload" },
    { url: `${b}js/app.js`, kind: "script" },
    {
      url: `${b}page.html`,
      kind: "link",
      fragment: "section-2",
      text: "Read more here",
    },
    { url: `${b}img/a.png`, kind: "image" },
    { url: `${b}img/a-2x.png`, kind: "image" },
    { url: `${b}img/a-3x.png`, kind: "image" },
    { url: `${b}img/p.webp`, kind: "image" },
    { url: `${b}img/p.png`, kind: "image" },
    { url: `${b}v.mp4`, kind: "media" },
    { url: `${b}v.jpg`, kind: "media" },
    { url: `${b}v.webm`, kind: "media" },
    { url: `${b}v.vtt`, kind: "media" },
    { url: `${b}a.mp3`, kind: "media" },
    { url: "https://other.example/frame", kind: "frame" },
    { url: "https://example.com/area", kind: "link", text: "The area" },
    { url: `${b}btn.png`, kind: "image" },
    { url: `${b}e.swf`, kind: "media" },
    { url: `${b}o.pdf`, kind: "media" },
    { url: "https://example.com/img-link", kind: "link", text: "Icon" },
    { url: `${b}icon.png`, kind: "image" },
  ]);
  // mailto:, javascript: and data: are counted, not checked.
  assert.equal(page.unchecked, 3);
  assert.deepEqual(page.anchors, ["top", "old-anchor", "first"]);
  // The link list itself is unchanged by the option.
  const plain = extractLinks(PAGE, "https://example.com/dir/");
  assert.deepEqual(page.links, plain.links);
  assert.equal(plain.references, undefined);
  assert.equal(plain.anchors, undefined);
});

Deno.test("parseHtml() passes references through when the input asks for them", () => {
  const bytes = new TextEncoder().encode(PAGE);
  const page = parseHtml(bytes, {
    url: "https://example.com/",
    references: true,
  });
  assert.equal(page.references?.length, 23);
  assert.equal(page.anchors?.length, 3);
  const plain = parseHtml(bytes, { url: "https://example.com/" });
  assert.equal(plain.references, undefined);
});

Deno.test("parseSrcset() keeps commas inside URLs and skips descriptors", () => {
  assert.deepEqual(parseSrcset(""), []);
  assert.deepEqual(parseSrcset(" a.png "), ["a.png"]);
  // As in the HTML standard, a comma only ends a URL when whitespace follows.
  assert.deepEqual(parseSrcset("a.png,b.png"), ["a.png,b.png"]);
  assert.deepEqual(parseSrcset("a.png, b.png"), ["a.png", "b.png"]);
  assert.deepEqual(parseSrcset("a.png 100w, b.png 200w"), ["a.png", "b.png"]);
  assert.deepEqual(parseSrcset("x,y.png 1x, z.png (a, b) 2x, w.png"), [
    "x,y.png",
    "z.png",
    "w.png",
  ]);
  assert.deepEqual(parseSrcset(",,, a.png,,, "), ["a.png"]);
});

Deno.test("referencesOf() ignores empty URLs and elements without references", () => {
  assert.deepEqual(referencesOf("img", { src: "  " }, false), []);
  assert.deepEqual(referencesOf("div", { src: "x.png" }, false), []);
  assert.deepEqual(referencesOf("link", { href: "x.css" }, false), []);
  assert.deepEqual(referencesOf("input", { src: "x.png" }, false), []);
});

Deno.test("resolveReferences() counts unparsable URLs and caps link text", () => {
  const long = "word ".repeat(100);
  const { references, unchecked } = resolveReferences(
    [
      { href: "http://[bad", kind: "link" },
      { href: "/ok#", kind: "link", text: long },
    ],
    "https://example.com/",
  );
  assert.equal(unchecked, 1);
  assert.equal(references.length, 1);
  // An empty fragment is no fragment.
  assert.equal(references[0].fragment, undefined);
});

Deno.test("extractLinks() caps a link's text when the link holds a huge text", () => {
  const page = extractLinks(
    `<a href="/x">${"long text ".repeat(1000)}</a><a href="/y">y</a>`,
    "https://example.com/",
    { references: true },
  );
  assert.ok(page.references![0].text!.length <= MAX_REFERENCE_TEXT);
  assert.equal(page.references![1].text, "y");
});
