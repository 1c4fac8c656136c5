import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { ArchiveError } from "../../src/archive/archive_error.ts";
import type { Exchange } from "../../src/archive/exchange.ts";
import { ByteBuilder } from "../../src/archive/byte_builder.ts";
import {
  crc32,
  deflateSegment,
  gzipMember,
  join,
  SEGMENT_BYTES,
  STORED_BYTES,
  writeMember,
} from "../../src/archive/gzip_member.ts";
import { responseHead } from "../../src/archive/http_head.ts";
import { prepareBlock } from "../../src/archive/prepared_block.ts";
import { WarcWriter } from "../../src/archive/warc_writer.ts";
import { scanWarc } from "../../src/archive/warc_reader.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { checkRecords, header, readWarcs, type Rec, sha1 } from "./_warc.ts";
import { checkpoints, exchange, tempDir } from "./_writer_fixtures.ts";

const enc = new TextEncoder();

const types = (recs: Rec[]) => recs.map((r) => r.type);

/** `ex` with its block prepared as the parse worker prepares it. */
function withPrepared(ex: Exchange): Exchange {
  const head = responseHead(ex);
  ex.prepared = { ...prepareBlock(head, ex.body)!, head };
  return ex;
}

/** Writes `exchanges` into a new archive at `path` and reads it back. */
async function archived(path: string, exchanges: Exchange[]): Promise<Rec[]> {
  const warc = await WarcWriter.open({ path });
  await warc.write(exchanges);
  await warc.close();
  const recs = await readWarcs(warc.paths);
  assert.deepEqual(checkRecords(recs), []);
  return recs;
}

Deno.test("WarcWriter.write() writes warcinfo first, then a request and a response per exchange, linked both ways, every digest right", async () => {
  await using t = await tempDir();
  const warc = await WarcWriter.open({
    path: `${t.dir}/crawl.warc.gz`,
    info: [["software", "test"], ["robots", "obey"]],
  });
  const gz = exchange("http://127.0.0.1:8000/a?x=1", "<p>decoded</p>", {
    responseHeaders: [
      ["content-type", "text/html"],
      ["content-encoding", "gzip"],
      ["content-length", "31"],
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
    ],
    ip: "127.0.0.1",
  });
  const chunked = exchange("http://a.test/c", "chunks", {
    responseHeaders: [["transfer-encoding", "chunked"]],
    status: 404,
    statusText: "Not Found",
  });
  const hop = exchange("http://a.test/r", "", {
    status: 301,
    statusText: "Moved Permanently",
    responseHeaders: [["location", "/c"], ["content-length", "0"]],
  });
  await warc.write([gz, chunked]);
  await warc.write([hop]);
  await warc.close();
  assert.deepEqual(warc.paths, [`${t.dir}/crawl-00000.warc.gz`]);
  const recs = await readWarcs(warc.paths);
  assert.deepEqual(checkRecords(recs), []);
  assert.deepEqual(types(recs), [
    "warcinfo",
    ...["request", "response", "request", "response", "request", "response"],
  ]);
  const info = new TextDecoder().decode(recs[0].block);
  assert.equal(info, "software: test\r\nrobots: obey\r\n");
  assert.equal(recs[0].fields.get("warc-filename"), "crawl-00000.warc.gz");
  for (const r of recs.slice(1)) {
    assert.equal(r.fields.get("warc-warcinfo-id"), recs[0].id);
    assert.equal(r.date, "2026-01-02T03:04:05Z");
  }
  const [, request, response] = recs;
  assert.equal(request.uri, "http://127.0.0.1:8000/a?x=1");
  assert.equal(request.head!.split("\r\n")[0], "GET /a?x=1 HTTP/1.1");
  assert.equal(header(request, "user-agent"), "test");
  assert.equal(response.fields.get("warc-ip-address"), "127.0.0.1");
  assert.equal(response.head!.split("\r\n")[0], "HTTP/1.1 200 OK");
  assert.equal(new TextDecoder().decode(response.payload), "<p>decoded</p>");
  assert.equal(header(response, "content-encoding"), undefined);
  assert.equal(header(response, "x-orig-content-encoding"), "gzip");
  assert.equal(header(response, "x-orig-content-length"), "31");
  assert.equal(header(response, "content-length"), "14");
  assert.equal(
    response.headers!.filter(([k]) => k === "set-cookie").length,
    2,
  );
  assert.equal(
    response.fields.get("warc-payload-digest"),
    sha1(enc.encode("<p>decoded</p>")),
  );
  const notFound = recs[4];
  assert.equal(notFound.status, 404);
  assert.equal(header(notFound, "x-orig-transfer-encoding"), "chunked");
  assert.equal(header(notFound, "content-length"), "6");
  assert.equal(recs[6].status, 301);
  assert.equal(header(recs[6], "location"), "/c");
  // Each record is its own gzip member: offsets follow one another.
  for (let i = 1; i < recs.length; i++) {
    assert.equal(recs[i].offset, recs[i - 1].offset + recs[i - 1].length);
  }
});

Deno.test("WarcWriter.write() writes a revisit record for a payload archived before, pointing at the original", async () => {
  await using t = await tempDir();
  await using warc = await WarcWriter.open({ path: `${t.dir}/w.warc.gz` });
  await warc.write([exchange("http://a.test/1", "same body")]);
  await warc.write([
    exchange("http://a.test/2", "same body", { date: Date.UTC(2026, 5, 1) }),
    exchange("http://a.test/3", "other body"),
  ]);
  await warc.close();
  const recs = await readWarcs(warc.paths);
  assert.deepEqual(checkRecords(recs), []);
  const revisit = recs.find((r) => r.type === "revisit")!;
  assert.equal(revisit.uri, "http://a.test/2");
  assert.equal(
    revisit.fields.get("warc-profile"),
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
  );
  assert.equal(
    revisit.fields.get("warc-refers-to-target-uri"),
    "http://a.test/1",
  );
  assert.equal(
    revisit.fields.get("warc-refers-to-date"),
    "2026-01-02T03:04:05Z",
  );
  assert.equal(revisit.payload!.length, 0, "a revisit holds the head only");
  assert.deepEqual(
    recs.filter((r) => r.type === "response").map((r) => r.uri),
    ["http://a.test/1", "http://a.test/3"],
  );
});

Deno.test("WarcWriter.write() marks a body cut at the cap WARC-Truncated: length and never makes it a revisit's original", async () => {
  await using t = await tempDir();
  await using warc = await WarcWriter.open({ path: `${t.dir}/w.warc.gz` });
  await warc.write([
    exchange("http://a.test/big", "first bytes", { truncated: true }),
    exchange("http://a.test/again", "first bytes", { truncated: true }),
    exchange("http://a.test/whole", "first bytes"),
  ]);
  await warc.close();
  const recs = await readWarcs(warc.paths);
  assert.deepEqual(checkRecords(recs), []);
  const responses = recs.filter((r) => r.type === "response");
  assert.deepEqual(responses.map((r) => r.uri), [
    "http://a.test/big",
    "http://a.test/again",
    "http://a.test/whole",
  ]);
  assert.deepEqual(
    responses.map((r) => r.fields.get("warc-truncated")),
    ["length", "length", undefined],
  );
});

Deno.test("WarcWriter.open() cuts the files back to the committed position and goes on in a new file, remembering the payloads kept", async () => {
  await using t = await tempDir();
  const path = `${t.dir}/d.warc.gz`;
  const cp = checkpoints();
  const first = await WarcWriter.open({
    path,
    checkpoints: cp.live,
    maxSize: 3000,
  });
  await first.write([exchange("http://a.test/kept", "kept body")]);
  cp.commit(); // the page's commit was flushed
  for (let i = 0; i < 6; i++) {
    const body = crypto.getRandomValues(new Uint8Array(1500));
    await first.write([exchange(`http://a.test/lost${i}`, body)]);
  }
  assert.ok(first.paths.length >= 2, "the lost pages reached another file");
  // kill -9: the file is not closed, the later commits are not flushed.
  const warnings: string[] = [];
  const second = await WarcWriter.open({
    path,
    checkpoints: cp.resumed(),
    onLog: (level, m) => void (level === "warn" && warnings.push(m)),
  });
  await second.write([exchange("http://a.test/again", "kept body")]);
  await second.close();
  assert.deepEqual(warnings, []);
  assert.deepEqual(second.paths, [`${t.dir}/d-00001.warc.gz`]);
  const files = [`${t.dir}/d-00000.warc.gz`, `${t.dir}/d-00001.warc.gz`];
  const recs = await readWarcs(files);
  assert.deepEqual(checkRecords(recs), []);
  assert.deepEqual(
    recs.map((r) => `${r.type} ${r.uri ?? ""}`.trim()),
    [
      "warcinfo",
      "request http://a.test/kept",
      "response http://a.test/kept",
      "warcinfo",
      "request http://a.test/again",
      "revisit http://a.test/again",
    ],
  );
  await assert.rejects(
    Deno.stat(`${t.dir}/d-00002.warc.gz`),
    Deno.errors.NotFound,
  );
});

Deno.test("WarcWriter.open() cuts a torn record off the last file and goes on in a new file when told to continue", async () => {
  await using t = await tempDir();
  const path = `${t.dir}/c.warc.gz`;
  const first = await WarcWriter.open({ path });
  await first.write([exchange("http://a.test/1", "one")]);
  await first.close();
  const file = `${t.dir}/c-00000.warc.gz`;
  const whole = (await Deno.stat(file)).size;
  // Half a record, as a crash mid-write leaves it.
  const member = [
    ...gzipMember([enc.encode("WARC/1.1\r\n" + "x".repeat(5000))]),
  ];
  const torn = member.reduce((n, c) => n + c.length, 0);
  using f = await Deno.open(file, { append: true });
  await f.write(
    new Uint8Array(member.flatMap((c) => [...c])).slice(0, torn / 2),
  );
  const warnings: string[] = [];
  await using second = await WarcWriter.open({
    path,
    existing: "continue",
    onLog: (level, m) => void (level === "warn" && warnings.push(m)),
  });
  await second.write([exchange("http://a.test/2", "one")]);
  await second.close();
  assert.equal((await Deno.stat(file)).size, whole);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /torn record/);
  const recs = await readWarcs([file, `${t.dir}/c-00001.warc.gz`]);
  assert.deepEqual(checkRecords(recs), []);
  assert.deepEqual(types(recs), [
    "warcinfo",
    "request",
    "response",
    "warcinfo",
    "request",
    "revisit",
  ]);
});

Deno.test("WarcWriter.open() removes an earlier run's files when the crawl starts over", async () => {
  await using t = await tempDir();
  const path = `${t.dir}/f.warc.gz`;
  const first = await WarcWriter.open({ path, maxSize: 1000 });
  for (let i = 0; i < 3; i++) {
    await first.write([
      exchange(`http://a.test/${i}`, `body ${i}`.repeat(200)),
    ]);
  }
  await first.close();
  assert.ok(first.paths.length >= 2);
  await Deno.writeTextFile(`${t.dir}/f-notes.txt`, "mine");
  const second = await WarcWriter.open({ path });
  await second.close();
  const names = [];
  for await (const e of Deno.readDir(t.dir)) names.push(e.name);
  assert.deepEqual(names.sort(), ["f-00000.warc.gz", "f-notes.txt"]);
  assert.deepEqual(types(await readWarcs(second.paths)), ["warcinfo"]);
});

Deno.test("WarcWriter.write() fails with an ArchiveError once its file was removed, and so does every later write", async () => {
  await using t = await tempDir();
  const clock = new FakeClock();
  const warc = await WarcWriter.open({ path: `${t.dir}/x.warc.gz`, clock });
  await warc.write([exchange("http://a.test/1", "one")]);
  await Deno.remove(warc.paths[0]);
  await warc.write([exchange("http://a.test/2", "two")]); // not checked yet
  await clock.tick(1000);
  await assert.rejects(
    warc.write([exchange("http://a.test/3", "three")]),
    (e) => e instanceof ArchiveError && /removed/.test(e.message),
  );
  await assert.rejects(warc.write([]), ArchiveError);
  await warc.close();
});

Deno.test("WarcWriter.close() fails with an ArchiveError when its file was removed", async () => {
  await using t = await tempDir();
  const warc = await WarcWriter.open({ path: `${t.dir}/x.warc.gz` });
  await warc.write([exchange("http://a.test/1", "one")]);
  await Deno.remove(warc.paths[0]);
  await assert.rejects(warc.close(), ArchiveError);
});

Deno.test("WarcWriter.open() fails with an ArchiveError naming a path that cannot be written", async () => {
  await using t = await tempDir();
  await Deno.writeTextFile(`${t.dir}/file`, "");
  await assert.rejects(
    WarcWriter.open({ path: `${t.dir}/file/sub/x.warc.gz` }),
    (e) =>
      e instanceof ArchiveError &&
      e.path === `${t.dir}/file/sub/x-00000.warc.gz`,
  );
});

Deno.test("WarcWriter.write() archives a 10 MiB body as one record, compressed in bounded segments, its digests right", async () => {
  await using t = await tempDir();
  const body = new Uint8Array(10 * 1024 * 1024);
  for (let i = 0; i < body.length; i += 4096) {
    body.set(crypto.getRandomValues(new Uint8Array(64)), i);
  }
  await using warc = await WarcWriter.open({ path: `${t.dir}/b.warc.gz` });
  await warc.write([exchange("http://a.test/big.bin", body)]);
  await warc.close();
  const recs = await readWarcs(warc.paths);
  assert.deepEqual(checkRecords(recs), []);
  assert.equal(recs[2].payload!.length, body.length);
  const { records, end, size } = await scanWarc(warc.paths[0], () => {});
  assert.deepEqual([records, end], [3, size]);
});

Deno.test("gzipMember() compresses a large part in segments of at most SEGMENT_BYTES and round-trips", () => {
  const part = new Uint8Array(3 * SEGMENT_BYTES + 10).map((_, i) => i % 251);
  const chunks = [
    ...gzipMember([enc.encode("head"), part, enc.encode("tail")]),
  ];
  assert.equal(chunks.length, 2 + 4, "header, four segments, trailer");
  const member = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    member.set(c, at);
    at += c.length;
  }
  const out = gunzipSync(member);
  assert.equal(out.length, 4 + part.length + 4);
  assert.equal(sha1(out.subarray(4, 4 + part.length)), sha1(part));
});

Deno.test("WarcWriter.write() writes a response whose block was prepared elsewhere (prepareBlock) as it writes one it prepares itself", async () => {
  await using t = await tempDir();
  const body = enc.encode("<p>prepared</p>".repeat(200));
  const own = exchange("http://a.test/own", body);
  const responseHeaders: [string, string][] = [
    ["content-type", "text/html"],
    ["content-length", "9"],
  ];
  const made = withPrepared(
    exchange("http://a.test/made", body.slice(), { responseHeaders }),
  );
  const recs = await archived(`${t.dir}/crawl.warc.gz`, [made, own]);
  assert.deepEqual(types(recs), [
    "warcinfo",
    ...["request", "response", "request", "revisit"],
  ]);
  const response = recs[2];
  assert.deepEqual(response.payload, body);
  assert.equal(header(response, "x-orig-content-length"), "9");
  assert.equal(
    response.fields.get("warc-block-digest"),
    made.prepared!.blockDigest,
  );
  assert.equal(recs[4].fields.get("warc-refers-to"), response.id);
});

Deno.test("writeMember() stores a head of up to 64 KiB before a deflate run made elsewhere, and compresses a longer one", () => {
  const rest = [enc.encode("body ".repeat(1000)), enc.encode("\r\n\r\n")];
  const whole = join(rest);
  const run = {
    bytes: deflateSegment(rest),
    crc: crc32(whole),
    length: whole.byteLength,
  };
  const out = new ByteBuilder(16);
  for (const size of [0, 300, 0xffff]) {
    const head = new Uint8Array(size).map((_, i) => 65 + (i % 26));
    out.reset();
    assert.ok(writeMember(out, (o) => o.bytes(head), run));
    assert.deepEqual(
      new Uint8Array(gunzipSync(out.view())),
      join([head, ...rest]),
      `head ${size}`,
    );
  }
  out.reset();
  const long = new Uint8Array(0x10000 + 7).map((_, i) => i % 251);
  assert.ok(writeMember(out, (o) => o.bytes(long), run), "head compressed");
  assert.deepEqual(
    new Uint8Array(gunzipSync(out.view())),
    join([long, ...rest]),
  );
  assert.throws(
    () => deflateSegment([new Uint8Array(SEGMENT_BYTES + 1)]),
    RangeError,
  );
});

Deno.test("writeMember() stores a whole member of up to STORED_BYTES, and leaves a longer one to gzipMember()", () => {
  const out = new ByteBuilder();
  const parts = [enc.encode("a".repeat(1000)), enc.encode("b".repeat(1000))];
  assert.ok(writeMember(out, (o) => o.utf8("head:"), parts));
  const member = out.copy();
  assert.equal(member.byteLength, 10 + 5 + 5 + 2000 + 8, "no compression");
  assert.deepEqual(
    new Uint8Array(gunzipSync(member)),
    join([
      enc.encode("head:"),
      ...parts,
    ]),
  );
  const tooLong = [new Uint8Array(STORED_BYTES - 4)];
  assert.equal(writeMember(out, (o) => o.utf8("head:"), tooLong), false);
  assert.deepEqual(out.view(), member);
});

Deno.test("WarcWriter.write() archives a page whose WARC head is past 64 KiB (a very long URL)", async () => {
  await using t = await tempDir();
  const url = `http://a.test/${"x".repeat(70_000)}`;
  const made = withPrepared(
    exchange(url, enc.encode("<p>long</p>".repeat(100))),
  );
  const recs = await archived(`${t.dir}/long.warc.gz`, [made]);
  assert.deepEqual(types(recs), ["warcinfo", "request", "response"]);
  assert.equal(recs[2].fields.get("warc-target-uri"), url);
  assert.deepEqual(recs[2].payload, made.body);
});

Deno.test("WarcWriter.write() archives a prepared page whose body went to the parser, and a revisit of its payload", async () => {
  await using t = await tempDir();
  const body = enc.encode("<p>handed over</p>".repeat(300));
  const handed = (url: string) => {
    const e = withPrepared(exchange(url, body.slice()));
    (e.body.buffer as ArrayBuffer).transfer(); // handed to a worker
    return e;
  };
  const recs = await archived(`${t.dir}/h.warc.gz`, [
    handed("http://a.test/1"),
    handed("http://a.test/2"),
  ]);
  assert.deepEqual(types(recs), [
    "warcinfo",
    ...["request", "response", "request", "revisit"],
  ]);
  assert.deepEqual(recs[2].payload, body);
  assert.equal(
    recs[2].fields.get("content-length"),
    String(
      responseHead(exchange("http://a.test/1", body)).byteLength +
        body.byteLength,
    ),
  );
  assert.equal(recs[4].fields.get("warc-refers-to"), recs[2].id);
});

Deno.test("WarcWriter.write() marks a response whose body was lost with its parse worker WARC-Truncated: unspecified", async () => {
  await using t = await tempDir();
  const lost = exchange("http://a.test/lost", "<p>gone</p>");
  (lost.body.buffer as ArrayBuffer).transfer();
  const recs = await archived(`${t.dir}/l.warc.gz`, [lost]);
  assert.deepEqual(types(recs), ["warcinfo", "request", "response"]);
  assert.equal(recs[2].fields.get("warc-truncated"), "unspecified");
  assert.equal(recs[2].payload!.length, 0);
});
