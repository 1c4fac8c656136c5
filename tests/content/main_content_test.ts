/**
 * Main content: what is kept and what is left out of typical page shells.
 */
import assert from "node:assert/strict";
import { parseDocument } from "htmlparser2";
import { mainContent } from "../../src/content/main_content.ts";
import { render } from "../../src/content/render.ts";

function main(html: string): string {
  const { root, skip } = mainContent(parseDocument(html));
  return render(root, "markdown", { baseUrl: "https://ex.com/", skip });
}

const LINKS = Array.from(
  { length: 12 },
  (_, i) => `<li><a href="/s${i}">Section ${i}</a></li>`,
).join("");

Deno.test("mainContent() keeps the <main> element and leaves the shell around it", () => {
  const html = `<body><header><nav><ul>${LINKS}</ul></nav></header>
    <main><h1>Title</h1><p>Body text.</p></main>
    <footer><p>Copyright</p></footer></body>`;
  assert.equal(main(html), "# Title\n\nBody text.");
});

Deno.test("mainContent() keeps the role=main element of a Sphinx page", () => {
  const html =
    `<body><div class="related" role="navigation"><ul>${LINKS}</ul></div>
    <div class="document"><div class="body" role="main"><h1>json</h1>
    <p>Encoder and <a href="/decoder">decoder</a>.</p></div></div>
    <div class="sphinxsidebar" role="navigation"><p>Search</p></div></body>`;
  assert.equal(
    main(html),
    "# json\n\nEncoder and [decoder](https://ex.com/decoder).",
  );
});

Deno.test("mainContent() keeps the only <article> and its header, not its footer", () => {
  const html = `<body><div class="menu"><ul>${LINKS}</ul></div>
    <article><header><h1>Post</h1></header><p>Words here.</p>
    <footer>Share this</footer></article>
    <aside><p>Related posts</p></aside></body>`;
  assert.equal(main(html), "# Post\n\nWords here.");
});

Deno.test("mainContent() leaves out cookie banners, sidebars and link lists of an unmarked page", () => {
  const html =
    `<body><div id="cookie-consent"><p>We use cookies. Accept?</p></div>
    <div class="sidebar"><p>Ads and more</p></div>
    <div><ul>${LINKS}</ul></div>
    <div class="post-content"><h2>Heading</h2><p>The real text of the page,
    with <a href="/x">one link</a> among many words.</p></div></body>`;
  assert.equal(
    main(html),
    "## Heading\n\nThe real text of the page, with [one link](https://ex.com/x) among many words.",
  );
});

Deno.test("mainContent() keeps a block named like boilerplate when it holds a heading", () => {
  const html = `<body><div class="section-header"><h2>Intro</h2></div>
    <p>Text.</p></body>`;
  assert.equal(main(html), "## Intro\n\nText.");
});

Deno.test("mainContent() never gives nothing for a page of links", () => {
  const html = `<body><div class="menu"><ul>${LINKS}</ul></div></body>`;
  const out = main(html);
  assert.match(out, /Section 0/);
  assert.match(out, /Section 11/);
});

Deno.test("mainContent() falls back to tags alone when the strict choice keeps too little", () => {
  // The only text outside the nav is in a block named "related": strict
  // rules leave out nearly everything, so only tags and roles decide.
  const html = `<body><nav><ul>${LINKS}</ul></nav>
    <div class="related">${"word ".repeat(200)}</div></body>`;
  const out = main(html);
  assert.match(out, /^word word/);
  assert.doesNotMatch(out, /Section/);
});

Deno.test("mainContent() gives the body when the page marks nothing", () => {
  assert.equal(main("<p>Just a paragraph.</p>"), "Just a paragraph.");
  assert.equal(main("plain text"), "plain text");
  assert.equal(main(""), "");
});

Deno.test("mainContent() leaves out the navigation header and footer of DocBook pages (PostgreSQL's docs)", () => {
  // As PostgreSQL's sql-select.html has them.
  const nav = (kind: string) =>
    `<div class="nav${kind}"><table width="100%" summary="Navigation ${kind}">
    <tr><th colspan="5" align="center">SELECT</th></tr><tr>
    <td><a accesskey="p" href="prev.html" title="SECURITY LABEL">Prev</a></td>
    <td><a accesskey="u" href="up.html" title="SQL Commands">Up</a></td>
    <th width="60%" align="center">SQL Commands</th>
    <td><a accesskey="h" href="index.html">Home</a></td>
    <td><a accesskey="n" href="next.html" title="SELECT INTO">Next</a></td>
    </tr></table><hr /></div>`;
  const html = `<body id="docContent">${nav("header")}
    <div class="refentry"><h2>SELECT</h2>
    <p>SELECT, TABLE, WITH — retrieve rows from a table or view</p></div>
    ${nav("footer")}</body>`;
  assert.equal(
    main(html),
    "## SELECT\n\nSELECT, TABLE, WITH — retrieve rows from a table or view",
  );
});
