/**
 * Reading a sitemap's XML as a stream with htmlparser2 in XML mode: the
 * `<loc>` and `<lastmod>` of each `<url>` (a page) and each `<sitemap>` (an
 * index's sitemap). htmlparser2 knows no DTDs, so entities declared in the
 * file are never expanded (no billion laughs, no external entities), and it
 * is forgiving: a malformed file yields what is readable.
 *
 * @module
 */
import { Parser } from "htmlparser2";

/** What an entry of a sitemap is. */
export type EntryKind = "page" | "sitemap";

/**
 * Receives one entry as written in the file.
 *
 * @param loc The `<loc>` text, trimmed.
 * @param kind A `<url>` is a page, a `<sitemap>` a sitemap.
 * @param lastmod The `<lastmod>` text, trimmed, if any.
 */
export type OnLoc = (loc: string, kind: EntryKind, lastmod?: string) => void;

/** Characters kept of a `<lastmod>`; longer ones are not dates. */
const MAX_LASTMOD = 64;
/**
 * Elements open at once at most. A sitemap needs four or five levels; the
 * parser's stack of open elements costs time linear in its depth for each
 * element opened, so a file nesting deeper is not read further.
 */
const MAX_DEPTH = 32;

/** The entry being read: a `<url>` or `<sitemap>` element. */
interface OpenEntry {
  kind: EntryKind;
  depth: number;
  loc?: string;
  lastmod?: string;
}

/** The element name without its namespace prefix, lowercased. */
function localName(name: string): string {
  const colon = name.indexOf(":");
  return (colon === -1 ? name : name.slice(colon + 1)).toLowerCase();
}

/**
 * A streaming reader of sitemap XML: write text in any pieces, then `end()`.
 * A `<loc>` only counts as a direct child of `<url>` or `<sitemap>` (an
 * `<image:loc>` inside `<image:image>` does not); one longer than
 * `maxLocLength` is dropped, and so is one the end of the file cut.
 *
 * @example Two pages
 * ```ts
 * import { SitemapXml } from "./sitemap_xml.ts";
 * import assert from "node:assert/strict";
 *
 * const locs: string[] = [];
 * const xml = new SitemapXml((loc) => locs.push(loc), 2048);
 * xml.write("<urlset><url><loc>https://a.test/</loc></url><url><lo");
 * xml.write("c>https://a.test/b</loc></url></urlset>");
 * xml.end();
 * assert.deepEqual(locs, ["https://a.test/", "https://a.test/b"]);
 * ```
 */
export class SitemapXml {
  readonly #parser: Parser;
  readonly #onLoc: OnLoc;
  readonly #maxLoc: number;
  #depth = 0;
  #entry?: OpenEntry;
  /** The `<loc>` or `<lastmod>` being read, and its text so far. */
  #field?: { name: "loc" | "lastmod"; text: string; over: boolean };
  #ending = false;
  #stopped?: string;

  /**
   * Creates the reader.
   *
   * @param onLoc Receives each entry.
   * @param maxLocLength Characters of a `<loc>` at most.
   */
  constructor(onLoc: OnLoc, maxLocLength: number) {
    this.#onLoc = onLoc;
    this.#maxLoc = maxLocLength;
    this.#parser = new Parser({
      onopentagname: (name) => this.#open(name),
      ontext: (text) => this.#text(text),
      onclosetag: (_name, implied) => this.#close(implied),
    }, { xmlMode: true });
  }

  /** Why reading stopped before the end of the file, if it did. */
  get stopped(): string | undefined {
    return this.#stopped;
  }

  /**
   * Reads the next piece of the file (nothing once reading stopped).
   *
   * @param text The piece.
   */
  write(text: string): void {
    if (this.#stopped === undefined) this.#parser.write(text);
  }

  /** Ends the file: an entry the end cut off is dropped. */
  end(): void {
    this.#ending = true;
    if (this.#stopped === undefined) this.#parser.end();
  }

  #open(name: string): void {
    const depth = ++this.#depth;
    if (depth > MAX_DEPTH) {
      this.#stopped = `elements nested more than ${MAX_DEPTH} deep`;
      this.#parser.pause();
      return;
    }
    const local = localName(name);
    const entry = this.#entry;
    if (local === "url" || local === "sitemap") {
      // An entry opened inside another one that has its loc: the first was
      // left unclosed; it counts, and the new one is read.
      if (entry?.loc) this.#onLoc(entry.loc, entry.kind, entry.lastmod);
      if (entry === undefined || entry.loc) {
        this.#entry = { kind: local === "url" ? "page" : "sitemap", depth };
        this.#field = undefined;
      }
    } else if (
      entry !== undefined && depth === entry.depth + 1 &&
      (local === "loc" || local === "lastmod")
    ) {
      this.#field = { name: local, text: "", over: false };
    }
  }

  #text(text: string): void {
    const field = this.#field;
    if (field === undefined || field.over) return;
    field.text += text;
    const max = field.name === "loc" ? this.#maxLoc : MAX_LASTMOD;
    if (field.text.length > max) {
      // Indentation does not count; past twice the limit, stop collecting.
      field.text = field.text.trimStart();
      if (field.text.length > max * 2) field.over = true;
    }
  }

  #close(implied: boolean): void {
    const depth = this.#depth--;
    const entry = this.#entry;
    if (entry === undefined) return;
    const field = this.#field;
    if (field !== undefined && depth === entry.depth + 1) {
      this.#field = undefined;
      const text = field.text.trim();
      const max = field.name === "loc" ? this.#maxLoc : MAX_LASTMOD;
      // A field the end of the file closed may be cut short: not kept.
      if (!field.over && text.length <= max && !(implied && this.#ending)) {
        entry[field.name] = text;
      }
    } else if (depth === entry.depth) {
      this.#entry = undefined;
      if (entry.loc) this.#onLoc(entry.loc, entry.kind, entry.lastmod);
    }
  }
}
