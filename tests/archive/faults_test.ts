/**
 * An archive that cannot be written: a path that cannot be created, a
 * folder without permission, a full disk (a small tmpfs), a WARC file
 * removed mid-crawl. Each ends the CLI with a clear error and a non-zero
 * exit (3 for the full disk, as the exit code table says), keeps what was
 * committed, and the same command continues the crawl once the fault is
 * gone. Runs `cli.ts` in subprocesses against a generated
 * site on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveGeneratedSite } from "../_support/generated_site.ts";
import { canMount, tmpfs } from "../_support/tmpfs.ts";
import {
  checkOutput,
  FLAGS,
  run,
  start,
  status,
  until,
  workspace,
} from "../frontier/sqlite/_durable.ts";
import { checkArchive, expectedFetches } from "./_archive_check.ts";
import { warcFiles } from "./_warc.ts";

async function sh(cmd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  assert.ok(
    out.success,
    `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
  );
}

/** Problems of a stopped crawl's output other than results not there yet. */
async function outputProblems(
  path: string,
  site: Parameters<typeof checkOutput>[1],
) {
  return (await checkOutput(path, site)).filter((p) => !p.includes("missing"));
}

Deno.test("trawl --warc at a path that cannot be written fails with a clear error, exit 1; the same crawl with a good path completes", async () => {
  await using site = serveGeneratedSite({ pages: 50 });
  await using ws = await workspace();
  await Deno.writeTextFile(join(ws.dir, "blocker"), "a file, not a folder");
  const bad = await run(
    [
      ...FLAGS,
      "-q",
      "--state",
      ws.state,
      "--out",
      ws.out,
      "--warc",
      join(ws.dir, "blocker", "c.warc.gz"),
      site.seed,
    ],
    ws.perms,
  );
  assert.equal(bad.code, 1, bad.text);
  assert.match(
    bad.text,
    /^trawl: error: Cannot write the archive .*blocker\/c-00000\.warc\.gz: /m,
  );
  assert.equal(await Deno.readTextFile(ws.out), "");
  assert.equal(status(ws.state)?.done ?? 0, 0);
  const warc = join(ws.dir, "w", "c.warc.gz");
  const good = await run(
    [
      ...FLAGS,
      "-q",
      "--state",
      ws.state,
      "--out",
      ws.out,
      "--warc",
      warc,
      site.seed,
    ],
    ws.perms,
  );
  assert.equal(good.code, 0, good.text);
  assert.deepEqual(await checkOutput(ws.out, site), []);
  const { problems } = await checkArchive(
    await warcFiles(join(ws.dir, "w")),
    expectedFetches(site),
  );
  assert.deepEqual(problems, []);
});

Deno.test("trawl --warc and --save without permission for their folders exit 2 naming the flags to grant", async () => {
  await using site = serveGeneratedSite({ pages: 5 });
  await using ws = await workspace();
  const elsewhere = await Deno.makeTempDir({ prefix: "trawl_elsewhere_" });
  try {
    for (
      const flag of [["--warc", join(elsewhere, "c.warc.gz")], [
        "--save",
        elsewhere,
      ]]
    ) {
      const out = await run([...FLAGS, "-q", ...flag, site.seed], ws.perms);
      assert.equal(out.code, 2, out.text);
      assert.equal(
        out.text,
        `trawl: error: cannot write the archive in ${elsewhere}: run with --allow-read=${elsewhere} --allow-write=${elsewhere}\n`,
      );
    }
    assert.equal(site.pageRequests, 0);
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test({
  name:
    "trawl --state --warc on a full disk fails with exit 3 keeping what it committed; resumed with room, it archives each page once",
  ignore: !canMount,
  fn: async () => {
    await using site = serveGeneratedSite({ pages: 2000 });
    await using ws = await workspace();
    await using small = await tmpfs("512k");
    const args = [
      ...FLAGS,
      "-q",
      "--state",
      ws.state,
      "--out",
      ws.out,
      "--warc",
      join(small.dir, "c.warc.gz"),
      site.seed,
    ];
    const perms = ws.perms.map((p) =>
      p.startsWith("--allow-read=") || p.startsWith("--allow-write=")
        ? `${p},${small.dir}`
        : p
    );
    const full = await run(args, perms);
    assert.equal(full.code, 3, full.text);
    assert.match(
      full.text,
      /^trawl: error: Cannot write the archive .*c-0000\d\.warc\.gz: .*no space left/im,
    );
    const stopped = status(ws.state)!;
    assert.ok(
      stopped.done > 0 && stopped.done < site.expected.size,
      JSON.stringify(stopped),
    );
    assert.deepEqual(await outputProblems(ws.out, site), []);
    await sh("mount", "-o", "remount,size=32m", small.dir);
    const resumed = await run(args, perms);
    assert.equal(resumed.code, 0, resumed.text);
    assert.deepEqual(await checkOutput(ws.out, site), []);
    const { problems } = await checkArchive(
      await warcFiles(small.dir),
      expectedFetches(site),
    );
    assert.deepEqual(problems.slice(0, 20), []);
  },
});

Deno.test("trawl --state --warc fails with exit 1 when its WARC file is removed mid-crawl; the same command goes on in a new file, no page archived twice", async () => {
  await using site = serveGeneratedSite({ pages: 2000, delayMs: 2 });
  await using ws = await workspace();
  const dir = join(ws.dir, "w");
  const args = [
    ...FLAGS,
    "--rate",
    "200",
    "--state",
    ws.state,
    "--out",
    ws.out,
    "--warc",
    join(dir, "c.warc.gz"),
    site.seed,
  ];
  await using cli = start(args, ws.perms);
  await until(() => site.pageRequests > 100 || cli.exited, "for 100 pages");
  for (const file of await warcFiles(dir)) await Deno.remove(file);
  const failed = await cli.output;
  assert.equal(failed.code, 1, failed.text);
  assert.match(
    failed.text,
    /^trawl: error: Cannot write the archive .*c-00000\.warc\.gz: the file was removed or replaced while the crawl was writing it$/m,
  );
  const stopped = status(ws.state)!;
  assert.ok(stopped.done > 0 && stopped.done < site.expected.size);
  assert.deepEqual(await outputProblems(ws.out, site), []);
  const resumed = await run([...args, "--log-level", "warn"], ws.perms);
  assert.equal(resumed.code, 0, resumed.text);
  assert.match(
    resumed.text,
    /c-00000\.warc\.gz is missing: the records it held are lost/,
  );
  assert.deepEqual(await checkOutput(ws.out, site), []);
  const files = await warcFiles(dir);
  assert.equal(files[0], join(dir, "c-00001.warc.gz"));
  const { problems, responses } = await checkArchive(
    files,
    expectedFetches(site),
    true,
  );
  assert.deepEqual(problems.slice(0, 20), []);
  // What the removed file held is lost; everything fetched after is there.
  assert.ok(
    responses.size >= site.expected.size - stopped.done - 10,
    `${responses.size} archived`,
  );
});
