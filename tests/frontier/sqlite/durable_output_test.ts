/**
 * Durable crawls through the CLI (`--state`) whose output went wrong: a
 * corrupt tail or middle line, and a result whose commit was lost. Each test
 * runs `cli.ts` in subprocesses against a generated site on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { serveGeneratedSite } from "../../_support/generated_site.ts";
import {
  assertOutput,
  crawlArgs,
  lines,
  run,
  status,
  workspace,
} from "./_durable.ts";

// ---- output repair ----------------------------------------------------------------

Deno.test("trawl --state repairs a corrupted output tail from the state on resume, fetching nothing", async () => {
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

Deno.test("trawl --state cuts a corrupt line in the middle of the output with all after it and re-appends them from the state", async () => {
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

Deno.test("trawl --state fetches a result whose commit was lost (a power cut) again for its links but does not write it again", async () => {
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

Deno.test("trawl --state with a state that holds no crawl yet starts --out again instead of taking an old file's lines for its own", async () => {
  await using site = serveGeneratedSite({ pages: 60 });
  await using ws = await workspace();
  const args = crawlArgs(ws, site.seed);
  const first = await run(args, ws.perms);
  assert.equal(first.code, 0, first.text);
  // Another crawl's output: the same URLs with other results, and one more.
  const stale = (await lines(ws.out)).map((line) =>
    JSON.stringify({ ...JSON.parse(line), title: "stale" })
  );
  stale.push(
    JSON.stringify({ ...JSON.parse(stale[0]), url: "http://x.test/" }),
  );
  await Deno.writeTextFile(ws.out, stale.map((l) => l + "\n").join(""));
  for (const suffix of ["", "-wal", "-shm", ".lock"]) {
    await Deno.remove(ws.state + suffix).catch(() => {});
  }
  const requests = site.pageRequests;
  const second = await run(args, ws.perms);
  assert.equal(second.code, 0, second.text);
  assert.doesNotMatch(second.text, /kept/);
  assert.equal(site.pageRequests, 2 * requests, "the whole site again");
  const out = await lines(ws.out);
  assert.equal(out.length, site.expected.size);
  assert.ok(!out.some((l) => l.includes('"stale"') || l.includes("x.test")));
  await assertOutput(ws.out, site);
});
