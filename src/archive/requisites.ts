/**
 * Page requisites: what a page needs to look right when it is replayed —
 * its images (`src`, `srcset`, `<picture>` sources), stylesheets, scripts,
 * media (`<video>`/`<audio>` sources and posters, `<track>`, `<embed>`,
 * `<object>`), icons and preloads, and what its stylesheets load — as
 * `wget -p` fetches them. Frames and links are pages, not requisites.
 *
 * @module
 */
import type { PageReference, ReferenceKind } from "../parse/references.ts";
import { cssUrls, decodeCss } from "./css_refs.ts";
import type { Exchange } from "./exchange.ts";

/** The kinds of reference that are requisites. */
export const REQUISITE_KINDS: ReadonlySet<ReferenceKind> = new Set<
  ReferenceKind
>(["image", "stylesheet", "script", "media", "icon", "preload"]);

/**
 * The requisites among a page's references, without repeats, in document
 * order.
 *
 * @example
 * ```ts
 * import { requisiteUrls } from "./requisites.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   requisiteUrls([
 *     { url: "https://a.test/s.css", kind: "stylesheet" },
 *     { url: "https://a.test/next", kind: "link" },
 *     { url: "https://a.test/i.png", kind: "image" },
 *     { url: "https://a.test/s.css", kind: "preload" },
 *   ]),
 *   ["https://a.test/s.css", "https://a.test/i.png"],
 * );
 * ```
 *
 * @param references The page's references.
 * @returns The requisites' URLs.
 */
export function requisiteUrls(
  references: readonly PageReference[] | undefined,
): string[] {
  const urls = new Set<string>();
  for (const ref of references ?? []) {
    if (REQUISITE_KINDS.has(ref.kind)) urls.add(ref.url);
  }
  return [...urls];
}

/**
 * What a fetched stylesheet loads: the URLs of its `url()`s and `@import`s,
 * when the last exchange is a whole 2xx `text/css` response.
 *
 * @example
 * ```ts
 * import { stylesheetUrls } from "./requisites.ts";
 * import assert from "node:assert/strict";
 *
 * const urls = stylesheetUrls([{
 *   url: "https://a.test/css/s.css", method: "GET", requestHeaders: [], date: 0,
 *   status: 200, statusText: "OK", truncated: false,
 *   responseHeaders: [["content-type", "text/css"]],
 *   body: new TextEncoder().encode("a { background: url(../bg.png) }"),
 * }]);
 * assert.deepEqual(urls, ["https://a.test/bg.png"]);
 * ```
 *
 * @param exchanges The requisite's exchanges, the final one last.
 * @returns The URLs, resolved against the stylesheet's URL.
 */
export function stylesheetUrls(exchanges: readonly Exchange[]): string[] {
  const last = exchanges.at(-1);
  if (!last || last.status < 200 || last.status >= 300 || last.truncated) {
    return [];
  }
  const type = last.responseHeaders.find(([k]) => k === "content-type")?.[1];
  if (type?.split(";")[0].trim().toLowerCase() !== "text/css") return [];
  return cssUrls(decodeCss(last.body, type), last.url);
}
