// `trawl check`, `--report`, exit codes and SIGTERM, run as users run them:
// cli.ts in a subprocess against a site on 127.0.0.1.
import assert from "node:assert/strict";
import { html, serve, stall } from "../_support/serve.ts";
import { startCli } from "../_support/cli_process.ts";

const LIMIT_MS = 60_000;
const FAST = ["--workers", "0", "--retries", "0"];

/** A site with a broken link, a missing fragment and a broken image. */
function brokenSite() {
  return serve((_req, url) => {
    switch (url.pathname) {
      case "/robots.txt":
        return new Response("", { status: 404 });
      case "/":
        return html(`<a href="/a">a</a> <a href="/gone">gone</a>
          <a href="/a#nope">nope</a> <img src="/missing.png">
          <a href="mailto:x@example.com">mail</a>`);
      case "/a":
        return html(`<p id="intro">a</p><a href="/gone">gone again</a>`);
      default:
        return new Response("no", { status: 404 });
    }
  });
}

Deno.test("trawl check writes one JSON line per broken link with every referrer, a summary by page, and exits 1", async () => {
  await using site = brokenSite();
  const dir = await Deno.makeTempDir();
  try {
    const report = `${dir}/report.html`;
    await using cli = startCli(
      ["check", ...FAST, "--report", report, `${site.origin}/`],
      ["--allow-net=127.0.0.1", `--allow-write=${dir}`, "--allow-read"],
      LIMIT_MS,
    );
    const { code, text } = await cli.output;
    assert.equal(code, 1, text);
    const lines = text.split("\n").filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const gone = lines.find((l) => l.url === `${site.origin}/gone`);
    assert.deepEqual(gone, {
      url: `${site.origin}/gone`,
      status: 404,
      referrers: [
        { page: `${site.origin}/`, text: "gone" },
        { page: `${site.origin}/a`, text: "gone again" },
      ],
    });
    assert.ok(lines.some((l) => l.url === `${site.origin}/a#nope`));
    assert.ok(lines.some((l) => l.url === `${site.origin}/missing.png`));
    assert.equal(lines.length, 3);
    assert.match(text, /trawl: 3 broken links on 2 pages/);
    assert.match(
      text,
      new RegExp(
        `\\n  ${site.origin}/a\\n    404 ${site.origin}/gone "gone again"`,
      ),
    );
    assert.match(text, /1 not checked \(mailto:/);
    const page = await Deno.readTextFile(report);
    assert.match(page, /<h1>trawl check report/);
    assert.ok(page.includes(`${site.origin}/missing.png`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("trawl check exits 0 when nothing is broken, and 2 on a bad --accept", async () => {
  await using site = brokenSite();
  {
    await using cli = startCli(
      ["check", ...FAST, "--accept", "200-299,404", `${site.origin}/a`],
      ["--allow-net=127.0.0.1"],
      LIMIT_MS,
    );
    const { code, text } = await cli.output;
    assert.equal(code, 0, text);
    assert.match(text, /trawl: no broken links/);
  }
  {
    await using cli = startCli(
      ["check", "--accept", "2xx", `${site.origin}/`],
      ["--allow-net=127.0.0.1"],
      LIMIT_MS,
    );
    const { code, text } = await cli.output;
    assert.equal(code, 2, text);
    assert.match(text, /--accept must be statuses and ranges like 200-299,403/);
  }
});

Deno.test("trawl exits 1 when no seed could be fetched, and says why", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using cli = startCli(
    [...FAST, "--log-level", "warn", `http://127.0.0.1:${port}/`],
    ["--allow-net=127.0.0.1"],
    LIMIT_MS,
  );
  const { code, text } = await cli.output;
  assert.equal(code, 1, text);
  assert.ok(
    text.includes(
      `robots.txt unreachable: connection refused (127.0.0.1:${port})`,
    ),
    text,
  );
});

Deno.test("trawl --report writes a crawl's HTML report", async () => {
  await using site = brokenSite();
  const dir = await Deno.makeTempDir();
  try {
    const report = `${dir}/crawl.html`;
    await using cli = startCli(
      [...FAST, "--quiet", "--report", report, `${site.origin}/`],
      ["--allow-net=127.0.0.1", `--allow-write=${dir}`],
      LIMIT_MS,
    );
    const { code, text } = await cli.output;
    assert.equal(code, 0, text);
    const page = await Deno.readTextFile(report);
    assert.match(page, /<h1>trawl crawl report<\/h1>/);
    assert.match(page, /<h2>Hosts<\/h2>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const state of [false, true]) {
  Deno.test(`trawl stops on SIGTERM as on Ctrl-C: results so far, a summary, exit 143${state ? " (--state, in the crawl thread)" : ""}`, async () => {
    let stalled!: () => void;
    const slow = new Promise<void>((resolve) => stalled = resolve);
    await using site = serve((req, url) => {
      if (url.pathname === "/robots.txt") {
        return new Response("", { status: 404 });
      }
      if (url.pathname === "/") return html(`<a href="/slow">slow</a>`);
      stalled();
      return stall(req);
    });
    const dir = await Deno.makeTempDir();
    try {
      const args = [
        ...FAST,
        "--timeout",
        "60000",
        "--idle-timeout",
        "60000",
        ...(state ? ["--state", `${dir}/c.db`] : []),
        `${site.origin}/`,
      ];
      await using cli = startCli(
        args,
        [
          "--allow-net=127.0.0.1",
          `--allow-read`,
          `--allow-write=${dir}`,
          "--allow-env",
        ],
        LIMIT_MS,
      );
      await slow;
      cli.child.kill("SIGTERM");
      const { code, text } = await cli.output;
      assert.equal(code, 143, text);
      assert.ok(text.includes(`"url":"${site.origin}/"`), text);
      assert.match(text, /terminated, finishing/);
      assert.match(text, /^trawl: \d+ results?, interrupted after /m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
