/**
 * File extensions that name non-HTML resources, skipped without a request.
 *
 * @module
 */

/**
 * The default `skipExtensions`: documents, images, audio, video, archives and
 * other binaries (after Scrapy's `IGNORED_EXTENSIONS`).
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_SKIP_EXTENSIONS } from "@trawl/trawl";
 *
 * console.log(DEFAULT_SKIP_EXTENSIONS.includes("pdf")); // true
 * ```
 */
export const DEFAULT_SKIP_EXTENSIONS: readonly string[] = Object.freeze([
  // archives
  "7z",
  "7zip",
  "apk",
  "bz2",
  "cab",
  "dmg",
  "gz",
  "iso",
  "jar",
  "rar",
  "tar",
  "tgz",
  "xz",
  "zip",
  // audio
  "aac",
  "aif",
  "aiff",
  "flac",
  "m4a",
  "mid",
  "mp3",
  "oga",
  "ogg",
  "opus",
  "ra",
  "wav",
  "wma",
  // images
  "ai",
  "avif",
  "bmp",
  "cdr",
  "eps",
  "gif",
  "heic",
  "ico",
  "jpeg",
  "jpg",
  "pct",
  "png",
  "psd",
  "svg",
  "tif",
  "tiff",
  "webp",
  // video
  "3gp",
  "asf",
  "asx",
  "avi",
  "flv",
  "m4v",
  "mkv",
  "mov",
  "mp4",
  "mpeg",
  "mpg",
  "qt",
  "rm",
  "swf",
  "vob",
  "webm",
  "wmv",
  // office and documents
  "csv",
  "doc",
  "docx",
  "epub",
  "odg",
  "odp",
  "ods",
  "odt",
  "pdf",
  "pps",
  "ppt",
  "pptx",
  "rtf",
  "xls",
  "xlsx",
  // other binaries and assets
  "bin",
  "css",
  "deb",
  "exe",
  "js",
  "msi",
  "rpm",
  "woff",
  "woff2",
  "ttf",
  "otf",
  "eot",
]);

/**
 * The lowercase extension of a URL's last path segment, if it has one.
 *
 * @example Usage
 * ```ts
 * import { urlExtension } from "./skip_extensions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(urlExtension("https://example.com/files/Report.PDF?x=1"), "pdf");
 * assert.equal(urlExtension("https://example.com/a.b/c"), undefined);
 * ```
 *
 * @param url An absolute URL in normal form (no fragment).
 * @returns The extension without the dot, or `undefined`.
 */
export function urlExtension(url: string): string | undefined {
  let end = url.indexOf("?");
  if (end === -1) end = url.length;
  const slash = url.lastIndexOf("/", end - 1);
  const dot = url.lastIndexOf(".", end - 1);
  if (dot <= slash || dot === end - 1 || end - dot > 9) return undefined;
  return url.slice(dot + 1, end).toLowerCase();
}
