/**
 * The URLs a stylesheet loads: `url(…)` (quoted or not), `@import` with a
 * string, and the strings of `image-set(…)`, outside comments, with CSS
 * escapes decoded.
 *
 * @module
 */
import { normalizeUrl } from "../url/normalize_url.ts";

/** References kept from one stylesheet at most. */
export const MAX_CSS_REFERENCES = 10_000;

const SPACE = /[\t\n\f\r ]/;

/**
 * The references of a stylesheet, as written, in order.
 *
 * @example
 * ```ts
 * import { cssReferences } from "./css_refs.ts";
 * import assert from "node:assert/strict";
 *
 * const css = `@import "base.css"; /* url(no.png) *\/
 * body { background: url( 'a b.png' ) } .x { mask: URL(m\\2e svg) }`;
 * assert.deepEqual(cssReferences(css), ["base.css", "a b.png", "m.svg"]);
 * ```
 *
 * @param css The stylesheet's text.
 * @returns The hrefs.
 */
export function cssReferences(css: string): string[] {
  const out: string[] = [];
  const n = css.length;
  let imageSet = 0; // depth of parentheses inside image-set(…)
  for (let i = 0; i < n && out.length < MAX_CSS_REFERENCES;) {
    const c = css[i];
    if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      const { value, end } = readString(css, i);
      if (imageSet > 0) out.push(value);
      i = end;
    } else if (c === "\\") {
      i += 2;
    } else if (isFunction(css, i, "url(")) {
      const { value, end } = readUrl(css, i + 4);
      if (value !== undefined) out.push(value);
      i = end;
    } else if (isFunction(css, i, "image-set(")) {
      imageSet = 1;
      i += 10;
    } else if (isFunction(css, i, "-webkit-image-set(")) {
      imageSet = 1;
      i += 18;
    } else if (imageSet > 0 && (c === "(" || c === ")")) {
      imageSet += c === "(" ? 1 : -1;
      i++;
    } else if (c === "@" && css.slice(i, i + 7).toLowerCase() === "@import") {
      let j = i + 7;
      while (j < n && SPACE.test(css[j])) j++;
      if (css[j] === '"' || css[j] === "'") {
        const { value, end } = readString(css, j);
        out.push(value);
        i = end;
      } else {
        i = j;
      }
    } else {
      i++;
    }
  }
  return out.filter((href) => href.trim() !== "");
}

/**
 * The http(s) URLs a stylesheet at `base` loads, resolved and in normal
 * form, without repeats.
 *
 * @example
 * ```ts
 * import { cssUrls } from "./css_refs.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   cssUrls("a { b: url(../i.png) } c { d: url(data:image/png;base64,AA==) }", "https://a.test/css/s.css"),
 *   ["https://a.test/i.png"],
 * );
 * ```
 *
 * @param css The stylesheet's text.
 * @param base Its URL.
 * @returns The URLs.
 */
export function cssUrls(css: string, base: string): string[] {
  const urls = new Set<string>();
  for (const href of cssReferences(css)) {
    const url = normalizeUrl(href.trim(), base);
    if (url !== undefined) urls.add(url);
  }
  return [...urls];
}

/**
 * Decodes a stylesheet: the `Content-Type` charset, else a BOM, else
 * `@charset`, else UTF-8.
 *
 * @example
 * ```ts
 * import { decodeCss } from "./css_refs.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([0x61, 0xe9]); // "aé" in latin-1
 * assert.equal(decodeCss(bytes, "text/css; charset=iso-8859-1"), "aé");
 * ```
 *
 * @param bytes The body.
 * @param contentType The `Content-Type` header.
 * @returns The text.
 */
export function decodeCss(
  bytes: Uint8Array,
  contentType: string | null | undefined,
): string {
  const declared = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? "")?.[1] ??
    /^@charset "([\w.:-]+)";/.exec(
      new TextDecoder("latin1").decode(bytes.subarray(0, 64)),
    )?.[1];
  try {
    return new TextDecoder(declared ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}

/** Whether `name` (lower-case, ending in `(`) starts at `i`, not inside an identifier. */
function isFunction(css: string, i: number, name: string): boolean {
  if (css.slice(i, i + name.length).toLowerCase() !== name) return false;
  const before = css[i - 1];
  return before === undefined || !/[\w-]/.test(before);
}

/** A quoted string starting at `start` (its quote), escapes decoded. */
function readString(
  css: string,
  start: number,
): { value: string; end: number } {
  const quote = css[start];
  let value = "";
  let i = start + 1;
  while (i < css.length && css[i] !== quote && css[i] !== "\n") {
    if (css[i] === "\\") {
      const { text, next } = readEscape(css, i);
      value += text;
      i = next;
    } else {
      value += css[i++];
    }
  }
  return { value, end: i + 1 };
}

/** The inside of `url(…)` from `start` (just past the parenthesis). */
function readUrl(
  css: string,
  start: number,
): { value?: string; end: number } {
  let i = start;
  while (i < css.length && SPACE.test(css[i])) i++;
  if (css[i] === '"' || css[i] === "'") {
    const { value, end } = readString(css, i);
    const close = css.indexOf(")", end);
    return { value, end: close === -1 ? css.length : close + 1 };
  }
  let value = "";
  while (i < css.length && css[i] !== ")") {
    if (css[i] === "\\") {
      const { text, next } = readEscape(css, i);
      value += text;
      i = next;
    } else {
      value += css[i++];
    }
  }
  return { value: value.trim(), end: i + 1 };
}

/** A CSS escape at `i` (its backslash): up to six hex digits, or a character. */
function readEscape(css: string, i: number): { text: string; next: number } {
  const hex = /^[0-9a-fA-F]{1,6}/.exec(css.slice(i + 1, i + 7))?.[0];
  if (hex === undefined) {
    return { text: css[i + 1] ?? "", next: i + 2 };
  }
  let next = i + 1 + hex.length;
  if (SPACE.test(css[next] ?? "")) next++;
  const code = parseInt(hex, 16);
  const valid = code > 0 && code <= 0x10ffff &&
    (code < 0xd800 || code > 0xdfff);
  return { text: String.fromCodePoint(valid ? code : 0xfffd), next };
}
