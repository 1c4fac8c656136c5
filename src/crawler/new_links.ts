/**
 * Which of a page's links the frontier has not seen: nofollow links left
 * out, session ids stripped, repeats dropped, and the known ones skipped.
 * With the frontier keys the parse worker made (`LinkKeys`) this costs the
 * crawler's thread one table lookup per link; without them it strips and
 * fingerprints here.
 *
 * @module
 */
import type { CrawlFrontier } from "../frontier/store.ts";
import type { LinkKeys } from "../parse/link_keys.ts";

/** A page's links as the parser packed them. */
export interface PageLinkList {
  /** The links, resolved, in document order. */
  urls: readonly string[];
  /** Indexes of links marked `rel=nofollow`. */
  flagged: ReadonlySet<number>;
  /** Their frontier keys, when the parser made them. */
  keys?: LinkKeys;
}

/**
 * The links of `page` to consider following, in order: each not marked
 * nofollow, with its session ids stripped, once, and not seen by
 * `frontier`.
 *
 * @example Usage
 * ```ts
 * import { newLinks } from "./new_links.ts";
 * import assert from "node:assert/strict";
 *
 * const frontier = { has: (url: string) => url === "https://a.test/old" };
 * const urls = ["https://a.test/old", "https://a.test/new", "https://a.test/new?sid=1"];
 * const strip = (url: string) => url.replace(/\?sid=\d+$/, "");
 * assert.deepEqual(
 *   newLinks({ urls, flagged: new Set() }, frontier, strip),
 *   ["https://a.test/new"],
 * );
 * ```
 *
 * @param page The links.
 * @param frontier Knows the URLs already accepted.
 * @param strip Strips session ids (when the parser made no keys).
 * @returns The URLs, session ids stripped.
 */
export function newLinks(
  page: PageLinkList,
  frontier: Pick<CrawlFrontier, "has" | "hasFingerprint">,
  strip: (url: string) => string,
): string[] {
  const { urls, flagged, keys } = page;
  const out: string[] = [];
  if (keys !== undefined && frontier.hasFingerprint !== undefined) {
    const { fingerprints: fp } = keys;
    const stripped = keys.stripped.length > 0
      ? new Map(keys.stripped)
      : undefined;
    const repeats = keys.repeats.length > 0 ? new Set(keys.repeats) : undefined;
    for (let i = 0; i < urls.length; i++) {
      if (flagged.has(i) || repeats?.has(i)) continue;
      if (frontier.hasFingerprint(fp[2 * i], fp[2 * i + 1])) continue;
      out.push(stripped?.get(i) ?? urls[i]);
    }
    return out;
  }
  const taken = new Set<string>();
  for (let i = 0; i < urls.length; i++) {
    if (flagged.has(i)) continue;
    const url = strip(urls[i]);
    if (frontier.has(url) || taken.has(url)) continue;
    taken.add(url);
    out.push(url);
  }
  return out;
}
