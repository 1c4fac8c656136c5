/**
 * Recrawls through the CLI (`--state` with `--recrawl`) against a site that
 * answers conditional requests as nginx does, its pages changing,
 * disappearing and appearing between the crawl and the recrawl: run to the
 * end, and SIGKILLed at random points and run again until it ends.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { delay } from "../../src/concurrency/clock.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import type { CrawlStatus } from "../../src/frontier/status.ts";
import { SqliteStore } from "../../src/frontier/sqlite/sqlite_store.ts";
import { type Cli, type Exit, startCli } from "../_support/cli_process.ts";
import {
  type ConditionalSite,
  conditionalSite,
} from "../_support/conditional_site.ts";
import { killTestSeed, mulberry32 } from "../_support/generated_site.ts";

const SRC = new URL("../../src/", import.meta.url).pathname;
const CHILD_LIMIT_MS = 90_000;

/** A tree of `n` pages (page i links to 3i+1..3i+3), and a sitemap orphan. */
function treeSite(n: number): ConditionalSite {
  const pages: Record<string, string> = {
    "/robots.txt": "User-agent: *\nSitemap: {{origin}}/sitemap.xml\n",
    "/sitemap.xml": "<urlset><url><loc>{{origin}}/orphan</loc></url></urlset>",
    "/orphan": "<title>orphan</title>",
  };
  for (let i = 0; i < n; i++) pages[path(i)] = page(i, n);
  return conditionalSite(pages);
}

function path(i: number): string {
  return i === 0 ? "/" : `/p/${i}`;
}

function page(i: number, n: number, extra = ""): string {
  const links = [1, 2, 3].map((k) => 3 * i + k).filter((c) => c < n);
  return `<title>Page ${i}</title>${
    links.map((c) => `<a href="${path(c)}">${c}</a>`).join("")
  }${extra}`;
}

/** What the site changes before the recrawl, and what the recrawl must give. */
function changeSite(s: ConditionalSite, n: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < n; i++) expected.set(path(i), 304);
  expected.set("/sitemap.xml", 200);
  expected.set("/orphan", 304);
  // Every 10th page changes and links to a new page; every 25th is gone
  // (a gone page's children stay reachable: each is linked from a changed page).
  for (let i = 5; i < n; i += 10) {
    s.put(path(i), page(i, n, `<a href="/new/${i}">new</a>`));
    s.put(`/new/${i}`, `<title>New ${i}</title>`);
    expected.set(path(i), 200);
    expected.set(`/new/${i}`, 200);
  }
  for (let i = 7; i < n; i += 25) {
    s.remove(path(i));
    expected.set(path(i), 404);
  }
  // The sitemap lists a new orphan.
  s.put(
    "/sitemap.xml",
    "<urlset><url><loc>{{origin}}/orphan</loc></url><url><loc>{{origin}}/orphan2</loc></url></urlset>",
  );
  s.put("/orphan2", "<title>orphan 2</title>");
  expected.set("/orphan2", 200);
  return expected;
}

interface Workspace extends AsyncDisposable {
  state: string;
  out: string;
  perms: string[];
}

async function workspace(): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_recrawl_cli_" });
  return {
    state: join(dir, "s.db"),
    out: join(dir, "out.jsonl"),
    perms: [
      "--allow-net=127.0.0.1",
      `--allow-read=${dir},${SRC}`,
      `--allow-write=${dir}`,
    ],
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

function start(args: string[], ws: Workspace): Cli {
  return startCli(args, ws.perms, CHILD_LIMIT_MS);
}

function status(state: string): CrawlStatus | undefined {
  try {
    return SqliteStore.status(state);
  } catch {
    return undefined;
  }
}

/** The output's lines, by recrawl (0: the first crawl), each path's results. */
async function outputOf(
  s: ConditionalSite,
  out: string,
): Promise<Map<number, Map<string, CrawlResult[]>>> {
  const text = await Deno.readTextFile(out);
  assert.ok(text === "" || text.endsWith("\n"), "the file ends a line");
  const byGeneration = new Map<number, Map<string, CrawlResult[]>>();
  for (const line of text.split("\n").slice(0, -1)) {
    const r = JSON.parse(line) as CrawlResult;
    const g = r.recrawl ?? 0;
    const map = byGeneration.get(g) ?? new Map<string, CrawlResult[]>();
    byGeneration.set(g, map);
    const key = r.url.slice(s.origin.length);
    map.set(key, [...map.get(key) ?? [], r]);
  }
  return byGeneration;
}

/** The problems of one generation's lines against what it must hold. */
function problems(
  lines: Map<string, CrawlResult[]> | undefined,
  expected: ReadonlyMap<string, number>,
): string[] {
  const out: string[] = [];
  for (const [p, results] of lines ?? []) {
    if (results.length > 1) out.push(`${p} written ${results.length} times`);
    const want = expected.get(p);
    if (want === undefined) out.push(`unexpected ${p}`);
    else if (results[0].status !== want) {
      out.push(`${p}: status ${results[0].status}, want ${want}`);
    }
  }
  for (const p of expected.keys()) {
    if (!lines?.has(p)) out.push(`missing ${p}`);
  }
  return out;
}

function firstCrawl(n: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let i = 0; i < n; i++) expected.set(path(i), 200);
  expected.set("/sitemap.xml", 200);
  expected.set("/orphan", 200);
  return expected;
}

const FLAGS = ["--allow-private", "--retries", "0", "--workers", "0"];

Deno.test("trawl --state --recrawl writes each URL's recrawl result once next to its first result, and status shows the recrawl", async () => {
  const n = 60;
  await using s = treeSite(n);
  await using ws = await workspace();
  const args = [...FLAGS, "-q", "--state", ws.state, "--out", ws.out];
  const first = await start([...args, s.origin + "/"], ws).output;
  assert.equal(first.code, 0, first.text);
  const expected = changeSite(s, n);
  s.reset();
  const again = await start([...args, "--recrawl", s.origin + "/"], ws).output;
  assert.equal(again.code, 0, again.text);
  const lines = await outputOf(s, ws.out);
  assert.deepEqual(problems(lines.get(0), firstCrawl(n)), []);
  assert.deepEqual(problems(lines.get(1), expected), []);
  const notModified = lines.get(1)!.get("/p/1")![0];
  assert.equal(notModified.notModified, true);
  assert.ok(notModified.etag);
  assert.equal(
    s.answers.filter((a) => a.status === 304).length,
    [...expected.values()].filter((v) => v === 304).length,
  );
  const json = await start(["status", "--state", ws.state, "--json"], ws)
    .output;
  assert.equal(json.code, 0, json.text);
  const report = JSON.parse(json.text) as CrawlStatus;
  assert.equal(report.recrawl?.generation, 1);
  assert.equal(report.recrawl?.pending, 0);
  assert.equal(report.recrawl?.done, expected.size);
  const text = await start(["status", "--state", ws.state], ws).output;
  assert.match(
    text.text,
    new RegExp(
      `^recrawl {3}1, started .*: ${expected.size} of ${expected.size} done`,
      "m",
    ),
  );
});

Deno.test("trawl --state --recrawl SIGKILLed at random points goes on where it stopped when run again: each URL once per crawl, nothing refetched but what was in flight", async () => {
  const n = 1500;
  const seed = killTestSeed("recrawl kill test");
  const random = mulberry32(seed);
  await using s = treeSite(n);
  await using ws = await workspace();
  const base = [
    ...FLAGS,
    "--rate",
    "250",
    "--state",
    ws.state,
    "--out",
    ws.out,
  ];
  const first = await start([...base, "-q", s.origin + "/"], ws).output;
  assert.equal(first.code, 0, first.text);
  const expected = changeSite(s, n);
  s.reset();
  const log: string[] = [];
  const fail = (message: string): never => {
    throw new Error(`${message}\nseed ${seed}; runs:\n${log.join("\n")}`);
  };
  const recrawl = [...base, "--recrawl", s.origin + "/"];
  let kills = 0;
  let runs = 0;
  let finished = false;
  while (kills < 6) {
    if (++runs > 30) fail(`only ${kills} kills in ${runs} runs`);
    const before = s.answers.length;
    await using cli = start(recrawl, ws);
    const wait = 50 + Math.floor(random() * 700);
    const end = performance.now() + 30_000;
    while (s.answers.length === before && !cli.exited) {
      if (performance.now() > end) fail("the recrawl did not start");
      await delay(5);
    }
    await delay(wait);
    if (!cli.exited) cli.child.kill("SIGKILL");
    const exit: Exit = await cli.output;
    const now = status(ws.state);
    log.push(
      `  run ${runs}: +${wait} ms, ${s.answers.length - before} requests, ${
        exit.signal ?? `exit ${exit.code}`
      }, recrawl ${now?.recrawl?.generation} done ${now?.recrawl?.done} pending ${now?.pending}`,
    );
    if (exit.signal !== "SIGKILL") {
      fail(`run ${runs} ended by itself:\n${exit.text}`);
    }
    if (now?.recrawl?.generation === 1 && now.pending === 0) {
      finished = true; // killed after its last commit
      break;
    }
    if (now?.recrawl?.generation === 1) kills++;
  }
  // The last run goes to the end; once the recrawl is all committed, a run
  // without --recrawl only repairs the output (--recrawl would start another).
  const last = await start(finished ? base.concat(s.origin + "/") : recrawl, ws)
    .output;
  log.push(`  last run: exit ${last.code}`);
  if (last.code !== 0) fail(`the last run failed:\n${last.text}`);
  const lines = await outputOf(s, ws.out);
  const wrong = [
    ...problems(lines.get(0), firstCrawl(n)).map((p) => `crawl: ${p}`),
    ...problems(lines.get(1), expected).map((p) => `recrawl: ${p}`),
  ];
  if (lines.size !== 2) wrong.push(`generations ${[...lines.keys()]}`);
  if (wrong.length > 0) fail(wrong.slice(0, 20).join("\n"));
  // Not started over: each run refetches at most what was in flight or
  // committed but not yet flushed.
  const requests = s.answers.filter((a) => a.path !== "/robots.txt").length;
  if (requests > expected.size + 60 * runs) {
    fail(`${requests} requests for ${expected.size} URLs in ${runs + 1} runs`);
  }
  const final = status(ws.state);
  assert.equal(final?.recrawl?.done, expected.size);
  assert.equal(final?.pending, 0);
  console.log(
    `recrawl kill test: ${kills} kills during the recrawl, ${
      runs + 1
    } runs, ${requests} requests for ${expected.size} URLs`,
  );
});
