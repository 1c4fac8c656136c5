/**
 * Named selectors: first match, attribute, every match, and the rule that
 * checks them.
 */
import assert from "node:assert/strict";
import { parseDocument } from "htmlparser2";
import { Selectors } from "../../src/content/select.ts";
import {
  compileSelectors,
  parseSelector,
  SELECTOR,
} from "../../src/content/selector_rule.ts";
import { check } from "../../src/options/validate.ts";

const PAGE = parseDocument(`
  <h1>  The
    title </h1>
  <p class="lead">First <b>para</b><script>var x = 1;</script></p>
  <p>Second</p>
  <a class="tag" href="/t/a">a</a><a class="tag" href="t/b">b</a><a class="tag">c</a>
  <img src="../img.png" alt="pic" data-id="7">
  <script type="application/ld+json">{"@type":"Article"}</script>
`);

Deno.test("Selectors.run() gives the first match's text, whitespace collapsed, without scripts", () => {
  const data = new Selectors({ title: "h1", lead: "p.lead", missing: "h2" })
    .run(PAGE);
  assert.deepEqual(data, {
    title: "The title",
    lead: "First para",
    missing: null,
  });
});

Deno.test("Selectors.run() gives attributes, URL ones made absolute", () => {
  const data = new Selectors({
    href: "a.tag@href",
    src: "img@src",
    id: "img@data-id",
    none: "h1@href",
    inherited: "h1@constructor",
  }).run(PAGE, "https://ex.com/dir/page");
  assert.deepEqual(data, {
    href: "https://ex.com/t/a",
    src: "https://ex.com/img.png",
    id: "7",
    none: null,
    inherited: null,
  });
});

Deno.test("Selectors.run() gives every match with the list form, skipping matches without the attribute", () => {
  const data = new Selectors({
    tags: ["a.tag"],
    hrefs: ["a.tag@href"],
    none: ["table"],
  }).run(PAGE, "https://ex.com/dir/page");
  assert.deepEqual(data, {
    tags: ["a", "b", "c"],
    hrefs: ["https://ex.com/t/a", "https://ex.com/dir/t/b"],
    none: [],
  });
});

Deno.test("Selectors.run() reads the text of a script selected itself (JSON-LD)", () => {
  const data = new Selectors({ ld: 'script[type="application/ld+json"]' })
    .run(PAGE);
  assert.deepEqual(data, { ld: '{"@type":"Article"}' });
});

Deno.test("parseSelector() splits a trailing @attribute only outside the CSS", () => {
  assert.deepEqual(parseSelector('a[href$="@x"]'), {
    css: 'a[href$="@x"]',
    all: false,
  });
  assert.deepEqual(parseSelector("meta[name=description]@content"), {
    css: "meta[name=description]",
    attr: "content",
    all: false,
  });
  assert.equal(parseSelector("@href"), undefined);
  assert.equal(parseSelector(["a", "b"]), undefined);
  assert.equal(parseSelector(""), undefined);
  assert.equal(parseSelector(42), undefined);
});

Deno.test("SELECTOR rejects invalid CSS with a message naming the option and value", () => {
  assert.throws(
    () => check("crawl", "select.title", "h1[", SELECTOR),
    {
      name: "TypeError",
      message:
        `Cannot crawl as 'select.title' must be a CSS selector, optionally followed by "@attribute" (alone, or alone in an array for every match): current value is h1[`,
    },
  );
  assert.throws(() => new Selectors({ x: "div >>> p" }), TypeError);
  assert.equal(
    check("crawl", "select.ok", ["li:nth-child(2)@id"], SELECTOR)[0],
    "li:nth-child(2)@id",
  );
});

Deno.test("compileSelectors() refuses what parses but the engine cannot run, naming the selector and why", async () => {
  for (const css of [":foo", "p::before", "li:nth-child(x)", "ns|a"]) {
    assert.equal(check("crawl", "select.x", css, SELECTOR), css);
    await assert.rejects(
      compileSelectors({ ok: "h1", x: css }),
      (err: Error) => {
        assert.equal(err.name, "TypeError");
        assert.match(
          err.message,
          new RegExp(
            `^Cannot crawl as 'select\\.x' must be a CSS selector.*: current value is "${
              css.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
            }" \\(.+\\)$`,
          ),
        );
        assert.ok(err.cause instanceof Error);
        return true;
      },
    );
  }
  await compileSelectors({ a: "a[href]@href", b: ["li:first-child"] });
});
