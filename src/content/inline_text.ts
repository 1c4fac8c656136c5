/**
 * The text of one block as it is written: HTML whitespace collapsed, inline
 * markup (emphasis, links) opened only around content, Markdown escaped.
 *
 * @module
 */

const WHITESPACE = /[\t\n\f\r \u00a0]+/g;
/** Whether text has whitespace other than single spaces (most has not). */
const COLLAPSIBLE = /[\t\n\f\r\u00a0]| {2}/;
/** Characters that would start Markdown inline syntax anywhere. */
const MARKDOWN_SPECIAL =
  /[\\*`[\]]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_|<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)|~~/g;
/** What would start a block at the beginning of a line. */
const LINE_START = /^([#>+=-])|^(\d+)([.)])(?=\s|$)/;

/** A quick test for {@linkcode MARKDOWN_SPECIAL}'s characters. */
const MAYBE_SPECIAL = /[\\*`[\]_<&~]/;

function escapeMarkdown(text: string): string {
  if (!MAYBE_SPECIAL.test(text)) return text;
  return text.replace(MARKDOWN_SPECIAL, (m) => m === "~~" ? "\\~~" : "\\" + m);
}

/**
 * Escapes what would make a line of Markdown start a heading, quote, list
 * or rule.
 *
 * @param line One line of a paragraph.
 * @returns The line, safe at the start of a block.
 */
export function escapeLineStart(line: string): string {
  return line.replace(
    LINE_START,
    (_m, sign: string | undefined, digits: string, dot: string) =>
      sign !== undefined ? "\\" + sign : `${digits}\\${dot}`,
  );
}

/** An inline element around content: emphasis, strike-through, a link. */
interface Span {
  /** Written before the first content. */
  open: string;
  /** Written after the last content. */
  close: string;
  /** Whether `open` was written (there was content). */
  written: boolean;
}

/**
 * Inline content of one block. Runs of whitespace become one space, none at
 * the start or end; a span's markers are written only around content (an
 * empty `<em>` or link leaves nothing), and whitespace at a span's edges
 * moves outside it.
 */
export class InlineText {
  readonly #markdown: boolean;
  #parts: string[] = [];
  #spans: Span[] = [];
  /** Whitespace seen and not yet written. */
  #space = false;
  /** Nothing but markers written since the last line start. */
  #lineStart = true;
  #length = 0;

  /**
   * @param markdown Escape text and write markers (else plain text).
   */
  constructor(markdown: boolean) {
    this.#markdown = markdown;
  }

  /** Characters of content written so far. */
  get length(): number {
    return this.#length;
  }

  /** Whether the block has content. */
  get empty(): boolean {
    return this.#length === 0;
  }

  /**
   * Adds text from the page: whitespace collapsed, escaped in Markdown.
   *
   * @param data The decoded text.
   */
  text(data: string): void {
    const words = COLLAPSIBLE.test(data) ? data.replace(WHITESPACE, " ") : data;
    if (words === " ") {
      this.#space = true;
      return;
    }
    if (words === "") return;
    const lead = words.charCodeAt(0) === 32;
    const trail = words.charCodeAt(words.length - 1) === 32;
    const core = words.slice(lead ? 1 : 0, trail ? -1 : undefined);
    if (lead) this.#space = true;
    this.#write(this.#markdown ? escapeMarkdown(core) : core);
    if (trail) this.#space = true;
  }

  /**
   * Adds content written as is (a code span, an image).
   *
   * @param markup The content.
   */
  atom(markup: string): void {
    if (markup !== "") this.#write(markup);
  }

  /** Marks a break between words (a block boundary inside this block). */
  space(): void {
    this.#space = true;
  }

  /** Adds a line break (in Markdown, a hard one). */
  lineBreak(): void {
    if (this.#length === 0) return;
    this.#parts.push(this.#markdown ? "\\\n" : "\n");
    this.#space = false;
    this.#lineStart = true;
  }

  /**
   * Opens a span; its markers appear only if content follows.
   *
   * @param open The opening marker.
   * @param close The closing marker.
   */
  open(open: string, close: string): void {
    this.#spans.push({ open, close, written: false });
  }

  /** Closes the innermost span. */
  close(): void {
    const span = this.#spans.pop();
    if (span?.written) this.#parts.push(span.close);
  }

  /**
   * Ends the block: its text (without leading or trailing whitespace), and
   * the buffer is empty again. Open spans are closed.
   *
   * @returns The block's text.
   */
  take(): string {
    for (let i = this.#spans.length - 1; i >= 0; i--) {
      const span = this.#spans[i];
      if (span.written) {
        this.#parts.push(span.close);
        span.written = false;
      }
    }
    const text = this.#parts.join("");
    this.#parts = [];
    this.#space = false;
    this.#lineStart = true;
    this.#length = 0;
    return text;
  }

  #write(content: string): void {
    if (this.#space && !this.#lineStart) this.#parts.push(" ");
    this.#space = false;
    for (const span of this.#spans) {
      if (!span.written) {
        this.#parts.push(span.open);
        span.written = true;
      }
    }
    if (this.#markdown && this.#lineStart) {
      content = escapeLineStart(content);
    }
    this.#lineStart = false;
    this.#parts.push(content);
    this.#length += content.length;
  }
}
