// Property tests of the content converters and selectors on arbitrary
// markup. fast-check prints the seed and the shrunk counterexample on
// failure; rerun one with `fc.assert(..., { seed, path })`.
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseDocument } from "htmlparser2";
import { cleanHtml } from "../../src/content/clean_html.ts";
import { mainContent } from "../../src/content/main_content.ts";
import { pageContent } from "../../src/content/page_content.ts";
import { render } from "../../src/content/render.ts";
import { Selectors } from "../../src/content/select.ts";
import { parseSelector } from "../../src/content/selector_rule.ts";

const NUM_RUNS = 10_000;
const BASE = "https://ex.test/d/p";

/**
 * Markdown and text are at most this many times the input, plus a
 * constant: the worst case is a short element that opens a prefixed line
 * deep in quotes and lists (nesting is capped at 8), or a short relative
 * link made absolute. (Without the cap, tag soup reaches over 30.)
 */
const RATIO = 4;
/** Cleaned HTML: a bare `&` in text becomes `&amp;`. */
const HTML_RATIO = 5;
const SLACK = 256;

/** Pieces of markup that exercise every construct the converter knows. */
const piece = fc.constantFrom(
  "<p>",
  "</p>",
  "<div>",
  "</div>",
  "<h1>",
  "<h3>",
  "</h3>",
  "<ul>",
  "<ol start=9999999999999>",
  "<ol start=7>",
  "</ul>",
  "</ol>",
  "<li>",
  "</li>",
  "<blockquote>",
  "</blockquote>",
  "<table>",
  "</table>",
  "<tr>",
  "<td>",
  "<th>",
  "</td>",
  "<pre>",
  "<pre class=language-js>",
  "</pre>",
  "<code>",
  "</code>",
  "<a href=x>",
  "<a href='javascript:1'>",
  "<a href=#f>",
  "</a>",
  "<em>",
  "</em>",
  "<b>",
  "</b>",
  "<del>",
  "<img src=i alt='[a]'>",
  "<img src=data:x>",
  "<br>",
  "<hr>",
  "<nav>",
  "</nav>",
  "<main>",
  "<article>",
  "<footer>",
  "<div class=cookie-banner>",
  "<div hidden>",
  "<span aria-hidden=true>",
  "<p style='display:none'>",
  "<script>",
  "</script>",
  "<template>",
  "<style>",
  "<!--",
  "-->",
  "<svg>",
  "<dl><dt>",
  "<dd>",
  "&amp;",
  "&lt;",
  "&nbsp;",
  "&#0;",
  "*",
  "_",
  "`",
  "```",
  "|",
  "#",
  "> ",
  "1. ",
  "- ",
  "\\",
  "[",
  "]",
  " ",
  "\n",
  "\t",
  "text",
  "😀",
  "\u0000",
);
/** A piece repeated: deep nesting, long runs of breaks or cells. */
const run = fc.tuple(piece, fc.integer({ min: 2, max: 200 }))
  .map(([p, n]) => p.repeat(n));
const markup = fc.array(
  fc.oneof(piece, piece, piece, run, fc.string({ maxLength: 4 })),
  { maxLength: 60 },
).map((parts) => parts.join(""));

const anyHtml = fc.oneof(markup, fc.string({ unit: "binary", maxLength: 200 }));

function bounded(html: string, out: string, ratio = RATIO): void {
  assert.ok(
    out.length <= ratio * html.length + SLACK,
    `output of ${out.length} for input of ${html.length}`,
  );
}

Deno.test("render() never throws on arbitrary HTML and bounds Markdown and text", () => {
  fc.assert(
    fc.property(anyHtml, fc.boolean(), (html, main) => {
      const doc = parseDocument(html);
      const { root, skip } = main
        ? mainContent(doc)
        : { root: doc, skip: undefined };
      for (const format of ["markdown", "text"] as const) {
        const out = render(root, format, { baseUrl: BASE, skip });
        assert.equal(typeof out, "string");
        bounded(html, out);
      }
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("cleanHtml() never throws on arbitrary HTML and bounds its output", () => {
  fc.assert(
    fc.property(anyHtml, (html) => {
      const doc = parseDocument(html);
      const { root, skip } = mainContent(doc);
      bounded(html, cleanHtml(root, skip), HTML_RATIO);
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("pageContent() never gives nothing with mainContent for a page with content", () => {
  fc.assert(
    fc.property(markup, (html) => {
      const doc = parseDocument(html);
      const text = pageContent(doc, html, BASE, { content: "text" }).content!;
      if (text.trim() === "") return;
      for (const content of ["text", "markdown", "html"] as const) {
        const main = pageContent(doc, html, BASE, {
          content,
          mainContent: true,
        });
        assert.notEqual(main.content!.trim(), "", content);
      }
    }),
    { numRuns: NUM_RUNS },
  );
});

const selectors = new Selectors({
  first: "p",
  attr: "a@href",
  all: ["li"],
  allAttr: ["img@src"],
  deep: ["div > p:first-child, td + td"],
  has: "ul:has(li) li:nth-child(2n+1)",
  not: ["*:not(div)@class"],
});

Deno.test("Selectors.run() never throws on arbitrary markup", () => {
  fc.assert(
    fc.property(anyHtml, (html) => {
      const data = selectors.run(parseDocument(html), BASE);
      assert.deepEqual(Object.keys(data), [
        "first",
        "attr",
        "all",
        "allAttr",
        "deep",
        "has",
        "not",
      ]);
      for (const key of ["all", "allAttr", "deep", "not"]) {
        assert.ok(Array.isArray(data[key]));
      }
      for (const key of ["first", "attr", "has"]) {
        const v = data[key];
        assert.ok(v === null || typeof v === "string");
      }
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("parseSelector() never throws on arbitrary selector text, and the engine refuses only with a TypeError what it accepts", () => {
  const selectorPiece = fc.constantFrom(
    "a",
    "div",
    ".c",
    "#i",
    "[",
    "]",
    "[href",
    "=",
    '"',
    "'",
    ":",
    ":not(",
    ":has(",
    ")",
    ">",
    "+",
    "~",
    ",",
    " ",
    "@",
    "@href",
    "*",
    "::",
    "\\",
    "\u0000",
  );
  const selectorText = fc.array(
    fc.oneof(selectorPiece, fc.string({ maxLength: 3 })),
    { maxLength: 12 },
  ).map((p) => p.join(""));
  fc.assert(
    fc.property(selectorText, fc.boolean(), (text, all) => {
      const selector = all ? [text] as const : text;
      const parsed = parseSelector(selector);
      let select: Selectors;
      try {
        select = new Selectors({ x: selector });
      } catch (err) {
        assert.ok(err instanceof TypeError, String(err));
        return;
      }
      // What the engine compiles also parses, and runs on any page.
      assert.notEqual(parsed, undefined);
      select.run(parseDocument("<p>x"));
    }),
    { numRuns: NUM_RUNS },
  );
});

Deno.test("render() and Selectors.run() handle nesting 12,000 deep in linear work", () => {
  const html = "<div><blockquote><ul><li><a href=x><b>".repeat(2_000) + "deep";
  const doc = parseDocument(html);
  const md = render(doc, "markdown", { baseUrl: BASE });
  assert.ok(md.includes("deep"));
  bounded(html, md);
  const { root, skip } = mainContent(doc);
  assert.ok(render(root, "text", { skip }).includes("deep"));
  assert.ok(
    cleanHtml(doc).endsWith(
      "deep" + "</b></a></li></ul></blockquote></div>".repeat(2_000),
    ),
  );
  // Each match holds all the next ones: the text read is bounded, so the
  // outer matches get their text and the rest are cut once it is spent.
  const { b } = new Selectors({ b: ["blockquote > ul > li > a > b"] })
    .run(doc, BASE, html.length) as { b: string[] };
  assert.equal(b.length, 2_000);
  assert.equal(b[0], "deep");
  assert.equal(b[1_999], "");
});
