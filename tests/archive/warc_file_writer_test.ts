/**
 * The WARC writer's turns: calls waiting together are written with one
 * system call and committed each at the end of its own records, a failed
 * turn fails them all, and a turn ends where the file passes `maxSize`.
 */
import assert from "node:assert/strict";
import { ArchiveError } from "../../src/archive/archive_error.ts";
import { WarcWriter } from "../../src/archive/warc_writer.ts";
import { scanWarc } from "../../src/archive/warc_reader.ts";
import { canMount, tmpfs } from "../_support/tmpfs.ts";
import { checkRecords, readWarcs } from "./_warc.ts";
import {
  checkpoints,
  exchange,
  randomBytes,
  tempDir,
} from "./_writer_fixtures.ts";

Deno.test("WarcWriter.write() writes calls made together with one write, and commits each at the end of its own records, in call order", async () => {
  await using t = await tempDir();
  const cp = checkpoints();
  const warc = await WarcWriter.open({
    path: `${t.dir}/g.warc.gz`,
    checkpoints: cp.live,
  });
  const file = `${t.dir}/g-00000.warc.gz`;
  const commits: { call: number; offset: number; size: number }[] = [];
  const calls = [0, 1, 2].map((i) =>
    warc.write([exchange(`http://a.test/${i}`, `body ${i}`)], () => {
      const { offset } = JSON.parse(cp.live.get("warc")!);
      commits.push({ call: i, offset, size: Deno.statSync(file).size });
      return i;
    })
  );
  assert.deepEqual(await Promise.all(calls), [0, 1, 2]);
  await warc.close();
  const ends = new Map<string, number>();
  const { size } = await scanWarc(file, ({ offset, length, fields }) => {
    const uri = fields.find(([k]) => k === "WARC-Target-URI")?.[1];
    if (uri) ends.set(uri, offset + length);
  });
  // Each call is committed at the end of its own records, in call order...
  assert.deepEqual(
    commits.map(({ call, offset }) => [call, offset]),
    [0, 1, 2].map((i) => [i, ends.get(`http://a.test/${i}`)]),
  );
  // ...and the first call's turn wrote all three: the file held them before
  // the first commit.
  assert.deepEqual(commits.map((c) => c.size), [size, size, size]);
});

Deno.test({
  name:
    "WarcWriter.write() fails every call of a turn whose write fails (a full disk), and commits none of them",
  ignore: !canMount,
  fn: async () => {
    await using small = await tmpfs("64k");
    const warc = await WarcWriter.open({ path: `${small.dir}/f.warc.gz` });
    const committed: number[] = [];
    // Three calls of 30 kB that do not compress: their turn needs 90 kB.
    const calls = [0, 1, 2].map((i) =>
      warc.write(
        [exchange(`http://a.test/${i}`, randomBytes(30_000))],
        () => committed.push(i),
      )
    );
    for (const call of calls) await assert.rejects(call, ArchiveError);
    assert.deepEqual(committed, []);
    await warc.close();
  },
});

for (const together of [false, true]) {
  const how = together ? "written together" : "one at a time";
  Deno.test(`WarcWriter.write() starts a new numbered file, opened by its own warcinfo, past maxSize (calls ${how})`, async () => {
    await using t = await tempDir();
    await using warc = await WarcWriter.open({
      path: `${t.dir}/r.warc.gz`,
      maxSize: 4000,
    });
    const write = (i: number) => {
      const body = crypto.getRandomValues(new Uint8Array(1500));
      return warc.write([exchange(`http://a.test/${i}`, body)]);
    };
    if (together) {
      await Promise.all(Array.from({ length: 12 }, (_, i) => write(i)));
    } else for (let i = 0; i < 12; i++) await write(i);
    await warc.close();
    assert.ok(warc.paths.length >= 4, `${warc.paths.length} files`);
    assert.deepEqual(
      warc.paths,
      warc.paths.map((_, i) =>
        `${t.dir}/r-${String(i).padStart(5, "0")}.warc.gz`
      ),
    );
    const recs = await readWarcs(warc.paths);
    assert.deepEqual(checkRecords(recs), []);
    assert.deepEqual(
      recs.filter((r) => r.type === "response").map((r) => r.uri),
      Array.from({ length: 12 }, (_, i) => `http://a.test/${i}`),
    );
    // Past maxSize by at most one call's records.
    for (const path of warc.paths.slice(0, -1)) {
      const { size } = await Deno.stat(path);
      assert.ok(size >= 4000 && size < 4000 + 2000, `${path}: ${size} bytes`);
    }
    // A page's records stay together in one file.
    for (const r of recs.filter((r) => r.type === "response")) {
      const request = recs.find((q) => q.id === r.concurrentTo[0])!;
      assert.equal(request.file, r.file);
    }
  });
}

Deno.test("WarcWriter.write() commits in call order across a new file, with calls made while it is being opened", async () => {
  await using t = await tempDir();
  const cp = checkpoints();
  const warc = await WarcWriter.open({
    path: `${t.dir}/o.warc.gz`,
    maxSize: 4000,
    checkpoints: cp.live,
  });
  const commits: { call: number; file: string; offset: number }[] = [];
  const write = (i: number) => {
    const body = crypto.getRandomValues(new Uint8Array(1500));
    return warc.write([exchange(`http://a.test/${i}`, body)], () => {
      commits.push({ call: i, ...JSON.parse(cp.live.get("warc")!) });
    });
  };
  // The first calls pass maxSize: those after it wait for the next file,
  // and more calls come while that file is being opened.
  const calls = Array.from({ length: 6 }, (_, i) => write(i));
  await new Promise((resolve) => setTimeout(resolve, 0));
  calls.push(...Array.from({ length: 6 }, (_, i) => write(6 + i)));
  // A close asked for now waits for every call made before it.
  await warc.close();
  await Promise.all(calls);
  assert.ok(warc.paths.length >= 3, `${warc.paths.length} files`);
  assert.deepEqual(
    commits.map((c) => c.call),
    Array.from({ length: 12 }, (_, i) => i),
  );
  // The committed position only moves forward.
  const order = (
    c: { file: string; offset: number },
  ) => [warc.paths.findIndex((p) => p.endsWith(c.file)), c.offset];
  for (let i = 1; i < commits.length; i++) {
    const [fa, oa] = order(commits[i - 1]);
    const [fb, ob] = order(commits[i]);
    assert.ok(fb > fa || (fb === fa && ob > oa), `commit ${i} went back`);
  }
  const recs = await readWarcs(warc.paths);
  assert.deepEqual(checkRecords(recs), []);
  assert.deepEqual(
    recs.filter((r) => r.type === "response").map((r) => r.uri),
    Array.from({ length: 12 }, (_, i) => `http://a.test/${i}`),
  );
});
