import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { CrawlResult } from "../../src/crawler/result.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { html, serve, stall } from "../_support/serve.ts";
import {
  CRAWL_THREAD_YOUNG_MB,
  MEMORY_HEAP_MB,
} from "../../src/cli/heap_limits.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));
/** A child that runs longer than this is killed (the test then fails). */
const CHILD_LIMIT_MS = 60_000;

interface RunOptions {
  /** Deno permission flags. @default {["--allow-net=127.0.0.1"]} */
  perms?: string[];
  /** Text for the child's stdin. */
  stdin?: string;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function command(
  args: string[],
  perms: string[],
  stdin: "piped" | "null",
  signal: AbortSignal,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...perms, CLI, ...args],
    cwd: ROOT,
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal,
  });
}

async function run(
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), CHILD_LIMIT_MS);
  try {
    const child = command(
      args,
      options.perms ?? ["--allow-net=127.0.0.1"],
      options.stdin === undefined ? "null" : "piped",
      controller.signal,
    ).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const { code, stdout, stderr } = await child.output();
    const decoder = new TextDecoder();
    return {
      code,
      stdout: decoder.decode(stdout),
      stderr: decoder.decode(stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

function parseJsonl(text: string): CrawlResult[] {
  return text.split("\n").filter((line) => line !== "").map((line) =>
    JSON.parse(line) as CrawlResult
  );
}

/** A tiny site on 127.0.0.1: `/` → `/a`, `/b`; `/a` → `/b`; `/slow` never answers. */
interface Site extends AsyncDisposable {
  origin: string;
  /** Requests for `path`. */
  hits(path: string): number;
  /** Resolves when `/slow` was first requested. */
  slowRequested: Promise<void>;
}

function serveSite(pages: Record<string, string>): Site {
  const slow = Promise.withResolvers<void>();
  const server = serve((req, url) => {
    const path = url.pathname;
    if (path === "/slow") {
      slow.resolve();
      return stall(req); // until the crawler hangs up
    }
    const body = pages[path];
    if (body === undefined) return new Response("not found", { status: 404 });
    return html(
      `<!doctype html><html><head><title>${path}</title></head><body>${body}</body></html>`,
    );
  });
  return {
    origin: server.origin,
    hits: (path) => server.hits(path),
    slowRequested: slow.promise,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

const THREE_PAGES = {
  "/": `<a href="/a">a</a> <a href="/b">b</a>`,
  "/a": `<a href="/b">b</a> <a href="/">home</a>`,
  "/b": `no links`,
};

const FAST = ["--workers", "0", "--retries", "0"];
/** One parser worker, and the debug lines that say where the crawl runs. */
const THREAD_DEBUG = [
  "--retries",
  "0",
  "--workers",
  "1",
  "--log-level",
  "debug",
];

function assertThreePages(results: CrawlResult[], origin: string): void {
  assert.deepEqual(
    results.map((r) => r.url).sort(),
    [`${origin}/`, `${origin}/a`, `${origin}/b`],
  );
  for (const result of results) {
    assert.equal(result.status, 200);
    assert.equal(result.error, undefined);
  }
}

// ---- usage: no crawl ----------------------------------------------------------

Deno.test("main() prints usage, flags, examples and permissions and exits 0 on --help", async () => {
  const { code, stdout, stderr } = await run(["--help"], { perms: [] });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /Usage:/);
  assert.match(stdout, /--concurrency N/);
  assert.match(
    stdout,
    /--allow-net=example\.com cli\.ts https:\/\/example\.com\//,
  );
  assert.equal(stderr, "");
});

Deno.test("main() prints the package version and exits 0 on --version", async () => {
  const { code, stdout } = await run(["--version"], { perms: [] });
  assert.equal(code, 0);
  assert.equal(stdout, `trawl ${denoJson.version}\n`);
});

Deno.test("main() prints one error line and exits 2 on an unknown flag", async () => {
  const { code, stdout, stderr } = await run(["--bogus", "http://127.0.0.1/"]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(stderr, "trawl: error: unknown flag --bogus (try --help)\n");
});

Deno.test("main() names the flag and the value and exits 2 on a bad number", async () => {
  const { code, stderr } = await run([
    "--concurrency",
    "abc",
    "http://127.0.0.1/",
  ]);
  assert.equal(code, 2);
  assert.equal(
    stderr,
    `trawl: error: --concurrency must be a positive integer: got "abc"\n`,
  );
});

Deno.test("main() exits 2 on a bad --scope", async () => {
  const { code, stderr } = await run(["--scope", "all", "http://127.0.0.1/"]);
  assert.equal(code, 2);
  assert.equal(
    stderr,
    `trawl: error: --scope must be one of host, domain, origin, any: got "all"\n`,
  );
});

Deno.test("main() names --crawl and exits 2 on --crawl a:b", async () => {
  const { code, stdout, stderr } = await run([
    "--frontier",
    "redis://127.0.0.1:9/0",
    "--crawl",
    "a:b",
    "http://127.0.0.1/",
  ]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(
    stderr,
    `trawl: error: --crawl must be 1 to 100 letters, digits, '.', '_' or '-': got "a:b"\n`,
  );
});

Deno.test("main() exits 2 before any request on a --select the selector engine cannot run, on either thread", async () => {
  await using server = serve(() => html("<p>x</p>"));
  for (
    const perms of [
      ["--allow-net=127.0.0.1"],
      ["--allow-net=127.0.0.1", `--allow-read=${ROOT}`],
    ]
  ) {
    const { code, stdout, stderr } = await run([
      "--select",
      "title=p:hovering",
      `${server.origin}/`,
    ], { perms });
    assert.equal(code, 2, stderr);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /^trawl: error: Cannot crawl as 'select\.title' must be a CSS selector.*: current value is "p:hovering" \(Unknown pseudo-class :hovering\)\n$/,
    );
  }
  assert.equal(server.log.length, 0);
});

Deno.test("main() exits 2 when given no seeds", async () => {
  const { code, stderr } = await run([]);
  assert.equal(code, 2);
  assert.equal(stderr, "trawl: error: no seed URLs given (try --help)\n");
});

Deno.test("main() exits 2 when --seeds - reads no seeds", async () => {
  const { code, stderr } = await run(["--seeds", "-"], { stdin: "# none\n\n" });
  assert.equal(code, 2);
  assert.equal(stderr, "trawl: error: no seed URLs given (try --help)\n");
});

Deno.test("main() names a seed that is not http(s) and exits 2", async () => {
  const { code, stderr } = await run([
    "http://127.0.0.1/",
    "file:///etc/passwd",
  ]);
  assert.equal(code, 2);
  assert.equal(
    stderr,
    `trawl: error: seed "file:///etc/passwd" is not an http(s) URL\n`,
  );
});

Deno.test("main() names an unreadable seeds file and the OS reason and exits 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = join(dir, "missing.txt");
    const { code, stderr } = await run(["--seeds", missing], {
      perms: ["--allow-net=127.0.0.1", `--allow-read=${dir}`],
    });
    assert.equal(code, 2);
    assert.ok(
      stderr.startsWith(`trawl: error: cannot read seeds file ${missing}: `),
      stderr,
    );
    assert.match(stderr, /No such file or directory|not found/i);
    assert.equal(stderr.split("\n").length, 2, "one line");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() names --allow-read= and exits 2 when it may not read the seeds file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "seeds.txt");
    await Deno.writeTextFile(file, "http://127.0.0.1/\n");
    const { code, stderr } = await run(["--seeds", file]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      `trawl: error: cannot read ${file}: run with --allow-read=${file}\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() names a bad line of the seeds file with its number and exits 2", async () => {
  const { code, stderr } = await run(["--seeds", "-"], {
    stdin: "http://127.0.0.1/\nnot a url\n",
  });
  assert.equal(code, 2);
  assert.equal(
    stderr,
    `trawl: error: seed "not a url" (stdin line 2) is not an http(s) URL\n`,
  );
});

Deno.test("main() names --allow-write= and exits 2 when it may not write --out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "out.jsonl");
    const { code, stdout, stderr } = await run([
      "--out",
      out,
      "http://127.0.0.1:9/",
    ]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      `trawl: error: cannot write ${out}: run with --allow-write=${out}\n`,
    );
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() names --allow-net= and exits 2 when it may not reach the seeds' hosts", async () => {
  // Only checked with Deno.permissions.query: nothing is fetched.
  const { code, stderr } = await run([
    "http://127.0.0.1:9/",
    "https://example.com/",
    "https://example.org:8443/",
  ]);
  assert.equal(code, 2);
  assert.equal(
    stderr,
    "trawl: error: no network access to example.com, example.org: run with " +
      "--allow-net=127.0.0.1,example.com,example.org\n",
  );
});

// ---- crawls (need the crawler from mod.ts) -------------------------------------

Deno.test("main() writes one JSONL line per page to stdout and a summary to stderr", async () => {
  await using site = serveSite(THREE_PAGES);
  const { code, stdout, stderr } = await run([...FAST, `${site.origin}/`]);
  assert.equal(code, 0, stderr);
  const results = parseJsonl(stdout);
  assertThreePages(results, site.origin);
  assert.equal(results.find((r) => r.url === `${site.origin}/a`)?.title, "/a");
  assert.match(stderr, /^trawl: 3 results, done in /m);
  assert.match(stderr, /pages +3 +2xx 3/);
  assert.ok(!stderr.includes("\x1b"), "no colors with NO_COLOR / no terminal");
});

Deno.test("main() prints no summary with --quiet and adds linkList with --links", async () => {
  await using site = serveSite(THREE_PAGES);
  const { code, stdout, stderr } = await run([
    ...FAST,
    "--quiet",
    "--links",
    `${site.origin}/`,
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  const results = parseJsonl(stdout);
  assertThreePages(results, site.origin);
  const home = results.find((r) => r.url === `${site.origin}/`);
  assert.deepEqual(
    home?.linkList?.slice().sort(),
    [`${site.origin}/a`, `${site.origin}/b`],
  );
});

Deno.test("main() crawls in memory in a crawl thread with a bounded heap, parsing in workers", async () => {
  await using site = serveSite(THREE_PAGES);
  const { code, stdout, stderr } = await run(
    [...THREAD_DEBUG, `${site.origin}/`],
    { perms: ["--allow-net=127.0.0.1", `--allow-read=${join(ROOT, "src")}`] },
  );
  assert.equal(code, 0, stderr);
  assertThreePages(parseJsonl(stdout), site.origin);
  assert.match(
    stderr,
    new RegExp(
      `crawling in a thread with a ${CRAWL_THREAD_YOUNG_MB} MB young generation and a ${MEMORY_HEAP_MB} MB old-generation limit`,
    ),
  );
  assert.doesNotMatch(stderr, /on the main thread/);
});

Deno.test("main() crawls in memory on the main thread without read access to src/, and says so only of the parser", async () => {
  await using site = serveSite(THREE_PAGES);
  const { code, stdout, stderr } = await run(
    [...THREAD_DEBUG, `${site.origin}/`],
  );
  assert.equal(code, 0, stderr);
  assertThreePages(parseJsonl(stdout), site.origin);
  assert.doesNotMatch(stderr, /crawling in a thread|the crawl runs on/);
  assert.match(
    stderr,
    /parsing on the main thread: parser workers need --allow-read=/,
  );
});

Deno.test("main() crawls only the seed with --max-depth 0", async () => {
  await using site = serveSite(THREE_PAGES);
  const { code, stdout, stderr } = await run([
    ...FAST,
    "--max-depth",
    "0",
    `${site.origin}/`,
  ]);
  assert.equal(code, 0, stderr);
  const results = parseJsonl(stdout);
  assert.deepEqual(results.map((r) => r.url), [`${site.origin}/`]);
  assert.equal(site.hits("/a"), 0);
});

Deno.test("main() writes the JSONL file of --out FILE, truncated first, and nothing to stdout", async () => {
  await using site = serveSite(THREE_PAGES);
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "out.jsonl");
    await Deno.writeTextFile(out, "old content that must go\n".repeat(100));
    const { code, stdout, stderr } = await run(
      [...FAST, "--out", out, `${site.origin}/`],
      { perms: ["--allow-net=127.0.0.1", `--allow-write=${out}`] },
    );
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "");
    const text = await Deno.readTextFile(out);
    assert.ok(text.endsWith("\n"));
    assertThreePages(parseJsonl(text), site.origin);
    assert.match(stderr, /^trawl: 3 results/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() reads seeds from stdin with --seeds -", async () => {
  await using site = serveSite(THREE_PAGES);
  const { code, stdout, stderr } = await run(
    [...FAST, "--max-depth", "0", "--seeds", "-"],
    { stdin: `# two seeds\n\n${site.origin}/a\n  ${site.origin}/b  \n` },
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(
    parseJsonl(stdout).map((r) => r.url).sort(),
    [`${site.origin}/a`, `${site.origin}/b`],
  );
});

Deno.test("main() stops a stalled crawl on SIGINT with the results so far, a summary and exit code 130", async () => {
  await using site = serveSite({
    "/": `<a href="/a">a</a> <a href="/slow">slow</a>`,
    "/a": `leaf`,
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), CHILD_LIMIT_MS);
  try {
    const child = command(
      [
        ...FAST,
        "--idle-timeout",
        "60000",
        "--timeout",
        "60000",
        `${site.origin}/`,
      ],
      ["--allow-net=127.0.0.1"],
      "null",
      controller.signal,
    ).spawn();
    const stderrText = new Response(child.stderr).text();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let stdout = "";
    const seen = () => parseJsonl(stdout).map((r) => r.url);
    try {
      // Wait until "/" and "/a" are written and "/slow" is stalling.
      while (
        !(seen().includes(`${site.origin}/`) &&
          seen().includes(`${site.origin}/a`))
      ) {
        const { value, done } = await reader.read();
        if (done) break;
        stdout += value;
      }
      await Promise.race([site.slowRequested, child.status]);
      child.kill("SIGINT");
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        stdout += value;
      }
    } finally {
      reader.releaseLock();
    }
    const status = await child.status;
    const stderr = await stderrText;
    assert.equal(status.code, 130, stderr);
    const results = parseJsonl(stdout);
    const urls = results.map((r) => r.url);
    assert.ok(urls.includes(`${site.origin}/`));
    assert.ok(urls.includes(`${site.origin}/a`));
    assert.equal(new Set(urls).size, urls.length, "each URL once");
    const slow = results.find((r) => r.url === `${site.origin}/slow`);
    if (slow) {
      assert.notEqual(slow.status, 200, "the stalled page was not fetched");
    }
    assert.match(
      stderr,
      new RegExp(`^trawl: ${results.length} results?, interrupted after `, "m"),
    );
  } finally {
    clearTimeout(timer);
  }
});

Deno.test("main() parses in worker threads when it may read its code, inline with a warning when not", async () => {
  await using site = serveSite(THREE_PAGES);
  const src = fileURLToPath(new URL("../../src/", import.meta.url));
  const pooled = await run([
    "--workers",
    "1",
    "--log-level",
    "info",
    `${site.origin}/`,
  ], {
    perms: ["--allow-net=127.0.0.1", `--allow-read=${src}`],
  });
  assert.equal(pooled.code, 0, pooled.stderr);
  assertThreePages(parseJsonl(pooled.stdout), site.origin);
  assert.ok(
    !pooled.stderr.includes("parsing on the main thread"),
    pooled.stderr,
  );
  const inline = await run(["--workers", "1", `${site.origin}/`]);
  assert.equal(inline.code, 0, inline.stderr);
  assertThreePages(parseJsonl(inline.stdout), site.origin);
  assert.match(
    inline.stderr,
    /parsing on the main thread: parser workers need --allow-read=/,
  );
});

Deno.test("main() runs parser workers with no permissions with --sandbox-workers and --unstable-worker-options", async () => {
  await using site = serveSite(THREE_PAGES);
  const src = fileURLToPath(new URL("../../src/", import.meta.url));
  const { code, stdout, stderr } = await run(
    ["--workers", "1", "--sandbox-workers", `${site.origin}/`],
    {
      perms: [
        "--unstable-worker-options",
        "--allow-net=127.0.0.1",
        `--allow-read=${src}`,
      ],
    },
  );
  assert.equal(code, 0, stderr);
  const results = parseJsonl(stdout);
  assertThreePages(results, site.origin);
  assert.equal(results.find((r) => r.url === `${site.origin}/a`)?.title, "/a");
  // Proof the sandbox is really requested: without the unstable flag, Deno
  // refuses worker permissions and ends the process (code 70).
  const refused = await run([
    "--workers",
    "1",
    "--sandbox-workers",
    `${site.origin}/`,
  ], {
    perms: ["--allow-net=127.0.0.1", `--allow-read=${src}`],
  });
  assert.equal(refused.code, 70, refused.stderr);
  assert.match(refused.stderr, /worker-options/);
});
