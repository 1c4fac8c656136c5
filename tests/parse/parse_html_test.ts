import assert from "node:assert/strict";
import { WorkerPool } from "../../src/concurrency/worker_pool.ts";
import {
  type PackedPage,
  packPage,
  parseHtml,
  type ParseInput,
  unpackLinks,
} from "../../src/parse/parse_html.ts";
import { traceVar } from "../../src/telemetry/trace.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("parseHtml() decodes and extracts a page", () => {
  const page = parseHtml(
    enc(`<html><head><title>Home</title><base href="/b/">
      <link rel=canonical href="/canon"><meta name=robots content="noindex">
      <meta http-equiv=refresh content="1;url=next"></head>
      <body><a href="x">x</a><a href="mailto:a@b.test">m</a></body></html>`),
    { url: "https://ex.test/" },
  );
  assert.deepEqual(page, {
    charset: "utf-8",
    title: "Home",
    links: [{ url: "https://ex.test/b/x", nofollow: false }],
    base: "https://ex.test/b/",
    canonical: "https://ex.test/canon",
    refresh: "https://ex.test/b/next",
    robots: { noindex: true, nofollow: false },
    invalid: 1,
    truncated: 0,
  });
});

Deno.test("parseHtml() omits absent fields rather than setting undefined", () => {
  const page = parseHtml(enc("<p>nothing</p>"), { url: "https://ex.test/" });
  assert.deepEqual(Object.keys(page).sort(), [
    "charset",
    "invalid",
    "links",
    "robots",
    "truncated",
  ]);
});

Deno.test("parseHtml() honors the Content-Type charset", () => {
  // <title>Привет</title><a href="/ж"> in windows-1251
  const bytes = new Uint8Array([
    ...enc("<title>"),
    0xcf,
    0xf0,
    0xe8,
    0xe2,
    0xe5,
    0xf2,
    ...enc('</title><a href="/'),
    0xe6,
    ...enc('">'),
  ]);
  const page = parseHtml(bytes, {
    url: "http://ex.test/",
    contentType: "text/html; charset=windows-1251",
  });
  assert.equal(page.charset, "windows-1251");
  assert.equal(page.title, "Привет");
  assert.deepEqual(page.links, [{
    url: "http://ex.test/%D0%B6",
    nofollow: false,
  }]);
  // Without the header, the same bytes are invalid UTF-8.
  const fallback = parseHtml(bytes, { url: "http://ex.test/" });
  assert.equal(fallback.charset, "utf-8");
  assert.equal(fallback.title, "\ufffd".repeat(6));
});

Deno.test("parseHtml() passes maxLinks and botName through", () => {
  const bytes = enc(
    `<meta name=trawl content=nofollow><a href=/1>1</a><a href=/2>2</a><a href=/3>3</a>`,
  );
  const page = parseHtml(bytes, {
    url: "http://ex.test/",
    maxLinks: 1,
    botName: "trawl",
  });
  assert.deepEqual(page.links, [{ url: "http://ex.test/1", nofollow: false }]);
  assert.equal(page.truncated, 2);
  assert.deepEqual(page.robots, { noindex: false, nofollow: true });
  assert.throws(
    () => parseHtml(bytes, { url: "http://ex.test/", maxLinks: -1 }),
    RangeError,
  );
});

Deno.test("parseHtml() result survives structured cloning unchanged", () => {
  const page = parseHtml(
    enc(
      `<title>t</title><a href="/a" rel="nofollow">a</a><link rel=canonical href=/c>`,
    ),
    { url: "https://ex.test/", contentType: null },
  );
  assert.deepEqual(structuredClone(page), page);
});

Deno.test("parseHtml() accepts a ParseInput as its options (the worker's call)", () => {
  const input: ParseInput = {
    body: enc(`<a href="/w">w</a>`).buffer as ArrayBuffer,
    url: "https://ex.test/",
    contentType: "text/html",
    maxLinks: 10,
  };
  const page = parseHtml(new Uint8Array(input.body), input);
  assert.deepEqual(page.links, [{ url: "https://ex.test/w", nofollow: false }]);
});

Deno.test("parseHtml() never throws on binary garbage", () => {
  const bytes = new Uint8Array(4096);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = x >> 16;
  }
  for (
    const contentType of [
      undefined,
      null,
      "text/html; charset=utf-16be",
      "text/html; charset=shift_jis",
      "x",
    ]
  ) {
    const page = parseHtml(bytes, { url: "https://ex.test/", contentType });
    assert.equal(typeof page.charset, "string");
  }
});

Deno.test("parseHtml() runs in a WorkerPool through parse_worker.ts", async () => {
  await using pool = new WorkerPool<ParseInput, PackedPage>(
    new URL("../../src/parse/parse_worker.ts", import.meta.url),
    { size: 1, maxQueue: 4, context: traceVar },
  );
  const bytes = new Uint8Array([
    ...enc("<title>"),
    0xcf,
    0xf0,
    0xe8,
    0xe2,
    0xe5,
    0xf2,
    ...enc('</title><a href="/x" rel=nofollow>x</a><a href="mailto:m">m</a>'),
  ]);
  const input: ParseInput = {
    body: bytes.buffer,
    url: "https://ex.test/dir/",
    contentType: "text/html; charset=windows-1251",
    maxLinks: 5,
  };
  const inline = parseHtml(bytes, input);
  const trace = {
    traceId: "t",
    spanId: "s",
    url: input.url,
    depth: 0,
    attempt: 1,
  };
  const page = await traceVar.run(
    trace,
    () => pool.run(input, { transfer: [input.body] }),
  );
  assert.deepEqual(page, packPage(inline));
  assert.equal(page.title, "Привет");
  assert.equal(page.invalid, 1);
  assert.equal(page.links, "https://ex.test/x");
  assert.deepEqual(page.nofollow, [0]);
  assert.deepEqual(unpackLinks(page), [{
    url: "https://ex.test/x",
    nofollow: true,
  }]);
});
