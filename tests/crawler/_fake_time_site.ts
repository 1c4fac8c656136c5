/**
 * A site on a FakeClock for the politeness and throttling tests: pages come
 * from an injected fetch that stamps each request with the fake time, so
 * every gap is exact and no test waits for real time to pass.
 *
 * @module
 */
import { crawl, type CrawlOptions, type CrawlResult } from "../../mod.ts";
import type { FakeClock } from "../../src/testing.ts";

/** The seed every crawl starts from. */
export const SEED = "http://site.test/";

/** One request the fake site received. */
export interface Hit {
  path: string;
  time: number;
}

/** An HTML response. */
export function html(body: string, init: ResponseInit = {}): Response {
  return new Response(body, {
    ...init,
    headers: { "content-type": "text/html", ...init.headers },
  });
}

/** A robots.txt that is not there. */
export const noRobots = (): Response => new Response("", { status: 404 });

/**
 * Crawls `SEED` on `clock` against `site`, moving fake time on with
 * `advance` until the crawl ends.
 *
 * @param clock The crawl's clock.
 * @param site Answers each request.
 * @param options The crawl's options (its clock and fetch are set here).
 * @param advance Moves fake time on one step.
 * @returns The results, and the requests with their fake times.
 */
export async function crawlOnClock(
  clock: FakeClock,
  site: (url: URL) => Response | Promise<Response>,
  options: CrawlOptions,
  advance: (clock: FakeClock) => Promise<unknown>,
): Promise<{ results: CrawlResult[]; hits: Hit[] }> {
  const hits: Hit[] = [];
  const fetch = (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    hits.push({ path: url.pathname + url.search, time: clock.now() });
    return Promise.resolve(site(url));
  };
  const results: CrawlResult[] = [];
  let done = false;
  const run = (async () => {
    for await (const r of crawl([SEED], { ...options, clock, fetch })) {
      results.push(r);
    }
  })().finally(() => done = true);
  while (!done) await advance(clock);
  await run;
  return { results, hits };
}
