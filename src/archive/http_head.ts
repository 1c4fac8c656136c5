/**
 * The HTTP head of a stored exchange: the bytes of a status line or request
 * line and its header lines, as a WARC record's block starts with them.
 *
 * A response is stored as Deno's `fetch` hands it over: the body decoded
 * (`Content-Encoding` undone) and de-chunked, so the headers that described
 * the wire form are renamed `x-orig-content-encoding` and
 * `x-orig-transfer-encoding` (and a `content-length` that no longer holds,
 * `x-orig-content-length`), and `content-length` gives the stored body's
 * length: the record replays as it is, and its digests match its bytes.
 * `fetch` hides the HTTP version; the status line says `HTTP/1.1`.
 *
 * Header values are written as the bytes they stand for (Latin-1), each
 * on one line. This module depends only on the byte builder, so the crawl
 * loads it (to hand a page's head to the parse worker with its body)
 * without the archive's writer.
 *
 * @module
 */
import { ByteBuilder } from "./byte_builder.ts";
import type { Exchange } from "./exchange.ts";

const CRLF = "\r\n";
/** Where a head is put together (synchronously) before it is copied out. */
const scratch = new ByteBuilder(1024);
/** Response headers describing the wire form, renamed `x-orig-…`. */
const WIRE_HEADERS = new Set(["content-encoding", "transfer-encoding"]);

/**
 * The HTTP head of a stored response: the status line and headers, the
 * wire-form headers renamed (see the module notes), then a blank line.
 *
 * @example A gzip response, stored decoded
 * ```ts
 * import { responseHead } from "./http_head.ts";
 * import assert from "node:assert/strict";
 *
 * const head = responseHead({
 *   url: "http://a.test/", method: "GET", requestHeaders: [], date: 0,
 *   status: 200, statusText: "OK", truncated: false, body: new Uint8Array(5),
 *   responseHeaders: [["content-encoding", "gzip"], ["content-length", "25"]],
 * });
 * assert.equal(
 *   new TextDecoder().decode(head),
 *   "HTTP/1.1 200 OK\r\nx-orig-content-encoding: gzip\r\nx-orig-content-length: 25\r\ncontent-length: 5\r\n\r\n",
 * );
 * ```
 *
 * @param ex The exchange.
 * @returns The head's bytes.
 */
export function responseHead(ex: Exchange): Uint8Array {
  const reason = ex.statusText === "" ? "" : ` ${oneLine(ex.statusText)}`;
  let head = `HTTP/1.1 ${ex.status}${reason}${CRLF}`;
  let length: string | undefined;
  for (const [name, value] of ex.responseHeaders) {
    if (name === "content-length") length = value;
    else {
      const stored = WIRE_HEADERS.has(name) ? `x-orig-${name}` : name;
      head += `${stored}: ${oneLine(value)}${CRLF}`;
    }
  }
  const actual = String(ex.body.byteLength);
  if (length !== undefined && length !== actual) {
    head += `x-orig-content-length: ${oneLine(length)}${CRLF}`;
  }
  head += `content-length: ${actual}${CRLF}${CRLF}`;
  return bytesOf(head);
}

/**
 * The HTTP head of a request as sent: the request line (`HTTP/1.1`) and the
 * header lines, then a blank line.
 *
 * @example
 * ```ts
 * import { requestHead } from "./http_head.ts";
 * import assert from "node:assert/strict";
 *
 * const head = requestHead({
 *   url: "http://a.test/x?y", method: "GET", requestHeaders: [["host", "a.test"]],
 *   date: 0, status: 200, statusText: "OK", responseHeaders: [], body: new Uint8Array(), truncated: false,
 * });
 * assert.equal(new TextDecoder().decode(head), "GET /x?y HTTP/1.1\r\nhost: a.test\r\n\r\n");
 * ```
 *
 * @param ex The exchange.
 * @returns The head's bytes.
 */
export function requestHead(ex: Exchange): Uint8Array {
  let head = `${ex.method} ${target(ex.url)} HTTP/1.1${CRLF}`;
  for (const [name, value] of ex.requestHeaders) {
    head += `${name}: ${oneLine(value)}${CRLF}`;
  }
  return bytesOf(head + CRLF);
}

/**
 * The request target of an absolute URL: its path and query as `fetch`
 * sends them (an empty query keeps its `?`), read off the text (parsing the
 * URL again cost more than the rest of the head). Neither the user info
 * nor the host of a serialized URL holds a `/`, so the path starts at the
 * first `/` after `//`.
 */
function target(url: string): string {
  const authority = url.indexOf("//");
  const path = authority < 0 ? -1 : url.indexOf("/", authority + 2);
  if (path < 0) {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  }
  const fragment = url.indexOf("#", path);
  return fragment < 0 ? url.slice(path) : url.slice(path, fragment);
}

/** A head's bytes (Latin-1), in a buffer of their own. */
function bytesOf(head: string): Uint8Array {
  scratch.reset();
  return scratch.latin1(head).copy();
}

/**
 * A value on one line: CR and LF become spaces.
 *
 * @example
 * ```ts
 * import { oneLine } from "./http_head.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(oneLine("a\r\nb"), "a  b");
 * ```
 *
 * @param value A header or field value.
 * @returns It on one line.
 */
export function oneLine(value: string): string {
  return value.includes("\r") || value.includes("\n")
    ? value.replace(/[\r\n]/g, " ")
    : value;
}
