/**
 * Shared crawls through the CLI under Redis faults, each on a private
 * `redis-server`: stopped (SIGSTOP) for a while and resumed, stopped past
 * `--redis-timeout`, flushed midway, wrong settings, TLS; and a process
 * stopped with SIGTERM, whose leased URLs go to the others at once. Each
 * ends in a finished crawl with every page once in the union of the
 * outputs, or in a clear error (exit code 3) and a state that a rerun
 * resumes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startCli } from "../../_support/cli_process.ts";
import { delay } from "../../../src/concurrency/clock.ts";
import {
  type GeneratedSite,
  serveGeneratedSite,
} from "../../_support/generated_site.ts";
import {
  type RedisServer,
  redisTest,
  startRedisServer,
} from "../../_support/redis_server.ts";
import { makeTestCerts } from "../../_support/tls_certs.ts";
import { raw } from "./_processes.ts";
import {
  checkUnion,
  CHILD_LIMIT_MS,
  type Cli,
  completeLines,
  parseOutput,
  sharedCrawlArgs,
  start,
  startAll,
  until,
  type Workspace,
  workspace,
} from "./_shared_cli.ts";

/** Pages of the site: with `--rate 150` the crawl lasts about 4 s. */
const PAGES = 500;
const RATE = "150";

/** The arguments of a paced shared crawl of `site`. */
function pacedArgs(
  server: RedisServer,
  crawl: string,
  site: GeneratedSite,
  ...more: string[]
): string[] {
  return [
    ...sharedCrawlArgs(server.url, crawl),
    "--per-host",
    "8",
    "--rate",
    RATE,
    ...more,
    site.seed,
  ];
}

/** Waits until every process has written at least `lines` results. */
async function started(clis: Cli[], lines: number): Promise<void> {
  await until(
    () =>
      clis.every((c) => completeLines(c.out) >= lines) ||
      clis.some((c) => c.exited),
    "for every process to write results",
  );
  assert.ok(clis.every((c) => !c.exited), "a process ended early");
}

/** Checks that the union of the outputs is the crawl of `site`, each once. */
async function checkOutputs(clis: Cli[], site: GeneratedSite): Promise<void> {
  const outputs = await Promise.all(clis.map((c) => parseOutput(c.out)));
  const problems = checkUnion(outputs, site);
  assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
}

/** Lines of `text` that match `re`. */
function linesMatching(text: string, re: RegExp): string[] {
  return text.split("\n").filter((l) => re.test(l));
}

/** Runs the same processes again (same outputs) to the end. */
async function rerun(
  args: string[],
  ws: Workspace,
  clis: Cli[],
): Promise<void> {
  await using again = startAll(clis.length, () => args, ws);
  const exits = await Promise.all(again.map((c) => c.output));
  for (const exit of exits) assert.equal(exit.code, 0, exit.text);
}

redisTest(
  "trawl --frontier pauses while Redis is stopped, says so once, and finishes with every page once when it resumes",
  async ({ crawl }) => {
    await using server = await startRedisServer();
    await using site = serveGeneratedSite({ pages: PAGES });
    await using ws = await workspace();
    // Each command may take 2 s (a quarter of the timeout): the stop is
    // noticed after 2 s and lasts 3.5 s, well within the 8 s allowed.
    const args = pacedArgs(server, crawl, site, "--redis-timeout", "8000");
    await using clis = startAll(2, () => args, ws);
    await started(clis, 20);
    server.kill("SIGSTOP");
    await delay(3_500);
    server.kill("SIGCONT");
    const exits = await Promise.all(clis.map((c) => c.output));
    for (const exit of exits) {
      assert.equal(exit.code, 0, exit.text);
      const said = linesMatching(exit.text, /Redis at/);
      assert.equal(said.length, 1, exit.text);
      assert.match(
        said[0],
        new RegExp(
          `Redis at 127\\.0\\.0\\.1:${server.port} did not answer within 2 s: pausing and retrying for up to 8 s`,
        ),
      );
    }
    await checkOutputs(clis, site);
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier exits with code 3 and one clear error when Redis stays stopped past --redis-timeout, and a rerun finishes with every page once",
  async ({ crawl }) => {
    await using server = await startRedisServer();
    await using site = serveGeneratedSite({ pages: PAGES });
    await using ws = await workspace();
    const args = pacedArgs(server, crawl, site, "--redis-timeout", "2000");
    // Not quiet: the summary is part of what is checked.
    const loud = args.filter((a) => a !== "-q");
    await using clis = startAll(2, () => loud, ws);
    await started(clis, 20);
    server.kill("SIGSTOP");
    const t0 = performance.now();
    const exits = await Promise.all(clis.map((c) => c.output));
    const took = performance.now() - t0;
    server.kill("SIGCONT");
    assert.ok(took < 10_000, `stopped after ${took.toFixed(0)} ms`);
    for (const exit of exits) {
      assert.equal(exit.code, 3, exit.text);
      const lines = exit.text.trimEnd().split("\n");
      assert.equal(
        lines.at(-1),
        `trawl: error: Redis at 127.0.0.1:${server.port} did not answer for 2 s: stopped; every committed result is kept, and running the same command again resumes the crawl`,
        exit.text,
      );
      assert.equal(linesMatching(exit.text, /trawl: error/).length, 1);
      assert.doesNotMatch(exit.text, /TaskGroup|could not acknowledge/);
      assert.match(exit.text, /results, stopped by an error after/);
    }
    await rerun(args, ws, clis);
    await checkOutputs(clis, site);
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier exits with code 3 and one clear error when Redis is gone for good",
  async ({ crawl }) => {
    const server = await startRedisServer();
    await using site = serveGeneratedSite({ pages: PAGES });
    await using ws = await workspace();
    const args = pacedArgs(server, crawl, site, "--redis-timeout", "1000")
      .filter((a) => a !== "-q");
    await using clis = startAll(1, () => args, ws);
    await started(clis, 20);
    await server.stop();
    const [exit] = await Promise.all(clis.map((c) => c.output));
    assert.equal(exit.code, 3, exit.text);
    const last = exit.text.trimEnd().split("\n").at(-1)!;
    assert.match(
      last,
      new RegExp(
        `^trawl: error: Redis at 127\\.0\\.0\\.1:${server.port} was unreachable for 1 s \\(.+\\): stopped; every committed result is kept, and running the same command again resumes the crawl$`,
      ),
    );
    assert.equal(linesMatching(exit.text, /trawl: error/).length, 1);
    assert.doesNotMatch(exit.text, /TaskGroup|could not acknowledge/);
    assert.match(exit.text, /results, stopped by an error after/);
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier exits with code 3 when Redis loses the crawl midway, refuses to start it over while the outputs hold results, and starts over with --fresh",
  async ({ crawl }) => {
    await using server = await startRedisServer();
    await using site = serveGeneratedSite({ pages: PAGES });
    await using ws = await workspace();
    const args = pacedArgs(server, crawl, site);
    await using clis = startAll(2, () => args, ws);
    await started(clis, 20);
    const r = await raw(server.url);
    try {
      await r.sendCommand(["FLUSHDB"]);
    } finally {
      await r.close();
    }
    const exits = await Promise.all(clis.map((c) => c.output));
    for (const exit of exits) {
      assert.equal(exit.code, 3, exit.text);
      assert.match(
        exit.text,
        new RegExp(
          `trawl: error: Redis at 127\\.0\\.0\\.1:${server.port}: crawl '${crawl}' is gone \\(flushed, dropped, or Redis restarted without persistence\\)`,
        ),
      );
    }
    assert.ok(
      site.pageRequests < site.expected.size,
      "stopped before the end",
    );
    // Run again: the outputs hold results but Redis has no crawl.
    await using again = startAll(2, () => args, ws);
    for (const exit of await Promise.all(again.map((c) => c.output))) {
      assert.equal(exit.code, 3, exit.text);
      assert.match(
        exit.text,
        /does not exist, though this worker's output holds results of it/,
      );
    }
    await rerun([...args, "--fresh"], ws, clis);
    await checkOutputs(clis, site);
  },
  { ownServer: true },
);

redisTest(
  "trawl --frontier hands a SIGTERMed process's leased URLs to the others at once, and every page comes out once",
  async ({ url, crawl }) => {
    await using site = serveGeneratedSite({ pages: PAGES });
    await using ws = await workspace();
    // A lease far longer than the crawl: only the give-back lets the
    // survivor finish soon.
    const args = [
      ...sharedCrawlArgs(url, crawl),
      "--per-host",
      "8",
      "--rate",
      RATE,
      "--lease",
      "120000",
      site.seed,
    ];
    await using clis = startAll(2, () => args, ws);
    await started(clis, 20);
    const [stopped, survivor] = clis;
    stopped.child.kill("SIGTERM");
    const t0 = performance.now();
    const gone = await stopped.output;
    assert.equal(gone.code, 143, gone.text); // SIGTERM: exit code 143
    const exit = await survivor.output;
    const took = performance.now() - t0;
    assert.equal(exit.code, 0, exit.text);
    assert.ok(took < 30_000, `the survivor took ${took.toFixed(0)} ms`);
    await checkOutputs(clis, site);
    await using status = startCli(
      ["status", "--frontier", url, "--crawl", crawl, "--json"],
      ["--allow-net=127.0.0.1", "--allow-sys=hostname"],
      CHILD_LIMIT_MS,
    );
    const report = JSON.parse((await status.output).text);
    assert.equal(report.leased, 0);
    assert.equal(report.done, site.expected.size);
  },
);

redisTest(
  "trawl --frontier --max-pages-per-host 60 holds three processes to at most 60 URLs of the host together",
  async ({ url, crawl }) => {
    await using site = serveGeneratedSite({ pages: 300 });
    await using ws = await workspace();
    const args = [
      ...sharedCrawlArgs(url, crawl),
      "--per-host",
      "8",
      "--max-pages-per-host",
      "60",
      // Paced, so that the three processes crawl together (each finds
      // links, and each would admit 60 of them by its own count).
      "--rate",
      "30",
      site.seed,
    ];
    await using clis = startAll(3, () => args, ws);
    const exits = await Promise.all(clis.map((c) => c.output));
    for (const exit of exits) assert.equal(exit.code, 0, exit.text);
    const outputs = await Promise.all(clis.map((c) => parseOutput(c.out)));
    const results = outputs.flatMap((o) => o.results);
    const urls = results.map((r) => r.url);
    assert.equal(new Set(urls).size, urls.length, "each URL once");
    const admitted = results.filter((r) => r.skipped !== "budget");
    const refused = results.filter((r) => r.skipped === "budget");
    // Each process's own guard counts a link found by two pages at once
    // twice (as in a crawl by one process), so a few fewer may be admitted;
    // without the shared count each process would admit up to 60.
    assert.ok(
      admitted.length <= 60 && admitted.length >= 48,
      `${admitted.length} admitted, all processes together`,
    );
    assert.ok(refused.length > 0);
    assert.ok(site.pageRequests <= 60, `${site.pageRequests} page requests`);
  },
);

redisTest(
  "trawl --frontier exits with code 3 at once on a wrong password or TLS mismatch, and crawls over rediss:// with --redis-ca",
  async ({ crawl }) => {
    await using certs = await makeTestCerts();
    await using secure = await startRedisServer({
      tls: certs,
      args: ["--requirepass", "pw"],
    });
    await using site = serveGeneratedSite({ pages: 50 });
    await using ws = await workspace();
    const perms = [...ws.perms];
    perms[1] = `${perms[1]},${certs.dir}`;
    const at = `127.0.0.1:${secure.port}`;
    const run = (url: string, out: string, ...more: string[]) =>
      start(
        [
          ...sharedCrawlArgs(url, crawl),
          "--redis-timeout",
          "30000",
          ...more,
          site.seed,
        ],
        join(ws.dir, out),
        perms,
      );
    const failures: [Cli, RegExp][] = [
      [
        run(`rediss://:wrong@${at}/0`, "a.jsonl", "--redis-ca", certs.caFile),
        new RegExp(`Redis at ${at}: it refused the password \\(WRONGPASS`),
      ],
      [
        run(`rediss://${at}/0`, "b.jsonl", "--redis-ca", certs.caFile),
        /it needs a password: give it in the URL, rediss:\/\/:PASSWORD@/,
      ],
      [
        run(`redis://:pw@${at}/0`, "c.jsonl"),
        /the server speaks TLS: use rediss:\/\/ instead of redis:\/\//,
      ],
      [
        run(`rediss://:pw@${at}/0`, "d.jsonl"),
        /its TLS certificate does not verify/,
      ],
    ];
    try {
      const exits = await Promise.all(failures.map(([cli]) => cli.output));
      for (const [i, exit] of exits.entries()) {
        assert.equal(exit.code, 3, exit.text);
        assert.match(exit.text, failures[i][1]);
      }
      assert.equal(site.pageRequests, 0, "nothing crawled");
    } finally {
      for (const [cli] of failures) await cli[Symbol.asyncDispose]();
    }
    await using ok = run(
      `rediss://:pw@${at}/0`,
      "ok.jsonl",
      "--redis-ca",
      certs.caFile,
    );
    const exit = await ok.output;
    assert.equal(exit.code, 0, exit.text);
    await checkOutputs([ok], site);
  },
  { ownServer: true },
);
