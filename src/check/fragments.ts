/**
 * Whether a page has the target of a `#fragment`, as a browser would find
 * it: an element whose `id` (or an `<a>` whose `name`) equals the fragment,
 * percent-decoded or as written; `#top` and an empty fragment always scroll
 * (to the top), and a text directive (`#:~:text=`) is not an id.
 *
 * @module
 */

/**
 * Whether a fragment needs no target on the page (HTML's "top of the
 * document" and text directives).
 *
 * @example
 * ```ts
 * import { needsNoTarget } from "./fragments.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(needsNoTarget("Top"), true);
 * assert.equal(needsNoTarget(":~:text=hello"), true);
 * assert.equal(needsNoTarget("intro"), false);
 * ```
 *
 * @param fragment The fragment, without `#`.
 * @returns `true` when any page has it.
 */
export function needsNoTarget(fragment: string): boolean {
  return fragment === "" || fragment.toLowerCase() === "top" ||
    fragment.startsWith(":~:");
}

/**
 * The spellings of a fragment that may name an anchor: as written, and
 * percent-decoded when that differs.
 *
 * @example
 * ```ts
 * import { fragmentNames } from "./fragments.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(fragmentNames("caf%C3%A9"), ["caf%C3%A9", "café"]);
 * assert.deepEqual(fragmentNames("intro"), ["intro"]);
 * ```
 *
 * @param fragment The fragment, without `#`.
 * @returns One or two names.
 */
export function fragmentNames(fragment: string): string[] {
  let decoded = fragment;
  try {
    decoded = decodeURIComponent(fragment);
  } catch { /* a stray %: as written only */ }
  return decoded === fragment ? [fragment] : [fragment, decoded];
}
