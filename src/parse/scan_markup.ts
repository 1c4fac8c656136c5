/**
 * Where the link scanner's markup ends, character for character as the
 * htmlparser2 path reads it: comments (`-->`, `--!>`, and the abrupt `<!-->`
 * and `<!--->`), CDATA sections, and the raw text of `<script>`, `<style>`,
 * `<title>`, `<textarea>` and the other elements whose content holds no
 * tags; and the decoding of character references (named, numeric, and the
 * legacy ones without a semicolon) in attribute values and text, with the
 * `entities` decoder htmlparser2 uses.
 *
 * @module
 */
import { DecodingMode, EntityDecoder, htmlDecodeTree } from "entities/decode";

const LT = 0x3c;
const GT = 0x3e;
const DASH = 0x2d;
const BRACKET = 0x5d;
const AMP = 0x26;

/**
 * Whether `c` ends a tag name, a closing tag name or an attribute name:
 * ASCII whitespace, `/` or `>`.
 *
 * @example Usage
 * ```ts
 * import { endsName } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(endsName("/".charCodeAt(0)), true);
 * ```
 *
 * @param c A UTF-16 code unit.
 * @returns `true` for `\t \n \f \r`, space, `/` and `>`.
 */
export function endsName(c: number): boolean {
  return c === 0x20 || c === 0x2f || c === GT || c === 0x0a || c === 0x09 ||
    c === 0x0c || c === 0x0d;
}

/**
 * Whether `c` is ASCII whitespace (`\t \n \f \r` and space).
 *
 * @example Usage
 * ```ts
 * import { isSpace } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isSpace(0x0c), true);
 * ```
 *
 * @param c A UTF-16 code unit.
 * @returns `true` for ASCII whitespace.
 */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

/**
 * The index of the `>` that ends a comment whose text starts at `from`
 * (just after `<!--`), or -1 when it runs to the end.
 *
 * @example Usage
 * ```ts
 * import { commentEnd } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(commentEnd("<!-- a -- b -->", 4), 14);
 * assert.equal(commentEnd("<!-->", 4), 4);
 * ```
 *
 * @param s The document.
 * @param from Where the comment's text starts.
 * @returns The index of its final `>`, or -1.
 */
export function commentEnd(s: string, from: number): number {
  // `matched` counts the characters of `--!>` seen last.
  let matched = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (matched <= 1 && i === from + matched && c === GT) return i;
    if (matched === 2 && c === GT) return i;
    if (matched === 3 && c !== GT) {
      matched = c === DASH ? 1 : 0;
    } else if (c === "--!>".charCodeAt(matched)) {
      if (++matched === 4) return i;
    } else if (matched === 0) {
      const dash = s.indexOf("-", i + 1);
      if (dash === -1) return -1;
      i = dash;
      matched = 1;
    } else if (c !== "--!>".charCodeAt(matched - 1)) {
      matched = 0;
    }
  }
  return -1;
}

/**
 * The index of the `>` of the `]]>` that ends a CDATA section whose text
 * starts at `from`, or -1 when it runs to the end.
 *
 * @example Usage
 * ```ts
 * import { cdataEnd } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(cdataEnd("<![CDATA[x]]]>", 9), 13);
 * ```
 *
 * @param s The document.
 * @param from Where the section's text starts.
 * @returns The index of its final `>`, or -1.
 */
export function cdataEnd(s: string, from: number): number {
  let matched = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === "]]>".charCodeAt(matched)) {
      if (++matched === 3) return i;
    } else if (matched === 0) {
      const bracket = s.indexOf("]", i + 1);
      if (bracket === -1) return -1;
      i = bracket;
      matched = 1;
    } else if (c !== BRACKET) {
      matched = 0;
    }
  }
  return -1;
}

/** The raw-text elements, by the end tag that closes them. */
const RAW_TEXT = [
  "iframe",
  "noembed",
  "noframes",
  "plaintext",
  "script",
  "style",
  "title",
  "textarea",
  "xmp",
];

/**
 * The raw-text element a start tag name opens (compared as ASCII, case
 * insensitively), if any: its content holds no tags up to its end tag.
 *
 * @example Usage
 * ```ts
 * import { rawTextOf } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(rawTextOf("<SCRIPT>", 1, 7), "script");
 * assert.equal(rawTextOf("<scripts>", 1, 8), undefined);
 * ```
 *
 * @param s The document.
 * @param start Where the tag name starts.
 * @param end Where it ends.
 * @returns The element's lowercase name, or `undefined`.
 */
export function rawTextOf(
  s: string,
  start: number,
  end: number,
): string | undefined {
  for (const name of RAW_TEXT) {
    if (
      name.length === end - start && sameLetters(s, start, name, end - start)
    ) {
      return name;
    }
  }
  return undefined;
}

/**
 * Whether the `count` characters of `s` from `start` are the first `count`
 * of `name` (lowercase), compared with bit 0x20 set, as the htmlparser2
 * tokenizer compares tag names.
 */
function sameLetters(
  s: string,
  start: number,
  name: string,
  count: number,
): boolean {
  for (let k = 0; k < count; k++) {
    if ((s.charCodeAt(start + k) | 0x20) !== name.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Whether the tag name `s[start, end)` is the start of a raw-text element's
 * name, or all of it (compared as the htmlparser2 tokenizer compares, with
 * bit 0x20 set): a start tag the document ends in while its name may still
 * open raw text.
 *
 * @example Usage
 * ```ts
 * import { startsRawText } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(startsRawText("<ScR", 1, 4), true);
 * assert.equal(startsRawText("<scx", 1, 4), false);
 * ```
 *
 * @param s The document.
 * @param start Where the tag name starts.
 * @param end Where the document ends.
 * @returns `true` when some raw-text element's name starts so.
 */
export function startsRawText(s: string, start: number, end: number): boolean {
  return RAW_TEXT.some((name) =>
    name.length >= end - start && sameLetters(s, start, name, end - start)
  );
}

/**
 * Where the raw text of `name` starting at `from` ends: the index of the
 * character after `</name` that ends the tag name (whitespace, `/`, `>`),
 * or -1 when the text runs to the end. Characters are compared with bit
 * 0x20 set, as the htmlparser2 tokenizer compares them. In `<title>` and
 * `<textarea>` every character is tried; elsewhere the search jumps from
 * `<` to `<`.
 *
 * @example Usage
 * ```ts
 * import { rawTextEnd } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * const s = "<script>a</b></SCRIPT >";
 * assert.equal(rawTextEnd(s, 8, "script"), 21);
 * ```
 *
 * @param s The document.
 * @param from Where the text starts.
 * @param name The element (from {@linkcode rawTextOf}).
 * @returns The index after the end tag's name, or -1.
 */
export function rawTextEnd(s: string, from: number, name: string): number {
  const seq = "</" + name;
  const slow = name === "title" || name === "textarea";
  let matched = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (matched === seq.length) {
      if (endsName(c)) return i;
      matched = 0;
    }
    if ((c | 0x20) === seq.charCodeAt(matched)) {
      matched++;
    } else if (matched === 0) {
      if (slow) continue;
      const lt = s.indexOf("<", i + 1);
      if (lt === -1) return -1;
      i = lt;
      matched = 1;
    } else {
      matched = c === LT ? 1 : 0;
    }
  }
  return -1;
}

let decoded = "";
let consumed = 0;
const decoder = new EntityDecoder(htmlDecodeTree, (cp, length) => {
  decoded = String.fromCodePoint(cp);
  consumed = length;
});

/**
 * Decodes the character reference at `amp` (an `&`) as the htmlparser2
 * tokenizer does, reading `s` past `amp` as far as the reference goes.
 *
 * @returns `[text, length]` of the decoded reference (length counts the
 * `&`), or `undefined` when there is none.
 */
function decodeAt(
  s: string,
  amp: number,
  mode: DecodingMode,
): [string, number] | undefined {
  decoded = "";
  consumed = 0;
  decoder.startEntity(mode);
  const length = decoder.write(s, amp + 1);
  if (length < 0) {
    if (amp + 1 < s.length && s.charCodeAt(amp + 1) === AMP) return undefined;
    decoder.end(); // the reference runs to the end of the document
  }
  return consumed > 0 ? [decoded, consumed] : undefined;
}

/**
 * An attribute value `s[start, end)` with its character references decoded
 * (attribute rules: a legacy reference followed by `=` or an alphanumeric
 * stays as written).
 *
 * @example Usage
 * ```ts
 * import { attributeValue } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * const s = '"a&amp;b&copy=1&lt"';
 * assert.equal(attributeValue(s, 1, s.length - 1), "a&b&copy=1<");
 * ```
 *
 * @param s The document.
 * @param start Where the value starts.
 * @param end Where it ends (its quote, or the character after it).
 * @returns The value.
 */
export function attributeValue(s: string, start: number, end: number): string {
  if (ampersand(s, start, end) === -1) return s.slice(start, end);
  let out = "";
  decodePieces(s, start, end, DecodingMode.Attribute, (piece) => out += piece);
  return out;
}

/**
 * Reports `s[start, end)` in pieces: the runs of characters between
 * character references, and each reference decoded (`mode`'s rules).
 */
function decodePieces(
  s: string,
  start: number,
  end: number,
  mode: DecodingMode,
  piece: (text: string) => void,
): void {
  let section = start;
  let amp = ampersand(s, start, end);
  while (amp !== -1) {
    const ref = decodeAt(s, amp, mode);
    if (ref === undefined) {
      amp = ampersand(s, amp + 1, end);
      continue;
    }
    if (section < amp) piece(s.slice(section, amp));
    piece(ref[0]);
    section = amp + ref[1];
    amp = ampersand(s, section, end);
  }
  if (section < end) piece(s.slice(section, end));
}

/**
 * The first `&` in `s[from, end)`, or -1. Not `indexOf`, which would search
 * on to the document's next `&`: once per attribute, that made a 2.5 MB page
 * without one take seconds.
 */
function ampersand(s: string, from: number, end: number): number {
  for (let i = from; i < end; i++) if (s.charCodeAt(i) === AMP) return i;
  return -1;
}

/**
 * Reports the text of a `<title>` or a `<textarea>` (the elements whose raw
 * text holds character references) from `from` to `end` as the htmlparser2
 * path reports it: runs of characters and each decoded character reference
 * as separate pieces (legacy rules), except that an `&` met while the
 * element's end tag may be starting is kept as written.
 *
 * @example Usage
 * ```ts
 * import { rcdataText } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * const parts: string[] = [];
 * const s = "<title>A &amp B<&amp;</title>";
 * rcdataText(s, 7, 21, "title", (t) => void parts.push(t));
 * assert.deepEqual(parts, ["A ", "&", " B<&amp;"]);
 * ```
 *
 * @param s The document.
 * @param from Where the element's text starts.
 * @param end Where it ends (the `<` of its end tag, or the document's end).
 * @param name The element: `title` or `textarea`.
 * @param ontext Receives each piece.
 */
export function rcdataText(
  s: string,
  from: number,
  end: number,
  name: "title" | "textarea",
  ontext: (text: string) => void,
): void {
  const seq = "</" + name;
  let matched = 0;
  let section = from;
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    if (matched === seq.length) matched = 0;
    if ((c | 0x20) === seq.charCodeAt(matched)) {
      matched++;
    } else if (matched !== 0) {
      matched = c === LT ? 1 : 0;
    } else if (c === AMP) {
      const ref = decodeAt(s, i, DecodingMode.Legacy);
      if (ref === undefined) continue;
      if (section < i) ontext(s.slice(section, i));
      ontext(ref[0]);
      section = i + ref[1];
      i = section - 1;
    }
  }
  if (section < end) ontext(s.slice(section, end));
}

/**
 * Reports text outside tags, from `from` to `end` (a `<` or the document's
 * end), as the htmlparser2 path reports it: runs of characters and each
 * decoded character reference (legacy rules) as separate pieces.
 *
 * @example Usage
 * ```ts
 * import { dataText } from "./scan_markup.ts";
 * import assert from "node:assert/strict";
 *
 * const parts: string[] = [];
 * const s = "Q&ampA &copy; 2&x<b>";
 * dataText(s, 0, 17, (t) => void parts.push(t));
 * assert.deepEqual(parts, ["Q", "&", "A ", "\u00a9", " 2&x"]);
 * ```
 *
 * @param s The document.
 * @param from Where the text starts.
 * @param end Where it ends.
 * @param ontext Receives each piece.
 */
export function dataText(
  s: string,
  from: number,
  end: number,
  ontext: (text: string) => void,
): void {
  decodePieces(s, from, end, DecodingMode.Legacy, ontext);
}
