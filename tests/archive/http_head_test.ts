/**
 * The HTTP heads a WARC file stores: the request target read off the URL's
 * text, and the response's header lines as `fetch` gives them.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { exchangeOf } from "../../src/archive/exchange.ts";
import { requestHead } from "../../src/archive/http_head.ts";
import { exchange } from "./_writer_fixtures.ts";

/** The request line's target. */
function targetOf(url: string): string {
  const line = new TextDecoder().decode(requestHead(exchange(url, "")));
  return line.slice("GET ".length, line.indexOf(" HTTP/1.1\r\n"));
}

Deno.test("requestHead() sends the URL's path and query, whatever its host, port and user info", () => {
  const cases: [string, string][] = [
    ["http://a.test", "/"],
    ["http://a.test/x/y?q=1&r=//s", "/x/y?q=1&r=//s"],
    ["https://u:p%2F@a.test:8443/p;x?", "/p;x?"],
    [
      "http://[::1]:8080//double/slash?x=http://b.test/",
      "//double/slash?x=http://b.test/",
    ],
    ["http://127.0.0.1/%E2%82%AC?%20", "/%E2%82%AC?%20"],
    ["http://a.test/p?q#fragment", "/p?q"],
    // As fetch sends it: an empty query keeps its "?".
    ["http://a.test/p?", "/p?"],
  ];
  for (const [url, target] of cases) {
    const href = new URL(url).href;
    assert.equal(targetOf(href), target, href);
  }
});

Deno.test("requestHead() sends the path and query the URL parser reads, for any web URL", () => {
  fc.assert(
    fc.property(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      (url) => {
        const parsed = new URL(url);
        const query = parsed.search ||
          (parsed.href.replace(/#.*/s, "").endsWith("?") ? "?" : "");
        assert.equal(targetOf(parsed.href), parsed.pathname + query);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("exchangeOf() keeps the response's header lines as fetch's iterator gives them", () => {
  const headers = new Headers([
    ["X-B", "1"],
    ["a", "2"],
    ["set-cookie", "x=1"],
    ["x-b", "3"],
    ["set-cookie", "y=2"],
  ]);
  const ex = exchangeOf({
    url: new URL("http://a.test/"),
    headers: new Headers(),
    date: 0,
    response: new Response(null, { status: 204, headers }),
    body: new Uint8Array(),
    truncated: false,
  });
  assert.deepEqual(ex.responseHeaders, [...headers]);
  assert.deepEqual(ex.responseHeaders, [
    ["a", "2"],
    ["set-cookie", "x=1"],
    ["set-cookie", "y=2"],
    ["x-b", "1, 3"],
  ]);
});
