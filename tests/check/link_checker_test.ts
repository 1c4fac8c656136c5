// The link checker against a small site on loopback: every kind of broken
// reference, each reported once with every page that has it, and what is
// not checked (robots.txt, mailto:) counted as such.
import assert from "node:assert/strict";
import { type BrokenLink, checkLinks, LinkChecker } from "../../src/check.ts";
import { html, serve } from "../_support/serve.ts";

/** A loopback port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function collect(
  it: AsyncIterable<BrokenLink>,
): Promise<BrokenLink[]> {
  const out: BrokenLink[] = [];
  for await (const link of it) out.push(link);
  return out;
}

const base = { workers: 0, logLevel: "silent" as const, retries: 0 };

/** The test site; `methods` records each request as `METHOD path`. */
function site(dead: number) {
  const methods: string[] = [];
  const server = serve((req, url) => {
    methods.push(`${req.method} ${url.host.split(":")[0]}${url.pathname}`);
    const alt = `http://localhost:${url.port}`;
    switch (url.pathname) {
      case "/robots.txt":
        return url.hostname === "localhost"
          ? new Response("User-agent: *\nDisallow: /private\n")
          : new Response("", { status: 404 });
      case "/":
        return html(`<title>home</title>
          <a href="/a">a</a> <a href="/missing">gone</a>
          <a href="/a#intro">intro</a> <a href="/a#nope">nope</a>
          <img src="/img.png" alt="ok"> <img src="/gone.png" alt="gone">
          <link rel="stylesheet" href="${alt}/style.css">
          <a href="${alt}/ext-missing">ext</a>
          <a href="${alt}/private/x">private</a>
          <a href="mailto:someone@example.com">mail</a>
          <a href="http://127.0.0.1:${dead}/down">down</a>
          <a href="http://127.0.0.1:${dead}/down2">down 2</a>
          <img src="http://localhost:${dead}/far.png">
          <a href="/loop">loop</a> <img src="/nohead.png">`);
      case "/a":
        return html(`<h1 id="intro">a</h1><a href="/missing">again</a>
          <a href="/#top">top</a>`);
      case "/img.png":
      case "/style.css":
        return new Response("x", { headers: { "content-type": "image/png" } });
      case "/nohead.png":
        return req.method === "HEAD"
          ? new Response(null, { status: 405 })
          : new Response("x", { headers: { "content-type": "image/png" } });
      case "/loop":
        return new Response(null, {
          status: 302,
          headers: { location: "/loop2" },
        });
      case "/loop2":
        return new Response(null, {
          status: 302,
          headers: { location: "/loop" },
        });
      default:
        return new Response("not here", { status: 404 });
    }
  });
  return { server, methods };
}

Deno.test("checkLinks() reports each broken reference once, with every page that has it", async () => {
  const dead = closedPort();
  const { server, methods } = site(dead);
  await using srv = server;
  const o = srv.origin;
  const alt = srv.alt;
  const broken = await collect(
    checkLinks([`${o}/`], { ...base, allowPrivateNetworks: true }),
  );
  const byUrl = new Map(broken.map((b) => [b.url, b]));
  assert.deepEqual(
    [...byUrl.keys()].sort(),
    [
      `${alt}/ext-missing`,
      `${o}/a#nope`,
      `${o}/gone.png`,
      `${o}/loop`,
      `${o}/missing`,
      `http://127.0.0.1:${dead}/down`,
      `http://127.0.0.1:${dead}/down2`,
      `http://localhost:${dead}/far.png`,
    ].sort(),
  );
  assert.deepEqual(byUrl.get(`${o}/missing`), {
    url: `${o}/missing`,
    status: 404,
    referrers: [{ page: `${o}/`, text: "gone" }, {
      page: `${o}/a`,
      text: "again",
    }],
  });
  const fragment = byUrl.get(`${o}/a#nope`)!;
  assert.equal(fragment.status, 200);
  assert.equal(fragment.error?.name, "MissingFragment");
  assert.deepEqual(fragment.referrers, [{ page: `${o}/`, text: "nope" }]);
  assert.deepEqual(byUrl.get(`${o}/gone.png`)?.referrers, [
    { page: `${o}/` },
  ]);
  assert.equal(byUrl.get(`${o}/loop`)?.error?.name, "RedirectError");
  // An unreachable host: every reference broken, with its cause.
  for (
    const url of [
      `http://127.0.0.1:${dead}/down`, // crawled: in the scope
      `http://127.0.0.1:${dead}/down2`,
      `http://localhost:${dead}/far.png`, // checked, not crawled
    ]
  ) {
    assert.deepEqual(byUrl.get(url)?.error, {
      name: "FetchError",
      message: `connection refused (${url})`,
    });
  }
  // References outside the crawl: HEAD first, GET only when HEAD is refused.
  assert.ok(methods.includes("HEAD 127.0.0.1/img.png"), methods.join("\n"));
  assert.ok(!methods.includes("GET 127.0.0.1/img.png"));
  assert.ok(methods.includes("GET 127.0.0.1/nohead.png"));
  assert.ok(methods.includes("HEAD localhost/style.css"));
  // robots.txt of the other host disallows /private: skipped, never asked.
  assert.ok(!methods.some((m) => m.includes("/private")));
  // Each page was requested once, by the crawl: links are not checked twice.
  assert.equal(methods.filter((m) => m.endsWith(" 127.0.0.1/a")).length, 1);
  assert.equal(
    methods.filter((m) => m.endsWith(" 127.0.0.1/missing")).length,
    1,
  );
});

Deno.test("LinkChecker.stats counts what was not checked: robots.txt, mailto:, excluded, external", async () => {
  const dead = closedPort();
  const { server } = site(dead);
  await using srv = server;
  await using checker = new LinkChecker([`${srv.origin}/`], {
    ...base,
    allowPrivateNetworks: true,
    external: false,
    exclude: [/\/loop$/],
  });
  const broken = await collect(checker.run());
  const urls = broken.map((b) => b.url);
  assert.ok(!urls.some((u) => u.startsWith(srv.alt)), "external not checked");
  assert.ok(!urls.includes(`${srv.origin}/loop`), "excluded");
  const stats = checker.stats;
  assert.equal(stats.unchecked, 1, "mailto:");
  assert.equal(stats.excluded, 1);
  assert.ok((stats.skipped.external ?? 0) >= 3, JSON.stringify(stats));
  assert.equal(stats.pending, 0);
  // "/", "/a", "/missing", and the two links to a port that is down.
  assert.equal(stats.pages, 5);
});

Deno.test("checkLinks() skips a reference robots.txt disallows instead of reporting it", async () => {
  const { server } = site(closedPort());
  await using srv = server;
  await using checker = new LinkChecker([`${srv.origin}/`], {
    ...base,
    allowPrivateNetworks: true,
  });
  const broken = await collect(checker.run());
  assert.ok(!broken.some((b) => b.url.includes("/private")));
  assert.equal(checker.stats.skipped.robots, 1);
});

Deno.test("checkLinks() with accept ranges treats a listed status as fine and fragments: false ignores fragments", async () => {
  const { server } = site(closedPort());
  await using srv = server;
  const broken = await collect(
    checkLinks([`${srv.origin}/`], {
      ...base,
      allowPrivateNetworks: true,
      external: false,
      accept: "200-299,404",
      fragments: false,
    }),
  );
  const urls = broken.map((b) => b.url);
  assert.ok(!urls.includes(`${srv.origin}/missing`));
  assert.ok(!urls.some((u) => u.includes("#")));
  assert.ok(urls.includes(`${srv.origin}/loop`));
});

Deno.test("LinkChecker() rejects bad accept ranges", () => {
  assert.throws(
    () => new LinkChecker(["http://a.test/"], { accept: "2xx" }),
    TypeError,
  );
  assert.throws(
    () => new LinkChecker(["http://a.test/"], { accept: "299-200" }),
    RangeError,
  );
});
