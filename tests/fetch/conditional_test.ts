// The fetcher's hooks for sitemaps and recrawls: a body rule other than
// HTML's, and conditional requests with the validators passed back out.
import assert from "node:assert/strict";
import { type FetcherConfig, fetchUrl } from "../../src/fetch/fetcher.ts";
import { HTML_BODY } from "../../src/fetch/body_rule.ts";
import { FakeClock } from "../../src/testing.ts";

type FakeFetch = (url: URL, init: RequestInit) => Promise<Response>;

function config(fetch: FakeFetch): FetcherConfig {
  return {
    fetch: fetch as typeof globalThis.fetch,
    clock: new FakeClock(),
    userAgent: "trawl-test",
    headers: {},
    trustedOrigins: new Set(["http://seed.test"]),
    timeoutMs: 1000,
    idleTimeoutMs: 300,
    maxRedirects: 3,
    maxBodyBytes: 1024,
    retries: 0,
    backoff: { baseMs: 100, maxMs: 5000 },
  };
}

const signal = new AbortController().signal;

Deno.test("fetchUrl() sends the validators with the URL asked for only, and passes a 304's back out", async () => {
  const seen: [string, string | null, string | null][] = [];
  const fetch: FakeFetch = (url, init) => {
    const h = new Headers(init.headers);
    seen.push([
      url.pathname,
      h.get("if-none-match"),
      h.get("if-modified-since"),
    ]);
    if (url.pathname === "/moved") {
      return Promise.resolve(
        new Response(null, { status: 301, headers: { location: "/page" } }),
      );
    }
    return Promise.resolve(
      new Response(null, {
        status: 304,
        headers: {
          etag: '"v2"',
          "last-modified": "Tue, 02 Jan 2024 00:00:00 GMT",
        },
      }),
    );
  };
  const conditional = {
    etag: '"v1"',
    lastModified: "Mon, 01 Jan 2024 00:00:00 GMT",
  };
  const out = await fetchUrl("http://seed.test/page", config(fetch), {
    signal,
    conditional,
  });
  assert.equal(out.status, 304);
  assert.equal(out.body, undefined);
  assert.equal(out.etag, '"v2"');
  assert.equal(out.lastModified, "Tue, 02 Jan 2024 00:00:00 GMT");
  await fetchUrl("http://seed.test/moved", config(fetch), {
    signal,
    conditional,
  });
  assert.deepEqual(seen, [
    ["/page", '"v1"', "Mon, 01 Jan 2024 00:00:00 GMT"],
    ["/moved", '"v1"', "Mon, 01 Jan 2024 00:00:00 GMT"],
    ["/page", null, null],
  ]);
});

Deno.test("fetchUrl() sends no conditional headers without validators", async () => {
  let headers: Headers | undefined;
  const fetch: FakeFetch = (_url, init) => {
    headers = new Headers(init.headers);
    return Promise.resolve(
      new Response("<p>x</p>", {
        headers: { "content-type": "text/html", etag: 'W/"e"' },
      }),
    );
  };
  const out = await fetchUrl("http://seed.test/", config(fetch), { signal });
  assert.equal(headers?.has("if-none-match"), false);
  assert.equal(headers?.has("if-modified-since"), false);
  assert.equal(out.etag, 'W/"e"');
  assert.equal(out.lastModified, undefined);
});

Deno.test("fetchUrl() reads any type the body rule accepts, and keeps the first bytes of a longer body when told", async () => {
  const xml = "<urlset>" + "x".repeat(5000) + "</urlset>";
  const fetch: FakeFetch = () =>
    Promise.resolve(
      new Response(xml, { headers: { "content-type": "application/xml" } }),
    );
  const html = await fetchUrl("http://seed.test/s.xml", config(fetch), {
    signal,
  });
  assert.equal(html.skipped, "content-type");
  const rule = { accepts: () => true, maxBytes: 2000, keepTruncated: true };
  const cut = await fetchUrl("http://seed.test/s.xml", config(fetch), {
    signal,
    body: rule,
  });
  assert.equal(cut.skipped, undefined);
  assert.equal(cut.truncated, true);
  assert.equal(cut.body?.length, 2000);
  assert.equal(new TextDecoder().decode(cut.body!.subarray(0, 8)), "<urlset>");
  const whole = await fetchUrl("http://seed.test/s.xml", config(fetch), {
    signal,
    body: { ...rule, maxBytes: 10_000 },
  });
  assert.equal(whole.truncated, undefined);
  assert.equal(whole.body?.length, xml.length);
  const skipped = await fetchUrl("http://seed.test/s.xml", config(fetch), {
    signal,
    body: { ...rule, keepTruncated: false },
  });
  assert.equal(skipped.skipped, "too-large");
  assert.equal(skipped.body, undefined);
});

Deno.test("HTML_BODY accepts HTML and a missing Content-Type, nothing else", () => {
  assert.equal(HTML_BODY.accepts(undefined), true);
  assert.equal(HTML_BODY.accepts("text/html"), true);
  assert.equal(HTML_BODY.accepts("application/xhtml+xml"), true);
  assert.equal(HTML_BODY.accepts("application/xml"), false);
  assert.equal(HTML_BODY.keepTruncated, false);
});
