/**
 * Markdown and text from a page's tree: one case per construct.
 */
import assert from "node:assert/strict";
import { parseDocument } from "htmlparser2";
import { render } from "../../src/content/render.ts";

const BASE = "https://ex.com/dir/page.html";

function md(html: string): string {
  return render(parseDocument(html), "markdown", { baseUrl: BASE });
}

function text(html: string): string {
  return render(parseDocument(html), "text", { baseUrl: BASE });
}

Deno.test("render() collapses whitespace and keeps emphasis around words only", () => {
  const html = "<p>a  <em> b </em>c<strong></strong> d</p><p>x<br>y</p>";
  assert.equal(md(html), "a *b* c d\n\nx\\\ny");
  assert.equal(text(html), "a b c d\n\nx\ny");
});

Deno.test("render() escapes Markdown in text and drops heading permalinks", () => {
  const html = '<h2>Title <a href="#t" class="headerlink">¶</a></h2>' +
    "<p>1. not a list</p><p># not heading</p>" +
    "<p>*star* _u_ snake_case [b] &lt;tag&gt; a&amp;amp;b</p>";
  assert.equal(
    md(html),
    "## Title\n\n1\\. not a list\n\n\\# not heading\n\n" +
      "\\*star\\* \\_u\\_ snake_case \\[b\\] \\<tag> a\\&amp;b",
  );
  assert.equal(
    text(html),
    "Title\n\n1. not a list\n\n# not heading\n\n*star* _u_ snake_case [b] <tag> a&amp;b",
  );
});

Deno.test("render() writes nested and numbered lists tight, set apart as a whole", () => {
  const html =
    '<p>before</p><ol start="3"><li>three<li>four<ol><li>inner</ol></ol>' +
    "<ul><li><p>para1</p><p>para2</p></li><li>x</li></ul><p>after</p>";
  assert.equal(
    md(html),
    "before\n\n3. three\n4. four\n   1. inner\n\n- para1\n  para2\n- x\n\nafter",
  );
  assert.equal(
    text(html),
    "before\n\nthree\nfour\ninner\n\npara1\npara2\nx\n\nafter",
  );
});

Deno.test("render() prefixes nested block quotes and what they hold", () => {
  const html = "<blockquote><p>q1</p><blockquote>q2</blockquote>" +
    "<ul><li>in quote</li></ul></blockquote><p>after</p>";
  assert.equal(md(html), "> q1\n>\n> > q2\n>\n> - in quote\n\nafter");
  assert.equal(text(html), "q1\n\nq2\n\nin quote\n\nafter");
});

Deno.test("render() writes a data table as a GFM table with pipes escaped", () => {
  const html = "<table><thead><tr><th>A</th><th>B|C</th></tr></thead><tbody>" +
    "<tr><td>1</td><td><code>x|y</code></td></tr><tr><td>only</td></tr>" +
    "</tbody></table>";
  assert.equal(
    md(html),
    "| A | B\\|C |\n| --- | --- |\n| 1 | `x\\|y` |\n| only |",
  );
  assert.equal(text(html), "A\tB|C\n1\tx|y\nonly");
});

Deno.test("render() writes a layout table as the blocks it holds", () => {
  const html =
    "<table><tr><td><h1>Layout</h1><p>body</p></td><td>side</td></tr></table>";
  assert.equal(md(html), "# Layout\n\nbody\n\nside");
  assert.equal(
    md("<table><tr><td>one</td></tr><tr><td>column</td></tr></table>"),
    "one\n\ncolumn",
  );
});

Deno.test("render() fences code blocks with the language a class names", () => {
  const html =
    '<pre><code class="language-python">def f():\n    return 1\n</code></pre>' +
    '<pre>plain</pre><div class="highlight-c"><pre>int x;</pre></div>' +
    '<pre>has ``` fence</pre><pre class="brush: js">a()</pre>';
  assert.equal(
    md(html),
    "```python\ndef f():\n    return 1\n```\n\n```\nplain\n```\n\n```c\nint x;\n```\n\n" +
      "````\nhas ``` fence\n````\n\n```js\na()\n```",
  );
  assert.equal(
    text(html),
    "def f():\n    return 1\n\nplain\n\nint x;\n\nhas ``` fence\n\na()",
  );
});

Deno.test("render() fences inline code longer than the backticks it holds", () => {
  const html = "<p>Use <code>a`b</code> and <code>`x</code></p>";
  assert.equal(md(html), "Use ``a`b`` and `` `x ``");
  assert.equal(text(html), "Use a`b and `x");
});

Deno.test("render() resolves links and images and drops script URLs and data images", () => {
  const html = '<p><img src="/i.png" alt="An [image]"> ' +
    '<img src="data:image/png;base64,AAA" alt="inline"> ' +
    '<a href="/x"><img src="y.png"></a> <a href="javascript:alert(1)">js</a> ' +
    '<a href="mailto:a@b.c">mail</a> <a href="../up#frag">up</a></p>';
  assert.equal(
    md(html),
    "![An \\[image\\]](https://ex.com/i.png) inline " +
      "[![](https://ex.com/dir/y.png)](https://ex.com/x) js [mail](mailto:a@b.c) " +
      "[up](https://ex.com/up#frag)",
  );
  assert.equal(text(html), "js mail up");
});

Deno.test("render() leaves out hidden elements, scripts, styles and templates", () => {
  const html = '<div hidden>h1</div><p aria-hidden="true">h2</p>' +
    '<p style="color:red; display: none">h3</p><p style="visibility:hidden">h4</p>' +
    "<template><p>t</p></template><script>s</script><style>p{}</style>" +
    "<noscript>n</noscript><p>visible</p>";
  assert.equal(md(html), "visible");
  assert.equal(text(html), "visible");
});

Deno.test("render() makes blocks inside a link part of its text", () => {
  const html =
    '<a href="/card"><div><h3>Card title</h3><p>Card text</p></div></a>';
  assert.equal(md(html), "[Card title Card text](https://ex.com/card)");
});

Deno.test("render() writes rules and definition lists as blocks", () => {
  assert.equal(
    md("<dl><dt>Term</dt><dd>Definition</dd></dl><hr><p>end</p>"),
    "Term\n\nDefinition\n\n---\n\nend",
  );
});

Deno.test("render() closes emphasis left open by broken markup", () => {
  const html = "<p>unclosed <b>bold <i>both</p><p>next";
  assert.equal(md(html), "unclosed **bold *both***\n\nnext");
});

Deno.test("render() caps nesting so deep lists stay proportional", () => {
  const html = "<ul><li>x".repeat(50);
  const out = md(html);
  const widest = Math.max(...out.split("\n").map((l) => l.length));
  assert.ok(widest <= 8 * 2 + 1, `line of ${widest} characters`);
});

Deno.test("render() writes relative links as text without a base", () => {
  assert.equal(
    render(parseDocument('<a href="/x">x</a>'), "markdown"),
    "x",
  );
});

Deno.test("render() writes unknown tags named like Object's properties as their text", () => {
  const html = "<p><constructor>a</constructor> <tostring>b</tostring> " +
    "<valueof>c</valueof> <hasownproperty>d</hasownproperty></p>";
  assert.equal(md(html), "a b c d");
});
