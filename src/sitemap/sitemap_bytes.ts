/**
 * The bytes of a sitemap: gzip recognised by its magic bytes and inflated
 * as a stream, a few KiB at a time, with every decoded byte counted, so a
 * gzip bomb stops at the cap with bounded memory.
 *
 * @module
 */
import { SITEMAP_LIMITS } from "./limits.ts";

/** What {@linkcode sitemapBytes} found out while it read. */
export interface ByteReport {
  /** The file was gzip (it began with the bytes `1f 8b`). */
  gzip: boolean;
  /** Decompressed bytes read. */
  bytes: number;
  /** The file had more than `maxBytes` decompressed bytes: the rest was cut. */
  cutBytes: boolean;
  /** Why the data ended early (bad gzip data): what came before was kept. */
  damaged?: string;
}

/**
 * Whether `head` starts with the gzip magic bytes.
 *
 * @example Gzip is recognised by its bytes
 * ```ts
 * import { isGzip } from "./sitemap_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isGzip(new Uint8Array([0x1f, 0x8b, 8])), true);
 * assert.equal(isGzip(new TextEncoder().encode("<?xml")), false);
 * ```
 *
 * @param head The first bytes of a file.
 * @returns `true` for gzip.
 */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Yields the decompressed bytes of `body`, at most `maxBytes` of them, and
 * fills `report` as it goes. Bad gzip data ends the bytes (noted in
 * `report.damaged`) without an error; only `signal` rejects. Breaking out
 * of the loop cancels `body`.
 *
 * @example A gzipped file, read back
 * ```ts
 * import { type ByteReport, sitemapBytes } from "./sitemap_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const gz = new Blob(["hello"]).stream()
 *   .pipeThrough(new CompressionStream("gzip"));
 * const report: ByteReport = { gzip: false, bytes: 0, cutBytes: false };
 * let text = "";
 * for await (const chunk of sitemapBytes(gz, 1024, report)) {
 *   text += new TextDecoder().decode(chunk);
 * }
 * assert.equal(text, "hello");
 * assert.equal(report.gzip, true);
 * ```
 *
 * @param body The file's bytes (after any `Content-Encoding`).
 * @param maxBytes Decompressed bytes read at most.
 * @param report Filled in while reading.
 * @param signal Stops reading (the generator then throws its reason).
 * @returns The decompressed bytes, chunk by chunk.
 */
export async function* sitemapBytes(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  report: ByteReport,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  try {
    let head: Uint8Array = new Uint8Array(0);
    while (head.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      head = head.length === 0 ? value : concat(head, value);
    }
    report.gzip = isGzip(head);
    const source = prepend(head, reader);
    const chunks = report.gzip ? inflate(source) : source;
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      const room = maxBytes - report.bytes;
      if (chunk.length > room) {
        report.bytes = maxBytes;
        report.cutBytes = true;
        if (room > 0) yield chunk.subarray(0, room);
        return;
      }
      report.bytes += chunk.length;
      yield chunk;
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    report.damaged = err instanceof Error ? err.message : String(err);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** `head`, then the rest of `reader`. */
async function* prepend(
  head: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (head.length > 0) yield head;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    yield value;
  }
}

/** `source` in pieces of at most `size` bytes (views, not copies). */
async function* slices(
  source: AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += size) {
      yield chunk.subarray(i, i + size);
    }
  }
}

/**
 * Gunzips `source`, feeding the decoder small slices: it inflates each
 * write whole, so a slice bounds the chunk it makes.
 */
async function* inflate(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const gunzip = new DecompressionStream("gzip") as TransformStream<
    Uint8Array,
    Uint8Array
  >;
  const reader = ReadableStream.from(
    slices(source, SITEMAP_LIMITS.inflateSlice),
  ).pipeThrough(gunzip).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
