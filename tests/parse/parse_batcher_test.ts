// The parse batcher: pages sent while the workers are busy leave together,
// each gets its own result, and a failing page fails alone.
import assert from "node:assert/strict";
import { constants, inflateRawSync } from "node:zlib";
import { sha1Digest } from "../../src/archive/digest.ts";
import { WorkerPool } from "../../src/concurrency/worker_pool.ts";
import {
  ParseBatcher,
  type ParseFailure,
} from "../../src/parse/parse_batcher.ts";
import { crc32 } from "../../src/archive/gzip_member.ts";
import type { PreparedBlock } from "../../src/archive/prepared_block.ts";
import type { BatchItem, BatchResult } from "../../src/parse/parse_worker.ts";
import {
  packPage,
  parseHtml,
  type ParseInput,
} from "../../src/parse/parse_html.ts";

const WORKER = new URL("../../src/parse/parse_worker.ts", import.meta.url);

/** A pool of one parse worker, as the batcher tests use it. */
function oneWorkerPool(): WorkerPool<BatchItem[], BatchResult[]> {
  return new WorkerPool<BatchItem[], BatchResult[]>(WORKER, {
    size: 1,
    maxQueue: 2,
  });
}

function page(i: number): ParseInput {
  const html =
    `<title>p${i}</title><a href="/n${i}">n</a><a rel=nofollow href="/x">x</a>`;
  return {
    body: new TextEncoder().encode(html).buffer,
    url: `http://ex.test/p${i}`,
  };
}

Deno.test("ParseBatcher.parse() batches pages while the worker is busy and answers each", async () => {
  await using pool = oneWorkerPool();
  const sizes: number[] = [];
  const counting = {
    run(items: BatchItem[], options: { transfer?: Transferable[] }) {
      sizes.push(items.length);
      return pool.run(items, options);
    },
  } as unknown as WorkerPool<BatchItem[], BatchResult[]>;
  const batcher = new ParseBatcher(counting, 1);
  const inputs = Array.from({ length: 30 }, (_, i) => page(i));
  const expected = inputs.map((p) =>
    packPage(parseHtml(new Uint8Array(p.body.slice(0)), p))
  );
  const pages = await Promise.all(
    inputs.map((p) => batcher.parse(p, undefined)),
  );
  assert.deepEqual(pages, expected);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 30);
  assert.equal(sizes[0], 1, "the first page goes at once");
  assert.ok(sizes.length < 30, `batched: ${sizes}`);
  assert.ok(Math.max(...sizes) <= 16, "at most maxBatch pages a batch");
  assert.ok(inputs.every((p) => p.body.byteLength === 0), "bodies transferred");
});

Deno.test("ParseBatcher.parse() rejects a waiting page when aborted and a page that cannot be sent", async () => {
  await using pool = oneWorkerPool();
  const batcher = new ParseBatcher(pool, 1);
  const first = batcher.parse(page(1), undefined); // goes at once
  const ctl = new AbortController();
  const dropped = batcher.parse(page(2), undefined, ctl.signal); // waits
  const kept = batcher.parse(page(3), undefined); // waits
  ctl.abort(new Error("dropped"));
  await assert.rejects(dropped, /dropped/);
  assert.equal((await first).title, "p1");
  assert.equal((await kept).title, "p3");
  const broken = batcher.parse(
    // deno-lint-ignore no-explicit-any
    { body: "not a buffer" as any, url: "http://ex.test/" },
    undefined,
  );
  await assert.rejects(broken, TypeError);
  assert.equal(
    (await batcher.parse(page(4), undefined)).title,
    "p4",
    "the batcher goes on",
  );
});

/** Checks a WARC block the worker made of `head` and `body`. */
function assertBlock(block: PreparedBlock, head: Uint8Array, body: Uint8Array) {
  const record = new Uint8Array([...head, ...body, 13, 10, 13, 10]);
  assert.equal(block.payloadDigest, sha1Digest(body));
  assert.equal(block.blockDigest, sha1Digest(head, body));
  assert.equal(block.length, head.byteLength + body.byteLength);
  assert.equal(block.crc, crc32(record) >>> 0);
  const inflated = inflateRawSync(block.deflated, {
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  assert.deepEqual(new Uint8Array(inflated), record);
}

Deno.test("ParseBatcher.parse() hashes and compresses the WARC block of a page sent with its HTTP head, in the worker", async () => {
  await using pool = oneWorkerPool();
  const batcher = new ParseBatcher(pool, 1);
  const head = new TextEncoder().encode("HTTP/1.1 200 OK\r\n\r\n");
  const plain = page(1);
  const body = new Uint8Array(plain.body.slice(0));
  const [archived, other] = await Promise.all([
    batcher.parse({ ...plain, warcHead: head }, undefined),
    batcher.parse(page(2), undefined),
  ]);
  assert.equal(archived.title, "p1");
  assertBlock(archived.warc!, head, body);
  assert.equal(other.warc, undefined, "no head, no block");
});

Deno.test("ParseBatcher.parse() rejects a page that fails to parse with the WARC block made before the parse", async () => {
  await using pool = oneWorkerPool();
  const batcher = new ParseBatcher(pool, 1);
  const head = new TextEncoder().encode("HTTP/1.1 200 OK\r\n\r\n");
  const failing = { ...page(1), maxLinks: -1, warcHead: head };
  const body = new Uint8Array(failing.body.slice(0));
  const err: ParseFailure = await batcher.parse(failing, undefined).then(
    () => assert.fail("the page parsed"),
    (e) => e,
  );
  assert.equal(err.name, "RangeError");
  assert.equal(failing.body.byteLength, 0, "the body went to the worker");
  assertBlock(err.warc!, head, body);
  const plain = await batcher.parse({ ...page(2), maxLinks: -1 }, undefined)
    .catch((e: ParseFailure) => e);
  assert.equal((plain as ParseFailure).warc, undefined, "no head, no block");
});

Deno.test("ParseBatcher.parse() gives each page of a batch its own WARC block, made before the batch's parses", async () => {
  await using pool = oneWorkerPool();
  const batcher = new ParseBatcher(pool, 1);
  const head = (i: number) =>
    new TextEncoder().encode(`HTTP/1.1 200 OK\r\nx-page: ${i}\r\n\r\n`);
  const bodyOf = (p: ParseInput) => new Uint8Array(p.body.slice(0));
  // The first page goes alone; the others wait for it and go as one batch.
  const first = batcher.parse(page(0), undefined);
  const items = [1, 2, 3, 4].map((i) => ({
    ...page(i),
    ...(i === 3 ? { maxLinks: -1 } : {}), // fails to parse
    ...(i === 4 ? {} : { warcHead: head(i) }), // no block asked for
  }));
  const bodies = items.map(bodyOf);
  const results = await Promise.all(
    items.map((item) =>
      batcher.parse(item, undefined).catch((e: ParseFailure) => e)
    ),
  );
  await first;
  const [one, two, failed, plain] = results;
  assert.equal((one as { title?: string }).title, "p1");
  assertBlock((one as { warc: PreparedBlock }).warc, head(1), bodies[0]);
  assertBlock((two as { warc: PreparedBlock }).warc, head(2), bodies[1]);
  assert.ok(failed instanceof Error, "page 3 failed to parse");
  assertBlock((failed as ParseFailure).warc!, head(3), bodies[2]);
  assert.equal((plain as { warc?: PreparedBlock }).warc, undefined);
});
