/**
 * The link scanner against the htmlparser2 path: differential property
 * tests over generated markup, every fixture page, and real documentation
 * pages when they are installed. fast-check prints the seed and the shrunk
 * counterexample on failure; rerun one with `fc.assert(..., { seed, path })`.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { join } from "node:path";
import { decodeHtml } from "../../src/parse/charset.ts";
import { extractLinks } from "../../src/parse/extract_links.ts";
import { scanLinks } from "../../src/parse/link_scanner.ts";
import { parseHtml } from "../../src/parse/parse_html.ts";

const NUM_RUNS = 10_000;
const BASE = "https://example.com/dir/page.html";

function caseOf(word: string, mask: number): string {
  let out = "";
  for (let i = 0; i < word.length; i++) {
    out += (mask >> (i % 16)) & 1 ? word[i].toUpperCase() : word[i];
  }
  return out;
}

/** A word in random letter case. */
const cased = (words: string[]) =>
  fc.tuple(fc.constantFrom(...words), fc.nat(0xffff)).map(([w, m]) =>
    caseOf(w, m)
  );

const TAGS = [
  "a",
  "area",
  "base",
  "link",
  "meta",
  "title",
  "template",
  "svg",
  "math",
  "script",
  "style",
  "textarea",
  "xmp",
  "iframe",
  "noembed",
  "noframes",
  "p",
  "div",
  "form",
  "br",
  "img",
  "image",
  "foreignObject",
  "desc",
  "mi",
  "annotation-xml",
  "table",
  "tr",
  "td",
  "li",
  "select",
  "option",
  "input",
  "body",
  "head",
  "span",
  "h1",
  "clipPath",
  "scripts",
  "titles",
  "picture",
  "source",
  "video",
  "audio",
  "track",
  "embed",
  "object",
  "frame",
  "b",
];

const ATTRS = [
  "href",
  "rel",
  "name",
  "content",
  "http-equiv",
  "charset",
  "x",
  "=x",
  '"q',
  "a'b",
  "hr\u0000ef",
  "src",
  "srcset",
  "poster",
  "data",
  "id",
  "alt",
  "type",
];

/** Values that matter to links: URLs, references, rel and robots words. */
const VALUES = [
  "/a",
  "b/c",
  "../up",
  "?q=1&amp;r=2",
  "/x?a=1&b=2",
  "/e&amp",
  "/e&ampx",
  "/e&amp;",
  "/n&#47;m",
  "/n&#x2F",
  "/n&#X2f;z",
  "/l&lt",
  "/c&copy=1",
  "/c&copy;",
  "/c&notin;",
  "/c&notit;",
  "/c&#0;",
  "/c&#xD800;",
  "/c&#9999999;",
  "&",
  "&#",
  "&#x",
  "https://other.test/p#frag",
  "HTTP://EXAMPLE.COM/%7e/",
  "//cdn.test/x",
  "javascript:void(0)",
  "mailto:me@example.com",
  "http://[::1/",
  " /spaced ",
  "/t\tab\n",
  "nofollow",
  "NoFollow noopener",
  "ugc\tnofollow",
  "canonical",
  "Canonical alternate",
  "robots",
  "ROBOTS",
  "trawl",
  "noindex, nofollow",
  "none",
  "refresh",
  "0; url=/r",
  "5;URL='/q'",
  "utf-8",
  "stylesheet",
  "ICON preload",
  "modulepreload",
  "image",
  "a.png 1x, b,c.png 2x,d.png",
  "x(1,2).png 2w, y.png",
  "top",
  "",
];

const TEXT_CHARS = [
  "a",
  "b",
  " ",
  "\n",
  "<",
  ">",
  "&",
  "amp;",
  "lt",
  "#",
  "x",
  ";",
  "/",
  "-",
  "!",
  "[",
  "]",
  "'",
  '"',
  "=",
  "\u0000",
  "\u001c",
  "\u000f",
  "é",
  "\ud83d\ude00",
  "&copy",
  "&#x41;",
];

const text = fc.array(fc.constantFrom(...TEXT_CHARS), { maxLength: 12 }).map((
  a,
) => a.join(""));

const value = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: text },
);

const attribute = fc.tuple(
  cased(ATTRS),
  fc.constantFrom("", "=", " = ", "="),
  fc.constantFrom('"', "'", "", " "),
  value,
  fc.constantFrom(" ", "\n", "", "/", " / "),
).map(([name, eq, quote, v, sep]) => {
  if (eq === "") return `${name}${sep}`;
  const q = quote === " " ? "" : quote;
  const body = q === "" ? v.replace(/[\s>]/g, "") : v.replaceAll(q, "");
  return `${name}${eq}${q}${body}${q}${sep}`;
});

/** The elements whose rules differ most: weighted up. */
const HOT = [
  "a",
  "img",
  "picture",
  "title",
  "template",
  "svg",
  "math",
  "script",
  "textarea",
  "desc",
  "foreignObject",
  "mi",
  "p",
  "form",
];

const tagName = fc.oneof(
  { weight: 2, arbitrary: cased(HOT) },
  { weight: 1, arbitrary: cased(TAGS) },
);

/** A link, the element most documents should have. */
const link = fc.tuple(
  fc.constantFrom("a", "A", "area"),
  value,
  fc.option(value),
  fc.constantFrom('"', "'", ""),
).map(([name, href, rel, q]) => {
  const v = (x: string) =>
    q === "" ? x.replace(/[\s>]/g, "") : x.replaceAll(q, "");
  const relAttr = rel === null ? "" : ` rel=${q}${v(rel)}${q}`;
  return `<${name} href=${q}${v(href)}${q}${relAttr}>`;
});

const startTag = fc.tuple(
  tagName,
  fc.array(attribute, { maxLength: 4 }),
  fc.constantFrom(" ", "", "\t"),
  fc.constantFrom(">", "/>", " />", ">", ""),
).map(([name, attrs, sp, end]) => `<${name}${sp}${attrs.join(" ")}${end}`);

const endTag = fc.tuple(
  tagName,
  fc.constantFrom(">", " x=1>", "\n>", "", "/>"),
).map(([name, end]) => `</${name}${end}`);

const markup = fc.oneof(
  fc.constantFrom(
    "<!--",
    "-->",
    "--!>",
    "<!-->",
    "<!--->",
    "<!---->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE html>",
    "<!doctypo>",
    "<!x>",
    "<!->",
    "<?xml version='1.0'?>",
    "</>",
    "</ a>",
    "</1>",
    "<",
    "<<a",
    "< a>",
    "\u001c\u000ftitle>",
    "</title",
    "</script",
    "</SCRIPT ",
    "<plaintext>",
  ),
  fc.tuple(
    fc.constantFrom("<!--", "<![CDATA["),
    text,
    fc.constantFrom("-->", "]]>", "--!>", "->", ""),
  ).map((p) => p.join("")),
);

const piece = fc.oneof(
  { weight: 3, arbitrary: link },
  { weight: 5, arbitrary: startTag },
  { weight: 3, arbitrary: endTag },
  { weight: 3, arbitrary: text },
  { weight: 2, arbitrary: markup },
);

/** Documents mixing tags, attributes, references, comments and broken markup. */
const document = fc.array(piece, { maxLength: 40 }).map((p) => p.join(""));

const options = fc.record({
  maxLinks: fc.constantFrom(0, 1, 3, 10_000),
  botName: fc.constantFrom(undefined, "trawl", " Trawl "),
});

Deno.test("scanLinks() finds what extractLinks() finds on 10,000 generated documents", () => {
  fc.assert(
    fc.property(document, options, (html, o) => {
      assert.deepEqual(scanLinks(html, BASE, o), extractLinks(html, BASE, o));
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("scanLinks() finds the references extractLinks() finds on 10,000 generated documents", () => {
  fc.assert(
    fc.property(document, options, (html, o) => {
      const wanted = { ...o, references: true };
      assert.deepEqual(
        scanLinks(html, BASE, wanted),
        extractLinks(html, BASE, wanted),
      );
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("scanLinks() finds what extractLinks() finds on documents of arbitrary characters", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200, unit: "binary" }), (html) => {
      assert.deepEqual(scanLinks(html, BASE), extractLinks(html, BASE));
      const references = { references: true };
      assert.deepEqual(
        scanLinks(html, BASE, references),
        extractLinks(html, BASE, references),
      );
    }),
    { numRuns: 2_000 },
  );
});

Deno.test("scanLinks() matches extractLinks() on the quirks of raw text, foreign content and references", () => {
  const cases = [
    '<title>A &amp B<&amp;</title><a href="/x&amp;y">',
    "<title>a\u001c\u000ftitle><a href=/after>",
    "<svg><title>not it</title></svg><title>it</title>",
    "<math><mi><title>x</title></mi></math><title>y</title>",
    "<svg><a href=/in-svg/><a href=/next></svg>",
    "<svg/><title>t</title>",
    "<template><a href=/no></template><a href=/yes>",
    "<div><template></div><a href=/after-implied-close>",
    "<script>'<a href=/no>'</script ><a href=/yes>",
    "<textarea><a href=/no></textarea><a href=/yes>",
    "<!-- <a href=/no> --><a href=/yes>",
    "<!--><a href=/yes1><!---><a href=/yes2>",
    "<svg><![CDATA[<a href=/no>]]></svg><![CDATA[<a href=/yes>]]>",
    "<a href=/e&ampx href=/second rel=NOFOLLOW>",
    "<base href=/base/><a href=rel>",
    "<form><form><a href=/f></form>",
    "<svg><foreignObject><title>t</title></foreignObject></svg>",
    '<meta name=robots content="NoIndex, NoFollow"><meta http-equiv=refresh content="0;url=/r">',
    "<title>" + "&amp;".repeat(1200) + "</title>",
    "<plaintext><a href=/no>",
    "<a href=/x\u0000y>",
    "<a href=/t>Q&ampA &copy; 2&x <b id=in>bold</b><img alt=pic src=i.png> end</a>",
    "<a href=/s><script>if (a<b) x()</script><style>p{}</style><textarea>t&amp;</textarea></a>",
    "<a href=/p>x<plaintext>all &amp; the rest",
    "<a href=/lt>a < b <1 <!-- c --> d<? e ?>f</>g</ h>i<",
    "<picture><source srcset='a.webp 1x, b.webp 2x'><img src=c.png></picture><source src=v.mp4>",
    "<link rel='Icon stylesheet' href=/s.css><link rel=preload href=/f.woff><video poster=p.png src=v.webm>",
    "<a name=n1 id=i1 href=/a>" + "long text ".repeat(100) + "</a>",
    "<template><a href=/no>no</a><img src=/no.png id=no></template><a href=/yes>yes</a>",
    "<svg><a href=/svg>in <![CDATA[cdata]]> svg</a></svg>",
    "<a href=/unclosed>text to the end &amp",
  ];
  for (const html of cases) {
    for (const botName of [undefined, "trawl"]) {
      for (const references of [false, true]) {
        assert.deepEqual(
          scanLinks(html, BASE, { botName, references }),
          extractLinks(html, BASE, { botName, references }),
          html,
        );
      }
    }
  }
});

/** The `.html` files under `dir`, recursively, sorted. */
async function htmlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && /\.x?html?$/.test(e.name)) out.push(p);
    }
  };
  try {
    await walk(dir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return out.sort();
}

/**
 * Both paths on the file at `path`, decoded as the crawler decodes it,
 * without and with references.
 */
async function assertSame(path: string, url: string): Promise<void> {
  const { text } = decodeHtml(await Deno.readFile(path), "text/html");
  for (const references of [false, true]) {
    const options = { botName: "trawl", references };
    assert.deepEqual(
      scanLinks(text, url, options),
      extractLinks(text, url, options),
      path,
    );
  }
}

Deno.test("scanLinks() finds what extractLinks() finds on every fixture page", async () => {
  const files = await htmlFiles(
    new URL("../../fixtures", import.meta.url).pathname,
  );
  assert.ok(files.length > 10, `${files.length} fixture pages`);
  for (const path of files) await assertSame(path, `http://127.0.0.1/${path}`);
});

/** Every `step`-th page of a docs folder (the whole of a small one). */
async function sample(dir: string, count: number): Promise<string[]> {
  const files = await htmlFiles(dir);
  const step = Math.max(1, Math.floor(files.length / count));
  return files.filter((_, i) => i % step === 0);
}

for (
  const [dir, name] of [
    ["/usr/share/doc/python3.11/html", "python3.11-doc"],
    ["/usr/share/doc/postgresql-doc-15/html", "postgresql-doc-15"],
  ]
) {
  Deno.test({
    name: `scanLinks() finds what extractLinks() finds on ${name} pages`,
    ignore: (() => {
      try {
        return !Deno.statSync(dir).isDirectory;
      } catch {
        return true;
      }
    })(),
    fn: async () => {
      const files = await sample(dir, 300);
      assert.ok(files.length > 50, `${files.length} pages`);
      for (const path of files) {
        await assertSame(path, `http://127.0.0.1${path}`);
      }
    },
  });
}

Deno.test("parseHtml() takes the scanner unless fullParse asks for htmlparser2, with the same page either way", () => {
  const body = new TextEncoder().encode(
    '<meta charset="utf-8"><title>T</title><a href="/a" rel=nofollow id=x>A</a><img src=i.png>',
  );
  for (const references of [false, true]) {
    const options = { url: BASE, botName: "trawl", references };
    const page = parseHtml(body, options);
    assert.deepEqual(page, parseHtml(body, { ...options, fullParse: true }));
    assert.equal(page.references?.length, references ? 2 : undefined);
  }
});

Deno.test("scanLinks() reads a big page of many attributes and few '&' in time linear in its size", () => {
  // Python's contents.html: 2.5 MB, tens of thousands of attributes. A
  // search for each value's '&' that ran on to the document's next one made
  // it take seconds; in one pass it takes milliseconds.
  const item = '<li class="toctree-l1"><a class="reference internal" ' +
    'href="library/x.html#section">x</a></li>\n';
  const html = "<title>T &amp; C</title><ul>\n" + item.repeat(60_000) +
    "</ul><p>Q&amp;A</p>";
  const started = performance.now();
  const page = scanLinks(html, BASE);
  const ms = performance.now() - started;
  assert.equal(page.title, "T & C");
  assert.equal(page.links.length, 1);
  assert.ok(ms < 1_000, `${ms.toFixed(0)} ms for ${html.length} characters`);
});
