import assert from "node:assert/strict";
import {
  cssReferences,
  cssUrls,
  decodeCss,
  MAX_CSS_REFERENCES,
} from "../../src/archive/css_refs.ts";
import { requisiteUrls, stylesheetUrls } from "../../src/archive/requisites.ts";
import type { ReferenceKind } from "../../src/parse/references.ts";

Deno.test("cssReferences() finds url() in every spelling, @import strings and image-set() strings", () => {
  const css = `
    @import "a.css";
    @import url(b.css) screen;
    @IMPORT 'c.css';
    x { background: url(d.png) }
    x { background: url( "e.png" ) }
    x { background: URL('f.png') }
    x { background: url(  g.png  ) }
    x { background-image: image-set("h.png" 1x, 'i.png' 2x) }
    x { background-image: -webkit-image-set(url(j.png) 1x, "j2.png" 2x) }
    @font-face { src: url(k.woff2) format("woff2"), url(l.woff) }
  `;
  assert.deepEqual(cssReferences(css), [
    "a.css",
    "b.css",
    "c.css",
    "d.png",
    "e.png",
    "f.png",
    "g.png",
    "h.png",
    "i.png",
    "j.png",
    "j2.png",
    "k.woff2",
    "l.woff",
  ]);
});

Deno.test("cssReferences() skips comments, other strings and look-alike functions, and decodes escapes", () => {
  const css = `
    /* url(commented.png) @import "no.css"; */
    x::before { content: "url(in-a-string.png)" }
    x { background: myurl(not.png); y: data-url(no.png) }
    x { background: url(a\\ b.png) }
    x { background: url("q\\"uote.png") }
    x { background: url(\\31 23.png) }
    x { background: url() }
  `;
  assert.deepEqual(cssReferences(css), ["a b.png", 'q"uote.png', "123.png"]);
});

Deno.test("cssReferences() ends cleanly on a cut stylesheet and keeps at most MAX_CSS_REFERENCES", () => {
  assert.deepEqual(cssReferences("x { background: url(a.png) } /* open"), [
    "a.png",
  ]);
  assert.deepEqual(cssReferences('@import "unterminated'), ["unterminated"]);
  assert.deepEqual(cssReferences("x { background: url(open.png"), [
    "open.png",
  ]);
  const many = "x{a:url(i.png)}".repeat(MAX_CSS_REFERENCES + 5);
  assert.equal(cssReferences(many).length, MAX_CSS_REFERENCES);
});

Deno.test("cssUrls() resolves against the stylesheet's URL and keeps http(s) URLs once", () => {
  const css = `a { b: url(../img/x.png); c: url(x.png#frag); d: url(/x.png) }
    e { f: url(data:image/png;base64,AAAA); g: url(mailto:a@b.c) }
    h { i: url(//cdn.test/y.png) }`;
  assert.deepEqual(cssUrls(css, "https://a.test/css/main.css"), [
    "https://a.test/img/x.png",
    "https://a.test/css/x.png",
    "https://a.test/x.png",
    "https://cdn.test/y.png",
  ]);
});

Deno.test("decodeCss() follows the Content-Type charset, then @charset, then UTF-8", () => {
  const latin = new Uint8Array([...new TextEncoder().encode("a"), 0xe9]);
  assert.equal(decodeCss(latin, "text/css; charset=ISO-8859-1"), "aé");
  const declared = new Uint8Array([
    ...new TextEncoder().encode('@charset "iso-8859-1"; '),
    0xe9,
  ]);
  assert.equal(decodeCss(declared, "text/css").at(-1), "é");
  assert.equal(decodeCss(new TextEncoder().encode("é"), null), "é");
  assert.equal(decodeCss(latin, "text/css; charset=bogus"), "a\ufffd");
});

Deno.test("requisiteUrls() keeps images, stylesheets, scripts, media, icons and preloads, not links or frames", () => {
  const kinds: ReferenceKind[] = [
    "link",
    "image",
    "stylesheet",
    "script",
    "frame",
    "media",
    "icon",
    "preload",
  ];
  const refs = kinds.map((kind) => ({ url: `https://a.test/${kind}`, kind }));
  assert.deepEqual(
    requisiteUrls(refs).map((u) => u.slice(15)),
    ["image", "stylesheet", "script", "media", "icon", "preload"],
  );
  assert.deepEqual(requisiteUrls(undefined), []);
});

Deno.test("stylesheetUrls() reads only a whole 2xx text/css body", () => {
  const ex = (status: number, type: string, truncated = false) => ({
    url: "https://a.test/s.css",
    method: "GET",
    requestHeaders: [],
    date: 0,
    status,
    statusText: "",
    responseHeaders: [["content-type", type]] as [string, string][],
    body: new TextEncoder().encode("a { b: url(x.png) }"),
    truncated,
  });
  assert.deepEqual(stylesheetUrls([ex(200, "text/css; charset=utf-8")]), [
    "https://a.test/x.png",
  ]);
  assert.deepEqual(stylesheetUrls([ex(404, "text/css")]), []);
  assert.deepEqual(stylesheetUrls([ex(200, "text/plain")]), []);
  assert.deepEqual(stylesheetUrls([ex(200, "text/css", true)]), []);
  assert.deepEqual(stylesheetUrls([]), []);
});
