/**
 * Durable crawls through the CLI (`--state`) that stop the hard way: SIGKILL
 * at random points, Ctrl-C, and a second process on a running crawl's
 * state. Each test runs `cli.ts` in subprocesses against a generated site on
 * 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CrawlStatus } from "../../../src/frontier/status.ts";
import {
  killTestSeed,
  mulberry32,
  serveGeneratedSite,
} from "../../_support/generated_site.ts";
import {
  assertOutput,
  checkOutput,
  crawlArgs,
  FLAGS,
  killAtRandom,
  run,
  start,
  status,
  until,
  workspace,
} from "./_durable.ts";

// ---- the kill test --------------------------------------------------------------

/** Flags of the kill test: about 200 pages/s, so the crawl lasts ~10 s. */
const KILL_FLAGS = ["--allow-private", "--retries", "0", "--rate", "200"];
const KILLS = 10;

Deno.test("trawl --state yields every page of a 2,000-page site exactly once when SIGKILLed at 10+ random points and resumed each time", async () => {
  const seed = killTestSeed("durable kill test");
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
    const { code, signal, text, anytime, wait, crawled } = await killAtRandom(
      args,
      ws.perms,
      random,
      () => site.pageRequests,
      600,
    );
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

// ---- one process per state; Ctrl-C ---------------------------------------------------

Deno.test("trawl --state refuses a second process on a running crawl's state (even with --fresh), touching nothing, while status works", async () => {
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
    assert.equal(second.code, 3); // a state error
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

Deno.test("trawl --state completes the crawl after Ctrl-C (SIGINT) and the same command again, each page once, refetching only in-flight pages", async () => {
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
