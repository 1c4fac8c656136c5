/**
 * The frontier's keys of a page's links, made where the page is parsed (in
 * the parse worker) so the crawler's thread does not: each link with its
 * session ids stripped, its 64-bit fingerprint (the frontier's dedupe key,
 * see `FingerprintSet`), and which links repeat an earlier one once
 * stripped.
 *
 * @module
 */
import { fingerprint64 } from "../frontier/fingerprint_set.ts";
import { stripSessionIds } from "../guards/trap_guard.ts";

/** The frontier's keys of a page's links, in link order. */
export interface LinkKeys {
  /**
   * Two 32-bit words per link (`[hi, lo]` of link `i` at `2i`, `2i + 1`):
   * the fingerprint of the link with its session ids stripped.
   */
  fingerprints: Uint32Array;
  /** Links that stripping changed: `[index, stripped URL]`. */
  stripped: [number, string][];
  /** Indexes of links equal, once stripped, to an earlier link. */
  repeats: number[];
}

/** Scratch space for one fingerprint. */
const FP = new Uint32Array(2);

/** Session-id strippers by their names (a worker sees few name lists). */
const strippers = new Map<string, (url: string) => string>();

function stripperFor(names: readonly string[]): (url: string) => string {
  const key = names.join("\n");
  let strip = strippers.get(key);
  if (!strip) {
    const list = [...names];
    strip = (url) =>
      url.indexOf("?") < 0 && url.indexOf(";") < 0
        ? url
        : stripSessionIds(url, list);
    if (strippers.size < 16) strippers.set(key, strip);
  }
  return strip;
}

/**
 * The keys of `urls` (a page's links, already normalized and distinct):
 * session ids named in `sessionParams` stripped as `TrapGuard` strips
 * them, then fingerprinted as the frontier does. A link repeats when an
 * earlier link not marked nofollow strips to the same URL.
 *
 * @example Two links that are one page once the session id is gone
 * ```ts
 * import { linkKeys } from "./link_keys.ts";
 * import { fingerprint64 } from "../frontier/fingerprint_set.ts";
 * import assert from "node:assert/strict";
 *
 * const keys = linkKeys(
 *   ["https://a.test/p?sid=1", "https://a.test/p"],
 *   [],
 *   ["sid"],
 * );
 * assert.deepEqual(keys.stripped, [[0, "https://a.test/p"]]);
 * assert.deepEqual(keys.repeats, [1]);
 * const fp = new Uint32Array(2);
 * fingerprint64("https://a.test/p", fp);
 * assert.deepEqual([...keys.fingerprints.subarray(0, 2)], [...fp]);
 * ```
 *
 * @param urls The links, in order.
 * @param nofollow Indexes of the links marked `rel=nofollow` (not
 * followed, so they make no later link a repeat).
 * @param sessionParams The session parameter names to strip.
 * @returns The keys.
 */
export function linkKeys(
  urls: readonly string[],
  nofollow: readonly number[],
  sessionParams: readonly string[],
): LinkKeys {
  const strip = stripperFor(sessionParams);
  const fingerprints = new Uint32Array(urls.length * 2);
  const stripped: [number, string][] = [];
  const keys = new Array<string>(urls.length);
  for (let i = 0; i < urls.length; i++) {
    const url = keys[i] = strip(urls[i]);
    if (url !== urls[i]) stripped.push([i, url]);
    fingerprint64(url, FP);
    fingerprints[2 * i] = FP[0];
    fingerprints[2 * i + 1] = FP[1];
  }
  // The links are distinct: only stripping can make two of them one.
  const repeats: number[] = [];
  if (stripped.length > 0) {
    const flagged = new Set(nofollow);
    const taken = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      if (flagged.has(i)) continue;
      if (taken.has(keys[i])) repeats.push(i);
      else taken.add(keys[i]);
    }
  }
  return { fingerprints, stripped, repeats };
}
