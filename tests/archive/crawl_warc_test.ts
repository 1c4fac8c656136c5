import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { crawl } from "../../src/crawler/crawler.ts";
import type { CrawlOptions } from "../../src/crawler/options.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import { serveArchiveSite } from "./_site.ts";
import {
  cdxIndex,
  checkRecords,
  header,
  readWarcs,
  type Rec,
  sha1,
  warcFiles,
  warcioIndex,
} from "./_warc.ts";

const OPTIONS: CrawlOptions = {
  allowPrivateNetworks: true,
  workers: 0,
  retries: 1,
  backoff: { baseMs: 1, maxMs: 1 },
  circuitBreaker: false,
  maxBodyBytes: 100_000,
};

async function tempDir(): Promise<AsyncDisposable & { dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_crawl_warc_" });
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function run(
  seed: string,
  options: CrawlOptions,
): Promise<CrawlResult[]> {
  const out: CrawlResult[] = [];
  for await (const r of crawl([seed], { ...OPTIONS, ...options })) out.push(r);
  return out;
}

/** The payload a replay serves for `rec`: a revisit's comes from its original. */
function replayed(rec: Rec, all: readonly Rec[]): Uint8Array {
  if (rec.type !== "revisit") return rec.payload!;
  const digest = rec.fields.get("warc-payload-digest");
  const original = all.find((r) =>
    r.type === "response" && r.fields.get("warc-payload-digest") === digest
  );
  assert.ok(original, `no original for the revisit of ${rec.uri}`);
  return original.payload!;
}

Deno.test("crawl() with warc archives every exchange it makes (each hop, the retried 503, robots.txt, non-HTML, a cut body) with the bytes the server sent, every digest right", async () => {
  await using site = serveArchiveSite();
  await using t = await tempDir();
  const results = await run(site.origin + "/", {
    warc: `${t.dir}/w/site.warc.gz`,
    warcMaxSize: 8_000,
  });
  const files = await warcFiles(`${t.dir}/w`);
  assert.ok(files.length >= 3, `rotated into ${files.length} files`);
  const recs = await readWarcs(files);
  assert.deepEqual(checkRecords(recs), []);

  // One request and one response (or revisit) per request the server got.
  const pairs = recs.filter((r) =>
    r.type === "response" || r.type === "revisit"
  );
  assert.equal(
    recs.filter((r) => r.type === "request").length,
    site.sent.length,
  );
  assert.equal(pairs.length, site.sent.length);
  const origin = site.origin;
  const left = [...pairs];
  for (const sent of site.sent) {
    const i = left.findIndex((r) =>
      r.uri === origin + sent.path && r.status === sent.status
    );
    assert.ok(i !== -1, `${sent.path} ${sent.status} not archived`);
    const [rec] = left.splice(i, 1);
    const payload = replayed(rec, recs);
    const truncated = rec.fields.get("warc-truncated") === "length";
    const expected = truncated ? sent.body.subarray(0, 100_000) : sent.body;
    assert.equal(sha1(payload), sha1(expected), `${sent.path}: payload`);
    if (sent.path === "/gz") {
      assert.notEqual(sha1(sent.wire), sha1(payload));
      assert.equal(sha1(gunzipSync(sent.wire)), sha1(payload));
      assert.equal(header(rec, "x-orig-content-encoding"), "gzip");
    }
    if (sent.path === "/chunked") {
      assert.equal(header(rec, "x-orig-transfer-encoding"), "chunked");
    }
  }
  const uris = (type: string) =>
    recs.filter((r) => r.type === type).map((r) => r.uri!.slice(origin.length));
  assert.ok(uris("response").includes("/robots.txt"));
  assert.deepEqual(uris("revisit"), ["/dup2"]);
  assert.equal(uris("request").filter((u) => u === "/retry").length, 2);
  assert.ok(!uris("request").some((u) => u.startsWith("/private/")));
  const big = pairs.find((r) => r.uri === origin + "/big")!;
  assert.equal(big.fields.get("warc-truncated"), "length");
  assert.equal(big.payload!.length, 100_000);
  const hop = pairs.find((r) => r.uri === origin + "/r")!;
  assert.equal(hop.status, 301);
  assert.equal(header(hop, "location"), "/landing");

  // The results are what a crawl without an archive gives.
  const byUrl = new Map(results.map((r) => [r.url.slice(origin.length), r]));
  assert.equal(byUrl.get("/big")?.skipped, "too-large");
  assert.equal(byUrl.get("/data.json")?.skipped, "content-type");
  assert.equal(byUrl.get("/data.json")?.bytes, 7);
  assert.equal(byUrl.get("/r")?.finalUrl, origin + "/landing");
  assert.equal(byUrl.get("/private/x")?.skipped, "robots");
  assert.equal(byUrl.get("/gz")?.title, "gz");

  // warcio's indexes: every record listed; one CDX line per response and revisit.
  const index = await warcioIndex(files);
  assert.equal(index.length, recs.length);
  assert.deepEqual(index.map((e) => e["warc-type"]), recs.map((r) => r.type));
  const cdx = await cdxIndex(files);
  assert.equal(cdx.length, pairs.length);
  for (const line of cdx) {
    const rec = pairs.find((r) =>
      r.offset === line.offset && r.file === line.filename
    )!;
    assert.equal(line.url, rec.uri);
    assert.equal(Number(line.status), rec.status);
    assert.equal(`sha1:${line.digest}`, rec.fields.get("warc-payload-digest"));
  }
});

Deno.test("crawl() with warc and requisites archives what each page needs, so the page replays with its look", async () => {
  await using site = serveArchiveSite();
  await using t = await tempDir();
  const results = await run(site.origin + "/", {
    warc: `${t.dir}/site.warc.gz`,
    requisites: true,
    maxDepth: 0,
  });
  const files = await warcFiles(t.dir);
  const recs = await readWarcs(files);
  assert.deepEqual(checkRecords(recs), []);
  const origin = site.origin;
  const archived = new Map(
    recs.filter((r) => r.type === "response" || r.type === "revisit")
      .map((r) => [r.uri!.slice(origin.length), r]),
  );
  const needed = [
    "/s.css",
    "/more.css",
    "/bg.png",
    "/deep.png",
    "/favicon.ico",
    "/img.png",
    "/img2.png",
    "/app.js",
    "/poster.png",
    "/clip.webm",
  ];
  for (const path of needed) {
    const rec = archived.get(path);
    assert.ok(rec, `${path} not archived`);
    assert.equal(rec.status, 200, path);
    const sent = site.sent.find((s) => s.path === path)!;
    assert.equal(sha1(replayed(rec, recs)), sha1(sent.body), path);
  }
  // maxDepth 0: the page's links were not followed, its requisites were.
  assert.deepEqual(
    results.filter((r) => !r.requisite).map((r) => r.url),
    [origin + "/"],
  );
  assert.deepEqual(
    results.filter((r) => r.requisite).map((r) => r.url.slice(origin.length))
      .sort(),
    [...needed].sort(),
  );
  assert.equal(
    archived.get("/more.css") &&
      header(archived.get("/more.css")!, "x-orig-content-encoding"),
    "gzip",
  );
});

Deno.test("crawl() with warc replaces the files an earlier in-memory run of the same name left", async () => {
  await using site = serveArchiveSite();
  await using t = await tempDir();
  const options = { warc: `${t.dir}/again.warc.gz`, warcMaxSize: 8_000 };
  await run(site.origin + "/", options);
  const first = await warcFiles(t.dir);
  await run(site.origin + "/", { ...options, maxDepth: 0 });
  const second = await warcFiles(t.dir);
  assert.ok(second.length < first.length);
  const recs = await readWarcs(second);
  assert.deepEqual(checkRecords(recs), []);
  assert.deepEqual(
    recs.filter((r) => r.type === "response").map((r) => r.uri),
    [site.origin + "/robots.txt", site.origin + "/"],
  );
});

Deno.test("crawl() with warc and a parse worker has the worker hash and compress each parsed page's response, the records as right as the others", async () => {
  await using site = serveArchiveSite();
  await using t = await tempDir();
  await run(site.origin + "/", { warc: `${t.dir}/site.warc.gz`, workers: 1 });
  const files = await warcFiles(t.dir);
  const recs = await readWarcs(files);
  assert.deepEqual(checkRecords(recs), []);
  const raw = new Map<string, Uint8Array>();
  for (const f of files) raw.set(f, await Deno.readFile(f));
  // A member made from a worker's deflate run starts with the record's
  // head in a stored, non-final block (gzip header: 10 bytes; block type
  // byte 0); one compressed here starts with a compressed block, or with a
  // stored final one (byte 1) when it is small.
  const prepared = (r: Rec) => {
    const bytes = raw.get(r.file)!.subarray(r.offset, r.offset + r.length);
    return bytes[10] === 0 &&
      new TextDecoder().decode(bytes.subarray(15, 23)) === "WARC/1.1";
  };
  const html = recs.filter((r) =>
    r.type === "response" && r.status === 200 &&
    header(r, "content-type")?.startsWith("text/html") &&
    !r.fields.has("warc-truncated") // cut: not parsed
  );
  assert.ok(html.length >= 3, `${html.length} HTML pages`);
  for (const r of html) assert.ok(prepared(r), `${r.uri} prepared`);
  const others = recs.filter((r) => !html.includes(r));
  assert.ok(others.some((r) => r.uri?.endsWith("/robots.txt")));
  for (const r of others) assert.ok(!prepared(r), `${r.type} ${r.uri}`);
});
