/**
 * Reads a `.warc.gz` file record by record, one gzip member each, and tells
 * where its last complete record ends: what a resumed crawl keeps of a file
 * a crash cut short.
 *
 * @module
 */
import { open } from "node:fs/promises";
import zlib from "node:zlib";

/** One record read back. */
export interface ReadRecord {
  /** Where its gzip member starts in the file. */
  offset: number;
  /** Its gzip member's length in the file. */
  length: number;
  /** The named fields, in order (names as written). */
  fields: [string, string][];
  /** The block. */
  block: Uint8Array;
}

/** What {@linkcode scanWarc} found. */
export interface ScanResult {
  /** Just past the last complete record: the file's valid length. */
  end: number;
  /** The file's length. */
  size: number;
  /** Complete records read. */
  records: number;
}

/** Bytes read at once; a record longer than this grows the window. */
const WINDOW = 16 << 20;
const crc32 = (zlib as unknown as {
  crc32(data: Uint8Array, value?: number): number;
}).crc32;
const latin1 = new TextDecoder("latin1");

/**
 * Reads the records of a `.warc.gz` file in order, calling `onRecord` for
 * each, and stops at the first member that is cut short or damaged (or at
 * the end): its offset is the file's valid length.
 *
 * @example Count the records of a file
 * ```ts ignore
 * import { scanWarc } from "./warc_reader.ts";
 *
 * const { records, end, size } = await scanWarc("crawl-00000.warc.gz", () => {});
 * console.log(records, size - end, "bytes past the last record");
 * ```
 *
 * @param path The file.
 * @param onRecord Called with each complete record.
 * @param options Cancels the scan.
 * @returns Where the valid part ends, and the file's size.
 */
export async function scanWarc(
  path: string,
  onRecord: (record: ReadRecord) => void,
  options: { signal?: AbortSignal } = {},
): Promise<ScanResult> {
  await using file = await openForReading(path);
  const size = (await file.handle.stat()).size;
  let offset = 0;
  let records = 0;
  let window: Uint8Array = new Uint8Array(0);
  let windowAt = 0;
  while (offset < size) {
    options.signal?.throwIfAborted();
    let member = readMember(window, offset - windowAt);
    while (member === "more" && windowAt + window.length < size) {
      const held = windowAt + window.length - offset;
      window = await file.read(
        offset,
        Math.min(Math.max(WINDOW, 2 * held), size - offset),
      );
      windowAt = offset;
      member = readMember(window, 0);
    }
    if (member === "more" || member === "bad") break;
    const record = parseRecord(member.content);
    if (record === undefined) break;
    onRecord({ offset, length: member.length, ...record });
    records++;
    offset += member.length;
  }
  return { end: offset, size, records };
}

/** A member at `at` in `bytes`: its content and length, or why not. */
function readMember(
  bytes: Uint8Array,
  at: number,
): { content: Uint8Array; length: number } | "more" | "bad" {
  const data = bytes.subarray(at);
  if (data.length < 18) return "more";
  if (data[0] !== 0x1f || data[1] !== 0x8b || data[2] !== 8) return "bad";
  const flags = data[3];
  let pos = 10;
  if (flags & 4) pos += 2 + (data[10] | (data[11] << 8));
  for (const flag of [8, 16]) { // a file name, a comment: zero-terminated
    if (flags & flag) {
      const zero = data.indexOf(0, pos);
      if (zero === -1) return "more";
      pos = zero + 1;
    }
  }
  if (flags & 2) pos += 2;
  if (pos > data.length) return "more";
  let result: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    result = zlib.inflateRawSync(data.subarray(pos), {
      info: true,
    }) as unknown as typeof result;
  } catch {
    return "more"; // cut short here (or damaged: the caller cannot tell)
  }
  const end = pos + result.engine.bytesWritten + 8;
  if (end > data.length) return "more";
  const view = new DataView(data.buffer, data.byteOffset + end - 8, 8);
  const content = result.buffer;
  if (
    view.getUint32(0, true) !== (crc32(content) >>> 0) ||
    view.getUint32(4, true) !== (content.length >>> 0)
  ) {
    return "bad";
  }
  return { content, length: end };
}

/** A record's fields and block, or `undefined` when it is not one. */
function parseRecord(
  content: Uint8Array,
): { fields: [string, string][]; block: Uint8Array } | undefined {
  const headEnd = indexOfCrlfCrlf(content);
  if (headEnd === -1) return undefined;
  const lines = latin1.decode(content.subarray(0, headEnd)).split("\r\n");
  if (!lines[0].startsWith("WARC/")) return undefined;
  const fields: [string, string][] = [];
  let length = -1;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    fields.push([name, value]);
    if (name.toLowerCase() === "content-length") length = Number(value);
  }
  const start = headEnd + 4;
  if (!(length >= 0) || start + length + 4 !== content.length) return undefined;
  return { fields, block: content.subarray(start, start + length) };
}

function indexOfCrlfCrlf(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(13); i !== -1; i = bytes.indexOf(13, i + 1)) {
    if (bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** An open file that reads ranges. */
async function openForReading(path: string) {
  const handle = await open(path, "r");
  return {
    handle,
    async read(position: number, length: number): Promise<Uint8Array> {
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(
          buffer,
          done,
          length - done,
          position + done,
        );
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    },
    async [Symbol.asyncDispose]() {
      await handle.close();
    },
  };
}

/**
 * The value of a record's field (the first, when repeated), by name in any
 * case.
 *
 * @example
 * ```ts
 * import { fieldOf } from "./warc_reader.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fieldOf([["WARC-Type", "response"]], "warc-type"), "response");
 * ```
 *
 * @param fields The record's fields.
 * @param name The field's name.
 * @returns Its value, if any.
 */
export function fieldOf(
  fields: readonly [string, string][],
  name: string,
): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of fields) if (k.toLowerCase() === lower) return v;
  return undefined;
}
