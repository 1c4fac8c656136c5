/**
 * A durable crawl with `--warc` stopped the hard way: SIGKILL at random
 * points of a 2,000-page crawl, then a run to the end. Runs `cli.ts` in
 * subprocesses against a generated site on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { delay } from "../../src/concurrency/clock.ts";
import {
  killTestSeed,
  mulberry32,
  serveGeneratedSite,
} from "../_support/generated_site.ts";
import {
  checkOutput,
  killAtRandom,
  start,
  status,
  workspace,
} from "../frontier/sqlite/_durable.ts";
import { checkArchive, expectedFetches } from "./_archive_check.ts";
import { warcFiles } from "./_warc.ts";

/** About 200 pages/s, so the crawl lasts ~10 s. */
const KILL_FLAGS = [
  "--allow-private",
  "--retries",
  "0",
  "--rate",
  "200",
  "--log-level",
  "info",
];
const KILLS = 6;

Deno.test("trawl --state --warc archives each page's response exactly once, no record torn, every digest right, when SIGKILLed at 6+ random points and resumed", async () => {
  const seed = killTestSeed("warc kill test");
  const random = mulberry32(seed);
  await using site = serveGeneratedSite({ pages: 2000, delayMs: 2 });
  await using ws = await workspace();
  const warcDir = join(ws.dir, "warc");
  const args = [
    ...KILL_FLAGS,
    "--state",
    ws.state,
    "--out",
    ws.out,
    "--warc",
    join(warcDir, "crawl.warc.gz"),
    "--warc-max-size",
    "300000",
    site.seed,
  ];
  const log: string[] = [];
  const fail = (message: string): never => {
    throw new Error(
      `${message}\nwarc kill test seed ${seed} (replay with TRAWL_KILL_SEED=${seed}); runs:\n${
        log.join("\n")
      }`,
    );
  };
  let kills = 0;
  let runs = 0;
  let cuts = 0;
  while (kills < KILLS) {
    if (runs >= 30) fail(`only ${kills} kills during crawling in ${runs} runs`);
    runs++;
    const before = site.pageRequests;
    const { code, signal, text, anytime, wait, crawled } = await killAtRandom(
      args,
      ws.perms,
      random,
      () => site.pageRequests,
      720,
    );
    const now = status(ws.state);
    const files = await warcFiles(warcDir).catch(() => []);
    const repair = text.split("\n").filter((l) => /not committed/.test(l));
    if (repair.length > 0) cuts++;
    log.push(
      `  run ${runs}: ${anytime ? "anytime" : "crawling"} +${wait} ms, ${
        site.pageRequests - before
      } requests, ${
        signal ?? `exit ${code}`
      }, done ${now?.done}/${now?.accepted}, ${files.length} WARC files`,
    );
    if (signal !== "SIGKILL") {
      fail(
        `run ${runs} ended by itself (exit ${code}) before ${KILLS} kills:\n${text}`,
      );
    }
    if (crawled && now !== undefined && now.done < site.expected.size) kills++;
  }
  const last = await start(args, ws.perms).output;
  if (/not committed/.test(last.text)) cuts++;
  log.push(`  last run: exit ${last.code}`);
  if (last.code !== 0) fail(`the last run failed:\n${last.text}`);
  const output = await checkOutput(ws.out, site);
  if (output.length > 0) fail(output.slice(0, 20).join("\n"));
  const files = await warcFiles(warcDir);
  const { problems, records } = await checkArchive(
    files,
    expectedFetches(site),
  );
  if (problems.length > 0) fail(problems.slice(0, 20).join("\n"));
  const infos = records.filter((r) => r.type === "warcinfo").length;
  assert.equal(infos, files.length, "one warcinfo per file");
  console.log(
    `warc kill test: ${kills} kills, ${runs} runs, ${cuts} cut records ` +
      `not committed, ${files.length} files, ` +
      `${records.length} records, ${site.pageRequests} page requests`,
  );
});

const CHILD = fileURLToPath(new URL("./_rare_flush_child.ts", import.meta.url));

/** Runs the rare-flush child; `killAfter` ms later, SIGKILLs it. */
async function child(
  args: string[],
  perms: string[],
  killAfter?: number,
): Promise<{ code: number; signal: Deno.Signal | null; text: string }> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...perms, CHILD, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (killAfter !== undefined) {
    await delay(killAfter);
    try {
      proc.kill("SIGKILL");
    } catch { /* it ended first */ }
  }
  const out = await proc.output();
  return {
    code: out.code,
    signal: out.signal,
    text: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("crawl() with a state and warc cuts the records of pages not committed when resumed after SIGKILL, archiving each page once", async () => {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0];
  console.log(`rare-flush kill test seed: ${seed}`);
  const random = mulberry32(seed);
  await using site = serveGeneratedSite({ pages: 2000, delayMs: 2 });
  await using ws = await workspace();
  const perms = [
    ...ws.perms.slice(0, 1),
    "--allow-read",
    `--allow-write=${ws.dir}`,
  ];
  const warcDir = join(ws.dir, "warc");
  const args = [site.seed, ws.state, join(warcDir, "c.warc.gz")];
  let cuts = 0;
  const log: string[] = [];
  for (let run = 0; run < 6; run++) {
    const before = site.pageRequests;
    const wait = 300 + Math.floor(random() * 900);
    const { signal, text } = await child(args, perms, wait);
    const cut = /not committed/.test(text);
    if (cut) cuts++;
    log.push(
      `  run ${run + 1}: +${wait} ms, ${
        site.pageRequests - before
      } requests, ${signal}${cut ? ", cut" : ""}`,
    );
    assert.equal(signal, "SIGKILL", `run ${run + 1} ended by itself:\n${text}`);
  }
  const last = await child([...args, "final"], perms);
  if (/not committed/.test(last.text)) cuts++;
  assert.equal(last.code, 0, last.text);
  const files = await warcFiles(warcDir);
  const { problems } = await checkArchive(files, expectedFetches(site));
  assert.deepEqual(problems.slice(0, 20), [], log.join("\n"));
  assert.ok(cuts >= 3, `only ${cuts} resumes cut records:\n${log.join("\n")}`);
  console.log(
    `rare-flush kill test: ${cuts} of 7 resumes cut records not committed`,
  );
});
