/**
 * A shared crawl (`--frontier redis://… --crawl NAME`) with `--warc`: each
 * process writes its own files, named with its worker id.
 *
 * Needs Redis (see `tests/_support/redis_server.ts`).
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { startCli } from "../_support/cli_process.ts";
import { serveGeneratedSite } from "../_support/generated_site.ts";
import { redisTest } from "../_support/redis_server.ts";
import { workspace } from "../frontier/sqlite/_durable.ts";
import { checkArchive, expectedFetches } from "./_archive_check.ts";
import { readWarcs, warcFiles } from "./_warc.ts";

redisTest(
  "trawl --frontier --warc writes each process's own files, named with its worker id, together archiving every page once; a restarted worker keeps its files",
  async ({ url, crawl }) => {
    await using site = serveGeneratedSite({ pages: 300, delayMs: 2 });
    await using ws = await workspace();
    const perms = [...ws.perms, "--allow-sys=hostname"];
    const warc = join(ws.dir, "w", "c.warc.gz");
    const args = (worker: string) => [
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
      "--worker",
      worker,
      "--out",
      join(ws.dir, `${worker}.jsonl`),
      "--warc",
      warc,
      site.seed,
    ];
    const runs = ["w1", "w2"].map((w) => startCli(args(w), perms, 60_000));
    const exits = await Promise.all(runs.map((r) => r.output));
    for (const e of exits) assert.equal(e.code, 0, e.text);
    const files = await warcFiles(join(ws.dir, "w"));
    assert.deepEqual(
      files.map((f) => basename(f)),
      ["c-w1-00000.warc.gz", "c-w2-00000.warc.gz"],
    );
    const { problems, records } = await checkArchive(
      files,
      expectedFetches(site),
    );
    assert.deepEqual(problems.slice(0, 20), []);
    for (const file of files) {
      const first = records.find((r) => r.file === file);
      assert.equal(first?.type, "warcinfo", file);
    }
    // w1 again: the crawl is done; its files stay, it starts a new one.
    const sizes = await Promise.all(
      files.map(async (f) => (await Deno.stat(f)).size),
    );
    const again = await startCli(args("w1"), perms, 60_000).output;
    assert.equal(again.code, 0, again.text);
    const after = await warcFiles(join(ws.dir, "w"));
    assert.deepEqual(
      after.map((f) => basename(f)),
      ["c-w1-00000.warc.gz", "c-w1-00001.warc.gz", "c-w2-00000.warc.gz"],
    );
    for (const [i, f] of files.entries()) {
      assert.equal((await Deno.stat(f)).size, sizes[i], f);
    }
    const added = await readWarcs([join(ws.dir, "w", "c-w1-00001.warc.gz")]);
    assert.deepEqual(added.map((r) => r.type), ["warcinfo"]);
  },
);
