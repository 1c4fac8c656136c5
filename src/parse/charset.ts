/**
 * Character encoding detection and decoding of HTML bodies.
 *
 * @module
 */

/** Where {@linkcode detectCharset} found the encoding. */
export type CharsetSource = "bom" | "header" | "meta" | "default";

/** The encoding of an HTML body and where it came from. */
export interface CharsetDetection {
  /** The WHATWG encoding name, e.g. `"utf-8"`, `"windows-1251"`. */
  charset: string;
  /** Which source named it. */
  source: CharsetSource;
}

/** A decoded HTML body. */
export interface DecodedHtml {
  /** The text, with any byte order mark removed. */
  text: string;
  /** The WHATWG encoding name used to decode it. */
  charset: string;
}

/** How many leading bytes the `<meta>` prescan looks at. */
const PRESCAN_BYTES = 1024;
/** Bound on the label cache (labels come from the wild). */
const MAX_CACHED_LABELS = 256;

const encodingByLabel = new Map<string, string | undefined>();
const decoders = new Map<string, TextDecoder>();
const latin1 = new TextDecoder("latin1");

/** The WHATWG encoding name for `label`, or `undefined` if unsupported. */
function encodingFor(label: string): string | undefined {
  const key = label.trim().toLowerCase();
  if (key === "" || key.length > 64) return undefined;
  if (encodingByLabel.has(key)) return encodingByLabel.get(key);
  let encoding: string | undefined;
  try {
    encoding = new TextDecoder(key).encoding;
  } catch {
    encoding = undefined; // unknown label, or the "replacement" encoding
  }
  if (encodingByLabel.size < MAX_CACHED_LABELS) {
    encodingByLabel.set(key, encoding);
  }
  return encoding;
}

const HEADER_CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s"']+))/i;
const CONTENT_CHARSET = /charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s"']+))/i;
const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const META_TAG = /<meta[\s/][^>]*>?/gi;
const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]+)))?/g;

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return "utf-8";
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  return undefined;
}

function headerEncoding(
  contentType: string | null | undefined,
): string | undefined {
  if (typeof contentType !== "string") return undefined;
  const match = HEADER_CHARSET.exec(contentType);
  if (match === null) return undefined;
  return encodingFor(match[1] ?? match[2] ?? match[3]);
}

/** The encoding a `<meta>` tag's attributes declare, if valid. */
function metaTagEncoding(tag: string): string | undefined {
  let charset: string | undefined;
  let httpEquiv: string | undefined;
  let content: string | undefined;
  ATTRIBUTE.lastIndex = 5; // after "<meta"
  for (let m = ATTRIBUTE.exec(tag); m !== null; m = ATTRIBUTE.exec(tag)) {
    const name = m[1].toLowerCase();
    const value = m[2] ?? m[3] ?? m[4] ?? "";
    if (name === "charset") charset ??= value;
    else if (name === "http-equiv") httpEquiv ??= value;
    else if (name === "content") content ??= value;
  }
  let label = charset;
  if (
    label === undefined && content !== undefined &&
    httpEquiv?.trim().toLowerCase() === "content-type"
  ) {
    const match = CONTENT_CHARSET.exec(content);
    if (match !== null) label = match[1] ?? match[2] ?? match[3];
  }
  if (label === undefined) return undefined;
  const encoding = encodingFor(label);
  // HTML: a meta that could be read as ASCII cannot mean UTF-16.
  if (encoding === "utf-16le" || encoding === "utf-16be") return "utf-8";
  if (encoding === "x-user-defined") return "windows-1252";
  return encoding;
}

function metaEncoding(bytes: Uint8Array): string | undefined {
  const prefix = latin1.decode(bytes.subarray(0, PRESCAN_BYTES));
  if (prefix.indexOf("<") === -1) return undefined;
  const text = prefix.indexOf("<!--") === -1
    ? prefix
    : prefix.replace(COMMENT, "");
  for (const [tag] of text.matchAll(META_TAG)) {
    const encoding = metaTagEncoding(tag);
    if (encoding !== undefined) return encoding;
  }
  return undefined;
}

/**
 * Detects the character encoding of an HTML body, in the order browsers
 * use: a byte order mark (UTF-8, UTF-16LE, UTF-16BE), then the
 * `Content-Type` header's `charset=` parameter, then a `<meta charset>` or
 * `<meta http-equiv="Content-Type" content="...; charset=...">` in the
 * first 1024 bytes (outside comments), then UTF-8.
 *
 * Labels are resolved as `TextDecoder` does (`"latin1"` →
 * `"windows-1252"`, `"sjis"` → `"shift_jis"`); a label it rejects falls
 * through to the next source. As in HTML, a `<meta>` naming UTF-16 means
 * UTF-8. Never throws.
 *
 * @example Usage
 * ```ts
 * import { detectCharset } from "./charset.ts";
 * import assert from "node:assert/strict";
 *
 * const html = new TextEncoder().encode('<meta charset="koi8-r"><p>hi');
 * assert.deepEqual(detectCharset(html), { charset: "koi8-r", source: "meta" });
 * assert.deepEqual(
 *   detectCharset(html, "text/html; charset=Windows-1251"),
 *   { charset: "windows-1251", source: "header" },
 * );
 * ```
 *
 * @param bytes The body, or at least its first 1024 bytes.
 * @param contentType The response's `Content-Type` header, if any.
 * @returns The WHATWG encoding name and its source.
 */
export function detectCharset(
  bytes: Uint8Array,
  contentType?: string | null,
): CharsetDetection {
  const bom = bomEncoding(bytes);
  if (bom !== undefined) return { charset: bom, source: "bom" };
  const header = headerEncoding(contentType);
  if (header !== undefined) return { charset: header, source: "header" };
  const meta = metaEncoding(bytes);
  if (meta !== undefined) return { charset: meta, source: "meta" };
  return { charset: "utf-8", source: "default" };
}

/**
 * Decodes an HTML body with the encoding {@linkcode detectCharset} finds.
 * Malformed bytes become U+FFFD; a byte order mark matching the encoding is
 * removed. Never throws.
 *
 * @example Usage
 * ```ts
 * import { decodeHtml } from "./charset.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]);
 * assert.deepEqual(decodeHtml(bytes, "text/html; charset=windows-1251"), {
 *   text: "Привет",
 *   charset: "windows-1251",
 * });
 * ```
 *
 * @param bytes The body.
 * @param contentType The response's `Content-Type` header, if any.
 * @returns The text and the encoding used.
 */
export function decodeHtml(
  bytes: Uint8Array,
  contentType?: string | null,
): DecodedHtml {
  const { charset } = detectCharset(bytes, contentType);
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    decoder = new TextDecoder(charset, { fatal: false, ignoreBOM: false });
    decoders.set(charset, decoder);
  }
  return { text: decoder.decode(bytes), charset };
}
