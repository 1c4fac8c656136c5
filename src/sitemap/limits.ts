/**
 * The limits a sitemap is read under: the protocol's own (sitemaps.org), and
 * the crawler's defences against hostile files.
 *
 * @module
 */

/**
 * The limits of one sitemap file and of sitemap indexes.
 *
 * @example Reading a limit
 * ```ts
 * import { SITEMAP_LIMITS } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SITEMAP_LIMITS.maxUrls, 50_000);
 * ```
 */
export const SITEMAP_LIMITS = {
  /**
   * Decompressed bytes read from one file at most (the protocol's 50 MiB);
   * the rest is cut, with a warning.
   */
  maxBytes: 52_428_800,
  /** Entries read from one file at most (the protocol's); the rest is cut. */
  maxUrls: 50_000,
  /** Characters of one `<loc>` at most (the protocol's 2,048). */
  maxLocLength: 2048,
  /**
   * Index levels followed below a root sitemap: an index's sitemaps are
   * level 1; the protocol allows no more, but nested indexes exist, so one
   * more level is read, and none deeper.
   */
  maxNesting: 2,
  /**
   * Compressed bytes handed to the gzip decoder at a time: the decoder
   * inflates each piece whole, and deflate inflates at most ~1,032 times,
   * so one decoded chunk stays near 2 MiB even for a gzip bomb.
   */
  inflateSlice: 2048,
} as const;
