/**
 * WARC/1.1 records: the named fields and the block of `warcinfo`,
 * `request`, `response` and `revisit` records, and their serialization
 * (`WARC/1.1`, fields, CRLF, block, CRLF CRLF).
 *
 * A response is stored as Deno's `fetch` hands it over, its body decoded
 * and de-chunked (see `http_head.ts`). A response whose block was hashed
 * and compressed already, off the crawl's thread (see `prepared_block.ts`),
 * is written with those digests and that deflate run.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { ByteBuilder } from "./byte_builder.ts";
import type { DeflatedRun } from "./gzip_member.ts";
import { Sha1 } from "./digest.ts";
import type { Exchange } from "./exchange.ts";
import { oneLine, requestHead, responseHead } from "./http_head.ts";
import type { PreparedResponse } from "./prepared_block.ts";

/** The version line of every record. */
export const WARC_VERSION = "WARC/1.1";
/** The profile of a revisit record whose payload equals an earlier one. */
export const REVISIT_PROFILE =
  "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

const CRLF = "\r\n";
/** The digest of no bytes: a GET request's payload. */
const EMPTY_DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ";
const NO_BYTES = new Uint8Array(0);
/** The CRLF CRLF that ends every record, after its block. */
export const RECORD_END: Uint8Array = new Uint8Array([13, 10, 13, 10]);
const utf8 = new TextEncoder();

/** A record before serialization. */
export interface WarcRecord {
  /** The named fields, in order; `Content-Length` is added when serialized. */
  fields: [string, string][];
  /** The block, in parts (none when `deflated` holds it). */
  block: Uint8Array[];
  /**
   * The block and {@linkcode RECORD_END}, compressed already: one raw
   * deflate run ending in a sync flush (see `prepareBlock`).
   */
  deflated?: DeflatedRun;
}

/** An archived payload a later identical one refers to. */
export interface Original {
  /** Its record id. */
  id: string;
  /** Its target URI. */
  uri: string;
  /** Its `WARC-Date`. */
  date: string;
}

/**
 * A `WARC-Date`: UTC, to the second.
 *
 * @example
 * ```ts
 * import { warcDate } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(warcDate(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), "2026-01-02T03:04:05Z");
 * ```
 *
 * @param ms Epoch milliseconds.
 * @returns The date.
 */
export function warcDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastDate.second) {
    // A crawl dates thousands of records a second: format each second once.
    lastDate = {
      second,
      text: new Date(second * 1000).toISOString().slice(0, 19) + "Z",
    };
  }
  return lastDate.text;
}

let lastDate = { second: NaN, text: "" };

/**
 * A new `WARC-Record-ID`.
 *
 * @example
 * ```ts
 * import { recordId } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(recordId(), /^<urn:uuid:[0-9a-f-]{36}>$/);
 * ```
 *
 * @returns `<urn:uuid:…>`.
 */
export function recordId(): string {
  return `<urn:uuid:${randomUUID()}>`;
}

/**
 * A record's bytes, in parts: the version line and fields (with
 * `Content-Length`), the block, and the closing CRLF CRLF.
 *
 * @example
 * ```ts
 * import { serializeRecord } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const parts = serializeRecord({ fields: [["WARC-Type", "resource"]], block: [new Uint8Array([65])] });
 * const text = parts.map((p) => new TextDecoder().decode(p)).join("");
 * assert.equal(text, "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 1\r\n\r\nA\r\n\r\n");
 * ```
 *
 * @param record The record.
 * @returns Its bytes, in order.
 */
export function serializeRecord(record: WarcRecord): Uint8Array[] {
  return [recordHead(record), ...record.block, RECORD_END];
}

/**
 * A record's version line and fields, with `Content-Length` (the block's
 * length), and the blank line before the block.
 *
 * @example
 * ```ts
 * import { recordHead } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const head = recordHead({ fields: [["WARC-Type", "resource"]], block: [new Uint8Array(3)] });
 * assert.equal(new TextDecoder().decode(head), "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 3\r\n\r\n");
 * ```
 *
 * @param record The record.
 * @returns The head's bytes.
 */
export function recordHead(record: WarcRecord): Uint8Array {
  const b = new ByteBuilder(512);
  writeRecordHead(b, record);
  return b.copy();
}

/**
 * Writes {@linkcode recordHead} into `out`, where it goes, without making
 * it a string first.
 *
 * @example
 * ```ts
 * import { ByteBuilder } from "./byte_builder.ts";
 * import { writeRecordHead } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const out = new ByteBuilder();
 * writeRecordHead(out, { fields: [["WARC-Type", "resource"]], block: [new Uint8Array(3)] });
 * assert.equal(new TextDecoder().decode(out.view()), "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 3\r\n\r\n");
 * ```
 *
 * @param out Where to write.
 * @param record The record.
 */
export function writeRecordHead(out: ByteBuilder, record: WarcRecord): void {
  let length = record.deflated
    ? record.deflated.length - RECORD_END.byteLength
    : 0;
  for (const part of record.block) length += part.byteLength;
  let head = WARC_VERSION + CRLF;
  for (const [name, value] of record.fields) {
    head += `${name}: ${oneLine(value)}${CRLF}`;
  }
  out.utf8(`${head}Content-Length: ${length}${CRLF}${CRLF}`);
}

/**
 * The `warcinfo` record that opens a file.
 *
 * @example
 * ```ts
 * import { warcinfoRecord } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const r = warcinfoRecord("<urn:uuid:1>", "a-00000.warc.gz", Date.now(), [["software", "trawl"]]);
 * assert.deepEqual(r.fields[0], ["WARC-Type", "warcinfo"]);
 * ```
 *
 * @param id Its record id.
 * @param filename The file's name.
 * @param date When the file was started, epoch ms.
 * @param info The `application/warc-fields` lines.
 * @returns The record.
 */
export function warcinfoRecord(
  id: string,
  filename: string,
  date: number,
  info: readonly [string, string][],
): WarcRecord {
  const body = utf8.encode(
    info.map(([k, v]) => `${k}: ${oneLine(v)}${CRLF}`).join(""),
  );
  return {
    fields: [
      ["WARC-Type", "warcinfo"],
      ["WARC-Record-ID", id],
      ["WARC-Date", warcDate(date)],
      ["WARC-Filename", filename],
      ["Content-Type", "application/warc-fields"],
      ["WARC-Block-Digest", new Sha1().update(body).digest()],
    ],
    block: [body],
  };
}

/** The ids and context a pair of exchange records is written with. */
export interface PairIds {
  /** The request record's id. */
  request: string;
  /** The response (or revisit) record's id. */
  response: string;
  /** The id of the file's `warcinfo` record. */
  warcinfo: string;
}

/**
 * The `request` record of an exchange.
 *
 * @example
 * ```ts
 * import { requestRecord } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const r = requestRecord({
 *   url: "http://a.test/x?y", method: "GET", requestHeaders: [["host", "a.test"]],
 *   date: 0, status: 200, statusText: "OK", responseHeaders: [], body: new Uint8Array(), truncated: false,
 * }, { request: "<urn:uuid:1>", response: "<urn:uuid:2>", warcinfo: "<urn:uuid:0>" });
 * assert.equal(new TextDecoder().decode(r.block[0]), "GET /x?y HTTP/1.1\r\nhost: a.test\r\n\r\n");
 * ```
 *
 * @param ex The exchange.
 * @param ids The pair's ids.
 * @returns The record.
 */
export function requestRecord(ex: Exchange, ids: PairIds): WarcRecord {
  const block = requestHead(ex);
  const digest = new Sha1().update(block).digest();
  const fields = common(ex, "request", ids.request, ids.response, ids.warcinfo);
  fields.push(
    ["WARC-Payload-Digest", EMPTY_DIGEST],
    ["WARC-Block-Digest", digest],
    ["Content-Type", "application/http;msgtype=request"],
  );
  return { fields, block: [block] };
}

/**
 * The `response` record of an exchange, its body in place (not copied), or
 * its block as the parse worker prepared it. A body lost with a parse
 * worker that ended (see {@linkcode bodyLost}) is written as an empty
 * payload marked `WARC-Truncated: unspecified`.
 *
 * @example
 * ```ts
 * import { responseRecord } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const r = responseRecord({
 *   url: "http://a.test/", method: "GET", requestHeaders: [], date: 0,
 *   status: 200, statusText: "OK", responseHeaders: [], body: new Uint8Array(3), truncated: true,
 * }, { request: "<urn:uuid:1>", response: "<urn:uuid:2>", warcinfo: "<urn:uuid:0>" }, "sha1:X");
 * assert.ok(r.fields.some(([k, v]) => k === "WARC-Truncated" && v === "length"));
 * ```
 *
 * @param ex The exchange.
 * @param ids The pair's ids.
 * @param payloadDigest The body's digest.
 * @param prepared The block hashed and compressed already, if it was.
 * @returns The record.
 */
export function responseRecord(
  ex: Exchange,
  ids: PairIds,
  payloadDigest: string,
  prepared?: PreparedResponse,
): WarcRecord {
  const head = prepared?.head ?? responseHead(ex);
  const body = storedBody(ex);
  const digest = prepared?.blockDigest ??
    new Sha1().update(head).update(body).digest();
  const fields = common(
    ex,
    "response",
    ids.response,
    ids.request,
    ids.warcinfo,
  );
  fields.push(
    ["WARC-Payload-Digest", payloadDigest],
    ["WARC-Block-Digest", digest],
  );
  if (ex.truncated) fields.push(["WARC-Truncated", "length"]);
  else if (!prepared && bodyLost(ex)) {
    fields.push(["WARC-Truncated", "unspecified"]);
  }
  fields.push(["Content-Type", "application/http;msgtype=response"]);
  if (!prepared) return { fields, block: [head, body] };
  const { deflated: bytes, crc, length } = prepared;
  const run = { bytes, crc, length: length + RECORD_END.byteLength };
  return { fields, block: [], deflated: run };
}

/**
 * Whether an exchange's body is gone: handed to the parse worker, which
 * ended before it sent back the WARC block it makes of it.
 */
function bodyLost(ex: Exchange): boolean {
  return (ex.body.buffer as ArrayBuffer).detached === true;
}

/**
 * The body an exchange's response record holds: none when it was lost
 * (see {@linkcode bodyLost}).
 *
 * @example
 * ```ts
 * import { storedBody } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const ex = { body: new Uint8Array(3) } as Parameters<typeof storedBody>[0];
 * assert.equal(storedBody(ex).byteLength, 3);
 * ```
 *
 * @param ex The exchange.
 * @returns Its body, or no bytes.
 */
export function storedBody(ex: Exchange): Uint8Array {
  return bodyLost(ex) ? NO_BYTES : ex.body;
}

/**
 * The `revisit` record of an exchange whose payload was archived before:
 * the HTTP head only, pointing at the original.
 *
 * @example
 * ```ts
 * import { REVISIT_PROFILE, revisitRecord } from "./warc_record.ts";
 * import assert from "node:assert/strict";
 *
 * const r = revisitRecord({
 *   url: "http://a.test/b", method: "GET", requestHeaders: [], date: 0,
 *   status: 200, statusText: "OK", responseHeaders: [], body: new Uint8Array(3), truncated: false,
 * }, { request: "<urn:uuid:1>", response: "<urn:uuid:2>", warcinfo: "<urn:uuid:0>" }, "sha1:X", {
 *   id: "<urn:uuid:9>", uri: "http://a.test/a", date: "2026-01-01T00:00:00Z",
 * });
 * assert.ok(r.fields.some(([k, v]) => k === "WARC-Profile" && v === REVISIT_PROFILE));
 * ```
 *
 * @param ex The exchange.
 * @param ids The pair's ids.
 * @param payloadDigest The body's digest (the original's too).
 * @param original The record holding the payload.
 * @param head The response's HTTP head, if made already.
 * @returns The record.
 */
export function revisitRecord(
  ex: Exchange,
  ids: PairIds,
  payloadDigest: string,
  original: Original,
  head: Uint8Array = responseHead(ex),
): WarcRecord {
  return {
    fields: [
      ...common(ex, "revisit", ids.response, ids.request, ids.warcinfo),
      ["WARC-Profile", REVISIT_PROFILE],
      ["WARC-Refers-To", original.id],
      ["WARC-Refers-To-Target-URI", original.uri],
      ["WARC-Refers-To-Date", original.date],
      ["WARC-Payload-Digest", payloadDigest],
      ["WARC-Block-Digest", new Sha1().update(head).digest()],
      ["Content-Type", "application/http;msgtype=response"],
    ],
    block: [head],
  };
}

/** The fields every exchange record starts with. */
function common(
  ex: Exchange,
  type: string,
  id: string,
  concurrent: string,
  warcinfo: string,
): [string, string][] {
  const fields: [string, string][] = [
    ["WARC-Type", type],
    ["WARC-Record-ID", id],
    ["WARC-Date", warcDate(ex.date)],
    ["WARC-Target-URI", ex.url],
    ["WARC-Concurrent-To", concurrent],
  ];
  if (ex.ip !== undefined) fields.push(["WARC-IP-Address", ex.ip]);
  fields.push(["WARC-Warcinfo-ID", warcinfo]);
  return fields;
}
