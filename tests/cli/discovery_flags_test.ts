// The sitemap and recrawl flags: what they set, what they refuse, and how
// `trawl status` shows a recrawl.
import assert from "node:assert/strict";
import { parseCliArgs } from "../../src/cli/args.ts";
import { formatStatus } from "../../src/cli/status.ts";
import { UsageError } from "../../src/cli/usage_error.ts";

const SEED = "https://example.com/";

function usageError(argv: string[], message: string): void {
  assert.throws(
    () => parseCliArgs(argv),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `not a UsageError: ${err}`);
      assert.equal(err.message, message);
      return true;
    },
  );
}

Deno.test("parseCliArgs() takes --sitemap (repeatable) in place of seeds", () => {
  const config = parseCliArgs([
    "--sitemap",
    "HTTPS://Example.com/sitemap.xml",
    "--sitemap",
    "https://example.com/news.xml.gz",
  ]);
  assert.deepEqual(config.seeds, []);
  assert.deepEqual(config.options.sitemapUrls, [
    "https://example.com/sitemap.xml",
    "https://example.com/news.xml.gz",
  ]);
  usageError(
    ["--sitemap", "sitemap.xml"],
    '--sitemap must be an absolute http(s) URL: got "sitemap.xml"',
  );
  usageError([], "no seed URLs given (try --help)");
});

Deno.test("parseCliArgs() maps --no-sitemaps and --since", () => {
  const config = parseCliArgs([
    "--no-sitemaps",
    "--since",
    "2024-06-01T12:00:00+02:00",
    SEED,
  ]);
  assert.equal(config.options.sitemaps, false);
  assert.equal(
    config.options.since?.toISOString(),
    "2024-06-01T10:00:00.000Z",
  );
  usageError(
    ["--since", "last week", SEED],
    '--since must be a date such as 2024-06-01 or 2024-06-01T12:00:00Z: got "last week"',
  );
});

Deno.test("parseCliArgs() maps --recrawl and --recrawl-older-than, which need --state", () => {
  const config = parseCliArgs([
    "--state",
    "s.db",
    "--recrawl",
    "--recrawl-older-than",
    "1d12h",
    SEED,
  ]);
  assert.equal(config.options.recrawl, true);
  assert.equal(config.options.recrawlOlderThanMs, 36 * 3_600_000);
  usageError(["--recrawl", SEED], "--recrawl needs --state PATH");
  usageError(
    ["--recrawl-older-than", "7d", SEED],
    "--recrawl-older-than needs --state PATH",
  );
  usageError(
    [
      "--frontier",
      "redis://127.0.0.1:6379/0",
      "--crawl",
      "c",
      "--recrawl",
      SEED,
    ],
    "--recrawl needs --state PATH",
  );
  usageError(
    ["--state", "s.db", "--recrawl", "--fresh", SEED],
    "--recrawl and --fresh exclude each other: pick one",
  );
  usageError(
    ["--state", "s.db", "--recrawl-older-than", "7", SEED],
    '--recrawl-older-than must be a duration such as 30m, 12h, 7d or 1h30m (units ms, s, m, h, d, w): got "7"',
  );
  usageError(
    ["--state", "s.db", "--recrawl-older-than", "0s", SEED],
    '--recrawl-older-than must be a number greater than 0: got "0s"',
  );
});

Deno.test("formatStatus() shows a recrawl's progress", () => {
  const text = formatStatus({
    location: "s.db",
    seeds: [SEED],
    accepted: 10,
    done: 6,
    pending: 4,
    byStatusClass: { "3xx": 5, "2xx": 1 },
    errors: {},
    skipped: {},
    hosts: [],
    recrawl: {
      generation: 2,
      startedAt: Date.UTC(2024, 5, 1, 8),
      before: Date.UTC(2024, 5, 1, 8),
      done: 6,
      pending: 4,
    },
  });
  assert.match(
    text,
    /^recrawl {3}2, started 2024-06-01T08:00:00\.000Z: 6 of 10 done \(60\.0%\), 4 pending$/m,
  );
});
