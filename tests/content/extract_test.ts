/**
 * The extraction hook in a crawl: what a page gives it, and every way it
 * can fail hurting only its own page, with parser workers and inline.
 */
import assert from "node:assert/strict";
import { crawl, Crawler } from "../../src/crawler/crawler.ts";
import type { CrawlOptions } from "../../src/crawler/options.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import { ExtractModuleError } from "../../src/content/extract_error.ts";
import { html, serve, type TestServer } from "../_support/serve.ts";

const HOOKS = new URL("./hooks/", import.meta.url);
const hook = (name: string) => new URL(name, HOOKS);

/** Every page links to `/after<path>`, so a failing page's links can be checked. */
function site(paths: string[]): TestServer {
  return serve((_req, url) => {
    const path = url.pathname;
    if (path === "/") {
      return html(
        `<h1>Home</h1>${paths.map((p) => `<a href="${p}">${p}</a>`).join("")}`,
        { headers: { "x-test": "yes" } },
      );
    }
    const after = path.startsWith("/after")
      ? ""
      : `<a href="/after${path}">on</a>`;
    return html(`<h1>Page ${path}</h1>${after}`);
  });
}

/** Crawls and returns the results by path, failing on a URL given twice. */
async function crawlSite(
  srv: TestServer,
  options: CrawlOptions,
): Promise<Map<string, CrawlResult>> {
  const results = new Map<string, CrawlResult>();
  for await (
    const r of crawl([srv.origin + "/"], {
      allowPrivateNetworks: true,
      respectRobots: false,
      ...options,
    })
  ) {
    const path = new URL(r.url).pathname;
    assert.ok(!results.has(path), `${path} reported twice`);
    results.set(path, r);
  }
  return results;
}

for (const workers of [0, 1]) {
  const mode = workers === 0 ? "inline" : "in a worker";

  Deno.test(`crawl() gives the extract hook the page, its DOM, links and follow() (${mode})`, async () => {
    await using srv = site(["/a"]);
    const results = await crawlSite(srv, { workers, extract: hook("data.ts") });
    assert.deepEqual([...results.keys()].sort(), [
      "/",
      "/a",
      "/after/a",
      "/after/followed",
      "/followed",
    ]);
    const home = results.get("/")!;
    assert.equal(home.error, undefined);
    assert.deepEqual(home.data, {
      h1: "Home",
      url: srv.origin + "/",
      finalUrl: srv.origin + "/",
      status: 200,
      header: "yes",
      links: [srv.origin + "/a"],
      htmlLength: '<h1>Home</h1><a href="/a">/a</a>'.length,
    });
    // URLs followed by the hook are crawled, not counted as the page's links.
    assert.equal(home.links, 1);
    assert.equal(results.get("/followed")!.referrer, srv.origin + "/");
  });

  Deno.test(`crawl() gives only the page whose hook throws or returns what cannot be cloned or written as JSON an ExtractError (${mode})`, async () => {
    await using srv = site([
      "/throw",
      "/function",
      "/symbol",
      "/bigint",
      "/cycle",
      "/fine",
    ]);
    const results = await crawlSite(srv, {
      workers,
      extract: hook("faulty.ts"),
    });
    const messages: Record<string, RegExp> = {
      "/throw": /the extract hook threw: RangeError: no good/,
      "/function": /cannot be cloned/,
      "/symbol": /cannot be cloned/,
      "/bigint": /cannot be cloned or written as JSON .*BigInt/,
      "/cycle": /cannot be cloned or written as JSON .*circular/,
    };
    for (const [path, message] of Object.entries(messages)) {
      const r = results.get(path)!;
      assert.equal(r.status, 200, path);
      assert.equal(r.error?.name, "ExtractError", path);
      assert.match(r.error!.message, message);
      assert.equal(r.data, undefined);
      // The page still counts as fetched: its links are followed.
      assert.equal(results.get(`/after${path}`)?.status, 200, `/after${path}`);
    }
    assert.deepEqual(results.get("/fine")!.data, { ok: "/fine" });
    assert.equal(results.size, 1 + 6 + 6);
  });

  Deno.test(`crawl() ends a hook that waits past extractTimeoutMs (${mode})`, async () => {
    await using srv = site(["/hang-async", "/fine"]);
    const results = await crawlSite(srv, {
      workers,
      extract: hook("faulty.ts"),
      extractTimeoutMs: 200,
    });
    const r = results.get("/hang-async")!;
    assert.equal(r.error?.name, "ExtractError");
    assert.match(r.error!.message, /ran past extractTimeoutMs \(200 ms\)/);
    assert.equal(results.get("/after/hang-async")?.status, 200);
    assert.deepEqual(results.get("/fine")!.data, { ok: "/fine" });
  });
}

Deno.test("crawl() replaces a worker whose hook blocks it past extractTimeoutMs", async () => {
  await using srv = site(["/hang-sync", "/fine"]);
  const results = await crawlSite(srv, {
    workers: 1,
    extract: hook("faulty.ts"),
    extractTimeoutMs: 200,
  });
  const r = results.get("/hang-sync")!;
  assert.equal(r.status, 200);
  assert.equal(r.error?.name, "ExtractError");
  assert.match(r.error!.message, /ran past extractTimeoutMs \(200 ms\)/);
  assert.equal(results.get("/after/hang-sync")?.status, 200);
  assert.deepEqual(results.get("/fine")!.data, { ok: "/fine" });
  assert.deepEqual(results.get("/after/fine")!.data, { ok: "/after/fine" });
});

Deno.test("crawl() replaces a worker its hook ends, and only that page is affected", async () => {
  await using srv = site(["/crash", "/stray", "/fine"]);
  const results = await crawlSite(srv, {
    workers: 1,
    extract: hook("faulty.ts"),
  });
  const r = results.get("/crash")!;
  assert.equal(r.status, 200);
  assert.equal(r.error?.name, "ExtractError");
  assert.match(r.error!.message, /ended its worker .*exited with code 3/);
  assert.equal(results.get("/after/crash")?.status, 200);
  // A hook that throws from a timer after returning does not end the worker.
  assert.deepEqual(results.get("/stray")!.data, { ok: "/stray" });
  assert.deepEqual(results.get("/fine")!.data, { ok: "/fine" });
  assert.equal(results.size, 1 + 3 + 3);
});

Deno.test("crawl() merges the hook's object over the selectors' values", async () => {
  await using srv = site(["/array"]);
  const results = await crawlSite(srv, {
    workers: 0,
    extract: hook("object.ts"),
    select: { title: "h1", links: ["a@href"] },
  });
  assert.deepEqual(results.get("/")!.data, {
    title: "from hook",
    links: [srv.origin + "/array"],
    extra: 1,
  });
  const array = results.get("/array")!;
  assert.equal(array.error?.name, "ExtractError");
  assert.match(array.error!.message, /must return an object .* an array/);
  assert.deepEqual(array.data, {
    title: "Page /array",
    links: [srv.origin + "/after/array"],
  });
});

async function moduleError(
  extract: string | URL,
): Promise<ExtractModuleError> {
  await using srv = site([]);
  try {
    await crawlSite(srv, { workers: 0, extract });
  } catch (error) {
    assert.ok(error instanceof ExtractModuleError, String(error));
    assert.equal(srv.log.length, 0, "nothing was requested");
    return error;
  }
  throw new Error("the crawl started");
}

Deno.test("crawl() refuses to start with an extract module that is missing, broken or has no default function", async () => {
  const missing = await moduleError(hook("nowhere.ts"));
  assert.equal(missing.problem, "not-found");
  assert.match(missing.message, /nowhere\.ts': no module there/);
  const noDefault = await moduleError(hook("no_default.ts"));
  assert.equal(noDefault.problem, "no-default");
  assert.match(
    noDefault.message,
    /default export must be a function: current value is undefined/,
  );
  const notFunction = await moduleError(hook("not_function.ts"));
  assert.equal(notFunction.problem, "no-default");
  assert.match(notFunction.message, /current value is number/);
  const broken = await moduleError(hook("throws_at_load.ts"));
  assert.equal(broken.problem, "load");
  assert.match(broken.message, /it failed to load: broken at load/);
});

Deno.test("crawl() names the --allow-read flag an extract module lacks", async () => {
  const src = new URL("../../src/", import.meta.url);
  const probe = new URL("./hooks/_permission_probe.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=${src.pathname}`,
      probe.pathname,
      hook("data.ts").href,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  const dir = new URL(".", hook("data.ts")).pathname.replace(/\/$/, "");
  assert.deepEqual(report, {
    name: "ExtractModuleError",
    problem: "permission",
    flag: `--allow-read=${dir}`,
  });
});

Deno.test("new Crawler() refuses an extract module with sandboxed parser workers", () => {
  assert.throws(
    () =>
      new Crawler(["http://127.0.0.1:9/"], {
        extract: hook("data.ts"),
        workerPermissions: "none",
      }),
    {
      name: "TypeError",
      message:
        `Cannot crawl as 'extract' needs 'workerPermissions' "inherit": sandboxed parser workers cannot load the module`,
    },
  );
  assert.throws(
    () => new Crawler(["http://127.0.0.1:9/"], { extract: "" }),
    /'extract' must be a module path, specifier or URL/,
  );
  assert.throws(
    () => new Crawler(["http://127.0.0.1:9/"], { extractTimeoutMs: 0 }),
    RangeError,
  );
});

Deno.test("crawl() refuses a selector the engine cannot run as it starts, before any request; new Crawler() one that does not parse", async () => {
  await using srv = serve(() => html("<h1>x</h1>"));
  await assert.rejects(
    crawlSite(srv, { workers: 0, select: { x: "p:hovering" } }),
    (err: Error) => {
      assert.equal(err.name, "TypeError");
      assert.match(err.message, /'select\.x'.*Unknown pseudo-class :hovering/);
      return true;
    },
  );
  assert.equal(srv.log.length, 0);
  assert.throws(
    () => new Crawler([srv.origin + "/"], { select: { x: "h1[" } }),
    TypeError,
  );
});
