/**
 * The politeness key of a URL: its `host` (hostname and port), the one
 * helper the stores use to file a URL under its host.
 *
 * @module
 */

/**
 * The `host` of `url` (hostname and port, as `URL.host`), or `""` when it is
 * not a URL.
 *
 * @example Usage
 * ```ts
 * import { hostOf } from "./host_of.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hostOf("https://example.com:8080/a"), "example.com:8080");
 * assert.equal(hostOf("not a url"), "");
 * ```
 *
 * @param url A URL.
 * @returns Its host, or `""`.
 */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}
