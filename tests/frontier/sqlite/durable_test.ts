/**
 * Durable crawls through the CLI (`--state`): crash and resume, output
 * repair, state identity, the state lock, `status`, Ctrl-C. Each test runs
 * `cli.ts` in subprocesses against a generated site on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CLI,
  type Cli,
  type Exit,
  startCli,
} from "../../_support/cli_process.ts";
import { delay } from "../../../src/concurrency/clock.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import type { CrawlStatus } from "../../../src/frontier/status.ts";
import { SqliteStore } from "../../../src/frontier/sqlite/sqlite_store.ts";
import {
  type GeneratedSite,
  mulberry32,
  serveGeneratedSite,
} from "../../_support/generated_site.ts";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));
/** A child that runs longer than this is killed (the test then fails). */
const CHILD_LIMIT_MS = 60_000;

/** A temporary folder for a state and an output, removed on dispose. */
interface Workspace extends AsyncDisposable {
  dir: string;
  state: string;
  out: string;
  perms: string[];
}

async function workspace(): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_durable_" });
  return {
    dir,
    state: join(dir, "s.db"),
    out: join(dir, "out.jsonl"),
    perms: [
      "--allow-net=127.0.0.1",
      `--allow-read=${dir},${SRC}`,
      `--allow-write=${dir}`,
    ],
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function start(args: string[], perms: string[], limitMs = CHILD_LIMIT_MS): Cli {
  return startCli(args, perms, limitMs);
}

async function run(
  args: string[],
  perms: string[],
  limitMs?: number,
): Promise<Exit> {
  return await start(args, perms, limitMs).output;
}

/** Waits until `done()` (polling), or gives up after `limitMs`. */
async function until(
  done: () => boolean,
  what: string,
  limitMs = 30_000,
): Promise<void> {
  const end = performance.now() + limitMs;
  while (!done()) {
    if (performance.now() > end) throw new Error(`timed out waiting ${what}`);
    await delay(5);
  }
}

/** The output file's lines (the last one is partial unless it ends in "\n"). */
async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/**
 * Checks that `path` holds exactly the crawl of `site`: every line a JSON
 * result, each expected URL once with its outcome, nothing else.
 *
 * @returns The problems found (empty when none).
 */
async function checkOutput(
  path: string,
  site: GeneratedSite,
  expected: ReadonlyMap<string, unknown> = site.expected,
): Promise<string[]> {
  const problems: string[] = [];
  const text = await Deno.readTextFile(path);
  if (text !== "" && !text.endsWith("\n")) {
    problems.push("the file does not end with a newline");
  }
  const count = new Map<string, number>();
  for (const [n, line] of text.split("\n").slice(0, -1).entries()) {
    let result: CrawlResult;
    try {
      result = JSON.parse(line);
    } catch {
      problems.push(`line ${n + 1} is not JSON: ${line.slice(0, 80)}`);
      continue;
    }
    count.set(result.url, (count.get(result.url) ?? 0) + 1);
    const want = expected.get(result.url);
    if (want === undefined) {
      problems.push(
        `unexpected result ${result.url} (status ${result.status})`,
      );
    } else if (want === "skipped:robots") {
      if (result.skipped !== "robots") {
        problems.push(`${result.url}: not skipped:robots`);
      }
    } else if (typeof want === "number" && result.status !== want) {
      problems.push(`${result.url}: status ${result.status}, want ${want}`);
    }
    const target = site.redirectTargets.get(result.url);
    if (target !== undefined && result.finalUrl !== target) {
      problems.push(
        `${result.url}: finalUrl ${result.finalUrl}, want ${target}`,
      );
    }
  }
  for (const [url, n] of count) {
    if (n > 1) problems.push(`${url} appears ${n} times`);
  }
  const missing = [...expected.keys()].filter((u) => !count.has(u));
  if (missing.length > 0) {
    problems.push(
      `${missing.length} result(s) missing: ${missing.slice(0, 5).join(" ")}`,
    );
  }
  return problems;
}

async function assertOutput(
  path: string,
  site: GeneratedSite,
  expected?: ReadonlyMap<string, unknown>,
): Promise<void> {
  const problems = await checkOutput(path, site, expected);
  assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
}

function status(state: string): CrawlStatus | undefined {
  try {
    return SqliteStore.status(state);
  } catch {
    return undefined; // no state yet
  }
}

// ---- the kill test --------------------------------------------------------------

/** Flags of the kill test: about 200 pages/s, so the crawl lasts ~10 s. */
const KILL_FLAGS = ["--allow-private", "--retries", "0", "--rate", "200"];
const KILLS = 10;

Deno.test("durable: a crawl SIGKILLed at random points 10+ times over 2,000 pages and resumed each time yields every page exactly once, nothing else", async () => {
  const fromEnv = Deno.env.get("TRAWL_KILL_SEED");
  const seed = fromEnv !== undefined && fromEnv !== ""
    ? Number(fromEnv)
    : crypto.getRandomValues(new Uint32Array(1))[0];
  assert.ok(Number.isInteger(seed), `bad TRAWL_KILL_SEED: ${fromEnv}`);
  console.log(
    `durable kill test seed: ${seed} (replay with TRAWL_KILL_SEED=${seed})`,
  );
  const random = mulberry32(seed);
  await using site = serveGeneratedSite({ pages: 2000, delayMs: 2 });
  assert.equal(site.expected.size, 2030);
  await using ws = await workspace();
  const args = [...KILL_FLAGS, "--state", ws.state, "--out", ws.out, site.seed];
  const log: string[] = [];
  const fail = (message: string): never => {
    throw new Error(
      `${message}\nkill test seed ${seed} (replay with TRAWL_KILL_SEED=${seed}); runs:\n${
        log.join("\n")
      }`,
    );
  };
  let kills = 0;
  let early = 0;
  let runs = 0;
  let cut = 0;
  let appended = 0;
  while (kills < KILLS) {
    if (runs >= 40) fail(`only ${kills} kills during crawling in ${runs} runs`);
    runs++;
    const before = site.pageRequests;
    // Mostly a kill 20-600 ms into crawling; sometimes one at any moment
    // from the start (in start-up, the state check or the output repair).
    const anytime = random() < 0.2;
    const wait = anytime
      ? Math.floor(random() * 400)
      : 20 + Math.floor(random() * 580);
    await using cli = start(args, ws.perms);
    if (!anytime) {
      await until(
        () => site.pageRequests > before || cli.exited,
        "for the crawl to start",
      );
    }
    await delay(wait);
    const crawled = site.pageRequests > before;
    if (!cli.exited) cli.child.kill("SIGKILL");
    const { code, signal, text } = await cli.output;
    const sync = /^trawl: .*out\.jsonl: .*$/m.exec(text)?.[0] ?? "";
    if (sync.includes("tail cut")) cut++;
    if (sync.includes("appended")) appended++;
    const now = status(ws.state);
    log.push(
      `  run ${runs}: ${anytime ? "anytime" : "crawling"} +${wait} ms, ${
        site.pageRequests - before
      } requests, ${
        signal ?? `exit ${code}`
      }, done ${now?.done}/${now?.accepted}; ${sync}`,
    );
    if (signal !== "SIGKILL") {
      fail(
        `run ${runs} ended by itself (exit ${code}) before ${KILLS} kills:\n${text}`,
      );
    }
    if (crawled && now !== undefined && now.done < site.expected.size) kills++;
    else early++;
  }
  // The last run goes to the end.
  const last = await start(args, ws.perms).output;
  log.push(`  last run: exit ${last.code}`);
  if (last.code !== 0) fail(`the last run failed:\n${last.text}`);
  const problems = await checkOutput(ws.out, site);
  if (problems.length > 0) fail(problems.slice(0, 20).join("\n"));
  const final = status(ws.state);
  assert.equal(final?.done, site.expected.size);
  assert.equal(final?.pending, 0);
  // Resuming never starts over: each kill loses at most the pages in flight
  // and those committed but not yet flushed (well under 60).
  const pages = site.expected.size - 10; // robots-disallowed: no request
  if (site.pageRequests > pages + 60 * runs) {
    fail(`${site.pageRequests} page requests for ${pages} pages`);
  }
  for (const [path, n] of site.hits) {
    if (path.startsWith("/private/")) fail(`${path} requested ${n} times`);
  }
  // Run again when done: nothing is fetched, nothing written.
  const text = await Deno.readTextFile(ws.out);
  const requests = site.pageRequests;
  const again = await run(args, ws.perms);
  assert.equal(again.code, 0, again.text);
  assert.equal(site.pageRequests, requests);
  assert.equal(await Deno.readTextFile(ws.out), text);
  console.log(
    `durable kill test: ${kills} kills while crawling, ${early} others, ${runs} runs; ` +
      `${cut} repairs cut a tail, ${appended} appended committed results; ` +
      `${site.pageRequests} page requests for ${pages} pages`,
  );
});

// ---- output repair ----------------------------------------------------------------

const FLAGS = ["--allow-private", "--retries", "0", "--workers", "0"];

/** The durable crawl of `seed` in `ws`: the command users run again. */
function crawlArgs(ws: Workspace, seed: string): string[] {
  return [...FLAGS, "--state", ws.state, "--out", ws.out, seed];
}

Deno.test("durable: a resume repairs a corrupted output tail from the state, fetching nothing", async () => {
  await using site = serveGeneratedSite({ pages: 60 });
  await using ws = await workspace();
  const args = ["-q", ...crawlArgs(ws, site.seed)];
  const first = await run(args, ws.perms);
  assert.equal(first.code, 0, first.text);
  await assertOutput(ws.out, site);
  const original = await Deno.readTextFile(ws.out);
  const all = await lines(ws.out);
  assert.equal(all.length, site.expected.size);
  // A crash mid-write: half of the last line, then garbage.
  const last = all[all.length - 1];
  const tail = last.slice(0, Math.floor(last.length / 2)) +
    '\u0000\u00ff garbage {"url":';
  await Deno.writeTextFile(
    ws.out,
    all.slice(0, -1).map((l) => l + "\n").join("") + tail,
  );
  const requests = site.pageRequests;
  const resumed = await run(
    args.filter((a) => a !== "-q"),
    ws.perms,
  );
  assert.equal(resumed.code, 0, resumed.text);
  const cutBytes = new TextEncoder().encode(tail).length;
  assert.match(
    resumed.text,
    new RegExp(
      `^trawl: ${ws.out}: ${
        all.length - 1
      } result\\(s\\) kept, ${cutBytes} byte\\(s\\) of a partial or corrupt tail cut, 1 committed result\\(s\\) appended$`,
      "m",
    ),
  );
  assert.equal(site.pageRequests, requests, "nothing fetched again");
  // The cut result comes back from the state, exactly as it was written.
  assert.equal(await Deno.readTextFile(ws.out), original);
});

Deno.test("durable: a corrupt line in the middle of the output is cut with all after it, and the state re-appends them", async () => {
  await using site = serveGeneratedSite({ pages: 60 });
  await using ws = await workspace();
  const args = crawlArgs(ws, site.seed);
  const first = await run(args, ws.perms);
  assert.equal(first.code, 0, first.text);
  const all = await lines(ws.out);
  const broken = [...all];
  broken[30] = "x".repeat(broken[30].length); // same size: a flipped block
  await Deno.writeTextFile(ws.out, broken.map((l) => l + "\n").join(""));
  const requests = site.pageRequests;
  const resumed = await run(args, ws.perms);
  assert.equal(resumed.code, 0, resumed.text);
  assert.match(
    resumed.text,
    new RegExp(
      `^trawl: ${ws.out}: 30 result\\(s\\) kept, \\d+ byte\\(s\\) of a partial or corrupt tail cut, ${
        all.length - 30
      } committed result\\(s\\) appended$`,
      "m",
    ),
  );
  assert.equal(site.pageRequests, requests, "nothing fetched again");
  await assertOutput(ws.out, site);
  assert.deepEqual((await lines(ws.out)).slice(0, 30), all.slice(0, 30));
});

Deno.test("durable: a result in the output whose commit was lost (a power cut) is fetched again for its links but not written again", async () => {
  await using site = serveGeneratedSite({ pages: 60 });
  await using ws = await workspace();
  const args = crawlArgs(ws, site.seed);
  const first = await run(args, ws.perms);
  assert.equal(first.code, 0, first.text);
  const original = await Deno.readTextFile(ws.out);
  // Undo the commit of two pages, as if the file write had outlived it.
  const lost = [`${site.origin}/p/7`, `${site.origin}/p/42`];
  const db = new DatabaseSync(ws.state);
  try {
    const undo = db.prepare(
      "UPDATE urls SET done = 0, status = NULL, bytes = NULL, result = NULL WHERE url = ?",
    );
    for (const url of lost) assert.equal(undo.run(url).changes, 1);
  } finally {
    db.close();
  }
  assert.equal(status(ws.state)?.pending, 2);
  const requests = site.pageRequests;
  const resumed = await run(args, ws.perms);
  assert.equal(resumed.code, 0, resumed.text);
  assert.match(
    resumed.text,
    new RegExp(
      `^trawl: ${ws.out}: ${site.expected.size} result\\(s\\) kept, 2 line\\(s\\) whose commit was lost \\(fetched again for their links, not written again\\)$`,
      "m",
    ),
  );
  assert.equal(site.pageRequests, requests + 2, "the two pages fetched again");
  assert.equal(site.hits.get("/p/7"), 2);
  assert.equal(await Deno.readTextFile(ws.out), original, "nothing written");
  const after = status(ws.state);
  assert.equal(after?.done, site.expected.size);
  assert.equal(after?.pending, 0);
});

// ---- state identity: mismatch, --resume, --fresh -----------------------------------

function mismatch(state: string, differences: string): string {
  return `trawl: error: The crawl state in ${state} was made with other seeds or options (${differences}): pass --resume to continue it anyway (new seeds are added), or --fresh to discard it and start over\n`;
}

Deno.test("durable: other options or seeds on an existing state: exit 2 with the differences, state and output untouched", async () => {
  await using site = serveGeneratedSite({ pages: 30 });
  await using ws = await workspace();
  const base = [...FLAGS, "-q", "--state", ws.state, "--out", ws.out];
  const first = await run([...base, site.seed], ws.perms);
  assert.equal(first.code, 0, first.text);
  const output = await Deno.readFile(ws.out);
  const before = status(ws.state);
  const requests = site.pageRequests;

  const depth = await run([...base, "--max-depth", "3", site.seed], ws.perms);
  assert.equal(depth.code, 2);
  assert.equal(depth.text, mismatch(ws.state, "maxDepth was null, now 3"));

  const extra = `${site.origin}/p/1`;
  const seeds = await run(
    [...base, "--no-robots", site.seed, extra],
    ws.perms,
  );
  assert.equal(seeds.code, 2);
  assert.equal(
    seeds.text,
    mismatch(
      ws.state,
      `seeds added: ${extra}; respectRobots was true, now false`,
    ),
  );

  const other = await run([...base, extra], ws.perms);
  assert.equal(other.code, 2);
  assert.equal(
    other.text,
    mismatch(ws.state, `seeds added: ${extra}; seeds missing: ${site.seed}`),
  );

  assert.equal(site.pageRequests, requests, "nothing fetched");
  assert.deepEqual(await Deno.readFile(ws.out), output);
  assert.deepEqual(status(ws.state), before);
});

Deno.test("durable: --resume continues a state made differently, adding the new seed; the old command then differs", async () => {
  await using site = serveGeneratedSite({ pages: 30 });
  await using ws = await workspace();
  const base = [...FLAGS, "-q", "--state", ws.state, "--out", ws.out];
  const first = await run([...base, site.seed], ws.perms);
  assert.equal(first.code, 0, first.text);
  const requests = site.pageRequests;
  const extra = `${site.origin}/extra`; // a 404 nothing links to
  const resumed = await run(
    [...base, "--resume", site.seed, extra],
    ws.perms,
  );
  assert.equal(resumed.code, 0, resumed.text);
  assert.equal(site.pageRequests, requests + 1, "only the new seed fetched");
  assert.equal(site.hits.get("/extra"), 1);
  const expected = new Map<string, unknown>(site.expected);
  expected.set(extra, 404);
  await assertOutput(ws.out, site, expected);
  const now = status(ws.state);
  assert.deepEqual(now?.seeds, [site.seed, extra]);
  assert.equal(now?.done, expected.size);
  // The state now holds both seeds: the first command is the different one.
  const old = await run([...base, site.seed], ws.perms);
  assert.equal(old.code, 2);
  assert.equal(old.text, mismatch(ws.state, `seeds missing: ${extra}`));
});

Deno.test("durable: --fresh discards the state and truncates the output", async () => {
  await using site = serveGeneratedSite({ pages: 30 });
  await using ws = await workspace();
  const base = [...FLAGS, "-q", "--state", ws.state, "--out", ws.out];
  const first = await run([...base, site.seed], ws.perms);
  assert.equal(first.code, 0, first.text);
  // Other options with --fresh: only the seed, from scratch.
  const fresh = await run(
    [...base, "--fresh", "--max-depth", "0", site.seed],
    ws.perms,
  );
  assert.equal(fresh.code, 0, fresh.text);
  assert.equal(site.hits.get("/"), 2, "the seed was fetched again");
  await assertOutput(ws.out, site, new Map([[site.seed, 200]]));
  const now = status(ws.state);
  assert.equal(now?.accepted, 1);
  assert.equal(now?.done, 1);
  // --fresh with the same options: everything again, each once in the file.
  const again = await run([...base, "--fresh", site.seed], ws.perms);
  assert.equal(again.code, 0, again.text);
  await assertOutput(ws.out, site);
  assert.equal(site.hits.get("/p/29"), 2);
  assert.equal(status(ws.state)?.done, site.expected.size);
});

Deno.test("durable: --resume and --fresh are refused together, and without --state (exit 2)", async () => {
  const both = await run(
    ["--state", "x.db", "--resume", "--fresh", "http://127.0.0.1:9/"],
    ["--allow-net=127.0.0.1"],
  );
  assert.equal(both.code, 2);
  assert.equal(
    both.text,
    "trawl: error: --resume and --fresh exclude each other: pick one\n",
  );
  for (const flag of ["--resume", "--fresh"]) {
    const alone = await run([flag, "http://127.0.0.1:9/"], [
      "--allow-net=127.0.0.1",
    ]);
    assert.equal(alone.code, 2);
    assert.equal(
      alone.text,
      `trawl: error: ${flag} needs --state PATH or --frontier URL\n`,
    );
  }
});

// ---- status --------------------------------------------------------------------------

Deno.test("durable: status prints a finished crawl's counts, as text and as JSON; a missing state is an error", async () => {
  await using site = serveGeneratedSite({ pages: 30 });
  await using ws = await workspace();
  const crawl = await run(
    [...FLAGS, "-q", "--state", ws.state, "--out", ws.out, site.seed],
    ws.perms,
  );
  assert.equal(crawl.code, 0, crawl.text);
  const total = site.expected.size; // 30 pages, 10 404s, 10 redirects, 10 robots
  const host = new URL(site.origin).host;
  const statusPerms = [`--allow-read=${ws.dir}`, `--allow-write=${ws.dir}`];
  const text = await start(["status", "--state", ws.state], statusPerms)
    .output;
  assert.equal(text.code, 0, text.text);
  const shown = text.text.split("\n"); // stdout; stderr is empty
  assert.deepEqual(shown.slice(0, 8), [
    `crawl     ${ws.state}`,
    `seeds     ${site.seed}`,
    `accepted  ${total}`,
    `done      ${total} (100.0%)`,
    `pending   0`,
    `status    2xx 40, 4xx 10`,
    `skipped   robots 10`,
    ``,
  ]);
  assert.match(shown[9], new RegExp(`^${host} +${total} +0 +10$`));

  const json = await start(
    ["status", "--state", ws.state, "--json"],
    statusPerms,
  ).output;
  assert.equal(json.code, 0, json.text);
  assert.deepEqual(JSON.parse(json.text), {
    location: ws.state,
    seeds: [site.seed],
    accepted: total,
    done: total,
    pending: 0,
    byStatusClass: { "2xx": 40, "4xx": 10 },
    errors: {},
    skipped: { robots: 10 },
    hosts: [{ host, done: total, pending: 0, failed: 10 }],
  });

  const missing = join(ws.dir, "none.db");
  const none = await run(["status", "--state", missing], statusPerms);
  assert.equal(none.code, 1);
  assert.equal(none.text, `trawl: error: No crawl state at ${missing}\n`);
});

// ---- one process per state; Ctrl-C ---------------------------------------------------

Deno.test("durable: a second process on a running crawl's state is refused (even with --fresh) and touches nothing; status works meanwhile", async () => {
  await using site = serveGeneratedSite({ pages: 100 });
  await using ws = await workspace();
  const args = ["-q", ...crawlArgs(ws, site.seed)];
  site.holdAfter(10); // the first process stalls after 10 pages
  await using first = start(args, ws.perms);
  await until(() => site.held > 0 || first.exited, "for the first crawl");
  assert.ok(!first.exited);
  const out2 = join(ws.dir, "other.jsonl");
  const locked =
    `trawl: error: The crawl state ${ws.state} is in use by another trawl process: wait for it to finish or stop it first\n`;
  for (const extra of [[], ["--fresh"]]) {
    const second = await run(
      [...FLAGS, "-q", ...extra, "--state", ws.state, "--out", out2, site.seed],
      ws.perms,
      15_000,
    );
    assert.equal(second.code, 1);
    assert.equal(second.text, locked);
  }
  await assert.rejects(Deno.stat(out2), Deno.errors.NotFound);
  const json = await run(["status", "--state", ws.state, "--json"], ws.perms);
  assert.equal(json.code, 0, json.text);
  const running = JSON.parse(json.text) as CrawlStatus;
  assert.ok(running.done >= 1 && running.pending > 0, json.text);
  assert.ok(!first.exited, "the first crawl still runs");
  site.release();
  const done = await first.output;
  assert.equal(done.code, 0, done.text);
  await assertOutput(ws.out, site);
});

Deno.test("durable: Ctrl-C (SIGINT) then the same command: the crawl completes, each page once, only in-flight pages refetched", async () => {
  await using site = serveGeneratedSite({
    pages: 200,
    missing: 0,
    redirects: 0,
    disallowed: 3,
  });
  await using ws = await workspace();
  const args = crawlArgs(ws, site.seed);
  site.holdAfter(50);
  await using first = start(args, ws.perms);
  await until(() => site.held >= 2 || first.exited, "for the crawl to stall");
  // Let the 50 results reach the file (the writer flushes every 100 ms).
  await until(
    () => {
      try {
        return Deno.readTextFileSync(ws.out).split("\n").length > 50;
      } catch {
        return false;
      }
    },
    "for 50 results in the output",
  );
  first.child.kill("SIGINT");
  const stopped = await first.output;
  assert.equal(stopped.code, 130, stopped.text);
  assert.match(stopped.text, /, interrupted after /);
  const partial = await checkOutput(ws.out, site);
  assert.ok(
    partial.every((p) => p.includes("missing")),
    `a stopped crawl's output holds no duplicates or strays:\n${
      partial.join("\n")
    }`,
  );
  const midway = status(ws.state);
  assert.ok(midway && midway.pending > 0 && midway.done >= 50);
  site.release();
  const resumed = await run(args, ws.perms);
  assert.equal(resumed.code, 0, resumed.text);
  await assertOutput(ws.out, site);
  assert.equal(site.hits.get("/robots.txt"), 1, "robots.txt kept in the state");
  const twice = [...site.hits].filter(([p, n]) => p !== "/robots.txt" && n > 1);
  assert.ok(
    twice.length <= 2 && twice.every(([, n]) => n === 2),
    `refetched: ${JSON.stringify(twice)} (at most the 2 in flight, once)`,
  );
});

Deno.test("durable: the crawl runs in a crawl thread with a bounded heap; without read access to src/ it runs on the main thread and says so", async () => {
  await using site = serveGeneratedSite({ pages: 40 });
  const THREAD =
    /crawling in a thread with a 12 MB young generation and a 1536 MB old-generation limit/;
  {
    // With parser workers too: they run nested in the crawl thread.
    await using ws = await workspace();
    const args = [
      ...crawlArgs(ws, site.seed),
      "--workers",
      "1",
      "--log-level",
      "debug",
    ];
    const done = await run(args, ws.perms);
    assert.equal(done.code, 0, done.text);
    assert.match(done.text, THREAD);
    assert.doesNotMatch(done.text, /parsing on the main thread/);
    await assertOutput(ws.out, site);
  }
  {
    await using ws = await workspace();
    const perms = ws.perms.map((p) =>
      p.startsWith("--allow-read=") ? `--allow-read=${ws.dir}` : p
    );
    const done = await run(
      [...crawlArgs(ws, site.seed), "--log-level", "debug"],
      perms,
    );
    assert.equal(done.code, 0, done.text);
    assert.doesNotMatch(done.text, THREAD);
    assert.ok(
      done.text.includes(
        `trawl: warning: the crawl runs on the main thread, without its heap limits: the crawl thread needs --allow-read=${
          SRC.replace(/\/$/, "")
        } to load its code`,
      ),
      done.text,
    );
    await assertOutput(ws.out, site);
    // With --log-level error the warning is not printed.
    await using quiet = await workspace();
    const errorsOnly = await run(
      [...crawlArgs(quiet, site.seed), "--log-level", "error"],
      perms.map((p) =>
        p.startsWith("--allow-read=")
          ? `--allow-read=${quiet.dir}`
          : p.startsWith("--allow-write=")
          ? `--allow-write=${quiet.dir}`
          : p
      ),
    );
    assert.equal(errorsOnly.code, 0, errorsOnly.text);
    assert.doesNotMatch(errorsOnly.text, /warning/);
    await assertOutput(quiet.out, site);
  }
  {
    // In memory, the crawl keeps to the main thread (V8's own heap).
    await using ws = await workspace();
    const done = await run(
      [...FLAGS, "--out", ws.out, "--log-level", "debug", site.seed],
      ws.perms,
    );
    assert.equal(done.code, 0, done.text);
    assert.doesNotMatch(done.text, /crawling in a thread/);
  }
});

Deno.test("durable: on a terminal, a threaded crawl with parser workers asks for no permission (script(1) gives it a terminal)", async () => {
  // Node's Worker copies the environment unless told otherwise; reading it
  // needs --allow-env, and on a terminal Deno would stop and ask.
  await using site = serveGeneratedSite({ pages: 30 });
  await using ws = await workspace();
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const command = [
    Deno.execPath(),
    "run",
    "--quiet",
    ...ws.perms,
    CLI,
    ...crawlArgs(ws, site.seed),
    "--workers",
    "1",
    "--log-level",
    "debug",
  ].map(quote).join(" ");
  const typescript = join(ws.dir, "typescript");
  const { code } = await new Deno.Command("script", {
    args: ["-qec", command, typescript],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    signal: AbortSignal.timeout(CHILD_LIMIT_MS),
  }).output();
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
  const text = (await Deno.readTextFile(typescript)).replace(ansi, "");
  assert.doesNotMatch(text, /requests \w+ access/, text);
  assert.equal(code, 0, text);
  assert.match(text, /crawling in a thread/);
  await assertOutput(ws.out, site);
});
