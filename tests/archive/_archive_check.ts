/**
 * Checks the WARC files of a crawl of a generated site: no torn record,
 * every record and digest right (read with npm `warcio`), and each page's
 * response archived exactly as often as one clean crawl fetches it.
 *
 * @module
 */
import { scanWarc } from "../../src/archive/warc_reader.ts";
import type { GeneratedSite } from "../_support/generated_site.ts";
import { checkRecords, readWarcs, type Rec } from "./_warc.ts";

/** What {@linkcode checkArchive} found. */
export interface ArchiveCheck {
  /** The problems (none when the archive is right). */
  problems: string[];
  /** Every record. */
  records: Rec[];
  /** Responses (and revisits) per target URI. */
  responses: Map<string, number>;
}

/**
 * Times one clean crawl of `site` fetches each URL: every page once, plus
 * once per redirect that leads to it; robots.txt once; disallowed URLs
 * never.
 */
export function expectedFetches(site: GeneratedSite): Map<string, number> {
  const out = new Map<string, number>();
  out.set(site.origin + "/robots.txt", 1);
  for (const [url, outcome] of site.expected) {
    if (outcome !== "skipped:robots") out.set(url, 1);
  }
  for (const target of site.redirectTargets.values()) {
    out.set(target, (out.get(target) ?? 0) + 1);
  }
  return out;
}

/**
 * Reads `files` and compares them with `expected` (see
 * {@linkcode expectedFetches}); URIs in `lost` may be missing (their
 * records were in a file removed meanwhile) but never repeated.
 */
export async function checkArchive(
  files: readonly string[],
  expected: ReadonlyMap<string, number>,
  lost = false,
): Promise<ArchiveCheck> {
  const problems: string[] = [];
  for (const file of files) {
    const { end, size } = await scanWarc(file, () => {});
    if (end !== size) {
      problems.push(`${file}: ${size - end} bytes past its last record`);
    }
  }
  const records = await readWarcs(files);
  problems.push(...checkRecords(records));
  const responses = new Map<string, number>();
  for (const r of records) {
    if (r.type === "response" || r.type === "revisit") {
      responses.set(r.uri!, (responses.get(r.uri!) ?? 0) + 1);
    }
  }
  for (const [uri, n] of responses) {
    const want = expected.get(uri);
    if (want === undefined) problems.push(`${uri} archived, not fetched`);
    else if (n > want) {
      problems.push(`${uri} archived ${n} times, want ${want}`);
    }
  }
  if (!lost) {
    for (const [uri, want] of expected) {
      const n = responses.get(uri) ?? 0;
      if (n < want) problems.push(`${uri} archived ${n} times, want ${want}`);
    }
  }
  for (const r of records) {
    const page = /\/p\/(\d+)$/.exec(r.uri ?? "")?.[1];
    if (r.type === "response" && r.status === 200 && page !== undefined) {
      const text = new TextDecoder().decode(r.payload);
      if (!text.includes(`<title>Page ${page}</title>`)) {
        problems.push(`${r.uri}: the archived page is not page ${page}`);
      }
    }
  }
  return { problems, records, responses };
}
