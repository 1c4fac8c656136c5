/**
 * A response record's block, hashed and compressed where the body already
 * is. A crawl that writes WARC files sends each page's HTTP head to the
 * parse worker with its body; the worker computes the payload and block
 * digests and compresses head, body and record end into one deflate run,
 * and the archive's writer, on the crawl's thread, only adds the record's
 * fields and the gzip framing (see `preparedMember`). Hashing and
 * compressing are most of what archiving a page costs, and the crawl's
 * thread is the busier one.
 *
 * @module
 */
import { Sha1 } from "./digest.ts";
import { crc32, deflateSegment, SEGMENT_BYTES } from "./gzip_member.ts";
import { RECORD_END } from "./warc_record.ts";

/** What the parse worker makes of a response's block. */
export interface PreparedBlock {
  /** The body's digest (`sha1:BASE32`). */
  payloadDigest: string;
  /** The block's digest: the HTTP head, then the body. */
  blockDigest: string;
  /**
   * The HTTP head, the body and the record's closing CRLF CRLF, as one
   * raw deflate run ended by a sync flush.
   */
  deflated: Uint8Array;
  /** The CRC-32 of what `deflated` holds. */
  crc: number;
  /** The block's length: the HTTP head's and the body's. */
  length: number;
}

/** A prepared block with the HTTP head it was made with. */
export interface PreparedResponse extends PreparedBlock {
  /** The HTTP head (see `responseHead`). */
  head: Uint8Array;
}

/**
 * Hashes and compresses a response's block, or gives up on a large one
 * (more than one deflate segment), which the writer compresses a segment
 * at a time instead.
 *
 * @example
 * ```ts
 * import { prepareBlock } from "./prepared_block.ts";
 * import { constants, inflateRawSync } from "node:zlib";
 * import assert from "node:assert/strict";
 *
 * const enc = new TextEncoder();
 * const block = prepareBlock(enc.encode("HTTP/1.1 200 OK\r\n\r\n"), enc.encode("hello world"))!;
 * assert.equal(block.payloadDigest, "sha1:FKXGYNOJJ7H3IFO35FPUBC445EPOQRXN");
 * assert.equal(
 *   new TextDecoder().decode(inflateRawSync(block.deflated, { finishFlush: constants.Z_SYNC_FLUSH })),
 *   "HTTP/1.1 200 OK\r\n\r\nhello world\r\n\r\n",
 * );
 * ```
 *
 * @param head The response's HTTP head.
 * @param body The body as stored.
 * @returns The digests and the deflate run, or `undefined` for a block
 * past {@linkcode SEGMENT_BYTES}.
 */
export function prepareBlock(
  head: Uint8Array,
  body: Uint8Array,
): PreparedBlock | undefined {
  if (!fitsPreparedBlock(head.byteLength, body.byteLength)) return undefined;
  const parts = [head, body, RECORD_END];
  let crc = 0;
  for (const part of parts) crc = crc32(part, crc);
  return {
    payloadDigest: new Sha1().update(body).digest(),
    blockDigest: new Sha1().update(head).update(body).digest(),
    deflated: deflateSegment(parts),
    crc: crc >>> 0,
    length: head.byteLength + body.byteLength,
  };
}

/**
 * Whether a response's block is prepared by {@linkcode prepareBlock} (one
 * deflate segment holds it), given its HTTP head's and body's lengths.
 *
 * @example
 * ```ts
 * import { fitsPreparedBlock } from "./prepared_block.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(fitsPreparedBlock(200, 30_000));
 * assert.ok(!fitsPreparedBlock(200, 2 ** 21));
 * ```
 *
 * @param headBytes The HTTP head's length.
 * @param bodyBytes The body's length.
 * @returns Whether it fits.
 */
export function fitsPreparedBlock(
  headBytes: number,
  bodyBytes: number,
): boolean {
  return headBytes + bodyBytes + RECORD_END.byteLength <= SEGMENT_BYTES;
}

/**
 * Adds the WARC block of a parsed page to what the parse returns, when the
 * page was sent with its HTTP head (`ParseInput.warcHead`) and fits.
 *
 * @example
 * ```ts
 * import { type PreparedBlock, withWarcBlock } from "./prepared_block.ts";
 * import assert from "node:assert/strict";
 *
 * const enc = new TextEncoder();
 * const page = withWarcBlock<{ warc?: PreparedBlock }>({}, enc.encode("HTTP/1.1 200 OK\r\n\r\n"), enc.encode("hi"));
 * assert.ok(page.warc?.blockDigest.startsWith("sha1:"));
 * assert.equal(withWarcBlock<{ warc?: PreparedBlock }>({}, undefined, enc.encode("hi")).warc, undefined);
 * ```
 *
 * @typeParam P The parsed page.
 * @param page The parsed page.
 * @param head The response's HTTP head, if the page goes into a WARC file.
 * @param body The page's body.
 * @returns `page`, with `warc` set when a block was made.
 */
export function withWarcBlock<P extends { warc?: PreparedBlock }>(
  page: P,
  head: Uint8Array | undefined,
  body: Uint8Array,
): P {
  if (head === undefined) return page;
  const block = prepareBlock(head, body);
  if (block !== undefined) page.warc = block;
  return page;
}
