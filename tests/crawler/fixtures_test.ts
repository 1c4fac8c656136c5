/**
 * One test per directory of `fixtures/` holding an `expected.json`: serve the
 * site, crawl it, and compare every result with the expectation. The format
 * is described in `fixtures/README.md`.
 */
import assert from "node:assert/strict";
import { crawl } from "../../src/crawler/crawler.ts";
import type { CrawlOptions } from "../../src/crawler/options.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import {
  FIXTURES_DIR,
  type FixtureServer,
  serveFixture,
} from "../_support/fixture_server.ts";

/** The contents of a fixture's `expected.json`. */
interface Expected {
  /** Seed paths (or `{{origin}}`/`{{alt}}` URLs). */
  seeds: string[];
  /** JSON-able crawl options, merged over {@linkcode DEFAULTS}. */
  options?: CrawlOptions;
  /** Every result, by key: a status, `"skipped:<reason>"` or `"error:<name>"`. */
  results: Record<string, number | string>;
  /** Expected `title` per key. */
  titles?: Record<string, string>;
  /** Expected result fields per key (strings are templated). */
  flags?: Record<string, Record<string, unknown>>;
  /** Expected request counts per path on the server (0 = never requested). */
  hits?: Record<string, number>;
  /** Expected `content` per key: a file of the fixture's `expected/`. */
  content?: Record<string, string>;
}

/** Options every fixture crawl starts from: small, so the suite stays fast. */
const DEFAULTS: CrawlOptions = {
  backoff: { baseMs: 10, maxMs: 2000 },
  idleTimeoutMs: 300,
  timeoutMs: 3000,
  workers: 0,
};

/** The fixtures crawled with a worker pool as well (the others parse inline). */
const WITH_WORKERS = ["links", "content"];

/** A crawl that has not finished after this long is aborted and fails. */
const CRAWL_LIMIT_MS = 60_000;

function template(server: FixtureServer, text: string): string {
  return text.replaceAll("{{origin}}", server.origin)
    .replaceAll("{{alt}}", server.altOrigin)
    .replaceAll("{{port}}", new URL(server.origin).port);
}

function templateDeep(server: FixtureServer, value: unknown): unknown {
  if (typeof value === "string") return template(server, value);
  if (Array.isArray(value)) return value.map((v) => templateDeep(server, v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, templateDeep(server, v)]),
    );
  }
  return value;
}

/** A seed or key as an absolute URL. */
function toUrl(server: FixtureServer, key: string): string {
  const text = template(server, key);
  return text.startsWith("/") ? server.url(text) : text;
}

/** A result URL as a key: a path on the fixture origin, or an `{{alt}}` URL. */
function toKey(server: FixtureServer, url: string): string {
  if (url.startsWith(server.origin + "/")) {
    return url.slice(server.origin.length);
  }
  if (url.startsWith(server.altOrigin + "/")) {
    return "{{alt}}" + url.slice(server.altOrigin.length);
  }
  return url;
}

/** What happened to a URL, in the notation of `expected.json`. */
function outcome(result: CrawlResult): number | string {
  // A skip that says why (robots.txt unreachable) is a skip.
  if (result.skipped) return `skipped:${result.skipped}`;
  if (result.error) return `error:${result.error.name}`;
  return result.status;
}

function describe(result: CrawlResult | undefined): string {
  if (!result) return "";
  const parts = [`status ${result.status}`, `attempts ${result.attempts}`];
  if (result.finalUrl !== result.url) parts.push(`finalUrl ${result.finalUrl}`);
  if (result.error) parts.push(`${result.error.name}: ${result.error.message}`);
  return ` (${parts.join(", ")})`;
}

/** Lines describing every difference between expected and actual outcomes. */
function diffResults(
  expected: Record<string, number | string>,
  actual: Map<string, CrawlResult>,
  server: FixtureServer,
): string[] {
  const lines: string[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const result = actual.get(key);
    if (!result) lines.push(`  missing     ${key}: expected ${want}`);
    else if (outcome(result) !== want) {
      lines.push(
        `  wrong       ${key}: expected ${want}, got ${outcome(result)}${
          describe(result)
        }`,
      );
    }
  }
  for (const [key, result] of actual) {
    if (!(key in expected)) {
      lines.push(
        `  unexpected  ${key}: got ${outcome(result)}${describe(result)}${
          result.referrer
            ? `, linked from ${toKey(server, result.referrer)}`
            : ""
        }`,
      );
    }
  }
  return lines;
}

/**
 * Lines describing each result whose `content` differs from its expected
 * file (templated, without its final newline).
 */
async function diffContent(
  name: string,
  files: Record<string, string>,
  actual: Map<string, CrawlResult>,
  server: FixtureServer,
): Promise<string[]> {
  const lines: string[] = [];
  for (const [key, file] of Object.entries(files)) {
    const url = new URL(`${name}/expected/${file}`, FIXTURES_DIR);
    const want = template(server, await Deno.readTextFile(url))
      .replace(/\n$/, "");
    const got = actual.get(key)?.content;
    if (got !== want) {
      lines.push(
        `  content     ${key}: differs from expected/${file}; got:\n${got}`,
      );
    }
  }
  return lines;
}

async function readExpected(name: string): Promise<Expected> {
  const url = new URL(`${name}/expected.json`, FIXTURES_DIR);
  return JSON.parse(await Deno.readTextFile(url)) as Expected;
}

async function runFixture(name: string, workers: number): Promise<void> {
  const expected = await readExpected(name);
  await using server = await serveFixture(name);
  const limit = new AbortController();
  const timer = setTimeout(
    () =>
      limit.abort(
        new Error(`fixture ${name}: crawl not done after ${CRAWL_LIMIT_MS} ms`),
      ),
    CRAWL_LIMIT_MS,
  );
  const results = new Map<string, CrawlResult>();
  const duplicates: string[] = [];
  try {
    const options: CrawlOptions = {
      ...DEFAULTS,
      ...templateDeep(server, expected.options ?? {}) as CrawlOptions,
      workers,
      signal: limit.signal,
    };
    const seeds = expected.seeds.map((seed) => toUrl(server, seed));
    for await (const result of crawl(seeds, options)) {
      const key = toKey(server, result.url);
      if (results.has(key)) duplicates.push(key);
      results.set(key, result);
    }
  } finally {
    clearTimeout(timer);
  }

  const problems: string[] = [];
  if (duplicates.length > 0) {
    problems.push(`  duplicated  ${[...new Set(duplicates)].join(", ")}`);
  }
  problems.push(...diffResults(expected.results, results, server));
  for (const [key, title] of Object.entries(expected.titles ?? {})) {
    const got = results.get(key)?.title;
    if (got !== title) {
      problems.push(
        `  title       ${key}: expected ${JSON.stringify(title)}, got ${
          JSON.stringify(got)
        }`,
      );
    }
  }
  for (const [key, fields] of Object.entries(expected.flags ?? {})) {
    const result = results.get(key) as Record<string, unknown> | undefined;
    for (const [field, want] of Object.entries(fields)) {
      const value = templateDeep(server, want);
      try {
        assert.deepEqual(result?.[field], value);
      } catch {
        problems.push(
          `  field       ${key}.${field}: expected ${
            JSON.stringify(value)
          }, got ${JSON.stringify(result?.[field])}`,
        );
      }
    }
  }
  problems.push(
    ...await diffContent(name, expected.content ?? {}, results, server),
  );
  for (const [path, count] of Object.entries(expected.hits ?? {})) {
    const got = server.hits.get(path) ?? 0;
    if (got !== count) {
      problems.push(`  hits        ${path}: expected ${count}, got ${got}`);
    }
  }
  if (problems.length > 0) {
    assert.fail(
      `fixture ${name} (workers: ${workers}) differs from expected.json:\n${
        problems.join("\n")
      }`,
    );
  }
}

const names: string[] = [];
for (const entry of Deno.readDirSync(FIXTURES_DIR)) {
  if (!entry.isDirectory) continue;
  try {
    Deno.statSync(new URL(`${entry.name}/expected.json`, FIXTURES_DIR));
    names.push(entry.name);
  } catch {
    // a directory without expected.json is not a fixture
  }
}
names.sort();

for (const name of names) {
  Deno.test(
    `crawl() gives the outcomes of fixtures/${name}/expected.json`,
    () => runFixture(name, 0),
  );
}
for (const name of WITH_WORKERS) {
  Deno.test(
    `crawl() gives the outcomes of fixtures/${name}/expected.json when parsing in a worker`,
    () => runFixture(name, 1),
  );
}

Deno.test("readExpected() finds seeds, well-formed outcomes and a site for every fixture", async () => {
  assert.ok(names.length >= 14, `only ${names.length} fixtures found`);
  for (const name of WITH_WORKERS) assert.ok(names.includes(name));
  for (const name of names) {
    const expected = await readExpected(name);
    assert.ok(
      Array.isArray(expected.seeds) && expected.seeds.length > 0,
      `${name}: no seeds`,
    );
    assert.ok(Object.keys(expected.results).length > 0, `${name}: no results`);
    for (const [key, value] of Object.entries(expected.results)) {
      assert.ok(
        typeof value === "number" ||
          /^(skipped:[a-z-]+|error:[A-Za-z]+Error)$/.test(value),
        `${name}: bad outcome ${JSON.stringify(value)} for ${key}`,
      );
    }
    for (const key of Object.keys(expected.titles ?? {})) {
      assert.ok(key in expected.results, `${name}: title for unknown ${key}`);
    }
    for (const key of Object.keys(expected.flags ?? {})) {
      assert.ok(key in expected.results, `${name}: flags for unknown ${key}`);
    }
    for (const [key, file] of Object.entries(expected.content ?? {})) {
      assert.ok(key in expected.results, `${name}: content for unknown ${key}`);
      await Deno.stat(new URL(`${name}/expected/${file}`, FIXTURES_DIR));
    }
    const site = await Deno.stat(new URL(`${name}/site/`, FIXTURES_DIR));
    assert.ok(site.isDirectory, `${name}: no site/`);
  }
});

Deno.test("diffResults() reports missing, unexpected and wrong results", async () => {
  await using server = await serveFixture("links");
  const result = (path: string, extra: Partial<CrawlResult>): CrawlResult => ({
    url: server.url(path),
    finalUrl: server.url(path),
    status: 200,
    depth: 1,
    links: 0,
    bytes: 0,
    attempts: 1,
    timings: { start: 0, ttfb: 0, total: 0 },
    trace: { traceId: "t", spanId: "s" },
    ...extra,
  });
  const actual = new Map<string, CrawlResult>([
    ["/", result("/", {})],
    [
      "/a.html",
      result("/a.html", { error: { name: "FetchError", message: "reset" } }),
    ],
    ["/b.html", result("/b.html", { skipped: "robots" })],
    [
      "{{alt}}/x",
      result("/x", { url: `${server.altOrigin}/x`, referrer: server.url("/") }),
    ],
  ]);
  const lines = diffResults(
    { "/": 200, "/a.html": 200, "/b.html": "skipped:robots", "/c.html": 404 },
    actual,
    server,
  );
  assert.deepEqual(
    lines.map((l) => l.trim().split(/\s+/).slice(0, 2).join(" ")),
    [
      "wrong /a.html:",
      "missing /c.html:",
      "unexpected {{alt}}/x:",
    ],
  );
  assert.match(
    lines[0],
    /expected 200, got error:FetchError .*FetchError: reset/,
  );
  assert.match(lines[2], /linked from \/$/);
  assert.equal(toKey(server, `${server.altOrigin}/x`), "{{alt}}/x");
  assert.equal(toUrl(server, "{{alt}}/y"), `${server.altOrigin}/y`);
  assert.deepEqual(
    diffResults({ "/": 200 }, new Map([["/", result("/", {})]]), server),
    [],
  );
});
