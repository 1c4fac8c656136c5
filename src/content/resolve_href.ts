/**
 * Absolute URLs for the links and images written into content.
 *
 * @module
 */

/** What a URL in a Markdown link must not hold as is. */
const MARKDOWN_UNSAFE = /[() ]/;

/** Schemes a link in content may keep. */
export const LINK_SCHEMES: ReadonlySet<string> = new Set([
  "http:",
  "https:",
  "mailto:",
  "tel:",
  "ftp:",
]);

/** Schemes an image in content may keep (no `data:` blobs). */
export const IMAGE_SCHEMES: ReadonlySet<string> = new Set(["http:", "https:"]);

/**
 * `href` resolved against `base` (the page's `<base href>` or final URL),
 * fragment kept, with `(`, `)` and spaces escaped so it fits in a Markdown
 * link; `undefined` when it does not parse or its scheme is not in
 * `schemes`.
 *
 * @example
 * ```ts
 * import { LINK_SCHEMES, resolveHref } from "./resolve_href.ts";
 * import assert from "node:assert/strict";
 *
 * const base = new URL("https://example.com/docs/");
 * assert.equal(resolveHref("../a (b).html#x", base, LINK_SCHEMES), "https://example.com/a%20%28b%29.html#x");
 * assert.equal(resolveHref("javascript:void 0", base, LINK_SCHEMES), undefined);
 * ```
 *
 * @param href The attribute's value.
 * @param base The base URL.
 * @param schemes The schemes allowed.
 * @returns The absolute URL, or `undefined`.
 */
export function resolveHref(
  href: string,
  base: URL | undefined,
  schemes: ReadonlySet<string>,
): string | undefined {
  const url = URL.parse(href, base);
  if (url === null || !schemes.has(url.protocol)) return undefined;
  const out = url.href;
  return MARKDOWN_UNSAFE.test(out)
    ? out.replaceAll("(", "%28").replaceAll(")", "%29").replaceAll(" ", "%20")
    : out;
}
