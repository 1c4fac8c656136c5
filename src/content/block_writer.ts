/**
 * Lines of output grouped in blocks, inside block quotes and list items
 * that prefix them.
 *
 * @module
 */

/**
 * Containers deeper than this add no more prefix: deeper quotes and lists
 * are written at this depth, so output stays proportional to input.
 */
export const MAX_NESTING = 8;

interface Container {
  /** `"> "` for a quote; the marker (`"- "`, `"3. "`) for a list item. */
  marker: string;
  /** A quote repeats its marker on every line; an item writes it once. */
  quote: boolean;
  /** The item's marker was written (later lines are indented instead). */
  used: boolean;
}

/**
 * Collects blocks into text. Blocks are separated by a blank line, except
 * inside lists (tight lists, set apart as a whole); each line carries the prefixes of the quotes
 * and list items around it.
 *
 * @example A nested list in a quote
 * ```ts
 * import { BlockWriter } from "./block_writer.ts";
 * import assert from "node:assert/strict";
 *
 * const w = new BlockWriter(true);
 * w.push("> ", true);
 * w.openList();
 * w.push("- ", false);
 * w.block("one\ntwo");
 * w.pop();
 * w.closeList();
 * w.pop();
 * w.block("after");
 * assert.equal(w.finish(), "> - one\n>   two\n\nafter");
 * ```
 */
export class BlockWriter {
  readonly #markers: boolean;
  readonly #containers: Container[] = [];
  readonly #lines: string[] = [];
  /** Containers opened past {@linkcode MAX_NESTING} (not kept). */
  #ignored = 0;
  /** Open lists: blocks inside are not set apart. */
  #lists = 0;
  /** A list started: its first block is set apart from what came before. */
  #listStart = false;
  /** The blank line before the next block is written (a quote opened). */
  #separated = false;
  #length = 0;

  /**
   * @param markers Write quote and list markers (Markdown); plain text
   * writes none.
   */
  constructor(markers: boolean) {
    this.#markers = markers;
  }

  /** Characters written so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Opens a container: a quote (`"> "`) or a list item (its marker).
   *
   * @param marker The prefix.
   * @param quote Whether every line repeats it.
   */
  push(marker: string, quote: boolean): void {
    if (this.#containers.length >= MAX_NESTING) {
      this.#ignored++;
      return;
    }
    if (quote && this.#lines.length > 0 && this.#lists === 0) {
      // The blank line before a quote belongs to what is around it.
      this.#blank();
      this.#separated = true;
    }
    this.#containers.push({
      marker: this.#markers ? marker : "",
      quote,
      used: false,
    });
  }

  /** Closes the innermost container. */
  pop(): void {
    if (this.#ignored > 0) {
      this.#ignored--;
      return;
    }
    this.#containers.pop();
  }

  /** A list starts: its items are tight, the list is set apart. */
  openList(): void {
    if (this.#lists++ === 0) this.#listStart = true;
  }

  /** A list ends. */
  closeList(): void {
    if (this.#lists > 0) this.#lists--;
  }

  /**
   * Adds a block; each of its lines gets the containers' prefixes.
   *
   * @param text The block, lines separated by `"\n"`.
   */
  block(text: string): void {
    if (
      this.#lines.length > 0 && !this.#separated &&
      (this.#lists === 0 || this.#listStart)
    ) {
      this.#blank();
    }
    this.#listStart = false;
    this.#separated = false;
    for (const line of text.split("\n")) this.#line(line);
  }

  /**
   * The text written, without trailing whitespace.
   *
   * @returns The output.
   */
  finish(): string {
    return this.#lines.join("\n").trimEnd();
  }

  #blank(): void {
    const last = this.#lines[this.#lines.length - 1];
    const prefix = this.#prefix(true).trimEnd();
    if (last !== prefix) this.#add(prefix);
  }

  #line(line: string): void {
    this.#add((this.#prefix(false) + line).trimEnd());
  }

  #add(line: string): void {
    this.#lines.push(line);
    this.#length += line.length + 1;
  }

  /** The prefixes of the open containers for the next line. */
  #prefix(blank: boolean): string {
    let prefix = "";
    for (const c of this.#containers) {
      if (c.quote || c.used) {
        prefix += c.quote ? c.marker : " ".repeat(c.marker.length);
      } else {
        prefix += blank ? " ".repeat(c.marker.length) : c.marker;
        if (!blank) c.used = true;
      }
    }
    return prefix;
  }
}
