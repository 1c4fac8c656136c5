/**
 * Helpers of the shared-crawl CLI tests: `cli.ts` processes sharing one
 * crawl through Redis, each with its own output in a temporary folder, and
 * the check that the union of their outputs is the site's crawl, each URL
 * once.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Cli as BaseCli, startCli } from "../../_support/cli_process.ts";
import { delay } from "../../../src/concurrency/clock.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import type { GeneratedSite } from "../../_support/generated_site.ts";

export const SRC: string = fileURLToPath(
  new URL("../../../src/", import.meta.url),
);
/** A child that runs longer than this is killed (the test then fails). */
export const CHILD_LIMIT_MS = 90_000;

/** A temporary folder for the outputs, removed on dispose. */
export interface Workspace extends AsyncDisposable {
  dir: string;
  perms: string[];
}

export async function workspace(): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_shared_" });
  return {
    dir,
    perms: [
      "--allow-net=127.0.0.1",
      `--allow-read=${dir},${SRC}`,
      `--allow-write=${dir}`,
      // Workers register their machine's name: survivors adopt the
      // unwritten results of dead workers on the same machine only.
      "--allow-sys=hostname",
    ],
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A running `cli.ts` with its output file. */
export interface Cli extends BaseCli {
  /** Its output file. */
  out: string;
}

export function start(args: string[], out: string, perms: string[]): Cli {
  return Object.assign(
    startCli([...args, "--out", out], perms, CHILD_LIMIT_MS),
    {
      out,
    },
  );
}

/** The flags every shared crawl here starts with: quiet, one crawl in Redis. */
export function sharedCrawlArgs(url: string, crawl: string): string[] {
  return [
    "-q",
    "--allow-private",
    "--retries",
    "0",
    "--workers",
    "0",
    "--frontier",
    url,
    "--crawl",
    crawl,
  ];
}

/** Starts `n` processes of one shared crawl, each with its own output. */
export function startAll(
  n: number,
  args: (i: number) => string[],
  ws: Workspace,
): Cli[] & AsyncDisposable {
  const clis = Array.from(
    { length: n },
    (_, i) => start(args(i), join(ws.dir, `r${i}.jsonl`), ws.perms),
  );
  return Object.assign(clis, {
    async [Symbol.asyncDispose]() {
      await Promise.all(clis.map((c) => c[Symbol.asyncDispose]()));
    },
  });
}

/** Waits until `done()` (polling), or gives up after `limitMs`. */
export async function until(
  done: () => boolean,
  what: string,
  limitMs = 60_000,
): Promise<void> {
  const end = performance.now() + limitMs;
  while (!done()) {
    if (performance.now() > end) throw new Error(`timed out waiting ${what}`);
    await delay(5);
  }
}

/** Complete lines in a file now (0 when it does not exist yet). */
export function completeLines(path: string): number {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return 0;
  }
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    n++;
  }
  return n;
}

/** One output file, parsed. */
export interface Parsed {
  path: string;
  results: CrawlResult[];
  /** Lines that are not JSON results, or a missing final newline. */
  problems: string[];
}

export async function parseOutput(path: string): Promise<Parsed> {
  const text = await Deno.readTextFile(path);
  const problems: string[] = [];
  if (text !== "" && !text.endsWith("\n")) {
    problems.push(`${path}: does not end with a newline (a partial line)`);
  }
  const results: CrawlResult[] = [];
  for (const [n, line] of text.split("\n").slice(0, -1).entries()) {
    try {
      const r = JSON.parse(line);
      if (typeof r?.url !== "string") throw new TypeError("no url");
      results.push(r);
    } catch {
      problems.push(
        `${path}:${n + 1} is not a JSON result: ${line.slice(0, 80)}`,
      );
    }
  }
  return { path, results, problems };
}

/**
 * Checks that the union of `outputs` is exactly the crawl of `site`: every
 * line a JSON result, each expected URL once (in one file) with its
 * outcome, nothing else.
 *
 * @returns The problems found (empty when none).
 */
export function checkUnion(
  outputs: Parsed[],
  site: Pick<GeneratedSite, "expected" | "redirectTargets">,
): string[] {
  const problems = outputs.flatMap((o) => o.problems);
  const where = new Map<string, string[]>();
  for (const { path, results } of outputs) {
    for (const r of results) {
      const files = where.get(r.url) ?? [];
      files.push(path.slice(path.lastIndexOf("/") + 1));
      where.set(r.url, files);
      const want = site.expected.get(r.url);
      if (want === undefined) {
        problems.push(`unexpected result ${r.url} (status ${r.status})`);
      } else if (want === "skipped:robots") {
        if (r.skipped !== "robots") {
          problems.push(`${r.url}: not skipped:robots`);
        }
      } else if (r.status !== want) {
        problems.push(`${r.url}: status ${r.status}, want ${want}`);
      }
      const target = site.redirectTargets.get(r.url);
      if (target !== undefined && r.finalUrl !== target) {
        problems.push(`${r.url}: finalUrl ${r.finalUrl}, want ${target}`);
      }
    }
  }
  for (const [url, files] of where) {
    if (files.length > 1) {
      problems.push(
        `${url} appears ${files.length} times (${files.join(", ")})`,
      );
    }
  }
  const missing = [...site.expected.keys()].filter((u) => !where.has(u));
  if (missing.length > 0) {
    problems.push(
      `${missing.length} result(s) missing: ${missing.slice(0, 5).join(" ")}`,
    );
  }
  return problems;
}
