/**
 * What a fetch reads of a response beyond its headers: the body rule (which
 * media types, how many bytes) and the validators of a conditional request.
 *
 * @module
 */

/** Media types that are parsed for links. */
const HTML_TYPES: ReadonlySet<string> = new Set([
  "text/html",
  "application/xhtml+xml",
]);

/** Which 2xx responses have their body read, and how much of it. */
export interface BodyRule {
  /**
   * Whether a 2xx response of this media type (lowercased, without
   * parameters; `undefined` when there is no `Content-Type`) has its body
   * read; the others end as `skipped: "content-type"`.
   */
  accepts(contentType: string | undefined): boolean;
  /** Decoded bytes read at most; `undefined` takes the fetcher's `maxBodyBytes`. */
  maxBytes?: number;
  /**
   * Keep the first `maxBytes` of a longer body (the outcome is then
   * `truncated`) instead of ending as `skipped: "too-large"`.
   */
  keepTruncated: boolean;
}

/**
 * The rule for pages: HTML (or no `Content-Type`, sniffed as HTML as
 * browsers mostly do) within `maxBodyBytes`, nothing kept of a larger body.
 *
 * @example Pages are read, PDFs are not
 * ```ts
 * import { HTML_BODY } from "./body_rule.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(HTML_BODY.accepts("text/html"), true);
 * assert.equal(HTML_BODY.accepts("application/pdf"), false);
 * ```
 */
export const HTML_BODY: BodyRule = {
  accepts: (type) => type === undefined || HTML_TYPES.has(type),
  keepTruncated: false,
};

/**
 * The validators of a copy the crawler has: sent back as `If-None-Match`
 * and `If-Modified-Since`, so an unchanged resource answers `304`.
 */
export interface Validators {
  /** The `ETag` it was served with. */
  etag?: string;
  /** The `Last-Modified` it was served with. */
  lastModified?: string;
}

/**
 * Adds the conditional request headers of `validators` to `headers`.
 *
 * @example An ETag becomes If-None-Match
 * ```ts
 * import { setConditional } from "./body_rule.ts";
 * import assert from "node:assert/strict";
 *
 * const headers = new Headers();
 * setConditional(headers, { etag: '"abc"' });
 * assert.equal(headers.get("if-none-match"), '"abc"');
 * assert.equal(headers.has("if-modified-since"), false);
 * ```
 *
 * @param headers The request's headers.
 * @param validators The stored validators.
 */
export function setConditional(headers: Headers, validators: Validators): void {
  if (validators.etag) headers.set("if-none-match", validators.etag);
  if (validators.lastModified) {
    headers.set("if-modified-since", validators.lastModified);
  }
}
