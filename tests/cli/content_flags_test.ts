/**
 * The content flags: read into the crawl's options with the library's
 * rules, usage errors for bad values, and an extract module that cannot be
 * used stopping the command before the crawl, with exit code 2.
 */
import assert from "node:assert/strict";
import { parseCliArgs } from "../../src/cli/args.ts";
import { UsageError } from "../../src/cli/usage_error.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import { ROOT, startCli } from "../_support/cli_process.ts";
import { html, serve } from "../_support/serve.ts";

const SEED = "https://example.com/";
const HOOKS = `${ROOT}tests/content/hooks`;
const LIMIT_MS = 60_000;

function usageError(argv: string[], message: string | RegExp): void {
  assert.throws(
    () => parseCliArgs([...argv, SEED]),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `not a UsageError: ${err}`);
      if (typeof message === "string") assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

Deno.test("parseCliArgs() maps the content flags to their options", () => {
  const config = parseCliArgs([
    "--content",
    "markdown",
    "--main-content",
    "--select",
    "title=h1",
    "--select",
    "next=a[rel=next]@href",
    "--select",
    "tags[]=.tag",
    "--select",
    "images[]=img@src",
    "--extract",
    "hooks/title.ts",
    "--extract-timeout",
    "2500",
    SEED,
  ]);
  assert.deepEqual(config.options, {
    logLevel: "warn",
    content: "markdown",
    mainContent: true,
    select: {
      title: "h1",
      next: "a[rel=next]@href",
      tags: [".tag"],
      images: ["img@src"],
    },
    extract: "hooks/title.ts",
    extractTimeoutMs: 2500,
  });
});

Deno.test("parseCliArgs() rejects an invalid CSS selector in --select, naming it", () => {
  usageError(
    ["--select", "title=h1["],
    '--select title must be a CSS selector, optionally followed by "@attribute" (alone, or alone in an array for every match): got "h1["',
  );
  usageError(
    ["--select", "links[]=a[href"],
    /--select links must be a CSS selector.*got "a\[href"/,
  );
  usageError(["--select", "h1"], /--select must be NAME=CSS, NAME=CSS@ATTR/);
  usageError(["--select", "=h1"], /--select must be NAME=CSS/);
  usageError(
    ["--select", "a=h1", "--select", "a=h2"],
    "--select a is given twice",
  );
});

Deno.test("parseCliArgs() rejects a bad --content and content switches without what they need", () => {
  usageError(
    ["--content", "pdf"],
    '--content must be one of text, markdown, html: got "pdf"',
  );
  usageError(["--main-content"], "--main-content needs --content FORMAT");
  usageError(
    ["--extract-timeout", "100"],
    "--extract-timeout needs --extract FILE",
  );
  usageError(
    ["--extract-timeout", "0", "--extract", "x.ts"],
    /--extract-timeout must be a positive integer/,
  );
});

/** A site of two pages for the command. */
function site() {
  return serve((_req, url) =>
    url.pathname === "/"
      ? html(
        '<html lang="en"><title>Home</title><h1>Hello</h1><p>See <a href="/b">b</a>.</p>',
      )
      : html("<h1>B</h1>")
  );
}

async function runCli(args: string[], perms: string[]) {
  await using cli = startCli(args, perms, LIMIT_MS);
  return await cli.output;
}

Deno.test("main() writes each page's content and data as one JSON line with --content, --select and --extract", async () => {
  await using srv = site();
  const { code, text } = await runCli(
    [
      "--quiet",
      "--content",
      "markdown",
      "--select",
      "h1=h1",
      "--extract",
      "tests/content/hooks/object.ts",
      `${srv.origin}/`,
    ],
    ["--allow-net=127.0.0.1", `--allow-read=${ROOT}src,${HOOKS}`],
  );
  assert.equal(code, 0, text);
  const results = text.trim().split("\n").map((l) =>
    JSON.parse(l) as CrawlResult
  );
  const home = results.find((r) => r.url === `${srv.origin}/`)!;
  assert.equal(home.content, `# Hello\n\nSee [b](${srv.origin}/b).`);
  assert.deepEqual(home.data, { h1: "Hello", title: "from hook", extra: 1 });
  assert.equal(home.lang, "en");
  assert.equal(results.length, 2);
});

Deno.test("main() exits 2 before the crawl when the --extract module is missing, does not load or has no default function", async () => {
  await using srv = site();
  const perms = ["--allow-net=127.0.0.1", `--allow-read=${ROOT}src,${HOOKS}`];
  const cases: [string, RegExp][] = [
    ["tests/content/hooks/nowhere.ts", /nowhere\.ts': no module there/],
    [
      "tests/content/hooks/no_default.ts",
      /default export must be a function: current value is undefined/,
    ],
    [
      "tests/content/hooks/throws_at_load.ts",
      /it failed to load: broken at load/,
    ],
  ];
  for (const [module, message] of cases) {
    const { code, text } = await runCli(
      ["--quiet", "--extract", module, `${srv.origin}/`],
      perms,
    );
    assert.equal(code, 2, text);
    assert.match(text, /^trawl: error: Cannot use extract module/);
    assert.match(text, message);
  }
  assert.equal(srv.log.length, 0, "nothing was requested");
});

Deno.test("main() names the --allow-read flag and exits 2 when it may not read the --extract module", async () => {
  await using srv = site();
  const { code, text } = await runCli(
    ["--quiet", "--extract", "tests/content/hooks/data.ts", `${srv.origin}/`],
    ["--allow-net=127.0.0.1", `--allow-read=${ROOT}src`],
  );
  assert.equal(code, 2, text);
  assert.match(
    text,
    new RegExp(
      `run again with --allow-read=${HOOKS.replaceAll("/", "\\/")}\\n`,
    ),
  );
  assert.equal(srv.log.length, 0, "nothing was requested");
});
