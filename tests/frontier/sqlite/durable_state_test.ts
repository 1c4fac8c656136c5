/**
 * Durable crawls through the CLI (`--state`): the state's identity
 * (`--resume`, `--fresh`), `trawl status`, and where the crawl runs (a
 * thread, the main thread, a terminal). Each test runs `cli.ts` in
 * subprocesses against a generated site on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLI } from "../../_support/cli_process.ts";
import {
  BOUNDED_HEAP_MB,
  CRAWL_THREAD_YOUNG_MB,
} from "../../../src/cli/heap_limits.ts";
import { serveGeneratedSite } from "../../_support/generated_site.ts";
import {
  assertOutput,
  CHILD_LIMIT_MS,
  crawlArgs,
  FLAGS,
  run,
  SRC,
  start,
  status,
  workspace,
} from "./_durable.ts";

// ---- state identity: mismatch, --resume, --fresh -----------------------------------

function mismatch(state: string, differences: string): string {
  return `trawl: error: The crawl state in ${state} was made with other seeds or options (${differences}): pass --resume to continue it anyway (new seeds are added), or --fresh to discard it and start over\n`;
}

Deno.test("trawl --state exits 3 naming the differences when the options or seeds differ from the state's, touching neither state nor output", async () => {
  await using site = serveGeneratedSite({ pages: 30 });
  await using ws = await workspace();
  const base = [...FLAGS, "-q", "--state", ws.state, "--out", ws.out];
  const first = await run([...base, site.seed], ws.perms);
  assert.equal(first.code, 0, first.text);
  const output = await Deno.readFile(ws.out);
  const before = status(ws.state);
  const requests = site.pageRequests;

  const depth = await run([...base, "--max-depth", "3", site.seed], ws.perms);
  assert.equal(depth.code, 3);
  assert.equal(depth.text, mismatch(ws.state, "maxDepth was null, now 3"));

  const extra = `${site.origin}/p/1`;
  const seeds = await run(
    [...base, "--no-robots", site.seed, extra],
    ws.perms,
  );
  assert.equal(seeds.code, 3);
  assert.equal(
    seeds.text,
    mismatch(
      ws.state,
      `seeds added: ${extra}; respectRobots was true, now false`,
    ),
  );

  const other = await run([...base, extra], ws.perms);
  assert.equal(other.code, 3);
  assert.equal(
    other.text,
    mismatch(ws.state, `seeds added: ${extra}; seeds missing: ${site.seed}`),
  );

  assert.equal(site.pageRequests, requests, "nothing fetched");
  assert.deepEqual(await Deno.readFile(ws.out), output);
  assert.deepEqual(status(ws.state), before);
});

Deno.test("trawl --state --resume continues a state made differently and adds the new seed, so the old command then differs", async () => {
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
  assert.equal(old.code, 3);
  assert.equal(old.text, mismatch(ws.state, `seeds missing: ${extra}`));
});

Deno.test("trawl --state --fresh discards the state and truncates the output", async () => {
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

Deno.test("trawl --resume exits 2 together with --fresh, and without --state", async () => {
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

Deno.test("trawl status prints a finished crawl's counts as text and as JSON, and fails on a missing state", async () => {
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
  assert.equal(none.code, 3);
  assert.equal(none.text, `trawl: error: No crawl state at ${missing}\n`);
});

Deno.test("trawl --state runs the crawl in a thread with a bounded heap, or on the main thread (saying so) without read access to src/", async () => {
  await using site = serveGeneratedSite({ pages: 40 });
  const THREAD = new RegExp(
    `crawling in a thread with a ${CRAWL_THREAD_YOUNG_MB} MB young generation and a ${BOUNDED_HEAP_MB} MB old-generation limit`,
  );
  {
    // With parser workers too: the main thread starts them for the crawl
    // thread.
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
    // In memory, the thread's old generation has room for the queue.
    await using ws = await workspace();
    const done = await run(
      [...FLAGS, "--out", ws.out, "--log-level", "debug", site.seed],
      ws.perms,
    );
    assert.equal(done.code, 0, done.text);
    assert.match(
      done.text,
      /crawling in a thread with a 12 MB young generation and a 2047 MB old-generation limit/,
    );
  }
});

Deno.test("trawl --state asks for no permission on a terminal when the crawl is threaded with parser workers (script(1) gives it a terminal)", async () => {
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
