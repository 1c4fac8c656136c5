import assert from "node:assert/strict";
import { join } from "node:path";
import { ArchiveError } from "../../src/archive/archive_error.ts";
import { Mirror } from "../../src/archive/mirror.ts";
import { savePath } from "../../src/archive/save_path.ts";
import { crawl } from "../../src/crawler/crawler.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import { html, serve } from "../_support/serve.ts";
import { serveArchiveSite } from "./_site.ts";
import { sha1 } from "./_warc.ts";

async function tempDir(): Promise<AsyncDisposable & { dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_mirror_" });
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory) out.push(...await filesUnder(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

const OPTIONS = {
  allowPrivateNetworks: true,
  workers: 0,
  retries: 1,
  backoff: { baseMs: 1, maxMs: 1 },
  maxBodyBytes: 100_000,
};

Deno.test("crawl() with save writes each whole 2xx body under DIR/HOST/PATH, and no redirect, error or cut body", async () => {
  await using site = serveArchiveSite();
  await using t = await tempDir();
  const dir = join(t.dir, "site");
  for await (const _ of crawl([site.origin + "/"], { ...OPTIONS, save: dir })) {
    // crawl
  }
  const saved = new Map(
    site.sent.filter((s) => s.status === 200 && s.path !== "/big")
      .map((s) => [savePath(site.origin + s.path), s]),
  );
  assert.deepEqual(await filesUnder(dir), [...saved.keys()].sort());
  for (const [path, sent] of saved) {
    const bytes = await Deno.readFile(join(dir, path));
    assert.equal(sha1(bytes), sha1(sent.body), path);
  }
  const host = `127.0.0.1+${site.server.port}`;
  assert.ok(saved.has(`${host}/index.html`));
  assert.ok(saved.has(`${host}/robots.txt`));
  assert.ok(saved.has(`${host}/landing^f`), "a redirect's target is saved");
  assert.ok(!saved.has(`${host}/r^f`));
});

Deno.test("crawl() with save keeps every hostile URL inside the folder, each in its own file", async () => {
  const pages = [
    "/a",
    "/a/b",
    "/x/..%2F..%2Fescape.html",
    "/%2e%2e/%2e%2e/up.html",
    "/%2E%2E%2F%2E%2E%2Fup2.html",
    "/Case.html",
    "/case.html",
    "/CASE.html",
    "/nul%00.html",
    "/ctl%0A%09.html",
    "/win%5C..%5Cback.html",
    "/colon:star*.html",
    `/${"n".repeat(300)}`,
    "/dots...",
    "/index.html",
    "/?q=../../etc",
  ];
  const links = pages.map((p) => `<a href="${p}">x</a>`).join("") +
    `<a href="/jump">j</a>`;
  await using server = serve((_req, url) => {
    if (url.pathname === "/jump") {
      return new Response(null, {
        status: 302,
        headers: { location: "/..%2f..%2fjumped.html" },
      });
    }
    return html(
      `<title>${url.pathname}</title>${url.pathname === "/" ? links : ""}`,
    );
  });
  await using t = await tempDir();
  const dir = join(t.dir, "site");
  const results: CrawlResult[] = [];
  for await (
    const r of crawl([server.origin + "/"], { ...OPTIONS, save: dir })
  ) {
    results.push(r);
  }
  const fetched = results.filter((r) => r.status === 200);
  assert.equal(fetched.length, pages.length + 2); // the seed, /jump's target
  const outside = [];
  for await (const e of Deno.readDir(t.dir)) outside.push(e.name);
  assert.deepEqual(outside, ["site"]);
  const files = await filesUnder(dir);
  assert.equal(files.length, fetched.length + 1); // and robots.txt
  const lower = new Set(files.map((f) => f.toLowerCase()));
  assert.equal(lower.size, files.length, "no two files differ by case alone");
  for (const r of fetched) {
    const text = await Deno.readTextFile(join(dir, savePath(r.finalUrl)));
    assert.match(text, /<title>/, r.finalUrl);
  }
});

Deno.test("Mirror.record() fails with an ArchiveError when the folder cannot be written", async () => {
  await using t = await tempDir();
  const blocker = join(t.dir, "file");
  await Deno.writeTextFile(blocker, "");
  const mirror = new Mirror(join(blocker, "site"));
  await assert.rejects(mirror.open(), ArchiveError);
  await assert.rejects(
    mirror.record({
      url: "http://a.test/x.html",
      method: "GET",
      requestHeaders: [],
      date: 0,
      status: 200,
      statusText: "OK",
      responseHeaders: [],
      body: new Uint8Array(1),
      truncated: false,
    }),
    (e) => e instanceof ArchiveError && e.path.includes("x.html"),
  );
});
