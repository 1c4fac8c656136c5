/**
 * Shared crawls through the CLI (`--frontier redis://… --crawl NAME`): several
 * `cli.ts` processes crawl one site together through Redis, each writing its
 * own JSONL output. Checks that a process SIGKILLed midway loses nothing and
 * duplicates nothing (its leases expire and go to the survivors, and its
 * committed-but-unwritten results are adopted by them), and that `--rate`
 * limits the requests of every process together.
 *
 * Needs Redis (see `tests/_support/redis_server.ts`): skipped loudly without it,
 * failed under `CI` or `TRAWL_REDIS_REQUIRED`.
 */
import assert from "node:assert/strict";
import { startCli } from "../../_support/cli_process.ts";
import { delay } from "../../../src/concurrency/clock.ts";
import { serveGeneratedSite } from "../../_support/generated_site.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { serve } from "../../_support/serve.ts";
import {
  checkUnion,
  CHILD_LIMIT_MS,
  type Cli,
  completeLines,
  parseOutput,
  sharedCrawlArgs,
  startAll,
  until,
  workspace,
} from "./_shared_cli.ts";

// ---- a worker SIGKILLed midway ------------------------------------------------

/**
 * The crawl is paced by `--rate` (global: all processes together), so it
 * lasts about 5 s whatever the machine's speed, and the kill comes early in
 * it. `--per-host 8`: the slots are global too, so one process must not be
 * able to take all of them.
 */
const KILL_RATE = 400;
/** The victim is killed once it has written this many lines. */
const KILL_AFTER_LINES = 100;

redisTest(
  "trawl --frontier yields every page of a 2,000-page site exactly once across three processes when one is SIGKILLed midway",
  async ({ url, crawl }) => {
    await using site = serveGeneratedSite({ pages: 2000, delayMs: 2 });
    assert.equal(site.expected.size, 2030);
    await using ws = await workspace();
    const args = [
      ...sharedCrawlArgs(url, crawl),
      "--lease",
      "1500",
      "--per-host",
      "8",
      "--rate",
      String(KILL_RATE),
      site.seed,
    ];
    await using clis = startAll(3, () => args, ws);
    // Midway: once every process has written results, the one with the most
    // (at least KILL_AFTER_LINES) is killed, while most of the site is still
    // to crawl.
    const started = performance.now();
    let victim: Cli | undefined;
    await until(() => {
      const lines = clis.map((c) => completeLines(c.out));
      const most = Math.max(...lines);
      if (lines.every((n) => n >= 1) && most >= KILL_AFTER_LINES) {
        victim = clis[lines.indexOf(most)];
      }
      return victim !== undefined || clis.some((c) => c.exited);
    }, "for every process to write results");
    assert.ok(victim, "a process exited before all three wrote results");
    // Half a flush interval (100 ms) on, so the victim likely dies with
    // results committed in Redis but not yet written to its file.
    await delay(50);
    victim.child.kill("SIGKILL");
    const requestsAtKill = site.pageRequests;
    const killedAt = performance.now() - started;
    const killed = await victim.output;
    assert.equal(killed.signal, "SIGKILL", killed.text);
    assert.ok(
      requestsAtKill < site.expected.size / 2,
      `killed midway: ${requestsAtKill} page requests of ~${site.expected.size} made at the kill`,
    );
    const victimLines = completeLines(victim.out);
    const survivors = clis.filter((c) => c !== victim);
    const exits = await Promise.all(survivors.map((c) => c.output));
    for (const exit of exits) assert.equal(exit.code, 0, exit.text);
    const endedAt = performance.now() - started;

    const outputs = await Promise.all(clis.map((c) => parseOutput(c.out)));
    const problems = checkUnion(outputs, site);
    assert.deepEqual(
      problems.slice(0, 20),
      [],
      `${problems.join("\n")}\nkilled r${
        clis.indexOf(victim)
      }; survivors said:\n${exits.map((e) => e.text).join("\n")}`,
    );
    const counts = outputs.map((o) => o.results.length);
    const victimIndex = clis.indexOf(victim);
    assert.ok(
      counts[victimIndex] >= 1,
      `the killed process wrote ${counts[victimIndex]} lines`,
    );
    for (const [i, n] of counts.entries()) {
      if (i !== victimIndex) assert.ok(n >= 1, `survivor r${i} wrote nothing`);
    }
    for (const [path, n] of site.hits) {
      assert.ok(!path.startsWith("/private/"), `${path} requested ${n} times`);
    }
    const twice =
      [...site.hits].filter(([p, n]) => p !== "/robots.txt" && n > 1)
        .length;
    const adopted = exits.map((e) =>
      /^trawl: wrote .*stopped worker.*$/m.exec(e.text)?.[0]
    ).filter(Boolean);
    console.log(
      `shared kill test: r${victimIndex} killed after ${victimLines} lines at ${requestsAtKill} page requests, ${
        (killedAt / 1000).toFixed(1)
      } s in, survivors done at ${(endedAt / 1000).toFixed(1)} s; ` +
        `lines per output ${
          counts.join("/")
        }; ${site.pageRequests} page requests, ` +
        `${twice} page(s) fetched again; ${
          adopted.join("; ") || "nothing adopted"
        }`,
    );

    // `status` shows the shared progress and every process.
    await using status = startCli(
      ["status", "--frontier", url, "--crawl", crawl, "--json"],
      ["--allow-net=127.0.0.1", "--allow-sys=hostname"],
      CHILD_LIMIT_MS,
    );
    const shown = await status.output;
    assert.equal(shown.code, 0, shown.text);
    const report = JSON.parse(shown.text);
    assert.equal(report.done, site.expected.size);
    assert.equal(report.pending, 0);
    assert.equal(report.leased, 0);
    assert.equal(report.processes.length, 3);
    const byOutput = new Map<string, { alive: boolean; done: number }>(
      report.processes.map((p: { output: string }) => [p.output, p]),
    );
    assert.equal(
      byOutput.get(victim.out)?.alive,
      false,
      "the killed worker",
    );
    assert.equal(
      report.processes.reduce(
        (n: number, p: { done: number }) => n + p.done,
        0,
      ),
      site.expected.size,
      "results per process add up",
    );
  },
);

// ---- the global rate --------------------------------------------------------------

const RATE = 20;
const RATE_PAGES = 60;
/** The Redis token bucket spaces the claims of a host's URLs by this much. */
const INTERVAL_MS = 1000 / RATE;
/**
 * Allowed skew, ms, between the spacing of the claims (Redis time, exact)
 * and that of the requests' arrival at the server. A request leaves its
 * process some time after its claim (the reply's trip, the robots check,
 * the event loop), and that delay varies with the load: measured on this
 * 2-core machine at up to ~30 ms once a process is warm, and up to ~50 ms
 * with two more processes spinning on the CPUs.
 */
const SKEW_MS = 75;
/**
 * The skew allowed counting each process's first page request too, which
 * also waits for the robots.txt record (fetched, or read from Redis) and a
 * first connection: measured at up to ~50 ms without extra load.
 */
const COLD_SKEW_MS = 150;

/** The most requests the bound allows in any window of `windowMs`. */
function allowed(windowMs: number, skewMs: number): number {
  return Math.floor((windowMs + skewMs) / INTERVAL_MS) + 1;
}

/**
 * Serves `pages` tree-linked pages, recording each page request's arrival
 * time and its `X-Trawl-Process` header.
 */
function serveTimedSite(pages: number) {
  const requests: { time: number; path: string; process: string }[] = [];
  const server = serve(
    (req, url) => {
      const time = performance.now();
      const path = url.pathname;
      if (path === "/robots.txt") {
        return new Response("User-agent: *\nDisallow:\n", {
          headers: { "content-type": "text/plain" },
        });
      }
      const process = req.headers.get("x-trawl-process") ?? "?";
      requests.push({ time, path, process });
      const i = path === "/" ? 0 : Number(/^\/p\/(\d+)$/.exec(path)?.[1]);
      if (!(i >= 0 && i < pages)) return new Response(null, { status: 404 });
      const links = [3 * i + 1, 3 * i + 2, 3 * i + 3].filter((c) => c < pages)
        .map((c) => `<a href="/p/${c}">${c}</a>`).join("");
      return new Response(`<!doctype html><title>${i}</title>${links}`, {
        headers: { "content-type": "text/html" },
      });
    },
  );
  const origin = server.origin;
  return {
    origin,
    requests,
    expected: new Set(
      Array.from({ length: pages }, (_, i) => `${origin}/${i ? `p/${i}` : ""}`),
    ),
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

/**
 * The worst violation of the spacing of `times` (sorted, ms): for every pair
 * `i < j`, `times[j] - times[i]` should be at least `(j - i) * interval`, so
 * that any window of `W` ms holds at most `floor(W / interval) + 1`
 * requests. With a shortfall of at most `s`, any window of `W` ms holds at
 * most `floor((W + s) / interval) + 1`.
 *
 * @returns The largest shortfall (ms) and the pair where it is.
 */
function worstShortfall(times: number[], interval: number): {
  shortfall: number;
  at: [number, number];
} {
  let shortfall = -Infinity;
  let at: [number, number] = [0, 0];
  for (let i = 0; i < times.length; i++) {
    for (let j = i + 1; j < times.length; j++) {
      const s = (j - i) * interval - (times[j] - times[i]);
      if (s > shortfall) {
        shortfall = s;
        at = [i, j];
      }
    }
  }
  return { shortfall, at };
}

/** The most requests in any closed window of `windowMs` in `times` (sorted). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let i = 0;
  for (let j = 0; j < times.length; j++) {
    while (times[j] - times[i] > windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

Deno.test("worstShortfall() and maxInWindow() catch requests closer than the rate allows", () => {
  const spaced = Array.from({ length: 10 }, (_, i) => i * 50);
  assert.deepEqual(worstShortfall(spaced, 50), { shortfall: 0, at: [0, 1] });
  assert.equal(maxInWindow(spaced, 1000), 10);
  assert.equal(maxInWindow(spaced, 100), 3); // 0, 50, 100
  // Three processes each at the rate: a burst of 3 every 50 ms.
  const tripled = spaced.flatMap((t) => [t, t + 1, t + 2]);
  assert.deepEqual(worstShortfall(tripled, 50), {
    shortfall: 29 * 50 - 452,
    at: [0, 29],
  });
  assert.equal(maxInWindow(tripled, 100), 7); // 0, 1, 2, 50, 51, 52, 100
  // Twice the rate.
  const doubled = Array.from({ length: 40 }, (_, i) => i * 25);
  assert.ok(worstShortfall(doubled, 50).shortfall > COLD_SKEW_MS);
  assert.equal(maxInWindow(doubled, 1000), 40);
  assert.ok(40 > allowed(1000, COLD_SKEW_MS));
  assert.equal(allowed(1000, 0), 21);
  assert.equal(allowed(1000, SKEW_MS), 22);
  assert.equal(allowed(1000, COLD_SKEW_MS), 24);
  // One request late by 20 ms, the next on time: a small shortfall.
  const late = [0, 50, 120, 150, 200];
  assert.deepEqual(worstShortfall(late, 50), { shortfall: 20, at: [2, 3] });
});

redisTest(
  "trawl --frontier --rate 20 keeps three processes on one host within 20 requests/s together, measured at the server",
  async ({ url, crawl }) => {
    await using site = serveTimedSite(RATE_PAGES);
    await using ws = await workspace();
    const args = [
      ...sharedCrawlArgs(url, crawl),
      "--per-host",
      "8",
      "--rate",
      String(RATE),
      `${site.origin}/`,
    ];
    // The header tells the processes' requests apart at the server (it is
    // not a crawl setting, so the processes still share the crawl).
    await using clis = startAll(
      3,
      (i) => [...args, "--header", `X-Trawl-Process: ${i}`],
      ws,
    );
    const exits = await Promise.all(clis.map((c) => c.output));
    for (const exit of exits) assert.equal(exit.code, 0, exit.text);

    // Each page once, in the union of the outputs, and fetched once.
    const outputs = await Promise.all(clis.map((c) => parseOutput(c.out)));
    assert.deepEqual(outputs.flatMap((o) => o.problems), []);
    const urls = outputs.flatMap((o) => o.results.map((r) => r.url));
    assert.equal(urls.length, RATE_PAGES);
    assert.deepEqual(new Set(urls), site.expected);
    const requests = site.requests;
    assert.equal(
      requests.length,
      RATE_PAGES,
      requests.map((r) => r.path).join(" "),
    );
    const counts = outputs.map((o) => o.results.length);
    const served = [0, 1, 2].map((i) =>
      requests.filter((r) => r.process === String(i)).length
    );
    assert.deepEqual(served, counts, "each process's results are its requests");
    assert.ok(
      counts.every((n) => n >= 1),
      `every process did some work: ${counts.join("/")} pages`,
    );

    const t0 = requests[0].time;
    const times = requests.map((r) => r.time - t0);
    // The requests after each process's first (subsets of the claims are
    // spaced at least as well).
    const firsts = new Set(
      [0, 1, 2].map((i) => requests.findIndex((r) => r.process === String(i))),
    );
    const warm = times.filter((_, i) => !firsts.has(i));
    const all = worstShortfall(times, INTERVAL_MS);
    const steady = worstShortfall(warm, INTERVAL_MS);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const span = times[times.length - 1];
    const report = `${RATE_PAGES} requests in ${span.toFixed(0)} ms (${
      ((RATE_PAGES - 1) / span * 1000).toFixed(1)
    }/s), pages per process ${counts.join("/")}, smallest gap ${
      Math.min(...gaps).toFixed(1)
    } ms, most in 1 s ${maxInWindow(times, 1000)}, worst shortfall ${
      all.shortfall.toFixed(1)
    } ms (requests ${all.at}), ${
      steady.shortfall.toFixed(1)
    } ms after each process's first; gaps (ms, process):\n${
      requests.slice(1).map((r, i) => `${gaps[i].toFixed(0)}@${r.process}`)
        .join(" ")
    }`;
    console.log(`shared rate test: ${report.replace(/;.*/s, "")}`);
    // The bound that holds by construction for the claims, less the skew:
    // any W ms hold at most floor((W + skew) / 50) + 1 requests (22 in any
    // second once warm, 24 counting the first requests).
    assert.ok(
      steady.shortfall <= SKEW_MS,
      `requests closer than ${INTERVAL_MS} ms apart allow (+${SKEW_MS} ms skew): ${report}`,
    );
    assert.ok(
      all.shortfall <= COLD_SKEW_MS,
      `requests closer than ${INTERVAL_MS} ms apart allow (+${COLD_SKEW_MS} ms skew for first requests): ${report}`,
    );
    assert.ok(maxInWindow(warm, 1000) <= allowed(1000, SKEW_MS), report);
    assert.ok(maxInWindow(times, 1000) <= allowed(1000, COLD_SKEW_MS), report);
    // About 20/s in all, not 20/s each: the 60 requests span 59 intervals.
    assert.ok(span >= (RATE_PAGES - 1) * INTERVAL_MS - COLD_SKEW_MS, report);
  },
);
