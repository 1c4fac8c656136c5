/**
 * Reading one sitemap file as a stream: gzip or not (by its bytes), XML
 * (a `<urlset>` or a `<sitemapindex>`) or plain text (by its first
 * character), within the protocol's limits.
 *
 * @module
 */
import { normalizeUrl } from "../url/normalize_url.ts";
import { SITEMAP_LIMITS } from "./limits.ts";
import { type ByteReport, sitemapBytes } from "./sitemap_bytes.ts";
import { SitemapText } from "./sitemap_text.ts";
import { type EntryKind, SitemapXml } from "./sitemap_xml.ts";

export type { EntryKind } from "./sitemap_xml.ts";

/** One URL a sitemap lists. */
export interface SitemapEntry {
  /** The URL, in normal form. */
  url: string;
  /** A page (`<url>`, or a line of a text sitemap), or a sitemap (an index's `<sitemap>`). */
  kind: EntryKind;
  /** Its `<lastmod>`, as written. */
  lastmod?: string;
}

/** Options of {@linkcode parseSitemap}. */
export interface ParseSitemapOptions {
  /** The sitemap's URL: relative entries are resolved against it. */
  base: string;
  /** Receives each entry, in file order. */
  onEntry: (entry: SitemapEntry) => void;
  /**
   * Decompressed bytes read at most; the rest is cut.
   *
   * @default {52428800}
   */
  maxBytes?: number;
  /**
   * Entries read at most; the rest is cut.
   *
   * @default {50000}
   */
  maxUrls?: number;
  /** Stops reading (the promise then rejects with its reason). */
  signal?: AbortSignal;
}

/** What reading a sitemap found. */
export interface SitemapReport {
  /** `"xml"` or `"text"` (a file whose first character is not `<`). */
  format: "xml" | "text";
  /** The file was gzip (recognised by its bytes, whatever its name or type). */
  gzip: boolean;
  /** Decompressed bytes read. */
  bytes: number;
  /** Entries given to `onEntry`. */
  entries: number;
  /** Entries that are not http(s) URLs, skipped (they count against `maxUrls`). */
  invalid: number;
  /** What cut the file short: its size (`"bytes"`) or its entry count (`"urls"`). */
  cut?: "bytes" | "urls";
  /**
   * Why reading ended early (bad gzip data, elements nested too deep); what
   * came before was read.
   */
  damaged?: string;
}

/** A reader of one format. */
interface Reader {
  write(text: string): void;
  end(): void;
  /** Why the reader stopped before the end, if it did. */
  readonly stopped?: string;
}

/**
 * Reads the sitemap in `body` as a stream and hands each entry to
 * `onEntry`. It never throws for what the file holds: a malformed file
 * yields what is readable, and limits cut it (the report says so).
 *
 * @example A text sitemap with a relative line and a bad one
 * ```ts
 * import { parseSitemap, type SitemapEntry } from "./parse_sitemap.ts";
 * import assert from "node:assert/strict";
 *
 * const entries: SitemapEntry[] = [];
 * const report = await parseSitemap(
 *   new Blob(["https://a.test/x\n/y\nmailto:z@a.test\n"]).stream(),
 *   { base: "https://a.test/sitemap.txt", onEntry: (e) => entries.push(e) },
 * );
 * assert.deepEqual(entries.map((e) => e.url), ["https://a.test/x", "https://a.test/y"]);
 * assert.equal(report.format, "text");
 * assert.equal(report.invalid, 1);
 * ```
 *
 * @param body The file's bytes (after any `Content-Encoding`).
 * @param options Its URL, where entries go, the limits and a signal.
 * @returns What was read.
 */
export async function parseSitemap(
  body: ReadableStream<Uint8Array>,
  options: ParseSitemapOptions,
): Promise<SitemapReport> {
  const { base, onEntry, signal } = options;
  const maxBytes = options.maxBytes ?? SITEMAP_LIMITS.maxBytes;
  const maxUrls = options.maxUrls ?? SITEMAP_LIMITS.maxUrls;
  const bytes: ByteReport = { gzip: false, bytes: 0, cutBytes: false };
  const report: SitemapReport = {
    format: "xml",
    gzip: false,
    bytes: 0,
    entries: 0,
    invalid: 0,
  };
  const take = (loc: string, kind: EntryKind, lastmod?: string) => {
    if (report.cut) return;
    if (report.entries + report.invalid >= maxUrls) {
      report.cut = "urls";
      return;
    }
    const url = normalizeUrl(loc, base);
    if (url === undefined) {
      report.invalid++;
      return;
    }
    report.entries++;
    onEntry(lastmod ? { url, kind, lastmod } : { url, kind });
  };
  const decoder = new TextDecoder();
  let reader: Reader | undefined;
  let pending = "";
  const feed = (text: string) => {
    if (reader === undefined) {
      pending += text;
      const first = pending.trimStart();
      if (first === "") return;
      report.format = first[0] === "<" ? "xml" : "text";
      const max = SITEMAP_LIMITS.maxLocLength;
      reader = report.format === "xml"
        ? new SitemapXml(take, max)
        : new SitemapText((line) => take(line, "page"), max);
      text = pending;
      pending = "";
    }
    reader.write(text);
  };
  for await (const chunk of sitemapBytes(body, maxBytes, bytes, signal)) {
    feed(decoder.decode(chunk, { stream: true }));
    if (report.cut || reader?.stopped !== undefined) break;
  }
  if (!report.cut) feed(decoder.decode());
  reader?.end();
  report.gzip = bytes.gzip;
  report.bytes = bytes.bytes;
  if (bytes.cutBytes && !report.cut) report.cut = "bytes";
  const damaged = reader?.stopped ?? bytes.damaged;
  if (damaged !== undefined) report.damaged = damaged;
  return report;
}
