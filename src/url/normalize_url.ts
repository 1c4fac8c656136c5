/**
 * URL normal form: one spelling per crawlable page, so the frontier can
 * deduplicate by string equality.
 *
 * @module
 */

/**
 * The longest URL {@linkcode normalizeUrl} accepts, in UTF-16 code units,
 * both as input (not counting the leading and trailing
 * whitespace the URL parser strips) and as output. Longer URLs are almost
 * always crawler traps or garbage.
 *
 * @example Usage
 * ```ts
 * import { MAX_URL_LENGTH, normalizeUrl } from "./normalize_url.ts";
 *
 * const long = "https://example.com/" + "a".repeat(MAX_URL_LENGTH);
 * console.log(normalizeUrl(long)); // undefined
 * ```
 */
export const MAX_URL_LENGTH = 8192;

// What the WHATWG URL parser strips from both ends: C0 controls and space.
// deno-lint-ignore no-control-regex
const C0_OR_SPACE_PADDING = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e ||
    code === 0x5f || code === 0x7e;
}

/**
 * Uppercases the hex digits of every `%xx` escape in `part` and decodes
 * those of unreserved characters, except where the decoded character would
 * form a new escape with a stray `%` before it (`%%41a` stays as it is):
 * that keeps the result idempotent.
 */
function normalizeEscapes(part: string): string {
  let i = part.indexOf("%");
  if (i === -1) return part;
  let out = "";
  let last = 0;
  while (i !== -1 && i + 2 < part.length) {
    const high = hexValue(part.charCodeAt(i + 1));
    const low = hexValue(part.charCodeAt(i + 2));
    if (high === -1 || low === -1) {
      i = part.indexOf("%", i + 1);
      continue;
    }
    out += part.slice(last, i);
    last = i + 3;
    const code = high * 16 + low;
    let decode = isUnreserved(code);
    if (decode && hexValue(code) !== -1) {
      const n = out.length;
      decode = !(
        (n >= 1 && out.charCodeAt(n - 1) === 0x25 &&
          last < part.length && hexValue(part.charCodeAt(last)) !== -1) ||
        (n >= 2 && out.charCodeAt(n - 2) === 0x25 &&
          hexValue(out.charCodeAt(n - 1)) !== -1)
      );
    }
    out += decode
      ? String.fromCharCode(code)
      : part.slice(i, last).toUpperCase();
    i = part.indexOf("%", last);
  }
  return out + part.slice(last);
}

/**
 * Resolves `href` against `base` and returns the URL's normal form, or
 * `undefined` when it is not a crawlable http(s) URL. Never throws.
 *
 * The normal form is the WHATWG `URL` serialization (lowercase scheme and
 * host, IDN hosts in punycode, default port dropped, dot segments resolved,
 * empty path as `/`, leading and trailing whitespace and C0 controls
 * stripped), then:
 *
 * - the fragment is dropped, and so is an empty query (`?` alone);
 * - in the path and query, `%xx` escapes of unreserved characters
 *   (`A-Z a-z 0-9 - . _ ~`) are decoded (`%7E` → `~`), and the hex digits
 *   of every other escape are uppercased (`%2f` → `%2F`).
 *
 * Query parameters are **not** sorted: their order can change a page's
 * meaning. URLs with credentials (`user:pass@host`) are rejected, as are
 * schemes other than `http:` and `https:` (`mailto:`, `javascript:`,
 * `data:`...), unparsable input, and URLs longer than
 * {@linkcode MAX_URL_LENGTH}. The result is idempotent:
 * `normalizeUrl(normalizeUrl(x)!) === normalizeUrl(x)`.
 *
 * @example Usage
 * ```ts
 * import { normalizeUrl } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   normalizeUrl("../b/%7euser/./x?q=%2f#top", "HTTP://Example.COM:80/a/c"),
 *   "http://example.com/b/~user/x?q=%2F",
 * );
 * assert.equal(normalizeUrl("mailto:someone@example.com"), undefined);
 * assert.equal(normalizeUrl("https://user:pw@example.com/"), undefined);
 * ```
 *
 * @param href The URL or reference to resolve, as written in a page.
 * @param base The URL to resolve `href` against, if it is relative.
 * @returns The normalized absolute URL, or `undefined`.
 */
export function normalizeUrl(
  href: string,
  base?: string | URL,
): string | undefined {
  if (typeof href !== "string") return undefined;
  if (href.length > MAX_URL_LENGTH) {
    // Only the padding the URL parser strips anyway may take it past the cap.
    if (href.length > MAX_URL_LENGTH * 2) return undefined;
    href = href.replace(C0_OR_SPACE_PADDING, "");
    if (href.length > MAX_URL_LENGTH) return undefined;
  }
  let url: URL | null;
  try {
    url = base === undefined ? URL.parse(href) : URL.parse(href, base);
  } catch {
    return undefined;
  }
  if (url === null) return undefined;
  // Work on the serialization: one getter instead of six.
  const serialized = url.href;
  const authority = serialized.startsWith("https://")
    ? 8
    : serialized.startsWith("http://")
    ? 7
    : -1;
  if (authority === -1) return undefined;
  // An http(s) path always starts with "/"; "@" is not allowed in a host,
  // so one before the path means credentials.
  const path = serialized.indexOf("/", authority);
  if (serialized.lastIndexOf("@", path) >= authority) return undefined;
  const hash = serialized.indexOf("#", path);
  let end = hash === -1 ? serialized.length : hash;
  if (serialized.indexOf("?", path) === end - 1) end--; // empty query
  const result = serialized.slice(0, path) +
    normalizeEscapes(serialized.slice(path, end));
  return result.length > MAX_URL_LENGTH ? undefined : result;
}

/** Path characters that need no escaping and no percent-normalization. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

/** Whether a plain path has no dot segment and no empty segment. */
function isCleanPath(path: string): boolean {
  return !path.includes("/.") && !path.includes("//") && path !== "." &&
    path !== "..";
}

/**
 * Returns a function that normalizes hrefs against one base, exactly as
 * {@linkcode normalizeUrl} does, but without calling the URL parser for the
 * common shapes: plain root-relative (`/a/b.html`), same-origin absolute and
 * plain relative (`../a/b.html`) paths, and fragments (`#top`: the page).
 * A page's links share one base, so this saves most of link extraction's
 * URL parsing.
 *
 * @example Normalizing a page's links
 * ```ts
 * import { createUrlNormalizer, normalizeUrl } from "./normalize_url.ts";
 * import assert from "node:assert/strict";
 *
 * const normalize = createUrlNormalizer("https://example.com/docs/intro.html");
 * assert.equal(normalize("../blog/post.html#top"), "https://example.com/blog/post.html");
 * assert.equal(normalize("/a%7e"), normalizeUrl("/a%7e", "https://example.com/"));
 * ```
 *
 * @param base The page's URL (or its `<base href>`), absolute.
 * @returns A normalizer for hrefs found on that page.
 */
export function createUrlNormalizer(
  base: string | undefined,
): (href: string) => string | undefined {
  const parsed = base === undefined ? null : URL.parse(base);
  let origin: string | undefined;
  let dir: string | undefined;
  if (
    parsed !== null &&
    (parsed.protocol === "http:" || parsed.protocol === "https:") &&
    parsed.username === "" && parsed.password === ""
  ) {
    origin = parsed.origin;
    const path = parsed.pathname;
    if (PLAIN_PATH.test(path)) dir = path.slice(0, path.lastIndexOf("/") + 1);
  }
  const slow = (href: string) => normalizeUrl(href, base);
  if (origin === undefined) return slow;
  const sameOrigin = origin + "/";
  // The page itself: what `""` and every `#fragment` resolve to.
  let self: { url: string | undefined } | undefined;
  return (href: string): string | undefined => {
    const hash = href.indexOf("#");
    if (hash === 0 || href === "") return (self ??= { url: slow("") }).url;
    let path = hash === -1 ? href : href.slice(0, hash);
    if (path.startsWith(sameOrigin)) path = path.slice(origin.length);
    if (path === "" || !PLAIN_PATH.test(path)) return slow(href);
    let result: string;
    if (path.charCodeAt(0) === 0x2f) {
      if (path.charCodeAt(1) === 0x2f || !isCleanPath(path)) return slow(href);
      result = origin + path;
    } else {
      if (dir === undefined) return slow(href);
      let d = dir;
      for (;;) {
        if (path.startsWith("../")) {
          d = d.length > 1
            ? d.slice(0, d.lastIndexOf("/", d.length - 2) + 1)
            : d;
          path = path.slice(3);
        } else if (path.startsWith("./")) {
          path = path.slice(2);
        } else break;
      }
      if (!isCleanPath("/" + path)) return slow(href);
      result = origin + d + path;
    }
    return result.length > MAX_URL_LENGTH ? undefined : result;
  };
}
