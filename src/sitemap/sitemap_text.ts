/**
 * Reading a plain-text sitemap (sitemaps.org: one URL a line) as a stream.
 *
 * @module
 */

/**
 * A streaming reader of a text sitemap: write text in any pieces, then
 * `end()`. Each line, trimmed, that is not empty goes to `onLine`; a line
 * longer than `maxLength` is dropped without being kept whole.
 *
 * @example Lines across pieces
 * ```ts
 * import { SitemapText } from "./sitemap_text.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const text = new SitemapText((line) => lines.push(line), 2048);
 * text.write("https://a.test/\r\nhttps://a.te");
 * text.write("st/b\n\n");
 * text.end();
 * assert.deepEqual(lines, ["https://a.test/", "https://a.test/b"]);
 * ```
 */
export class SitemapText {
  readonly #onLine: (line: string) => void;
  readonly #max: number;
  #partial = "";
  #over = false;

  /**
   * Creates the reader.
   *
   * @param onLine Receives each line.
   * @param maxLength Characters of a line at most.
   */
  constructor(onLine: (line: string) => void, maxLength: number) {
    this.#onLine = onLine;
    this.#max = maxLength;
  }

  /**
   * Reads the next piece of the file.
   *
   * @param text The piece.
   */
  write(text: string): void {
    let start = 0;
    for (
      let nl = text.indexOf("\n");
      nl !== -1;
      nl = text.indexOf("\n", start)
    ) {
      this.#take(text.slice(start, nl));
      this.#line();
      start = nl + 1;
    }
    this.#take(text.slice(start));
  }

  /** Ends the file: a last line without a newline still counts. */
  end(): void {
    this.#line();
  }

  #take(piece: string): void {
    if (this.#over) return;
    this.#partial += piece;
    if (this.#partial.length > this.#max * 2) {
      this.#partial = this.#partial.trim();
      if (this.#partial.length > this.#max) {
        this.#over = true;
        this.#partial = "";
      }
    }
  }

  #line(): void {
    const line = this.#partial.trim();
    const over = this.#over;
    this.#partial = "";
    this.#over = false;
    if (!over && line !== "" && line.length <= this.#max) this.#onLine(line);
  }
}
