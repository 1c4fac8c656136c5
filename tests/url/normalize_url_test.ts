import assert from "node:assert/strict";
import { MAX_URL_LENGTH, normalizeUrl } from "../../src/url/normalize_url.ts";

Deno.test("normalizeUrl() resolves relative references against base", () => {
  const base = "https://example.com/a/b/c.html?x=1";
  assert.equal(normalizeUrl("d.html", base), "https://example.com/a/b/d.html");
  assert.equal(normalizeUrl("../d", base), "https://example.com/a/d");
  assert.equal(normalizeUrl("/root", base), "https://example.com/root");
  assert.equal(
    normalizeUrl("?y=2", base),
    "https://example.com/a/b/c.html?y=2",
  );
  assert.equal(normalizeUrl("", base), "https://example.com/a/b/c.html?x=1");
  assert.equal(normalizeUrl("//Other.ORG/p", base), "https://other.org/p");
  assert.equal(
    normalizeUrl("x", new URL("http://h.test/dir/")),
    "http://h.test/dir/x",
  );
});

Deno.test("normalizeUrl() lowercases scheme and host, drops default ports", () => {
  assert.equal(
    normalizeUrl("HTTP://Example.COM:80/Path"),
    "http://example.com/Path",
  );
  assert.equal(
    normalizeUrl("HTTPS://EXAMPLE.com:443/"),
    "https://example.com/",
  );
  assert.equal(
    normalizeUrl("http://example.com:8080/"),
    "http://example.com:8080/",
  );
  assert.equal(
    normalizeUrl("https://example.com:80/"),
    "https://example.com:80/",
  );
  assert.equal(normalizeUrl("http://münchen.de/"), "http://xn--mnchen-3ya.de/");
  assert.equal(normalizeUrl("http://[::1]:8080/x"), "http://[::1]:8080/x");
});

Deno.test("normalizeUrl() drops the fragment and an empty query", () => {
  assert.equal(normalizeUrl("http://a.test/p#frag"), "http://a.test/p");
  assert.equal(normalizeUrl("http://a.test/p?q=1#frag"), "http://a.test/p?q=1");
  assert.equal(normalizeUrl("#top", "http://a.test/p?q"), "http://a.test/p?q");
  assert.equal(normalizeUrl("http://a.test/p?"), "http://a.test/p");
  assert.equal(normalizeUrl("http://a.test/p?#"), "http://a.test/p");
});

Deno.test("normalizeUrl() gives an empty path as / and resolves dot segments", () => {
  assert.equal(normalizeUrl("http://a.test"), "http://a.test/");
  assert.equal(normalizeUrl("http://a.test?q"), "http://a.test/?q");
  assert.equal(normalizeUrl("http://a.test/x/./y/../z"), "http://a.test/x/z");
  assert.equal(normalizeUrl("http://a.test/../../x"), "http://a.test/x");
  assert.equal(normalizeUrl("http://a.test/x/%2e%2E/y"), "http://a.test/y");
  assert.equal(normalizeUrl("http://a.test/x/.%2e/y/%2E"), "http://a.test/y/");
  // Not dot segments once decoded: stay as they are.
  assert.equal(
    normalizeUrl("http://a.test/a%2E/b%2e%2e/c"),
    "http://a.test/a./b../c",
  );
  assert.equal(normalizeUrl("http:\\\\a.test\\x\\y"), "http://a.test/x/y");
});

Deno.test("normalizeUrl() normalizes percent-encoding in path and query", () => {
  assert.equal(
    normalizeUrl("http://a.test/%7euser/%41%62%2D%5F%2e%30"),
    "http://a.test/~user/Ab-_.0",
  );
  assert.equal(
    normalizeUrl("http://a.test/a%2fb%3a?q=%2f%3d%7E"),
    "http://a.test/a%2Fb%3A?q=%2F%3D~",
  );
  assert.equal(normalizeUrl("http://a.test/%2541"), "http://a.test/%2541");
  assert.equal(normalizeUrl("http://a.test/%zz%4"), "http://a.test/%zz%4");
  assert.equal(
    normalizeUrl("http://a.test/é ü?q=a b"),
    "http://a.test/%C3%A9%20%C3%BC?q=a%20b",
  );
});

Deno.test("normalizeUrl() does not decode an escape into a new escape", () => {
  for (
    const [path, expected] of [
      ["%%41a", "%%41a"], // "%Aa" would be a new escape
      ["%%34%31", "%4%31"],
      ["%%41%42", "%A%42"],
      ["%a%41", "%a%41"],
      ["%%41z", "%Az"], // "%Az" is not an escape
      ["%%4A", "%J"],
      ["%zz%41", "%zzA"],
    ]
  ) {
    const out = normalizeUrl("http://a.test/" + path + "?" + path);
    assert.equal(out, `http://a.test/${expected}?${expected}`, path);
    assert.equal(normalizeUrl(out!), out, path);
  }
});

Deno.test("normalizeUrl() keeps the query's parameter order", () => {
  assert.equal(
    normalizeUrl("http://a.test/?b=2&a=1&b=1"),
    "http://a.test/?b=2&a=1&b=1",
  );
});

Deno.test("normalizeUrl() strips surrounding whitespace like the URL parser", () => {
  assert.equal(normalizeUrl("  \n\thttp://a.test/x \r\n"), "http://a.test/x");
  assert.equal(normalizeUrl(" /x\n", "http://a.test/"), "http://a.test/x");
  assert.equal(normalizeUrl("http://a.test/a\nb\tc"), "http://a.test/abc");
  // A non-ASCII space is not whitespace to the URL parser.
  assert.equal(
    normalizeUrl("\u00a0x", "http://a.test/"),
    "http://a.test/%C2%A0x",
  );
});

Deno.test("normalizeUrl() rejects non-http(s) schemes, credentials and garbage", () => {
  for (
    const href of [
      "mailto:me@a.test",
      "javascript:alert(1)",
      "data:text/html,hi",
      "ftp://a.test/",
      "file:///etc/passwd",
      "ws://a.test/",
      "about:blank",
      "http://user:pw@a.test/",
      "http://user@a.test/",
      "https://:pw@a.test/",
      "http://",
      "http://[bad/",
      "http://a b/",
      "",
      "relative/without/base",
    ]
  ) {
    assert.equal(normalizeUrl(href), undefined, href);
  }
  assert.equal(normalizeUrl("x", "not a base"), undefined);
  assert.equal(normalizeUrl("javascript:void(0)", "http://a.test/"), undefined);
});

Deno.test("normalizeUrl() never throws on non-string input", () => {
  assert.equal(normalizeUrl(undefined as unknown as string), undefined);
  assert.equal(normalizeUrl(42 as unknown as string), undefined);
  assert.equal(
    normalizeUrl("x", {
      toString: () => {
        throw new Error("boom");
      },
    } as unknown as string),
    undefined,
  );
});

Deno.test("normalizeUrl() caps the length at MAX_URL_LENGTH", () => {
  assert.equal(MAX_URL_LENGTH, 8192);
  const prefix = "http://a.test/";
  const fits = prefix + "a".repeat(MAX_URL_LENGTH - prefix.length);
  assert.equal(normalizeUrl(fits), fits);
  assert.equal(normalizeUrl(fits + "a"), undefined);
  // Padding the parser strips does not count.
  assert.equal(normalizeUrl("   " + fits + "\n"), fits);
  // The output is capped too: escaping can grow a URL past the cap.
  assert.equal(
    normalizeUrl(prefix + "é".repeat(MAX_URL_LENGTH / 2)),
    undefined,
  );
  assert.equal(normalizeUrl("x".repeat(MAX_URL_LENGTH * 3)), undefined);
});

Deno.test("normalizeUrl() is idempotent on examples", () => {
  for (
    const href of [
      "HTTP://A.test:80/%7e/./b/../c?%2f=%41#x",
      "http://a.test/a%2E/b%2e%2e/",
      "http://a.test/%25%32%65",
      "https://xn--mnchen-3ya.de/é?q=ü's",
      "http://a.test/?",
    ]
  ) {
    const once = normalizeUrl(href);
    assert.notEqual(once, undefined, href);
    assert.equal(normalizeUrl(once!), once, href);
  }
});
