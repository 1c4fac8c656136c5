/**
 * The element stack of the link scanner: which elements are open, which are
 * closed by an end tag or implied by a start tag (a `<p>` closes an open
 * `<p>`, an end tag closes what is open above its element), and whether the
 * scanner is inside `<svg>` or `<math>` (foreign content, where `<title>`
 * is not raw text and `<x/>` closes `x`). The rules are those of the
 * htmlparser2 path (`extract_links.ts`), which the scanner must match event
 * for event: the close tags it reports decide what is inside `<template>`,
 * `<svg>` and `<math>`.
 *
 * @module
 */

/** The start tags that close open elements, and which ones they close. */
const P = new Set(["p"]);
const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6", "p"]);
const FORM_CONTROLS = new Set([
  "input",
  "option",
  "optgroup",
  "select",
  "button",
  "datalist",
  "textarea",
]);
const TABLE_SECTIONS = new Set(["thead", "tbody"]);
const DEFINITIONS = new Set(["dd", "dt"]);
const RUBY = new Set(["rt", "rp"]);
const CLOSED_BY: ReadonlyMap<string, ReadonlySet<string>> = new Map<
  string,
  ReadonlySet<string>
>([
  ["tr", new Set(["tr", "th", "td"])],
  ["th", new Set(["th"])],
  ["td", new Set(["thead", "th", "td"])],
  ["body", new Set(["head", "link", "script"])],
  ["a", new Set(["a"])],
  ["li", new Set(["li"])],
  ["option", new Set(["option"])],
  ["optgroup", new Set(["optgroup", "option"])],
  ["tbody", TABLE_SECTIONS],
  ["tfoot", TABLE_SECTIONS],
  ...["h1", "h2", "h3", "h4", "h5", "h6"].map((h) =>
    [h, HEADINGS] as [string, ReadonlySet<string>]
  ),
  ...["select", "input", "output", "button", "datalist", "textarea"].map((
    t,
  ) => [t, FORM_CONTROLS] as [string, ReadonlySet<string>]),
  ...["dd", "dt"].map((t) => [t, DEFINITIONS] as [string, ReadonlySet<string>]),
  ...["rt", "rp"].map((t) => [t, RUBY] as [string, ReadonlySet<string>]),
  ...[
    "p",
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "pre",
    "section",
    "table",
    "ul",
  ].map((t) => [t, P] as [string, ReadonlySet<string>]),
]);

/** Elements with no content: never on the stack. */
const VOID = new Set([
  "area",
  "base",
  "basefont",
  "br",
  "col",
  "command",
  "embed",
  "frame",
  "hr",
  "img",
  "input",
  "isindex",
  "keygen",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);

/** Elements inside foreign content that hold HTML again. */
const INTEGRATION = new Set([
  "mi",
  "mo",
  "mn",
  "ms",
  "mtext",
  "annotation-xml",
  "foreignObject",
  "desc",
  "title",
]);

/** SVG element names in their camel case, by their lowercase. */
const SVG_NAMES: ReadonlyMap<string, string> = new Map(
  [
    "altGlyph",
    "altGlyphDef",
    "altGlyphItem",
    "animateColor",
    "animateMotion",
    "animateTransform",
    "clipPath",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feConvolveMatrix",
    "feDiffuseLighting",
    "feDisplacementMap",
    "feDistantLight",
    "feDropShadow",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feImage",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "fePointLight",
    "feSpecularLighting",
    "feSpotLight",
    "feTile",
    "feTurbulence",
    "foreignObject",
    "glyphRef",
    "linearGradient",
    "radialGradient",
    "textPath",
  ].map((name) => [name.toLowerCase(), name]),
);

const HTML = 0;
const SVG = 1;
const MATH = 2;

/** Receives the elements the tree opens and closes. */
export interface TreeEvents {
  /** A start tag ended (`>`), with its attributes. */
  onopentag(name: string, attribs: Record<string, string>): void;
  /** An element closed: by its end tag, implied, or a void element. */
  onclosetag(name: string): void;
}

/**
 * The open elements and the foreign-content contexts, changed by the start
 * and end tags the scanner finds, reporting every close to `events`.
 *
 * @example Implied closes
 * ```ts
 * import { ScanTree } from "./scan_tree.ts";
 * import assert from "node:assert/strict";
 *
 * const closed: string[] = [];
 * const tree = new ScanTree({ onopentag() {}, onclosetag: (n) => void closed.push(n) });
 * for (const name of ["template", "div"]) tree.endOpenTag(tree.openName(name), {});
 * tree.closeName("template");
 * assert.deepEqual(closed, ["div", "template"]);
 * ```
 */
export class ScanTree {
  /** Open elements, innermost last. */
  readonly #stack: string[] = [];
  /** Foreign-content contexts, innermost last. */
  readonly #foreign: number[] = [HTML];
  readonly #events: TreeEvents;

  /**
   * Creates an empty tree.
   *
   * @param events Where opens and closes go.
   */
  constructor(events: TreeEvents) {
    this.#events = events;
  }

  /** Whether the innermost context is `<svg>` or `<math>`. */
  get inForeign(): boolean {
    return this.#foreign[this.#foreign.length - 1] !== HTML;
  }

  /**
   * A lowercased tag name as the tree knows it: SVG names in camel case
   * inside `<svg>` (or closing one of them inside an integration point),
   * `image` as `img` outside foreign content.
   *
   * @param lower The tag name, lowercased.
   * @returns The element name.
   */
  adjust(lower: string): string {
    const context = this.#foreign[this.#foreign.length - 1];
    if (context === SVG) return SVG_NAMES.get(lower) ?? lower;
    if (this.#foreign.length > 1) {
      const camel = SVG_NAMES.get(lower);
      if (camel !== undefined && this.#stack.includes(camel)) return camel;
    }
    if (context === HTML) return lower === "image" ? "img" : lower;
    return lower;
  }

  /**
   * A start tag's name is read: close what it implies, and open it (unless
   * void). A second `<form>` inside one is ignored.
   *
   * @param name The element name (see {@linkcode ScanTree.adjust}).
   * @returns The name the tag ends with, `""` for an ignored tag.
   */
  openName(name: string): string {
    const stack = this.#stack;
    if (name === "form" && stack.includes("form")) return "";
    const closes = CLOSED_BY.get(name);
    if (closes !== undefined) {
      while (stack.length > 0 && closes.has(stack[stack.length - 1])) {
        this.#pop();
      }
    }
    if (!VOID.has(name)) {
      stack.push(name);
      if (name === "svg") this.#foreign.push(SVG);
      else if (name === "math") this.#foreign.push(MATH);
      else if (INTEGRATION.has(name)) this.#foreign.push(HTML);
    }
    return name;
  }

  /**
   * A start tag ended with `>`: report it (a void element closes at once).
   *
   * @param name The name {@linkcode ScanTree.openName} returned.
   * @param attribs Its attributes.
   */
  endOpenTag(name: string, attribs: Record<string, string>): void {
    if (name === "") return;
    this.#events.onopentag(name, attribs);
    if (VOID.has(name)) this.#events.onclosetag(name);
  }

  /**
   * A start tag ended with `/>`: like `>`, but inside foreign content the
   * element closes too.
   *
   * @param name The name {@linkcode ScanTree.openName} returned.
   * @param attribs Its attributes.
   */
  selfClosingTag(name: string, attribs: Record<string, string>): void {
    const closes = this.inForeign;
    this.endOpenTag(name, attribs);
    if (closes && name !== "" && this.#top() === name) this.#pop();
  }

  /**
   * An end tag: close its element and everything open above it; `</p>`
   * without an open `<p>` is an empty paragraph, `</br>` a `<br>`.
   *
   * @param lower The end tag's name, lowercased.
   */
  closeName(lower: string): void {
    const name = this.adjust(lower);
    if (VOID.has(name)) {
      if (name === "br") {
        this.#events.onopentag("br", {});
        this.#events.onclosetag("br");
      }
      return;
    }
    const at = this.#stack.lastIndexOf(name);
    if (at !== -1) {
      while (this.#stack.length > at) this.#pop();
    } else if (name === "p") {
      this.endOpenTag(this.openName("p"), {});
      if (this.#top() === "p") this.#pop();
    }
  }

  #top(): string | undefined {
    return this.#stack[this.#stack.length - 1];
  }

  #pop(): void {
    const name = this.#stack.pop()!;
    if (name === "svg" || name === "math" || INTEGRATION.has(name)) {
      this.#foreign.pop();
    }
    this.#events.onclosetag(name);
  }
}
