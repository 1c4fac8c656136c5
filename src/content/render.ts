/**
 * The converter behind Markdown and text: one walk over the page's tree
 * that writes blocks (paragraphs, headings, lists, quotes, code, tables)
 * and their inline content.
 *
 * @module
 */
import type { AnyNode, Element, ParentNode } from "domhandler";
import { BlockWriter } from "./block_writer.ts";
import { codeLanguage } from "./code_language.ts";
import { InlineText } from "./inline_text.ts";
import { IMAGE_SCHEMES, LINK_SCHEMES, resolveHref } from "./resolve_href.ts";
import { gfmTable, isLayoutTable, textTable } from "./table.ts";
import {
  isHidden,
  isPermalink,
  type TreeVisitor,
  visibleText,
  walk,
} from "./tree.ts";

/** Options of {@linkcode render}. */
export interface RenderOptions {
  /**
   * The URL relative links and images resolve against: the page's
   * `<base href>`, else its final URL.
   *
   * @default {undefined} (relative links are written as text)
   */
  baseUrl?: string;
  /**
   * Elements left out, with their content (what main-content extraction
   * drops).
   *
   * @default {undefined}
   */
  skip?: ReadonlySet<AnyNode>;
}

/** What an element is to the converter (absent: inline, written as its text). */
const enum Role {
  /** Starts and ends a block. */
  Block,
  /** A link or emphasis: markers around its content. */
  Span,
  Heading,
  Table,
  Row,
  Cell,
  List,
  Item,
  Quote,
  /** Written whole without entering it: `br`, `img`, `hr`, `pre`, `code`. */
  Void,
}

const ROLES: ReadonlyMap<string, Role> = new Map<string, Role>([
  ...[
    "address",
    "article",
    "aside",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "html",
    "legend",
    "main",
    "nav",
    "p",
    "section",
    "summary",
    "tbody",
    "tfoot",
    "thead",
  ].map((name) => [name, Role.Block] as const),
  ...["a", "em", "i", "strong", "b", "del", "s", "strike"].map((name) =>
    [name, Role.Span] as const
  ),
  ...["h1", "h2", "h3", "h4", "h5", "h6"].map((name) =>
    [name, Role.Heading] as const
  ),
  ["table", Role.Table],
  ["tr", Role.Row],
  ["td", Role.Cell],
  ["th", Role.Cell],
  ["ul", Role.List],
  ["ol", Role.List],
  ["menu", Role.List],
  ["li", Role.Item],
  ["blockquote", Role.Quote],
  ...["br", "img", "wbr", "hr", "pre", "code"].map((name) =>
    [name, Role.Void] as const
  ),
]);

/** The Markdown marker of each emphasis element. */
const EMPHASIS: ReadonlyMap<string, string> = new Map([
  ["em", "*"],
  ["i", "*"],
  ["strong", "**"],
  ["b", "**"],
  ["del", "~~"],
  ["s", "~~"],
  ["strike", "~~"],
]);

/** The largest `<ol start>` honoured (longer markers are noise). */
const MAX_START = 999_999_999;

/** What closing an element does, decided when it opened. */
const enum Close {
  Nothing,
  Space,
  Block,
  Span,
  Flat,
  Heading,
  Table,
  Cell,
  List,
  Item,
  Quote,
}

interface TableRows {
  rows: string[][];
}

/** A code span around `code`, with a fence longer than any run inside. */
function codeSpan(code: string): string {
  let longest = 0;
  for (const run of code.match(/`+/g) ?? []) {
    longest = Math.max(longest, run.length);
  }
  const fence = "`".repeat(longest + 1);
  const pad = code.startsWith("`") || code.endsWith("`") ? " " : "";
  return `${fence}${pad}${code}${pad}${fence}`;
}

/** A fenced code block (or, in text, the code as it is). */
function codeBlock(code: string, lang: string | undefined): string {
  let longest = 2;
  for (const run of code.match(/`{3,}/g) ?? []) {
    longest = Math.max(longest, run.length);
  }
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang ?? ""}\n${code}\n${fence}`;
}

/** A `<pre>`'s text: the newline right after the tag and trailing blank lines dropped. */
function preText(pre: Element, skip?: ReadonlySet<AnyNode>): string {
  return visibleText(pre, skip).replace(/^\r?\n/, "").replace(/\s+$/, "");
}

function collapse(text: string): string {
  return text.replace(/[\t\n\f\r \u00a0]+/g, " ").trim();
}

/** Writes one tree as Markdown or text (see {@linkcode render}). */
class Renderer implements TreeVisitor {
  readonly #md: boolean;
  readonly #base: URL | undefined;
  readonly #skip: ReadonlySet<AnyNode> | undefined;
  readonly #out: BlockWriter;
  #inline: InlineText;
  /** The block's text while a table cell is read. */
  #outside: InlineText | undefined;
  /** Open elements that make blocks inside them inline (links, emphasis, headings, cells). */
  #flat = 0;
  #heading = 0;
  readonly #closes: Close[] = [];
  readonly #lists: { ordered: boolean; next: number }[] = [];
  /** Open tables: the rows of a data table, `null` for a layout table. */
  readonly #tables: (TableRows | null)[] = [];
  readonly #emphasis = new Map<string, number>();
  readonly #links = new Map<string, string | undefined>();

  constructor(markdown: boolean, options: RenderOptions) {
    this.#md = markdown;
    this.#base = options.baseUrl === undefined
      ? undefined
      : URL.parse(options.baseUrl) ?? undefined;
    this.#skip = options.skip;
    this.#out = new BlockWriter(markdown);
    this.#inline = new InlineText(markdown);
  }

  text(data: string): void {
    this.#inline.text(data);
  }

  open(el: Element): boolean {
    if (isHidden(el)) return false;
    const role = ROLES.get(el.name);
    if (role === Role.Void) {
      this.#void(el);
      return false;
    }
    const close = role === undefined
      ? Close.Nothing
      : role === Role.Span
      ? this.#openSpan(el)
      : this.#flat > 0
      ? this.#separate()
      : this.#openBlock(el, role);
    if (close === undefined) return false;
    this.#closes.push(close);
    return true;
  }

  close(el: Element): void {
    switch (this.#closes.pop()) {
      case Close.Space:
        this.#inline.space();
        break;
      case Close.Block:
        this.#flush();
        break;
      case Close.Span:
        this.#inline.close();
        this.#unmark(el.name);
        this.#flat--;
        break;
      case Close.Flat:
        this.#flat--;
        break;
      case Close.Heading:
        this.#closeHeading();
        break;
      case Close.Table:
        this.#closeTable();
        break;
      case Close.Cell:
        this.#closeCell();
        break;
      case Close.List:
        this.#flush();
        this.#lists.pop();
        this.#out.closeList();
        break;
      case Close.Item:
      case Close.Quote:
        this.#flush();
        this.#out.pop();
        break;
    }
  }

  finish(): string {
    this.#flush();
    return this.#out.finish();
  }

  /** Elements written whole (or not at all) without entering them. */
  #void(el: Element): void {
    switch (el.name) {
      case "br":
        if (this.#flat > 0) this.#inline.space();
        else this.#inline.lineBreak();
        return;
      case "img":
        this.#image(el);
        return;
      case "wbr":
        return;
      case "hr":
        if (this.#flat === 0) {
          this.#flush();
          if (this.#md) this.#out.block("---");
        }
        return;
      case "pre":
        if (this.#flat > 0) this.#inline.text(preText(el, this.#skip));
        else this.#codeBlock(el);
        return;
      case "code": {
        const code = collapse(visibleText(el, this.#skip));
        if (code !== "") {
          if (this.#md) this.#inline.atom(codeSpan(code));
          else this.#inline.text(code);
        }
        return;
      }
    }
  }

  /** Inside a link, emphasis, heading or cell: a block is a word break. */
  #separate(): Close {
    this.#inline.space();
    return Close.Space;
  }

  #openBlock(el: Element, role: Role): Close {
    const table = this.#tables[this.#tables.length - 1];
    switch (role) {
      case Role.Heading:
        this.#flush();
        this.#heading = el.name.charCodeAt(1) - 48;
        this.#flat++;
        return Close.Heading;
      case Role.Table:
        return this.#openTable(el);
      case Role.Cell:
        if (table) return this.#openCell(table);
        break;
      case Role.Row:
        if (table) {
          this.#flush();
          table.rows.push([]);
          return Close.Block;
        }
        break;
      case Role.List:
        return this.#openList(el);
      case Role.Item: {
        this.#flush();
        const list = this.#lists[this.#lists.length - 1];
        this.#out.push(list?.ordered ? `${list.next++}. ` : "- ", false);
        return Close.Item;
      }
      case Role.Quote:
        this.#flush();
        this.#out.push("> ", true);
        return Close.Quote;
    }
    this.#flush();
    return Close.Block;
  }

  #openList(el: Element): Close {
    this.#flush();
    const start = Number.parseInt(el.attribs.start ?? "1", 10);
    this.#out.openList();
    this.#lists.push({
      ordered: el.name === "ol",
      next: Number.isFinite(start) && Math.abs(start) <= MAX_START ? start : 1,
    });
    return Close.List;
  }

  /** A link or emphasis: markers around content (Markdown only). */
  #openSpan(el: Element): Close | undefined {
    if (el.name === "a" && isPermalink(el)) return undefined;
    this.#flat++;
    if (!this.#md) return Close.Flat;
    if (el.name === "a") {
      const href = el.attribs.href;
      const url = href === undefined ? undefined : this.#link(href);
      if (url === undefined) return Close.Flat;
      this.#inline.open("[", `](${url})`);
      return Close.Span;
    }
    const marker = EMPHASIS.get(el.name)!;
    const open = this.#emphasis.get(marker) ?? 0;
    this.#emphasis.set(marker, open + 1);
    if (open > 0) this.#inline.open("", "");
    else this.#inline.open(marker, marker);
    return Close.Span;
  }

  /** A link's URL (pages repeat links: each is resolved once). */
  #link(href: string): string | undefined {
    if (this.#links.has(href)) return this.#links.get(href);
    const url = resolveHref(href, this.#base, LINK_SCHEMES);
    this.#links.set(href, url);
    return url;
  }

  #unmark(name: string): void {
    const marker = EMPHASIS.get(name);
    if (marker !== undefined) {
      this.#emphasis.set(marker, (this.#emphasis.get(marker) ?? 1) - 1);
    }
  }

  #image(el: Element): void {
    const alt = collapse(el.attribs.alt ?? "");
    if (!this.#md) return;
    const src = el.attribs.src;
    const url = src === undefined
      ? undefined
      : resolveHref(src, this.#base, IMAGE_SCHEMES);
    if (url === undefined) {
      if (alt !== "") this.#inline.text(alt);
      return;
    }
    this.#inline.atom(`![${alt.replace(/[\\[\]]/g, "\\$&")}](${url})`);
  }

  #codeBlock(pre: Element): void {
    this.#flush();
    const code = preText(pre, this.#skip);
    if (code.trim() === "") return;
    this.#out.block(this.#md ? codeBlock(code, codeLanguage(pre)) : code);
  }

  #closeHeading(): void {
    const text = this.#inline.take();
    this.#flat--;
    if (text !== "") {
      this.#out.block(
        this.#md ? `${"#".repeat(this.#heading)} ${text}` : text,
      );
    }
    this.#heading = 0;
  }

  #openTable(el: Element): Close {
    this.#flush();
    if (isLayoutTable(el)) {
      this.#tables.push(null);
      return Close.Table;
    }
    this.#tables.push({ rows: [] });
    return Close.Table;
  }

  #openCell(table: TableRows): Close {
    if (table.rows.length === 0) table.rows.push([]);
    this.#outside = this.#inline;
    this.#inline = new InlineText(this.#md);
    this.#flat++;
    return Close.Cell;
  }

  #closeCell(): void {
    const text = this.#inline.take().replaceAll("\n", " ");
    this.#inline = this.#outside!;
    this.#outside = undefined;
    this.#flat--;
    const table = this.#tables[this.#tables.length - 1]!;
    table.rows[table.rows.length - 1].push(text);
  }

  #closeTable(): void {
    this.#flush();
    const table = this.#tables.pop();
    if (!table) return;
    const written = this.#md ? gfmTable(table.rows) : textTable(table.rows);
    if (written !== "") this.#out.block(written);
  }

  #flush(): void {
    if (this.#inline.empty) {
      this.#inline.take();
      return;
    }
    this.#out.block(this.#inline.take());
  }
}

/**
 * Converts a page's tree (or a part of it) to Markdown or plain text. The
 * tree is walked once, without recursion. Never throws on any tree.
 *
 * @example Markdown with an absolute link
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { render } from "./render.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = parseDocument('<h1>Hi</h1><p>See <a href="/x">this</a>.</p>');
 * assert.equal(
 *   render(doc, "markdown", { baseUrl: "https://example.com/" }),
 *   "# Hi\n\nSee [this](https://example.com/x).",
 * );
 * assert.equal(render(doc, "text"), "Hi\n\nSee this.");
 * ```
 *
 * @param root The document or element.
 * @param format `"markdown"` or `"text"`.
 * @param options The base URL and the elements to leave out.
 * @returns The content.
 */
export function render(
  root: ParentNode,
  format: "markdown" | "text",
  options: RenderOptions = {},
): string {
  const renderer = new Renderer(format === "markdown", options);
  walk(root, renderer, options.skip);
  return renderer.finish();
}
