/**
 * The harness of the hostile-server tests (issue "Hostile web"): the
 * issue's small limits, a crawl run to its end under a hang guard, results
 * by path, and figures printed for the report with `HOSTILE_VERBOSE=1`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Crawler, type CrawlOptions, type CrawlResult } from "../../mod.ts";

/** One mebibyte. */
export const MiB = 1024 * 1024;
/** One gibibyte. */
export const GiB = 1024 * MiB;

/** The small limits. */
export const base: CrawlOptions = {
  workers: 0,
  idleTimeoutMs: 300,
  timeoutMs: 2000,
  backoff: { baseMs: 10, maxMs: 1500 },
  maxBodyBytes: MiB,
  logLevel: "error",
  // The hostile servers are loopback servers on several ports on purpose.
  allowPrivateNetworks: true,
};

/** Set `HOSTILE_VERBOSE=1` to print the figures for the report. */
export const verbose = (() => {
  try {
    return Deno.env.get("HOSTILE_VERBOSE") === "1";
  } catch {
    return false;
  }
})();
export function figure(hazard: string, data: Record<string, unknown>): void {
  if (verbose) console.log(`FIGURE ${hazard}: ${JSON.stringify(data)}`);
}

/**
 * Runs a crawl to the end and returns its results and stats; a crawl that
 * is still running after `guardMs` is aborted and the test fails ("hung").
 */
export async function run(
  seeds: string[],
  options: CrawlOptions,
  guardMs = 20_000,
): Promise<{ results: CrawlResult[]; crawler: Crawler; ms: number }> {
  const ctl = new AbortController();
  const hung = new Error(`crawl still running after ${guardMs} ms (hung)`);
  const timer = setTimeout(() => ctl.abort(hung), guardMs);
  const crawler = new Crawler(seeds, { ...options, signal: ctl.signal });
  const results: CrawlResult[] = [];
  const t0 = performance.now();
  try {
    for await (const r of crawler.run()) results.push(r);
  } finally {
    clearTimeout(timer);
  }
  return { results, crawler, ms: performance.now() - t0 };
}

export function byPath(results: CrawlResult[]): Map<string, CrawlResult> {
  const map = new Map<string, CrawlResult>();
  for (const r of results) {
    const u = new URL(r.url);
    const key = `${u.hostname}${u.pathname}${u.search}`;
    assert.ok(!map.has(key), `two results for ${r.url}`);
    map.set(key, r);
  }
  return map;
}

export function get(map: Map<string, CrawlResult>, key: string): CrawlResult {
  const r = map.get(key);
  assert.ok(r, `no result for ${key}; have ${[...map.keys()].join(", ")}`);
  return r;
}

/** The answer of a server without robots.txt. */
export const robots404 = () => new Response("", { status: 404 });
