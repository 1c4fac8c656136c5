import assert from "node:assert/strict";
import {
  helpText,
  parseCliArgs,
  parseSeedList,
  parseUrlFilter,
  seedHosts,
  UsageError,
} from "../../src/cli/args.ts";
import { formatBytes, formatDuration, Summary } from "../../src/cli/summary.ts";
import { formatLogLine, Progress } from "../../src/cli/progress.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";

const SEED = "https://example.com/";

function args(...flags: string[]) {
  return parseCliArgs([...flags, SEED]);
}

function usageError(argv: string[], message: string | RegExp): void {
  assert.throws(
    () => parseCliArgs(argv),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `not a UsageError: ${err}`);
      assert.equal(err.name, "UsageError");
      if (typeof message === "string") assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

Deno.test("parseCliArgs() with only seeds gives no options but the log level", () => {
  const config = parseCliArgs([SEED, "http://b.example/x?y#z"]);
  assert.deepEqual(config.seeds, [SEED, "http://b.example/x?y#z"]);
  assert.deepEqual(config.options, { logLevel: "warn" });
  assert.equal(config.quiet, false);
  assert.equal(config.out, undefined);
  assert.equal(config.seedsFile, undefined);
  assert.equal(config.logLevel, "warn");
  assert.equal(config.help, false);
  assert.equal(config.version, false);
});

Deno.test("parseCliArgs() normalizes seeds", () => {
  assert.deepEqual(parseCliArgs(["HTTPS://Example.COM"]).seeds, [SEED]);
});

Deno.test("parseCliArgs() maps every numeric flag to its option", () => {
  assert.equal(args("--concurrency", "4").options.concurrency, 4);
  assert.deepEqual(args("--per-host", "3").options.perHost, {
    concurrency: 3,
  });
  assert.deepEqual(args("--rate", "0.5").options.perHost, { rate: 0.5 });
  assert.deepEqual(args("--rate", "2", "--per-host", "1").options.perHost, {
    concurrency: 1,
    rate: 2,
  });
  assert.equal(args("--rate", "Infinity").options.perHost?.rate, Infinity);
  assert.equal(args("--rate", ".25").options.perHost?.rate, 0.25);
  assert.equal(args("--rate", "1e1").options.perHost?.rate, 10);
  assert.equal(args("--max-pages", "100").options.maxPages, 100);
  assert.equal(args("--max-depth", "0").options.maxDepth, 0);
  assert.equal(args("--max-depth", "5").options.maxDepth, 5);
  assert.equal(args("--timeout", "3000").options.timeoutMs, 3000);
  assert.equal(args("--idle-timeout", "300").options.idleTimeoutMs, 300);
  assert.equal(args("--retries", "0").options.retries, 0);
  assert.equal(args("--max-redirects", "0").options.maxRedirects, 0);
  assert.equal(args("--max-body-bytes", "1024").options.maxBodyBytes, 1024);
  assert.equal(args("--workers", "0").options.workers, 0);
  assert.equal(args("--workers=2").options.workers, 2);
});

Deno.test("parseCliArgs() maps every other flag to its option", () => {
  for (const scope of ["host", "domain", "origin", "any"]) {
    assert.equal(args("--scope", scope).options.scope, scope);
  }
  assert.equal(args("--no-robots").options.respectRobots, false);
  assert.equal(args().options.respectRobots, undefined);
  assert.equal(args("--user-agent", "bot/1").options.userAgent, "bot/1");
  assert.equal(args("--links").options.includeLinks, true);
  assert.equal(args().options.includeLinks, undefined);
  assert.deepEqual(
    args("--skip-extensions", "pdf, .zip,,").options.skipExtensions,
    [
      "pdf",
      ".zip",
    ],
  );
  assert.deepEqual(args("--skip-extensions", "").options.skipExtensions, []);
  assert.equal(args().options.skipExtensions, undefined);
  assert.equal(args("--log-level", "debug").options.stallThresholdMs, 100);
  assert.equal(args("--allow-private").options.allowPrivateNetworks, true);
  assert.equal(args().options.allowPrivateNetworks, undefined);
  assert.equal(args("--max-pages-per-host", "7").options.maxPagesPerHost, 7);
  assert.equal(args("--max-links-per-page", "9").options.maxLinksPerPage, 9);
  assert.throws(() => args("--max-links-per-page", "0"), UsageError);
  assert.equal(args("--log-level", "info").options.stallThresholdMs, undefined);
  assert.deepEqual(
    args("--header", "X-Token: a:b ", "--header", "Accept-Language:fr")
      .options.headers,
    { "x-token": "a:b", "accept-language": "fr" },
  );
  assert.deepEqual(
    args("--header", "X-A: 1", "--header", "x-a: 2").options.headers,
    { "x-a": "1, 2" },
  );
  for (const level of ["debug", "info", "warn", "error"]) {
    const config = args("--log-level", level);
    assert.equal(config.logLevel, level);
    assert.equal(config.options.logLevel, level);
  }
  assert.equal(args("--out", "r.jsonl").out, "r.jsonl");
  assert.equal(args("-o", "r.jsonl").out, "r.jsonl");
  assert.equal(args("--quiet").quiet, true);
  assert.equal(args("-q").quiet, true);
});

Deno.test("parseCliArgs() maps --include/--exclude to RegExps and URLPatterns", () => {
  const { include, exclude } = args(
    "--include",
    "/\\/docs\\//i",
    "--include",
    "/blog/*",
    "--exclude",
    "https://example.com/private/*",
  ).options;
  assert.equal(include?.length, 2);
  assert.ok(include[0] instanceof RegExp);
  assert.equal(include[0].source, "\\/docs\\/");
  assert.equal(include[0].flags, "i");
  assert.ok(include[1] instanceof URLPattern);
  assert.ok(include[1].test("http://other.example/blog/a"));
  assert.ok(!include[1].test("http://other.example/news/a"));
  assert.equal(exclude?.length, 1);
  const pattern = exclude[0] as URLPattern;
  assert.equal(pattern.hostname, "example.com");
  assert.ok(pattern.test("https://example.com/private/x"));
  assert.ok(!pattern.test("https://elsewhere.example/private/x"));
});

Deno.test("parseUrlFilter() parses regexes, full patterns and pathnames", () => {
  const re = parseUrlFilter("--include", "/a.c$/");
  assert.ok(re instanceof RegExp);
  assert.ok(re.test("https://x/abc"));
  const full = parseUrlFilter("--include", "http{s}?://*.example.com/*");
  assert.ok(full instanceof URLPattern);
  assert.ok(full.test("https://www.example.com/a"));
  const path = parseUrlFilter("--exclude", "*.pdf");
  assert.ok(path instanceof URLPattern);
  assert.equal(path.pathname, "*.pdf");
});

Deno.test("parseUrlFilter() rejects bad patterns naming the flag and value", () => {
  assert.throws(
    () => parseUrlFilter("--include", "/(/"),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message.startsWith(
        `--include is not a valid regular expression: got "/(/" (`,
      ),
  );
  assert.throws(
    () => parseUrlFilter("--exclude", "/a/("),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message.startsWith(
        `--exclude is not a valid URL pattern: got "/a/(" (`,
      ),
  );
  assert.throws(
    () => parseUrlFilter("--exclude", ""),
    new UsageError(`--exclude must not be empty: got ""`),
  );
});

Deno.test("parseCliArgs() --help and --version skip validation", () => {
  assert.equal(parseCliArgs(["--help"]).help, true);
  assert.equal(parseCliArgs(["-h", "--concurrency", "x"]).help, true);
  assert.equal(parseCliArgs(["--version"]).version, true);
  assert.equal(parseCliArgs(["-V"]).version, true);
});

Deno.test("parseCliArgs() takes --seeds FILE and - without positional seeds", () => {
  assert.equal(parseCliArgs(["--seeds", "s.txt"]).seedsFile, "s.txt");
  const config = parseCliArgs(["--seeds", "-"]);
  assert.equal(config.seedsFile, "-");
  assert.deepEqual(config.seeds, []);
});

Deno.test("parseCliArgs() rejects bad numbers naming the flag and value", () => {
  const positive = [
    "--concurrency",
    "--per-host",
    "--max-pages",
    "--timeout",
    "--idle-timeout",
    "--max-body-bytes",
    "--max-heap",
  ];
  for (const flag of positive) {
    for (const bad of ["abc", "0", "1.5", "-1", "", "1e3", "0x10", " "]) {
      usageError(
        [`${flag}=${bad}`, SEED],
        `${flag} must be a positive integer: got ${JSON.stringify(bad)}`,
      );
    }
  }
  usageError(
    ["--concurrency", "abc", SEED],
    `--concurrency must be a positive integer: got "abc"`,
  );
  usageError(
    ["--concurrency", "99999999999999999999", SEED],
    `--concurrency must be a positive integer: got "99999999999999999999"`,
  );
  for (
    const flag of ["--max-depth", "--retries", "--max-redirects", "--workers"]
  ) {
    for (const bad of ["x", "-1", "2.5", ""]) {
      usageError(
        [`${flag}=${bad}`, SEED],
        `${flag} must be a non-negative integer: got ${JSON.stringify(bad)}`,
      );
    }
  }
  usageError(
    ["--max-heap", "63", SEED],
    `--max-heap must be at least 64 (MB): got 63`,
  );
  assert.equal(parseCliArgs(["--max-heap", "64", SEED]).maxHeapMb, 64);
  for (const bad of ["0", "-1", "abc", "", "NaN", "-Infinity", "1/2"]) {
    usageError(
      [`--rate=${bad}`, SEED],
      `--rate must be a number greater than 0: got ${JSON.stringify(bad)}`,
    );
  }
});

Deno.test("parseCliArgs() rejects bad choices and values", () => {
  usageError(
    ["--scope", "site", SEED],
    `--scope must be one of host, domain, origin, any: got "site"`,
  );
  usageError(
    ["--log-level", "trace", SEED],
    `--log-level must be one of debug, info, warn, error: got "trace"`,
  );
  usageError(
    ["--header", "NoColon", SEED],
    `--header must be "Name: value": got "NoColon"`,
  );
  usageError(
    ["--header", ": value", SEED],
    `--header must be "Name: value": got ": value"`,
  );
  usageError(
    ["--header", "Bad Name: v", SEED],
    `--header must be "Name: value": got "Bad Name: v"`,
  );
  usageError(
    ["--user-agent", " ", SEED],
    `--user-agent must not be empty: got ""`,
  );
  usageError(["--out=", SEED], `--out must name a file: got ""`);
  usageError(["--seeds="], `--seeds must name a file or "-": got ""`);
  usageError(
    ["--include", "/(/", SEED],
    /^--include is not a valid regular expression: got "\/\(\/"/,
  );
});

Deno.test("parseCliArgs() rejects unknown flags and missing values", () => {
  usageError(["--nope", SEED], "unknown flag --nope (try --help)");
  usageError(["-z", SEED], "unknown flag -z (try --help)");
  usageError([SEED, "--concurrency"], "--concurrency needs a value");
  usageError([SEED, "-o"], "--out needs a value");
  usageError(
    ["--max-depth", "-1", SEED],
    `--max-depth needs a value (write --max-depth=VALUE for a value starting with "-")`,
  );
  usageError(["--links=yes", SEED], "--links does not take a value");
});

Deno.test("parseCliArgs() rejects no seeds and non-http(s) seeds", () => {
  usageError([], "no seed URLs given (try --help)");
  usageError(["--quiet"], "no seed URLs given (try --help)");
  usageError(
    ["ftp://example.com/"],
    `seed "ftp://example.com/" is not an http(s) URL`,
  );
  usageError(
    [SEED, "example.com"],
    `seed "example.com" is not an http(s) URL`,
  );
  usageError(["http://"], `seed "http://" is not an http(s) URL`);
});

Deno.test("parseSeedList() skips comments and blanks, names bad lines", () => {
  assert.deepEqual(
    parseSeedList(
      "# seeds\n\nhttps://a.example/\r\n  http://b.example/x  \n#x\n",
      "s.txt",
    ),
    ["https://a.example/", "http://b.example/x"],
  );
  assert.deepEqual(parseSeedList("", "s.txt"), []);
  assert.throws(
    () => parseSeedList("https://a.example/\n\nmailto:x@y\n", "s.txt"),
    new UsageError(`seed "mailto:x@y" (s.txt line 3) is not an http(s) URL`),
  );
  assert.throws(
    () => parseSeedList("nope", "-"),
    new UsageError(`seed "nope" (stdin line 1) is not an http(s) URL`),
  );
});

Deno.test("seedHosts() lists distinct host names without ports", () => {
  assert.deepEqual(
    seedHosts([
      "http://127.0.0.1:8000/",
      "https://a.example/",
      "http://127.0.0.1:9000/x",
    ]),
    ["127.0.0.1", "a.example"],
  );
});

Deno.test("helpText() documents every flag, defaults, examples and permissions", () => {
  const help = helpText("9.9.9");
  assert.match(help, /^trawl 9\.9\.9/);
  for (
    const flag of [
      "--concurrency",
      "--per-host",
      "--rate",
      "--max-pages",
      "--max-depth",
      "--scope",
      "--include",
      "--exclude",
      "--no-robots",
      "--user-agent",
      "--timeout",
      "--idle-timeout",
      "--retries",
      "--max-redirects",
      "--max-body-bytes",
      "--workers",
      "--max-heap",
      "--header",
      "--links",
      "--out",
      "--seeds",
      "--quiet",
      "--log-level",
      "--help",
      "--version",
    ]
  ) {
    assert.ok(help.includes(flag), `help lacks ${flag}`);
  }
  assert.match(help, /default: 16\)/);
  assert.match(
    help,
    /--allow-net=example\.com cli\.ts https:\/\/example\.com\//,
  );
  assert.match(help, /--allow-write=FILE/);
  assert.match(help, /--allow-read=FILE/);
});

function result(overrides: Partial<CrawlResult> = {}): CrawlResult {
  return {
    url: SEED,
    finalUrl: SEED,
    status: 200,
    depth: 0,
    links: 0,
    bytes: 0,
    attempts: 1,
    timings: { start: 0, ttfb: 1, total: 2 },
    trace: { traceId: "t", spanId: "s" },
    ...overrides,
  };
}

Deno.test("Summary counts each result in exactly one bucket", () => {
  const summary = new Summary();
  summary.add(result({ bytes: 1000 }));
  summary.add(result({ status: 200, bytes: 24 }));
  summary.add(result({ status: 404 }));
  summary.add(result({ status: 301 }));
  summary.add(
    result({ status: 503, error: { name: "HttpError", message: "" } }),
  );
  summary.add(
    result({ status: 0, error: { name: "FetchError", message: "x" } }),
  );
  summary.add(
    result({ status: 0, error: { name: "FetchError", message: "y" } }),
  );
  summary.add(result({ status: 200, skipped: "content-type" }));
  summary.add(result({ status: 0, skipped: "robots" }));
  summary.add(result({ status: 0 }));
  assert.equal(summary.total, 10);
  assert.equal(summary.bytes, 1024);
  assert.deepEqual(summary.pages, {
    "2xx": 2,
    "4xx": 1,
    "3xx": 1,
    "no status": 1,
  });
  assert.deepEqual(summary.errors, { HttpError: 1, FetchError: 2 });
  assert.deepEqual(summary.skipped, { "content-type": 1, robots: 1 });
  const sum = (o: Record<string, number | undefined>) =>
    Object.values(o).reduce((a: number, b) => a + (b ?? 0), 0);
  assert.equal(
    sum(summary.pages) + sum(summary.errors) + sum(summary.skipped),
    summary.total,
  );
});

Deno.test("Summary.format() prints totals, breakdowns, bytes, duration, rate", () => {
  const summary = new Summary();
  for (let i = 0; i < 3; i++) summary.add(result({ bytes: 512 * 1024 }));
  summary.add(result({ status: 404 }));
  summary.add(
    result({ status: 0, error: { name: "FetchError", message: "" } }),
  );
  summary.add(result({ status: 0, skipped: "robots" }));
  summary.add(result({ status: 0, skipped: "robots" }));
  summary.add(result({ status: 0, skipped: "budget" }));
  const text = summary.format(2000);
  assert.equal(
    text,
    [
      "trawl: 8 results, done in 2.0 s (2.0 pages/s)",
      "  pages         4  2xx 3, 4xx 1",
      "  errors        1  FetchError 1",
      "  skipped       3  robots 2, budget 1",
      "  bytes    1.5 MiB",
      "",
    ].join("\n"),
  );
  assert.ok(!text.includes("\x1b"));
  const colored = summary.format(2000, { color: true, interrupted: true });
  assert.ok(colored.includes("\x1b["));
  assert.match(colored, /interrupted after 2\.0 s/);
});

Deno.test("Summary.format() of an empty crawl", () => {
  assert.equal(
    new Summary().format(0),
    [
      "trawl: 0 results, done in 0 ms (0.0 pages/s)",
      "  pages         0",
      "  errors        0",
      "  skipped       0",
      "  bytes    0 B",
      "",
    ].join("\n"),
  );
});

Deno.test("formatBytes() and formatDuration() use human units", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.0 KiB");
  assert.equal(formatBytes(10 * 1024 * 1024), "10.0 MiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GiB");
  assert.equal(formatDuration(0), "0 ms");
  assert.equal(formatDuration(999.4), "999 ms");
  assert.equal(formatDuration(1000), "1.0 s");
  assert.equal(formatDuration(59_940), "59.9 s");
  assert.equal(formatDuration(60_000), "1 min 0 s");
  assert.equal(formatDuration(3_725_000), "1 h 2 min");
});

Deno.test("Progress redraws at most every intervalMs and clears on stop", async () => {
  const clock = new FakeClock();
  const writes: string[] = [];
  const stats = { done: 0, queued: 4, inFlight: 1, errors: 0 };
  const progress = new Progress({
    write: (t) => writes.push(t),
    stats: () => stats,
    clock,
  });
  progress.start();
  progress.start(); // idempotent
  assert.equal(writes.length, 1);
  assert.equal(
    writes[0],
    "\r\x1b[2Ktrawl: 0 done · 4 queued · 1 in flight · 0.0 pages/s · 0 errors",
  );
  await clock.tick(99);
  assert.equal(writes.length, 1);
  stats.done = 20;
  stats.errors = 1;
  await clock.tick(1);
  assert.equal(writes.length, 2);
  assert.equal(
    writes[1],
    "\r\x1b[2Ktrawl: 20 done · 4 queued · 1 in flight · 200.0 pages/s · 1 error",
  );
  await clock.tick(900);
  assert.equal(writes.length, 11); // 10 redraws a second
  await progress.stop();
  assert.equal(writes.at(-1), "\r\x1b[2K");
  assert.equal(clock.pending, 0);
  const count = writes.length;
  await clock.tick(1000);
  assert.equal(writes.length, count);
});

Deno.test("Progress.log() prints above the line; colors only when asked", async () => {
  const clock = new FakeClock();
  let screen = "";
  const stats = { done: 1, queued: 0, inFlight: 0, errors: 2 };
  await using progress = new Progress({
    write: (t) => (screen += t),
    stats: () => stats,
    clock,
    color: true,
    columns: () => 200,
  });
  progress.log("before start");
  assert.equal(screen, "before start\n");
  progress.start();
  screen = "";
  progress.log("hello");
  assert.ok(screen.startsWith("\r\x1b[2Khello\n\r\x1b[2K"));
  assert.ok(screen.includes("\x1b[31m2 errors\x1b[39m"));
  progress.clear();
  progress.clear();
  assert.ok(
    screen.endsWith("\r\x1b[2K") && !screen.endsWith("\r\x1b[2K\r\x1b[2K"),
  );
});

Deno.test("Progress cuts the line to the terminal width and validates options", () => {
  const progress = new Progress({
    write: () => {},
    stats: () => ({ done: 1, queued: 2, inFlight: 3, errors: 4 }),
    columns: () => 21,
    color: true,
  });
  const line = progress.line();
  assert.equal([...line].length, 20);
  assert.ok(line.endsWith("…"));
  assert.ok(!line.includes("\x1b"));
  assert.throws(
    () =>
      new Progress({
        write: () => {},
        stats: () => ({ done: 0, queued: 0, inFlight: 0, errors: 0 }),
        intervalMs: 0,
      }),
    new RangeError(
      "Cannot create Progress as 'intervalMs' must be greater than 0: current value is 0",
    ),
  );
});

Deno.test("formatLogLine() prints level, short ids, message, url", () => {
  assert.equal(
    formatLogLine({
      level: "error",
      message: "boom\nsecond line",
      time: 0,
      traceId: "0123456789abcdef",
      spanId: "fedcba9876543210",
      url: "https://example.com/a",
    }),
    "ERROR 01234567/fedcba98 boom\\nsecond line https://example.com/a",
  );
  assert.equal(
    formatLogLine({ level: "info", message: "started", time: 0 }),
    "INFO  - started",
  );
  assert.equal(
    formatLogLine({ level: "debug", message: "m", time: 0 }, { color: true }),
    "\x1b[2mDEBUG\x1b[0m - m",
  );
});
