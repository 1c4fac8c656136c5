// The sitemap reader on its own: formats, limits and hostile files.
import assert from "node:assert/strict";
import {
  parseSitemap,
  type SitemapEntry,
  type SitemapReport,
} from "../../src/sitemap/parse_sitemap.ts";
import { SITEMAP_LIMITS } from "../../src/sitemap/limits.ts";
import { parseW3cDatetime } from "../../src/sitemap/w3c_datetime.ts";

const BASE = "https://a.test/sitemap.xml";

/** Reads `body` and returns what it listed. */
async function read(
  body: ReadableStream<Uint8Array> | string | Uint8Array,
  options: { maxBytes?: number; maxUrls?: number } = {},
): Promise<{ entries: SitemapEntry[]; report: SitemapReport }> {
  const entries: SitemapEntry[] = [];
  const stream = body instanceof ReadableStream
    ? body
    : new Blob([body as BlobPart]).stream();
  const report = await parseSitemap(stream, {
    base: BASE,
    onEntry: (e) => entries.push(e),
    ...options,
  });
  return { entries, report };
}

/** The gzip compressor, typed for byte streams. */
function gzipper(): TransformStream<Uint8Array, Uint8Array> {
  return new CompressionStream("gzip") as TransformStream<
    Uint8Array,
    Uint8Array
  >;
}

function gzip(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream().pipeThrough(gzipper());
}

async function bytesOf(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("parseSitemap() reads a urlset's locs and lastmods in file order", async () => {
  const { entries, report } = await read(
    `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>
      https://a.test/one
    </loc>
    <lastmod>2024-01-02</lastmod>
    <changefreq>daily</changefreq>
    <image:image><image:loc>https://img.test/one.png</image:loc></image:image>
  </url>
  <url><loc>https://a.test/two?a=1&amp;b=2</loc></url>
  <url><lastmod>2024-01-03</lastmod></url>
</urlset>`,
  );
  assert.deepEqual(entries, [
    { url: "https://a.test/one", kind: "page", lastmod: "2024-01-02" },
    { url: "https://a.test/two?a=1&b=2", kind: "page" },
  ]);
  assert.deepEqual(report, {
    format: "xml",
    gzip: false,
    bytes: report.bytes,
    entries: 2,
    invalid: 0,
  });
});

Deno.test("parseSitemap() reads a sitemap index's sitemaps, with namespace prefixes", async () => {
  const { entries } = await read(
    `<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sm:sitemap><sm:loc>https://a.test/s1.xml.gz</sm:loc><sm:lastmod>2024-05-01T10:00:00+02:00</sm:lastmod></sm:sitemap>
  <sm:sitemap><sm:loc>/s2.txt</sm:loc></sm:sitemap>
</sm:sitemapindex>`,
  );
  assert.deepEqual(entries, [
    {
      url: "https://a.test/s1.xml.gz",
      kind: "sitemap",
      lastmod: "2024-05-01T10:00:00+02:00",
    },
    { url: "https://a.test/s2.txt", kind: "sitemap" },
  ]);
});

Deno.test("parseSitemap() reads a text sitemap with a BOM, CRLF lines and junk lines", async () => {
  const { entries, report } = await read(
    "\uFEFFhttps://a.test/a\r\n\r\n  https://a.test/b  \r\nnot a url at all\njavascript:alert(1)\nhttps://a.test/c",
  );
  assert.deepEqual(entries.map((e) => e.url), [
    "https://a.test/a",
    "https://a.test/b",
    "https://a.test/not%20a%20url%20at%20all",
    "https://a.test/c",
  ]);
  assert.equal(report.format, "text");
  assert.equal(report.invalid, 1);
});

Deno.test("parseSitemap() recognises gzip by its bytes, in XML and in text", async () => {
  const xml = await read(
    gzip("<urlset><url><loc>https://a.test/z</loc></url></urlset>"),
  );
  assert.deepEqual(xml.entries.map((e) => e.url), ["https://a.test/z"]);
  assert.equal(xml.report.gzip, true);
  assert.equal(xml.report.format, "xml");
  const text = await read(gzip("https://a.test/t\n"));
  assert.deepEqual(text.entries.map((e) => e.url), ["https://a.test/t"]);
  assert.deepEqual([text.report.gzip, text.report.format], [true, "text"]);
  // One byte at a time: the magic bytes split across chunks.
  const bytes = await bytesOf(gzip("https://a.test/one-by-one\n"));
  const dribble = new ReadableStream<Uint8Array>({
    start(c) {
      for (const b of bytes) c.enqueue(new Uint8Array([b]));
      c.close();
    },
  });
  const slow = await read(dribble);
  assert.deepEqual(slow.entries.map((e) => e.url), [
    "https://a.test/one-by-one",
  ]);
});

Deno.test("parseSitemap() stops a 200 MB gzip bomb at the byte cap with bounded memory", async () => {
  // A sitemap that inflates to 200 MB, compressed as it is made (nothing of
  // it is stored but its ~200 KB of gzip), then read in one piece, as a
  // fetched body is.
  const piece = new TextEncoder().encode(" ".repeat(1 << 20));
  let made = 0;
  const inflated = new ReadableStream<Uint8Array>({
    pull(c) {
      if (made === 0) {
        c.enqueue(
          new TextEncoder().encode(
            "<urlset><url><loc>https://a.test/first</loc></url>",
          ),
        );
      }
      if (made++ >= 200) c.close();
      else c.enqueue(piece);
    },
  }, { highWaterMark: 0 });
  const bomb = await bytesOf(inflated.pipeThrough(gzipper()));
  assert.ok(bomb.length < 1 << 20, `${bomb.length} bytes of gzip`);
  const before = Deno.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 5);
  try {
    const { entries, report } = await read(bomb);
    assert.deepEqual(entries.map((e) => e.url), ["https://a.test/first"]);
    assert.equal(report.gzip, true);
    assert.equal(report.cut, "bytes");
    assert.equal(report.bytes, SITEMAP_LIMITS.maxBytes);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, Deno.memoryUsage().rss);
  // Inflating the piece whole would take 200 MB at once.
  const grew = (peak - before) / 2 ** 20;
  assert.ok(grew < 100, `RSS grew ${grew.toFixed(0)} MiB`);
});

Deno.test("parseSitemap() cuts a file after 50,000 entries", async () => {
  const lines: string[] = [];
  for (let i = 0; i <= SITEMAP_LIMITS.maxUrls; i++) {
    lines.push(`https://a.test/p${i}`);
  }
  const { entries, report } = await read(lines.join("\n"));
  assert.equal(entries.length, SITEMAP_LIMITS.maxUrls);
  assert.equal(
    entries.at(-1)?.url,
    `https://a.test/p${SITEMAP_LIMITS.maxUrls - 1}`,
  );
  assert.equal(report.cut, "urls");
});

Deno.test("parseSitemap() counts entries that are not URLs against the cap", async () => {
  const bad = "<url><loc>mailto:x@a.test</loc></url>".repeat(30);
  const { entries, report } = await read(
    `<urlset>${bad}<url><loc>https://a.test/late</loc></url></urlset>`,
    { maxUrls: 20 },
  );
  assert.deepEqual(entries, []);
  assert.equal(report.invalid, 20);
  assert.equal(report.cut, "urls");
});

Deno.test("parseSitemap() never expands entities: no billion laughs, no external entity", async () => {
  const laughs = [`<!ENTITY lol "lol">`];
  for (let i = 1; i <= 9; i++) {
    laughs.push(
      `<!ENTITY lol${i} "${`&lol${i === 1 ? "" : i - 1};`.repeat(10)}">`,
    );
  }
  const started = performance.now();
  const { entries, report } = await read(
    `<?xml version="1.0"?>
<!DOCTYPE urlset [
  ${laughs.join("\n  ")}
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<urlset>
  <url><loc>https://a.test/&lol9;</loc></url>
  <url><loc>https://a.test/&xxe;</loc></url>
  <url><loc>https://a.test/ok&amp;fine</loc></url>
</urlset>`,
  );
  assert.deepEqual(entries.map((e) => e.url), [
    "https://a.test/&lol9;",
    "https://a.test/&xxe;",
    "https://a.test/ok&fine",
  ]);
  assert.ok(report.bytes < 2000);
  assert.ok(performance.now() - started < 1000);
});

Deno.test("parseSitemap() yields what is readable from malformed XML", async () => {
  const { entries } = await read(
    `<urlset><url><loc>https://a.test/a?x=1&y=2</loc></url>
<url><loc>https://a.test/b&nbsp;c</loc><url><loc>https://a.test/nested</loc></url></url>
<url><loc>https://a.test/unclosed-url</loc>
<junk <<< >>> </junk>
<url><loc>https://a.test/d</loc></urlx>
<url><loc>https://a.test/cut-off`,
  );
  assert.deepEqual(entries.map((e) => e.url), [
    "https://a.test/a?x=1&y=2",
    "https://a.test/b&nbsp;c",
    "https://a.test/nested",
    "https://a.test/unclosed-url",
    "https://a.test/d",
  ]);
});

Deno.test("parseSitemap() drops a loc over 2,048 characters without keeping it whole", async () => {
  const long = `https://a.test/${"x".repeat(5000)}`;
  const { entries } = await read(
    `<urlset><url><loc>${long}</loc></url><url><loc>https://a.test/short</loc></url></urlset>`,
  );
  assert.deepEqual(entries.map((e) => e.url), ["https://a.test/short"]);
  const text = await read(`${long}\nhttps://a.test/after\n`);
  assert.deepEqual(text.entries.map((e) => e.url), ["https://a.test/after"]);
});

Deno.test("parseSitemap() stops at absurdly nested elements, keeping what came before", async () => {
  const started = performance.now();
  const { entries, report } = await read(
    `<urlset><url><loc>https://a.test/kept</loc></url>${
      "<a>".repeat(200_000)
    }<url><loc>https://a.test/never</loc></url>`,
  );
  assert.deepEqual(entries.map((e) => e.url), ["https://a.test/kept"]);
  assert.match(report.damaged ?? "", /nested more than 32 deep/);
  assert.ok(performance.now() - started < 2000);
});

Deno.test("parseSitemap() keeps the entries before damaged gzip data", async () => {
  const lines = Array.from({ length: 2000 }, (_, i) => `https://a.test/p${i}`);
  const gz = await bytesOf(gzip(lines.join("\n") + "\n"));
  const { entries, report } = await read(gz.subarray(0, gz.length - 200));
  assert.ok(entries.length > 100 && entries.length < 2000, `${entries.length}`);
  assert.equal(entries[0].url, "https://a.test/p0");
  assert.ok(report.damaged, "the damage is reported");
});

Deno.test("parseSitemap() cancels the body when it stops early", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new TextEncoder().encode("https://a.test/x\n".repeat(100)));
    },
    cancel() {
      cancelled = true;
    },
  });
  const { report } = await read(body, { maxUrls: 150 });
  assert.equal(report.cut, "urls");
  assert.equal(cancelled, true);
});

Deno.test("parseSitemap() rejects with the signal's reason when aborted", async () => {
  const ctl = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new TextEncoder().encode("https://a.test/x\n"));
      ctl.abort(new Error("stop"));
    },
  });
  await assert.rejects(
    parseSitemap(body, { base: BASE, onEntry: () => {}, signal: ctl.signal }),
    { message: "stop" },
  );
});

Deno.test("parseW3cDatetime() reads the W3C profile and refuses the rest", () => {
  assert.equal(parseW3cDatetime("2024"), Date.UTC(2024, 0, 1));
  assert.equal(parseW3cDatetime("2024-07"), Date.UTC(2024, 6, 1));
  assert.equal(parseW3cDatetime(" 2024-07-09 "), Date.UTC(2024, 6, 9));
  assert.equal(
    parseW3cDatetime("2024-07-09T08:30Z"),
    Date.UTC(2024, 6, 9, 8, 30),
  );
  assert.equal(
    parseW3cDatetime("2024-07-09T08:30:15.250-05:00"),
    Date.UTC(2024, 6, 9, 13, 30, 15, 250),
  );
  assert.equal(
    parseW3cDatetime("2024-07-09 08:30:15"),
    Date.UTC(2024, 6, 9, 8, 30, 15),
  );
  for (
    const bad of [
      "",
      "July 9",
      "2024-13-01",
      "2024-07-32",
      "2024-07-09T25:00Z",
      "20240709",
    ]
  ) {
    assert.equal(parseW3cDatetime(bad), undefined, bad);
  }
});
