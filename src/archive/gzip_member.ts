/**
 * One gzip member (RFC 1952) made of many parts, compressed in bounded
 * segments: each segment is a raw deflate stream ended by a sync flush, so
 * the segments join into one deflate stream; a final empty block and the
 * CRC-32 and length close the member. A 10 MiB body is thus compressed a
 * segment at a time, never copied whole, with the native zlib of
 * `node:zlib`.
 *
 * @module
 */
import zlib from "node:zlib";
import { ByteBuilder } from "./byte_builder.ts";
import { crc32Combine } from "./crc32_combine.ts";
import { deflateRaw } from "./raw_deflate.ts";

/** Uncompressed bytes per deflate segment. */
export const SEGMENT_BYTES = 1 << 20;

/**
 * Members of at most this many bytes are stored, not compressed: a request
 * record gains little from deflate, and starting one costs more than the
 * bytes it saves are worth.
 */
export const STORED_BYTES = 2048;

/** ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown). */
const HEADER = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** A final, empty, fixed-Huffman deflate block. */
const FINAL_BLOCK = new Uint8Array([0x03, 0x00]);
/**
 * The CRC-32 of `data` after the bytes whose CRC-32 is `value` (zlib's,
 * which `node:zlib` has but does not type).
 *
 * @example
 * ```ts
 * import { crc32 } from "./gzip_member.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(crc32(new TextEncoder().encode("hello")), 0x3610a686);
 * ```
 */
export const crc32: (data: Uint8Array, value?: number) => number = (
  zlib as unknown as { crc32(data: Uint8Array, value?: number): number }
).crc32;

/**
 * Compresses `parts`, in order, into one gzip member, yielding its bytes in
 * chunks: the header, one chunk per segment of at most
 * {@linkcode SEGMENT_BYTES} input bytes (small parts are joined into one
 * segment, a large part is cut into several without copying), and the
 * trailer. Concatenated, the chunks are the member. A member of at most
 * {@linkcode STORED_BYTES} is one stored (uncompressed) deflate block.
 *
 * @example Round trip
 * ```ts
 * import { gzipMember } from "./gzip_member.ts";
 * import { gunzipSync } from "node:zlib";
 * import assert from "node:assert/strict";
 *
 * const enc = new TextEncoder();
 * const chunks = [...gzipMember([enc.encode("hello "), enc.encode("world")])];
 * const member = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
 * let at = 0;
 * for (const c of chunks) member.set(c, (at += c.length) - c.length);
 * assert.equal(new TextDecoder().decode(gunzipSync(member)), "hello world");
 * ```
 *
 * @param parts The uncompressed bytes, in parts.
 * @returns The member's bytes, chunk by chunk.
 */
export function* gzipMember(
  parts: readonly Uint8Array[],
): Generator<Uint8Array, void, undefined> {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  if (total <= STORED_BYTES) {
    yield stored(parts, total);
    return;
  }
  let crc = 0;
  let length = 0;
  yield HEADER;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = (): Uint8Array => {
    const out = deflateRaw(pending);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  for (const part of parts) {
    crc = crc32(part, crc);
    length += part.byteLength;
    for (let at = 0; at < part.byteLength;) {
      const take = Math.min(part.byteLength - at, SEGMENT_BYTES - pendingBytes);
      pending.push(
        take === part.byteLength ? part : part.subarray(at, at + take),
      );
      pendingBytes += take;
      at += take;
      if (pendingBytes === SEGMENT_BYTES) yield flush();
    }
  }
  if (pendingBytes > 0) yield flush();
  yield trailer(crc, length);
}

/**
 * Compresses `parts`, in order, into one raw deflate run ended by a sync
 * flush, in a buffer of its own (so it can be transferred): a segment that
 * {@linkcode preparedMember} later puts into a gzip member.
 *
 * @example
 * ```ts
 * import { deflateSegment } from "./gzip_member.ts";
 * import { constants, inflateRawSync } from "node:zlib";
 * import assert from "node:assert/strict";
 *
 * const segment = deflateSegment([new TextEncoder().encode("hello")]);
 * assert.equal(segment.byteLength, segment.buffer.byteLength);
 * assert.equal(new TextDecoder().decode(inflateRawSync(segment, { finishFlush: constants.Z_SYNC_FLUSH })), "hello");
 * ```
 *
 * @param parts The bytes, in parts, at most {@linkcode SEGMENT_BYTES} in all.
 * @returns The deflate run.
 * @throws {RangeError} When the parts hold more than a segment.
 */
export function deflateSegment(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  if (total > SEGMENT_BYTES) {
    throw new RangeError(
      `Cannot deflate a segment as its parts must hold at most ${SEGMENT_BYTES} bytes: current value is ${total}`,
    );
  }
  return deflateRaw(parts);
}

/**
 * Bytes compressed already (by {@linkcode deflateSegment}, perhaps on
 * another thread), with what a gzip trailer needs to know of them.
 */
export interface DeflatedRun {
  /** The raw deflate run, ended by a sync flush. */
  bytes: Uint8Array;
  /** The CRC-32 of the bytes it holds. */
  crc: number;
  /** How many bytes it holds. */
  length: number;
}

/**
 * Writes one whole gzip member into `out`, when it can be done without
 * compressing anything here: first the bytes `writeHead` writes (into
 * `out` itself, so they need no buffer of their own), stored, then `rest`:
 * bytes stored too, when the member is at most {@linkcode STORED_BYTES}, or
 * a {@linkcode DeflatedRun} (then a head too long for a stored block,
 * 65,535 bytes, is compressed here).
 *
 * @example A member with a stored head and a compressed rest
 * ```ts
 * import { ByteBuilder } from "./byte_builder.ts";
 * import { crc32, deflateSegment, writeMember } from "./gzip_member.ts";
 * import { gunzipSync } from "node:zlib";
 * import assert from "node:assert/strict";
 *
 * const rest = new TextEncoder().encode(" world");
 * const run = { bytes: deflateSegment([rest]), crc: crc32(rest), length: rest.byteLength };
 * const out = new ByteBuilder();
 * assert.ok(writeMember(out, (o) => o.utf8("hello"), run));
 * assert.equal(new TextDecoder().decode(gunzipSync(out.view())), "hello world");
 * ```
 *
 * @param out Where the member goes, after what it holds.
 * @param writeHead Writes the first bytes into `out`.
 * @param rest The bytes after them: in parts, or compressed already.
 * @returns Whether the member was written; if not (parts too many bytes
 * to store), `out` is as it was.
 */
export function writeMember(
  out: ByteBuilder,
  writeHead: (out: ByteBuilder) => void,
  rest: readonly Uint8Array[] | DeflatedRun,
): boolean {
  const start = out.length;
  out.bytes(HEADER);
  const block = out.skip(5);
  writeHead(out);
  const head = out.length - block - 5;
  const run = "bytes" in rest ? rest : undefined;
  const parts = run ? [] : rest as readonly Uint8Array[];
  let length = head + (run?.length ?? 0);
  for (const part of parts) length += part.byteLength;
  if (!run && length > STORED_BYTES) {
    out.truncate(start);
    return false;
  }
  let crc = crc32(out.view(block + 5));
  for (const part of parts) {
    crc = crc32(part, crc);
    out.bytes(part);
  }
  if (run && head > MAX_STORED) {
    // Too long for a stored block: compressed here instead.
    const compressed = deflateRaw([out.view(block + 5)]);
    out.truncate(block);
    out.bytes(compressed);
  } else storedBlockHeader(out.view(block), 0, run ? head : length, !run);
  if (run) {
    crc = crc32Combine(crc, run.crc, run.length);
    out.bytes(run.bytes).bytes(FINAL_BLOCK);
  }
  out.uint32le(crc >>> 0).uint32le(length >>> 0);
  return true;
}

/** The largest stored deflate block. */
const MAX_STORED = 0xffff;

/** Writes a stored block's header (BFINAL, BTYPE=00, LEN, NLEN) at `at`. */
function storedBlockHeader(
  out: Uint8Array,
  at: number,
  length: number,
  final: boolean,
): void {
  out[at] = final ? 1 : 0;
  out[at + 1] = length & 0xff;
  out[at + 2] = length >>> 8;
  out[at + 3] = ~length & 0xff;
  out[at + 4] = (~length >>> 8) & 0xff;
}

/** The final empty block, then the CRC-32 and the length, little-endian. */
function trailer(crc: number, length: number): Uint8Array {
  const out = new Uint8Array(FINAL_BLOCK.length + 8);
  out.set(FINAL_BLOCK);
  const view = new DataView(out.buffer);
  view.setUint32(FINAL_BLOCK.length, crc >>> 0, true);
  view.setUint32(FINAL_BLOCK.length + 4, length >>> 0, true);
  return out;
}

/** A whole member holding `parts` in one stored deflate block. */
function stored(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new ByteBuilder(HEADER.length + 5 + total + 8);
  writeMember(out, () => {}, parts);
  return out.view();
}

/**
 * Concatenates byte arrays into one.
 *
 * @example
 * ```ts
 * import { join } from "./gzip_member.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(join([new Uint8Array([1]), new Uint8Array([2, 3])]), new Uint8Array([1, 2, 3]));
 * ```
 *
 * @param chunks The arrays, in order.
 * @returns One array holding them all.
 */
export function join(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
