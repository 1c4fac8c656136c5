/**
 * The references a page holds besides its links: images, stylesheets,
 * scripts, frames, media, icons and preloads, and the fragment targets
 * (`id`s and `<a name>`s) other pages may point into. A link checker checks
 * them; an archiver fetches the requisites among them.
 *
 * {@linkcode referencesOf} reads one element's references during the parse;
 * {@linkcode resolveReferences} resolves them once the `<base href>` is known.
 *
 * @module
 */
import { createUrlNormalizer } from "../url/normalize_url.ts";

/** What a reference is for. */
export type ReferenceKind =
  /** `<a href>`, `<area href>`. */
  | "link"
  /** `<img src/srcset>`, `<input type=image src>`, `<source srcset>` in `<picture>`. */
  | "image"
  /** `<link rel=stylesheet href>`. */
  | "stylesheet"
  /** `<script src>`. */
  | "script"
  /** `<iframe src>`, `<frame src>`. */
  | "frame"
  /** `<video src/poster>`, `<audio src>`, `<track src>`, `<source src>` in media, `<embed src>`, `<object data>`. */
  | "media"
  /** `<link rel=icon|apple-touch-icon|mask-icon href>`. */
  | "icon"
  /** `<link rel=preload|modulepreload href>`. */
  | "preload";

/** One reference found on a page. */
export interface PageReference {
  /** The absolute URL in normal form (see `normalizeUrl`), without fragment. */
  url: string;
  /** What the reference is for. */
  kind: ReferenceKind;
  /** The fragment (after `#`, as written) when the reference had one. */
  fragment?: string;
  /** A link's text (or an `<area>`'s or `<img>`'s `alt`), collapsed, capped. */
  text?: string;
}

/** A reference as the parser meets it: the raw URL, not yet resolved. */
export interface RawReference {
  /** The attribute's value, as written. */
  href: string;
  /** What it is for. */
  kind: ReferenceKind;
  /** Its text, when it has one. */
  text?: string;
}

/** Longest link text kept, in UTF-16 code units. */
export const MAX_REFERENCE_TEXT = 200;

const WHITESPACE = /[\t\n\f\r ]+/g;
const ICON_RELS = new Set(["icon", "apple-touch-icon", "mask-icon"]);
const PRELOAD_RELS = new Set(["preload", "modulepreload"]);

/**
 * The elements whose attributes {@linkcode referencesOf} and
 * {@linkcode ReferenceScan} read, besides every element's `id`.
 */
export const REFERENCE_ELEMENTS: ReadonlySet<string> = new Set([
  "a",
  "area",
  "img",
  "input",
  "source",
  "link",
  "script",
  "iframe",
  "frame",
  "video",
  "audio",
  "track",
  "embed",
  "object",
]);

/**
 * The references of one element (none for most elements). `<a>`/`<area>`
 * are not included: the link scan already keeps them with their `rel`; the
 * caller adds them with their text.
 *
 * @example
 * ```ts
 * import { referencesOf } from "./references.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   referencesOf("img", { src: "a.png", srcset: "b.png 2x, c.png 3x" }, false),
 *   [
 *     { href: "a.png", kind: "image" },
 *     { href: "b.png", kind: "image" },
 *     { href: "c.png", kind: "image" },
 *   ],
 * );
 * ```
 *
 * @param name The element's name, lowercased.
 * @param attribs Its attributes (names lowercased, values decoded).
 * @param inPicture Whether the element is inside a `<picture>`.
 * @returns Its references, in attribute order.
 */
export function referencesOf(
  name: string,
  attribs: Record<string, string>,
  inPicture: boolean,
): RawReference[] {
  const out: RawReference[] = [];
  const add = (href: string | undefined, kind: ReferenceKind) => {
    if (href !== undefined && href.trim() !== "") out.push({ href, kind });
  };
  const addSrcset = (srcset: string | undefined, kind: ReferenceKind) => {
    if (srcset !== undefined) {
      for (const href of parseSrcset(srcset)) add(href, kind);
    }
  };
  switch (name) {
    case "img":
      add(attribs.src, "image");
      addSrcset(attribs.srcset, "image");
      break;
    case "input":
      if (attribs.type?.trim().toLowerCase() === "image") {
        add(attribs.src, "image");
      }
      break;
    case "source":
      add(attribs.src, inPicture ? "image" : "media");
      addSrcset(attribs.srcset, inPicture ? "image" : "media");
      break;
    case "link":
      linkReferences(attribs, add);
      break;
    case "script":
      add(attribs.src, "script");
      break;
    case "iframe":
    case "frame":
      add(attribs.src, "frame");
      break;
    case "video":
      add(attribs.src, "media");
      add(attribs.poster, "media");
      break;
    case "audio":
    case "track":
    case "embed":
      add(attribs.src, "media");
      break;
    case "object":
      add(attribs.data, "media");
      break;
  }
  return out;
}

function linkReferences(
  attribs: Record<string, string>,
  add: (href: string | undefined, kind: ReferenceKind) => void,
): void {
  const rel = attribs.rel;
  if (rel === undefined) return;
  const tokens = rel.toLowerCase().split(WHITESPACE);
  if (tokens.includes("stylesheet")) add(attribs.href, "stylesheet");
  else if (tokens.some((t) => ICON_RELS.has(t))) add(attribs.href, "icon");
  else if (tokens.some((t) => PRELOAD_RELS.has(t))) {
    add(attribs.href, "preload");
  }
}

/**
 * The URLs of a `srcset` attribute, following the HTML standard's parsing
 * of image candidate strings (a URL may contain commas; descriptors are
 * skipped up to the comma that ends a candidate).
 *
 * @example
 * ```ts
 * import { parseSrcset } from "./references.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseSrcset("a.png 1x, b,c.png 2x,d.png"), [
 *   "a.png",
 *   "b,c.png",
 *   "d.png",
 * ]);
 * ```
 *
 * @param srcset The attribute's value.
 * @returns The candidates' URLs, in order.
 */
export function parseSrcset(srcset: string): string[] {
  const urls: string[] = [];
  const n = srcset.length;
  let i = 0;
  const isSpace = (c: string) =>
    c === " " || c === "\t" || c === "\n" || c === "\f" || c === "\r";
  while (i < n) {
    while (i < n && (isSpace(srcset[i]) || srcset[i] === ",")) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(srcset[i])) i++;
    let url = srcset.slice(start, i);
    let endedByComma = false;
    if (url.endsWith(",")) {
      url = url.replace(/,+$/, "");
      endedByComma = true;
    }
    if (url !== "") urls.push(url);
    if (endedByComma) continue;
    // Skip the descriptors, up to a comma outside parentheses.
    let depth = 0;
    while (i < n) {
      const c = srcset[i];
      if (c === "(") depth++;
      else if (c === ")" && depth > 0) depth--;
      else if (c === "," && depth === 0) break;
      i++;
    }
  }
  return urls;
}

/**
 * A link's text: whitespace collapsed and trimmed, at most
 * {@linkcode MAX_REFERENCE_TEXT} code units (never cut inside a surrogate
 * pair), or `undefined` when empty.
 *
 * @example
 * ```ts
 * import { referenceText } from "./references.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(referenceText("  Read\n  more "), "Read more");
 * ```
 *
 * @param text The raw text.
 * @returns The text to keep.
 */
export function referenceText(text: string): string | undefined {
  let t = text.replace(WHITESPACE, " ").trim();
  if (t.length > MAX_REFERENCE_TEXT) {
    t = t.slice(0, MAX_REFERENCE_TEXT);
    const last = t.charCodeAt(t.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) t = t.slice(0, -1);
    t = t.trimEnd();
  }
  return t === "" ? undefined : t;
}

/** What {@linkcode resolveReferences} found. */
export interface ResolvedReferences {
  /** The references with an http(s) URL, in document order. */
  references: PageReference[];
  /**
   * References that are not checked or fetched: `mailto:`, `tel:`,
   * `javascript:`, `data:` and other schemes, and URLs that do not parse.
   */
  unchecked: number;
}

/**
 * Resolves raw references against the page's base URL, keeping each one's
 * fragment.
 *
 * @example
 * ```ts
 * import { resolveReferences } from "./references.ts";
 * import assert from "node:assert/strict";
 *
 * const { references, unchecked } = resolveReferences(
 *   [
 *     { href: "b.html#top", kind: "link", text: "B" },
 *     { href: "mailto:me@example.com", kind: "link" },
 *   ],
 *   "https://example.com/a/",
 * );
 * assert.deepEqual(references, [
 *   { url: "https://example.com/a/b.html", kind: "link", fragment: "top", text: "B" },
 * ]);
 * assert.equal(unchecked, 1);
 * ```
 *
 * @param raw The references as found.
 * @param base The URL they resolve against (`undefined`: only absolute ones resolve).
 * @returns The resolved references and how many were not checkable.
 */
export function resolveReferences(
  raw: readonly RawReference[],
  base: string | undefined,
): ResolvedReferences {
  const references: PageReference[] = [];
  const normalize = createUrlNormalizer(base);
  let unchecked = 0;
  for (const r of raw) {
    const url = normalize(r.href.trim());
    if (url === undefined) {
      unchecked++;
      continue;
    }
    const ref: PageReference = { url, kind: r.kind };
    const hash = r.href.indexOf("#");
    if (hash !== -1 && hash < r.href.length - 1) {
      ref.fragment = r.href.slice(hash + 1).trim();
    }
    if (r.text !== undefined) ref.text = r.text;
    references.push(ref);
  }
  return { references, unchecked };
}

/** Most fragment targets kept per page. */
export const MAX_ANCHORS = 50_000;
/** Most references kept per page (the rest are counted). */
export const MAX_REFERENCES = 20_000;

/**
 * Collects a page's references and fragment targets from parser events:
 * the link scan calls it for every element outside `<template>`.
 *
 * @example
 * ```ts
 * import { ReferenceScan } from "./references.ts";
 * import assert from "node:assert/strict";
 *
 * const scan = new ReferenceScan();
 * scan.open("a", { href: "/x", id: "top" });
 * scan.text("Go ");
 * scan.text("there");
 * scan.close("a");
 * assert.deepEqual(scan.raw, [{ href: "/x", kind: "link", text: "Go there" }]);
 * assert.deepEqual([...scan.anchors], ["top"]);
 * ```
 */
export class ReferenceScan {
  /** The references, raw, in document order. */
  readonly raw: RawReference[] = [];
  /** The `id`s and `<a name>`s. */
  readonly anchors: Set<string> = new Set();
  /** References dropped past {@linkcode MAX_REFERENCES}. */
  dropped = 0;
  #pictureDepth = 0;
  #link: RawReference | undefined = undefined;
  #linkText: string[] = [];
  #linkChars = 0;

  /**
   * An element opened.
   *
   * @param name Its name, lowercased.
   * @param attribs Its attributes.
   */
  open(name: string, attribs: Record<string, string>): void {
    const id = attribs.id;
    if (id !== undefined && id !== "") this.#anchor(id);
    if (name === "a" || name === "area") {
      if (name === "a" && attribs.name !== undefined && attribs.name !== "") {
        this.#anchor(attribs.name);
      }
      const href = attribs.href;
      if (href === undefined) return;
      const ref: RawReference = { href, kind: "link" };
      if (name === "area") {
        const alt = attribs.alt === undefined
          ? undefined
          : referenceText(attribs.alt);
        if (alt !== undefined) ref.text = alt;
      } else {
        this.#endLink();
        this.#link = ref;
      }
      this.#push(ref);
      return;
    }
    if (name === "picture") this.#pictureDepth++;
    if (name === "img" && this.#link !== undefined && attribs.alt) {
      this.text(attribs.alt);
    }
    for (const ref of referencesOf(name, attribs, this.#pictureDepth > 0)) {
      this.#push(ref);
    }
  }

  /** Whether {@linkcode ReferenceScan.text} would keep text now. */
  get wantsText(): boolean {
    return this.#link !== undefined &&
      this.#linkChars <= MAX_REFERENCE_TEXT * 4;
  }

  /**
   * Text inside the current element.
   *
   * @param text The text.
   */
  text(text: string): void {
    if (!this.wantsText) return;
    this.#linkText.push(text);
    this.#linkChars += text.length;
  }

  /**
   * An element closed.
   *
   * @param name Its name, lowercased.
   */
  close(name: string): void {
    if (name === "a") this.#endLink();
    else if (name === "picture" && this.#pictureDepth > 0) this.#pictureDepth--;
  }

  /** Ends the current `<a>`: its text is known. Call at the document's end too. */
  finish(): void {
    this.#endLink();
  }

  #endLink(): void {
    if (this.#link === undefined) return;
    const text = referenceText(this.#linkText.join(""));
    if (text !== undefined) this.#link.text = text;
    this.#link = undefined;
    this.#linkText = [];
    this.#linkChars = 0;
  }

  #push(ref: RawReference): void {
    if (this.raw.length < MAX_REFERENCES) this.raw.push(ref);
    else this.dropped++;
  }

  #anchor(id: string): void {
    if (this.anchors.size < MAX_ANCHORS) this.anchors.add(id);
  }
}
