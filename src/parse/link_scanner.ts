/**
 * The link scanner: finds a page's links and metadata at the character
 * level, for pages that need nothing else. It jumps from `<` to `<` over
 * text, reads the attributes of the few elements that matter (`html`, `a`,
 * `area`, `base`, `link`, `meta`, `title`, `template`, `svg`, `math`), and skips
 * the others' with the same state machine, so it finds exactly what the
 * htmlparser2 path (`extractLinks`) finds: the same events reach the same
 * {@linkcode PageScan}, and the same {@linkcode finishPage} normalizes them.
 * With `references` (link checking, page requisites) it reads every
 * element's attributes (any may hold an `id`) and reports the text inside
 * links. Differential property tests hold the two paths equal.
 *
 * @module
 */
import {
  botNameOf,
  type ExtractLinksOptions,
  linkCap,
} from "./extract_links.ts";
import { type ExtractedPage, finishPage, PageScan } from "./page_scan.ts";
import { REFERENCE_ELEMENTS } from "./references.ts";
import {
  attributeValue,
  cdataEnd,
  commentEnd,
  dataText,
  endsName,
  isSpace,
  rawTextEnd,
  rawTextOf,
  rcdataText,
  startsRawText,
} from "./scan_markup.ts";
import { ScanTree } from "./scan_tree.ts";

const SLASH = 0x2f;
const GT = 0x3e;
const EQ = 0x3d;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQ = 0x22;
const SQ = 0x27;
const DASH = 0x2d;
const OPEN_BRACKET = 0x5b;

/** The elements whose attributes the page scan reads. */
const WANTED = new Set([
  "html",
  "a",
  "area",
  "base",
  "link",
  "meta",
  "title",
  "template",
  "svg",
  "math",
]);

/** Which attributes of a tag are read. */
type Want = typeof NONE | typeof ID | typeof ALL;
/** None. */
const NONE = 0;
/** Its `id` only: any element may be a fragment target. */
const ID = 1;
/** All. */
const ALL = 2;

/** Reports no attributes: the tag's are not read. */
const SKIPPED: Record<string, string> = Object.freeze({}) as Record<
  string,
  string
>;

function isAlpha(c: number): boolean {
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a;
}

/** A start tag read up to its end. */
interface StartTag {
  /** The index after the tag's `>`, or -1 when the document ends in the tag. */
  next: number;
  /**
   * It ended with `/>`; with `next` -1, the document ended after a `/`
   * (and whitespace) between attributes.
   */
  selfClosing: boolean;
  /** Its attributes (first of each name wins), or none when not wanted. */
  attribs: Record<string, string>;
}

/**
 * Reads a start tag's attributes from `i` (the character that ended its
 * name) to its `>`, as htmlparser2's tokenizer does.
 *
 * @returns The tag (`next` -1 when the document ends inside it).
 */
function readAttributes(
  s: string,
  i: number,
  want: Want,
): StartTag {
  const n = s.length;
  const attribs: Record<string, string> = want === NONE ? SKIPPED : {};
  const set = (name: string, value: string) => {
    const key = name.toLowerCase();
    if (!Object.hasOwn(attribs, key)) attribs[key] = value;
  };
  // Whether the attribute named `s[start, end)` is kept.
  const keep = (start: number, end: number) =>
    want === ALL ||
    (want === ID && end - start === 2 &&
      (s.charCodeAt(start) | 0x20) === 0x69 &&
      (s.charCodeAt(start + 1) | 0x20) === 0x64);
  let selfClosing = false;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c === GT) return { next: i + 1, selfClosing, attribs };
    if (c === SLASH || isSpace(c)) {
      selfClosing = c === SLASH || (selfClosing && isSpace(c));
      i++;
      continue;
    }
    selfClosing = false;
    // An attribute name: this character, then up to `=`, space, `/`, `>`.
    const start = i++;
    while (i < n && (c = s.charCodeAt(i)) !== EQ && !endsName(c)) i++;
    const nameEnd = i;
    while (i < n && isSpace(c = s.charCodeAt(i))) i++;
    if (i >= n) return IN_ATTRIBUTE;
    if (c !== EQ) {
      if (keep(start, nameEnd)) set(s.slice(start, nameEnd), "");
      continue;
    }
    i++;
    while (i < n && isSpace(c = s.charCodeAt(i))) i++;
    if (i >= n) return IN_ATTRIBUTE;
    let end: number;
    if (c === DQ || c === SQ) {
      end = s.indexOf(c === DQ ? '"' : "'", i + 1);
      if (end === -1) return IN_ATTRIBUTE;
      if (keep(start, nameEnd)) {
        set(s.slice(start, nameEnd), attributeValue(s, i + 1, end));
      }
      i = end + 1;
    } else {
      end = i;
      while (end < n && (c = s.charCodeAt(end)) !== GT && !isSpace(c)) end++;
      if (end >= n) return IN_ATTRIBUTE;
      if (keep(start, nameEnd)) {
        set(s.slice(start, nameEnd), attributeValue(s, i, end));
      }
      i = end;
    }
  }
  return { next: -1, selfClosing, attribs: SKIPPED };
}

/** A start tag the document ends in, inside an attribute. */
const IN_ATTRIBUTE: StartTag = Object.freeze({
  next: -1,
  selfClosing: false,
  attribs: SKIPPED,
});

/**
 * The scan of one document: the position, the element tree and the page
 * scan the events go to.
 */
class Scanner {
  readonly #s: string;
  readonly #scan: PageScan;
  readonly #tree: ScanTree;
  /** Every element's attributes are read, and text is reported. */
  readonly #references: boolean;
  readonly #ontext: (text: string) => void;

  constructor(s: string, scan: PageScan) {
    this.#s = s;
    this.#scan = scan;
    this.#tree = new ScanTree(scan);
    this.#references = scan.refs !== undefined;
    // Bound, not an arrow: V8 makes a function written into a property of
    // `this` in its old generation (it expects a method that lives long).
    // Made for every page, such a closure kept the page's document, which
    // its scan's hrefs are slices of, alive until the next full collection:
    // the parser promoted about 0.9 MB at every scavenge.
    this.#ontext = scan.ontext.bind(scan);
  }

  /**
   * Which attributes of element `name` the page scan needs: those of the
   * elements it reads, and with references those of the elements that
   * hold one and every other element's `id`.
   */
  #want(name: string): Want {
    if (WANTED.has(name)) return ALL;
    if (!this.#references) return NONE;
    return REFERENCE_ELEMENTS.has(name) ? ALL : ID;
  }

  /** Scans the whole document. */
  run(): void {
    const s = this.#s;
    // Where the text that the next `<` ends starts (references only).
    let text = 0;
    let i = 0;
    while (i >= 0) {
      const lt = s.indexOf("<", i);
      if (lt === -1 || lt + 1 >= s.length) {
        // As htmlparser2: a `<` ending the document is text of its own.
        if (lt !== -1) this.#text(text, lt);
        this.#text(lt === -1 ? text : lt, s.length);
        return;
      }
      this.#text(text, lt);
      const c = s.charCodeAt(lt + 1);
      if (isAlpha(c)) i = this.#startTag(lt + 1);
      else if (c === SLASH) i = this.#endTag(lt + 2);
      else if (c === BANG) i = this.#declaration(lt + 2);
      else if (c === QUESTION) i = this.#after(s.indexOf(">", lt + 2));
      else {
        // A `<` that opens nothing starts the next piece of text.
        i = lt + 1;
        text = lt;
        continue;
      }
      text = i;
    }
  }

  /** Whether the page scan wants the text `s[from, to)` (references only). */
  #wantsText(from: number, to: number): boolean {
    return this.#references && from < to && this.#scan.wantsText;
  }

  /** The text `s[from, to)` between markup, to the page scan if it wants it. */
  #text(from: number, to: number): void {
    if (this.#wantsText(from, to)) dataText(this.#s, from, to, this.#ontext);
  }

  /** The index after the `>` at `gt`, or -1 (the end) when there is none. */
  #after(gt: number): number {
    return gt === -1 ? -1 : gt + 1;
  }

  /** `<!`: a comment, a CDATA section, or a declaration up to `>`. */
  #declaration(i: number): number {
    const s = this.#s;
    if (i >= s.length) return -1;
    const c = s.charCodeAt(i);
    if (c === DASH && s.charCodeAt(i + 1) === DASH) {
      return this.#after(commentEnd(s, i + 2));
    }
    if (c === DASH) {
      if (i + 1 >= s.length) return -1;
      return this.#after(s.indexOf(">", i + 1));
    }
    if (c !== OPEN_BRACKET) return this.#after(s.indexOf(">", i));
    const open = "CDATA[";
    for (let k = 0; k < open.length; k++) {
      const at = i + 1 + k;
      if (at >= s.length) return -1;
      if (s.charCodeAt(at) !== open.charCodeAt(k)) {
        return this.#after(s.indexOf(">", at));
      }
    }
    const from = i + 1 + open.length;
    const end = cdataEnd(s, from);
    if (end === -1) return -1;
    // Inside foreign content a CDATA section is text; elsewhere a comment.
    if (this.#tree.inForeign) this.#scan.ontext(s.slice(from, end - 2));
    return end + 1;
  }

  /**
   * Text htmlparser2 reports when the document ends inside markup (its
   * tokenizer's trailing data): `s[from, to)` as written.
   */
  #tail(from: number, to: number): void {
    if (this.#wantsText(from, to)) this.#scan.ontext(this.#s.slice(from, to));
  }

  /** `</`: an end tag, or a bogus comment. */
  #endTag(i: number): number {
    const s = this.#s;
    if (i >= s.length) {
      this.#tail(i - 2, s.length); // `</` ends the document
      return -1;
    }
    const c = s.charCodeAt(i);
    if (c === GT) return i + 1;
    if (!isAlpha(c)) return this.#after(s.indexOf(">", i + 1));
    let end = i + 1;
    while (end < s.length && !endsName(s.charCodeAt(end))) end++;
    if (end >= s.length) return -1;
    return this.#closeAt(i, end);
  }

  /** The end tag named `s[start, end)` closes; then skip to its `>`. */
  #closeAt(start: number, end: number): number {
    const s = this.#s;
    this.#tree.closeName(s.slice(start, end).toLowerCase());
    if (s.charCodeAt(end) === GT) return end + 1;
    const gt = s.indexOf(">", end + 1);
    // htmlparser2 reports the document's last character then.
    if (gt === -1) this.#tail(s.length - 1, s.length);
    return this.#after(gt);
  }

  /** A start tag whose name starts at `i`, and a raw-text body after it. */
  #startTag(i: number): number {
    const s = this.#s;
    const tree = this.#tree;
    let end = i + 1;
    while (end < s.length && !endsName(s.charCodeAt(end))) end++;
    if (end >= s.length) {
      // A name that may still become a raw-text element's is text then.
      if (!tree.inForeign && startsRawText(s, i, end)) this.#tail(i, end);
      return -1;
    }
    // Raw text is decided before the tag opens: not inside foreign content.
    const rawText = tree.inForeign ? undefined : rawTextOf(s, i, end);
    const name = tree.openName(tree.adjust(s.slice(i, end).toLowerCase()));
    const tag = readAttributes(s, end, this.#want(name));
    if (tag.next === -1) {
      // After a `/`, htmlparser2 reports the document's last character.
      if (tag.selfClosing) this.#tail(s.length - 1, s.length);
      return -1;
    }
    if (tag.selfClosing) tree.selfClosingTag(name, tag.attribs);
    else tree.endOpenTag(name, tag.attribs);
    if (rawText === undefined) return tag.next;
    if (rawText === "plaintext") {
      this.#rawText(rawText, tag.next, s.length);
      return -1;
    }
    const close = rawTextEnd(s, tag.next, rawText);
    const textEnd = close === -1 ? s.length : close - rawText.length - 2;
    this.#rawText(rawText, tag.next, textEnd);
    if (close === -1) return -1;
    return this.#closeAt(textEnd + 2, close);
  }

  /**
   * The content `s[from, to)` of the raw-text element `name`, to the page
   * scan: a title's always, the others' when it wants text. Character
   * references are decoded in titles and text areas only.
   */
  #rawText(name: string, from: number, to: number): void {
    if (name === "title") {
      rcdataText(this.#s, from, to, name, this.#ontext);
    } else if (this.#wantsText(from, to)) {
      if (name === "textarea") {
        rcdataText(this.#s, from, to, name, this.#ontext);
      } else this.#scan.ontext(this.#s.slice(from, to));
    }
  }
}

/**
 * Extracts the links and metadata of an HTML page like
 * {@linkcode extractLinks} (same links, `rel` and nofollow merging, base,
 * title, canonical, meta robots and refresh, `invalid` and `truncated`, and
 * with `references` the references, fragment targets and link texts),
 * reading only what they need. Never throws on any `html`.
 *
 * @example Usage
 * ```ts
 * import { scanLinks } from "./link_scanner.ts";
 * import assert from "node:assert/strict";
 *
 * const page = scanLinks(
 *   `<title>Home &amp; away</title><script>"<a href=/no>"</script>
 *    <a href="/a#top">A</a> <a href=b rel="NoFollow">B</a>`,
 *   "https://example.com/dir/",
 * );
 * assert.equal(page.title, "Home & away");
 * assert.deepEqual(page.links, [
 *   { url: "https://example.com/a", nofollow: false },
 *   { url: "https://example.com/dir/b", nofollow: true, rel: "nofollow" },
 * ]);
 * ```
 *
 * @param html The page's text.
 * @param baseUrl The page's URL (after redirects).
 * @param options The link cap, the crawler's robots name, references.
 * @returns The links and metadata.
 * @throws {RangeError} If `maxLinks` is not a non-negative integer or
 *   `Infinity`.
 */
export function scanLinks(
  html: string,
  baseUrl: string,
  options: ExtractLinksOptions = {},
): ExtractedPage {
  const maxLinks = linkCap(options);
  const scan = new PageScan(botNameOf(options), options.references === true);
  new Scanner(html, scan).run();
  return finishPage(scan, baseUrl, maxLinks);
}
