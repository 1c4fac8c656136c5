import assert from "node:assert/strict";
import { delay } from "../../src/concurrency/clock.ts";
import { type FixtureServer, serveFixture } from "./fixture_server.ts";

/** Writes a throwaway fixture `name` under a temp dir and returns that dir. */
async function makeFixture(
  files: Record<string, string | Uint8Array>,
  server: unknown,
): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_fixture_" });
  const base = new URL(`file://${dir}/`);
  const root = new URL("fx/", base);
  await Deno.mkdir(new URL("site/", root), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const url = new URL(`site/${path}`, root);
    await Deno.mkdir(new URL(".", url), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(url, content);
    else await Deno.writeFile(url, content);
  }
  await Deno.writeTextFile(
    new URL("server.json", root),
    JSON.stringify(server),
  );
  return base;
}

async function withFixture(
  files: Record<string, string | Uint8Array>,
  server: unknown,
  fn: (s: FixtureServer) => Promise<void>,
): Promise<void> {
  const dir = await makeFixture(files, server);
  try {
    await using s = await serveFixture("fx", { dir });
    await fn(s);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function waitForHit(s: FixtureServer, path: string): Promise<void> {
  for (let i = 0; i < 1000 && !s.hits.get(path); i++) await delay(5);
  assert.ok(s.hits.get(path), `no request for ${path}`);
}

Deno.test("serveFixture() serves site files with templates, types and 404", async () => {
  await withFixture(
    {
      "index.html": `<a href="{{origin}}/a">a</a> <a href="{{alt}}/x">x</a>`,
      "a/index.html": "A",
      "robots.txt": "User-agent: *\nSitemap: {{origin}}/s.xml\n",
      "port.txt": "{{port}}",
      "doc.pdf": new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x7b, 0x7b]),
    },
    { routes: {} },
    async (s) => {
      assert.match(s.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(s.altOrigin, s.origin.replace("127.0.0.1", "localhost"));
      assert.equal(s.url("/x"), `${s.origin}/x`);

      let res = await fetch(s.url("/"));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/html");
      assert.equal(
        await res.text(),
        `<a href="${s.origin}/a">a</a> <a href="${s.altOrigin}/x">x</a>`,
      );
      res = await fetch(s.url("/a/"));
      assert.equal(await res.text(), "A");
      res = await fetch(s.url("/robots.txt"));
      assert.equal(res.headers.get("content-type"), "text/plain");
      assert.equal(
        await res.text(),
        `User-agent: *\nSitemap: ${s.origin}/s.xml\n`,
      );
      res = await fetch(s.url("/port.txt"));
      assert.equal(await res.text(), new URL(s.origin).port);
      res = await fetch(s.url("/doc.pdf"));
      assert.equal(res.headers.get("content-type"), "application/pdf");
      assert.deepEqual(
        new Uint8Array(await res.arrayBuffer()),
        new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x7b, 0x7b]),
      );
      res = await fetch(s.url("/missing?q=1"));
      assert.equal(res.status, 404);
      await res.body?.cancel();
      res = await fetch(s.url("/../../etc/passwd"));
      assert.equal(res.status, 404);
      await res.body?.cancel();

      assert.equal(s.hits.get("/"), 1);
      assert.equal(s.hits.get("/missing?q=1"), 1);
      assert.equal(s.requests.length, 7);
      assert.equal(s.requests[0].path, "/");
      assert.ok(s.requests[0].headers instanceof Headers);
    },
  );
});

Deno.test("serveFixture() applies route status, headers, bytes, charset and file", async () => {
  await withFixture({ "page.html": "<title>{{origin}}</title>" }, {
    routes: {
      "/moved": { status: 301, headers: { location: "{{alt}}/x" } },
      "/hex": { bodyBytes: "hex:cff0e8e2e5f2", charset: "windows-1251" },
      "/b64": { bodyBytes: "base64:77u/aGk=" },
      "/copy": { file: "page.html", headers: { "x-a": "1" } },
      "/typed.html": { body: "x", headers: { "content-type": "text/plain" } },
      "/q?a=1": { status: 410 },
    },
  }, async (s) => {
    let res = await fetch(s.url("/moved"), { redirect: "manual" });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get("location"), `${s.altOrigin}/x`);
    await res.body?.cancel();

    res = await fetch(s.url("/hex"));
    assert.equal(
      res.headers.get("content-type"),
      "text/html; charset=windows-1251",
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(new TextDecoder("windows-1251").decode(bytes), "Привет");

    res = await fetch(s.url("/b64"));
    assert.deepEqual(
      [...new Uint8Array(await res.arrayBuffer())],
      [0xef, 0xbb, 0xbf, 0x68, 0x69],
    );

    res = await fetch(s.url("/copy"));
    assert.equal(res.headers.get("x-a"), "1");
    assert.equal(await res.text(), `<title>${s.origin}</title>`);

    res = await fetch(s.url("/typed.html"));
    assert.equal(res.headers.get("content-type"), "text/plain");
    assert.equal(await res.text(), "x");

    res = await fetch(s.url("/q?a=1"));
    assert.equal(res.status, 410);
    await res.body?.cancel();
    res = await fetch(s.url("/q?a=2"));
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
});

Deno.test("serveFixture() rejects bad bodyBytes and bad names", async () => {
  await assert.rejects(serveFixture("../x"), TypeError);
  await withFixture(
    {},
    { routes: { "/bad": { bodyBytes: "zz" } } },
    async (s) => {
      const res = await fetch(s.url("/bad"));
      assert.equal(res.status, 500);
      await res.body?.cancel();
    },
  );
});

Deno.test("serveFixture() plays a sequence and repeats its last step", async () => {
  await withFixture({ "s.html": "final" }, {
    routes: {
      "/s.html": {
        headers: { "x-seq": "base" },
        sequence: [
          { status: 500, body: "first" },
          { status: 429, headers: { "retry-after": "1" }, body: "second" },
          {},
        ],
      },
    },
  }, async (s) => {
    const seen: [number, string | null, string][] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(s.url("/s.html"));
      seen.push([res.status, res.headers.get("retry-after"), await res.text()]);
    }
    assert.deepEqual(seen, [
      [500, null, "first"],
      [429, "1", "second"],
      [200, null, "final"],
      [200, null, "final"],
    ]);
    assert.equal(s.hits.get("/s.html"), 4);
  });
});

Deno.test("serveFixture() ends a header stall when the client aborts", async () => {
  await withFixture(
    {},
    { routes: { "/stall": { stall: "headers" } } },
    async (s) => {
      const ac = new AbortController();
      const res = await fetch(s.url("/stall"), { signal: ac.signal });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const read = reader.read();
      ac.abort(new Error("client gave up"));
      await assert.rejects(read, /client gave up/);
    },
  );
});

Deno.test("serveFixture() ends a header stall when the server closes", async () => {
  await withFixture(
    {},
    { routes: { "/stall": { stall: "headers" } } },
    async (s) => {
      const res = await fetch(s.url("/stall"));
      const text = res.text().catch((err) => `error: ${err}`);
      await s.close();
      assert.equal(await text, "");
    },
  );
});

Deno.test("serveFixture() never answers a connect stall until the client aborts", async () => {
  await withFixture(
    {},
    { routes: { "/hang": { stall: "connect" } } },
    async (s) => {
      const ac = new AbortController();
      let answered = false;
      const res = fetch(s.url("/hang"), { signal: ac.signal }).then((r) => {
        answered = true;
        return r;
      });
      await waitForHit(s, "/hang");
      await delay(20);
      assert.equal(answered, false);
      ac.abort(new Error("stop"));
      await assert.rejects(res, /stop/);
    },
  );
});

Deno.test("serveFixture() delays headers by delayMs and stops waiting when closed", async () => {
  await withFixture({}, {
    routes: {
      "/slow": { delayMs: 10, body: "ok" },
      "/slower": { delayMs: 60_000, body: "never" },
    },
  }, async (s) => {
    const res = await fetch(s.url("/slow"));
    assert.equal(await res.text(), "ok");
    const pending = fetch(s.url("/slower")).then(async (r) => {
      await r.body?.cancel();
      return r.status;
    });
    await waitForHit(s, "/slower");
    await s.close();
    assert.equal(await pending, 503);
  });
});

Deno.test("serveFixture() drips the body in pieces", async () => {
  await withFixture({}, {
    routes: {
      "/drip": { body: "0123456789", drip: { bytes: 3, intervalMs: 1 } },
    },
  }, async (s) => {
    const res = await fetch(s.url("/drip"));
    const chunks: string[] = [];
    for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
      chunks.push(chunk);
    }
    assert.equal(chunks.join(""), "0123456789");
    assert.ok(chunks.length >= 2, `one chunk only: ${JSON.stringify(chunks)}`);
    assert.ok(chunks.every((c) => c.length <= 3));
  });
});

Deno.test("serveFixture() stops a drip when the client cancels", async () => {
  await withFixture({}, {
    routes: {
      "/drip": { body: "x".repeat(100), drip: { bytes: 1, intervalMs: 5 } },
    },
  }, async (s) => {
    const res = await fetch(s.url("/drip"));
    const reader = res.body!.getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel();
  });
});

Deno.test("serveFixture() generates `size` bytes of HTML, optionally gzipped", async () => {
  await withFixture({}, {
    routes: {
      "/big.html": { size: 300_000 },
      "/bigz.html": { size: 300_000, gzip: true },
      "/z.html": { body: "<title>{{origin}}</title>", gzip: true },
    },
  }, async (s) => {
    let res = await fetch(s.url("/big.html"));
    const text = await res.text();
    assert.equal(text.length, 300_000);
    assert.ok(text.startsWith("<!doctype html>"));

    res = await fetch(s.url("/bigz.html"));
    assert.equal(res.headers.get("content-encoding"), "gzip");
    assert.equal((await res.arrayBuffer()).byteLength, 300_000);

    res = await fetch(s.url("/z.html"));
    assert.equal(res.headers.get("content-encoding"), "gzip");
    assert.equal(await res.text(), `<title>${s.origin}</title>`);
  });
});

Deno.test("serveFixture() stops a generated body when the client cancels", async () => {
  await withFixture({}, { routes: { "/huge": { size: 1e9 } } }, async (s) => {
    const res = await fetch(s.url("/huge"));
    const reader = res.body!.getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel();
  });
});
