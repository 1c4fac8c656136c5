import assert from "node:assert/strict";
import { parseCliArgs, parseStatusArgs } from "../../src/cli/args.ts";
import { UsageError } from "../../src/cli/usage_error.ts";

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

Deno.test("parseCliArgs() gives no options but the log level when given only seeds", () => {
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

Deno.test("parseCliArgs() maps --include and --exclude to RegExps and URLPatterns", () => {
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

Deno.test("parseCliArgs() skips validation when given --help or --version", () => {
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

Deno.test("parseCliArgs() rejects bad numbers naming the flag and the value", () => {
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

Deno.test("parseCliArgs() maps the shared-crawl flags", () => {
  const shared = [
    "--frontier",
    "rediss://127.0.0.1:6379/0",
    "--crawl",
    "docs.v2_x-1",
    "--worker",
    "host:/out/r0.jsonl",
    "--lease",
    "150.5",
    "--redis-timeout",
    "0",
    "--redis-slots",
    "64",
  ];
  const config = args(...shared, "--fresh");
  assert.equal(config.frontier, "rediss://127.0.0.1:6379/0");
  assert.equal(config.crawl, "docs.v2_x-1");
  assert.equal(config.worker, "host:/out/r0.jsonl");
  assert.equal(config.leaseMs, 150.5);
  assert.equal(config.redisTimeoutMs, 0);
  assert.equal(config.redisSlots, 64);
  assert.equal(config.options.stateMode, "fresh");
  assert.equal(args("--state", "c.db", "--resume").options.stateMode, "resume");
  assert.equal(args("--state", "c.db").state, "c.db");
});

Deno.test("parseCliArgs() rejects --crawl a:b", () => {
  usageError(
    ["--frontier", "redis://127.0.0.1:6379/0", "--crawl", "a:b", SEED],
    `--crawl must be 1 to 100 letters, digits, '.', '_' or '-': got "a:b"`,
  );
  usageError(
    [
      "--frontier",
      "redis://127.0.0.1:6379/0",
      "--crawl",
      "x".repeat(101),
      SEED,
    ],
    /^--crawl must be 1 to 100 letters/,
  );
});

Deno.test("parseCliArgs() rejects --worker w,1", () => {
  for (const bad of ["w,1", "a b", ""]) {
    usageError(
      [
        "--frontier",
        "redis://127.0.0.1:6379/0",
        "--crawl",
        "c",
        `--worker=${bad}`,
        SEED,
      ],
      `--worker must be 1 to 200 characters without spaces or commas: got ${
        JSON.stringify(bad)
      }`,
    );
  }
});

Deno.test("parseCliArgs() rejects what RedisStore rejects in --frontier, --lease, --redis-timeout and --redis-slots", () => {
  const shared = ["--crawl", "c", SEED];
  usageError(
    ["--frontier", "http://127.0.0.1:6379/", ...shared],
    `--frontier must be a redis:// or rediss:// URL (redis+cluster://HOST:PORT,… for a cluster): got "http://127.0.0.1:6379/"`,
  );
  const frontier = ["--frontier", "redis://127.0.0.1:6379/0", ...shared];
  for (const bad of ["99", "abc", "Infinity"]) {
    usageError(
      [`--lease=${bad}`, ...frontier],
      `--lease must be a number of at least 100: got ${JSON.stringify(bad)}`,
    );
  }
  usageError(
    ["--redis-timeout=-1", ...frontier],
    `--redis-timeout must be a non-negative number: got "-1"`,
  );
  for (const bad of ["0", "1025", "2.5"]) {
    usageError(
      [`--redis-slots=${bad}`, ...frontier],
      `--redis-slots must be an integer from 1 to 1024: got ${
        JSON.stringify(bad)
      }`,
    );
  }
});

Deno.test("parseCliArgs() rejects a flag without the flag it needs, and flags that exclude each other", () => {
  const frontier = ["--frontier", "redis://127.0.0.1:6379/0"];
  for (
    const flag of [
      "--worker=w",
      "--lease=1000",
      "--redis-timeout=10",
      "--redis-slots=4",
    ]
  ) {
    usageError(
      [flag, SEED],
      `${flag.split("=")[0]} needs --frontier URL --crawl NAME`,
    );
  }
  usageError([...frontier, SEED], "--frontier needs --crawl NAME");
  usageError(
    ["--crawl", "c", SEED],
    "--crawl needs --frontier redis://HOST:PORT/DB",
  );
  usageError(
    ["--state", "c.db", ...frontier, "--crawl", "c", SEED],
    "--state and --frontier exclude each other: pick one",
  );
  usageError(
    ["--state", "c.db", "--resume", "--fresh", SEED],
    "--resume and --fresh exclude each other: pick one",
  );
  usageError(["--fresh", SEED], "--fresh needs --state PATH or --frontier URL");
  usageError(["--state=", SEED], `--state must name a file: got ""`);
});

Deno.test("parseStatusArgs() reads the store flags and --json", () => {
  assert.deepEqual(parseStatusArgs(["--state", "c.db"]), {
    json: false,
    help: false,
    state: "c.db",
  });
  assert.deepEqual(
    parseStatusArgs([
      "--frontier",
      "redis://127.0.0.1:6379/0",
      "--crawl",
      "c",
      "--json",
    ]),
    {
      json: true,
      help: false,
      frontier: "redis://127.0.0.1:6379/0",
      crawl: "c",
    },
  );
  assert.equal(parseStatusArgs(["-h"]).help, true);
});

Deno.test("parseStatusArgs() rejects a missing store, bad names and seeds", () => {
  const error = (argv: string[], message: string) =>
    assert.throws(() => parseStatusArgs(argv), new UsageError(message));
  error(["--json"], "status needs --state PATH or --frontier URL --crawl NAME");
  error(
    ["--frontier", "redis://127.0.0.1:6379/0", "--crawl", "a:b"],
    `--crawl must be 1 to 100 letters, digits, '.', '_' or '-': got "a:b"`,
  );
  error(
    ["--frontier", "redis://127.0.0.1:6379/0"],
    "--frontier needs --crawl NAME",
  );
  error(["--state", "c.db", "--out", "x"], "unknown flag --out (try --help)");
  assert.throws(() => parseStatusArgs(["--state", "c.db", SEED]), UsageError);
});
